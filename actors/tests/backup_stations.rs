//! Several stations sharing one database take exactly one backup: the advisory lock elects one
//! station per scheduled tick, the others report its result; a manual backup while another
//! station is taking one is answered clearly instead of dumping twice.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use actix::Actor;
use actors::backup::{self, Backup, BackupEvent, BackupNow, BackupRunError, BackupSettings};
use actors::session::AuthContext;
use common::backup_events;
use models::backups::{BackupError, BackupOptions, BackupRecord, Elected, Turn};
use models::testing::TestDb;
use models::{Role, Target};

fn options(dir: &Path, station: &str) -> BackupOptions {
    BackupOptions {
        dir: dir.join(station),
        mirror_dir: None,
        keep_daily: 1000,
        keep_monthly: 1000,
        min_free_bytes: 0,
        pg_bin_dir: None,
        face_model: dir.join("model.yml"),
        station: station.into(),
        lock_timeout: std::time::Duration::from_secs(30),
        // The same key on every station that takes backups.
        signing_key: dir.join("data").join("backup.key"),
        ledger_anchor: dir.join(format!("ledger-anchor-{station}")),
    }
}

fn settings(dir: &Path, station: &str, schedule: &str) -> BackupSettings {
    BackupSettings {
        schedule: backup::parse_schedule(schedule).unwrap(),
        options: options(dir, station),
        catch_up_after: backup::CATCH_UP_AFTER,
    }
}

/// A good backup an hour old: no catch-up run at start, only the schedule.
async fn recent_backup(db: &TestDb) {
    db.owner_client()
        .await
        .execute(
            "INSERT INTO backups (started_at, finished_at, status, file, bytes, sha256, station)
             VALUES (now() - interval '1 hour', now() - interval '1 hour', 'ok', 'ombor_nazorat_20000101_000000.sql', 1, repeat('a', 64), 'old')",
            &[],
        )
        .await
        .unwrap();
}

fn dumps_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().filter_map(|e| e.file_name().into_string().ok()).filter(|n| n.ends_with(".sql")).collect())
        .unwrap_or_default()
}

