//! Backups and restore: pg_dump to a plain `.sql` file with a sha256 sidecar, a JSON manifest
//! and a copy of the face model; retention; a mirror folder; every run recorded in the
//! `backups` table and the audit log. Restore goes into a NEW database, is checked there, and
//! only then replaces the live one (which is kept as a dated copy).
//!
//! One backup is a set of files sharing a stem `ombor_nazorat_YYYYMMDD_HHMMSS` (local time):
//! `STEM.sql` (the dump), `STEM.sql.sha256` (`sha256sum -c` format), `STEM.json` (the manifest),
//! `STEM.model.yml` (the face model, when there is one). The `.sql` is renamed into place last,
//! so a visible `.sql` always has its companions.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDateTime, Utc};
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use crate::config::Config;
use crate::db::{connect, connect_database, connect_maintenance, DbError, Target};
use crate::session::SessionToken;

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
    #[error("this station cannot take backups: it has no database.owner_url (the database owner's login pg_dump needs); a station that has one takes them")]
    NoOwnerLogin,
    #[error("no station took the scheduled backup: this one has no database.owner_url, and none that has one recorded a backup within {} s", WAIT_FOR_DUMPING_STATION.as_secs())]
    NoStationTookIt,
    #[error("pg_dump failed: {0}")]
    PgDump(String),
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
    #[error("switching to the restored database failed; the live database was not changed: {0}")]
    Switch(String),
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
    Other,
}

impl BackupProblem {
    pub const ALL: [BackupProblem; 10] = [
        BackupProblem::FolderNotWritable,
        BackupProblem::NotEnoughSpace,
        BackupProblem::ClientMissing,
        BackupProblem::NoStationTookIt,
        BackupProblem::TakenElsewhere,
        BackupProblem::PgDumpFailed,
        BackupProblem::DatabaseUnavailable,
        BackupProblem::DamagedFile,
        BackupProblem::RestoreFailed,
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
            BackupError::NoOwnerLogin | BackupError::NoStationTookIt => BackupProblem::NoStationTookIt,
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
            | BackupError::NotABackup(_) => BackupProblem::DamagedFile,
            BackupError::RestoreFailed { .. } | BackupError::RestoredCheckFailed { .. } | BackupError::Switch(_) => {
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
        }
    }
}

/// One run as the `backups` table holds it, plus what happened to files around it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupRecord {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// "ok" or "failed".
    pub status: String,
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
        self.status == "ok"
    }

    fn from_row(r: &tokio_postgres::Row) -> BackupRecord {
        BackupRecord {
            id: r.get("id"),
            started_at: r.get("started_at"),
            finished_at: r.get("finished_at"),
            status: r.get("status"),
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceModelCopy {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

// ------------------------------------------------------------------ names

/// `ombor_nazorat_20261125_020000` for a local time.
pub fn stem_for(at: NaiveDateTime) -> String {
    format!("{FILE_PREFIX}{}", at.format(STAMP_FORMAT))
}

/// The local time in a dump's file name, when it is one of ours.
pub fn parse_dump_name(name: &str) -> Option<NaiveDateTime> {
    let stamp = name.strip_prefix(FILE_PREFIX)?.strip_suffix(".sql")?;
    if stamp.len() != 15 {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, STAMP_FORMAT).ok()
}

fn stem_of(dump: &Path) -> Option<String> {
    let name = dump.file_name()?.to_str()?;
    parse_dump_name(name)?;
    Some(name.trim_end_matches(".sql").to_string())
}

pub fn sidecar_path(dump: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sha256", dump.display()))
}

fn companions(dir: &Path, stem: &str) -> [PathBuf; 3] {
    [dir.join(format!("{stem}.sql.sha256")), dir.join(format!("{stem}.json")), dir.join(format!("{stem}.model.yml"))]
}

// ------------------------------------------------------------------ finding pg_dump / psql

/// One PostgreSQL client program (pg_dump, psql) and its version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PgClient {
    pub path: PathBuf,
    /// "15.18"
    pub version: String,
    pub major: u32,
}

/// "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → ("15.18", 15).
pub fn parse_client_version(text: &str) -> Option<(String, u32)> {
    let after = text.split(')').nth(1)?.trim();
    let version = after.split_whitespace().next()?.to_string();
    let major = version.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    Some((version, major))
}

/// Finds `program` of a major version ≥ the server's: in `configured` only when given, else via
/// pg_config and `/usr/lib/postgresql/N/bin`. The closest version wins: a much newer pg_dump
/// may write statements the server's psql cannot replay.
pub fn find_client(program: &str, configured: Option<&Path>, server_version: &str, server_major: u32) -> Result<PgClient, BackupError> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = configured {
        dirs.push(d.to_path_buf());
    } else {
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
            if out.status.success() {
                dirs.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
            }
        }
        if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
            let mut versioned: Vec<PathBuf> = entries.flatten().map(|e| e.path().join("bin")).collect();
            versioned.sort();
            dirs.extend(versioned);
        }
    }
    let searched = dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
    let mut found: Vec<PgClient> = dirs
        .iter()
        .map(|d| d.join(program))
        .filter(|p| p.is_file())
        .filter_map(|path| {
            let out = Command::new(&path).arg("--version").output().ok()?;
            let (version, major) = parse_client_version(&String::from_utf8_lossy(&out.stdout))?;
            Some(PgClient { path, version, major })
        })
        .collect();
    found.sort_by_key(|c| c.major);
    found.dedup_by(|a, b| a.path == b.path);
    if let Some(good) = found.iter().find(|c| c.major >= server_major) {
        return Ok(good.clone());
    }
    match found.pop() {
        Some(newest) => Err(BackupError::ClientTooOld {
            program: program.into(),
            version: newest.version,
            path: newest.path,
            server: server_version.into(),
            server_major,
        }),
        None => Err(BackupError::NoClient {
            program: program.into(),
            searched: if searched.is_empty() { "nowhere".into() } else { searched },
            server: server_version.into(),
            server_major,
        }),
    }
}

