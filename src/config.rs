//! Settings from flags and the environment, and the session secret.

use std::path::{Path, PathBuf};

use actix_web::cookie::Key;
use rand::RngExt;

use crate::db::{Backend, DbSetupError};

/// What the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `postgres://…`, `sqlite://path` or a path; `None` means `<data_dir>/yunshi.db`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub bind: String,
    /// At least 32 bytes; when absent, one is generated once into the data folder.
    pub secret_key: Option<String>,
    /// Mark the session cookie Secure (when served over https).
    pub cookie_secure: bool,
    pub pool_size: u32,
    /// Whether `database_url` was given rather than defaulted: a SQLite file
    /// it names must be in a folder that exists (or in the data folder),
    /// so a typo is an error, not a new empty database.
    pub database_url_given: bool,
}

impl Settings {
    pub fn backend(&self) -> Result<Backend, DbSetupError> {
        let backend = match &self.database_url {
            Some(url) => Backend::from_url(url)?,
            None => Backend::Sqlite(self.data_dir.join("yunshi.db")),
        };
        if let Backend::Sqlite(path) = &backend
            && self.database_url_given
        {
            let folder = path
                .parent()
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let is_data_folder = same_folder(folder, &self.data_dir);
            if !is_data_folder && !folder.is_dir() {
                return Err(DbSetupError::NoFolder(folder.display().to_string()));
            }
        }
        Ok(backend)
    }

    /// The key that encrypts and signs session cookies.
    pub fn session_key(&self) -> Result<Key, String> {
        match &self.secret_key {
            Some(secret) if secret.len() >= 32 => Ok(Key::derive_from(secret.as_bytes())),
            Some(_) => Err("SECRET_KEY must be at least 32 characters".into()),
            None => key_from_file(&self.data_dir.join("secret.key")),
        }
    }
}

/// Whether two folder paths name the same folder: as written (`./data` and
/// `data` alike), or once both exist.
fn same_folder(a: &Path, b: &Path) -> bool {
    fn written(path: &Path) -> Vec<std::path::Component<'_>> {
        path.components()
            .filter(|part| *part != std::path::Component::CurDir)
            .collect()
    }
    written(a) == written(b)
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Reads the key kept in the data folder, creating it on first start so that
/// sessions survive restarts.
fn key_from_file(path: &Path) -> Result<Key, String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let bytes = decode_hex(existing.trim())
            .filter(|bytes| bytes.len() >= 32)
            .ok_or_else(|| {
                format!(
                    "{} is not a valid key; delete it to get a new one",
                    path.display()
                )
            })?;
        return Ok(Key::derive_from(&bytes));
    }
    let bytes: [u8; 64] = rand::rng().random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_private(path, &hex).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Key::derive_from(&bytes))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
    }

    #[test]
    fn folders_are_compared_as_written_or_as_found() {
        assert!(same_folder(Path::new("./data"), Path::new("data")));
        assert!(same_folder(Path::new("data/"), Path::new("./data")));
        assert!(!same_folder(Path::new("dtaa"), Path::new("data")));
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("yunshi-key-{}", rand::random::<u64>()));
        let path = dir.join("secret.key");
        let first = key_from_file(&path).unwrap();
        let second = key_from_file(&path).unwrap();
        assert_eq!(first.master(), second.master());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
