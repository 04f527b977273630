//! Slow and numerous clients cannot take the server from others: one
//! address holding every connection it may, each trickling a request body,
//! is refused beyond its share (429 at once) and cut off at the body
//! deadline (408), while a client from another address is served
//! throughout. In a test binary of its own, so that no other test shares
//! its connections or its clock.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Visitor;
use reqwest::StatusCode;
use yunshi::connections::ConnectionLimits;

const PER_ADDRESS: usize = 16;

/// A connection that sent a POST head and one byte of a 1 000-byte body.
fn trickling(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nhost: test\r\n\
              content-type: application/x-www-form-urlencoded\r\n\
              content-length: 1000\r\n\r\nl",
        )
        .expect("send the head");
    stream
}

/// The status line of whatever the server answers on `stream`.
fn status_line(stream: &mut TcpStream, wait: Duration) -> String {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(read) = stream.read(&mut buffer) {
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[actix_web::test]
async fn a_slow_body_flood_from_one_address_leaves_others_served() {
    let limits = ConnectionLimits {
        per_address: PER_ADDRESS,
        total: 64,
        body_deadline: Duration::from_secs(2),
    };
    let app = common::spawn_app_with_limits(limits).await;
    let address = app.address.trim_start_matches("http://").to_string();
    // 200 connections from 127.0.0.1: more than the whole server takes.
    let flood_address = address.clone();
    let flood = std::thread::spawn(move || {
        (0..200)
            .map(|_| trickling(&flood_address))
            .collect::<Vec<_>>()
    });
    let mut flood = actix_web::rt::task::spawn_blocking(move || flood.join().unwrap())
        .await
        .unwrap();

    // Another address is served at once, again and again.
    // Loopback is all of 127/8: this client's connections come from 127.0.0.2.
    let other = Visitor {
        base: app.address.clone(),
        http: reqwest::Client::builder()
            .local_address(Some("127.0.0.2".parse().unwrap()))
            .timeout(Duration::from_secs(2))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    for _ in 0..10 {
        let started = Instant::now();
        let page = other.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    // Beyond its share, the flood was refused (429, or the connection
    // closed at once); within it, cut off at the deadline (408). Nothing
    // of it got further.
    let answers: Vec<String> = actix_web::rt::task::spawn_blocking(move || {
        let readers: Vec<_> = flood
            .drain(..)
            .map(|mut stream| {
                std::thread::spawn(move || status_line(&mut stream, Duration::from_secs(3)))
            })
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    })
    .await
    .unwrap();
    let count = |prefix: &str| answers.iter().filter(|a| a.starts_with(prefix)).count();
    let (refused, cut_off) = (count("HTTP/1.1 429"), count("HTTP/1.1 408"));
    assert!(refused > 0, "{answers:?}");
    assert!(cut_off >= PER_ADDRESS, "{answers:?}");
    assert_eq!(
        answers
            .iter()
            .filter(|a| !a.is_empty()
                && !a.starts_with("HTTP/1.1 429")
                && !a.starts_with("HTTP/1.1 408"))
            .count(),
        0,
        "{answers:?}"
    );

    // The address's connections are given back: it is served again.
    let again = common::Visitor {
        base: app.address.clone(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap(),
    };
    assert_eq!(again.get("/login").await.status, StatusCode::OK);
}

/// A connection that sent a head of `headers` and then `first` of its body.
fn trickling_with(address: &str, headers: &str, first: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .write_all(format!("POST /login HTTP/1.1\r\nhost: test\r\n{headers}\r\n").as_bytes())
        .expect("send the head");
    stream.write_all(first).expect("send the first bytes");
    stream
}

#[actix_web::test]
async fn chunked_and_header_token_bodies_are_cut_off_and_their_connections_closed() {
    let limits = ConnectionLimits {
        body_deadline: Duration::from_secs(1),
        ..ConnectionLimits::default()
    };
    let app = common::spawn_app_with_limits(limits).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let answers = actix_web::rt::task::spawn_blocking(move || {
        let mut chunked = trickling_with(
            &address,
            "content-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked\r\n",
            b"1\r\nl\r\n",
        );
        // The token in a header, the body in no form content type at all.
        let mut header_token = trickling_with(
            &address,
            "x-csrf-token: anything\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n",
            b"l",
        );
        let started = Instant::now();
        // Keep trickling after the deadline: the server must not wait for it.
        let mut answers = Vec::new();
        for stream in [&mut chunked, &mut header_token] {
            answers.push(status_line(stream, Duration::from_secs(4)));
        }
        let _ = chunked.write_all(b"1\r\nx\r\n");
        (answers, started.elapsed())
    })
    .await
    .unwrap();
    let (answers, waited) = answers;
    for answer in &answers {
        assert!(answer.starts_with("HTTP/1.1 408"), "{answers:?}");
    }
    // status_line reads to the end: both connections were closed by the
    // server soon after the deadline, not held while the client trickles.
    assert!(waited < Duration::from_secs(4), "{waited:?}");
}
