//! The SQL of the `backups` table, all in one place: recording a run (through
//! `backup_record()`), the runs a turn or the kiosk asks for, carrying runs over after a restore.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use super::dump::Dumped;
use super::election::Turn;
use super::{BackupError, BackupOptions, BackupRecord, BackupStatus, MAIN_TABLES};
use crate::db::{connect, connect_database, Target};
use crate::session::SessionToken;

/// The good backup that already does what `turn` asks, if one is recorded.
pub(super) async fn covering_run(c: &impl GenericClient, turn: Turn) -> Result<Option<BackupRecord>, BackupError> {
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

/// Records one run through `backup_record()`, as the owner's login (the one that ran pg_dump;
/// the application's role may not call it since V14). An admin's run carries their session,
/// which the function checks against the `backup` permission.
pub(super) async fn record_run(
    target: &Target,
    session: Option<&SessionToken>,
    opts: &BackupOptions,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    outcome: &Result<Dumped, BackupError>,
) -> Result<BackupRecord, BackupError> {
    let (mut client, conn) = match connect(&target.owner).await {
        Ok(c) => c,
        // The owner's login itself failed, so the run failed: the application's login may still
        // record that failure (V15), so every kiosk's banner says so.
        Err(owner_error) => match outcome {
            Err(e) => return record_failure_as_app(target, session, opts, started, finished, e).await.map_err(|_| owner_error.into()),
            Ok(_) => return Err(owner_error.into()),
        },
    };
    let conn = tokio::spawn(conn);
    let result = record_on(&mut client, session, opts, started, finished, outcome).await;
    drop(client);
    let _ = conn.await;
    result
}

/// Records a run that failed before the owner's login could do anything, through the
/// application's login of the same target (V15: it may record a failure, never a good run).
pub(super) async fn record_failure_as_app(
    target: &Target,
    session: Option<&SessionToken>,
    opts: &BackupOptions,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    failure: &BackupError,
) -> Result<BackupRecord, BackupError> {
    let (mut client, conn) = connect(&target.app).await?;
    let conn = tokio::spawn(conn);
    let result = record_failure_on(&mut client, session, opts, started, finished, failure).await;
    drop(client);
    let _ = conn.await;
    result
}

async fn record_failure_on(
    client: &mut tokio_postgres::Client,
    session: Option<&SessionToken>,
    opts: &BackupOptions,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    failure: &BackupError,
) -> Result<BackupRecord, BackupError> {
    {
        let tx = client.transaction().await?;
        if let Some(token) = session {
            tx.execute("SELECT set_config('ombor.session', $1, true)", &[&token.as_hex()]).await?;
        }
        let row = tx
            .query_one(
                "SELECT * FROM backup_record_failure($1, $2, $3, $4, $5)",
                &[&started, &finished, &failure.to_string(), &opts.station, &failure.problem().code()],
            )
            .await?;
        tx.commit().await?;
        Ok(BackupRecord::from_row(&row))
    }
}

async fn record_on(
    client: &mut tokio_postgres::Client,
    session: Option<&SessionToken>,
    opts: &BackupOptions,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    outcome: &Result<Dumped, BackupError>,
) -> Result<BackupRecord, BackupError> {
    let tx = client.transaction().await?;
    if let Some(token) = session {
        tx.execute("SELECT set_config('ombor.session', $1, true)", &[&token.as_hex()]).await?;
    }
    let (status, error, problem) = match outcome {
        Ok(_) => (BackupStatus::Ok.as_str(), None, None),
        Err(e) => (BackupStatus::Failed.as_str(), Some(e.to_string()), Some(e.problem().code())),
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

/// Copies the backup runs the kept database `old` recorded after the restored data's newest run
/// into the live database (a user the restored data does not know is left out of a run).
pub(super) async fn carry_backup_runs(live: &tokio_postgres::Client, target: &Target, old: &str) -> Result<u64, BackupError> {
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
