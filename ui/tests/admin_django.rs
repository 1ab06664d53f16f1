//! The products tab's Django import on the iced simulator, with real actors and a throwaway
//! database: the test project's db.sqlite3 (made by Django itself, tests/fixtures/django) is put
//! on a "USB stick" (a temp folder set as `import.search_dirs`), an admin opens products →
//! Django import, taps the file, reads the dry run, taps Import, watches the bar reach 100 % and
//! reads the report; the database then holds Django's products. A file cut short and a file
//! another program holds locked are refused in one sentence, and nothing is written.
//!
//! Django comes from PyPI (generate.sh makes a venv): without it this test FAILS, loudly.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::Harness;
use futures::StreamExt;
use iced_test::selector::Candidate;
use models::Role;
use serde_json::Value;
use ui::i18n::{trf, Text};
use ui::screen::admin::{self, django_import, products};
use ui::Message;

/// Django's own db.sqlite3 and its figures (expected.json), made by generate.sh into `out`.
fn django_fixture(out: &Path) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/django/generate.sh");
    let o = Command::new(&script).args(["sqlite", out.to_str().unwrap()]).output().expect("run tests/fixtures/django/generate.sh");
    assert!(
        o.status.success(),
        "Django could not build the test database (scripts/setup.sh --test installs it):\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("expected.json")).unwrap()).unwrap()
}

/// The first text on screen that contains `needle`.
fn text_containing(h: &Harness, needle: &str) -> Option<String> {
    let mut ui = h.simulator();
    let mut found = None;
    let _ = ui.find(|c: Candidate<'_>| {
        if let Candidate::Text { content, .. } = c {
            if found.is_none() && content.contains(needle) {
                found = Some(content.to_string());
            }
        }
        None::<()>
    });
    found
}

fn is_progress(m: &Message) -> Option<f32> {
    match m {
        Message::Admin(admin::Message::Products(products::Message::Django(django_import::Message::Progress(p)))) => Some(p.fraction),
        _ => None,
    }
}

async fn count(h: &Harness, sql: &str) -> i64 {
    h.db.owner_client().await.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_imports_a_django_database_from_a_usb_stick_and_watches_it_to_the_end() {
    let work = tempfile::tempdir().unwrap();
    let expected = django_fixture(&work.path().join("django"));
    // The stick, mounted as a desktop mounts it: <search dir>/<user>/<label>/.
    let media = work.path().join("media");
    let stick = media.join("kassir").join("SKLAD_2024");
    std::fs::create_dir_all(&stick).unwrap();
    let good = stick.join("db.sqlite3");
    std::fs::copy(work.path().join("django/db.sqlite3"), &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cut = stick.join("nusxa-chala.sqlite3");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let locked = stick.join("band.sqlite3");
    std::fs::copy(&good, &locked).unwrap();

    let search_dir = media.display().to_string();
    let mut h = Harness::new(move |c| c.import.search_dirs = vec![search_dir]).await;
    h.log_in(Role::Admin).await;
    let lang = h.kiosk.language;
    h.tap(h.t(Text::DjOpen)).await;
    for f in ["db.sqlite3", "nusxa-chala.sqlite3", "band.sqlite3"] {
        assert!(h.shows(f), "{f} is offered: no typing needed");
    }
    let folder = trf(lang, Text::DjFolder, &[("dir", &stick.display().to_string())]);
    assert!(h.shows(&folder), "with its folder: {folder}");

    // A copy cut short: one sentence naming the table that cannot be read; nothing written.
    h.tap("nusxa-chala.sqlite3").await;
    let said = text_containing(&h, "shikastlangan").unwrap_or_else(|| panic!("the damage is said: {:?}", text_containing(&h, ":")));
    assert!(said.contains(&cut.display().to_string()) && said.contains("jadval") && said.contains("sklad_"), "the file and its table are named: {said}");
    h.tap(h.t(Text::Back)).await;

    // A file the old system holds locked (a write in progress): said so, nothing written.
    let holder = rusqlite::Connection::open(&locked).unwrap();
    holder.execute_batch("PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE; DELETE FROM sklad_harakat;").unwrap();
    h.tap("band.sqlite3").await;
    let sentence = trf(lang, Text::DjLocked, &[("file", &locked.display().to_string())]);
    assert!(h.shows(&sentence), "the lock is said: {sentence}");
    drop(holder);
    h.tap(h.t(Text::Back)).await;
    assert_eq!(count(&h, "SELECT count(*) FROM products").await, 0, "nothing was written");

    // The dry run: what the file holds, table by table, and what it would import.
    h.tap("db.sqlite3").await;
    assert!(h.shows("sklad_tovar") && h.shows(&expected["products"].to_string()), "the per-table counts are shown");
    let would = text_containing(&h, &format!("{} {}", expected["products"], "mahsulot")).expect("the dry run's summary");
    assert!(would.starts_with("Tekshiruv"), "{would}");
    assert_eq!(count(&h, "SELECT count(*) FROM products").await, 0, "a dry run writes nothing");

    // Import: the bar moves to 100 %, then the report.
    let tap: Vec<Message> = {
        let mut ui = h.simulator();
        ui.click(h.t(Text::DjImportNow)).expect("the Import button");
        ui.into_messages().collect()
    };
    let started = Instant::now();
    let mut fractions = Vec::new();
    let mut saw_full_bar = false;
    for m in tap {
        let task = h.kiosk.update(m);
        let mut stream = iced_test::runtime::task::into_stream(task).expect("the import runs");
        while let Some(action) = tokio::time::timeout(Duration::from_secs(120), stream.next()).await.expect("the import finishes") {
            if let iced_test::runtime::Action::Output(m) = action {
                let progress = is_progress(&m);
                let follow = h.kiosk.update(m);
                h.run(follow).await;
                if let Some(f) = progress {
                    fractions.push(f);
                    if f >= 1.0 {
                        saw_full_bar = h.shows("100 %");
                    }
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!("the fixture imported through the UI in {secs:.2} s ({} progress reports)", fractions.len());
    assert!(fractions.len() >= 3, "progress is reported as it goes: {fractions:?}");
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "the bar only moves forward: {fractions:?}");
    assert_eq!(fractions.last(), Some(&1.0), "it reaches 100 %");
    assert!(saw_full_bar, "the screen showed 100 %");

    let imported = text_containing(&h, &format!("{} mahsulot", expected["products"])).expect("the report");
    assert!(imported.contains("soniyada import qilindi"), "{imported}");
    let must_enrol = text_containing(&h, "Xodim Aliyev A.").expect("who must enrol again");
    assert!(must_enrol.contains("Yuzini qaytadan"), "{must_enrol}");
    // Who needs a new password: the names, in the screen's language, no English left in.
    let new_password = text_containing(&h, "eski_argon").expect("who needs a new password");
    assert!(new_password.contains("yangi parol") && new_password.contains("eski_argon, yangi"), "{new_password}");
    assert!(!new_password.contains("hash") && !new_password.contains("usable"), "{new_password}");
    assert!(h.shows(h.t(Text::Done)));

    assert_eq!(count(&h, "SELECT count(*) FROM products").await, expected["products"].as_i64().unwrap(), "Django's products are here");
    assert_eq!(
        count(&h, "SELECT count(*) FROM movements WHERE origin = 'imported'").await,
        expected["movements"]["total"].as_i64().unwrap(),
        "and its history"
    );
    h.tap(h.t(Text::Done)).await;
    assert!(h.shows(h.t(Text::SearchProducts)), "back at the product list");
}
