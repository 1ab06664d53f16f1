//! Restore: into a new database, checked there, then switched in under the live name (the
//! live one kept as a dated copy); the face model put back; the databases restores kept.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Local;
use serde::Serialize;
use tokio_postgres::GenericClient;

use super::files::copy_atomically;
use super::pg_client::{client_command, find_client, server_version};
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

pub(super) fn quote_ident(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_names_fit() {
        assert_eq!(restore_name("ombor_nazorat", "old", "20261125_020000"), "ombor_nazorat_old_20261125_020000");
        assert!(restore_name(&"x".repeat(80), "restore", "20261125_020000").len() <= 63);
    }
}
