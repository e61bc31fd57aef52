//! `observatory serve` as one event loop per thread. The first loop accepts the
//! connections and hands them out in turn; each loop has its own runtime and its own
//! database connections, and all share the tile cache. With one runtime whose threads
//! steal work from each other, those threads stayed runnable and the load generator's
//! waited up to 8 ms for a core: cached tiles had a p99 of 2.6–3.3 ms where two separate
//! loops gave 0.36–0.43 ms (BENCHMARKS.md).

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::Context;
use axum::serve::Listener;
use observatory_server::{AppState, Settings, TileService};
use sqlx::postgres::PgConnectOptions;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

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
/// `listener` and hands each connection to the next loop in turn until `stop`.
pub fn hand_out(
    listener: TcpListener,
    loops: usize,
    mut stop: watch::Receiver<bool>,
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
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stop.wait_for(|&stop| stop) => return,
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
    pub connections: u32,
    pub settings: Arc<Settings>,
    /// The first loop's tiles, whose cache and versions the others share.
    pub tiles: TileService,
}

/// Starts a loop per listener, each on a thread of its own, serving until `stop` turns
/// true (or its sender is gone).
pub fn spawn_loops(
    listeners: Vec<Handed>,
    setup: &LoopSetup,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Vec<JoinHandle<anyhow::Result<()>>>> {
    let mut handles = Vec::with_capacity(listeners.len());
    for (i, listener) in listeners.into_iter().enumerate() {
        let setup = setup.clone();
        let stop = stop.clone();
        let handle = std::thread::Builder::new()
            .name(format!("serve-loop-{}", i + 2))
            .spawn(move || {
                let result = run_loop(listener, setup, stop);
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
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the event loop's runtime")?;
    runtime.block_on(async move {
        let pool = observatory_core::database::connect(setup.options, setup.connections).await?;
        let tiles = setup.tiles.share(pool.clone())?;
        let state = AppState::new(pool.clone(), tiles, setup.settings);
        let stopped = async move {
            // An error means the sender is gone: the first loop has stopped.
            let _ = stop.wait_for(|&stop| stop).await;
        };
        let served = observatory_server::serve(listener, state, stopped).await;
        pool.close().await;
        served.context("an event loop of the server stopped with an error")
    })
}
