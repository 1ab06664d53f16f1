//! One backup for all stations sharing a database: an advisory lock elects the station that
//! dumps; the others find its record.

use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio_postgres::GenericClient;

use super::dump::take_backup;
use super::store::covering_run;
use super::{BackupError, BackupOptions, BackupRecord};
use crate::db::{connect, Target};
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

/// What the login a backup runs as (`database.owner_url`, else `database.url`; the embedded
/// cluster's owner) may do, as the server answers: the station dumps only when it may read the
/// whole database and record the run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DumpRights {
    pub user: String,
    pub superuser: bool,
    pub owns_database: bool,
    /// SELECT on every table and sequence of the schema.
    pub reads_every_table: bool,
    /// EXECUTE on `backup_record()` (the owner's; not the application's role since V14).
    pub records_runs: bool,
}

impl DumpRights {
    pub fn can_dump(&self) -> bool {
        (self.superuser || self.owns_database || self.reads_every_table) && (self.superuser || self.records_runs)
    }
}

/// Asks the server what the backup login may do (one connection, one query).
pub async fn dump_rights(target: &Target) -> Result<DumpRights, BackupError> {
    let (c, conn) = connect(&target.owner).await?;
    let conn = tokio::spawn(conn);
    let row = c
        .query_one(
            "SELECT current_user::text,
                    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
                    (SELECT d.datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user) FROM pg_database d
                      WHERE d.datname = current_database()),
                    coalesce((SELECT bool_and(CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT')
                                                   ELSE has_table_privilege(c.oid, 'SELECT') END)
                                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm', 'S')), true),
                    coalesce((SELECT bool_or(has_function_privilege(p.oid, 'EXECUTE')) FROM pg_proc p
                               JOIN pg_namespace n ON n.oid = p.pronamespace
                              WHERE n.nspname = 'public' AND p.proname = 'backup_record'), false)",
            &[],
        )
        .await;
    drop(c);
    let _ = conn.await;
    let row = row?;
    Ok(DumpRights {
        user: row.get(0),
        superuser: row.get::<_, Option<bool>>(1).unwrap_or(false),
        owns_database: row.get::<_, Option<bool>>(2).unwrap_or(false),
        reads_every_table: row.get(3),
        records_runs: row.get(4),
    })
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
    let started = chrono::Utc::now();
    let rights = match dump_rights(target).await {
        Ok(r) => r,
        Err(e) => {
            // The owner's login is refused or unreachable: no run can start, and every kiosk
            // must still learn that the backup failed.
            if let Err(r) = super::store::record_failure_as_app(target, session, opts, started, chrono::Utc::now(), &e).await {
                tracing::error!(error = %r, "the failed backup could not be recorded");
            }
            return Err(e);
        }
    };
    let can_dump = rights.can_dump();
    if turn == Turn::Manual && !can_dump {
        return Err(BackupError::NoOwnerLogin { user: rights.user });
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
            let record = take_backup(target, opts, session).await?;
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
