//! The kiosk's flows on the iced simulator, real actors and a real (throwaway) database.

mod common;

use std::time::Duration;

use common::Harness;
use futures::StreamExt;
use models::Role;
use rust_decimal::Decimal;
use ui::app::Screen;
use ui::face_link::FaceUpdate;
use ui::i18n::{Language, Text};
use ui::widget::preview::{FaceRect, Preview};
use ui::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_card_face_in_confirmation() {
    let mut h = Harness::new(|_| {}).await;
    let p = h.product("QR-000123", "Qog'oz A4", 10, 5).await;
    h.log_in(Role::Operator).await;
    h.camera_connected().await;

    h.scan("QR-000123").await;
    assert!(matches!(h.kiosk.screen, Screen::Product(_)), "the card is shown");
    assert!(h.shows("Qog'oz A4"));
    assert!(h.shows("10 dona"), "stock on the card");
    assert!(h.kiosk.last_scan_to_card_ms.is_some());

    h.tap(h.t(Text::In)).await;
    h.tap("1").await;
    h.tap("2").await;
    assert!(h.shows("12 dona"), "the keypad shows what was typed");
    h.tap(h.t(Text::Continue)).await;

    // No face confirmation yet: the face screen, with the preview and progress.
    assert!(matches!(h.kiosk.screen, Screen::Face(_)));
    assert!(h.shows(h.t(Text::FaceTitle)));
    let rgba: std::sync::Arc<[u8]> = vec![128u8; 64 * 48 * 4].into();
    let frame = Preview::from_rgba(64, 48, rgba, Some(FaceRect { x: 20.0, y: 10.0, width: 24.0, height: 24.0 }));
    h.send(Message::FaceUpdate(FaceUpdate::Frame(frame))).await;
    h.send(Message::FaceUpdate(FaceUpdate::Progress { done: 2, needed: 3, hint: None })).await;
    assert!(matches!(h.kiosk.screen, Screen::Face(_)));

    h.face_confirmed().await;
    let Screen::Confirm(c) = &h.kiosk.screen else { panic!("a confirmation after the face") };
    assert_eq!(c.product.stock, Decimal::from(22));
    assert!(h.shows(&ui::i18n::trf(h.kiosk.language, Text::NewStock, &[("stock", "22 dona")])));
    assert_eq!(h.stock_of(p.id).await, Decimal::from(22), "saved in the database");

    // A second movement within 5 minutes skips the face, showing who and how long.
    h.tap(h.t(Text::Done)).await;
    h.scan("QR-000123").await;
    assert!(matches!(h.kiosk.screen, Screen::Product(_)));
    let confirmed = h.kiosk.valid_verification().expect("the confirmation still holds");
    assert_eq!(confirmed.employee_name, "Test Worker");
    assert!(confirmed.remaining() > Duration::from_secs(290), "counting down from 5 minutes");
    h.tap(h.t(Text::Out)).await;
    h.tap("5").await;
    h.tap(h.t(Text::Continue)).await;
    let Screen::Confirm(c) = &h.kiosk.screen else { panic!("saved without the face screen") };
    assert_eq!(c.product.stock, Decimal::from(17));
    assert_eq!(h.stock_of(p.id).await, Decimal::from(17));

    // The confirmation ends with the session (the database takes it only in the session that
    // saw the face): whoever logs in next looks at the camera again.
    h.tap(h.t(Text::Done)).await;
    h.send(Message::Logout).await;
    assert!(h.kiosk.valid_verification().is_none(), "no face carried past the logout");
    h.log_in(Role::Operator).await;
    h.scan("QR-000123").await;
    h.tap(h.t(Text::Out)).await;
    h.tap("1").await;
    h.tap(h.t(Text::Continue)).await;
    assert!(matches!(h.kiosk.screen, Screen::Face(_)), "the next login is asked for a face");
    assert_eq!(h.stock_of(p.id).await, Decimal::from(17));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_beyond_stock_is_refused_on_screen() {
    let mut h = Harness::new(|_| {}).await;
    let p = h.product("QR-7", "Bolt M8", 3, 0).await;
    h.log_in(Role::Operator).await;
    h.camera_connected().await;
    h.face_confirmed().await;
    h.scan("QR-7").await;
    h.tap(h.t(Text::Out)).await;
    h.tap("5").await;
    h.tap(h.t(Text::Continue)).await;
    let refusal = ui::i18n::trf(h.kiosk.language, Text::NotEnoughStock, &[("available", "3 dona")]);
    assert!(h.shows(&refusal), "the refusal says what is available");
    assert!(matches!(h.kiosk.screen, Screen::Product(_)));
    assert_eq!(h.stock_of(p.id).await, Decimal::from(3), "nothing saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_sees_no_in_or_out() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-8", "Shim", 4, 0).await;
    h.log_in(Role::Viewer).await;
    h.send(Message::Admin(ui::screen::admin::Message::Close)).await;
    h.scan("QR-8").await;
    assert!(matches!(h.kiosk.screen, Screen::Product(_)));
    assert!(h.shows("Shim"));
    assert!(!h.shows(h.t(Text::In)) && !h.shows(h.t(Text::Out)), "no IN/OUT for a viewer");
    assert!(h.shows(h.t(Text::ReadOnlyRole)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_timeout_returns_to_the_lock_screen() {
    let mut h = Harness::new(|c| c.session.timeout_secs = 1).await;
    h.product("QR-9", "Nut", 4, 0).await;
    // Listen to the Session actor the way the window's subscription does.
    let (tx, mut rx) = futures::channel::mpsc::channel(8);
    h.system.as_ref().unwrap().handles.session.do_send(actors::session::Subscribe(tx));
    h.log_in(Role::Operator).await;
    h.scan("QR-9").await;
    assert!(matches!(h.kiosk.screen, Screen::Product(_)));
    let event = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match rx.next().await {
                Some(e @ actors::session::SessionEvent::LoggedOut(_)) => return e,
                Some(_) => continue,
                None => panic!("session channel closed"),
            }
        }
    })
    .await
    .expect("the session times out");
    h.send(Message::Session(event)).await;
    assert!(matches!(h.kiosk.screen, Screen::Lock));
    assert!(h.kiosk.auth.is_none());
    assert!(h.shows(h.t(Text::ScanPrompt)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_code_shows_the_code() {
    let mut h = Harness::new(|_| {}).await;
    h.scan("NO-SUCH-42").await;
    assert!(matches!(h.kiosk.screen, Screen::Lock));
    let message = ui::i18n::trf(h.kiosk.language, Text::UnknownCode, &[("code", "NO-SUCH-42")]);
    assert!(h.shows(&message), "the message names the code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_creates_the_first_admin_on_screen() {
    use ui::screen::first_run;
    use ui::widget::form::FormMessage;
    let mut h = Harness::first_run().await;
    assert!(matches!(h.kiosk.screen, Screen::FirstRun(_)), "no admin yet: the first-run screen");
    async fn type_text(h: &mut Harness, s: &str) {
        for ch in s.chars() {
            h.send(Message::Key(actors::scanner::Key::typed(ch, std::time::Instant::now()))).await;
        }
    }
    type_text(&mut h, "boss").await;
    h.send(Message::FirstRun(first_run::Message::Form(FormMessage::Focus(1)))).await;
    type_text(&mut h, "kiosk-pass-1").await;
    h.send(Message::FirstRun(first_run::Message::Form(FormMessage::Focus(2)))).await;
    type_text(&mut h, "kiosk-pass-1").await;
    h.tap(h.t(Text::CreateAdmin)).await;
    let auth = h.kiosk.auth.clone().expect("logged in as the new admin");
    assert_eq!((auth.username.as_str(), auth.role), ("boss", Role::Admin));
    assert!(matches!(h.kiosk.screen, Screen::Admin(_)));
    assert!(h.shows(h.t(Text::TabUsers)), "an admin sees the users tab");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_shows_a_banner_blocks_movements_and_recovers() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-5", "Washer", 4, 0).await;
    h.log_in(Role::Operator).await;
    h.camera_connected().await;
    h.scan("QR-5").await;
    // What the Ledger's Ping answers when the server is gone.
    h.send(Message::DatabaseChecked(Err(models::Error::Unavailable("connection refused".into())))).await;
    let reason = ui::i18n::error_text(h.kiosk.language, &models::Error::Unavailable(String::new()));
    assert!(h.shows(&ui::i18n::trf(h.kiosk.language, Text::DatabaseDown, &[("reason", &reason)])), "a banner");
    assert!(!h.shows(h.t(Text::In)), "no IN/OUT while the database is down");
    // The reason follows a language switch: it is kept as a value, not as words.
    let language = h.kiosk.language;
    assert_ne!(language, Language::Russian);
    h.send(Message::SetLanguage(Language::Russian)).await;
    let russian = ui::i18n::error_text(Language::Russian, &models::Error::Unavailable(String::new()));
    assert!(h.shows(&ui::i18n::trf(Language::Russian, Text::DatabaseDown, &[("reason", &russian)])), "the banner in Russian");
    assert!(!h.shows(&ui::i18n::trf(Language::Russian, Text::DatabaseDown, &[("reason", &reason)])), "no reason left in the old language");
    h.send(Message::SetLanguage(language)).await;
    // The next tick retries at once; the database answers again and the banner goes.
    h.send(Message::Tick).await;
    assert!(matches!(h.kiosk.status.database, ui::status::Health::Ok));
    assert!(h.shows(h.t(Text::In)));
}

#[test]
fn face_events_map_to_the_screen_s_pixels_and_clock() {
    use actors::camera::{CameraEvent, FaceBox, PreviewFrame};
    let frame = PreviewFrame {
        width: 200,
        height: 100,
        rgba: vec![0u8; 200 * 100 * 4].into(),
        face: Some(FaceBox { x: 0.5, y: 0.25, width: 0.25, height: 0.5 }),
    };
    let FaceUpdate::Frame(p) = ui::face_link::from_camera_event(CameraEvent::Frame(frame)) else { panic!() };
    assert_eq!(p.face, Some(FaceRect { x: 100.0, y: 25.0, width: 50.0, height: 50.0 }));
    let now = chrono::Utc::now();
    let v = models::FaceVerification {
        id: 7,
        employee_id: 3,
        confidence: 0.9,
        station: "s".into(),
        created_at: now,
        expires_at: now + chrono::Duration::seconds(300),
    };
    let Some(FaceUpdate::Verified(v)) =
        ui::face_link::from_face_event(actors::face_recognizer::FaceEvent::Verified { verification: v, employee_name: "Aziz".into() })
    else {
        panic!()
    };
    assert_eq!((v.verification_id, v.employee_id, v.employee_name.as_str()), (7, 3, "Aziz"));
    assert!(v.remaining() > Duration::from_secs(295) && v.remaining() <= Duration::from_secs(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_exports_movements_as_csv_and_xlsx() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-E1", "Export me", 7, 0).await;
    h.log_in(Role::Admin).await;
    h.tap(h.t(Text::TabReports)).await;
    h.tap(h.t(Text::ExportCsvXlsx)).await;
    let dir = std::path::PathBuf::from(&h.system.as_ref().unwrap().handles.config.general.data_dir).join("exports");
    let files: Vec<_> = std::fs::read_dir(&dir).expect("an exports folder").map(|e| e.unwrap().path()).collect();
    let csv = files.iter().find(|p| p.extension().is_some_and(|e| e == "csv")).expect("a CSV file");
    assert!(files.iter().any(|p| p.extension().is_some_and(|e| e == "xlsx")), "an XLSX file beside it");
    let text = std::fs::read_to_string(csv).unwrap();
    assert!(text.starts_with("id,at,kind,quantity,unit,sku,product"), "{text}");
    assert!(text.contains("Export me") && text.contains(",in,7,"), "{text}");
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_backup_is_shown_in_its_tab_and_as_a_banner() {
    // The owner's login, which pg_dump uses, is refused by the server: the run fails, is
    // recorded through the application's login (which may record a failure, never a good run),
    // and the kiosk says so in the tab and, on every screen, as a banner.
    let mut h = Harness::with_broken_owner_login().await;
    h.log_in(Role::Admin).await;
    h.tap(h.t(Text::TabBackups)).await;
    assert!(h.shows(h.t(Text::BackupRunNow)));
    h.tap(h.t(Text::BackupRunNow)).await;
    let handles = h.system.as_ref().unwrap().handles.clone();
    let runs = handles.backup.send(actors::backup::ListBackups).await.unwrap().unwrap();
    let failed = runs.iter().find(|r| !r.is_ok()).expect("the failed run is recorded").clone();
    let lang = h.kiosk.language;
    let when = ui::format::date_time(lang, failed.finished_at);
    assert!(h.shows(&ui::i18n::trf(lang, Text::BackupFailedAt, &[("when", &when)])), "the tab lists the failed run");
    // The kiosk's periodic look at the backups table turns it into a banner, on every screen.
    h.send(Message::BackupsChecked(Ok(runs))).await;
    // The run's kind is stored with it and said in the kiosk's language, not pg_dump's English.
    assert_eq!(failed.problem, Some(models::backups::BackupProblem::DatabaseUnavailable), "{:?}", failed.error);
    let banner = "Oxirgi zaxira nusxa olinmadi: ma'lumotlar bazasiga ulanib bo'lmadi. Administratorga xabar bering.";
    assert_eq!(lang, Language::Uzbek);
    assert!(h.shows(banner), "a banner for everyone, in Uzbek");
    let row = format!("ma'lumotlar bazasiga ulanib bo'lmadi (texnik tafsilot: {})", failed.error.as_deref().unwrap());
    assert!(h.shows(&row), "the admin's tab keeps the technical detail");
    assert_eq!(h.kiosk.status.last_backup.as_deref(), Some(ui::i18n::trf(lang, Text::BackupFailedAt, &[("when", &when)]).as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camera_problem_is_said_in_the_user_s_language_and_blocks_movements() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-6", "Bolt", 4, 0).await;
    h.log_in(Role::Operator).await;
    h.camera_connected().await;
    let unplugged = actors::camera::CameraProblem::Stopped { at: "/dev/video0".into() };
    h.send(Message::FaceUpdate(FaceUpdate::CameraUnavailable(unplugged))).await;
    // Uzbek by default, the reason included — not the camera actor's English words.
    let said = "/dev/video0 tasvir bermay qo'ydi (kabel uzildimi?); qayta ulanmoqda";
    assert!(h.shows(&format!("✗ {}: {said}", h.t(Text::Camera))), "the lock screen's camera status");
    h.scan("QR-6").await;
    assert!(!h.shows(h.t(Text::In)), "no IN/OUT without a camera");
    assert!(h.shows(&ui::i18n::trf(h.kiosk.language, Text::MovementsBlocked, &[("reason", said)])), "the reason on the card");
}
