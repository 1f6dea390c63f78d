//! Connection limits: a client that sends nothing, sends its headers a byte at a time, or
//! stalls its body is cut off after the configured time; idle keep-alive connections close;
//! at most `max_connections` are served at once. (No database question: SQLite only.)

mod common;

use std::time::Duration;

use common::{Backend, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous bound for "closed by the server": far above the 1 s configured below, far below
/// the minutes such connections stayed open before.
const CLOSED_WITHIN: Duration = Duration::from_secs(15);

async fn app_with_timeouts(max_connections: usize) -> TestApp {
    common::spawn_app_with(Backend::Sqlite, |s| {
        s.header_timeout = Duration::from_secs(1);
        s.body_timeout = Duration::from_secs(1);
        s.max_connections = max_connections;
    })
    .await
    .unwrap()
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(CLOSED_WITHIN, stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let app = app_with_timeouts(64).await;
    let mut stream = connect(&app).await;
    read_until_closed(&mut stream).await;
}

#[tokio::test]
async fn headers_sent_too_slowly_are_cut_off() {
    let app = app_with_timeouts(64).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /api/v1/billing/plans/ HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    read_until_closed(&mut stream).await;
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_closed() {
    let app = app_with_timeouts(64).await;
    let mut stream = connect(&app).await;
    let head = "POST /api/v1/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Content-Length: 100000\r\n\r\n{\"email\":";
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("not sent in time"), "{answer}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = app_with_timeouts(64).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /api/v1/billing/plans/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_their_turn() {
    let app = common::spawn_app_with(Backend::Sqlite, |s| s.max_connections = 1)
        .await
        .unwrap();
    let holder = connect(&app).await;
    let mut waiting = connect(&app).await;
    waiting
        .write_all(b"GET /api/v1/billing/plans/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), waiting.read(&mut first)).await;
    assert!(
        early.is_err(),
        "a second connection is not served while the first holds the slot"
    );
    drop(holder);
    let answer = read_until_closed(&mut waiting).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "served once the slot is free: {answer}"
    );
}
