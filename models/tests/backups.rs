//! Backup and restore with the real pg_dump and psql against a throwaway PostgreSQL.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use models::backups::{self, BackupError, BackupOptions, BackupProblem, BackupStatus};
use models::testing::{TestDb, TEST_STATION};

fn options(dir: &Path, face_model: &Path) -> BackupOptions {
    BackupOptions {
        dir: dir.to_path_buf(),
        mirror_dir: None,
        keep_daily: 14,
        keep_monthly: 12,
        min_free_bytes: 0,
        pg_bin_dir: None,
        face_model: face_model.to_path_buf(),
        station: TEST_STATION.into(),
        lock_timeout: Duration::from_secs(30),
        // Beside the backup folder, never in it.
        signing_key: dir.parent().unwrap().join("data").join(backups::KEY_FILE),
        ledger_anchor: face_model.with_file_name("ledger-anchor"),
    }
}

async fn populated() -> TestDb {
    let db = TestDb::new().await;
    let owner = db.owner_client().await;
    backups::seed_ledger(&owner, 20, 600, |_| {}).await.unwrap();
    db
}

async fn counts(db: &TestDb) -> std::collections::BTreeMap<String, i64> {
    backups::row_counts(&db.owner_client().await).await.unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

async fn databases_like(db: &TestDb, pattern: &str) -> Vec<String> {
    let c = db.owner_client().await;
    c.query("SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1", &[&pattern])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn backup_then_restore_gives_back_the_same_data_and_face_model() {
    let db = populated().await;
    let tmp = tempfile::tempdir().unwrap();
    let face_model = tmp.path().join("data/model.yml");
    std::fs::create_dir_all(face_model.parent().unwrap()).unwrap();
    std::fs::write(&face_model, b"%YAML:1.0\nenrolments: [1, 2, 3]\n").unwrap();
    let opts = options(&tmp.path().join("backups"), &face_model);
    let before = counts(&db).await;
    assert_eq!(before["movements"], 600);

    let record = backups::take_backup(&db.target, &opts, None).await.unwrap();
    assert!(record.is_ok(), "{record:?}");
    let file = record.file.clone().unwrap();
    let dump = opts.dir.join(&file);
    let stem = file.trim_end_matches(".sql");
    assert_eq!(
        files_in(&opts.dir),
        vec![
            format!("{stem}.anchor"),
            format!("{stem}.json"),
            format!("{stem}.model.yml"),
            format!("{stem}.sig"),
            file.clone(),
            format!("{stem}.sql.sha256")
        ]
    );
    // The sidecar is in `sha256sum -c` format.
    let check = std::process::Command::new("sha256sum").arg("-c").arg(format!("{file}.sha256")).current_dir(&opts.dir).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let manifest: backups::Manifest = serde_json::from_slice(&std::fs::read(opts.dir.join(format!("{stem}.json"))).unwrap()).unwrap();
    assert_eq!(manifest.row_counts, before, "the manifest counts the dumped snapshot");
    assert!(manifest.pg_dump_version.starts_with(&manifest.server_version.split('.').next().unwrap().to_string()));
    assert_eq!(manifest.face_model.as_ref().unwrap().sha256, backups::sha256_of_file(&face_model).unwrap().1);
    // The chain heads of the dumped snapshot: beside the dump, and as the station's anchor.
    let anchored = manifest.ledger_anchor.clone().expect("heads in the manifest");
    assert_eq!(anchored.products, 20);
    let beside = models::chain::Anchor::parse(&std::fs::read_to_string(opts.dir.join(&anchored.file)).unwrap()).unwrap();
    assert_eq!(beside.digest(), anchored.heads_sha256);
    let local = models::chain::Anchor::read(&opts.ledger_anchor).unwrap().expect("the local anchor written");
    assert_eq!(local.digest(), anchored.heads_sha256);

    // Recorded in the table and the audit log.
    let c = db.pool.get().await.unwrap();
    let runs = backups::runs(&**c, 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].sha256.as_deref(), Some(manifest.sha256.as_str()));
    let audit: i64 = c.query_one("SELECT count(*) FROM audit_log WHERE action = 'backup.ok'", &[]).await.unwrap().get(0);
    assert_eq!(audit, 1);
    // Append-only, even for the owner.
    let e = db.owner_client().await.execute("DELETE FROM backups", &[]).await.unwrap_err();
    assert!(e.to_string().contains("append-only") || format!("{e:?}").contains("append-only"), "{e:?}");
    drop(c);

    // Life goes on after the backup: more movements, a changed face model.
    backups::seed_ledger(&db.owner_client().await, 20, 50, |_| {}).await.unwrap();
    std::fs::write(&face_model, b"%YAML:1.0\nenrolments: [changed]\n").unwrap();

    let report = backups::restore(&db.target, &dump, &opts, Some("boss")).await.unwrap();
    assert!(report.ledger.is_ok(), "{:?}", report.ledger);
    let after = counts(&db).await;
    for (table, n) in &before {
        // The restore itself writes one audit entry, and the backup run recorded after the dump
        // (the very backup restored) is carried over from the replaced database.
        let expected = if table == "audit_log" || table == "backups" { n + 1 } else { *n };
        assert_eq!(after[table], expected, "{table}");
    }
    assert_eq!(report.backups_carried_over, 1);
    let runs = backups::runs(&**db.pool.get().await.unwrap(), 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].file.as_deref(), runs[0].sha256.as_deref()), (Some(file.as_str()), Some(manifest.sha256.as_str())));
    let c = db.owner_client().await;
    assert!(models::movements::verify(&c).await.unwrap().is_ok());
    let restore_audit: i64 = c.query_one("SELECT count(*) FROM audit_log WHERE action = 'backup.restore'", &[]).await.unwrap().get(0);
    assert_eq!(restore_audit, 1);
    assert_eq!(std::fs::read(&face_model).unwrap(), b"%YAML:1.0\nenrolments: [1, 2, 3]\n");
    assert!(report.face_model_restored);
    assert_eq!(std::fs::read(report.previous_face_model.unwrap()).unwrap(), b"%YAML:1.0\nenrolments: [changed]\n");
    // The database that was live is kept under a dated name, with the later movements.
    assert_eq!(databases_like(&db, &format!("{}_old_%", db.name)).await, vec![report.previous_kept_as.clone()]);
    assert!(databases_like(&db, &format!("{}_restore_%", db.name)).await.is_empty());
    let mut old = db.target.owner.clone();
    old.dbname(&report.previous_kept_as);
    let (oc, conn) = models::db::connect(&old).await.unwrap();
    tokio::spawn(conn);
    let old_movements: i64 = oc.query_one("SELECT count(*) FROM movements", &[]).await.unwrap().get(0);
    assert_eq!(old_movements, 650);
    // The app's pool reaches the restored database under the live name.
    let c = db.pool.get().await.unwrap();
    let n: i64 = c.query_one("SELECT count(*) FROM movements", &[]).await.unwrap().get(0);
    assert_eq!(n, 600);
}

