//! A tiny HTTP/1.1 server on 127.0.0.1 for the client's tests.
//!
//! Hand-written on tokio's TCP socket rather than a mock framework because the tests
//! need things mocks make awkward: a 200 MB body generated while streaming (never held
//! in memory), connections dropped without an answer, and every request recorded with
//! its headers so a test can assert what was (not) sent. One request per connection
//! (`Connection: close`) keeps it simple.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body, read by `Content-Length`.
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(stored, _)| stored.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What to send back.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    /// `total` bytes of `x`, generated while writing; chunked or with a Content-Length.
    Stream {
        total: u64,
        chunked: bool,
    },
}

/// A reply, or a dropped connection.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Duration,
    reset: bool,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
            delay: Duration::ZERO,
            reset: false,
        }
    }

    pub fn json(text: &str) -> Self {
        Self::status(200)
            .header("content-type", "application/json")
            .body(text.as_bytes())
    }

    /// Closes the connection without answering.
    pub fn reset() -> Self {
        Self {
            reset: true,
            ..Self::status(0)
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, bytes: &[u8]) -> Self {
        self.body = Body::Bytes(bytes.to_vec());
        self
    }

    pub fn stream(mut self, total: u64, chunked: bool) -> Self {
        self.body = Body::Stream { total, chunked };
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

/// A running server; stops with the test's runtime.
pub struct TestServer {
    pub address: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    load: Arc<Load>,
}

/// Requests being answered now, and the most ever answered at once.
#[derive(Debug, Default)]
struct Load {
    current: AtomicUsize,
    peak: AtomicUsize,
}

impl TestServer {
    /// Starts a server; `handler` gets each request and how many earlier requests had
    /// the same path.
    pub async fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let load: Arc<Load> = Arc::default();
        let accept_log = Arc::clone(&log);
        let accept_load = Arc::clone(&load);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = Arc::clone(&accept_log);
                let handler = Arc::clone(&handler);
                let load = Arc::clone(&accept_load);
                tokio::spawn(async move {
                    let _ = serve(stream, log, handler, &load).await;
                });
            }
        });
        Self { address, log, load }
    }

    /// The most requests that were being answered at the same time.
    pub fn peak_in_flight(&self) -> usize {
        self.load.peak.load(Ordering::SeqCst)
    }

    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.address)).unwrap()
    }

    /// Requests received for `path`.
    pub fn requests(&self, path: &str) -> Vec<Recorded> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|request| request.path == path)
            .cloned()
            .collect()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.requests(path).len()
    }
}

async fn serve(
    stream: TcpStream,
    log: Arc<Mutex<Vec<Recorded>>>,
    handler: Arc<Handler>,
    load: &Load,
) -> std::io::Result<()> {
    let current = load.current.fetch_add(1, Ordering::SeqCst) + 1;
    load.peak.fetch_max(current, Ordering::SeqCst);
    let result = answer(stream, log, handler).await;
    load.current.fetch_sub(1, Ordering::SeqCst);
    result
}

async fn answer(
    mut stream: TcpStream,
    log: Arc<Mutex<Vec<Recorded>>>,
    handler: Arc<Handler>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await?;
        if read == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_owned();
    let path = request_line.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let head_end = head
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map_or(head.len(), |position| position + 4);
    let mut body = head[head_end..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..read]);
    }
    let request = Recorded {
        method,
        path,
        headers,
        body,
    };
    let earlier = {
        let mut log = log.lock().unwrap();
        let earlier = log.iter().filter(|seen| seen.path == request.path).count();
        log.push(request.clone());
        earlier
    };
    let reply = handler(&request, earlier);
    tokio::time::sleep(reply.delay).await;
    if reply.reset {
        return Ok(());
    }
    let mut out = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", reply.status);
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    match &reply.body {
        Body::Bytes(bytes) => out.push_str(&format!("content-length: {}\r\n", bytes.len())),
        Body::Stream {
            total,
            chunked: false,
        } => out.push_str(&format!("content-length: {total}\r\n")),
        Body::Stream { chunked: true, .. } => out.push_str("transfer-encoding: chunked\r\n"),
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes()).await?;
    if request.method != "HEAD" {
        match reply.body {
            Body::Bytes(bytes) => stream.write_all(&bytes).await?,
            Body::Stream { total, chunked } => write_stream(&mut stream, total, chunked).await?,
        }
    }
    stream.shutdown().await
}

async fn write_stream(stream: &mut TcpStream, total: u64, chunked: bool) -> std::io::Result<()> {
    let chunk = vec![b'x'; 64 * 1024];
    let mut left = total;
    while left > 0 {
        let size = left.min(chunk.len() as u64) as usize;
        if chunked {
            stream.write_all(format!("{size:x}\r\n").as_bytes()).await?;
        }
        stream.write_all(&chunk[..size]).await?;
        if chunked {
            stream.write_all(b"\r\n").await?;
        }
        left -= size as u64;
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    Ok(())
}

/// A port on 127.0.0.1 where nothing listens.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}
