//! Logo validation speed: `cargo bench --bench logo`.
//!
//! Times checking valid_logo.png and valid_logo.jpg, refusing the 50000×50000
//! bomb, and auto-fitting off_centre.png, and reports the peak memory of the
//! process (VmHWM) before and after the bomb, on a release build.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use yunshi::domain::logo::{autofit, check_logo};

/// The logo fixtures in the repository (made by `tests/common/logo_cases.rs`).
fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logos"))
}

/// Peak resident memory of this process in KiB (Linux), if known.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn time(label: &str, iterations: u32, mut work: impl FnMut()) {
    work();
    let mut samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2];
    let p95 = samples[samples.len() * 95 / 100];
    println!("{label:<36} median {median:>10.2?}   p95 {p95:>10.2?}   ({iterations} runs)");
}

fn main() {
    let dir = fixtures();
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let (png, jpeg, bomb, off_centre) = (
        read("valid_logo.png"),
        read("valid_logo.jpg"),
        read("bomb_50000x50000.png"),
        read("off_centre.png"),
    );
    time("check valid_logo.png (accept)", 200, || {
        assert!(check_logo(&png).is_ok())
    });
    time("check valid_logo.jpg (accept)", 200, || {
        assert!(check_logo(&jpeg).is_ok())
    });
    let before = peak_kib();
    time("check bomb_50000x50000.png (refuse)", 2000, || {
        assert!(check_logo(&bomb).is_err())
    });
    let after = peak_kib();
    time("autofit off_centre.png", 50, || {
        assert!(autofit(&off_centre).is_ok())
    });
    if let (Some(before), Some(after)) = (before, after) {
        println!("peak memory before the bomb {before} KiB, after 2000 refusals {after} KiB");
    }
}