#[tokio::test]
async fn damaged_or_truncated_dumps_are_refused_before_anything_is_touched() {
    let db = populated().await;
    let tmp = tempfile::tempdir().unwrap();
    let face_model = tmp.path().join("model.yml");
    let opts = options(&tmp.path().join("backups"), &face_model);
    let record = backups::take_backup(&db.target, &opts, None).await.unwrap();
    let dump = opts.dir.join(record.file.unwrap());
    backups::verify_file(&dump, &backups::SigningKey::load(&opts.signing_key).unwrap()).unwrap();
    let good = std::fs::read(&dump).unwrap();
    let before = counts(&db).await;

    // One changed byte in the middle.
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x20;
    std::fs::write(&dump, &bad).unwrap();
    let e = backups::restore(&db.target, &dump, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::ChecksumMismatch { .. }), "{e}");
    assert!(e.to_string().contains("damaged") && e.to_string().contains("nothing was changed"), "{e}");

    // Cut off halfway, as a full disk or an interrupted copy leaves it.
    std::fs::write(&dump, &good[..good.len() / 2]).unwrap();
    let e = backups::restore(&db.target, &dump, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::ChecksumMismatch { .. }), "{e}");

    // No sidecar at all.
    std::fs::write(&dump, &good).unwrap();
    std::fs::remove_file(backups::sidecar_path(&dump)).unwrap();
    let e = backups::restore(&db.target, &dump, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::NoChecksum { .. }), "{e}");

    assert_eq!(counts(&db).await, before);
    assert!(databases_like(&db, &format!("{}_%", db.name)).await.is_empty(), "no database was created or renamed");
}

