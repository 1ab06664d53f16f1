//! Backups and restore: pg_dump to a plain `.sql` file with a sha256 sidecar, a JSON manifest
//! and a copy of the face model; retention; a mirror folder; every run recorded in the
//! `backups` table and the audit log. Restore goes into a NEW database, is checked there, and
//! only then replaces the live one (which is kept as a dated copy).
//!
//! One backup is a set of files sharing a stem `ombor_nazorat_YYYYMMDD_HHMMSS` (local time):
//! `STEM.sql` (the dump), `STEM.sql.sha256` (`sha256sum -c` format), `STEM.json` (the manifest),
//! `STEM.model.yml` (the face model, when there is one), `STEM.sig` (the HMAC of the dump's and
//! the manifest's checksums under the key in the data folder). The `.sql` is renamed into place last,
//! so a visible `.sql` always has its companions.
//!
//! One file per concern: `names` (file names), `pg_client` (finding and starting pg_dump/psql),
//! `files` (atomic writes, checksums, the folder's checks), `dump` (taking one backup),
//! `election` (which station dumps), `retention` (and the mirror), `verify` (listing, checking a
//! file), `restore`, `store` (every statement on the `backups` table) and `seed` (a demo ledger
//! for tests and the benchmark). This file holds the types they share.

mod dump;
mod election;
mod files;
mod names;
mod pg_client;
mod restore;
mod retention;
mod scan;
mod seed;
mod sign;
mod store;
mod verify;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::DbError;

pub use dump::take_backup;
pub use election::{dump_rights, take_backup_once, DumpRights, Elected, Turn, WAIT_FOR_DUMPING_STATION};
pub use files::{free_bytes, prepare_folder, sha256_of_file};
pub use names::{parse_dump_name, sidecar_path, stem_for};
pub use pg_client::{find_client, parse_client_version, PgClient};
pub use restore::{drop_kept_database, kept_databases, live_database, restore, KeptDatabase, RestoreReport};
pub use retention::retention_victims;
pub use scan::{scan, DumpScan, DumpScanner, CLOSING_LINE};
pub use seed::{bare_pg_dump, count_movements, drop_database_by_name, seed_into, seed_ledger};
pub use sign::{signature_path, SigningKey, KEY_FILE};
pub use store::{last_good_backup_at, row_counts, runs};
pub use verify::{list_files, verify_file, BackupFile, ChecksumState, VerifiedBackup};

pub const FILE_PREFIX: &str = "ombor_nazorat_";
const STAMP_FORMAT: &str = "%Y%m%d_%H%M%S";

