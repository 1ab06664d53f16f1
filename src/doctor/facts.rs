//! Everything the checks look at, gathered once: the database's answers, the backup folder,
//! the camera, a test scan, the host. Gathering never changes the installation (an embedded
//! cluster the doctor had to start is stopped again).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDateTime, TimeZone};
use models::cluster::{ClusterState, PgBinaries};
use models::health::{InstallationCounts, Reach};
use models::movements::LedgerReport;
use models::{Config, Target};
use sha2::{Digest, Sha256};

use super::host::HostFacts;
use super::Options;

pub struct Facts {
    pub db: DbFacts,
    /// pg_dump's path and major version.
    pub pg_dump: Option<(PathBuf, u32)>,
    pub scan: Scan,
    pub camera: CameraFacts,
    pub backups: BackupFacts,
    pub host: HostFacts,
    pub autostart: Option<PathBuf>,
    pub data_dir_writable: Result<(), NotWritable>,
    pub sqlite_files: Vec<PathBuf>,
}

pub enum DbFacts {
    /// The configuration names no usable server (bad URL, PostgreSQL not installed).
    NotConfigured(String),
    /// The embedded cluster was never created.
    NotInitialised,
    Unreachable(String),
    /// The server answered but refused (no database, no role).
    Refused(String),
    Connected(Box<Connected>),
}

pub struct Connected {
    pub version: String,
    pub server_major: u32,
    pub database: String,
    pub migration: Option<u32>,
    pub counts: Result<InstallationCounts, String>,
    pub ledger: Result<LedgerReport, String>,
    pub embedded: bool,
    /// Databases restores kept beside the live one (each a full copy).
    pub kept: Result<Vec<models::backups::KeptDatabase>, String>,
    /// What the backup login (owner_url, else url) may do, as the server answers.
    pub dump_rights: Result<models::backups::DumpRights, String>,
    /// A server reached with one login for both the program and its backups.
    pub single_login: bool,
    /// What the database's face check decides with (V20's face_policy()).
    pub face_policy: Result<models::employees::FacePolicy, String>,
}

pub enum Scan {
    NotAsked,
    NothingScanned,
    Scanned { code: String, product: Option<String> },
}

pub enum CameraFacts {
    /// The camera opened and gave a frame of this size.
    Found {
        source: String,
        width: u32,
        height: u32,
    },
    Missing {
        source: String,
        reason: actors::camera::CameraProblem,
    },
}

pub struct BackupFacts {
    pub dir: PathBuf,
    pub writable: Result<(), NotWritable>,
    /// The newest dump whose .sha256 matches, and when it was taken.
    pub newest_good: Option<(String, DateTime<Local>)>,
    /// Dumps newer than the newest good one that have no or a wrong checksum.
    pub bad_newer: Vec<String>,
}

impl Facts {
    pub fn gather(config: &Config, options: &Options) -> Facts {
        let rt = crate::commands::runtime();
        let (db, scan) = rt.block_on(database_and_scan(config, options));
        Facts {
            db,
            pg_dump: pg_dump(config),
            scan,
            camera: camera(config),
            backups: backups(&config.backup_dir()),
            host: HostFacts::gather(&config.data_dir()),
            autostart: crate::service::autostart_unit(),
            data_dir_writable: writable(&config.data_dir()),
            sqlite_files: sqlite_files(config),
        }
    }
}

