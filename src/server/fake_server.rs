//! `FakeServer`: a workbench served on a thread and a loopback port of its own, stopped when
//! dropped. What tests and library users start instead of a process.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::fake::API_PREFIX;
use crate::server::{Limits, run};
use crate::workbench::NAMESPACE_PREFIX;
use crate::workbench::Workbench;

/// A fake running on a thread of its own, on a random loopback port. Stops when dropped.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    workbench: Arc<Workbench>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl FakeServer {
    /// Starts `workbench` on `127.0.0.1:0`.
    pub fn start(workbench: Workbench) -> std::io::Result<FakeServer> {
        FakeServer::start_on(workbench, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Starts `workbench` on `addr` (port 0 picks a free one), with the default limits.
    pub fn start_on(workbench: Workbench, addr: SocketAddr) -> std::io::Result<FakeServer> {
        FakeServer::start_with(workbench, addr, Limits::default())
    }

    /// Starts `workbench` on `addr` within `limits`.
    pub fn start_with(
        workbench: Workbench,
        addr: SocketAddr,
        limits: Limits,
    ) -> std::io::Result<FakeServer> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let workbench = Arc::new(workbench);
        let (stop, stopped) = oneshot::channel::<()>();
        let served = Arc::clone(&workbench);
        let thread = std::thread::Builder::new()
            .name("enswitch-fake".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(std_listener)?;
                    let stop = async {
                        // A dropped sender stops the server too.
                        let _ = stopped.await;
                    };
                    run(listener, served, &limits, stop, std::future::pending()).await
                })
            })?;
        Ok(FakeServer {
            addr,
            workbench,
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
        format!("http://{}{API_PREFIX}", self.addr)
    }

    /// `http://127.0.0.1:PORT/_ns/<name>/api/json/`: the base URL of an isolated world.
    pub fn namespace_url(&self, name: &str) -> String {
        format!("http://{}{NAMESPACE_PREFIX}{name}{API_PREFIX}", self.addr)
    }

    /// The workbench behind the server, to inspect or reset without HTTP.
    pub fn workbench(&self) -> &Workbench {
        &self.workbench
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
