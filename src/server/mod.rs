//! The server: the only async code. Accepts connections within the [`Limits`], turns each hyper
//! request into an owned [`ApiRequest`] once, hands it to a synchronous [`Handler`] (the
//! workbench, or the recording proxy), and carries out its [`Reply`]: an answer now, one after a
//! delay, a closed connection, or a stream of events. Shutdown is graceful: the listener closes,
//! and requests in flight get their answers (a stream ends) before [`run`] returns.
//!
//! - `limits`: what one client may cost the server.
//! - `abortable`: a socket that is reset when the server ends its connection by force.
//! - `events`: the body of a live event stream.
//! - `exchange`: one request read, handed to the handler, and its reply carried out.
//! - `fake_server`: [`FakeServer`], a workbench on a thread and a port of its own, for tests and
//!   library users.
//! - `scheme`: plain HTTP, or HTTPS with what the server presents.
//! - `signal`: serving until SIGINT or SIGTERM, for the binary.
//! - `tls`: HTTPS, with a private CA made at start or a given certificate (feature `tls`).
//!
//! ```
//! use enswitch_fake::FakeServer;
//!
//! let fake = FakeServer::start().unwrap();
//! assert!(fake.api_url().starts_with("http://127.0.0.1:"));
//! assert!(fake.api_url().ends_with("/api/json/"));
//! // The server stops when `fake` is dropped.
//! ```

mod abortable;
mod connections;
mod events;
mod exchange;
mod fake_server;
mod limits;
mod scheme;
mod signal;
#[cfg(feature = "tls")]
mod tls;

use connections::{Connections, Registered, Stop, Ticket};

pub use fake_server::{FakeServer, FakeServerBuilder, Received, StartError};
pub use limits::Limits;
pub use scheme::Scheme;
pub use signal::{ServeError, serve_until_signal};
#[cfg(feature = "tls")]
pub use tls::{LOCAL_NAMES, Tls, TlsError};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::fake::ApiRequest;
use crate::server::exchange::answer;
use crate::server::limits::HYPER_MAX_HEADERS;
use crate::workbench::{Reply, Workbench};

/// Where `serve` listens unless told otherwise: loopback only, so nothing outside the machine
/// reaches a fake by accident.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8080,
));

/// What answers requests: the workbench, or the recording proxy. Synchronous: called once per
/// request with the owned request, it returns the whole reply.
pub trait Handler: Send + Sync + 'static {
    /// Whether serving `request` may take long (the network, a disk that syncs, much work):
    /// such a request runs on tokio's blocking threads, so it never holds up the async workers
    /// that serve other connections. Handing a request to another thread costs more than a
    /// small call (measured: 52,000 updates a second instead of 130,000), so the rest run inline.
    fn blocks(&self, request: &ApiRequest) -> bool;

    fn serve(&self, request: ApiRequest) -> Reply;
}

impl Handler for Workbench {
    fn blocks(&self, request: &ApiRequest) -> bool {
        self.is_heavy(request)
    }

    fn serve(&self, request: ApiRequest) -> Reply {
        Workbench::serve(self, request)
    }
}

