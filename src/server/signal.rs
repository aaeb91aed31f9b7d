//! Serving until the process is told to stop: a runtime of its own, the listener bound, the
//! caller told the address (the binary prints it; the library never does), then [`run`] until
//! SIGINT or SIGTERM.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;

use crate::server::{Handler, Limits, Scheme, run};

/// Why serving could not start or went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("starting the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot listen on {addr}: {source}{}", bind_hint(source))]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// `bound` (the caller's) failed, such as a closed stdout.
    #[error("announcing the address: {0}")]
    Announce(#[source] std::io::Error),
    #[error("serving: {0}")]
    Serve(#[source] std::io::Error),
}

/// What a user can do about an address that cannot be bound.
fn bind_hint(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            "; another program listens there: give another port with --addr (127.0.0.1:0 takes \
             any free one and prints it)"
        }
        std::io::ErrorKind::PermissionDenied => {
            "; ports below 1024 need privileges: give a higher one with --addr"
        }
        std::io::ErrorKind::AddrNotAvailable => {
            "; this machine has no such address: 127.0.0.1 is this machine, 0.0.0.0 all of its \
             addresses"
        }
        _ => "",
    }
}

/// Binds `addr`, calls `bound` with the address bound (port 0 picks one), and serves `handler`
/// over `scheme` within `limits` until SIGINT or SIGTERM, letting requests in flight finish.
pub fn serve_until_signal<H: Handler>(
    addr: SocketAddr,
    handler: Arc<H>,
    limits: &Limits,
    scheme: Scheme,
    bound: impl FnOnce(SocketAddr) -> std::io::Result<()>,
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        // Listening before the address is announced: whoever waits for it may signal at once.
        let signals = StopSignals::listen();
        bound(local).map_err(ServeError::Announce)?;
        run(
            listener,
            handler,
            limits,
            scheme,
            signals.nth(1),
            signals.nth(2),
        )
        .await
        .map_err(ServeError::Serve)
    });
    // Requests still in flight after the grace are abandoned, not waited for.
    runtime.shutdown_background();
    served
}

/// SIGINT and SIGTERM, counted: the first asks for a graceful stop, the second for an
/// immediate one.
struct StopSignals {
    received: watch::Receiver<u32>,
}

impl StopSignals {
    /// Starts counting: the handlers are in place when this returns. A signal that cannot be
    /// listened for is never counted, so the server keeps serving rather than stopping at once;
    /// the signal's default action remains.
    fn listen() -> StopSignals {
        let (count, received) = watch::channel(0);
        let mut signals = OsSignals::new();
        tokio::spawn(async move {
            loop {
                signals.next().await;
                count.send_modify(|n| *n += 1);
            }
        });
        StopSignals { received }
    }

    /// Completes once `n` signals have arrived.
    fn nth(&self, n: u32) -> impl Future<Output = ()> + use<> {
        let mut received = self.received.clone();
        async move {
            if received.wait_for(|count| *count >= n).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// SIGINT and SIGTERM, each listened for from the moment this is made.
struct OsSignals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl OsSignals {
    fn new() -> OsSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            OsSignals {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        OsSignals {}
    }

    /// The next SIGINT or SIGTERM.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            async fn one(signal: Option<&mut tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = one(self.interrupt.as_mut()) => {}
                () = one(self.terminate.as_mut()) => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
