//! The real kiosk window under Xvfb: it opens with its own database, takes a scan typed the way
//! a USB scanner types, and closes cleanly — by the window manager or by SIGTERM — leaving no
//! PostgreSQL process behind.

mod common;

use std::time::Duration;

use common::*;
use models::testing::face_fixture_people;
use ui::i18n::{tr, Language, Text};

fn start_kiosk(x: &XDisplay, data: &std::path::Path) -> std::process::Child {
    // No webcam on a test machine: the kiosk runs without a camera (and says so).
    start_kiosk_with_camera(x, data, "")
}

/// `camera`: the camera source (an image sequence pattern here).
fn start_kiosk_with_camera(x: &XDisplay, data: &std::path::Path, camera: &str) -> std::process::Child {
    ombor()
        .env("DISPLAY", &x.name)
        .env("OMBOR_CAMERA_SOURCE", camera)
        .env("OMBOR_DATA_DIR", data)
        .env("OMBOR_UI_FULLSCREEN", "false")
        .env("OMBOR_LOG", "info")
        .env("OMBOR_UI_TEXT_MAP", data.join("text-map.txt"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(data.join("kiosk.stderr")).unwrap())
        .spawn()
        .unwrap()
}

/// The texts the kiosk shows and where (its `OMBOR_UI_TEXT_MAP` file): (centre x, centre y, text).
fn text_map(data: &std::path::Path) -> Vec<(u32, u32, String)> {
    let map = std::fs::read_to_string(data.join("text-map.txt")).unwrap_or_default();
    map.lines()
        .skip(1)
        .filter_map(|l| {
            let mut parts = l.splitn(5, ' ');
            let mut n = || parts.next()?.parse::<f32>().ok();
            let (x, y, w, h) = (n()?, n()?, n()?, n()?);
            Some(((x + w / 2.0) as u32, (y + h / 2.0) as u32, parts.next()?.to_string()))
        })
        .collect()
}

/// Taps the text `label` where the kiosk shows it (the last one drawn if there are several),
/// waiting until it is on screen. The window fills the screen from its top left corner.
fn tap_text(x: &XDisplay, data: &std::path::Path, label: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some((cx, cy, _)) = text_map(data).into_iter().rfind(|(_, _, t)| t == label) {
            x.tap(cx, cy);
            std::thread::sleep(Duration::from_millis(250));
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{label:?} is not on screen; texts: {:?}", text_map(data));
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn log(data: &std::path::Path) -> String {
    std::fs::read_to_string(data.join("kiosk.stderr")).unwrap_or_default()
}

#[test]
fn the_kiosk_opens_scans_and_closes_without_leaving_postgres() {
    let x = XDisplay::start();
    let data = data_dir();
    let mut kiosk = start_kiosk(&x, data.path());
    assert!(x.wait_for_window("Ombor Nazorat", Duration::from_secs(60)), "no window; log:\n{}", log(data.path()));
    assert!(!postgres_processes_under(data.path()).is_empty(), "the embedded cluster runs while the kiosk is open");
    // Keystrokes typed before the window manager has given the new window focus are lost, as a
    // real scan would be: scan again (like a worker would) until it arrives, on a loaded machine too.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    'scan: while std::time::Instant::now() < deadline {
        x.scan("QR-000123");
        for _ in 0..30 {
            if log(data.path()).contains("code scanned") {
                break 'scan;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    if let Ok(dir) = std::env::var("OMBOR_SCREENSHOT_DIR") {
        x.screenshot(&std::path::Path::new(&dir).join("lock.png"));
    }
    assert!(log(data.path()).contains("code scanned"), "the scan reached the Scanner actor; log:\n{}", log(data.path()));

    // Closed by the window manager, as a person closes it.
    assert!(x.cmd("wmctrl").args(["-c", "Ombor Nazorat"]).status().unwrap().success());
    let status = wait_with_deadline(&mut kiosk, Duration::from_secs(30)).expect("the kiosk exits after its window is closed");
    assert!(status.success(), "{status}; log:\n{}", log(data.path()));
    assert!(postgres_processes_under(data.path()).is_empty(), "{:?}", postgres_processes_under(data.path()));
}

#[test]
fn sigterm_closes_the_kiosk_cleanly() {
    let x = XDisplay::start();
    let data = data_dir();
    let mut kiosk = start_kiosk(&x, data.path());
    assert!(x.wait_for_window("Ombor Nazorat", Duration::from_secs(60)), "no window; log:\n{}", log(data.path()));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(kiosk.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = wait_with_deadline(&mut kiosk, Duration::from_secs(30)).expect("the kiosk exits on SIGTERM");
    assert!(status.success(), "{status}; log:\n{}", log(data.path()));
    assert!(log(data.path()).contains("stopped the embedded PostgreSQL cluster"));
    assert!(postgres_processes_under(data.path()).is_empty());
}

/// Runs `ombor` with a password on stdin and checks it succeeded; returns its stdout.
fn ombor_with_password(data: &std::path::Path, args: &[&str], stdin: &str) -> String {
    let mut cmd = ombor();
    cmd.args(args).env("OMBOR_DATA_DIR", data);
    let (ok, out, err) = run_with_stdin(cmd, stdin);
    assert!(ok, "{args:?}: {err}");
    out
}

/// Resident memory of a process, in MiB (from /proc).
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

#[test]
fn a_scanned_code_shows_its_product_card_and_an_unknown_code_says_so() {
    let x = XDisplay::start();
    let data = data_dir();
    ombor_with_password(data.path(), &["user", "add", "--username", "boss", "--role", "admin", "--password-stdin"], "boss-password-1\n");
    ombor_with_password(
        data.path(),
        &[
            "product",
            "add",
            "--sku",
            "CEM-50",
            "--qr",
            "QR-000123",
            "--name",
            "Sement 50 kg",
            "--unit",
            "box",
            "--min-stock",
            "10",
            "--user",
            "boss",
            "--password-stdin",
        ],
        "boss-password-1\n",
    );
    let mut kiosk = start_kiosk(&x, data.path());
    assert!(x.wait_for_window("Ombor Nazorat", Duration::from_secs(60)), "no window; log:\n{}", log(data.path()));
    std::thread::sleep(Duration::from_millis(1500));
    let shots = std::env::var("OMBOR_SCREENSHOT_DIR").ok().map(std::path::PathBuf::from);
    if let Some(dir) = &shots {
        x.screenshot(&dir.join("window-lock.png"));
    }

    // Scanned until it arrives: keys before the window has focus (or while the face networks
    // load on a busy machine) are lost, as with a real scan.
    for _ in 0..10 {
        x.scan("QR-000123");
        if wait_for_log(data.path(), "product card shown", 1, Duration::from_secs(3)) {
            break;
        }
    }
    let text = log(data.path());
    let line = text.lines().find(|l| l.contains("product card shown")).unwrap_or_else(|| panic!("no product card; log:\n{text}"));
    assert!(line.contains("CEM-50"), "{line}");
    eprintln!("scan → product card: {line}");
    std::thread::sleep(Duration::from_millis(500));
    if let Some(dir) = &shots {
        x.screenshot(&dir.join("window-product-card.png"));
    }
    eprintln!("kiosk resident memory: {:.1} MiB", resident_mib(kiosk.id()));

    x.scan("NO-SUCH-CODE");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !log(data.path()).contains("unknown code") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(log(data.path()).contains("unknown code"), "log:\n{}", log(data.path()));
    std::thread::sleep(Duration::from_millis(500));
    if let Some(dir) = &shots {
        x.screenshot(&dir.join("window-unknown-code.png"));
    }

    assert!(x.cmd("wmctrl").args(["-c", "Ombor Nazorat"]).status().unwrap().success());
    let status = wait_with_deadline(&mut kiosk, Duration::from_secs(30)).expect("the kiosk exits after its window is closed");
    assert!(status.success(), "{status}; log:\n{}", log(data.path()));
}

/// Waits until the kiosk's log has `needle` (at least `count` times).
fn wait_for_log(data: &std::path::Path, needle: &str, count: usize, timeout: Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if log(data).matches(needle).count() >= count {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The whole worker flow in the real binary, as people do it: the operator logs in on the
/// on-screen login, a USB scanner types the code, the worker taps IN and a quantity, looks at
/// the camera (an image sequence of an enrolled employee's photo, 1280×720), and the movement
/// is in the database with the employee and the user. Taps go where the kiosk shows the words
/// (its text map; screenshots of each step are saved when OMBOR_SCREENSHOT_DIR is set).
#[test]
fn a_worker_records_an_in_movement_with_scan_face_and_taps() {
    let x = XDisplay::start();
    let data = data_dir();
    let d = data.path();
    ombor_with_password(d, &["user", "add", "--username", "boss", "--role", "admin", "--password-stdin"], "boss-password-1\n");
    ombor_with_password(
        d,
        &["user", "add", "--username", "ali", "--role", "operator", "--user", "boss", "--password-stdin"],
        "boss-password-1\nali-password-1\n",
    );
    ombor_with_password(
        d,
        &["product", "add", "--sku", "CEM-50", "--qr", "QR-000123", "--name", "Sement 50 kg", "--unit", "box", "--min-stock", "10"]
            .into_iter()
            .chain(["--user", "boss", "--password-stdin"])
            .collect::<Vec<_>>(),
        "boss-password-1\n",
    );
    // The first person of the face fixtures, under their folder's name.
    let (name, photos) = face_fixture_people().swap_remove(0);
    ombor_with_password(d, &["employee", "add", "--name", &name, "--user", "boss", "--password-stdin"], "boss-password-1\n");
    // Enrolled from five photos; the camera then shows the sixth, in a 720p room.
    let enrol = d.join("enrol");
    std::fs::create_dir(&enrol).unwrap();
    for p in &photos[..5] {
        std::fs::copy(p, enrol.join(p.file_name().unwrap())).unwrap();
    }
    ombor_with_password(
        d,
        &["employee", "enroll", "1", "--images", enrol.to_str().unwrap(), "--user", "boss", "--password-stdin"],
        "boss-password-1\n",
    );
    let frames = d.join("frames");
    std::fs::create_dir(&frames).unwrap();
    for i in 0..4 {
        let out = frames.join(format!("{i:03}.png"));
        let made = std::process::Command::new("convert")
            .arg(&photos[5])
            .args(["-resize", "320x320", "-background", "gray55", "-gravity", "center", "-extent", "1280x720"])
            .arg(&out)
            .status()
            .expect("ImageMagick's convert (scripts/setup.sh --test)");
        assert!(made.success());
    }

    let mut kiosk = start_kiosk_with_camera(&x, d, &frames.join("%03d.png").display().to_string());
    assert!(x.wait_for_window("Ombor Nazorat", Duration::from_secs(60)), "no window; log:\n{}", log(d));
    assert!(wait_for_log(d, "face recognizer ready", 1, Duration::from_secs(60)), "face models load; log:\n{}", log(d));
    assert!(wait_for_log(d, "camera connected", 1, Duration::from_secs(30)), "log:\n{}", log(d));
    let shots = std::env::var("OMBOR_SCREENSHOT_DIR").ok().map(std::path::PathBuf::from);
    let shot = |name: &str| {
        if let Some(dir) = &shots {
            std::thread::sleep(Duration::from_millis(400));
            x.screenshot(&dir.join(format!("flow-{name}.png")));
        }
    };

    // "Kirish" (log in), top right; until the login screen opens (the first tap can come
    // before the window manager has given the window the pointer).
    let mut opened = 0;
    while !wait_for_log(d, "screen=\"login\"", 1, Duration::from_secs(2)) && opened < 10 {
        tap_text(&x, d, tr(Language::Uzbek, Text::LogIn));
        opened += 1;
    }
    assert!(log(d).contains("screen=\"login\""), "log:\n{}", log(d));
    // A typo put right with the desk keyboard's Backspace, in both fields.
    x.type_slowly("alx");
    x.key("BackSpace");
    x.type_slowly("i");
    x.key("Return"); // Enter in the name field goes on to the password field
    x.type_slowly("ali-password-1z");
    x.key("BackSpace");
    shot("login");
    x.key("Return");
    assert!(wait_for_log(d, "logged in on the kiosk", 1, Duration::from_secs(20)), "log:\n{}", log(d));

    // Scanned until it arrives (keys before the window has focus are lost, as with a real scan).
    for _ in 0..10 {
        x.scan("QR-000123");
        if wait_for_log(d, "product card shown", 1, Duration::from_secs(3)) {
            break;
        }
    }
    assert!(log(d).contains("product card shown"), "log:\n{}", log(d));
    shot("product");
    tap_text(&x, d, tr(Language::Uzbek, Text::In));
    std::thread::sleep(Duration::from_millis(500));
    tap_text(&x, d, "1");
    tap_text(&x, d, "7");
    shot("quantity");
    tap_text(&x, d, tr(Language::Uzbek, Text::Continue));
    assert!(wait_for_log(d, "screen=\"face\"", 1, Duration::from_secs(10)), "log:\n{}", log(d));
    assert!(
        wait_for_log(d, "movement saved", 1, Duration::from_secs(30)),
        "the face was confirmed and the movement saved; log:\n{}",
        log(d)
    );
    shot("saved");
    eprintln!("kiosk resident memory after the movement: {:.1} MiB", resident_mib(kiosk.id()));

    assert!(x.cmd("wmctrl").args(["-c", "Ombor Nazorat"]).status().unwrap().success());
    let status = wait_with_deadline(&mut kiosk, Duration::from_secs(30)).expect("the kiosk exits after its window is closed");
    assert!(status.success(), "{status}; log:\n{}", log(d));

    // The database's answer: one IN of 17 by the enrolled person (face) and ali (login).
    let out = ombor_with_password(d, &["movement", "list", "--user", "boss", "--password-stdin", "--json"], "boss-password-1\n");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    let movements = list.as_array().expect("a list");
    assert_eq!(movements.len(), 1, "{list}");
    let m = &movements[0];
    assert_eq!((m["kind"].as_str(), m["quantity"].as_str()), (Some("in"), Some("17")), "{m}");
    assert_eq!(
        (m["employee_name"].as_str(), m["username"].as_str(), m["sku"].as_str()),
        (Some(name.as_str()), Some("ali"), Some("CEM-50"))
    );
}

/// The `ms` field of a "product card shown" log line (scan → card).
fn card_ms(line: &str) -> f64 {
    line.split("ms=")
        .nth(1)
        .and_then(|r| r.trim_start_matches('"').split(['"', ' ']).next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// What a USB scanner really sends — physical key codes through XTest, Shift for capitals — under
/// the Russian and the Uzbek Cyrillic XKB layouts and with Caps Lock on: the card of QR-0001
/// shows every time, read by the Scanner from the physical keys (not recovered afterwards from
/// Cyrillic text by the ledger's fallback, which the log would name).
#[test]
fn a_scan_shows_its_card_under_the_russian_and_uzbek_layouts_and_with_caps_lock() {
    let x = XDisplay::start();
    let data = data_dir();
    let d = data.path();
    ombor_with_password(d, &["user", "add", "--username", "boss", "--role", "admin", "--password-stdin"], "boss-password-1\n");
    ombor_with_password(
        d,
        &["product", "add", "--sku", "CEM-50", "--qr", "QR-0001", "--name", "Sement 50 kg", "--user", "boss", "--password-stdin"],
        "boss-password-1\n",
    );
    x.set_layout("ru");
    let mut kiosk = start_kiosk(&x, d);
    assert!(x.wait_for_window("Ombor Nazorat", Duration::from_secs(60)), "no window; log:\n{}", log(d));
    std::thread::sleep(Duration::from_millis(1500));
    let mut figures = Vec::new();
    for (i, (layout, caps)) in [("ru", false), ("uz", false), ("ru", true), ("uz", true), ("us", false)].into_iter().enumerate() {
        x.set_layout(layout);
        if caps {
            x.tap_keycode(CAPS_LOCK);
        }
        // Keys sent before the window has focus are lost, as a real scan would be: scan again.
        let mut shown = false;
        for _ in 0..10 {
            x.scan_keycodes("QR-0001");
            if wait_for_log(d, "product card shown", i + 1, Duration::from_secs(3)) {
                shown = true;
                break;
            }
        }
        if caps {
            x.tap_keycode(CAPS_LOCK);
        }
        let text = log(d);
        assert!(shown, "{layout} (Caps Lock {caps}): no product card; log:\n{text}");
        let line = text.lines().filter(|l| l.contains("product card shown")).nth(i).unwrap().to_string();
        assert!(line.contains("CEM-50"), "{line}");
        figures.push(format!("{layout}{}: {:.1} ms", if caps { " + Caps Lock" } else { "" }, card_ms(&line)));
    }
    let text = log(d);
    assert!(!text.contains("mapping a Cyrillic keyboard layout"), "the Scanner itself read the keys; log:\n{text}");
    eprintln!("scan → product card under each layout: {}", figures.join(", "));

    assert!(x.cmd("wmctrl").args(["-c", "Ombor Nazorat"]).status().unwrap().success());
    let status = wait_with_deadline(&mut kiosk, Duration::from_secs(30)).expect("the kiosk exits after its window is closed");
    assert!(status.success(), "{status}; log:\n{}", log(d));
}

/// Taps each key of the on-screen keyboard (or keypad) by its label. After "⇧" the keyboard
/// shows capitals: the next key is found by its capital.
fn tap_keys(x: &XDisplay, data: &std::path::Path, keys: &[&str]) {
    let mut shifted = false;
    for k in keys {
        let label: String = if shifted {
            let mut c = k.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
        } else {
            k.to_string()
        };
        tap_text(x, data, &label);
        shifted = *k == "⇧";
    }
}

/// Waits until the kiosk shows `label`.
fn shows(data: &std::path::Path, label: &str, timeout: Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if text_map(data).iter().any(|(_, _, t)| t == label) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Touch only, on a 1366×768 screen: the first admin is created, logs out and in again, adds
/// the product `Oʻgʻit — Ўғит` and an employee — every character tapped on the on-screen
/// keyboard (its Uzbek Latin and Uzbek Cyrillic layouts), nothing typed on a keyboard. Then a
/// person types into the product search under the Russian layout and gets Cyrillic.
#[test]
fn a_first_admin_adds_a_product_and_an_employee_by_taps_alone_at_1366x768() {
    let x = XDisplay::start_sized(1366, 768);
    let data = data_dir();
    let d = data.path();
    let mut kiosk = start_kiosk(&x, d);
    assert!(x.wait_for_window("Ombor Nazorat", Duration::from_secs(60)), "no window; log:\n{}", log(d));
    let uz = |t: Text| tr(Language::Uzbek, t);
    let input = |t: Text| format!("[input] {}", uz(t));
    let shots = std::env::var("OMBOR_SCREENSHOT_DIR").ok().map(std::path::PathBuf::from);
    let shot = |name: &str| {
        if let Some(dir) = &shots {
            std::thread::sleep(Duration::from_millis(400));
            x.screenshot(&dir.join(format!("touch-1366x768-{name}.png")));
        }
    };
    assert!(shows(d, uz(Text::CreateAdmin), Duration::from_secs(60)), "the first run screen; texts: {:?}", text_map(d));
    let password = ["b", "o", "s", "s", "-", "p", "a", "s", "s", "-", "1"];

    // The first admin: the name field is chosen already; the labels choose the others.
    tap_keys(&x, d, &["b", "o", "s", "s"]);
    tap_text(&x, d, uz(Text::Password));
    tap_keys(&x, d, &password);
    tap_text(&x, d, uz(Text::RepeatPassword));
    tap_keys(&x, d, &password);
    shot("first-run");
    tap_text(&x, d, uz(Text::CreateAdmin));
    assert!(wait_for_log(d, "first admin created from the kiosk", 1, Duration::from_secs(30)), "log:\n{}", log(d));
    assert!(wait_for_log(d, "logged in on the kiosk", 1, Duration::from_secs(30)), "log:\n{}", log(d));

    // Out and in again, by taps.
    tap_text(&x, d, uz(Text::LogOut));
    tap_text(&x, d, uz(Text::LogIn));
    assert!(wait_for_log(d, "screen=\"login\"", 1, Duration::from_secs(10)), "log:\n{}", log(d));
    tap_keys(&x, d, &["b", "o", "s", "s"]);
    tap_text(&x, d, uz(Text::Password));
    tap_keys(&x, d, &password);
    tap_text(&x, d, uz(Text::LogIn));
    assert!(wait_for_log(d, "logged in on the kiosk", 2, Duration::from_secs(30)), "log:\n{}", log(d));

    // A product named in both Uzbek scripts.
    tap_text(&x, d, uz(Text::AddProduct));
    tap_text(&x, d, &input(Text::Sku));
    tap_keys(&x, d, &["⇧", "o", "⇧", "g", "-", "1"]);
    tap_text(&x, d, &input(Text::QrCode));
    tap_keys(&x, d, &["⇧", "q", "⇧", "r", "-", "7", "7"]);
    tap_text(&x, d, &input(Text::Name));
    tap_keys(&x, d, &["⇧", "oʻ", "gʻ", "i", "t", "‿", "—", "‿", "Ўз", "⇧", "ў", "ғ", "и", "т", "Oʻz"]);
    tap_text(&x, d, &input(Text::MinStock));
    tap_keys(&x, d, &["5"]);
    shot("product-form");
    tap_text(&x, d, uz(Text::Save));
    assert!(shows(d, "Oʻgʻit — Ўғит", Duration::from_secs(10)), "the product is listed; texts: {:?}", text_map(d));

    // An employee.
    tap_text(&x, d, uz(Text::TabEmployees));
    tap_text(&x, d, &input(Text::FullName));
    tap_keys(&x, d, &["⇧", "a", "l", "i", "‿", "⇧", "v", "a", "l", "i", "y", "e", "v"]);
    tap_text(&x, d, uz(Text::AddEmployee));
    assert!(shows(d, "Ali Valiyev", Duration::from_secs(10)), "the employee is listed; texts: {:?}", text_map(d));
    shot("employees");

    // A person at a physical keyboard with the Russian layout types into the search: Cyrillic.
    tap_text(&x, d, uz(Text::TabProducts));
    tap_text(&x, d, &input(Text::SearchProducts));
    x.set_layout("ru");
    let keys: Vec<String> = "ghbdtn"
        .chars()
        .flat_map(|c| {
            let (code, _) = us_keycode(c).unwrap();
            [format!("+{code}"), format!("-{code}")]
        })
        .collect();
    x.xtest(&keys);
    assert!(shows(d, "[input] привет", Duration::from_secs(10)), "the search has what the ru layout types; texts: {:?}", text_map(d));
    x.set_layout("us");

    assert!(x.cmd("wmctrl").args(["-c", "Ombor Nazorat"]).status().unwrap().success());
    let status = wait_with_deadline(&mut kiosk, Duration::from_secs(30)).expect("the kiosk exits after its window is closed");
    assert!(status.success(), "{status}; log:\n{}", log(d));

    // The database's answer.
    let product = ombor_with_password(d, &["stock", "OG-1", "--json"], "");
    let product: serde_json::Value = serde_json::from_str(&product).unwrap();
    assert_eq!(product["name"].as_str(), Some("Oʻgʻit — Ўғит"), "{product}");
    assert_eq!(product["qr_code"].as_str(), Some("QR-77"), "{product}");
    let employees = ombor_with_password(d, &["employee", "list", "--json"], "");
    assert!(employees.contains("Ali Valiyev"), "{employees}");
}