/// Serves `handler` on `listener` within `limits` until `stop` completes; then the listener
/// closes and the connections are asked to finish, for at most `limits.shutdown_grace`, or until
/// `force` completes (a second signal), whichever comes first. Over HTTPS, a client has
/// `limits.read_timeout` to finish its handshake.
pub async fn run<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    limits: &Limits,
    scheme: Scheme,
    stop: impl Future<Output = ()>,
    force: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Connections::default());
    // A few slots beyond the cap, so a newcomer is accepted at once and an old connection gives
    // way, rather than the newcomer waiting behind whoever holds the slots.
    let hard_cap = limits.max_connections + (limits.max_connections / 8).max(4);
    let mut http = http1::Builder::new();
    // A client may close its sending side once its request is out (`nc -N`, health checkers):
    // it is still answered.
    http.timer(TokioTimer::new())
        .half_close(true)
        .header_read_timeout(limits.read_timeout)
        .max_header_size(limits.max_header_bytes);
    if limits.max_headers != HYPER_MAX_HEADERS {
        http.max_headers(limits.max_headers);
    }
    let http = Arc::new(http);
    let limits = Arc::new(limits.clone());
    tokio::pin!(stop);
    loop {
        // Past the hard cap a connection waits, unaccepted, until one closes.
        let next = async {
            connections.fewer_than(hard_cap).await;
            listener.accept().await
        };
        tokio::select! {
            accepted = next => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: the next accept may work, once a
                    // connection closes; don't spin meanwhile.
                    Err(_) => {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let ticket = connections.open(limits.max_connections);
                let ending = Ending::default();
                let busy = Arc::clone(&ticket.busy);
                let stopping = ticket.stop.clone();
                let handler = Arc::clone(&handler);
                let answer_limits = Arc::clone(&limits);
                let answer_ending = ending.clone();
                let service = service_fn(move |request| {
                    // Busy until the answer is out: a stream's body keeps the mark.
                    let busy = Busy::mark(&busy);
                    answer(
                        Arc::clone(&handler),
                        Arc::clone(&answer_limits),
                        request,
                        busy,
                        stopping.clone(),
                        answer_ending.clone(),
                    )
                });
                let stream = abortable::Abortable::new(stream, Arc::clone(&ending.abort));
                let http = Arc::clone(&http);
                let scheme = scheme.clone();
                let registered = Registered {
                    connections: Arc::clone(&connections),
                    id: ticket.id,
                };
                let times = Times {
                    lifetime: limits.connection_lifetime,
                    idle: limits.read_timeout,
                    grace: limits.shutdown_grace,
                };
                tokio::spawn(async move {
                    // Dropped when the task ends, however it ends: a slot is never lost.
                    let _registered = registered;
                    match scheme {
                        Scheme::Http => {
                            let connection = http.serve_connection(TokioIo::new(stream), service);
                            serve_connection(connection, ticket, ending, times).await;
                        }
                        #[cfg(feature = "tls")]
                        Scheme::Https(tls) => {
                            // A client that does not trust the certificate, or never finishes
                            // its handshake, is its own business: the connection just ends.
                            let handshake = tls.acceptor().accept(stream);
                            let Ok(Ok(stream)) = tokio::time::timeout(times.idle, handshake).await
                            else {
                                return;
                            };
                            let connection = http.serve_connection(TokioIo::new(stream), service);
                            serve_connection(connection, ticket, ending, times).await;
                        }
                    }
                });
            }
            () = &mut stop => break,
        }
    }
    drop(listener);
    connections.stop_all();
    tokio::select! {
        () = connections.fewer_than(1) => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {}
        () = force => {}
    }
    Ok(())
}

/// How long a connection may live, and how long it may take to end.
#[derive(Debug, Clone, Copy)]
struct Times {
    /// `--connection-lifetime`: then the next answer is its last.
    lifetime: std::time::Duration,
    /// How long a retiring connection may wait, idle, for the request its last answer goes to.
    idle: std::time::Duration,
    /// How long an answer under way may take once the connection is told to finish.
    grace: std::time::Duration,
}

/// What one connection's answers need to know of its end: whether the next answer is its last
/// (`Connection: close`), and the moment an event stream on it ends, after which a client that
/// does not read what is left cannot hold the connection.
#[derive(Debug, Clone, Default)]
struct Ending {
    retiring: Arc<AtomicBool>,
    /// Set when the connection is closed by force: its socket is reset (see `abortable`).
    abort: Arc<AtomicBool>,
    stream_ends: Arc<tokio::sync::watch::Sender<Option<tokio::time::Instant>>>,
}

/// How long past a stream's end its connection may take to send what is left of it.
const STREAM_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Drives one connection until it closes. Once its lifetime is spent it retires: the answer in
/// progress, or else the next one, says `Connection: close` and is its last, so a request the
/// client already sent is answered rather than cut off. A connection that is told to finish (a
/// lifetime spent while answering, a shutdown, a newcomer needing the slot) and does not within
/// the grace, or whose event stream has ended, is closed: a client that stops reading holds
/// nothing for long.
async fn serve_connection<C>(connection: C, ticket: Ticket, ending: Ending, times: Times)
where
    C: Future + GracefulConnection,
{
    tokio::pin!(connection);
    let lifetime = tokio::time::sleep(times.lifetime);
    tokio::pin!(lifetime);
    let Ticket { busy, mut stop, .. } = ticket;
    let mut stream_ends = ending.stream_ends.subscribe();
    let mut finishing = false;
    let mut retiring = false;
    // When the connection is closed whatever it is doing, once it has been told to end.
    let mut close_at: Option<tokio::time::Instant> = None;
    let finish = |connection: std::pin::Pin<&mut C>, close_at: &mut Option<_>| {
        ending.retiring.store(true, Ordering::Release);
        connection.finish();
        let at = tokio::time::Instant::now() + times.grace;
        *close_at = Some(close_at.map_or(at, |c: tokio::time::Instant| c.min(at)));
    };
    loop {
        let closing = async {
            match close_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            // The connection first: a request already in the socket is read and answered before
            // an order to give way is taken, which would otherwise close it unread (half the
            // time, in a random order). The orders skip tokio's budget, so that a connection
            // that spends it every time still hears them.
            biased;
            // A client that goes away mid-request is its own business.
            _ = connection.as_mut() => return,
            () = tokio::task::unconstrained(&mut lifetime), if !retiring => {
                retiring = true;
                ending.retiring.store(true, Ordering::Release);
                if busy.load(Ordering::Acquire) {
                    finish(connection.as_mut(), &mut close_at);
                    finishing = true;
                } else {
                    // Idle: the next answer is the last; a client that sends none is closed by
                    // hyper's own idle timeout, or here soon after.
                    close_at = Some(tokio::time::Instant::now() + times.idle + times.grace);
                }
            }
            changed = tokio::task::unconstrained(stop.changed()), if !finishing => {
                let order = *stop.borrow_and_update();
                // Nothing runs on this connection while this task is here, so `busy` is exact.
                let answering = busy.load(Ordering::Acquire);
                match order {
                    Stop::Now if !answering => return,
                    Stop::Now | Stop::Gracefully => {
                        finish(connection.as_mut(), &mut close_at);
                        finishing = true;
                    }
                    Stop::No if changed.is_ok() => {}
                    // The registry forgot this connection: it is being shut down.
                    Stop::No => return,
                }
            }
            Ok(()) = stream_ends.changed() => {
                if let Some(end) = *stream_ends.borrow_and_update() {
                    let at = end + STREAM_GRACE;
                    close_at = Some(close_at.map_or(at, |c| c.min(at)));
                }
            }
            () = closing => {
                ending.abort.store(true, Ordering::Release);
                return;
            }
        }
    }
}