/// Environment for pg_dump/psql reaching `cfg` (socket or TCP), never prompting.
fn client_env(cfg: &tokio_postgres::Config, dbname: &str) -> Vec<(String, String)> {
    let mut env = vec![("PGDATABASE".to_string(), dbname.to_string()), ("PGAPPNAME".into(), "ombor-backup".into())];
    if let Some(h) = cfg.get_hosts().first() {
        let host = match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        };
        env.push(("PGHOST".into(), host));
    }
    if let Some(p) = cfg.get_ports().first() {
        env.push(("PGPORT".into(), p.to_string()));
    }
    if let Some(u) = cfg.get_user() {
        env.push(("PGUSER".into(), u.to_string()));
    }
    if let Some(pw) = cfg.get_password() {
        env.push(("PGPASSWORD".into(), String::from_utf8_lossy(pw).into_owned()));
    }
    if let Some(t) = cfg.get_connect_timeout() {
        env.push(("PGCONNECT_TIMEOUT".into(), t.as_secs().max(1).to_string()));
    }
    env
}

fn client_command(client: &PgClient, cfg: &tokio_postgres::Config, dbname: &str) -> Command {
    let mut cmd = Command::new(&client.path);
    for var in ["PGSERVICE", "PGSERVICEFILE", "PGPASSFILE", "PGOPTIONS", "PGHOSTADDR", "PGSSLMODE"] {
        cmd.env_remove(var);
    }
    // A server on the LAN: the same TLS checks as the program's own connections.
    let tls =
        if matches!(cfg.get_hosts().first(), Some(tokio_postgres::config::Host::Tcp(_))) { crate::tls::libpq_env() } else { Vec::new() };
    cmd.envs(client_env(cfg, dbname)).envs(tls).env("LC_ALL", "C.UTF-8").stdin(Stdio::null());
    cmd
}

async fn server_version(c: &impl GenericClient) -> Result<(String, u32), BackupError> {
    let row = c.query_one("SELECT current_setting('server_version'), current_setting('server_version_num')::int", &[]).await?;
    let full: String = row.get(0);
    let num: i32 = row.get(1);
    let short = full.split_whitespace().next().unwrap_or(&full).to_string();
    Ok((short, (num / 10000) as u32))
}

// ------------------------------------------------------------------ files

fn partial_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

fn create_partial(dir: &Path, name: &str) -> Result<(File, PathBuf), BackupError> {
    let tmp = partial_path(dir, name);
    let _ = fs::remove_file(&tmp); // a leftover of a run that was killed
    let f = File::options().write(true).create_new(true).open(&tmp).map_err(io_err(format!("creating {}", tmp.display())))?;
    Ok((f, tmp))
}

/// fsync the file, rename it into place, fsync the folder: after a power cut the file is
/// either whole under its final name or absent.
fn commit_partial(file: File, tmp: &Path, fin: &Path) -> Result<(), BackupError> {
    file.sync_all().map_err(io_err(format!("writing {}", tmp.display())))?;
    drop(file);
    fs::rename(tmp, fin).map_err(io_err(format!("renaming {} to {}", tmp.display(), fin.display())))?;
    sync_dir(fin.parent().unwrap_or(Path::new(".")))
}

fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(format!("syncing the folder {}", dir.display())))
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), BackupError> {
    let (mut f, tmp) = create_partial(dir, name)?;
    let res =
        f.write_all(bytes).map_err(io_err(format!("writing {}", tmp.display()))).and_then(|_| commit_partial(f, &tmp, &dir.join(name)));
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

/// Copies `from` to `dir/name` atomically; returns (bytes, sha256).
fn copy_atomically(from: &Path, dir: &Path, name: &str) -> Result<(u64, String), BackupError> {
    let src = File::open(from).map_err(io_err(format!("reading {}", from.display())))?;
    let (mut f, tmp) = create_partial(dir, name)?;
    let res = copy_hashing(src, &mut f)
        .map_err(io_err(format!("copying {} to {}", from.display(), tmp.display())))
        .and_then(|sum| commit_partial(f, &tmp, &dir.join(name)).map(|_| sum));
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

fn copy_hashing(mut from: impl Read, to: &mut impl Write) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n])?;
        total += n as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

pub fn sha256_of_file(path: &Path) -> io::Result<(u64, String)> {
    copy_hashing(File::open(path)?, &mut io::sink())
}

/// Creates the folder and proves it can be written.
pub fn prepare_folder(dir: &Path) -> Result<(), BackupError> {
    let fail = |e: io::Error| BackupError::FolderNotWritable { path: dir.to_path_buf(), reason: e.to_string() };
    fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".ombor-write-test");
    fs::write(&probe, b"ok").map_err(fail)?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

pub fn free_bytes(dir: &Path) -> io::Result<u64> {
    let st = nix::sys::statvfs::statvfs(dir).map_err(io::Error::from)?;
    Ok((st.blocks_available() as u64).saturating_mul(st.fragment_size() as u64))
}

// ------------------------------------------------------------------ taking a backup

/// Takes one backup and records it (ok or failed) in the backups table and the audit log.
/// `session`: the admin who asked; None for the scheduled run.
pub async fn take_backup(
    target: &Target,
    pool: &Pool,
    opts: &BackupOptions,
    session: Option<&SessionToken>,
) -> Result<BackupRecord, BackupError> {
    let started = Utc::now();
    let outcome = dump(target, opts, Local::now().naive_local()).await;
    let finished = Utc::now();
    let recorded = record_run(pool, session, opts, started, finished, &outcome).await;
    match (outcome, recorded) {
        (Ok(d), Ok(mut record)) => {
            record.removed = d.removed;
            record.mirror = d.mirror;
            Ok(record)
        }
        // The reason the backup failed matters more than why it could not be recorded.
        (Err(e), recorded) => {
            if let Err(r) = recorded {
                tracing::error!(error = %r, "the failed backup could not be recorded");
            }
            Err(e)
        }
        (Ok(d), Err(r)) => {
            tracing::error!(error = %r, file = %d.manifest.file, "the backup was written but could not be recorded");
            Err(r)
        }
    }
}

// ------------------------------------------------------------------ one backup for all stations

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

/// The good backup that already does what `turn` asks, if one is recorded.
async fn covering_run(c: &impl GenericClient, turn: Turn) -> Result<Option<BackupRecord>, BackupError> {
    let row = match turn {
        Turn::Manual => None,
        Turn::Scheduled { slot } => {
            c.query_opt("SELECT * FROM backups WHERE status = 'ok' AND started_at >= $1 ORDER BY id DESC LIMIT 1", &[&slot]).await?
        }
        Turn::CatchUp { max_age } => {
            let since = Utc::now() - chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::days(1));
            c.query_opt("SELECT * FROM backups WHERE status = 'ok' AND finished_at > $1 ORDER BY id DESC LIMIT 1", &[&since]).await?
        }
    };
    Ok(row.as_ref().map(BackupRecord::from_row))
}

