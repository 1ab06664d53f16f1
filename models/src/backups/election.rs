//! One backup for all stations sharing a database: an advisory lock elects the station that
//! dumps; the others find its record.

use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio_postgres::GenericClient;

use super::dump::take_backup;
use super::store::covering_run;
use super::{BackupError, BackupOptions, BackupRecord};
use crate::db::Target;
use crate::session::SessionToken;

/// The advisory lock that elects the one station taking a backup when several share the
/// database (two int4 keys: "OMBR", 1). A transaction holds it, so it goes away with the
/// transaction or the connection: a station that crashes mid-backup never leaves it behind.
const LOCK_CLASS: i32 = 0x4F4D_4252;
const LOCK_BACKUP: i32 = 1;
/// The lock connection's application_name while it holds the lock: tells the others who has it.
const HOLDER_PREFIX: &str = "ombor backup: ";
/// How long a station that cannot dump waits for one that can to record the scheduled run.
pub const WAIT_FOR_DUMPING_STATION: Duration = Duration::from_secs(120);

/// Which run a station asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Turn {
    /// The schedule's tick at `slot`: done once any station's good backup started at or after it.
    Scheduled { slot: DateTime<Utc> },
    /// The catch-up at start: done once a good backup is younger than `max_age`.
    CatchUp { max_age: Duration },
    /// An admin asked: always a new dump, unless another station is taking one this moment.
    Manual,
}

/// What a station's turn came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Elected {
    /// This station took the backup.
    Dumped(BackupRecord),
    /// Another station (the record names it) had already taken it; nothing was dumped here.
    TakenBy(BackupRecord),
}

impl Elected {
    pub fn record(&self) -> &BackupRecord {
        match self {
            Elected::Dumped(r) | Elected::TakenBy(r) => r,
        }
    }
}

/// Can this station run pg_dump? The embedded cluster's owner is local; against a server it
/// needs `database.owner_url` (without it the owner login is the application's own).
pub fn has_owner_login(target: &Target) -> bool {
    target.cluster.is_some() || target.owner.get_user() != target.app.get_user()
}

/// Takes the backup `turn` asks for unless another station sharing the database has: stations
/// queue on an advisory lock; under it, the first finds the turn not done yet and dumps (the
/// record is committed before the lock is released), the others find its record and return it.
pub async fn take_backup_once(
    target: &Target,
    pool: &Pool,
    opts: &BackupOptions,
    session: Option<&SessionToken>,
    turn: Turn,
) -> Result<Elected, BackupError> {
    let can_dump = has_owner_login(target);
    if turn == Turn::Manual && !can_dump {
        return Err(BackupError::NoOwnerLogin);
    }
    let give_up = std::time::Instant::now() + WAIT_FOR_DUMPING_STATION;
    loop {
        let mut client = pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT set_config('application_name', $1, true)", &[&format!("{HOLDER_PREFIX}{}", opts.station)]).await?;
        let got: bool = tx.query_one("SELECT pg_try_advisory_xact_lock($1, $2)", &[&LOCK_CLASS, &LOCK_BACKUP]).await?.get(0);
        if !got {
            let holder = lock_holder(&*tx).await?;
            if turn == Turn::Manual {
                return Err(BackupError::TakenElsewhere { station: holder });
            }
            tracing::info!(station = %holder, "another station is taking the backup: waiting for its result instead of dumping");
            tx.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_CLASS, &LOCK_BACKUP]).await?;
        }
        if let Some(done) = covering_run(&*tx, turn).await? {
            return Ok(Elected::TakenBy(done));
        }
        if can_dump {
            let record = take_backup(target, pool, opts, session).await?;
            tx.commit().await?; // releases the lock: the others now find this record
            return Ok(Elected::Dumped(record));
        }
        drop(tx);
        drop(client);
        if std::time::Instant::now() >= give_up {
            return Err(BackupError::NoStationTookIt);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The station holding the backup lock, as its lock connection names itself.
async fn lock_holder(c: &impl GenericClient) -> Result<String, BackupError> {
    let row = c
        .query_opt(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid AND l.objid = $2::int::oid AND l.objsubid = 2
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&LOCK_CLASS, &LOCK_BACKUP],
        )
        .await?;
    let name: Option<String> = row.and_then(|r| r.get(0));
    Ok(name.and_then(|n| n.strip_prefix(HOLDER_PREFIX).map(str::to_string)).unwrap_or_else(|| "unknown".into()))
}
