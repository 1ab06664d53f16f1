//! The Backups tab restores a dump of the backup folder after a confirmation, on a real
//! database: the data goes back to the backup's, the kiosk logs out and says what happened.

mod common;

use common::Harness;
use models::Role;
use ui::app::Screen;
use ui::i18n::{trf, Text};
use ui::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_restores_a_backup_after_confirming_and_the_kiosk_logs_out() {
    let mut h = Harness::on_server().await;
    let handles = h.system.as_ref().unwrap().handles.clone();
    let files = || async { handles.backup.send(actors::backup::ListBackupFiles).await.unwrap() };
    // A new installation has no backup: the Backup actor catches one up at start. Let it finish
    // (a dump's name has the second it was taken in: the next one is a second later).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !handles.backup.send(actors::backup::ListBackups).await.unwrap().unwrap().iter().any(|r| r.is_ok()) {
        assert!(std::time::Instant::now() < deadline, "the catch-up backup");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let caught_up = files().await[0].file.clone();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let admin = h.log_in(Role::Admin).await;
    h.tap(h.t(Text::TabBackups)).await;
    h.tap(h.t(Text::BackupRunNow)).await;
    let taken = files().await[0].clone();
    assert_ne!(taken.file, caught_up, "the tab's backup is the newest in the folder");
    // Recorded after the backup: the restore takes it away again.
    let after = "Made after the backup";
    actors::ledger::add_category(&h.db.pool, &admin, after, None).await.unwrap();
    let lang = h.kiosk.language;
    let when = ui::format::naive_date_time(lang, taken.taken_at);
    let question = trf(lang, Text::RestoreConfirm, &[("when", &when), ("file", &taken.file)]);

    // Asked first; "Cancel" changes nothing.
    h.tap(h.t(Text::Restore)).await;
    assert!(h.shows(&question), "a restore is confirmed first");
    h.tap(h.t(Text::Cancel)).await;
    assert!(!h.shows(&question));
    assert_eq!(category_count(&h, after).await, 1);

    h.tap(h.t(Text::Restore)).await;
    h.tap(h.t(Text::RestoreYes)).await;
    assert_eq!(category_count(&h, after).await, 0, "the data is the backup's again");
    assert!(h.kiosk.auth.is_none(), "logged out: the session belonged to the replaced database");
    assert!(matches!(h.kiosk.screen, Screen::Lock));
    let notice = h.kiosk.notice.clone().expect("the kiosk says the restore finished");
    assert!(notice.contains(&taken.file), "{notice}");
    assert!(h.shows(&notice));
    // The backups taken after the dump are still in the folder, and the lock screen says so
    // (not "no backup yet", as the restored data alone would have it).
    let newest = handles.backup.send(actors::backup::ListBackups).await.unwrap().unwrap();
    assert_eq!(newest[0].file.as_deref(), Some(taken.file.as_str()), "the tab's backup is carried over");
    let line = ui::screen::admin::backups::summary(lang, Some(&newest[0]));
    assert_eq!(h.kiosk.status.last_backup.as_deref(), Some(line.as_str()));
    assert!(h.shows(&format!("{}: {line}", h.t(Text::LastBackup))));
    // The lock screen works on the restored database: a new login goes through.
    h.log_in(Role::Admin).await;
    assert!(h.kiosk.notice.is_none(), "the notice goes with the next login");
    h.send(Message::DismissError).await;

    // The replaced database is kept under a dated name; the test cluster is shared: drop it.
    let owner = h.db.owner_client().await;
    let kept: Vec<String> = owner
        .query("SELECT datname FROM pg_database WHERE datname LIKE $1", &[&format!("{}_old_%", h.db.name)])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(notice.contains(&kept[0]), "the notice names the kept copy: {notice}");
    owner.batch_execute(&format!("DROP DATABASE \"{}\"", kept[0])).await.unwrap();
}

async fn category_count(h: &Harness, name: &str) -> usize {
    let c = h.db.pool.get().await.unwrap();
    models::products::categories(&**c).await.unwrap().iter().filter(|k| k.name == name).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_that_ends_after_admin_mode_closed_is_still_reported() {
    use ui::screen::admin::{self, backups};
    let mut h = Harness::new(|_| {}).await;
    h.log_in(Role::Admin).await;
    h.tap(h.t(Text::TabBackups)).await;
    // "Back to the kiosk" during a long restore (or the session timing out): the answer comes
    // to a kiosk that shows the lock screen.
    h.tap(h.t(Text::BackToKiosk)).await;
    assert!(matches!(h.kiosk.screen, Screen::Lock));
    let restored = |r| Message::Admin(admin::Message::Backups(backups::Message::Restored(r)));
    h.send(restored(Err("Tiklab bo'lmadi: zaxira fayli shikastlangan yoki zaxira fayli emas.".into()))).await;
    assert!(h.shows("Tiklab bo'lmadi: zaxira fayli shikastlangan yoki zaxira fayli emas."));
    assert!(h.kiosk.auth.is_some(), "a failed restore changed nothing: still logged in");
    h.send(Message::DismissError).await;
    h.send(restored(Ok("ombor_nazorat_20261126_020000.sql zaxira nusxasi tiklandi.".into()))).await;
    assert!(h.shows("ombor_nazorat_20261126_020000.sql zaxira nusxasi tiklandi."));
    assert!(h.kiosk.auth.is_none(), "logged out after the database was replaced");
}
