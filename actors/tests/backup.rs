//! The Backup actor: its cron schedule fires, a missed nightly run is caught up at start, an
//! admin's BackupNow is checked, and subscribers hear Started / Finished / Failed.

mod common;

use std::time::Duration;

use actix::Actor;
use actors::backup::{self, Backup, BackupEvent, BackupNow, BackupRunError, BackupSettings, ListBackupFiles, ListBackups, RestoreBackup};
use actors::session::AuthContext;
use common::backup_events;
use models::backups::BackupOptions;
use models::testing::{TestDb, TEST_STATION};
use models::{Error, Role};
use tokio::sync::mpsc;

fn settings(dir: &std::path::Path, schedule: &str) -> BackupSettings {
    BackupSettings {
        schedule: backup::parse_schedule(schedule).unwrap(),
        options: BackupOptions {
            dir: dir.join("backups"),
            mirror_dir: None,
            keep_daily: 14,
            keep_monthly: 12,
            min_free_bytes: 0,
            pg_bin_dir: None,
            face_model: dir.join("model.yml"),
            station: TEST_STATION.into(),
            lock_timeout: std::time::Duration::from_secs(30),
            // The data folder beside the backup folder; stations share the one key.
            signing_key: dir.join("data").join("backup.key"),
            ledger_anchor: dir.join("ledger-anchor"),
        },
        catch_up_after: backup::CATCH_UP_AFTER,
    }
}

async fn next_event(rx: &mut mpsc::UnboundedReceiver<BackupEvent>, within: Duration) -> Option<BackupEvent> {
    tokio::time::timeout(within, rx.recv()).await.ok().flatten()
}

/// Marks a good backup as having finished `age` ago (as if one ran then).
async fn good_backup_ago(db: &TestDb, age: chrono::Duration) {
    let at = chrono::Utc::now() - age;
    db.owner_client()
        .await
        .execute(
            "INSERT INTO backups (started_at, finished_at, status, file, bytes, sha256, station)
             VALUES ($1, $1, 'ok', 'ombor_nazorat_20000101_000000.sql', 1, repeat('a', 64), 'old')",
            &[&at],
        )
        .await
        .unwrap();
}

fn auth(token: models::SessionToken, role: Role) -> AuthContext {
    AuthContext { token, user_id: 0, username: format!("{role:?}"), role }
}

#[actix::test]
async fn the_cron_schedule_fires_every_second() {
    let db = TestDb::new().await;
    good_backup_ago(&db, chrono::Duration::hours(1)).await; // no catch-up: only the schedule runs
    let tmp = tempfile::tempdir().unwrap();
    let addr = Backup::new(settings(tmp.path(), "* * * * * *"), db.target.clone(), db.pool.clone()).start();
    let mut events = backup_events(&addr);
    let mut finished = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while finished.len() < 2 && tokio::time::Instant::now() < deadline {
        match next_event(&mut events, Duration::from_secs(10)).await {
            Some(BackupEvent::Finished(r)) => finished.push(r),
            Some(BackupEvent::Failed(e)) => panic!("scheduled backup failed: {e}"),
            Some(BackupEvent::Started) => {}
            None => break,
        }
    }
    assert_eq!(finished.len(), 2, "two scheduled runs within 30 s");
    assert_ne!(finished[0].file, finished[1].file);
    assert!(finished.iter().all(|r| r.is_ok() && r.user_id.is_none()));
    let listed = addr.send(ListBackups).await.unwrap().unwrap();
    assert!(listed.len() >= 3, "{listed:?}");
}

#[actix::test]
async fn a_missed_nightly_run_is_caught_up_at_start() {
    let db = TestDb::new().await;
    good_backup_ago(&db, chrono::Duration::hours(25)).await;
    let tmp = tempfile::tempdir().unwrap();
    // The schedule is nightly: only the catch-up can run within the test.
    let addr = Backup::new(settings(tmp.path(), "0 0 2 * * *"), db.target.clone(), db.pool.clone()).start();
    let mut events = backup_events(&addr);
    assert_eq!(next_event(&mut events, Duration::from_secs(20)).await, Some(BackupEvent::Started));
    assert!(matches!(next_event(&mut events, Duration::from_secs(60)).await, Some(BackupEvent::Finished(r)) if r.is_ok()));
}

#[actix::test]
async fn a_recent_backup_means_no_catch_up() {
    let db = TestDb::new().await;
    good_backup_ago(&db, chrono::Duration::hours(3)).await;
    let tmp = tempfile::tempdir().unwrap();
    let addr = Backup::new(settings(tmp.path(), "0 0 2 * * *"), db.target.clone(), db.pool.clone()).start();
    let mut events = backup_events(&addr);
    assert_eq!(next_event(&mut events, Duration::from_secs(2)).await, None);
}

