//! Restore: into a new database, checked there, then switched in under the live name (the
//! live one kept as a dated copy); the face model put back; the databases restores kept.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Local;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use super::files::copy_atomically;
use super::pg_client::{client_command, find_client, server_version, PgClient};
use super::scan::DumpScanner;
use super::sign::SigningKey;
use super::store::{carry_backup_runs, row_counts};
use super::verify::{verify_file, VerifiedBackup};
use super::{io_err, BackupError, BackupOptions, STAMP_FORMAT};
use crate::db::{connect, connect_database, connect_maintenance, Target};

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
    let key = SigningKey::load(&opts.signing_key)?;
    let verified = verify_file(file, &key)?;
    let live = live_database(target);
    let stamp = Local::now().format(STAMP_FORMAT).to_string();
    let fresh = restore_name(&live, "restore", &stamp);
    let old = restore_name(&live, "old", &stamp);

    let (maint, conn_task) = connect_maintenance(&target.owner).await?;
    let (server_version, server_major) = server_version(&maint).await?;
    let psql = find_client("psql", opts.pg_bin_dir.as_deref(), &server_version, server_major)?;

    maint.batch_execute(&format!("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0", quote_ident(&fresh))).await.map_err(|e| {
        BackupError::RestoreFailed {
            database: fresh.clone(),
            detail: format!(
                "The database owner's login may not create a database (it needs CREATEDB). PostgreSQL said: \"{}\"",
                pg_said(&e)
            ),
        }
    })?;

    // 1. Load the dump into the new database, all or nothing. psql is fed the bytes that are
    // checked on the way (the file could be swapped after verify_file).
    let load = {
        let (psql, owner, dbname, path, sha256) =
            (psql.clone(), target.owner.clone(), fresh.clone(), verified.file.clone(), verified.sha256.clone());
        tokio::task::spawn_blocking(move || load_dump(&psql, &owner, &dbname, &path, &sha256))
            .await
            .map_err(|e| BackupError::RestoreFailed { database: fresh.clone(), detail: e.to_string() })?
    };
    if let Err(e) = load {
        drop_database(&maint, &fresh).await;
        return Err(match e {
            Loaded::Refused(e) => e,
            Loaded::Failed(detail) => BackupError::RestoreFailed { database: fresh, detail },
        });
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
        if let Some(a) = &m.ledger_anchor {
            if ledger.anchor().digest() != a.heads_sha256 {
                problems.push("the restored history does not end in the chain heads the backup recorded".to_string());
            }
        }
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
    if let Err(e) = switch_databases(target, &maint, &live, &fresh, &old).await {
        drop_database(&maint, &fresh).await;
        return Err(e);
    }
    drop(maint);
    let _ = conn_task.await;

    // The restored history is the ledger now: later checks compare with it, not with the
    // history the restore replaced.
    if let Err(e) = ledger.anchor().write(&opts.ledger_anchor) {
        tracing::warn!(error = %e, path = %opts.ledger_anchor.display(), "the ledger anchor could not be written after the restore");
    }

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
    // FORCE: a psql that was killed may still be leaving (its session is the owner's own).
    let _ = maint.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))).await;
}

pub(super) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// How long a restore waits for sessions it may not end (other logins') to leave the live database.
pub const SWITCH_WAIT: Duration = Duration::from_secs(30);

/// PostgreSQL's own text of an error (without our wording around it).
fn pg_said(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string())
}