async fn record_run(
    pool: &Pool,
    session: Option<&SessionToken>,
    opts: &BackupOptions,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    outcome: &Result<Dumped, BackupError>,
) -> Result<BackupRecord, BackupError> {
    let mut client = pool.get().await?;
    let tx = crate::session::begin(&mut client, session).await?;
    let (status, error, problem) = match outcome {
        Ok(_) => ("ok", None, None),
        Err(e) => ("failed", Some(e.to_string()), Some(e.problem().code())),
    };
    let m = outcome.as_ref().ok();
    let manifest = m.map(|d| serde_json::to_value(&d.manifest).expect("serialisable"));
    let row = tx
        .query_one(
            "SELECT * FROM backup_record($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &started,
                &finished,
                &status,
                &m.map(|d| d.manifest.file.clone()),
                &m.map(|d| d.manifest.bytes as i64),
                &m.map(|d| d.manifest.sha256.clone()),
                &error,
                &m.map(|d| d.manifest.pg_dump_version.clone()),
                &m.map(|d| d.manifest.server_version.clone()),
                &opts.station,
                &manifest,
                &problem,
            ],
        )
        .await?;
    tx.commit().await?;
    Ok(BackupRecord::from_row(&row))
}

struct Dumped {
    manifest: Manifest,
    removed: Vec<String>,
    mirror: Option<String>,
}

/// The file work of one backup; on failure nothing but this run's own files is removed.
async fn dump(target: &Target, opts: &BackupOptions, now: NaiveDateTime) -> Result<Dumped, BackupError> {
    prepare_folder(&opts.dir)?;
    let (mut client, conn) = connect(&target.owner).await?;
    let conn = tokio::spawn(conn);
    let (server_version, server_major) = server_version(&client).await?;
    let pg_dump = find_client("pg_dump", opts.pg_bin_dir.as_deref(), &server_version, server_major)?;

    // The dump is about as large as the tables without their indexes.
    let data: i64 = client
        .query_one(
            "SELECT coalesce(sum(pg_table_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .await?
        .get(0);
    let needed = opts.min_free_bytes + data.max(0) as u64;
    let free = free_bytes(&opts.dir).map_err(|e| BackupError::FolderNotWritable { path: opts.dir.clone(), reason: e.to_string() })?;
    if free < needed {
        return Err(BackupError::NotEnoughSpace { path: opts.dir.clone(), free_mb: free >> 20, needed_mb: needed.div_ceil(1 << 20) });
    }

    // A name not used yet (two runs within one second get consecutive seconds).
    let mut at = now;
    while opts.dir.join(format!("{}.sql", stem_for(at))).exists() {
        at += chrono::Duration::seconds(1);
    }
    let stem = stem_for(at);
    let database = target.owner.get_dbname().unwrap_or(crate::cluster::DATABASE_NAME).to_string();

    // pg_dump dumps the snapshot this transaction exported, so the row counts below are exactly
    // what the file holds.
    let tx = client.build_transaction().isolation_level(tokio_postgres::IsolationLevel::RepeatableRead).read_only(true).start().await?;
    let snapshot: String = tx.query_one("SELECT pg_export_snapshot()", &[]).await?.get(0);
    let counts_sql = format!("SELECT {}", MAIN_TABLES.iter().map(|t| format!("(SELECT count(*) FROM {t})")).collect::<Vec<_>>().join(", "));
    let counts_row = tx.query_one(&counts_sql, &[]).await?;
    let row_counts: BTreeMap<String, i64> = MAIN_TABLES.iter().enumerate().map(|(i, t)| (t.to_string(), counts_row.get(i))).collect();

    let mut written: Vec<PathBuf> = Vec::new();
    let result = async {
        let dump_name = format!("{stem}.sql");
        let (dir, owner, db, snap, client_bin) =
            (opts.dir.clone(), target.owner.clone(), database.clone(), snapshot.clone(), pg_dump.clone());
        let (bytes, sha256, tmp, file) =
            tokio::task::spawn_blocking(move || run_pg_dump(&client_bin, &owner, &db, &snap, &dir, &dump_name))
                .await
                .map_err(|e| BackupError::PgDump(e.to_string()))??;
        let dump_tmp = tmp.clone();
        let res = async {
            let face_model = if opts.face_model.is_file() {
                let name = format!("{stem}.model.yml");
                let (bytes, sha256) = copy_atomically(&opts.face_model, &opts.dir, &name)?;
                written.push(opts.dir.join(&name));
                Some(FaceModelCopy { file: name, sha256, bytes })
            } else {
                None
            };
            let manifest = Manifest {
                file: format!("{stem}.sql"),
                sha256: sha256.clone(),
                bytes,
                taken_at: Utc::now(),
                station: opts.station.clone(),
                database: database.clone(),
                pg_dump_version: pg_dump.version.clone(),
                server_version: server_version.clone(),
                program_version: env!("CARGO_PKG_VERSION").to_string(),
                row_counts: row_counts.clone(),
                face_model,
            };
            let json_name = format!("{stem}.json");
            write_atomically(&opts.dir, &json_name, &serde_json::to_vec_pretty(&manifest).expect("serialisable"))?;
            written.push(opts.dir.join(&json_name));
            let sidecar_name = format!("{stem}.sql.sha256");
            write_atomically(&opts.dir, &sidecar_name, format!("{sha256}  {stem}.sql\n").as_bytes())?;
            written.push(opts.dir.join(&sidecar_name));
            commit_partial(file, &tmp, &opts.dir.join(format!("{stem}.sql")))?;
            Ok::<_, BackupError>(manifest)
        }
        .await;
        if res.is_err() {
            let _ = fs::remove_file(&dump_tmp);
        }
        res
    }
    .await;
    let _ = tx.commit().await;
    drop(client);
    let _ = conn.await;
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            for p in &written {
                let _ = fs::remove_file(p);
            }
            return Err(e);
        }
    };

    // Retention only after a good backup, so a failing disk never eats the old ones.
    let removed = apply_retention(&opts.dir, now, opts.keep_daily, opts.keep_monthly);
    let mirror = opts.mirror_dir.as_ref().map(|m| sync_mirror(&opts.dir, m, now, opts.keep_daily, opts.keep_monthly));
    Ok(Dumped { manifest, removed, mirror })
}