fn stand_in_pg_dump(version_line: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("pg_dump");
    std::fs::write(&script, format!("#!/bin/sh\necho '{version_line}'\n")).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[tokio::test]
async fn an_older_pg_dump_is_refused_naming_both_versions() {
    let db = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    let old = stand_in_pg_dump("pg_dump (PostgreSQL) 9.6.24");
    let mut opts = options(&tmp.path().join("backups"), &tmp.path().join("model.yml"));
    opts.pg_bin_dir = Some(old.path().to_path_buf());
    let e = backups::take_backup(&db.target, &opts, None).await.unwrap_err();
    let server: String = db.owner_client().await.query_one("SHOW server_version", &[]).await.unwrap().get(0);
    let server = server.split_whitespace().next().unwrap().to_string();
    let text = e.to_string();
    assert!(matches!(e, BackupError::ClientTooOld { .. }), "{text}");
    assert!(text.contains("pg_dump 9.6.24") && text.contains(&format!("PostgreSQL {server}")), "{text}");
    assert!(files_in(&opts.dir).is_empty(), "nothing written");
    // The failure is on record for the kiosk and the audit log.
    let c = db.pool.get().await.unwrap();
    let runs = backups::runs(&**c, 10).await.unwrap();
    assert_eq!(runs[0].status, BackupStatus::Failed);
    assert!(runs[0].error.as_deref().unwrap().contains("9.6.24"));
    assert_eq!(runs[0].problem, Some(BackupProblem::ClientMissing), "the kind the kiosk words in its language");
    let audit: i64 = c.query_one("SELECT count(*) FROM audit_log WHERE action = 'backup.failed'", &[]).await.unwrap().get(0);
    assert_eq!(audit, 1);

    // The automatic search finds the installed one, which is new enough.
    let server_major: u32 = server.split('.').next().unwrap().parse().unwrap();
    let found = backups::find_client("pg_dump", None, &server, server_major).unwrap();
    assert!(found.major >= server_major);
}

#[tokio::test]
async fn unwritable_or_full_folder_is_a_clear_error_and_nothing_is_deleted() {
    let db = populated().await;
    let tmp = tempfile::tempdir().unwrap();
    let opts = options(&tmp.path().join("backups"), &tmp.path().join("model.yml"));
    backups::take_backup(&db.target, &opts, None).await.unwrap();
    let existing = files_in(&opts.dir);
    assert_eq!(existing.len(), 5, "dump, checksum, manifest, signature, anchor: {existing:?}");

    // Full: less free space than the configured minimum.
    let mut full = opts.clone();
    full.min_free_bytes = u64::MAX / 4;
    let e = backups::take_backup(&db.target, &full, None).await.unwrap_err();
    assert!(matches!(e, BackupError::NotEnoughSpace { .. }), "{e}");
    assert!(e.to_string().contains("not enough free space") && e.to_string().contains("MB free"), "{e}");
    assert_eq!(files_in(&opts.dir), existing);

    // Unwritable: the folder's place is taken by a file (root ignores permission bits).
    let blocker = tmp.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let mut unwritable = opts.clone();
    unwritable.dir = blocker.join("backups");
    let e = backups::take_backup(&db.target, &unwritable, None).await.unwrap_err();
    assert!(matches!(e, BackupError::FolderNotWritable { .. }), "{e}");
    assert!(e.to_string().contains("cannot be written"), "{e}");
    assert_eq!(files_in(&opts.dir), existing);

    let c = db.pool.get().await.unwrap();
    let runs: Vec<(BackupStatus, Option<BackupProblem>)> =
        backups::runs(&**c, 10).await.unwrap().into_iter().map(|r| (r.status, r.problem)).collect();
    assert_eq!(
        runs,
        vec![
            (BackupStatus::Failed, Some(BackupProblem::FolderNotWritable)),
            (BackupStatus::Failed, Some(BackupProblem::NotEnoughSpace)),
            (BackupStatus::Ok, None)
        ]
    );
}

#[tokio::test]
async fn a_disk_that_fills_up_during_the_dump_is_recorded_as_a_full_disk() {
    let db = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    let server: String = db.owner_client().await.query_one("SHOW server_version", &[]).await.unwrap().get(0);
    let server = server.split_whitespace().next().unwrap().to_string();
    // pg_dump as it answers when the disk fills up under it: the OS's words in its message only.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("pg_dump");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) {server}'; exit 0; fi\n\
             echo 'pg_dump: error: could not write to file: No space left on device' >&2\nexit 1\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut opts = options(&tmp.path().join("backups"), &tmp.path().join("model.yml"));
    opts.pg_bin_dir = Some(dir.path().to_path_buf());
    let e = backups::take_backup(&db.target, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::PgDump(_)), "{e}");
    assert_eq!(e.problem(), BackupProblem::NotEnoughSpace);
    assert!(
        files_in(&opts.dir).iter().all(|f| !f.ends_with(".sql")),
        "no half-written dump is left as a backup: {:?}",
        files_in(&opts.dir)
    );
    let c = db.pool.get().await.unwrap();
    let run = backups::runs(&**c, 1).await.unwrap().remove(0);
    assert_eq!((run.status, run.problem), (BackupStatus::Failed, Some(BackupProblem::NotEnoughSpace)));
    assert!(run.error.unwrap().contains("No space left on device"));
}