async fn database_and_scan(config: &Config, options: &Options) -> (DbFacts, Scan) {
    let target = match Target::from_config(config) {
        Ok(t) => t,
        Err(e) => return (DbFacts::NotConfigured(e.to_string()), ask_for_scan(options, None).await),
    };
    let mut started = false;
    if let Some(cluster) = &target.cluster {
        match cluster.state() {
            ClusterState::NotInitialised => return (DbFacts::NotInitialised, ask_for_scan(options, None).await),
            ClusterState::Stopped => match cluster.start() {
                Ok(()) => started = true,
                Err(e) => return (DbFacts::Unreachable(e.to_string()), ask_for_scan(options, None).await),
            },
            ClusterState::Running => {}
        }
    }
    let (db, scan) = match models::health::reach(&target.app).await {
        Reach::Unreachable(e) => (DbFacts::Unreachable(e), ask_for_scan(options, None).await),
        Reach::Refused(e) => (DbFacts::Refused(e), ask_for_scan(options, None).await),
        Reach::Connected(client) => {
            let text = |e: models::Error| e.to_string();
            let version = client.query_one("SHOW server_version", &[]).await.map(|r| r.get::<_, String>(0)).unwrap_or_default();
            let connected = Connected {
                version,
                server_major: models::health::server_major(&client).await.unwrap_or(0),
                database: models::health::database_name(&client).await.unwrap_or_default(),
                migration: applied_migration(&target, &client).await,
                counts: models::health::counts(&client).await.map_err(text),
                ledger: match models::chain::Anchor::read(&models::chain::anchor_path(config)) {
                    Ok(anchor) => models::movements::verify_against(&client, anchor.as_ref()).await.map_err(text),
                    Err(e) => Err(e),
                },
                embedded: target.cluster.is_some(),
                kept: models::backups::kept_databases(&target).await.map_err(|e| e.to_string()),
                dump_rights: models::backups::dump_rights(&target).await.map_err(|e| e.to_string()),
                single_login: target.cluster.is_none() && target.app.get_user() == target.owner.get_user(),
                face_policy: models::employees::face_policy(&client).await.map_err(text),
            };
            let scan = ask_for_scan(options, Some(&client)).await;
            (DbFacts::Connected(Box::new(connected)), scan)
        }
    };
    if started {
        if let Some(c) = &target.cluster {
            let _ = c.stop();
        }
    }
    (db, scan)
}

/// V2 revoked the app role's read of the schema history: ask as the owner when we can.
async fn applied_migration(target: &Target, app: &tokio_postgres::Client) -> Option<u32> {
    if let Reach::Connected(owner) = models::health::reach(&target.owner).await {
        if let Some(v) = models::health::applied_migration(&owner).await {
            return Some(v);
        }
    }
    models::health::applied_migration(app).await
}

/// "Scan any code within 10 s": one line from standard input, looked up as a product.
async fn ask_for_scan(options: &Options, client: Option<&tokio_postgres::Client>) -> Scan {
    if !options.interactive {
        return Scan::NotAsked;
    }
    let prompt = match options.lang {
        ui::i18n::Language::Uzbek => "Skaner: istalgan kodni 10 soniya ichida skanerlang…",
        ui::i18n::Language::Russian => "Сканер: отсканируйте любой код в течение 10 секунд…",
        ui::i18n::Language::English => "Scanner: scan any code within 10 s…",
    };
    eprintln!("{prompt}");
    let (tx, rx) = tokio::sync::oneshot::channel();
    // A blocking read on its own thread: if nothing comes, the thread is simply left behind.
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match tokio::time::timeout(Duration::from_secs(10), rx).await {
        Ok(Ok(line)) => line,
        _ => return Scan::NothingScanned,
    };
    let Some(code) = models::products::clean_code(&line).map(str::to_string) else { return Scan::NothingScanned };
    let product = match client {
        Some(c) => models::products::lookup(c, &code).await.ok().flatten().map(|p| format!("{} ({})", p.name, p.sku)),
        None => None,
    };
    Scan::Scanned { code, product }
}

/// The pg_dump a backup would use: the configured bin dir's, else the newest installed.
fn pg_dump(config: &Config) -> Option<(PathBuf, u32)> {
    let configured = Some(config.database.pg_bin_dir.trim()).filter(|s| !s.is_empty()).map(PathBuf::from);
    let dirs: Vec<PathBuf> = match configured {
        Some(d) => vec![d],
        None => PgBinaries::all(None).into_iter().map(|b| b.dir).collect(),
    };
    dirs.into_iter().map(|d| d.join("pg_dump")).filter(|p| p.exists()).find_map(|p| {
        let major = models::cluster::major_version_of(&p)?;
        Some((p, major))
    })
}