/// pg_dump → temp file, hashing the bytes as they pass. Returns (bytes, sha256, temp path, open file).
fn run_pg_dump(
    pg_dump: &PgClient,
    owner: &tokio_postgres::Config,
    dbname: &str,
    snapshot: &str,
    dir: &Path,
    name: &str,
) -> Result<(u64, String, PathBuf, File), BackupError> {
    let (mut file, tmp) = create_partial(dir, name)?;
    let mut cmd = client_command(pg_dump, owner, dbname);
    cmd.args(["--format=plain", "--no-password", "--encoding=UTF8", &format!("--snapshot={snapshot}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let fail = |e: BackupError| {
        let _ = fs::remove_file(&tmp);
        e
    };
    let mut child = cmd.spawn().map_err(|e| fail(io_err(format!("starting {}", pg_dump.path.display()))(e)))?;
    let mut stderr = child.stderr.take().expect("piped");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let stdout = child.stdout.take().expect("piped");
    enlarge_pipe(&stdout);
    let copied = copy_hashing(stdout, &mut file);
    if copied.is_err() {
        let _ = child.kill();
    }
    let status = child.wait();
    let err_text = err_reader.join().unwrap_or_default();
    let (bytes, sha256) = copied.map_err(|e| fail(io_err(format!("writing the backup {}", tmp.display()))(e)))?;
    let status = status.map_err(|e| fail(io_err("waiting for pg_dump")(e)))?;
    if !status.success() {
        let detail = err_text.trim().lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        return Err(fail(BackupError::PgDump(if detail.is_empty() { status.to_string() } else { detail })));
    }
    Ok((bytes, sha256, tmp, file))
}

/// A 1 MB pipe lets pg_dump run ahead of our hashing instead of waiting every 64 KB.
fn enlarge_pipe(stdout: &std::process::ChildStdout) {
    use std::os::fd::AsRawFd;
    let _ = nix::fcntl::fcntl(stdout.as_raw_fd(), nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
}

// ------------------------------------------------------------------ retention and mirror

/// Which dumps to delete, by name, at local time `now`: the newest dump of each of the last
/// `keep_daily` days and of each of the last `keep_monthly` months stays, as do the newest dump
/// overall and any dated in the future (a wrong clock is no reason to delete). Names that are
/// not our dumps are never touched.
pub fn retention_victims(names: &[String], now: NaiveDateTime, keep_daily: usize, keep_monthly: usize) -> Vec<String> {
    use chrono::Datelike;
    let mut dumps: Vec<(NaiveDateTime, &String)> = names.iter().filter_map(|n| parse_dump_name(n).map(|t| (t, n))).collect();
    dumps.sort();
    let mut keep: std::collections::HashSet<&String> = std::collections::HashSet::new();
    if let Some((_, newest)) = dumps.iter().rfind(|(t, _)| *t <= now) {
        keep.insert(newest);
    }
    let today = now.date();
    let month_index = |t: NaiveDateTime| t.year() as i64 * 12 + t.month0() as i64;
    for (t, n) in &dumps {
        if *t > now {
            keep.insert(n);
        }
    }
    // `dumps` is sorted: the last match of a day or month is its newest dump.
    for back in 0..keep_daily as i64 {
        let day = today - chrono::Duration::days(back);
        if let Some((_, n)) = dumps.iter().rfind(|(t, _)| t.date() == day && *t <= now) {
            keep.insert(n);
        }
    }
    for back in 0..keep_monthly as i64 {
        let month = month_index(now) - back;
        if let Some((_, n)) = dumps.iter().rfind(|(t, _)| month_index(*t) == month && *t <= now) {
            keep.insert(n);
        }
    }
    dumps.iter().filter(|(_, n)| !keep.contains(n)).map(|(_, n)| (*n).clone()).collect()
}

fn dump_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    entries.flatten().filter_map(|e| e.file_name().into_string().ok()).filter(|n| parse_dump_name(n).is_some()).collect()
}

/// Deletes the dumps retention lets go, with their companions; returns their names.
fn apply_retention(dir: &Path, now: NaiveDateTime, keep_daily: usize, keep_monthly: usize) -> Vec<String> {
    let victims = retention_victims(&dump_names(dir), now, keep_daily, keep_monthly);
    for name in &victims {
        let stem = name.trim_end_matches(".sql");
        let _ = fs::remove_file(dir.join(name));
        for c in companions(dir, stem) {
            let _ = fs::remove_file(c);
        }
        tracing::info!(file = %name, "backup removed by retention");
    }
    victims
}

/// Copies every complete backup set the mirror lacks (so a disk plugged in after a week gets
/// the week), then applies the same retention there. The folder must exist: an unmounted disk's
/// mount point must not fill up the internal disk.
fn sync_mirror(dir: &Path, mirror: &Path, now: NaiveDateTime, keep_daily: usize, keep_monthly: usize) -> String {
    if !mirror.is_dir() {
        return format!("mirror {} not present (disk not mounted?): skipped", mirror.display());
    }
    let mut copied = 0;
    for name in dump_names(dir) {
        if mirror.join(&name).exists() {
            continue;
        }
        let stem = name.trim_end_matches(".sql").to_string();
        let res = (|| {
            for c in companions(dir, &stem) {
                if c.exists() {
                    copy_atomically(&c, mirror, c.file_name().unwrap().to_str().unwrap())?;
                }
            }
            copy_atomically(&dir.join(&name), mirror, &name)
        })();
        if let Err(e) = res {
            return format!("mirror {}: copying {name} failed: {e}", mirror.display());
        }
        copied += 1;
    }
    let removed = apply_retention(mirror, now, keep_daily, keep_monthly);
    format!("mirror {}: {copied} copied, {} removed", mirror.display(), removed.len())
}

// ------------------------------------------------------------------ listing and verifying

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumState {
    /// The file's sha256 was computed and matches its sidecar.
    Verified,
    /// Computed and different: the file is damaged.
    Mismatch,
    /// A sidecar exists and the size matches the manifest; the hash was not computed (no --check).
    Recorded,
    /// No sidecar, or the size differs from the manifest.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupFile {
    pub file: String,
    pub path: PathBuf,
    /// Local time from the file name.
    pub taken_at: NaiveDateTime,
    pub bytes: u64,
    pub checksum: ChecksumState,
    pub face_model: bool,
}

/// The dumps in `dir`, newest first; `check` computes every file's sha256.
pub fn list_files(dir: &Path, check: bool) -> Vec<BackupFile> {
    let mut out: Vec<BackupFile> = dump_names(dir)
        .into_iter()
        .filter_map(|name| {
            let path = dir.join(&name);
            let bytes = fs::metadata(&path).ok()?.len();
            let stem = name.trim_end_matches(".sql").to_string();
            let manifest: Option<Manifest> = fs::read(dir.join(format!("{stem}.json"))).ok().and_then(|b| serde_json::from_slice(&b).ok());
            let recorded = read_sidecar(&sidecar_path(&path));
            let checksum = match (&recorded, check) {
                (None, _) => ChecksumState::Missing,
                (Some(expected), true) => match sha256_of_file(&path) {
                    Ok((_, actual)) if &actual == expected => ChecksumState::Verified,
                    _ => ChecksumState::Mismatch,
                },
                (Some(_), false) if manifest.as_ref().is_some_and(|m| m.bytes != bytes) => ChecksumState::Mismatch,
                (Some(_), false) => ChecksumState::Recorded,
            };
            Some(BackupFile {
                taken_at: parse_dump_name(&name)?,
                file: name,
                path,
                bytes,
                checksum,
                face_model: manifest.is_some_and(|m| m.face_model.is_some()),
            })
        })
        .collect();
    out.sort_by(|a, b| b.taken_at.cmp(&a.taken_at));
    out
}

fn read_sidecar(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let hex = text.split_whitespace().next()?.to_ascii_lowercase();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

/// A dump whose checksum (and its face model copy's) has just been checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedBackup {
    pub file: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub manifest: Option<Manifest>,
    pub face_model: Option<PathBuf>,
}

/// Checks the dump against its sidecar and the face model copy against the manifest.
pub fn verify_file(path: &Path) -> Result<VerifiedBackup, BackupError> {
    if stem_of(path).is_none() {
        return Err(BackupError::NotABackup(path.to_path_buf()));
    }
    let sidecar = sidecar_path(path);
    let expected = read_sidecar(&sidecar).ok_or_else(|| BackupError::NoChecksum { file: path.to_path_buf(), sidecar: sidecar.clone() })?;
    let (bytes, actual) = sha256_of_file(path).map_err(io_err(format!("reading {}", path.display())))?;
    if actual != expected {
        return Err(BackupError::ChecksumMismatch { file: path.to_path_buf(), expected, actual });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = stem_of(path).expect("checked above");
    let manifest: Option<Manifest> = fs::read(dir.join(format!("{stem}.json"))).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let mut face_model = None;
    if let Some(m) = &manifest {
        if m.sha256 != actual {
            return Err(BackupError::ChecksumMismatch { file: path.to_path_buf(), expected: m.sha256.clone(), actual });
        }
        if let Some(fm) = &m.face_model {
            let copy = dir.join(&fm.file);
            match sha256_of_file(&copy) {
                Ok((_, sum)) if sum == fm.sha256 => face_model = Some(copy),
                Ok((_, sum)) => {
                    return Err(BackupError::FaceModelDamaged {
                        file: copy,
                        reason: format!("sha256 {sum}, the manifest recorded {}", fm.sha256),
                    })
                }
                Err(e) => return Err(BackupError::FaceModelDamaged { file: copy, reason: e.to_string() }),
            }
        }
    }
    Ok(VerifiedBackup { file: path.to_path_buf(), bytes, sha256: actual, manifest, face_model })
}

// ------------------------------------------------------------------ the table

/// The latest runs, newest first.
pub async fn runs(c: &impl GenericClient, limit: i64) -> crate::error::Result<Vec<BackupRecord>> {
    let rows = c.query("SELECT * FROM backups ORDER BY id DESC LIMIT $1", &[&limit.clamp(1, 10_000)]).await?;
    Ok(rows.iter().map(BackupRecord::from_row).collect())
}

/// When the newest successful backup finished (the catch-up check at start).
pub async fn last_good_backup_at(c: &impl GenericClient) -> crate::error::Result<Option<DateTime<Utc>>> {
    Ok(c.query_one("SELECT max(finished_at) FROM backups WHERE status = 'ok'", &[]).await?.get(0))
}

/// Row counts of MAIN_TABLES as `c` sees them.
pub async fn row_counts(c: &impl GenericClient) -> crate::error::Result<BTreeMap<String, i64>> {
    let sql = format!("SELECT {}", MAIN_TABLES.iter().map(|t| format!("(SELECT count(*) FROM {t})")).collect::<Vec<_>>().join(", "));
    let row = c.query_one(&sql, &[]).await?;
    Ok(MAIN_TABLES.iter().enumerate().map(|(i, t)| (t.to_string(), row.get(i))).collect())
}

// ------------------------------------------------------------------ restore

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreReport {
    pub file: PathBuf,
    pub sha256: String,
    /// The live database's name (now holding the restored data).
    pub database: String,
    /// The previous live database, kept under this name.
    pub previous_kept_as: String,
    pub row_counts: BTreeMap<String, i64>,
    pub ledger: crate::movements::LedgerReport,
    pub face_model_restored: bool,
    /// Where the face model in use before the restore was moved.
    pub previous_face_model: Option<PathBuf>,
    /// Backup runs recorded after the dump, copied from the kept database.
    pub backups_carried_over: u64,
}

/// Restores `file`: checksum first (nothing is touched before), then into a new database, which
/// is checked (ledger verify, row counts against the manifest) and only then renamed into the
/// live name; the live database is kept as `<name>_old_<stamp>`. Then the face model is put back.
/// `by`: who asked (recorded in the audit log of the restored database).
pub async fn restore(target: &Target, file: &Path, opts: &BackupOptions, by: Option<&str>) -> Result<RestoreReport, BackupError> {
    let verified = verify_file(file)?;
    let live = live_database(target);
    let stamp = Local::now().format(STAMP_FORMAT).to_string();
    let fresh = restore_name(&live, "restore", &stamp);
    let old = restore_name(&live, "old", &stamp);

    let (maint, conn_task) = connect_maintenance(&target.owner).await?;
    let (server_version, server_major) = server_version(&maint).await?;
    let psql = find_client("psql", opts.pg_bin_dir.as_deref(), &server_version, server_major)?;

    maint.batch_execute(&format!("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0", quote_ident(&fresh))).await?;

    // 1. Load the dump into the new database, all or nothing.
    let load = {
        let (psql, owner, dbname, path) = (psql.clone(), target.owner.clone(), fresh.clone(), verified.file.clone());
        tokio::task::spawn_blocking(move || {
            let mut cmd = client_command(&psql, &owner, &dbname);
            cmd.args(["-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-o", "/dev/null", "-f"]).arg(&path);
            cmd.output()
        })
        .await
        .map_err(|e| BackupError::RestoreFailed { database: fresh.clone(), detail: e.to_string() })?
    };
    match load {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            drop_database(&maint, &fresh).await;
            let detail = String::from_utf8_lossy(&out.stderr).trim().lines().take(5).collect::<Vec<_>>().join("\n");
            return Err(BackupError::RestoreFailed { database: fresh, detail });
        }
        Err(e) => {
            drop_database(&maint, &fresh).await;
            return Err(BackupError::RestoreFailed { database: fresh, detail: format!("cannot run {}: {e}", psql.path.display()) });
        }
    }

    // 2. Check it before it may replace anything.
    let checked = async {
        let (c, h) = connect_database(&target.owner, &fresh).await?;
        let ledger = crate::movements::verify(&c).await?;
        let counts = row_counts(&c).await?;
        drop(c);
        let _ = h.await;
        Ok::<_, BackupError>((ledger, counts))
    }
    .await;
    let (ledger, counts) = match checked {
        Ok(v) => v,
        Err(e) => {
            drop_database(&maint, &fresh).await;
            return Err(BackupError::RestoredCheckFailed { database: fresh, detail: e.to_string() });
        }
    };
    let mut problems = Vec::new();
    if !ledger.is_ok() {
        problems.push(format!("ledger verify failed: {ledger:?}"));
    }
    if let Some(m) = &verified.manifest {
        for (table, expected) in &m.row_counts {
            let got = counts.get(table).copied().unwrap_or(-1);
            if got != *expected {
                problems.push(format!("{table}: {got} rows, the backup recorded {expected}"));
            }
        }
    }
    if !problems.is_empty() {
        drop_database(&maint, &fresh).await;
        return Err(BackupError::RestoredCheckFailed { database: fresh, detail: problems.join("; ") });
    }

    // 3. Switch: both renames in one transaction, with the live database closed to newcomers.
    if let Err(e) = switch_databases(&maint, &live, &fresh, &old).await {
        drop_database(&maint, &fresh).await;
        return Err(e);
    }
    drop(maint);
    let _ = conn_task.await;

    // 4. The face model that belongs to the restored enrolments.
    let (face_model_restored, previous_face_model) = restore_face_model(&verified, &opts.face_model, &stamp)?;

    // 5. Bring an older dump's schema up to this program's, and say what happened.
    target.migrate().await?;
    let (c, conn) = connect(&target.owner).await?;
    let h = tokio::spawn(conn);
    let detail = serde_json::json!({
        "file": verified.file.file_name().map(|n| n.to_string_lossy().to_string()),
        "sha256": verified.sha256, "previous_kept_as": old, "by": by, "face_model_restored": face_model_restored,
    });
    crate::audit::record(&c, "backup.restore", &detail, &opts.station).await?;
    // 6. The runs recorded after the dump describe files that are still in the folder: without
    // them the kiosk would say "no backup yet" right after restoring one.
    let backups_carried_over = match carry_backup_runs(&c, target, &old).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, kept = %old, "the backup runs after the dump were not carried over");
            0
        }
    };
    drop(c);
    let _ = h.await;

    Ok(RestoreReport {
        file: verified.file.clone(),
        sha256: verified.sha256.clone(),
        database: live,
        previous_kept_as: old,
        row_counts: counts,
        ledger,
        face_model_restored,
        previous_face_model,
        backups_carried_over,
    })
}

