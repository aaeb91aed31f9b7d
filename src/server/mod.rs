//! The only async, hyper-aware file: accepts connections, turns each hyper request into an owned
//! `ApiRequest` once, hands it to the synchronous `App`, and writes the answer back. It enforces
//! the `Limits` (see there for what a client gets past each one). Shutdown is graceful: the
//! listener closes, and requests in flight get their answers before `run` returns.
//!
//! `FakeServer` runs all of this on a thread of its own, for tests and for library users:
//!
//! ```
//! use enswitch_fake::{workbench::App, server::FakeServer};
//!
//! let fake = FakeServer::start(App::embedded().unwrap()).unwrap();
//! assert!(fake.api_url().starts_with("http://127.0.0.1:"));
//! assert!(fake.api_url().ends_with("/api/json/"));
//! // The server stops when `fake` is dropped.
//! ```

pub mod limits;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

use crate::fake::request::{ApiRequest, Method};
use crate::fake::response::HttpAnswer;
use crate::server::limits::{HYPER_MAX_HEADERS, Limits};
use crate::workbench::App;

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

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then waits for open
/// requests.
pub async fn run<H: Handler>(
    listener: TcpListener,
    app: Arc<H>,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.read_timeout)
        .max_header_size(limits.max_header_bytes);
    if limits.max_headers != HYPER_MAX_HEADERS {
        http.max_headers(limits.max_headers);
    }
    let limits = Arc::new(limits.clone());
    tokio::pin!(shutdown);
    loop {
        // A connection over the cap waits, unaccepted, until one closes.
        let next = async {
            let permit = Arc::clone(&connections).acquire_owned().await;
            (permit, listener.accept().await)
        };
        tokio::select! {
            (permit, accepted) = next => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: the next accept may work, once a
                    // connection closes; don't spin meanwhile.
                    Err(_) => {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let app = Arc::clone(&app);
                let limits = Arc::clone(&limits);
                let service = service_fn(move |request| {
                    answer(Arc::clone(&app), Arc::clone(&limits), request)
                });
                let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    // A client that goes away mid-request is its own business.
                    let _ = connection.await;
                    drop(permit);
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
    limits: Arc<Limits>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    // An announced length over the limit is refused before a byte of it is awaited.
    if usize::try_from(body.size_hint().lower()).map_or(true, |n| n > limits.max_body_bytes) {
        return Ok(too_large());
    }
    let body = Limited::new(body, limits.max_body_bytes).collect();
    let body = match tokio::time::timeout(limits.read_timeout, body).await {
        Ok(Ok(collected)) => collected.to_bytes().to_vec(),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
            return Ok(too_large());
        }
        // The client went away or broke the framing (a bad chunk size, say).
        Ok(Err(_)) => return Ok(plain(StatusCode::BAD_REQUEST, "unreadable request body\n")),
        Err(_) => {
            return Ok(plain(
                StatusCode::REQUEST_TIMEOUT,
                "request body not received in time\n",
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
        admin_token: bearer_token(&parts.headers),
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

/// The token of an `Authorization: Bearer TOKEN` header, for the control plane.
fn bearer_token(headers: &hyper::HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn too_large() -> Response<Full<Bytes>> {
    plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n")
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

    /// Starts `app` on `addr` (port 0 picks a free one), with the default limits.
    pub fn start_on(app: App, addr: SocketAddr) -> std::io::Result<FakeServer> {
        FakeServer::start_with(app, addr, Limits::default())
    }

    /// Starts `app` on `addr` within `limits`.
    pub fn start_with(app: App, addr: SocketAddr, limits: Limits) -> std::io::Result<FakeServer> {
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
                    run(listener, served, &limits, async {
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
