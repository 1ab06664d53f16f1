//! Boots every actor from the configuration in one place, on an actix System of its own
//! thread beside the iced window, and shuts them down in order.

use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

use actix::prelude::*;
use deadpool_postgres::Pool;
use futures::channel::mpsc;

use crate::backup::{Backup, BackupSettings};
use crate::camera::{Camera, CameraSettings};
use crate::face_recognizer::FaceRecognizer;
use crate::ledger::Ledger;
use crate::scanner::{Scanner, ScannerSettings};
use crate::session::{Session, SessionSettings};

/// Addresses of the running actors: what the UI talks to.
#[derive(Clone)]
pub struct Handles {
    pub scanner: Addr<Scanner>,
    pub ledger: Addr<Ledger>,
    pub session: Addr<Session>,
    pub backup: Addr<Backup>,
    /// None when `camera.source` is empty: the face recognizer then reports "no camera".
    pub camera: Option<Addr<Camera>>,
    pub face: Addr<FaceRecognizer>,
    pub pool: Pool,
    pub config: models::Config,
    /// Fires once when the process is asked to stop (SIGTERM, SIGINT): the UI closes itself.
    pub shutdown: Addr<ShutdownSignal>,
    /// The actor thread's arbiter: code outside the System (the window) starts its
    /// channel forwarders here (`subscribers::forward_to_channel_on`).
    pub arbiter: actix::ArbiterHandle,
}

/// The running system's thread; dropping it without `stop` leaves the actors running.
pub struct RunningSystem {
    pub handles: Handles,
    system: actix::System,
    thread: JoinHandle<()>,
}

impl RunningSystem {
    /// Stops every actor and waits for the thread: mailboxes are drained first.
    pub fn stop(self) {
        self.system.stop();
        let _ = self.thread.join();
    }
}

/// Starts the actors on their own thread and returns their addresses.
pub fn start(config: models::Config, pool: Pool) -> RunningSystem {
    let (tx, rx) = std_mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("actors".into())
        .spawn(move || {
            let system = actix::System::new();
            let handles = system.block_on(async move {
                let scanner = Scanner::new(ScannerSettings::from(&config.scanner)).start();
                let ledger = Ledger::new(pool.clone(), config.general.station.clone()).start();
                let session = Session::new(pool.clone(), SessionSettings::from_config(&config)).start();
                let backup = start_backup(&config, pool.clone());
                let shutdown = ShutdownSignal::default().start();
                let camera = (!config.camera.source.trim().is_empty()).then(|| {
                    let camera = Camera::new(CameraSettings::from_config(&config));
                    let frames = camera.latest_frame();
                    (camera.start(), frames)
                });
                let face = FaceRecognizer::new(pool.clone(), config.clone(), camera.clone()).start();
                let camera = camera.map(|(addr, _)| addr);
                let arbiter = actix::Arbiter::current();
                Handles { scanner, ledger, session, backup, camera, face, pool, config, shutdown, arbiter }
            });
            tx.send((handles, actix::System::current())).expect("boot channel open");
            if let Err(e) = system.run() {
                tracing::error!(error = %e, "actor system ended with an error");
            }
        })
        .expect("spawn the actor thread");
    let (handles, system) = rx.recv().expect("actors started");
    RunningSystem { handles, system, thread }
}

fn start_backup(config: &models::Config, pool: Pool) -> Addr<Backup> {
    let settings = BackupSettings::from_config(config).unwrap_or_else(|e| {
        // The kiosk must still start; the log says why backups run at the default time.
        tracing::error!(error = %e, "invalid backup schedule: using the default (02:00 nightly)");
        BackupSettings::from_config(&models::Config::default())
            .map(|d| BackupSettings { options: models::backups::BackupOptions::from_config(config), ..d })
            .expect("default schedule parses")
    });
    let target = models::Target::from_config(config).expect("the pool was built from the same configuration");
    Backup::new(settings, target, pool).start()
}

/// Listens for SIGTERM/SIGINT and tells subscribers (the window) to close cleanly.
#[derive(Default)]
pub struct ShutdownSignal {
    subscribers: crate::subscribers::Subscribers<()>,
    fired: bool,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeShutdown(pub mpsc::Sender<()>);

#[derive(Message)]
#[rtype(result = "()")]
struct Fire;

impl Actor for ShutdownSignal {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Context<Self>) {
        let addr = ctx.address();
        actix::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
                return;
            };
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
            tracing::info!("stop requested by signal");
            addr.do_send(Fire);
        });
    }
}

impl Handler<SubscribeShutdown> for ShutdownSignal {
    type Result = ();
    fn handle(&mut self, msg: SubscribeShutdown, _: &mut Context<Self>) {
        let mut tx = msg.0;
        if self.fired {
            let _ = tx.try_send(());
        } else {
            self.subscribers.add(tx);
        }
    }
}

impl Handler<Fire> for ShutdownSignal {
    type Result = ();
    fn handle(&mut self, _: Fire, _: &mut Context<Self>) {
        self.fired = true;
        self.subscribers.publish(());
        if self.subscribers.is_empty() {
            // Nobody to close: a headless run ends the system itself.
            System::current().stop();
        }
    }
}
