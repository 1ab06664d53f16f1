//! Every kiosk and admin screen at the five screen sizes kiosks here have — 1024×768, 1280×800,
//! 1366×768, 1920×1080 and a portrait 1080×1920 — drawn by the real view: every text on screen
//! has room (a widget squeezed out of its place is laid out 0 px wide or high) and lies inside
//! the window (or inside a scrollable list that is), and every key of the on-screen keyboard and
//! of the keypad can be found and tapped.

mod common;

use common::Harness;
use iced::Rectangle;
use iced_test::selector::Candidate;
use models::Role;
use ui::i18n::Text;
use ui::Message;

const SIZES: [(f32, f32); 5] = [(1024.0, 768.0), (1280.0, 800.0), (1366.0, 768.0), (1920.0, 1080.0), (1080.0, 1920.0)];

fn inside(outer: Rectangle, inner: Rectangle) -> bool {
    const SLACK: f32 = 0.5;
    inner.x >= outer.x - SLACK
        && inner.y >= outer.y - SLACK
        && inner.x + inner.width <= outer.x + outer.width + SLACK
        && inner.y + inner.height <= outer.y + outer.height + SLACK
}

/// Texts that stick out of the window (and are not in a scrollable that is inside it).
fn cut_off(h: &Harness, size: (f32, f32)) -> Vec<String> {
    let window = Rectangle { x: 0.0, y: 0.0, width: size.0, height: size.1 };
    let mut texts = Vec::new();
    let mut scrollables = Vec::new();
    let mut ui = h.simulator_at(size);
    let _ = ui.find(|c: Candidate<'_>| {
        match c {
            Candidate::Text { content, bounds, .. } => texts.push((content.to_string(), bounds)),
            Candidate::Scrollable { bounds, .. } => scrollables.push(bounds),
            _ => {}
        }
        None::<()>
    });
    assert!(!texts.is_empty(), "nothing drawn at {size:?}");
    if std::env::var_os("LAYOUT_DEBUG").is_some() {
        for (t, b) in &texts {
            eprintln!("{size:?} {t:?} {:.0},{:.0} {:.0}x{:.0}", b.x, b.y, b.width, b.height);
        }
    }
    texts
        .into_iter()
        .filter(|(t, b)| {
            // Squeezed out of its place (a key with no room left is laid out 0 px high), or
            // outside the window and not in a scrollable list that is inside it.
            let squeezed = !t.is_empty() && (b.width < 1.0 || b.height < 1.0);
            let outside = !inside(window, *b) && !scrollables.iter().any(|s| inside(window, *s) && b.y >= s.y - 0.5 && b.x >= s.x - 0.5);
            squeezed || outside
        })
        .map(|(t, b)| format!("{t:?} at {:.0},{:.0} {:.0}×{:.0}", b.x, b.y, b.width, b.height))
        .collect()
}

fn check(h: &Harness, screen: &str, failures: &mut Vec<String>) {
    for size in SIZES {
        let cut = cut_off(h, size);
        if !cut.is_empty() {
            failures.push(format!("{screen} at {}×{}: {}", size.0, size.1, cut.join("; ")));
        }
    }
}

/// Taps `label` in a window of `size` and says whether that did anything.
fn tappable(h: &Harness, size: (f32, f32), label: &str) -> bool {
    let mut ui = h.simulator_at(size);
    ui.click(label).is_ok() && ui.into_messages().next().is_some()
}