/// hyper's connection, asked to finish its answer and close.
trait GracefulConnection {
    fn finish(self: std::pin::Pin<&mut Self>);
}

impl<I, S, B> GracefulConnection for http1::Connection<I, S>
where
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    B: hyper::body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn finish(self: std::pin::Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// Marks a connection as answering a request until dropped, however the answer ends.
#[derive(Debug)]
struct Busy(Arc<AtomicBool>);

impl Busy {
    fn mark(flag: &Arc<AtomicBool>) -> Busy {
        flag.store(true, Ordering::Release);
        Busy(Arc::clone(flag))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::time::Duration;

    use super::*;
    use crate::workbench::HttpAnswer;

    /// Panics on `/panic`, answers anything else.
    struct Buggy;

    impl Handler for Buggy {
        fn blocks(&self, _: &ApiRequest) -> bool {
            false
        }

        fn serve(&self, request: ApiRequest) -> Reply {
            assert!(request.path != "/panic", "a bug in the handler");
            HttpAnswer::text(200, "fine\n").into()
        }
    }

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("an answer within 5 s");
        answer
    }

    /// A connection whose request has already arrived: the first poll answers it and the
    /// client closes, so the future is ready at once.
    struct Waiting {
        polled: Arc<AtomicBool>,
    }

    impl Future for Waiting {
        type Output = ();

        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            self.polled.store(true, Ordering::Relaxed);
            std::task::Poll::Ready(())
        }
    }

    impl GracefulConnection for Waiting {
        fn finish(self: std::pin::Pin<&mut Self>) {}
    }

    /// Issue 12's reconnecting flood, made exact: a connection told to give way before its task
    /// first runs is still read first, so the request already sent is answered, every time
    /// (with the branches in a random order, about half the time).
    #[test]
    fn a_request_already_sent_is_answered_before_an_order_to_give_way() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for _ in 0..32 {
            let connections = Connections::default();
            let first = connections.open(1);
            let _newcomer = connections.open(1);
            assert!(first.stop.has_changed().unwrap(), "the first is told to go");
            let polled = Arc::new(AtomicBool::new(false));
            let waiting = Waiting {
                polled: Arc::clone(&polled),
            };
            let times = Times {
                lifetime: Duration::from_secs(60),
                idle: Duration::from_secs(10),
                grace: Duration::from_secs(5),
            };
            runtime.block_on(serve_connection(waiting, first, Ending::default(), times));
            assert!(polled.load(Ordering::Relaxed), "closed unread");
        }
    }

    #[test]
    fn a_handler_that_panics_answers_500_and_gives_its_connection_back() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        // Two connections, six with the slack: a connection lost with each panic would leave
        // the server unable to accept by the seventh.
        let limits = Limits {
            max_connections: 2,
            ..Limits::default()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                let stop = async {
                    let _ = stopped.await;
                };
                run(
                    listener,
                    Arc::new(Buggy),
                    &limits,
                    Scheme::Http,
                    stop,
                    std::future::pending(),
                )
                .await
            })
        });
        for _ in 0..10 {
            let answer = get(addr, "/panic");
            assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
            assert!(answer.ends_with("the handler panicked\n"), "{answer}");
        }
        assert!(get(addr, "/fine").starts_with("HTTP/1.1 200"));
        stop.send(()).unwrap();
        server.join().unwrap().unwrap();
    }
}