#[tokio::test]
async fn retention_and_mirror_after_a_good_backup() {
    let db = TestDb::new().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(&tmp.path().join("backups"), &tmp.path().join("model.yml"));
    opts.keep_daily = 2;
    opts.keep_monthly = 1;
    std::fs::create_dir_all(&opts.dir).unwrap();
    // Old sets from earlier years: retention must remove them with their companions.
    let old: Vec<PathBuf> = ["ombor_nazorat_20200101_020000", "ombor_nazorat_20200102_020000"]
        .iter()
        .flat_map(|s| [format!("{s}.sql"), format!("{s}.sql.sha256"), format!("{s}.json")])
        .map(|n| opts.dir.join(n))
        .collect();
    for p in &old {
        std::fs::write(p, b"old").unwrap();
    }
    std::fs::write(opts.dir.join("keep-me.txt"), b"not ours").unwrap();
    let mirror = tmp.path().join("usb");
    opts.mirror_dir = Some(mirror.clone());

    // The mirror's disk is not mounted: skipped, the backup still succeeds.
    let first = backups::take_backup(&db.target, &opts, None).await.unwrap();
    assert!(first.mirror.as_deref().unwrap().contains("not present"), "{:?}", first.mirror);
    assert_eq!(first.removed, vec!["ombor_nazorat_20200101_020000.sql", "ombor_nazorat_20200102_020000.sql"]);
    assert!(old.iter().all(|p| !p.exists()));
    assert!(opts.dir.join("keep-me.txt").exists());

    // Mounted: it receives every set it lacks (after retention: one per day is kept).
    std::fs::create_dir_all(&mirror).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = backups::take_backup(&db.target, &opts, None).await.unwrap();
    assert_eq!(second.removed, vec![first.file.clone().unwrap()]);
    assert!(second.mirror.as_deref().unwrap().contains("1 copied"), "{:?}", second.mirror);
    let mirrored = files_in(&mirror);
    assert_eq!(mirrored.iter().filter(|n| n.ends_with(".sql")).cloned().collect::<Vec<_>>(), vec![second.file.clone().unwrap()]);
    backups::verify_file(&mirror.join(second.file.as_ref().unwrap()), &backups::SigningKey::load(&opts.signing_key).unwrap()).unwrap();
    let listed = backups::list_files(&opts.dir, true);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].checksum, backups::ChecksumState::Verified);
}

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The real pg_dump's version line (a stand-in must answer like it).
fn real_pg_dump_version(server: &str) -> String {
    let major: u32 = server.split('.').next().unwrap().parse().unwrap();
    let real = backups::find_client("pg_dump", None, server, major).unwrap();
    String::from_utf8(std::process::Command::new(&real.path).arg("--version").output().unwrap().stdout).unwrap().trim().to_string()
}

