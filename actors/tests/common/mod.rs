//! Helpers the actors' integration tests share (each test file is its own crate: `mod common;`).

// Each test binary uses only some of these.
#![allow(dead_code)]

use std::time::Duration;

use actix::{Actor, Addr, Context, Handler};
use actors::backup::{Backup, BackupEvent, SubscribeBackup};
use actors::session::SessionSettings;
use models::testing::TEST_STATION;
use tokio::sync::mpsc;

/// Session settings for `TEST_STATION`: 10 minutes idle (the lock-out is the database's own).
pub fn session_settings() -> SessionSettings {
    SessionSettings {
        station: TEST_STATION.into(),
        idle_timeout: Duration::from_secs(600),
        verification_ttl: Duration::from_secs(300),
    }
}

/// Collects the Backup actor's events (a Recipient, as another actor would subscribe).
struct BackupEventCollector(mpsc::UnboundedSender<BackupEvent>);

impl Actor for BackupEventCollector {
    type Context = Context<Self>;
}

impl Handler<BackupEvent> for BackupEventCollector {
    type Result = ();
    fn handle(&mut self, e: BackupEvent, _: &mut Context<Self>) {
        let _ = self.0.send(e);
    }
}

/// Subscribes to `addr`'s events; they arrive on the returned channel.
pub fn backup_events(addr: &Addr<Backup>) -> mpsc::UnboundedReceiver<BackupEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    addr.do_send(SubscribeBackup(BackupEventCollector(tx).start().recipient()));
    rx
}
