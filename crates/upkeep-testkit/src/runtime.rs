//! The background runtime that runs in-process servers and the harness's HTTP calls.
//!
//! One multi-threaded tokio runtime lives for the whole test process. Synchronous
//! harness calls hand their future to it and wait on a std channel, which works from
//! any thread, inside or outside another tokio runtime.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::OnceLock;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("upkeep-testkit")
            .enable_all()
            .build()
            .expect("testkit runtime")
    })
}

/// Runs `fut` on the background runtime and waits for its output.
pub(crate) fn block_on<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    runtime().spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().expect("testkit task panicked")
}

/// The HTTP client the harness uses to fill registries (loopback only, no proxy).
pub(crate) fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("reqwest client")
        })
        .clone()
}

/// An in-process axum server on the background runtime; shuts down when dropped.
pub(crate) struct Server {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// Binds a free loopback port and serves `router` on it.
    pub(crate) fn start(router: axum::Router) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        runtime().spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Server {
            addr,
            shutdown: Some(shutdown),
        }
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