async fn server_version(db: &TestDb) -> String {
    let v: String = db.owner_client().await.query_one("SHOW server_version", &[]).await.unwrap().get(0);
    v.split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn backups_are_readable_by_their_owner_only() {
    let db = populated().await;
    let tmp = tempfile::tempdir().unwrap();
    let face_model = tmp.path().join("data/model.yml");
    std::fs::create_dir_all(face_model.parent().unwrap()).unwrap();
    std::fs::write(&face_model, b"%YAML:1.0\n").unwrap();
    let mut opts = options(&tmp.path().join("backups"), &face_model);
    // A folder made open by someone else is closed again; so is the mirror's.
    std::fs::create_dir_all(&opts.dir).unwrap();
    std::fs::set_permissions(&opts.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mirror = tmp.path().join("usb");
    std::fs::create_dir_all(&mirror).unwrap();
    std::fs::set_permissions(&mirror, std::fs::Permissions::from_mode(0o777)).unwrap();
    opts.mirror_dir = Some(mirror.clone());
    backups::take_backup(&db.target, &opts, None).await.unwrap();
    for dir in [&opts.dir, &mirror] {
        assert_eq!(mode_of(dir), 0o700, "{}", dir.display());
        let files = files_in(dir);
        assert_eq!(files.len(), 6, "dump, checksum, manifest, signature, model, anchor: {files:?}");
        for f in files {
            assert_eq!(mode_of(&dir.join(&f)), 0o600, "{f}");
        }
    }
    assert_eq!(mode_of(&opts.signing_key), 0o600);
    assert!(!opts.signing_key.starts_with(&opts.dir), "the key is not in the backup folder");
    assert_eq!(mode_of(&opts.ledger_anchor), 0o600, "the station's ledger anchor");
}

#[tokio::test]
async fn a_backup_gives_up_on_a_lock_and_the_failure_is_recorded() {
    let db = populated().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(&tmp.path().join("backups"), &tmp.path().join("model.yml"));
    opts.lock_timeout = Duration::from_secs(2);
    // Another session holds movements as a long maintenance job (or a stuck psql) would.
    let mut holder = db.owner_client().await;
    let tx = holder.transaction().await.unwrap();
    tx.batch_execute("LOCK movements IN ACCESS EXCLUSIVE MODE").await.unwrap();

    let started = std::time::Instant::now();
    let e = backups::take_backup(&db.target, &opts, None).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(e, BackupError::Locked { seconds: 2, .. }), "{e}");
    assert!(took < Duration::from_secs(15), "gave up after {took:?}");
    assert!(e.to_string().contains("lock") && e.to_string().contains("PostgreSQL said"), "{e}");
    assert_eq!(e.problem(), BackupProblem::DatabaseLocked);
    assert!(files_in(&opts.dir).iter().all(|f| !f.ends_with(".sql")), "{:?}", files_in(&opts.dir));
    let c = db.pool.get().await.unwrap();
    let run = backups::runs(&**c, 1).await.unwrap().remove(0);
    assert_eq!((run.status, run.problem), (BackupStatus::Failed, Some(BackupProblem::DatabaseLocked)));
    assert!(run.error.unwrap().contains("lock timeout"));
    drop(tx);

    // The lock gone, the next run succeeds.
    assert!(backups::take_backup(&db.target, &opts, None).await.unwrap().is_ok());
}

#[tokio::test]
async fn a_pg_dump_that_stops_early_but_exits_0_is_no_backup_and_the_good_ones_stay() {
    let db = populated().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(&tmp.path().join("backups"), &tmp.path().join("model.yml"));
    opts.keep_daily = 1;
    opts.keep_monthly = 0;
    let good = backups::take_backup(&db.target, &opts, None).await.unwrap();
    let good_files = files_in(&opts.dir);

    // The real pg_dump, cut after 3 KB, and "success".
    let server = server_version(&db).await;
    let version = real_pg_dump_version(&server);
    let major: u32 = server.split('.').next().unwrap().parse().unwrap();
    let real = backups::find_client("pg_dump", None, &server, major).unwrap();
    let bin = tempfile::tempdir().unwrap();
    let script = bin.path().join("pg_dump");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo '{version}'; exit 0; fi\n'{}' \"$@\" | head -c 3072\nexit 0\n",
            real.path.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    opts.pg_bin_dir = Some(bin.path().to_path_buf());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let e = backups::take_backup(&db.target, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::IncompleteDump { .. }), "{e}");
    assert!(e.to_string().contains("3072 bytes") && e.to_string().contains(backups::CLOSING_LINE), "{e}");
    assert_eq!(e.problem(), BackupProblem::IncompleteDump);
    assert_eq!(files_in(&opts.dir), good_files, "the earlier good backup stays; nothing of the cut one is left");
    let c = db.pool.get().await.unwrap();
    let runs = backups::runs(&**c, 2).await.unwrap();
    assert_eq!((runs[0].status, runs[0].problem), (BackupStatus::Failed, Some(BackupProblem::IncompleteDump)));
    assert_eq!(runs[1].file, good.file);

    // A doubtful dump left in the folder (no checksum, no manifest), newer than the good one,
    // never makes retention delete the good one (nor is it deleted itself).
    let later = backups::stem_for(chrono::Local::now().naive_local() + chrono::Duration::seconds(2));
    std::fs::write(opts.dir.join(format!("{later}.sql")), b"-- half a dump").unwrap();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    opts.pg_bin_dir = None;
    let next = backups::take_backup(&db.target, &opts, None).await.unwrap();
    assert_eq!(next.removed, vec![good.file.clone().unwrap()], "the day's newest good backup replaces the older good one");
    assert!(opts.dir.join(format!("{later}.sql")).exists());
    assert!(opts.dir.join(next.file.unwrap()).exists());
}

