//! The only async, hyper-aware file: accepts connections, turns each hyper request into an owned
//! `ApiRequest` once, hands it to the synchronous `App`, and writes the answer back. Shutdown is
//! graceful: the listener closes, and requests in flight get their answers before `run` returns.
//!
//! `FakeServer` runs all of this on a thread of its own, for tests and for library users:
//!
//! ```
//! use enswitch_fake::{app::App, server::FakeServer};
//!
//! let fake = FakeServer::start(App::embedded().unwrap()).unwrap();
//! assert!(fake.api_url().starts_with("http://127.0.0.1:"));
//! assert!(fake.api_url().ends_with("/api/json/"));
//! // The server stops when `fake` is dropped.
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::app::App;
use crate::render::HttpAnswer;
use crate::request::{ApiRequest, Method};

/// The largest request body read; a larger one is answered 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What answers requests: the fake (`App`), or the recording proxy. Synchronous: called once per
/// request with the owned request, it returns the whole answer.
pub trait Handler: Send + Sync + 'static {
    fn serve(&self, request: ApiRequest) -> HttpAnswer;
}

impl Handler for App {
    fn serve(&self, request: ApiRequest) -> HttpAnswer {
        App::serve(self, request)
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for open requests.
pub async fn run<H: Handler>(
    listener: TcpListener,
    app: Arc<H>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(accepted) => accepted,
                    // Out of file descriptors and the like: the next accept may work.
                    Err(_) => continue,
                };
                let app = Arc::clone(&app);
                let service = service_fn(move |request| answer(Arc::clone(&app), request));
                let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    // A client that goes away mid-request is its own business.
                    let _ = connection.await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Returned instead of an answer to make hyper close the connection (a `close` fault).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

async fn answer<H: Handler>(
    app: Arc<H>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => {
            return Ok(plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large\n",
            ));
        }
    };
    let method = match parts.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "DELETE" => Method::Delete,
        other => Method::Other(other.to_owned()),
    };
    let request = ApiRequest {
        method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        content_type: parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    };
    let answer = app.serve(request);
    if answer.delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(answer.delay_ms)).await;
    }
    if answer.drop {
        return Err(Dropped);
    }
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    Ok(response)
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

/// A fake running on a thread of its own, on a random loopback port. Stops when dropped.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl FakeServer {
    /// Starts `app` on `127.0.0.1:0`.
    pub fn start(app: App) -> std::io::Result<FakeServer> {
        FakeServer::start_on(app, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Starts `app` on `addr` (port 0 picks a free one).
    pub fn start_on(app: App, addr: SocketAddr) -> std::io::Result<FakeServer> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let app = Arc::new(app);
        let (stop, stopped) = oneshot::channel::<()>();
        let served = Arc::clone(&app);
        let thread = std::thread::Builder::new()
            .name("enswitch-fake".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(std_listener)?;
                    run(listener, served, async {
                        let _ = stopped.await;
                    })
                    .await
                })
            })?;
        Ok(FakeServer {
            addr,
            app,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, where `/_fake/` lives.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/api/json/`: what an Enswitch client takes as its base URL.
    pub fn api_url(&self) -> String {
        format!("http://{}/api/json/", self.addr)
    }

    /// `http://127.0.0.1:PORT/_ns/<name>/api/json/`: the base URL of an isolated world.
    pub fn namespace_url(&self, name: &str) -> String {
        format!("http://{}/_ns/{name}/api/json/", self.addr)
    }

    /// The app behind the server, to inspect or reset without HTTP.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Stops accepting, lets requests in flight finish, and waits for the thread.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