/// Tables whose row counts the manifest records and a restore must reproduce.
pub const MAIN_TABLES: [&str; 12] = [
    "users",
    "sessions",
    "employees",
    "face_verifications",
    "categories",
    "products",
    "product_barcodes",
    "stock",
    "movements",
    "audit_log",
    "backups",
    "refinery_schema_history",
];

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the backup folder {path} cannot be written: {reason}")]
    FolderNotWritable { path: PathBuf, reason: String },
    #[error(
        "not enough free space in {path}: {free_mb} MB free, this backup needs at least {needed_mb} MB (backup.min_free_mb plus the data)"
    )]
    NotEnoughSpace { path: PathBuf, free_mb: u64, needed_mb: u64 },
    #[error(
        "{program} {version} ({path}) is older than the database server (PostgreSQL {server}); it needs {program} {server_major} or newer: apt-get install postgresql-client-{server_major}"
    )]
    ClientTooOld { program: String, version: String, path: PathBuf, server: String, server_major: u32 },
    #[error("no {program} found (searched {searched}); the database server is PostgreSQL {server}: apt-get install postgresql-client-{server_major}")]
    NoClient { program: String, searched: String, server: String, server_major: u32 },
    #[error("another station ({station}) is taking the backup right now; its result will be in the backup list when it finishes")]
    TakenElsewhere { station: String },
    #[error("This station cannot take backups: its database login {user} is not a superuser, does not own the database, and may not both read every table and record backup runs. Give it database.owner_url (the database owner's login); a station that has one takes the backups.")]
    NoOwnerLogin { user: String },
    #[error("No station took the scheduled backup: this one may not dump the database, and none that may recorded a backup within {} s.", WAIT_FOR_DUMPING_STATION.as_secs())]
    NoStationTookIt,
    #[error("pg_dump failed: {0}")]
    PgDump(String),
    #[error("The backup was given up: another session held a lock on the database for more than {seconds} s (backup.lock_timeout_secs). It is tried again at the next run. PostgreSQL said: \"{detail}\"")]
    Locked { seconds: u64, detail: String },
    #[error("pg_dump ended without finishing the dump ({reason}), so it is not kept as a backup.")]
    IncompleteDump { reason: String },
    #[error("There is no backup signing key at {path}. Copy backup.key from the station that took the backups into the data folder (chmod 600); nothing was changed.")]
    NoSigningKey { path: PathBuf },
    #[error("The backup signing key {path} cannot be used: {reason}.")]
    SigningKey { path: PathBuf, reason: String },
    #[error("{file} is not signed by this installation's backup key ({reason}): it may have been changed since it was written, so it is refused and nothing was changed.")]
    BadSignature { file: PathBuf, reason: String },
    #[error("{file}, line {line}, holds a psql command that pg_dump never writes ({text}): the file is refused and nothing was changed.")]
    MetaCommand { file: PathBuf, line: u64, text: String },
    #[error("{file} does not hold what its manifest records ({detail}): the file is refused and nothing was changed.")]
    NotAsRecorded { file: PathBuf, detail: String },
    #[error("{what}: {source}")]
    Io { what: String, source: io::Error },
    #[error(transparent)]
    Database(#[from] crate::error::Error),
    #[error(transparent)]
    Connect(#[from] DbError),
    #[error("{file}: no checksum file {sidecar} beside it, so it cannot be trusted; nothing was changed")]
    NoChecksum { file: PathBuf, sidecar: PathBuf },
    #[error("{file} is damaged (truncated or changed since it was written): its sha256 is {actual}, the backup recorded {expected}; nothing was changed")]
    ChecksumMismatch { file: PathBuf, expected: String, actual: String },
    #[error("the face model copy {file} is damaged or missing: {reason}; nothing was changed")]
    FaceModelDamaged { file: PathBuf, reason: String },
    #[error("{0} is not a backup file (expected {FILE_PREFIX}YYYYMMDD_HHMMSS.sql)")]
    NotABackup(PathBuf),
    #[error("restoring into the new database {database} failed; the live database was not touched: {detail}")]
    RestoreFailed { database: String, detail: String },
    #[error("the restored database {database} failed its check and was dropped; the live database was not touched: {detail}")]
    RestoredCheckFailed { database: String, detail: String },
    #[error("The restored database could not replace the live one, so the live database was not changed: {reason}")]
    Switch { reason: String },
}

/// The kind of a failed backup, stored with the run (`backups.problem`) so that every station's
/// screen says it in its user's language; the English `error` beside it keeps the detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupProblem {
    FolderNotWritable,
    /// The disk (or the backup folder's disk) is full or nearly so.
    NotEnoughSpace,
    /// pg_dump is missing or older than the server.
    ClientMissing,
    /// This station has no owner login and no station that has one took the backup.
    NoStationTookIt,
    TakenElsewhere,
    PgDumpFailed,
    DatabaseUnavailable,
    /// A restore's file is damaged, unknown or failed its check.
    DamagedFile,
    RestoreFailed,
    /// Another session held a lock longer than `backup.lock_timeout_secs`.
    DatabaseLocked,
    /// pg_dump stopped before the end of the dump (no closing line, rows missing).
    IncompleteDump,
    Other,
}

impl BackupProblem {
    pub const ALL: [BackupProblem; 12] = [
        BackupProblem::FolderNotWritable,
        BackupProblem::NotEnoughSpace,
        BackupProblem::ClientMissing,
        BackupProblem::NoStationTookIt,
        BackupProblem::TakenElsewhere,
        BackupProblem::PgDumpFailed,
        BackupProblem::DatabaseUnavailable,
        BackupProblem::DamagedFile,
        BackupProblem::RestoreFailed,
        BackupProblem::DatabaseLocked,
        BackupProblem::IncompleteDump,
        BackupProblem::Other,
    ];

