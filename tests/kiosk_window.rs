//! The real kiosk window under Xvfb: it opens with its own database, takes a scan typed the way
//! a USB scanner types, and closes cleanly — by the window manager or by SIGTERM — leaving no
//! PostgreSQL process behind.

mod common;

use std::time::Duration;

use common::*;

fn start_kiosk(x: &XDisplay, data: &std::path::Path) -> std::process::Child {
    ombor()
        .env("DISPLAY", &x.name)
        // No webcam on a test machine: the kiosk runs without a camera (and says so).
        .env("OMBOR_CAMERA_SOURCE", "")
        .env("OMBOR_DATA_DIR", data)
        .env("OMBOR_UI_FULLSCREEN", "false")
        .env("OMBOR_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(data.join("kiosk.stderr")).unwrap())
        .spawn()
        .unwrap()
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

/// Runs `ombor` with a password on stdin and checks it succeeded.
fn ombor_with_password(data: &std::path::Path, args: &[&str], stdin: &str) {
    use std::io::Write;
    let mut child = ombor()
        .args(args)
        .env("OMBOR_DATA_DIR", data)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
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

    x.scan("QR-000123");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !log(data.path()).contains("product card shown") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
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
