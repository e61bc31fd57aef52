//! `observatory serve` as one event loop per thread. The first loop accepts the
//! connections and hands them out in turn; each loop has its own runtime and its own
//! database connections, and all share the tile cache. With one runtime whose threads
//! steal work from each other, those threads stayed runnable and the load generator's
//! waited up to 8 ms for a core: cached tiles had a p99 of 2.6–3.3 ms where two separate
//! loops gave 0.36–0.43 ms (BENCHMARKS.md).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use axum::serve::Listener;
use observatory_core::database::ReadPool;
use observatory_server::{AppState, Settings, TileService};
use sqlx::postgres::PgConnectOptions;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// Where the server is in its life, told to every loop through one watch channel: serving;
/// draining after SIGTERM or Ctrl-C (no connection is accepted any more, the requests in
/// flight finish and idle connections close); cut when the grace period ends with
/// requests still running (each loop's runtime then drops them: a connection closed
/// in the middle of a transaction rolls it back in PostgreSQL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Serving,
    Draining,
    Cut,
}

/// How long a loop's runtime waits, once cut, for its blocking tasks before it is let go.
pub const CUT_WAIT: Duration = Duration::from_millis(500);

/// Resolves once the loops must stop accepting (or the phase's sender is gone).
pub async fn draining(mut phase: watch::Receiver<Phase>) {
    let _ = phase.wait_for(|&p| p >= Phase::Draining).await;
}

/// `work`'s output, or `None` when the phase turns to `Cut` (or its sender is gone) first.
pub async fn until_cut<F: Future>(work: F, mut phase: watch::Receiver<Phase>) -> Option<F::Output> {
    tokio::select! {
        output = work => Some(output),
        _ = phase.wait_for(|&p| p == Phase::Cut) => None,
    }
}

/// Database connections for all loops together (each gets its share, at least two).
pub const CONNECTIONS: u32 = 16;

pub fn connections_per_loop(loops: usize) -> u32 {
    let loops = u32::try_from(loops).unwrap_or(u32::MAX);
    (CONNECTIONS / loops).max(2)
}

type Accepted = (std::net::TcpStream, SocketAddr);

/// The connections handed to one loop, as axum's listener.
pub struct Handed {
    connections: mpsc::UnboundedReceiver<Accepted>,
    local: SocketAddr,
}

impl Listener for Handed {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.connections.recv().await {
                // Registered with this loop's runtime, which alone will poll it.
                Some((stream, peer)) => match TcpStream::from_std(stream) {
                    Ok(stream) => return (stream, peer),
                    Err(e) => tracing::warn!(error = %e, %peer, "cannot take a connection"),
                },
                // The acceptor has stopped: so does the server, through its shutdown.
                None => std::future::pending::<()>().await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// A listener per loop, and the task (to spawn in the first loop) that accepts on
/// `listener` and hands each connection to the next loop in turn until the server drains;
/// then the listener is closed, and new connections are refused.
pub fn hand_out(
    listener: TcpListener,
    loops: usize,
    phase: watch::Receiver<Phase>,
) -> std::io::Result<(Vec<Handed>, impl std::future::Future<Output = ()>)> {
    let local = listener.local_addr()?;
    let (senders, handed): (Vec<_>, Vec<_>) = (0..loops.max(1))
        .map(|_| {
            let (sender, connections) = mpsc::unbounded_channel();
            (sender, Handed { connections, local })
        })
        .unzip();
    let acceptor = async move {
        let mut next = 0;
        let stop = draining(phase);
        tokio::pin!(stop);
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = &mut stop => return,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let mut connection = match stream.into_std() {
                Ok(stream) => (stream, peer),
                Err(e) => {
                    tracing::warn!(error = %e, %peer, "cannot hand a connection over");
                    continue;
                }
            };
            // A loop that could not start has dropped its end: the next one takes it.
            for _ in 0..senders.len() {
                let sender = &senders[next];
                next = (next + 1) % senders.len();
                match sender.send(connection) {
                    Ok(()) => break,
                    Err(mpsc::error::SendError(back)) => connection = back,
                }
            }
        }
    };
    Ok((handed, acceptor))
}

/// What every loop but the first needs besides its connections.
#[derive(Clone)]
pub struct LoopSetup {
    pub options: PgConnectOptions,
    /// The read replica's, when there is one (`DATABASE_READ_URL`).
    pub read_options: Option<PgConnectOptions>,
    pub connections: u32,
    pub settings: Arc<Settings>,
    /// The first loop's tiles, whose cache and versions the others share.
    pub tiles: TileService,
}

/// Starts a loop per listener, each on a thread of its own, serving until the server
/// drains (or the phase's sender is gone) and its requests in flight have finished, or
/// until they are cut.
pub fn spawn_loops(
    listeners: Vec<Handed>,
    setup: &LoopSetup,
    phase: &watch::Receiver<Phase>,
) -> anyhow::Result<Vec<JoinHandle<anyhow::Result<()>>>> {
    let mut handles = Vec::with_capacity(listeners.len());
    for (i, listener) in listeners.into_iter().enumerate() {
        let setup = setup.clone();
        let phase = phase.clone();
        let handle = std::thread::Builder::new()
            .name(format!("serve-loop-{}", i + 2))
            .spawn(move || {
                let result = run_loop(listener, setup, phase);
                if let Err(e) = &result {
                    tracing::error!(error = %format!("{e:#}"), "an event loop of the server stopped");
                }
                result
            })
            .context("cannot start a thread for the server")?;
        handles.push(handle);
    }
    Ok(handles)
}

fn run_loop(
    listener: Handed,
    setup: LoopSetup,
    phase: watch::Receiver<Phase>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the event loop's runtime")?;
    let result = runtime.block_on(async move {
        let pool = observatory_core::database::connect(setup.options, setup.connections).await?;
        let read = match setup.read_options {
            Some(options) => ReadPool::connect_replica(options, setup.connections).await?,
            None => ReadPool::on_primary(&pool),
        };
        let tiles = setup.tiles.share(read.clone())?;
        let state = AppState::new(pool.clone(), read.clone(), tiles, setup.settings);
        let served = observatory_server::serve(listener, state, draining(phase.clone()));
        match until_cut(served, phase).await {
            Some(served) => {
                read.close().await;
                pool.close().await;
                served.context("an event loop of the server stopped with an error")
            }
            // The requests still running hold connections of the pool: they are dropped
            // with the runtime below, which closes them.
            None => Ok(()),
        }
    });
    // Not a plain drop, which would wait for any blocking task however long it runs.
    runtime.shutdown_timeout(CUT_WAIT);
    result
}
