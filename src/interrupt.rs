//! Ctrl-C (SIGINT) and SIGTERM during `check`: the first asks the run to stop after the case in
//! progress, so that the cases that ran are reported and the report file is whole; a second
//! stops the process at once (exit 130), removing the report files not yet complete.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::exit;

/// Starts listening on a thread of its own; the flag is set at the first signal.
pub fn listen(unfinished: Vec<PathBuf>) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = Arc::clone(&flag);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build();
    // Without a runtime there is no listening: a signal then does what it always does.
    let Ok(runtime) = runtime else {
        return flag;
    };
    let spawned = std::thread::Builder::new()
        .name("enswitch-fake-signals".into())
        .spawn(move || {
            runtime.block_on(async move {
                let Some(mut signals) = Interrupts::new() else {
                    return;
                };
                signals.next().await;
                set.store(true, Ordering::Relaxed);
                crate::logging::to_stderr(format_args!(
                    "\ninterrupted: stopping after the case in progress and writing the report \
                     (interrupt again to stop at once)"
                ));
                signals.next().await;
                for file in &unfinished {
                    let _ = std::fs::remove_file(file);
                }
                std::process::exit(i32::from(exit::INTERRUPTED));
            });
        });
    drop(spawned);
    flag
}

/// SIGINT and SIGTERM, listened for from the moment this is made.
struct Interrupts {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupts {
    fn new() -> Option<Interrupts> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Some(Interrupts {
                interrupt: signal(SignalKind::interrupt()).ok()?,
                terminate: signal(SignalKind::terminate()).ok()?,
            })
        }
        #[cfg(not(unix))]
        Some(Interrupts {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