/// Renames the live database away and the restored one into its place, in one transaction.
///
/// Nobody may be connected to the live database at that moment, and the owner's login needs no
/// right over other roles' sessions for it (the documented `ombor_owner` has none): the live
/// database is closed to new connections (`ALLOW_CONNECTIONS false`), the application's
/// sessions are ended by the application's own login (a role may always end its own
/// sessions), the owner's by the owner's, and any other login's only when the owner may
/// (superuser, pg_signal_backend). Stations reconnect through their pool to the restored
/// database. Whatever is still connected after `SWITCH_WAIT` is named in the error, and the
/// live database is opened again unchanged.
async fn switch_databases(target: &Target, maint: &tokio_postgres::Client, live: &str, fresh: &str, old: &str) -> Result<(), BackupError> {
    // Connected before the door closes: the application's login may reach only the live database.
    let mut app = if target.app.get_user() != target.owner.get_user() { connect(&target.app).await.ok() } else { None };
    maint.batch_execute(&format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", quote_ident(live))).await.map_err(|e| {
        BackupError::Switch {
            reason: format!("the database owner's login may not close it to new connections. PostgreSQL said: \"{}\"", pg_said(&e)),
        }
    })?;
    let deadline = std::time::Instant::now() + SWITCH_WAIT;
    let mut last_error: String;
    loop {
        let ended = maint
            .execute(
                "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a
                  WHERE a.datname = $1 AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
                    AND ((SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                         OR (NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.oid = a.usesysid), true)
                             AND (pg_has_role(a.usesysid, 'USAGE') OR pg_has_role('pg_signal_backend', 'USAGE'))))",
                &[&live],
            )
            .await;
        if let Err(e) = ended {
            tracing::warn!(error = %pg_said(&e), "the sessions this login may end could not be ended");
        }
        if let Some((c, conn)) = app.take() {
            let conn = tokio::spawn(conn);
            if let Err(e) = c
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                      WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()",
                    &[],
                )
                .await
            {
                tracing::warn!(error = %e, "the application's sessions could not be ended by its own login");
            }
            drop(c);
            let _ = conn.await;
        }
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
                last_error = pg_said(&e);
            }
        }
        if std::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let still: Option<String> = maint
        .query_one(
            "SELECT string_agg(DISTINCT coalesce(usename::text, '?') || coalesce(' (' || nullif(application_name, '') || ')', '')
                                || coalesce(' from ' || host(client_addr), ''), ', ')
               FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&live],
        )
        .await
        .ok()
        .and_then(|r| r.get(0));
    let _ = maint.batch_execute(&format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", quote_ident(live))).await;
    Err(BackupError::Switch {
        reason: format!(
            "after {} s these sessions were still connected to it, and this station's logins may not end them: {}. Close them (the other stations' kiosks, any psql) and restore again. PostgreSQL said: \"{last_error}\"",
            SWITCH_WAIT.as_secs(),
            still.unwrap_or_else(|| "none listed".into())
        ),
    })
}

enum Loaded {
    /// The bytes fed to psql were not the verified ones, or held a psql command: refused.
    Refused(BackupError),
    /// psql stopped with an error (its stderr).
    Failed(String),
}

/// Feeds the dump to `psql -1 -f -` chunk by chunk, each chunk hashed and scanned before psql
/// sees it: a line with a psql command never reaches psql, and if the bytes differ from the
/// verified ones psql is killed before its COMMIT (all is rolled back).
fn load_dump(psql: &PgClient, owner: &tokio_postgres::Config, dbname: &str, path: &Path, sha256: &str) -> Result<(), Loaded> {
    use std::io::{Read, Write};
    let mut cmd = client_command(psql, owner, dbname);
    cmd.args(["-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-o", "/dev/null", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut src = fs::File::open(path).map_err(|e| Loaded::Failed(format!("cannot read {}: {e}", path.display())))?;
    let mut child = cmd.spawn().map_err(|e| Loaded::Failed(format!("cannot run {}: {e}", psql.path.display())))?;
    let mut stderr = child.stderr.take().expect("piped");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut stdin = child.stdin.take().expect("piped");
    let mut hasher = Sha256::new();
    let mut scanner = DumpScanner::new();
    let mut buf = vec![0u8; 1 << 20];
    let fed: Result<(), Loaded> = loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(Loaded::Failed(format!("reading {}: {e}", path.display()))),
        };
        hasher.update(&buf[..n]);
        scanner.feed(&buf[..n]);
        if let Some((line, text)) = scanner.refused() {
            break Err(Loaded::Refused(BackupError::MetaCommand { file: path.to_path_buf(), line, text }));
        }
        if stdin.write_all(&buf[..n]).is_err() {
            break Ok(()); // psql stopped early: its exit status and stderr say why
        }
    };
    // The last line, if it has no newline, is judged only now (psql runs it at EOF).
    let fed = fed.and_then(|()| match scanner.finish().refused {
        Some((l, text)) => Err(Loaded::Refused(BackupError::MetaCommand { file: path.to_path_buf(), line: l, text })),
        None => Ok(()),
    });
    let changed = fed.is_ok() && hex::encode(hasher.finalize()) != sha256;
    if fed.is_err() || changed {
        // Before stdin closes: psql never reaches its COMMIT.
        let _ = child.kill();
        let _ = child.wait();
        let _ = err_reader.join();
        return Err(fed.err().unwrap_or_else(|| {
            Loaded::Refused(BackupError::NotAsRecorded {
                file: path.to_path_buf(),
                detail: "it changed while it was being restored".to_string(),
            })
        }));
    }
    drop(stdin);
    let status = child.wait().map_err(|e| Loaded::Failed(format!("waiting for psql: {e}")))?;
    let err_text = err_reader.join().unwrap_or_default();
    if !status.success() {
        let detail = err_text.trim().lines().take(5).collect::<Vec<_>>().join("\n");
        return Err(Loaded::Failed(if detail.is_empty() { status.to_string() } else { detail }));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_names_fit() {
        assert_eq!(restore_name("ombor_nazorat", "old", "20261125_020000"), "ombor_nazorat_old_20261125_020000");
        assert!(restore_name(&"x".repeat(80), "restore", "20261125_020000").len() <= 63);
    }
}
