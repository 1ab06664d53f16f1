//! Operations through the real `ombor` binary: doctor, systemd units, QR labels, demo data,
//! the support bundle.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;

const BOSS: &str = "boss-password-1\n";

/// An installation in a temp data dir with its embedded cluster running.
struct Kiosk {
    data: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Kiosk {
    fn new() -> Kiosk {
        let k = Kiosk { data: data_dir(), env: vec![] };
        run_ok(&mut k.cmd(&["db", "start"]));
        k
    }

    /// Adds the first admin, a category and a product: what a hand-over needs in the database.
    fn with_admin_and_product() -> Kiosk {
        let k = Kiosk::new();
        k.stdin(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin"], BOSS);
        k.stdin(&["category", "add", "Qurilish", "--user", "boss", "--password-stdin"], BOSS);
        k.stdin(
            &[
                "product",
                "add",
                "--sku",
                "SEM-001",
                "--qr",
                "QR-SEM-001",
                "--name",
                "Sement M400",
                "--category",
                "Qurilish",
                "--user",
                "boss",
                "--password-stdin",
            ],
            BOSS,
        );
        k
    }

    fn path(&self) -> &Path {
        self.data.path()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = ombor();
        c.args(args).env("OMBOR_DATA_DIR", self.data.path());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self.cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// What a healthy kiosk has outside the database: a camera, a face model, a fresh backup.
    fn make_healthy_files(&mut self) {
        // A camera stand-in the camera actor opens like a webcam: an image sequence.
        let frames = self.path().join("frames");
        std::fs::create_dir_all(&frames).unwrap();
        for i in 0..3 {
            let st = Command::new("convert").args(["-size", "640x480", "xc:gray50"]).arg(frames.join(format!("{i:03}.png"))).status();
            assert!(st.expect("imagemagick (setup.sh --test) is installed").success());
        }
        let camera = frames.join("%03d.png");
        std::fs::write(self.path().join("model.yml"), "%YAML:1.0\nopencv_lbphfaces: {}\n").unwrap();
        let backups = self.path().join("backups");
        std::fs::create_dir_all(&backups).unwrap();
        write_backup(&backups, &chrono::Local::now().format("%Y%m%d_%H%M%S").to_string());
        self.env.push(("OMBOR_CAMERA_SOURCE".into(), camera.display().to_string()));
    }

    /// `ombor doctor --non-interactive --json` → (exit success, report).
    fn doctor(&self, extra_env: &[(&str, &str)]) -> (bool, serde_json::Value) {
        let mut c = self.cmd(&["doctor", "--non-interactive", "--json", "--lang", "en"]);
        for (k, v) in extra_env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        (out.status.success(), json(&out))
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        let _ = self.cmd(&["db", "stop"]).output();
    }
}

/// A dump named like the backup actor names them, with its sha256sum file.
fn write_backup(dir: &Path, stamp: &str) -> PathBuf {
    let dump = dir.join(format!("ombor_nazorat_{stamp}.sql"));
    std::fs::write(&dump, "-- PostgreSQL database dump\nSELECT 1;\n").unwrap();
    let sum = Command::new("sha256sum").arg(&dump).output().unwrap();
    std::fs::write(dir.join(format!("ombor_nazorat_{stamp}.sql.sha256")), sum.stdout).unwrap();
    dump
}

fn line<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["lines"].as_array().unwrap())
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no line {id} in {report:#}"))
}

fn assert_failed_with_hint(report: &serde_json::Value, id: &str) {
    let l = line(report, id);
    assert_eq!(l["status"], "fail", "{id}: {l:#}");
    assert_eq!(l["symbol"], "✗");
    assert!(!l["hint"].as_str().unwrap().is_empty(), "{id} has a hint: {l:#}");
}

#[test]
fn doctor_passes_on_a_healthy_installation_and_names_each_broken_precondition() {
    let mut k = Kiosk::with_admin_and_product();
    k.make_healthy_files();

    let (ok, report) = k.doctor(&[]);
    let not_passing: Vec<String> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["lines"].as_array().unwrap())
        .filter(|l| l["required"] == true && l["status"] != "pass" && l["status"] != "skipped")
        .map(|l| format!("{}: {}", l["id"], l["detail"]))
        .collect();
    assert!(ok && report["ok"] == true, "healthy installation fails: {not_passing:?}");
    let groups: Vec<&str> = report["groups"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(groups, ["system", "database", "roles", "products", "scanner", "face", "movements", "backup", "hardware", "security"]);
    for g in report["groups"].as_array().unwrap() {
        assert!(!g["lines"].as_array().unwrap().is_empty(), "group {} has lines", g["id"]);
    }
    assert_eq!(line(&report, "scanner.scan")["status"], "skipped");
    assert_eq!(line(&report, "database.migrations")["status"], "pass");
    assert!(line(&report, "products.counts")["detail"].as_str().unwrap().contains("1 products"));

    // The text form, in each language, shows every group and the symbols.
    for (lang, titles) in [
        (
            "uz",
            [
                "[Tizim]",
                "[Ma'lumotlar bazasi]",
                "[Rollar]",
                "[Mahsulotlar]",
                "[Skaner]",
                "[Face ID]",
                "[Harakatlar]",
                "[Zaxira nusxa]",
                "[Uskuna]",
                "[Xavfsizlik]",
            ],
        ),
        (
            "ru",
            [
                "[Система]",
                "[База данных]",
                "[Роли]",
                "[Товары]",
                "[Сканер]",
                "[Face ID]",
                "[Движения]",
                "[Резервные копии]",
                "[Оборудование]",
                "[Безопасность]",
            ],
        ),
        (
            "en",
            [
                "[System]",
                "[Database]",
                "[Roles]",
                "[Products]",
                "[Scanner]",
                "[Face ID]",
                "[Movements]",
                "[Backup]",
                "[Hardware]",
                "[Security]",
            ],
        ),
    ] {
        let out = run_ok(&mut k.cmd(&["doctor", "--non-interactive", "--lang", lang]));
        let text = String::from_utf8_lossy(&out.stdout);
        for t in titles {
            assert!(text.contains(t), "{lang}: {t} in\n{text}");
        }
        assert!(text.contains('✓'), "{text}");
    }
    // Uzbek is the default.
    let out = run_ok(&mut k.cmd(&["doctor", "--non-interactive"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("topshirishga tayyor"));

    // Each broken precondition turns its own line ✗, with a hint, and the exit code to 1.
    let (ok, r) = k.doctor(&[("OMBOR_BACKUP_DIR", "/nonexistent/ombor-backups")]);
    assert!(!ok && r["ok"] == false);
    assert_failed_with_hint(&r, "backup.dir");

    let stale = tempfile::tempdir().unwrap();
    write_backup(stale.path(), "20200101_020000");
    let (ok, r) = k.doctor(&[("OMBOR_BACKUP_DIR", stale.path().to_str().unwrap())]);
    assert!(!ok);
    assert_failed_with_hint(&r, "backup.last");
    assert!(line(&r, "backup.last")["detail"].as_str().unwrap().contains("stale"));
    assert_eq!(line(&r, "backup.dir")["status"], "pass");

    // A dump whose checksum does not match is no good backup.
    let damaged = tempfile::tempdir().unwrap();
    let dump = write_backup(damaged.path(), &chrono::Local::now().format("%Y%m%d_%H%M%S").to_string());
    std::fs::write(&dump, "truncated").unwrap();
    let (ok, r) = k.doctor(&[("OMBOR_BACKUP_DIR", damaged.path().to_str().unwrap())]);
    assert!(!ok);
    assert_failed_with_hint(&r, "backup.last");

    assert!(line(&report, "face.camera")["detail"].as_str().unwrap().contains("640×480"), "the camera's resolution is shown");
    let (ok, r) = k.doctor(&[("OMBOR_CAMERA_SOURCE", "/dev/video77")]);
    assert!(!ok);
    assert_failed_with_hint(&r, "face.camera");

    std::fs::rename(k.path().join("model.yml"), k.path().join("model.yml.away")).unwrap();
    let (ok, r) = k.doctor(&[]);
    assert!(!ok);
    assert_failed_with_hint(&r, "face.model");
    std::fs::rename(k.path().join("model.yml.away"), k.path().join("model.yml")).unwrap();

    let (ok, r) = k.doctor(&[("OMBOR_SESSION_TIMEOUT_SECS", "0")]);
    assert!(!ok);
    assert_failed_with_hint(&r, "security.session_timeout");

    // Healthy again once the preconditions are back.
    assert!(k.doctor(&[]).0);
}

#[test]
fn doctor_without_an_admin_or_a_database() {
    let mut k = Kiosk::new();
    k.make_healthy_files();
    let (ok, r) = k.doctor(&[]);
    assert!(!ok);
    assert_failed_with_hint(&r, "roles.admin");
    assert_eq!(line(&r, "database.reachable")["status"], "pass");

    // No server at all: the database lines fail, the rest is still checked.
    let (ok, r) = k.doctor(&[("OMBOR_DATABASE_URL", "postgres://ombor_app@127.0.0.1:1/ombor_nazorat?connect_timeout=2")]);
    assert!(!ok);
    assert_failed_with_hint(&r, "database.reachable");
    assert_failed_with_hint(&r, "roles.admin");
    assert_eq!(line(&r, "hardware.memory")["status"], "pass");
}

#[test]
fn doctor_scanner_line_reads_a_scan_from_standard_input() {
    let mut k = Kiosk::with_admin_and_product();
    k.make_healthy_files();
    let mut child =
        k.cmd(&["doctor", "--json", "--lang", "en"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"QR-SEM-001\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let r = json(&out);
    let l = line(&r, "scanner.scan");
    assert_eq!(l["status"], "pass", "{l:#}");
    assert!(l["detail"].as_str().unwrap().contains("Sement M400"), "{l:#}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("within 10 s"));
}

/// systemd-analyze verify prints problems on stderr and still exits 0: both are checked.
fn verify_units(files: &[PathBuf], user: bool) {
    let mut c = Command::new("systemd-analyze");
    if user {
        let runtime = tempfile::tempdir().unwrap().keep();
        c.arg("--user").env("XDG_RUNTIME_DIR", runtime);
    }
    let out = c.arg("verify").args(files).output().expect("systemd-analyze (package systemd) is installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = stderr.lines().filter(|l| files.iter().any(|f| l.contains(f.file_name().unwrap().to_str().unwrap()))).collect();
    assert!(out.status.success() && ours.is_empty(), "systemd-analyze verify {files:?}:\n{stderr}");
}

#[test]
fn service_units_pass_systemd_analyze_verify() {
    let data = data_dir();
    let units = tempfile::tempdir().unwrap();
    // A unit systemd-analyze complains about proves the check really reads the files.
    let bad = units.path().join("broken.service");
    std::fs::write(&bad, "[Unit]\nDescription=x\n[Service]\nType=bogus\nExecStart=/bin/true\n").unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&bad).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.service"), "systemd-analyze reports a broken unit");
    std::fs::remove_file(&bad).unwrap();

    // Embedded database: the kiosk needs ombor-db.service.
    let dir = units.path().join("system");
    let mut c = ombor();
    c.env("OMBOR_DATA_DIR", data.path()).args(["service", "install", "--dry-run", "--json", "--kiosk-user", "root", "--out"]).arg(&dir);
    let v = json(&run_ok(&mut c));
    assert_eq!(v["written"].as_array().unwrap().len(), 2);
    let kiosk = std::fs::read_to_string(dir.join("ombor-kiosk.service")).unwrap();
    let db = std::fs::read_to_string(dir.join("ombor-db.service")).unwrap();
    for want in [
        "Requires=ombor-db.service",
        "After=graphical.target ombor-db.service",
        "Restart=on-failure",
        "Environment=DISPLAY=:0",
        "WantedBy=graphical.target",
    ] {
        assert!(kiosk.contains(want), "{want} in\n{kiosk}");
    }
    for want in ["Type=forking", "db start", "db stop", "PIDFile=", "Restart=on-failure"] {
        assert!(db.contains(want), "{want} in\n{db}");
    }
    verify_units(&[dir.join("ombor-kiosk.service"), dir.join("ombor-db.service")], false);

    // A PostgreSQL server: after the system's postgresql.service, no unit of our own.
    let dir = units.path().join("server");
    let mut c = ombor();
    c.env("OMBOR_DATA_DIR", data.path())
        .env("OMBOR_DATABASE_URL", "postgres://ombor_app:secret@localhost/ombor_nazorat")
        .args(["service", "install", "--dry-run", "--kiosk-user", "root", "--out"])
        .arg(&dir);
    run_ok(&mut c);
    let kiosk = std::fs::read_to_string(dir.join("ombor-kiosk.service")).unwrap();
    assert!(kiosk.contains("After=graphical.target postgresql.service") && kiosk.contains("Wants=postgresql.service"), "{kiosk}");
    assert!(!dir.join("ombor-db.service").exists());
    assert!(!kiosk.contains("secret"), "no password in a unit file");
    verify_units(&[dir.join("ombor-kiosk.service")], false);

    // User units: part of the graphical session.
    let dir = units.path().join("user");
    let mut c = ombor();
    c.env("OMBOR_DATA_DIR", data.path()).args(["service", "install", "--user-unit", "--dry-run", "--out"]).arg(&dir);
    run_ok(&mut c);
    let kiosk = std::fs::read_to_string(dir.join("ombor-kiosk.service")).unwrap();
    assert!(kiosk.contains("WantedBy=graphical-session.target") && kiosk.contains("PartOf=graphical-session.target"), "{kiosk}");
    assert!(!kiosk.contains("User="), "a user unit runs as its user");
    verify_units(&[dir.join("ombor-kiosk.service"), dir.join("ombor-db.service")], true);

    // Uninstall removes what install wrote.
    let mut c = ombor();
    c.env("OMBOR_DATA_DIR", data.path()).args(["service", "uninstall", "--user-unit", "--dry-run", "--out"]).arg(&dir);
    run_ok(&mut c);
    assert!(!dir.join("ombor-kiosk.service").exists() && !dir.join("ombor-db.service").exists());
}
