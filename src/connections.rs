//! Bounds on connections, so that slow or numerous clients cannot take the
//! server from everyone else:
//! - **per client address**: a connection beyond `per_address` open ones
//!   from the same address is answered 429 and closed at once, before any
//!   of its bytes are read (trusted proxies are exempt: everyone behind
//!   them shares their address, and they bound their own clients);
//! - **in all**: at most `total` connections are accepted at once, fewer
//!   than the process may open files, so the database, logs and the
//!   listener always find a descriptor (the soft limit is raised to the
//!   hard one at start-up where allowed);
//! - **per request body**: it must arrive within `body_deadline` (the CSRF
//!   middleware reads every POST body, whatever carries its token; see
//!   `csrf::read_body`), else 408, nothing more is read, and the connection
//!   closes. A request's head has actix's own 5 s.
// The descriptor of the request's own connection is shut without a second
// descriptor per connection (the limits below count one each); libc is the
// only way to do that, in three small SAFETY-commented blocks.
#![allow(unsafe_code)]

use std::any::Any;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::Extensions;

use crate::domain::sign_in::client_key;
use crate::i18n::Lang;

/// The bounds one server applies.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections one client address may hold.
    pub per_address: usize,
    /// Open connections the whole server accepts.
    pub total: usize,
    /// How long a request body may take to arrive.
    pub body_deadline: Duration,
}

/// Descriptors kept free of client connections: the pool's connections,
/// the SQLite files, the log, the listener and whatever a request opens.
const RESERVED_DESCRIPTORS: u64 = 512;

/// What a browser needs (six or so per site) many times over, for offices
/// behind one address; far below what starves anyone else.
pub const PER_ADDRESS: usize = 64;

/// Enough for a 2 MiB logo over a slow line; a body trickling in a byte at
/// a time is cut off long before it ties anything up for good.
pub const BODY_DEADLINE: Duration = Duration::from_secs(30);

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            per_address: PER_ADDRESS,
            total: 4096,
            body_deadline: BODY_DEADLINE,
        }
    }
}

impl ConnectionLimits {
    /// The limits for this process: the soft limit on open files raised to
    /// the hard one, and the total kept `RESERVED_DESCRIPTORS` below it.
    pub fn for_this_process() -> ConnectionLimits {
        let files = raise_open_files_limit();
        let total = files
            .saturating_sub(RESERVED_DESCRIPTORS)
            .clamp(64, 100_000) as usize;
        ConnectionLimits {
            total,
            ..ConnectionLimits::default()
        }
    }
}

/// Raises the soft limit on open files to the hard limit; returns the soft
/// limit in force afterwards.
#[cfg(unix)]
fn raise_open_files_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur
}

#[cfg(not(unix))]
fn raise_open_files_limit() -> u64 {
    1024
}

/// Open connections by client address, shared by every worker.
#[derive(Default)]
pub struct OpenConnections {
    by_address: Mutex<HashMap<IpAddr, usize>>,
}

/// One open connection's place in the count, given back when the
/// connection ends (actix drops a connection's extensions with it).
struct Counted {
    address: IpAddr,
    open: Arc<OpenConnections>,
}

/// What a request knows of its connection (kept in the connection's
/// extensions for as long as the connection lives).
struct Connection {
    /// `None` for a trusted proxy, which is not counted.
    _counted: Option<Counted>,
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut by_address = self.open.lock();
        if let Some(count) = by_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                by_address.remove(&self.address);
            }
        }
    }
}

impl OpenConnections {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.by_address
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a new connection from `address`; whether it is within `limit`.
    fn admit(self: &Arc<Self>, address: IpAddr, limit: usize) -> (Counted, bool) {
        let mut by_address = self.lock();
        let count = by_address.entry(address).or_insert(0);
        *count += 1;
        let within = *count <= limit;
        drop(by_address);
        (
            Counted {
                address,
                open: self.clone(),
            },
            within,
        )
    }

    /// How many connections `address` holds open now.
    pub fn open_from(&self, address: IpAddr) -> usize {
        self.lock().get(&address).copied().unwrap_or(0)
    }
}

/// The answer to a connection over its address's limit, written before it
/// is closed: the visitor's language is not known yet, so both.
fn over_limit_response() -> String {
    let body = format!(
        "{}\n{}\n",
        Lang::Zh.catalogue().err_too_many_connections,
        Lang::En.catalogue().err_too_many_connections
    );
    format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain; charset=utf-8\r\n\
         retry-after: 5\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// The `on_connect` hook: counts the connection under its peer's address
/// and closes it at once when that address already holds `limit`.
pub fn on_connect(
    open: &Arc<OpenConnections>,
    limit: usize,
    trusted_proxies: &[IpAddr],
    connection: &dyn Any,
    extensions: &mut Extensions,
) {
    let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
        return;
    };
    let Ok(peer) = stream.peer_addr() else {
        return;
    };
    let peer = peer.ip().to_canonical();
    let (counted, within) = if trusted_proxies.contains(&peer) {
        (None, true)
    } else {
        let (counted, within) = open.admit(client_key(peer), limit);
        (Some(counted), within)
    };
    extensions.insert(Arc::new(Connection {
        _counted: counted,
        #[cfg(unix)]
        fd: std::os::fd::AsRawFd::as_raw_fd(stream),
    }));
    if !within {
        // Best effort: a fresh socket's send buffer takes these few bytes.
        let _ = stream.try_write(over_limit_response().as_bytes());
        shut_down(stream);
    }
}

/// Stops reading the request's connection: what the client still sends is
/// not waited for, and the connection closes once the answer is written.
pub fn stop_reading(req: &actix_web::HttpRequest) {
    #[cfg(unix)]
    if let Some(connection) = req.conn_data::<Arc<Connection>>() {
        // SAFETY: the descriptor belongs to this request's connection, which
        // lives (and keeps it open) at least as long as the request.
        unsafe {
            libc::shutdown(connection.fd, libc::SHUT_RD);
        }
    }
    #[cfg(not(unix))]
    let _ = req;
}

/// Shuts both directions of the socket: actix then reads the end of the
/// stream and drops the connection (and its count) without reading a byte.
#[cfg(unix)]
fn shut_down(stream: &actix_web::rt::net::TcpStream) {
    use std::os::fd::AsRawFd;
    // SAFETY: shutdown on a descriptor this stream owns and keeps open.
    unsafe {
        libc::shutdown(stream.as_raw_fd(), libc::SHUT_RDWR);
    }
}

#[cfg(not(unix))]
fn shut_down(_stream: &actix_web::rt::net::TcpStream) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_admitted_up_to_its_limit_and_counted_down_on_close() {
        let open = Arc::new(OpenConnections::default());
        let address: IpAddr = "203.0.113.7".parse().unwrap();
        let other: IpAddr = "203.0.113.8".parse().unwrap();
        let (first, within) = open.admit(address, 2);
        assert!(within);
        let (second, within) = open.admit(address, 2);
        assert!(within);
        let (third, within) = open.admit(address, 2);
        assert!(!within, "the third of two is refused");
        let (_elsewhere, within) = open.admit(other, 2);
        assert!(within, "another address has its own count");
        drop(third);
        drop(first);
        assert_eq!(open.open_from(address), 1);
        drop(second);
        assert_eq!(open.open_from(address), 0);
        assert!(
            !open.lock().contains_key(&address),
            "nothing kept for a gone address"
        );
    }

    #[test]
    fn the_refusal_is_a_complete_response() {
        let response = over_limit_response();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 429"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
    }
}