/// The good runs the two stations recorded, oldest first.
async fn station_runs(db: &TestDb) -> Vec<(i64, String, Option<String>, chrono::DateTime<chrono::Utc>)> {
    db.owner_client()
        .await
        .query("SELECT id, station, file, started_at FROM backups WHERE status = 'ok' AND station <> 'old' ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

fn auth(token: models::SessionToken) -> AuthContext {
    AuthContext { token, user_id: 0, username: "admin".into(), role: Role::Admin }
}

#[actix::test]
async fn two_stations_on_the_same_schedule_make_one_dump_per_tick() {
    let db = TestDb::new().await;
    recent_backup(&db).await;
    let tmp = tempfile::tempdir().unwrap();
    // Each station has its own connections and its own backup folder, as on two PCs.
    let dock = Backup::new(settings(tmp.path(), "dock", "* * * * * *"), db.target.clone(), db.pool.clone()).start();
    let gate = Backup::new(settings(tmp.path(), "gate", "* * * * * *"), db.target.clone(), db.target.pool(8)).start();
    let (mut dock_events, mut gate_events) = (backup_events(&dock), backup_events(&gate));

    let mut reported: Vec<(&str, BackupRecord)> = Vec::new();
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < until {
        tokio::select! {
            Some(e) = dock_events.recv() => if let BackupEvent::Finished(r) = e { reported.push(("dock", r)) } else if let BackupEvent::Failed(e) = e { panic!("dock: {e}") },
            Some(e) = gate_events.recv() => if let BackupEvent::Finished(r) = e { reported.push(("gate", r)) } else if let BackupEvent::Failed(e) = e { panic!("gate: {e}") },
            _ = tokio::time::sleep_until(until) => {}
        }
    }

    // The stations keep ticking: wait for a moment when every dump on disk is a recorded run of
    // the station whose folder holds it (retention keeps only the newest of a day in each folder).
    let recorded_here = |runs: &[(i64, String, Option<String>, chrono::DateTime<chrono::Utc>)], station: &str| -> BTreeSet<String> {
        runs.iter().filter(|r| r.1 == station).filter_map(|r| r.2.clone()).collect()
    };
    let mut settled = None;
    for _ in 0..50 {
        let runs = station_runs(&db).await;
        if ["dock", "gate"].iter().all(|s| dumps_in(&tmp.path().join(s)).is_subset(&recorded_here(&runs, s))) {
            settled = Some(runs);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let runs = settled.expect("a dump on disk that no run recorded");
    assert!(runs.len() >= 3, "about one backup per second for 10 s: {runs:?}");

    // At most one dump per tick: a tick's run starts at or after the tick, and the next
    // station to look finds it; two dumps never start within the same second.
    let seconds: BTreeSet<i64> = runs.iter().map(|r| r.3.timestamp()).collect();
    assert_eq!(seconds.len(), runs.len(), "two dumps in one tick: {runs:?}");
    // Both stations report, and what a station reports is a recorded run, often the other's.
    let ids: BTreeSet<i64> = runs.iter().map(|r| r.0).collect();
    assert!(reported.iter().all(|(_, r)| ids.contains(&r.id) || r.started_at > runs.last().unwrap().3), "{reported:?}");
    assert!(reported.iter().any(|(me, _)| *me == "dock") && reported.iter().any(|(me, _)| *me == "gate"));
    assert!(reported.iter().any(|(me, r)| r.station != *me), "no station ever reported the other's backup: {reported:?}");
}

#[actix::test]
async fn the_same_tick_from_two_stations_at_once_dumps_once() {
    let db = TestDb::new().await;
    recent_backup(&db).await;
    let tmp = tempfile::tempdir().unwrap();
    let (dock, gate) = (options(tmp.path(), "dock"), options(tmp.path(), "gate"));
    let gate_pool = db.target.pool(4);
    let slot = Turn::Scheduled { slot: chrono::Utc::now() };
    let (a, b) = tokio::join!(
        backup::take_turn(&db.target, &db.pool, &dock, None, slot),
        backup::take_turn(&db.target, &gate_pool, &gate, None, slot),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let (dumped, taken) = match (&a, &b) {
        (Elected::Dumped(d), Elected::TakenBy(t)) | (Elected::TakenBy(t), Elected::Dumped(d)) => (d, t),
        _ => panic!("exactly one station dumps: {a:?} / {b:?}"),
    };
    assert_eq!(dumped.id, taken.id, "the other station reports the winner's run");
    assert_eq!(dumps_in(&tmp.path().join("dock")).len() + dumps_in(&tmp.path().join("gate")).len(), 1);
    assert_eq!(station_runs(&db).await.len(), 1);

    // A station asking for the same tick later finds it done too.
    let late = backup::take_turn(&db.target, &gate_pool, &gate, None, slot).await.unwrap();
    assert_eq!(late, Elected::TakenBy(dumped.clone()));
}

#[actix::test]
async fn a_manual_backup_while_another_station_takes_one_is_refused_clearly() {
    let db = TestDb::new().await;
    recent_backup(&db).await;
    let tmp = tempfile::tempdir().unwrap();
    let dock = Backup::new(settings(tmp.path(), "dock", "0 0 2 * * *"), db.target.clone(), db.pool.clone()).start();
    let gate = Backup::new(settings(tmp.path(), "gate", "0 0 2 * * *"), db.target.clone(), db.target.pool(8)).start();
    let (dock_admin, gate_admin) = (auth(db.session(Role::Admin).await), auth(db.session(Role::Admin).await));

    let (a, b) = tokio::join!(dock.send(BackupNow { auth: dock_admin }), gate.send(BackupNow { auth: gate_admin }));
    let (a, b) = (a.unwrap(), b.unwrap());
    let (ok, refused, loser) = match (a, b) {
        (Ok(r), Err(e)) => (r, e, "gate"),
        (Err(e), Ok(r)) => (r, e, "dock"),
        (a, b) => panic!("one dump and one refusal expected: {a:?} / {b:?}"),
    };
    let winner = if loser == "dock" { "gate" } else { "dock" };
    assert_eq!(ok.station, winner);
    assert!(matches!(&refused, BackupRunError::Failed(BackupError::TakenElsewhere { station }) if station == winner), "{refused:?}");
    assert!(refused.to_string().contains(&format!("another station ({winner}) is taking the backup")), "{refused}");
    assert_eq!(dumps_in(&tmp.path().join(winner)).len(), 1);
    assert!(dumps_in(&tmp.path().join(loser)).is_empty());
}

#[actix::test]
async fn a_station_without_the_owner_login_does_not_dump() {
    let db = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    // A station on a server with only the application's login (no database.owner_url).
    let app_only = Target { owner: db.target.app.clone(), app: db.target.app.clone(), cluster: None };
    let admin = auth(db.session(Role::Admin).await);
    let e = backup::backup_now(&app_only, &db.pool, &options(tmp.path(), "desk"), &admin).await.unwrap_err();
    assert!(e.to_string().contains("database.owner_url"), "{e}");
    assert!(dumps_in(&tmp.path().join("desk")).is_empty());
}
