//! Pictures of the main screens for the README, drawn by the same renderer the window uses
//! (tiny-skia) on real actors and a throwaway database. Runs only when OMBOR_SCREENSHOT_DIR is
//! set (`scripts/screenshots.sh`); otherwise it returns at once.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::Harness;
use iced::Theme;
use models::Role;
use ui::face_link::{FaceUpdate, Hint};
use ui::i18n::{Language, Text};
use ui::widget::preview::{FaceRect, Preview};
use ui::Message;

fn save(h: &Harness, dir: &std::path::Path, name: &str) {
    let path = dir.join(name);
    let _ = std::fs::remove_file(path.with_extension("png"));
    let theme = h.kiosk.theme();
    let snapshot = h.simulator().snapshot(&theme).expect("draw the screen");
    assert!(snapshot.matches_image(&path).expect("write the PNG"));
    let _: &Theme = &theme;
}

fn save_at(h: &Harness, dir: &std::path::Path, name: &str, size: (f32, f32)) {
    let path = dir.join(format!("size-{}x{}-{name}", size.0, size.1));
    let _ = std::fs::remove_file(path.with_extension("png"));
    let snapshot = h.simulator_at(size).snapshot(&h.kiosk.theme()).expect("draw the screen");
    assert!(snapshot.matches_image(&path).expect("write the PNG"));
}