async fn no_restore_databases(db: &TestDb) -> bool {
    databases_like(db, &format!("{}_%", db.name)).await.is_empty()
}

/// Rewrites a dump as an insider with write access to the backup folder would: the dump
/// changed, its .sha256 and its manifest recomputed (but not the signature: no key).
fn doctor_dump(dump: &Path, edit: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(dump).unwrap();
    let changed = edit(text.clone());
    assert_ne!(changed, text, "the edit changed something");
    std::fs::write(dump, &changed).unwrap();
    let (bytes, sha) = backups::sha256_of_file(dump).unwrap();
    let name = dump.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::write(backups::sidecar_path(dump), format!("{sha}  {name}\n")).unwrap();
    let json = dump.with_extension("json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    m["sha256"] = sha.into();
    m["bytes"] = bytes.into();
    std::fs::write(&json, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

/// The same, with the stolen key: the signature recomputed too.
fn resign(dump: &Path, key: &backups::SigningKey) {
    let (_, sha) = backups::sha256_of_file(dump).unwrap();
    let manifest_sha = backups::sha256_of_file(&dump.with_extension("json")).unwrap().1;
    let name = dump.file_name().unwrap().to_str().unwrap();
    std::fs::write(dump.with_extension("sig"), key.sign(name, &sha, &manifest_sha)).unwrap();
}

#[tokio::test]
async fn a_doctored_dump_is_refused_before_psql_runs() {
    let db = populated().await;
    let owner = db.owner_client().await;
    owner
        .execute("INSERT INTO users (username, password_hash, role) VALUES ('peeker', '$argon2id$not-a-login', 'viewer')", &[])
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let opts = options(&tmp.path().join("backups"), &tmp.path().join("model.yml"));
    let record = backups::take_backup(&db.target, &opts, None).await.unwrap();
    let dump = opts.dir.join(record.file.unwrap());
    let originals: Vec<(PathBuf, Vec<u8>)> =
        files_in(&opts.dir).iter().map(|f| (opts.dir.join(f), std::fs::read(opts.dir.join(f)).unwrap())).collect();
    let put_back = || {
        for (p, b) in &originals {
            std::fs::write(p, b).unwrap();
        }
    };
    let before = counts(&db).await;
    let key = backups::SigningKey::load(&opts.signing_key).unwrap();

    // A viewer made an admin, checksums and manifest recomputed: the signature no longer holds.
    doctor_dump(&dump, |t| t.replacen("\tviewer\t", "\tadmin\t", 1));
    let e = backups::restore(&db.target, &dump, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::BadSignature { .. }), "{e}");
    assert!(e.to_string().contains("not signed by this installation's backup key"), "{e}");
    assert!(no_restore_databases(&db).await, "no database was created");

    // No signature at all.
    put_back();
    std::fs::remove_file(dump.with_extension("sig")).unwrap();
    let e = backups::restore(&db.target, &dump, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::BadSignature { .. }), "{e}");

    // A psql shell escape, even signed with the stolen key, never reaches psql.
    put_back();
    let marker = tmp.path().join("owned");
    doctor_dump(&dump, |t| {
        t.replacen("SET statement_timeout = 0;\n", &format!("SET statement_timeout = 0;\n\\! id > {}\n", marker.display()), 1)
    });
    resign(&dump, &key);
    let e = backups::restore(&db.target, &dump, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::MetaCommand { .. }), "{e}");
    assert!(e.to_string().contains("\\\\! id >") && e.to_string().contains("pg_dump never writes"), "{e}");
    assert!(!marker.exists(), "the command did not run");
    // Hidden after a statement on the same line: refused as well.
    put_back();
    doctor_dump(&dump, |t| {
        t.replacen("SET statement_timeout = 0;\n", &format!("SET statement_timeout = 0; \\! id > {}\n", marker.display()), 1)
    });
    resign(&dump, &key);
    let e = backups::restore(&db.target, &dump, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::MetaCommand { .. }), "{e}");
    assert!(!marker.exists());

    // Rows added with the key and checksums: the manifest's counts no longer match.
    put_back();
    doctor_dump(&dump, |t| {
        // The first employee's row twice.
        let at = t.find("COPY public.employees").unwrap();
        let row_start = at + t[at..].find('\n').unwrap() + 1;
        let row_end = row_start + t[row_start..].find('\n').unwrap() + 1;
        format!("{}{}{}", &t[..row_end], &t[row_start..row_end], &t[row_end..])
    });
    resign(&dump, &key);
    let e = backups::restore(&db.target, &dump, &opts, None).await.unwrap_err();
    assert!(matches!(e, BackupError::NotAsRecorded { .. }), "{e}");
    assert!(e.to_string().contains("employees: 2 rows, the manifest records 1"), "{e}");
    assert!(no_restore_databases(&db).await);
    assert_eq!(counts(&db).await, before);

    // Without the key in the data folder nothing is restored either.
    put_back();
    let mut keyless = opts.clone();
    keyless.signing_key = tmp.path().join("elsewhere").join(backups::KEY_FILE);
    let e = backups::restore(&db.target, &dump, &keyless, None).await.unwrap_err();
    assert!(matches!(e, BackupError::NoSigningKey { .. }), "{e}");
    assert!(e.to_string().contains("Copy backup.key"), "{e}");

    // The untouched set restores.
    let r = backups::restore(&db.target, &dump, &opts, None).await.unwrap();
    assert!(r.ledger.is_ok());
}

