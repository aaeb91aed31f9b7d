//! `FakeServer`: a fake served on a thread and a loopback port of its own, stopped when dropped.
//! What tests and library users start instead of a process: `FakeServer::start()` for the
//! embedded spec and seed, `FakeServer::builder()` for the rest; then faults to add
//! ([`Fault`](crate::Fault)) and a journal to ask ([`Received`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::fake::{API_PREFIX, ClockKind};
use crate::server::{Limits, run};
use crate::spec::Spec;
use crate::spec::yaml::FileErrors;
use crate::workbench::{Config, Entry, FaultError, FaultRule, NAMESPACE_PREFIX, Workbench, Worlds};

/// A fake running on a thread of its own, on a random loopback port. Stops when dropped.
///
/// ```
/// use enswitch_fake::{Fault, FakeServer};
///
/// let fake = FakeServer::start().unwrap();
/// fake.add_fault(Fault::error("cards/list", "500").times(1)).unwrap();
/// // … a client under test calls fake.api_url() …
/// assert_eq!(fake.received().function("cards/list").count(), 0);
/// ```
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    workbench: Arc<Workbench>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// Why a fake could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The spec or the seed has errors (each names its file, line and field).
    #[error("{0}")]
    Files(#[from] FileErrors),
    /// A seed file could not be read.
    #[error("{}: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    /// The state file could not be opened or loaded.
    #[cfg(feature = "state")]
    #[error("{0}")]
    State(#[from] crate::workbench::StateError),
    /// The address could not be bound, or the server's thread started.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// How to start a fake other than the default: `FakeServer::builder()`, its settings, then
/// `start()`. Every setting has the default `serve` has.
#[derive(Debug)]
pub struct FakeServerBuilder {
    addr: SocketAddr,
    limits: Limits,
    config: Config,
    spec_dir: Option<PathBuf>,
    seed_file: Option<PathBuf>,
    #[cfg(feature = "state")]
    state: Option<PathBuf>,
    workbench: Option<Workbench>,
}

impl FakeServerBuilder {
    /// Where to listen; port 0 (the default, on 127.0.0.1) picks a free one.
    pub fn addr(mut self, addr: SocketAddr) -> FakeServerBuilder {
        self.addr = addr;
        self
    }

    /// What one client may cost the server.
    pub fn limits(mut self, limits: Limits) -> FakeServerBuilder {
        self.limits = limits;
        self
    }

    /// The clock each world starts with: the logical one (the default; answers repeat byte for
    /// byte) or the system's.
    pub fn clock(mut self, clock: ClockKind) -> FakeServerBuilder {
        self.config.fake.clock = clock;
        self
    }

    /// What card numbers and PINs are drawn from (`--rng-seed`).
    pub fn rng_seed(mut self, seed: u64) -> FakeServerBuilder {
        self.config.rng_seed = seed;
        self
    }

    /// How long a token from `user/login` lives, in seconds; `None` for ever.
    pub fn token_expiry(mut self, seconds: Option<u64>) -> FakeServerBuilder {
        self.config.fake.token_expiry = seconds;
        self
    }

    /// The world every world starts as, from a seed file instead of the embedded one.
    pub fn seed_file(mut self, file: impl Into<PathBuf>) -> FakeServerBuilder {
        self.seed_file = Some(file.into());
        self
    }

    /// The spec, from a directory (as `spec lint` checks it) instead of the embedded one.
    pub fn spec_dir(mut self, dir: impl Into<PathBuf>) -> FakeServerBuilder {
        self.spec_dir = Some(dir.into());
        self
    }

    /// Every other setting of the workbench at once (`--max-cards`, `--http-status`, a mutant,
    /// the control plane's access).
    pub fn config(mut self, config: Config) -> FakeServerBuilder {
        self.config = config;
        self
    }

    /// Keeps every world in the state database `file` (`serve --state`).
    #[cfg(feature = "state")]
    pub fn state(mut self, file: impl Into<PathBuf>) -> FakeServerBuilder {
        self.state = Some(file.into());
        self
    }

    /// Serves `workbench` as it is; the settings of the spec, seed, config and state are then
    /// the workbench's own.
    pub fn workbench(mut self, workbench: Workbench) -> FakeServerBuilder {
        self.workbench = Some(workbench);
        self
    }

    /// Starts the fake.
    pub fn start(self) -> Result<FakeServer, StartError> {
        let workbench = match self.workbench {
            Some(workbench) => workbench,
            None => {
                let spec = match &self.spec_dir {
                    Some(dir) => Spec::from_dir(dir)?,
                    None => Spec::embedded()?,
                };
                let seed = match &self.seed_file {
                    Some(file) => {
                        let text =
                            std::fs::read_to_string(file).map_err(|source| StartError::Read {
                                file: file.clone(),
                                source,
                            })?;
                        let name = file.display().to_string();
                        crate::fake::seed::load(&spec, &name, &text, self.config.rng_seed)?
                    }
                    None => crate::fake::seed::embedded(&spec, self.config.rng_seed)?,
                };
                let workbench = Workbench::new(spec, seed, self.config);
                #[cfg(feature = "state")]
                if let Some(file) = &self.state {
                    workbench.open_state(file, crate::workbench::StateSync::default(), |_| {})?;
                }
                workbench
            }
        };
        Ok(FakeServer::start_with(workbench, self.addr, self.limits)?)
    }
}

impl FakeServer {
    /// The embedded spec and seed, the default settings, on a free loopback port.
    pub fn start() -> Result<FakeServer, StartError> {
        FakeServer::builder().start()
    }

    /// A fake other than the default, set up step by step.
    pub fn builder() -> FakeServerBuilder {
        FakeServerBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            limits: Limits::default(),
            config: Config::default(),
            spec_dir: None,
            seed_file: None,
            #[cfg(feature = "state")]
            state: None,
            workbench: None,
        }
    }

    /// Adds a fault rule (see [`Fault`](crate::Fault)); the rule as it is kept, with its id.
    pub fn add_fault(
        &self,
        fault: impl Into<crate::workbench::FaultSpec>,
    ) -> Result<FaultRule, FaultError> {
        self.workbench.add_fault(fault.into())
    }

    /// What the clients sent, to ask of: every world's calls, or one world's, one function's.
    pub fn received(&self) -> Received<'_> {
        Received {
            workbench: &self.workbench,
            world: Worlds::One(None),
            function: None,
        }
    }

    /// Starts `workbench` on `addr` within `limits`.
    fn start_with(
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
                    run(
                        listener,
                        served,
                        &limits,
                        super::Scheme::Http,
                        stop,
                        std::future::pending(),
                    )
                    .await
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

/// A question to the journal: which calls of which world reached the fake. By default the
/// default world's calls of every function.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    workbench: &'a Workbench,
    world: Worlds<'a>,
    function: Option<&'a str>,
}

impl<'a> Received<'a> {
    /// The calls made in namespace `name` (`/_ns/<name>/api/json/`).
    pub fn namespace(mut self, name: &'a str) -> Received<'a> {
        self.world = Worlds::One(Some(name));
        self
    }

    /// The calls of every world.
    pub fn every_world(mut self) -> Received<'a> {
        self.world = Worlds::Every;
        self
    }

    /// The calls of `function` (`cards/batches/create`) only.
    pub fn function(mut self, function: &'a str) -> Received<'a> {
        self.function = Some(function);
        self
    }

    /// The calls, oldest first (at most the journal's page limit, 10,000).
    pub fn entries(self) -> Vec<Entry> {
        self.workbench
            .journal()
            .entries(self.world, self.function, 0, 10_000)
    }

    /// How many calls there are.
    pub fn count(self) -> usize {
        self.entries().len()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