/// Copies the backup runs the kept database `old` recorded after the restored data's newest run
/// into the live database (a user the restored data does not know is left out of a run).
async fn carry_backup_runs(live: &tokio_postgres::Client, target: &Target, old: &str) -> Result<u64, BackupError> {
    let (kept, h) = connect_database(&target.owner, old).await?;
    let since: Option<DateTime<Utc>> = live.query_one("SELECT max(finished_at) FROM backups", &[]).await?.get(0);
    let later: Option<String> = kept
        .query_one(
            "SELECT json_agg(b ORDER BY b.finished_at, b.id)::text FROM backups b WHERE $1::timestamptz IS NULL OR b.finished_at > $1",
            &[&since],
        )
        .await?
        .get(0);
    drop(kept);
    let _ = h.await;
    let Some(later) = later else { return Ok(0) };
    let n = live
        .execute(
            "INSERT INTO backups (started_at, finished_at, status, file, bytes, sha256, error, pg_dump_version, server_version,
                                  station, user_id, manifest, problem)
             SELECT r.started_at, r.finished_at, r.status, r.file, r.bytes, r.sha256, r.error, r.pg_dump_version, r.server_version,
                    r.station, (SELECT u.id FROM users u WHERE u.id = r.user_id), r.manifest, r.problem
               FROM json_populate_recordset(NULL::backups, $1::text::json) r
              ORDER BY r.finished_at, r.id",
            &[&later],
        )
        .await?;
    Ok(n)
}