/// The first run, the card and the face screen on the two commonest small kiosk screens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_screens() {
    let Some(dir) = std::env::var_os("OMBOR_SCREENSHOT_DIR").map(PathBuf::from) else { return };
    std::fs::create_dir_all(&dir).unwrap();
    const SIZES: [(f32, f32); 2] = [(1024.0, 768.0), (1366.0, 768.0)];
    let mut h = Harness::first_run().await;
    for ch in "admin".chars() {
        h.send(Message::Key(actors::scanner::Key::typed(ch, std::time::Instant::now()))).await;
    }
    for size in SIZES {
        save_at(&h, &dir, "first-run", size);
    }
    drop(h);
    let mut h = Harness::new(|c| c.general.station = "ombor-1".into()).await;
    h.product("QR-000123", "Oʻgʻit — Ўғит, 50 kg", 40, 25).await;
    h.log_in(Role::Operator).await;
    h.camera_connected().await;
    h.scan("QR-000123").await;
    for size in SIZES {
        save_at(&h, &dir, "card", size);
    }
    h.tap(h.t(Text::In)).await;
    h.tap("5").await;
    h.tap(h.t(Text::Continue)).await;
    if let Some(face) = std::env::var_os("OMBOR_SCREENSHOT_FACE") {
        let frame = Preview { width: 480, height: 360, image: iced::widget::image::Handle::from_path(face), face: None };
        let frame = Preview { face: Some(FaceRect { x: 150.0, y: 70.0, width: 180.0, height: 200.0 }), ..frame };
        h.send(Message::FaceUpdate(FaceUpdate::Frame(frame))).await;
    }
    h.send(Message::FaceUpdate(FaceUpdate::Progress { done: 2, needed: 3, hint: Some(Hint::Good) })).await;
    let _ = h.simulator().snapshot(&h.kiosk.theme());
    tokio::time::sleep(Duration::from_millis(300)).await;
    for size in SIZES {
        save_at(&h, &dir, "face", size);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_screens() {
    let Some(dir) = std::env::var_os("OMBOR_SCREENSHOT_DIR").map(PathBuf::from) else { return };
    std::fs::create_dir_all(&dir).unwrap();
    let mut h = Harness::new(|c| c.general.station = "ombor-1".into()).await;
    h.product("QR-000123", "Qog'oz A4, 500 varaq", 40, 25).await;
    h.product("QR-000777", "Bolt M8×40", 1250, 100).await;

    save(&h, &dir, "01-lock");
    h.scan("QR-404").await;
    save(&h, &dir, "02-unknown-code");

    h.send(Message::OpenLogin).await;
    for ch in "operator".chars() {
        h.send(Message::Key(actors::scanner::Key::typed(ch, std::time::Instant::now()))).await;
    }
    save(&h, &dir, "03-login");
    h.log_in(Role::Operator).await;
    h.camera_connected().await;

    h.scan("QR-000123").await;
    save(&h, &dir, "04-product-card");
    h.tap(h.t(Text::Out)).await;
    h.tap("3").await;
    h.tap("0").await;
    save(&h, &dir, "05-quantity-keypad");
    h.tap("0").await;
    h.tap(h.t(Text::Continue)).await;
    save(&h, &dir, "06-out-beyond-stock-refused");
    for _ in 0..3 {
        h.tap("⌫").await;
    }
    h.tap("2").await;
    h.tap("0").await;
    h.tap(h.t(Text::Continue)).await;

    // The face screen, with a frame as the Camera actor sends it (a fixture face, scaled up).
    if let Some(face) = std::env::var_os("OMBOR_SCREENSHOT_FACE") {
        let frame = Preview { width: 480, height: 360, image: iced::widget::image::Handle::from_path(face), face: None };
        let frame = Preview { face: Some(FaceRect { x: 150.0, y: 70.0, width: 180.0, height: 200.0 }), ..frame };
        h.send(Message::FaceUpdate(FaceUpdate::Frame(frame))).await;
    }
    h.send(Message::FaceUpdate(FaceUpdate::Progress { done: 2, needed: 3, hint: Some(Hint::Good) })).await;
    // Let the image decode (the renderer loads it on the first draw).
    let _ = h.simulator().snapshot(&h.kiosk.theme());
    tokio::time::sleep(Duration::from_millis(300)).await;
    save(&h, &dir, "07-face");
    h.face_confirmed().await;
    save(&h, &dir, "08-confirmation-low-stock");

    h.tap(h.t(Text::Done)).await;
    h.scan("QR-000777").await;
    h.send(Message::SetLanguage(Language::Russian)).await;
    h.send(Message::ToggleTheme).await;
    save(&h, &dir, "09-card-russian-dark-face-still-valid");
    h.send(Message::ToggleTheme).await;
    h.send(Message::SetLanguage(Language::English)).await;

    h.send(Message::Logout).await;
    h.log_in(Role::Admin).await;
    save(&h, &dir, "10-admin-products");
    h.tap(h.t(Text::TabReports)).await;
    save(&h, &dir, "11-admin-reports-chart");
    h.tap(h.t(Text::TabUsers)).await;
    save(&h, &dir, "12-admin-users");

    // The worker's guide, from the lock screen's help button.
    h.send(Message::Logout).await;
    h.send(Message::SetLanguage(Language::Uzbek)).await;
    h.send(Message::OpenHelp).await;
    save(&h, &dir, "13-help");
}

/// The products tab's Django import: the files on a USB stick, the dry run, the bar while it
/// runs, the report — with the test project's database made by Django (tests/fixtures/django).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_import() {
    let Some(dir) = std::env::var_os("OMBOR_SCREENSHOT_DIR").map(PathBuf::from) else { return };
    std::fs::create_dir_all(&dir).unwrap();
    let work = tempfile::tempdir().unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/django/generate.sh");
    let made = std::process::Command::new(&script).args(["sqlite", work.path().join("django").to_str().unwrap()]).status().unwrap();
    assert!(made.success(), "Django could not build the test database");
    // A short, stable path in the pictures (the folder a stick is mounted in looks like this).
    let media = std::env::temp_dir().join("ombor-screenshots").join("media");
    let _ = std::fs::remove_dir_all(&media);
    let stick = media.join("kassir/SKLAD_2024");
    std::fs::create_dir_all(&stick).unwrap();
    let file = stick.join("db.sqlite3");
    std::fs::copy(work.path().join("django/db.sqlite3"), &file).unwrap();
    std::fs::copy(&file, stick.join("eski-nusxa-2023.sqlite3")).unwrap();
    let search = media.display().to_string();
    let mut h = Harness::new(move |c| {
        c.general.station = "ombor-1".into();
        c.import.search_dirs = vec![search];
    })
    .await;
    h.log_in(Role::Admin).await;
    h.tap(h.t(Text::DjOpen)).await;
    save(&h, &dir, "14-admin-django-files");
    h.tap("db.sqlite3").await;
    save(&h, &dir, "15-admin-django-dry-run");
    save_at(&h, &dir, "django-dry-run", (1024.0, 768.0));
    h.tap(h.t(Text::DjImportNow)).await;
    save(&h, &dir, "17-admin-django-report");
    save_at(&h, &dir, "django-report", (1024.0, 768.0));
    // The bar while it runs: a run started and not driven, with the actor's report of the
    // moment it reads the history.
    h.tap(h.t(Text::Done)).await;
    h.tap(h.t(Text::DjOpen)).await;
    let pick = Message::Admin(ui::screen::admin::Message::Products(ui::screen::admin::products::Message::Django(
        ui::screen::admin::django_import::Message::Pick(file.clone()),
    )));
    let _not_driven = h.kiosk.update(pick);
    let progress = actors::ledger::ImportProgress { phase: actors::ledger::ImportPhase::Reading("sklad_harakat".into()), fraction: 0.43 };
    h.send(Message::Admin(ui::screen::admin::Message::Products(ui::screen::admin::products::Message::Django(
        ui::screen::admin::django_import::Message::Progress(progress),
    ))))
    .await;
    save(&h, &dir, "16-admin-django-progress");
}