#[tokio::test]
async fn the_application_role_may_not_record_backup_runs() {
    let db = TestDb::new().await;
    let c = db.pool.get().await.unwrap();
    let e = c
        .query(
            "SELECT backup_record(now(), now(), 'ok', 'ombor_nazorat_20261201_020000.sql', 1, repeat('a', 64), NULL, '15', '15', 'x', NULL, NULL)",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    assert!(backups::runs(&**c, 10).await.unwrap().is_empty(), "nothing was recorded");
    // The app role's own login may therefore not dump; the owner's may.
    let mut app_only = db.target.clone();
    app_only.owner = app_only.app.clone();
    app_only.cluster = None;
    let rights = backups::dump_rights(&app_only).await.unwrap();
    assert!(!rights.records_runs && !rights.can_dump(), "{rights:?}");
    let owner = backups::dump_rights(&db.target).await.unwrap();
    assert!(owner.can_dump(), "{owner:?}");
}

/// Someone with the owner's login cuts a chain's tail after a backup anchored it: the next
/// backup is still taken, but does not move the anchor over the rewritten history, so
/// `ledger verify` still names it; a restore makes the restored history the anchor.
#[tokio::test]
async fn a_backup_never_anchors_a_rewritten_history() {
    use models::chain::Anchor;
    let db = populated().await;
    let tmp = tempfile::tempdir().unwrap();
    let opts = options(&tmp.path().join("backups"), &tmp.path().join("model.yml"));
    let first = backups::take_backup(&db.target, &opts, None).await.unwrap();
    let anchored = std::fs::read_to_string(&opts.ledger_anchor).unwrap();
    // Kept aside: retention keeps one dump a day, and the second backup below is today's too.
    let kept = tmp.path().join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    let first_stem = first.file.clone().unwrap().trim_end_matches(".sql").to_string();
    for name in files_in(&opts.dir).into_iter().filter(|n| n.starts_with(&first_stem)) {
        std::fs::copy(opts.dir.join(&name), kept.join(&name)).unwrap();
    }
    let victim: (i64, i64) = {
        let c = db.owner_client().await;
        let r = c.query_one("SELECT product_id, last_movement_id FROM stock WHERE last_movement_id IS NOT NULL ORDER BY product_id LIMIT 1", &[]).await.unwrap();
        (r.get(0), r.get(1))
    };
    db.owner_client()
        .await
        .batch_execute(&format!(
            "SET session_replication_role = replica;
             DELETE FROM movements WHERE id = {m};
             UPDATE stock s SET last_movement_id = t.id, last_hash = t.hash,
                    quantity = (SELECT coalesce(sum(CASE kind WHEN 'in' THEN quantity ELSE -quantity END), 0) FROM movements WHERE product_id = {p})
               FROM (SELECT id, hash FROM movements WHERE product_id = {p} ORDER BY id DESC LIMIT 1) t WHERE s.product_id = {p};
             SET session_replication_role = origin;",
            p = victim.0,
            m = victim.1
        ))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = backups::take_backup(&db.target, &opts, None).await.unwrap();
    assert!(second.is_ok(), "the data is still saved: {second:?}");
    assert_eq!(std::fs::read_to_string(&opts.ledger_anchor).unwrap(), anchored, "the anchor stays where history last held");
    let c = db.owner_client().await;
    let anchor = Anchor::read(&opts.ledger_anchor).unwrap();
    let report = models::movements::verify_against(&c, anchor.as_ref()).await.unwrap();
    let lost: Vec<(i64, i64)> = report.since_anchor.as_ref().unwrap().lost.iter().map(|l| (l.product_id, l.movement_id)).collect();
    assert_eq!(lost, vec![victim], "{report:?}");
    drop(c);

    // Restoring the first backup brings the cut movement back, and its history is the anchor now.
    let report = backups::restore(&db.target, &kept.join(first.file.unwrap()), &opts, Some("boss")).await.unwrap();
    let anchor = Anchor::read(&opts.ledger_anchor).unwrap().unwrap();
    assert_eq!(anchor.digest(), report.ledger.anchor().digest());
    let c = db.owner_client().await;
    assert!(models::movements::verify_against(&c, Some(&anchor)).await.unwrap().is_ok());
}
