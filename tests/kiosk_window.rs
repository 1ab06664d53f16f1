//! The real kiosk window under Xvfb: it opens with its own database, takes a scan typed the way
//! a USB scanner types, and closes cleanly — by the window manager or by SIGTERM — leaving no
//! PostgreSQL process behind.

mod common;

use std::time::Duration;

use common::*;

fn start_kiosk(x: &XDisplay, data: &std::path::Path) -> std::process::Child {
    ombor()
        .env("DISPLAY", &x.name)
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
    x.scan("QR-000123");
    std::thread::sleep(Duration::from_millis(500));
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