/// Opens the configured camera (or video / image sequence) through the camera actor's probe
/// and reads one frame: its size is the resolution the kiosk will get.
fn camera(config: &Config) -> CameraFacts {
    let source = config.camera.source.trim().to_string();
    match actors::camera::probe(&source) {
        Ok((width, height)) => CameraFacts::Found { source, width, height },
        Err(reason) => CameraFacts::Missing { source, reason },
    }
}

/// Why a folder cannot take our files: the checks word it in the user's language.
#[derive(Debug, Clone)]
pub enum NotWritable {
    Missing,
    /// The operating system refused a test file; its own message.
    Refused(String),
}

pub fn writable(dir: &Path) -> Result<(), NotWritable> {
    if !dir.is_dir() {
        return Err(NotWritable::Missing);
    }
    let probe = dir.join(format!(".ombor-doctor-{}", std::process::id()));
    std::fs::write(&probe, b"ok").map_err(|e| NotWritable::Refused(e.to_string()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// `ombor_nazorat_YYYYMMDD_HHMMSS.sql` → when it was taken (local time, like the schedule).
pub fn backup_time(file_name: &str) -> Option<DateTime<Local>> {
    let stamp = file_name.strip_prefix("ombor_nazorat_")?.strip_suffix(".sql")?;
    let naive = NaiveDateTime::parse_from_str(stamp, "%Y%m%d_%H%M%S").ok()?;
    Local.from_local_datetime(&naive).earliest()
}

fn backups(dir: &Path) -> BackupFacts {
    let mut facts = BackupFacts { dir: dir.to_path_buf(), writable: writable(dir), newest_good: None, bad_newer: vec![] };
    let Ok(entries) = std::fs::read_dir(dir) else { return facts };
    let mut dumps: Vec<(DateTime<Local>, String)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            Some((backup_time(&name)?, name))
        })
        .collect();
    dumps.sort_by_key(|d| std::cmp::Reverse(d.0));
    for (taken, name) in dumps {
        if checksum_matches(&dir.join(&name)) {
            facts.newest_good = Some((name, taken));
            break;
        }
        facts.bad_newer.push(name);
    }
    facts
}

/// The dump's sha256 equals the first word of its `.sha256` file (sha256sum's format).
fn checksum_matches(dump: &Path) -> bool {
    let sum_file = PathBuf::from(format!("{}.sha256", dump.display()));
    let Ok(expected) = std::fs::read_to_string(&sum_file) else { return false };
    let Some(expected) = expected.split_whitespace().next().map(str::to_ascii_lowercase) else { return false };
    let Ok(mut file) = std::fs::File::open(dump) else { return false };
    let mut hasher = Sha256::new();
    if std::io::copy(&mut file, &mut hasher).is_err() {
        return false;
    }
    hex::encode(hasher.finalize()) == expected
}

/// SQLite files an old version or a wrong setup could be using instead of PostgreSQL.
fn sqlite_files(config: &Config) -> Vec<PathBuf> {
    let mut found = vec![];
    let url = config.database.url.to_ascii_lowercase();
    if url.starts_with("sqlite") || url.ends_with(".db") || url.ends_with(".sqlite") {
        found.push(PathBuf::from(&config.database.url));
    }
    let data = config.data_dir();
    let dirs = [data.clone(), data.join("db"), data.join("data")];
    for d in dirs.iter().filter_map(|d| std::fs::read_dir(d).ok()) {
        for e in d.flatten() {
            let p = e.path();
            let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("").to_ascii_lowercase();
            if matches!(ext.as_str(), "sqlite" | "sqlite3" | "db" | "db3") && p.is_file() {
                found.push(p);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names() {
        let t = backup_time("ombor_nazorat_20261125_020000.sql").unwrap();
        assert_eq!(t.format("%Y-%m-%d %H:%M").to_string(), "2026-11-25 02:00");
        assert!(backup_time("ombor_nazorat_20261125_020000.sql.sha256").is_none());
        assert!(backup_time("other_20261125_020000.sql").is_none());
    }
}