fn failed_backup() -> models::backups::BackupRecord {
    let now = chrono::Utc::now();
    models::backups::BackupRecord {
        id: 1,
        started_at: now,
        finished_at: now,
        status: models::backups::BackupStatus::Failed,
        file: None,
        bytes: None,
        sha256: None,
        error: Some("No space left on device (the backup folder's disk is full)".into()),
        problem: Some(models::backups::BackupProblem::NotEnoughSpace),
        pg_dump_version: None,
        server_version: None,
        station: "ombor-1".into(),
        user_id: None,
        removed: Vec::new(),
        mirror: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_fits_every_kiosk_screen_size() {
    let mut failures = Vec::new();

    // First run: the on-screen keyboard whole, every key tappable, in all three layouts.
    let mut h = Harness::first_run().await;
    // The check itself sees a screen too small for the keyboard (640×480 is no kiosk here).
    assert!(!cut_off(&h, (640.0, 480.0)).is_empty(), "the check finds nothing cut off even at 640×480");
    check(&h, "first run", &mut failures);
    for layout in ["Oʻz", "Ўз", "Ру"] {
        h.tap(layout).await;
        check(&h, &format!("first run, keyboard {layout}"), &mut failures);
        let keys: Vec<&str> = match layout {
            "Oʻz" => vec!["q", "p", "oʻ", "a", "gʻ", "ʼ", "z", "ng", "1", "0", "⌫", "⇧", "‿", "—", "@", "_"],
            "Ўз" => vec!["й", "ў", "ъ", "ф", "қ", "э", "я", "ғ", "ҳ"],
            _ => vec!["й", "щ", "ъ", "ы", "э", "я", "ё"],
        };
        for size in SIZES {
            for k in &keys {
                if !tappable(&h, size, k) {
                    failures.push(format!("first run at {}×{}: key {k:?} cannot be tapped", size.0, size.1));
                }
            }
        }
    }
    drop(h);

    // No removable media of this machine in the Django import's list: only data_dir/import.
    let mut h = Harness::new(|c| c.import.search_dirs = vec![]).await;
    h.product("QR-000123", "Qog'oz A4, 500 varaq — juda uzun nomli mahsulot", 40, 25).await;
    check(&h, "lock", &mut failures);
    h.scan("QR-404").await;
    check(&h, "lock, unknown code", &mut failures);
    h.send(Message::OpenHelp).await;
    check(&h, "help", &mut failures);
    h.send(Message::Help(ui::screen::help::Message::Close)).await;
    h.send(Message::OpenLogin).await;
    check(&h, "login", &mut failures);
    h.send(Message::Login(ui::screen::login::Message::Cancel)).await;

    h.log_in(Role::Operator).await;
    h.camera_connected().await;
    h.scan("QR-000123").await;
    check(&h, "product card", &mut failures);
    h.tap(h.t(Text::Out)).await;
    check(&h, "quantity keypad", &mut failures);
    for size in SIZES {
        for k in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "⌫"] {
            if !tappable(&h, size, k) {
                failures.push(format!("keypad at {}×{}: key {k:?} cannot be tapped", size.0, size.1));
            }
        }
    }
    h.tap("5").await;
    h.tap(h.t(Text::Continue)).await;
    check(&h, "face", &mut failures);
    h.face_confirmed().await;
    check(&h, "confirmation", &mut failures);
    h.tap(h.t(Text::Done)).await;
    h.send(Message::Logout).await;

    h.log_in(Role::Admin).await;
    check(&h, "admin products", &mut failures);
    // The last backup failed: its banner stays on every screen and takes a line of height.
    h.send(Message::BackupsChecked(Ok(vec![failed_backup()]))).await;
    let opening = h.t(Text::BackupFailedBanner).split("{reason}").next().unwrap().to_string();
    let banner = h.simulator().find(|c: Candidate<'_>| match c {
        Candidate::Text { content, .. } if content.starts_with(&opening) => Some(()),
        _ => None,
    });
    assert!(banner.is_ok(), "the failed-backup banner is shown");
    h.tap(h.t(Text::AddProduct)).await;
    h.send(Message::Admin(ui::screen::admin::Message::Products(ui::screen::admin::products::Message::Focus(
        ui::screen::admin::products::Field::Form(2),
    ))))
    .await;
    check(&h, "admin product form with the keyboard", &mut failures);
    h.send(Message::Admin(ui::screen::admin::Message::Products(ui::screen::admin::products::Message::Focus(
        ui::screen::admin::products::Field::Form(4),
    ))))
    .await;
    check(&h, "admin product form with the numeric pad", &mut failures);
    for (tab, name) in
        [(Text::TabReports, "reports"), (Text::TabUsers, "users"), (Text::TabEmployees, "employees"), (Text::TabBackups, "backups")]
    {
        h.tap(h.t(tab)).await;
        check(&h, &format!("admin {name}"), &mut failures);
    }

    // The Django import: the files found, a dry run's report, the import's report.
    h.tap(h.t(Text::TabProducts)).await;
    let dir = h.system.as_ref().unwrap().handles.config.data_dir().join("import").join("SKLAD_FLESHKA");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("db.sqlite3");
    models::django::synthetic::write(&file, 60, 600).unwrap();
    h.tap(h.t(Text::DjOpen)).await;
    check(&h, "django import, files", &mut failures);
    h.tap("db.sqlite3").await;
    check(&h, "django import, dry run", &mut failures);
    h.tap(h.t(Text::DjImportNow)).await;
    check(&h, "django import, report", &mut failures);
    assert!(failures.is_empty(), "cut off:\n{}", failures.join("\n"));
}