#[actix::test]
async fn backup_now_needs_an_admin_and_failures_reach_subscribers() {
    let db = TestDb::new().await;
    good_backup_ago(&db, chrono::Duration::hours(1)).await;
    let tmp = tempfile::tempdir().unwrap();
    let addr = Backup::new(settings(tmp.path(), "0 0 2 * * *"), db.target.clone(), db.pool.clone()).start();
    let mut events = backup_events(&addr);

    let operator = auth(db.session(Role::Operator).await, Role::Operator);
    let refused = addr.send(BackupNow { auth: operator }).await.unwrap().unwrap_err();
    assert!(matches!(refused, BackupRunError::Refused(Error::Forbidden { .. })), "{refused}");

    let admin = auth(db.session(Role::Admin).await, Role::Admin);
    let record = addr.send(BackupNow { auth: admin.clone() }).await.unwrap().unwrap();
    assert!(record.is_ok());
    assert!(record.user_id.is_some(), "an admin's run names the admin");
    assert_eq!(next_event(&mut events, Duration::from_secs(5)).await, Some(BackupEvent::Started));
    assert!(matches!(next_event(&mut events, Duration::from_secs(5)).await, Some(BackupEvent::Finished(_))));

    // A failing run (the folder is blocked by a file) reaches the banner as Failed.
    std::fs::remove_dir_all(tmp.path().join("backups")).unwrap();
    std::fs::write(tmp.path().join("backups"), b"in the way").unwrap();
    let e = addr.send(BackupNow { auth: admin }).await.unwrap().unwrap_err();
    assert!(e.to_string().contains("cannot be written"), "{e}");
    assert_eq!(next_event(&mut events, Duration::from_secs(5)).await, Some(BackupEvent::Started));
    match next_event(&mut events, Duration::from_secs(5)).await {
        Some(BackupEvent::Failed(reason)) => assert!(reason.contains("cannot be written"), "{reason}"),
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[actix::test]
async fn an_admin_restores_a_dump_of_the_folder_and_the_pool_follows_the_restored_database() {
    let db = TestDb::new().await;
    good_backup_ago(&db, chrono::Duration::hours(1)).await;
    let tmp = tempfile::tempdir().unwrap();
    let addr = Backup::new(settings(tmp.path(), "0 0 2 * * *"), db.target.clone(), db.pool.clone()).start();
    let admin = auth(db.session(Role::Admin).await, Role::Admin);
    let operator = auth(db.session(Role::Operator).await, Role::Operator);
    let taken = addr.send(BackupNow { auth: admin.clone() }).await.unwrap().unwrap().file.unwrap();
    let files = addr.send(ListBackupFiles).await.unwrap();
    assert_eq!(files.first().map(|f| f.file.as_str()), Some(taken.as_str()), "the folder lists the new dump first");
    // Recorded after the backup: the restore takes the data back to before it.
    let after = "Made after the backup";
    actors::ledger::add_category(&db.pool, &admin, after, None).await.unwrap();

    let refused = addr.send(RestoreBackup { auth: operator.clone(), file: taken.clone() }).await.unwrap().unwrap_err();
    assert!(matches!(refused, BackupRunError::Refused(Error::Forbidden { .. })), "{refused}");
    let outside = addr.send(RestoreBackup { auth: admin.clone(), file: "../../etc/passwd".into() }).await.unwrap().unwrap_err();
    assert!(matches!(&outside, BackupRunError::Failed(e) if e.problem() == models::backups::BackupProblem::DamagedFile), "{outside}");
    assert_eq!(categories_named(&db, after).await, 1, "nothing restored by the refused attempts");

    let report = addr.send(RestoreBackup { auth: admin.clone(), file: taken }).await.unwrap().unwrap();
    assert!(report.ledger.is_ok(), "{report:?}");
    // The kiosk's pool was cut from the replaced database and reconnects to the restored one.
    assert_eq!(categories_named(&db, after).await, 0, "the restored data has no later category");
    let kept = backup::kept(&db.target).await.unwrap();
    assert_eq!(
        kept.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
        [report.previous_kept_as.as_str()],
        "the replaced database is kept"
    );
    // Dropping it is the restore right's: an operator is refused by the database.
    let refused = backup::drop_kept(&db.target, &db.pool, &report.previous_kept_as, &operator).await.unwrap_err();
    assert!(matches!(refused, BackupRunError::Refused(Error::Forbidden { .. })), "{refused}");
    backup::drop_kept(&db.target, &db.pool, &report.previous_kept_as, &admin).await.unwrap();
    assert!(backup::kept(&db.target).await.unwrap().is_empty());
}

/// Through the pool, as the kiosk reads.
async fn categories_named(db: &TestDb, name: &str) -> i64 {
    let c = db.pool.get().await.unwrap();
    models::products::categories(&**c).await.unwrap().iter().filter(|k| k.name == name).count() as i64
}
