//! Taking one backup: pg_dump of an exported snapshot into the folder, checked whole (closing
//! line, every row), the face model copy, the manifest, the signature and the sidecar, then
//! retention and the mirror; the run recorded either way. No statement waits for another
//! session's lock longer than `backup.lock_timeout_secs`.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use chrono::{Local, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};
use tokio_postgres::error::SqlState;

use super::files::{commit_partial, copy_atomically, copy_hashing_with, create_partial, free_bytes, prepare_folder, write_atomically};
use super::names::stem_for;
use super::pg_client::{client_command, find_client, server_version, PgClient};
use super::retention::{apply_retention, sync_mirror};
use super::scan::{DumpScan, DumpScanner, CLOSING_LINE};
use super::sign::SigningKey;
use super::store::record_run;
use super::{io_err, AnchorCopy, BackupError, BackupOptions, BackupRecord, FaceModelCopy, Manifest, MAIN_TABLES};
use crate::db::{connect, Target};
use crate::session::SessionToken;

/// Takes one backup and records it (ok or failed) in the backups table and the audit log, as
/// the owner's login that ran pg_dump (the application's role may not record runs).
/// `session`: the admin who asked; None for the scheduled run.
pub async fn take_backup(target: &Target, opts: &BackupOptions, session: Option<&SessionToken>) -> Result<BackupRecord, BackupError> {
    let started = Utc::now();
    let outcome = dump(target, opts, Local::now().naive_local()).await;
    let finished = Utc::now();
    let recorded = record_run(target, session, opts, started, finished, &outcome).await;
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

pub(super) struct Dumped {
    pub(super) manifest: Manifest,
    pub(super) removed: Vec<String>,
    pub(super) mirror: Option<String>,
}

/// A statement that gave up waiting for a lock (SQLSTATE 55P03) is `Locked`; others as usual.
fn locked_or(e: tokio_postgres::Error, wait: Duration) -> BackupError {
    match e.as_db_error() {
        Some(db) if db.code() == &SqlState::LOCK_NOT_AVAILABLE => {
            BackupError::Locked { seconds: wait.as_secs(), detail: db.message().to_string() }
        }
        _ => e.into(),
    }
}

/// The file work of one backup; on failure nothing but this run's own files is removed.
async fn dump(target: &Target, opts: &BackupOptions, now: NaiveDateTime) -> Result<Dumped, BackupError> {
    prepare_folder(&opts.dir)?;
    let key = SigningKey::load_or_create(&opts.signing_key)?;
    let (mut client, conn) = connect(&target.owner).await?;
    let conn = tokio::spawn(conn);
    let wait = opts.lock_timeout;
    let locked = |e: tokio_postgres::Error| locked_or(e, wait);
    // Every statement of this connection (the size, the counts) gives up on a lock after `wait`;
    // pg_dump gets the same through PGOPTIONS.
    client.batch_execute(&format!("SET lock_timeout = {}", wait.as_millis())).await?;
    let (server_version, server_major) = server_version(&client).await?;
    let pg_dump = find_client("pg_dump", opts.pg_bin_dir.as_deref(), &server_version, server_major)?;

    // The dump is about as large as the tables without their indexes.
    let data: i64 = client
        .query_one(
            "SELECT coalesce(sum(pg_table_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .await
        .map_err(locked)?
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
    let counts_row = tx.query_one(&counts_sql, &[]).await.map_err(locked)?;
    let row_counts: BTreeMap<String, i64> = MAIN_TABLES.iter().enumerate().map(|(i, t)| (t.to_string(), counts_row.get(i))).collect();
    // The chain heads of the same snapshot, and whether the station's last anchor still holds
    // in it: only then may this backup's heads become the new anchor.
    let anchor = crate::chain::Anchor::new(row_counts.get("movements").copied().unwrap_or(0), crate::chain::snapshot_heads(&tx).await?);
    let previous_anchor = crate::chain::Anchor::read(&opts.ledger_anchor).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the ledger anchor cannot be read; this backup does not replace it");
        None
    });
    let anchor_holds = match &previous_anchor {
        Some(prev) => crate::chain::anchored_heads_lost(&tx, prev).await? == 0,
        None => !opts.ledger_anchor.exists(),
    };

    let mut written: Vec<PathBuf> = Vec::new();
    let result = async {
        let dump_name = format!("{stem}.sql");
        let (dir, owner, db, snap, client_bin) =
            (opts.dir.clone(), target.owner.clone(), database.clone(), snapshot.clone(), pg_dump.clone());
        let (bytes, sha256, scan, tmp, file) =
            tokio::task::spawn_blocking(move || run_pg_dump(&client_bin, &owner, &db, &snap, &dir, &dump_name, wait))
                .await
                .map_err(|e| BackupError::PgDump(e.to_string()))??;
        let dump_tmp = tmp.clone();
        let res = async {
            // A pg_dump that exits 0 is not yet a backup: the file must be whole and hold every row.
            check_complete(&scan, &row_counts, bytes)?;
            let face_model = if opts.face_model.is_file() {
                let name = format!("{stem}.model.yml");
                let (bytes, sha256) = copy_atomically(&opts.face_model, &opts.dir, &name)?;
                written.push(opts.dir.join(&name));
                Some(FaceModelCopy { file: name, sha256, bytes })
            } else {
                None
            };
            let anchor_name = format!("{stem}.anchor");
            write_atomically(&opts.dir, &anchor_name, anchor.to_text().as_bytes())?;
            written.push(opts.dir.join(&anchor_name));
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
                // Further facts for the manifest (and so under the signature) go here.
                extra: BTreeMap::new(),
                ledger_anchor: Some(AnchorCopy { file: anchor_name, products: anchor.heads.len(), heads_sha256: anchor.digest() }),
            };
            let json_name = format!("{stem}.json");
            let json = serde_json::to_vec_pretty(&manifest).expect("serialisable");
            write_atomically(&opts.dir, &json_name, &json)?;
            written.push(opts.dir.join(&json_name));
            let manifest_sha256 = hex::encode(Sha256::digest(&json));
            let sig_name = format!("{stem}.sig");
            write_atomically(&opts.dir, &sig_name, key.sign(&manifest.file, &sha256, &manifest_sha256).as_bytes())?;
            written.push(opts.dir.join(&sig_name));
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

    // The local anchor moves forward only over a history that still holds the old one: a
    // rewrite stays visible to `ombor ledger verify` until someone looks.
    if anchor_holds {
        if let Err(e) = anchor.write(&opts.ledger_anchor) {
            tracing::warn!(error = %e, path = %opts.ledger_anchor.display(), "the ledger anchor could not be written");
        }
    } else {
        tracing::error!(
            path = %opts.ledger_anchor.display(),
            "history anchored earlier is no longer in the ledger (cut, rewritten or erased): the anchor is kept; run `ombor ledger verify`"
        );
    }

    // Retention only after a good backup, so a failing disk never eats the old ones.
    let removed = apply_retention(&opts.dir, now, opts.keep_daily, opts.keep_monthly);
    let mirror = opts.mirror_dir.as_ref().map(|m| sync_mirror(&opts.dir, m, now, opts.keep_daily, opts.keep_monthly));
    Ok(Dumped { manifest, removed, mirror })
}

/// The dump pg_dump wrote is whole: its closing line last, nothing a restore would refuse, and
/// every main table's rows as counted in the snapshot it dumped.
fn check_complete(scan: &DumpScan, row_counts: &BTreeMap<String, i64>, bytes: u64) -> Result<(), BackupError> {
    if let Some((line, text)) = &scan.refused {
        return Err(BackupError::IncompleteDump { reason: format!("line {line} is not what pg_dump writes: {text}") });
    }
    if !scan.complete {
        return Err(BackupError::IncompleteDump { reason: format!("{bytes} bytes without the closing line \"{CLOSING_LINE}\"") });
    }
    let short: Vec<String> = row_counts
        .iter()
        .filter_map(|(table, expected)| {
            let got = scan.row_counts.get(table).copied().unwrap_or(0);
            (got != *expected).then(|| format!("{table}: {got} rows in the file, {expected} in the database"))
        })
        .collect();
    if !short.is_empty() {
        return Err(BackupError::IncompleteDump { reason: short.join("; ") });
    }
    Ok(())
}

/// pg_dump → temp file, hashing and scanning the bytes as they pass.
/// Returns (bytes, sha256, scan, temp path, open file).
fn run_pg_dump(
    pg_dump: &PgClient,
    owner: &tokio_postgres::Config,
    dbname: &str,
    snapshot: &str,
    dir: &Path,
    name: &str,
    lock_timeout: Duration,
) -> Result<(u64, String, DumpScan, PathBuf, File), BackupError> {
    let (mut file, tmp) = create_partial(dir, name)?;
    let mut cmd = client_command(pg_dump, owner, dbname);
    cmd.env("PGOPTIONS", format!("-c lock_timeout={}", lock_timeout.as_millis()))
        .args(["--format=plain", "--no-password", "--encoding=UTF8", &format!("--snapshot={snapshot}")])
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
    let mut scanner = DumpScanner::new();
    let copied = copy_hashing_with(stdout, &mut file, |chunk| scanner.feed(chunk));
    if copied.is_err() {
        let _ = child.kill();
    }
    let status = child.wait();
    let err_text = err_reader.join().unwrap_or_default();
    let (bytes, sha256) = copied.map_err(|e| fail(io_err(format!("writing the backup {}", tmp.display()))(e)))?;
    let status = status.map_err(|e| fail(io_err("waiting for pg_dump")(e)))?;
    if !status.success() {
        let detail = err_text.trim().lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        if detail.contains("lock timeout") {
            let said = detail.lines().find(|l| l.contains("lock timeout")).unwrap_or(&detail);
            let said = said.rsplit("ERROR:").next().unwrap_or(said).trim().to_string();
            return Err(fail(BackupError::Locked { seconds: lock_timeout.as_secs(), detail: said }));
        }
        return Err(fail(BackupError::PgDump(if detail.is_empty() { status.to_string() } else { detail })));
    }
    Ok((bytes, sha256, scanner.finish(), tmp, file))
}

/// A 1 MB pipe lets pg_dump run ahead of our hashing instead of waiting every 64 KB.
fn enlarge_pipe(stdout: &std::process::ChildStdout) {
    use std::os::fd::AsRawFd;
    let _ = nix::fcntl::fcntl(stdout.as_raw_fd(), nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
}
