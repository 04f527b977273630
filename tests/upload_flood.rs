//! A flood of logo uploads that would decode to 4096×4096 RGBA (64 MiB each)
//! neither exhausts memory nor slows other visitors: the check refuses any
//! declared size but 240×240 from the header, auto-fit has its own bound,
//! and decodes take turns. In a test binary of its own, so that the peak
//! memory it measures is this test's.

mod common;

use std::time::{Duration, Instant};

use common::Visitor;
use futures_util::future::join_all;
use reqwest::StatusCode;
use yunshi::connections::ConnectionLimits;

const UPLOADS: usize = 128;

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_resident_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib / 1024)
}

#[actix_web::test]
async fn a_flood_of_decompression_bombs_keeps_memory_and_other_pages() {
    // All the uploads come from one address here; let them all in.
    let app = common::spawn_app_with_limits(ConnectionLimits {
        per_address: 4 * UPLOADS,
        ..ConnectionLimits::default()
    })
    .await;
    let bomb = common::logo_cases::real_size_bomb();
    assert!(bomb.len() < 256 * 1024, "{} bytes", bomb.len());
    let vendor = app.signed_in("vendor1").await;
    let id = common::shop::new_image_product(&vendor, "Flood").await;
    let path = format!("/vendor/products/{id}/logo");
    let before = peak_resident_mib();

    // Another visitor, from another address, keeps opening a page meanwhile.
    let other = Visitor {
        base: app.address.clone(),
        http: reqwest::Client::builder()
            .local_address(Some("127.0.0.2".parse().unwrap()))
            .build()
            .unwrap(),
    };
    let flood = join_all((0..UPLOADS).map(|n| {
        let (vendor, path, bomb) = (vendor.clone(), path.clone(), bomb.clone());
        let action = if n % 2 == 0 { "check" } else { "autofit" };
        async move {
            vendor
                .post_file_with(&path, &[("action", action)], "logo", "bomb.png", &bomb)
                .await
        }
    }));
    let browsing = async {
        let mut took = Vec::new();
        for _ in 0..40 {
            let started = Instant::now();
            assert_eq!(other.get("/login").await.status, StatusCode::OK);
            took.push(started.elapsed());
        }
        took
    };
    let (answers, mut took) = futures_util::join!(flood, browsing);
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        answer.assert_contains("4096×4096");
    }
    took.sort();
    let p99 = took[took.len() * 99 / 100];
    let after = peak_resident_mib();
    eprintln!(
        "{UPLOADS} bomb uploads: peak resident {before} → {after} MiB, other page p99 {p99:?}"
    );
    // Decoding one of them as RGBA would take 64 MiB; all at once, gigabytes.
    assert!(after < 200, "peak resident {after} MiB");
    // A debug build on a shared machine: generous, yet far from seconds.
    assert!(p99 < Duration::from_millis(500), "p99 {p99:?}");
}