/// `<live>_<what>_<stamp>`, within PostgreSQL's 63-byte names.
fn restore_name(live: &str, what: &str, stamp: &str) -> String {
    let suffix = format!("_{what}_{stamp}");
    let keep = 63usize.saturating_sub(suffix.len()).min(live.len());
    format!("{}{suffix}", &live[..keep])
}

/// A database a restore kept (`<live>_old_<stamp>`): the data as it was before that restore,
/// as big as the live one, until an admin drops it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeptDatabase {
    pub name: String,
    pub bytes: i64,
}

/// The live database's name on this target.
pub fn live_database(target: &Target) -> String {
    target.owner.get_dbname().unwrap_or(crate::cluster::DATABASE_NAME).to_string()
}

/// The databases restores kept beside the live one, oldest first.
pub async fn kept_databases(target: &Target) -> Result<Vec<KeptDatabase>, BackupError> {
    let (maint, conn_task) = connect_maintenance(&target.owner).await?;
    let kept = kept_on(&maint, &live_database(target)).await;
    drop(maint);
    let _ = conn_task.await;
    kept
}

/// Drops a database a restore kept; only such a database (never the live one).
pub async fn drop_kept_database(target: &Target, name: &str) -> Result<(), BackupError> {
    let (maint, conn_task) = connect_maintenance(&target.owner).await?;
    let result = match kept_on(&maint, &live_database(target)).await {
        Ok(kept) if kept.iter().any(|k| k.name == name) => {
            maint.batch_execute(&format!("DROP DATABASE {}", quote_ident(name))).await.map_err(BackupError::from)
        }
        Ok(_) => Err(BackupError::Database(crate::error::Error::NotFound(format!("no database {name} kept by a restore")))),
        Err(e) => Err(e),
    };
    drop(maint);
    let _ = conn_task.await;
    result
}