    /// The value stored in `backups.problem`.
    pub fn code(self) -> &'static str {
        match self {
            BackupProblem::FolderNotWritable => "folder_not_writable",
            BackupProblem::NotEnoughSpace => "not_enough_space",
            BackupProblem::ClientMissing => "client_missing",
            BackupProblem::NoStationTookIt => "no_station_took_it",
            BackupProblem::TakenElsewhere => "taken_elsewhere",
            BackupProblem::PgDumpFailed => "pg_dump_failed",
            BackupProblem::DatabaseUnavailable => "database_unavailable",
            BackupProblem::DamagedFile => "damaged_file",
            BackupProblem::RestoreFailed => "restore_failed",
            BackupProblem::DatabaseLocked => "database_locked",
            BackupProblem::IncompleteDump => "incomplete_dump",
            BackupProblem::Other => "other",
        }
    }

    /// A stored code back; a code a newer program wrote reads as `Other`.
    pub fn from_code(code: &str) -> BackupProblem {
        BackupProblem::ALL.into_iter().find(|p| p.code() == code).unwrap_or(BackupProblem::Other)
    }
}

fn is_disk_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull || e.kind() == io::ErrorKind::QuotaExceeded
}

/// A message (the OS's, quoted by pg_dump or by an io error) that says the disk is full.
fn says_disk_full(message: &str) -> bool {
    message.contains("No space left on device") || message.contains("Disk quota exceeded")
}

impl BackupError {
    pub fn problem(&self) -> BackupProblem {
        match self {
            // Writing the test file into a full folder fails too: that is a full disk, not a permission.
            BackupError::FolderNotWritable { reason, .. } if says_disk_full(reason) => BackupProblem::NotEnoughSpace,
            BackupError::FolderNotWritable { .. } => BackupProblem::FolderNotWritable,
            BackupError::NotEnoughSpace { .. } => BackupProblem::NotEnoughSpace,
            BackupError::ClientTooOld { .. } | BackupError::NoClient { .. } => BackupProblem::ClientMissing,
            BackupError::NoOwnerLogin { .. } | BackupError::NoStationTookIt => BackupProblem::NoStationTookIt,
            BackupError::Locked { .. } => BackupProblem::DatabaseLocked,
            BackupError::IncompleteDump { .. } => BackupProblem::IncompleteDump,
            BackupError::NoSigningKey { .. } | BackupError::SigningKey { .. } => BackupProblem::Other,
            BackupError::TakenElsewhere { .. } => BackupProblem::TakenElsewhere,
            // pg_dump writes the file itself: a full disk shows in its message only.
            BackupError::PgDump(m) if says_disk_full(m) => BackupProblem::NotEnoughSpace,
            BackupError::PgDump(m) if m.contains("connection to server") => BackupProblem::DatabaseUnavailable,
            BackupError::PgDump(_) => BackupProblem::PgDumpFailed,
            BackupError::Io { source, .. } if is_disk_full(source) => BackupProblem::NotEnoughSpace,
            BackupError::Io { .. } => BackupProblem::Other,
            BackupError::Database(crate::error::Error::Unavailable(_)) | BackupError::Connect(_) => BackupProblem::DatabaseUnavailable,
            BackupError::Database(_) => BackupProblem::Other,
            BackupError::NoChecksum { .. }
            | BackupError::ChecksumMismatch { .. }
            | BackupError::FaceModelDamaged { .. }
            | BackupError::NotABackup(_)
            | BackupError::BadSignature { .. }
            | BackupError::MetaCommand { .. }
            | BackupError::NotAsRecorded { .. } => BackupProblem::DamagedFile,
            BackupError::RestoreFailed { .. } | BackupError::RestoredCheckFailed { .. } | BackupError::Switch { .. } => {
                BackupProblem::RestoreFailed
            }
        }
    }
}

