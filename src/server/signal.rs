//! Serving until the process is told to stop: a runtime of its own, the listener bound, the
//! caller told the address (the binary prints it; the library never does), then [`run`] until
//! SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::server::{Handler, Limits, run};

/// Why serving could not start or went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("starting the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
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

/// Binds `addr`, calls `bound` with the address bound (port 0 picks one), and serves `handler`
/// within `limits` until SIGINT or SIGTERM, letting requests in flight finish.
pub fn serve_until_signal<H: Handler>(
    addr: SocketAddr,
    handler: Arc<H>,
    limits: &Limits,
    bound: impl FnOnce(SocketAddr) -> std::io::Result<()>,
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        bound(local).map_err(ServeError::Announce)?;
        run(listener, handler, limits, stop_signal())
            .await
            .map_err(ServeError::Serve)
    })
}

/// Completes on SIGINT or SIGTERM. A signal that cannot be listened for never completes, so
/// the server keeps serving rather than stopping at once; the signal's default action remains.
async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = async {
            match signal(SignalKind::terminate()) {
                Ok(mut terminate) => {
                    terminate.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
}