/// Asked as the owner: a database's size needs the right to connect to it.
async fn kept_on(owner: &impl GenericClient, live: &str) -> Result<Vec<KeptDatabase>, BackupError> {
    let prefix = restore_name(live, "old", "");
    let rows = owner
        .query(
            "SELECT datname::text, pg_database_size(oid) FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY datname",
            &[&prefix],
        )
        .await?;
    Ok(rows.iter().map(|r| KeptDatabase { name: r.get(0), bytes: r.get(1) }).collect())
}

async fn drop_database(maint: &tokio_postgres::Client, name: &str) {
    let _ = maint.batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(name))).await;
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

async fn switch_databases(maint: &tokio_postgres::Client, live: &str, fresh: &str, old: &str) -> Result<(), BackupError> {
    let switch_err = |e: tokio_postgres::Error| BackupError::Switch(crate::error::Error::from(e).to_string());
    maint.batch_execute(&format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", quote_ident(live))).await.map_err(switch_err)?;
    let mut last_error = String::new();
    for _ in 0..50 {
        maint
            .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", &[&live])
            .await
            .map_err(switch_err)?;
        let renamed = maint
            .batch_execute(&format!(
                "BEGIN; ALTER DATABASE {l} RENAME TO {o}; ALTER DATABASE {f} RENAME TO {l}; COMMIT;",
                l = quote_ident(live),
                o = quote_ident(old),
                f = quote_ident(fresh)
            ))
            .await;
        match renamed {
            Ok(()) => {
                // The old copy stays reachable for whoever wants to look back.
                let _ = maint.batch_execute(&format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", quote_ident(old))).await;
                return Ok(());
            }
            Err(e) => {
                let _ = maint.batch_execute("ROLLBACK").await;
                last_error = crate::error::Error::from(e).to_string();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    let _ = maint.batch_execute(&format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", quote_ident(live))).await;
    Err(BackupError::Switch(last_error))
}

/// Puts the backup's face model in place (the current one is kept beside it). A backup without
/// a model means no face was enrolled then: the current model is set aside, not mixed in.
fn restore_face_model(verified: &VerifiedBackup, target: &Path, stamp: &str) -> Result<(bool, Option<PathBuf>), BackupError> {
    let previous = if target.exists() {
        let aside = PathBuf::from(format!("{}.before-restore-{stamp}", target.display()));
        fs::rename(target, &aside).map_err(io_err(format!("moving the current face model {} aside", target.display())))?;
        Some(aside)
    } else {
        None
    };
    let Some(copy) = &verified.face_model else { return Ok((false, previous)) };
    let dir = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_err(format!("creating {}", dir.display())))?;
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("model.yml");
    copy_atomically(copy, dir, name)?;
    Ok((true, previous))
}

// ------------------------------------------------------------------ demo ledger (tests, benchmark)

/// Fills the database `owner` is connected to (as the schema owner) with `products` products and
/// `movements` IN movements posted through `post_movement`, so hashes, chains and stock are
/// exactly what the kiosk would have written. Calls `progress(done)` after each batch.
pub async fn seed_ledger(
    owner: &tokio_postgres::Client,
    products: i64,
    movements: i64,
    mut progress: impl FnMut(i64),
) -> crate::error::Result<()> {
    let token = SessionToken::generate();
    owner
        .execute(
            "INSERT INTO users (username, password_hash, role) VALUES ('seed-admin', '$argon2id$not-a-login', 'admin') ON CONFLICT DO NOTHING",
            &[],
        )
        .await?;
    owner
        .execute(
            "INSERT INTO sessions (token_hash, user_id, station, idle_timeout)
             SELECT $1, id, 'seed', interval '1 day' FROM users WHERE username = 'seed-admin'",
            &[&token.hash()],
        )
        .await?;
    owner.execute("SELECT set_config('ombor.session', $1, false)", &[&token.as_hex()]).await?;
    let employee: i64 = owner.query_one("INSERT INTO employees (full_name) VALUES ('Seed Worker') RETURNING id", &[]).await?.get(0);
    owner
        .execute(
            "INSERT INTO products (sku, qr_code, name) SELECT 'SEED-' || g, 'QR-SEED-' || g, 'Seed product ' || g
               FROM generate_series(1, $1::bigint) g ON CONFLICT DO NOTHING",
            &[&products],
        )
        .await?;
    let ids: Vec<i64> = owner.query_one("SELECT array_agg(id ORDER BY id) FROM products WHERE sku LIKE 'SEED-%'", &[]).await?.get(0);
    // Small batches: each stock row is updated only a few times per transaction.
    let batch = (ids.len() as i64 * 10).clamp(100, 20_000);
    let mut done = 0;
    while done < movements {
        let n = batch.min(movements - done);
        let verification: i64 =
            owner.query_one("SELECT (record_face_verification($1, 0.9, 'seed', interval '1 hour')).id", &[&employee]).await?.get(0);
        owner
            .execute(
                "SELECT count(post_movement(($1::bigint[])[1 + (g % array_length($1::bigint[], 1))], 'in', 1 + g % 7, $2, $3, NULL, 'seed'))
                   FROM generate_series($4::bigint, $5::bigint) g",
                &[&ids, &employee, &verification, &done, &(done + n - 1)],
            )
            .await?;
        done += n;
        progress(done);
    }
    owner.execute("SELECT set_config('ombor.session', '', false)", &[]).await?;
    Ok(())
}

/// Connects as `owner` and seeds its database (the benchmark's entry to `seed_ledger`).
pub async fn seed_into(
    owner: &tokio_postgres::Config,
    products: i64,
    movements: i64,
    progress: impl FnMut(i64),
) -> Result<(), BackupError> {
    let (c, conn) = connect(owner).await?;
    let h = tokio::spawn(conn);
    seed_ledger(&c, products, movements, progress).await?;
    drop(c);
    let _ = h.await;
    Ok(())
}

pub async fn count_movements(owner: &tokio_postgres::Config) -> Result<i64, BackupError> {
    let (c, conn) = connect(owner).await?;
    let h = tokio::spawn(conn);
    let n: i64 = c.query_one("SELECT count(*) FROM movements", &[]).await?.get(0);
    drop(c);
    let _ = h.await;
    Ok(n)
}

/// The benchmark's yardstick: plain `pg_dump -f FILE` of the same database, nothing else.
pub async fn bare_pg_dump(owner: &tokio_postgres::Config, pg_bin_dir: Option<&Path>, file: &Path) -> Result<(), BackupError> {
    let (c, conn) = connect(owner).await?;
    let h = tokio::spawn(conn);
    let (version, major) = server_version(&c).await?;
    drop(c);
    let _ = h.await;
    let pg_dump = find_client("pg_dump", pg_bin_dir, &version, major)?;
    let dbname = owner.get_dbname().unwrap_or(crate::cluster::DATABASE_NAME).to_string();
    let mut cmd = client_command(&pg_dump, owner, &dbname);
    cmd.args(["--format=plain", "--no-password", "--encoding=UTF8", "-f"]).arg(file);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| BackupError::PgDump(e.to_string()))?
        .map_err(io_err("running pg_dump"))?;
    if !out.status.success() {
        return Err(BackupError::PgDump(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    Ok(())
}

/// Drops database `name` of `owner`'s server (the benchmark's own database).
pub async fn drop_database_by_name(owner: &tokio_postgres::Config, name: &str) -> Result<(), BackupError> {
    let (c, h) = connect_maintenance(owner).await?;
    c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", &[&name]).await?;
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(name))).await?;
    drop(c);
    let _ = h.await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn names_round_trip() {
        let at = t("2026-11-25 02:00:07");
        assert_eq!(stem_for(at), "ombor_nazorat_20261125_020007");
        assert_eq!(parse_dump_name("ombor_nazorat_20261125_020007.sql"), Some(at));
        assert_eq!(parse_dump_name("ombor_nazorat_20261125_020007.sql.sha256"), None);
        assert_eq!(parse_dump_name("other_20261125_020007.sql"), None);
        assert_eq!(parse_dump_name("ombor_nazorat_2026112_020007.sql"), None);
    }

    #[test]
    fn client_versions() {
        assert_eq!(parse_client_version("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"), Some(("15.18".into(), 15)));
        assert_eq!(parse_client_version("pg_dump (PostgreSQL) 9.6.24\n"), Some(("9.6.24".into(), 9)));
        assert_eq!(parse_client_version("nonsense"), None);
    }

    #[test]
    fn pg_dump_reaches_socket_and_url_servers() {
        let env = |cfg: &tokio_postgres::Config| client_env(cfg, "ombor_nazorat").into_iter().collect::<BTreeMap<_, _>>();
        let url: tokio_postgres::Config = "postgres://owner:s3cret@192.168.1.10:5433/ombor_nazorat?connect_timeout=7".parse().unwrap();
        let e = env(&url);
        assert_eq!(e["PGHOST"], "192.168.1.10");
        assert_eq!(e["PGPORT"], "5433");
        assert_eq!(e["PGUSER"], "owner");
        assert_eq!(e["PGPASSWORD"], "s3cret");
        assert_eq!(e["PGDATABASE"], "ombor_nazorat");
        assert_eq!(e["PGCONNECT_TIMEOUT"], "7");
        let mut socket = tokio_postgres::Config::new();
        socket.host_path("/var/lib/ombor-nazorat/postgres/run").port(5432).user("ombor_owner").dbname("ombor_nazorat");
        let e = env(&socket);
        assert_eq!(e["PGHOST"], "/var/lib/ombor-nazorat/postgres/run");
        assert!(!e.contains_key("PGPASSWORD"));
    }

    #[test]
    fn restore_names_fit() {
        assert_eq!(restore_name("ombor_nazorat", "old", "20261125_020000"), "ombor_nazorat_old_20261125_020000");
        assert!(restore_name(&"x".repeat(80), "restore", "20261125_020000").len() <= 63);
    }

    #[test]
    fn retention_keeps_days_and_months() {
        let names: Vec<String> = [
            "ombor_nazorat_20261125_020000.sql", // today: newest overall
            "ombor_nazorat_20261125_010000.sql", // today, older: goes
            "ombor_nazorat_20261124_020000.sql", // day 2
            "ombor_nazorat_20261123_020000.sql", // day 3
            "ombor_nazorat_20261122_020000.sql", // day 4: beyond 3 days, but November is kept by today's
            "ombor_nazorat_20261031_020000.sql", // newest of October: monthly
            "ombor_nazorat_20261015_020000.sql", // October, older: goes
            "ombor_nazorat_20260930_230000.sql", // September's newest: monthly (3rd month)
            "ombor_nazorat_20260815_020000.sql", // August: beyond 3 months: goes
            "ombor_nazorat_20261126_020000.sql", // tomorrow (clock trouble): stays
            "notes.txt",
            "ombor_nazorat_20250101_000000.sql.sha256",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let now = t("2026-11-25 12:00:00");
        let victims = retention_victims(&names, now, 3, 3);
        assert_eq!(
            victims,
            vec![
                "ombor_nazorat_20260815_020000.sql",
                "ombor_nazorat_20261015_020000.sql",
                "ombor_nazorat_20261122_020000.sql",
                "ombor_nazorat_20261125_010000.sql",
            ]
        );
        // Keeping nothing still keeps the newest backup.
        let all_but_newest = retention_victims(&names, now, 0, 0);
        assert!(!all_but_newest.contains(&"ombor_nazorat_20261125_020000.sql".to_string()));
        assert!(!all_but_newest.contains(&"ombor_nazorat_20261126_020000.sql".to_string()));
        assert_eq!(all_but_newest.len(), 8);
    }
}