impl From<tokio_postgres::Error> for BackupError {
    fn from(e: tokio_postgres::Error) -> Self {
        BackupError::Database(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for BackupError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        BackupError::Database(e.into())
    }
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// What a backup run needs from the configuration.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    pub dir: PathBuf,
    /// An external disk's folder; used only when it exists (the disk is mounted).
    pub mirror_dir: Option<PathBuf>,
    pub keep_daily: usize,
    pub keep_monthly: usize,
    pub min_free_bytes: u64,
    /// `database.pg_bin_dir` when set: pg_dump and psql are taken from there only.
    pub pg_bin_dir: Option<PathBuf>,
    /// `<data_dir>/model.yml`: copied beside each dump, put back by a restore.
    pub face_model: PathBuf,
    pub station: String,
    /// `backup.lock_timeout_secs`: the longest a backup waits for another session's lock.
    pub lock_timeout: Duration,
    /// `<data_dir>/backup.key`: signs each backup; outside the backup folder (see `sign`).
    pub signing_key: PathBuf,
    /// `<data_dir>/ledger-anchor`: the chain heads a good backup anchors, where no database
    /// login can write (see `crate::chain`).
    pub ledger_anchor: PathBuf,
}

impl BackupOptions {
    pub fn from_config(c: &Config) -> BackupOptions {
        let non_empty = |s: &str| (!s.trim().is_empty()).then(|| PathBuf::from(s.trim()));
        BackupOptions {
            dir: c.backup_dir(),
            mirror_dir: non_empty(&c.backup.mirror_dir),
            keep_daily: c.backup.keep_daily,
            keep_monthly: c.backup.keep_monthly,
            min_free_bytes: c.backup.min_free_mb.saturating_mul(1 << 20),
            pg_bin_dir: non_empty(&c.database.pg_bin_dir),
            face_model: c.face_model_path(),
            station: c.general.station.clone(),
            lock_timeout: Duration::from_secs(c.backup.lock_timeout_secs.max(1)),
            signing_key: c.data_dir().join(KEY_FILE),
            ledger_anchor: crate::chain::anchor_path(c),
        }
    }
}

/// A run's outcome, as the `backups` table's CHECK allows it (`ok` or `failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupStatus {
    Ok,
    Failed,
}

impl BackupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupStatus::Ok => "ok",
            BackupStatus::Failed => "failed",
        }
    }

    /// The table allows only these two; anything else is read as a failure, never as a good run.
    fn from_db(s: &str) -> BackupStatus {
        if s == "ok" { BackupStatus::Ok } else { BackupStatus::Failed }
    }
}

impl std::fmt::Display for BackupStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One run as the `backups` table holds it, plus what happened to files around it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupRecord {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub status: BackupStatus,
    pub file: Option<String>,
    pub bytes: Option<i64>,
    pub sha256: Option<String>,
    pub error: Option<String>,
    /// A failed run's kind (None for runs recorded before it was stored).
    pub problem: Option<BackupProblem>,
    pub pg_dump_version: Option<String>,
    pub server_version: Option<String>,
    pub station: String,
    pub user_id: Option<i64>,
    /// Older backups this run's retention deleted (not stored in the table).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// What happened with the mirror folder, when one is configured (not stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
}

impl BackupRecord {
    pub fn is_ok(&self) -> bool {
        self.status == BackupStatus::Ok
    }

    fn from_row(r: &tokio_postgres::Row) -> BackupRecord {
        BackupRecord {
            id: r.get("id"),
            started_at: r.get("started_at"),
            finished_at: r.get("finished_at"),
            status: BackupStatus::from_db(r.get("status")),
            file: r.get("file"),
            bytes: r.get("bytes"),
            sha256: r.get("sha256"),
            error: r.get("error"),
            problem: r.get::<_, Option<&str>>("problem").map(BackupProblem::from_code),
            pg_dump_version: r.get("pg_dump_version"),
            server_version: r.get("server_version"),
            station: r.get("station"),
            user_id: r.get("user_id"),
            removed: Vec::new(),
            mirror: None,
        }
    }
}

/// The manifest written beside each dump.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub taken_at: DateTime<Utc>,
    pub station: String,
    pub database: String,
    pub pg_dump_version: String,
    pub server_version: String,
    pub program_version: String,
    /// Row counts of MAIN_TABLES, taken in the very snapshot pg_dump dumped.
    pub row_counts: BTreeMap<String, i64>,
    pub face_model: Option<FaceModelCopy>,
    /// Further facts a backup records (e.g. the ledger's chain heads), kept as they are read so
    /// that a newer program's manifest reads back whole; the signature covers the whole file.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
    /// The ledger's chain heads in the dumped snapshot (the `<stem>.anchor` file beside it).
    #[serde(default)]
    pub ledger_anchor: Option<AnchorCopy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnchorCopy {
    pub file: String,
    pub products: usize,
    /// One hash over every head: the restored database's chain must end in the same heads.
    pub heads_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceModelCopy {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}
