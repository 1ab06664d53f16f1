//! Operations through the real `ombor` binary: doctor, systemd units, QR labels, demo data,
//! the support bundle.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;

const BOSS: &str = "boss-password-1\n";

impl Kiosk {
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
    let out = k.cmd(&["doctor", "--non-interactive", "--json", "--lang", "uz"]).env("OMBOR_BACKUP_DIR", "/nonexistent/ombor-backups").output().unwrap();
    assert_eq!(line(&json(&out), "backup.dir")["detail"], "/nonexistent/ombor-backups — bunday papka yo'q", "in the user's language");

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
    // The reason in the user's language, as the kiosk says it (it was the camera actor's English).
    let out = k.cmd(&["doctor", "--non-interactive", "--json", "--lang", "ru"]).env("OMBOR_CAMERA_SOURCE", "/dev/video77").output().unwrap();
    let detail = line(&json(&out), "face.camera")["detail"].as_str().unwrap().to_string();
    assert_eq!(detail, "«/dev/video77»: нет камеры /dev/video77 (не подключена или занята другой программой)");

    std::fs::rename(k.path().join("model.yml"), k.path().join("model.yml.away")).unwrap();
    let (ok, r) = k.doctor(&[]);
    assert!(!ok);
    assert_failed_with_hint(&r, "face.model");
    std::fs::rename(k.path().join("model.yml.away"), k.path().join("model.yml")).unwrap();

    let (ok, r) = k.doctor(&[("OMBOR_SESSION_TIMEOUT_SECS", "0")]);
    assert!(!ok);
    assert_failed_with_hint(&r, "security.session_timeout");

    // Values every other command refuses at load: the checklist shows them with their ranges.
    let ranges = line(&report, "security.config_ranges");
    assert_eq!(ranges["status"], "pass", "{ranges}");
    assert!(ranges["detail"].as_str().unwrap().contains("face.sface_threshold = 0.55 (0, 1)"), "{ranges}");
    let (ok, r) = k.doctor(&[("OMBOR_FACE_SFACE_THRESHOLD", "-1"), ("OMBOR_SESSION_MAX_FAILED_LOGINS", "1000000")]);
    assert!(!ok);
    assert_failed_with_hint(&r, "security.config_ranges");
    let detail = line(&r, "security.config_ranges")["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("✗ face.sface_threshold = -1") && detail.contains("✗ session.max_failed_logins = 1000000"), "{detail}");

    // The database decides faces: its own threshold, replay limit, tries and 5 minutes are shown
    // beside this station's pre-check; an LBPH station is told it cannot confirm movements.
    let face = line(&report, "security.face_check");
    assert_eq!(face["status"], "pass", "{face}");
    let detail = face["detail"].as_str().unwrap();
    assert!(detail.contains("threshold 0.55") && detail.contains("30 tries a minute") && detail.contains("5 min"), "{detail}");
    let (_, r) = k.doctor(&[("OMBOR_FACE_BACKEND", "lbph")]);
    let face = line(&r, "security.face_check");
    assert_eq!(face["status"], "warn", "{face}");
    assert!(face["hint"].as_str().unwrap().contains("LBPH cannot confirm movements"), "{face}");

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

/// `pdftoppm -gray` pages of a PDF as (width, height, pixels).
fn render_pages(pdf: &Path, dpi: u32) -> Vec<(usize, usize, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new("pdftoppm").args(["-r", &dpi.to_string(), "-gray"]).arg(pdf).arg(dir.path().join("page")).status();
    assert!(st.expect("pdftoppm (poppler-utils) is installed").success());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| parse_pgm(&std::fs::read(f).unwrap())).collect()
}

/// A binary PGM (P5, 8 bit).
fn parse_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = vec![];
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).to_string());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, bytes[i + 1..i + 1 + w * h].to_vec())
}

/// Every QR code rqrr finds and decodes on a page.
fn decode_qr(page: &(usize, usize, Vec<u8>)) -> Vec<String> {
    decode_cells(page, 1, 1)
}

/// rqrr confuses the finder patterns of neighbouring symbols: decode each label cell of a
/// `cols` × `rows` sheet on its own.
fn decode_cells((w, h, pixels): &(usize, usize, Vec<u8>), cols: usize, rows: usize) -> Vec<String> {
    let (cw, ch) = (w / cols, h / rows);
    let mut found = vec![];
    for cell in 0..cols * rows {
        let (x0, y0) = ((cell % cols) * cw, (cell / cols) * ch);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(cw, ch, |x, y| pixels[(y0 + y) * w + x0 + x]);
        found.extend(img.detect_grids().iter().filter_map(|g| g.decode().ok().map(|(_, content)| content)));
    }
    found
}

#[test]
fn labels_render_and_their_qr_codes_decode_to_the_products_codes() {
    let k = Kiosk::new();
    k.stdin(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin"], BOSS);
    // 26 products in one category (two A4 sheets of 3×8), two elsewhere.
    let csv = k.path().join("products.csv");
    let mut text = String::from("sku,qr_code,name,category\n");
    for i in 1..=26 {
        text += &format!("QUR-{i:03},QR-{i:06},Sement M400 portlandsement 50 kg qop {i},Qurilish\n");
    }
    text += "ELK-001,ЭЛ-0001,Кабель ВВГ 3×2,5 мм² — oʻzbekcha gʻisht,Elektr\nELK-002,QR-ELK-2,Rozetka,Elektr\n";
    std::fs::write(&csv, text).unwrap();
    k.stdin(&["product", "import", csv.to_str().unwrap(), "--user", "boss", "--password-stdin"], BOSS);

    let pdf = k.path().join("labels.pdf");
    let v = json(&run_ok(&mut k.cmd(&["labels", "--category", "Qurilish", "--out", pdf.to_str().unwrap(), "--json"])));
    assert_eq!(v["labels"], 26);
    let pages = render_pages(&pdf, 150);
    assert_eq!(pages.len(), 2, "26 labels on 3×8 sheets are two pages");
    let mut decoded: Vec<String> = pages.iter().flat_map(|p| decode_cells(p, 3, 8)).collect();
    decoded.sort();
    let expected: Vec<String> = (1..=26).map(|i| format!("QR-{i:06}")).collect();
    assert_eq!(decoded, expected);

    // Label-printer size, chosen by SKU: one label per page, Cyrillic codes too.
    let pdf = k.path().join("small.pdf");
    run_ok(&mut k.cmd(&["labels", "--sku", "ELK-001", "--sku", "ELK-002", "--label", "58x40", "--out", pdf.to_str().unwrap()]));
    let pages = render_pages(&pdf, 300);
    assert_eq!(pages.len(), 2);
    assert!(pages[0].0.abs_diff((58.0 / 25.4 * 300.0_f64) as usize) <= 2, "the page is 58 mm wide: {} px", pages[0].0);
    assert_eq!(decode_qr(&pages[0]), ["ЭЛ-0001"]);
    assert_eq!(decode_qr(&pages[1]), ["QR-ELK-2"]);
    // The font is embedded (text in Uzbek and Russian renders on any machine).
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.windows(9).any(|w| w == b"FontFile2"), "an embedded TrueType font");

    let e = run_err(&mut k.cmd(&["labels", "--sku", "NOPE", "--out", pdf.to_str().unwrap()]));
    assert!(e.contains("no product"), "{e}");
    let e = run_err(&mut k.cmd(&["labels", "--grid", "0x9", "--out", pdf.to_str().unwrap()]));
    assert!(e.contains("columns"), "{e}");
}

#[test]
fn demo_fills_an_empty_database_and_refuses_a_non_empty_one() {
    let k = Kiosk::new();
    k.stdin(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin"], BOSS);
    let out = k.stdin(&["demo", "--products", "2500", "--user", "boss", "--password-stdin", "--json"], BOSS);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["categories"].as_i64(), v["products"].as_i64()), (Some(12), Some(2500)));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2000 / 2500"), "progress is shown");
    let list = json(&run_ok(&mut k.cmd(&["product", "list", "--search", "QR-002500", "--json"])));
    assert_eq!(list[0]["stock"], "0", "each product has its stock row: {list}");
    let cats = json(&run_ok(&mut k.cmd(&["category", "list", "--json"])));
    assert!(cats.as_array().unwrap().iter().any(|c| c["name"] == "Qurilish materiallari"));

    // Not empty any more: refused before any password is asked, nothing added.
    let e = run_err(k.cmd(&["demo"]).stdin(Stdio::null()));
    assert!(e.contains("only fills an empty"), "{e}");
    let report = k.doctor(&[]).1;
    assert!(line(&report, "products.counts")["detail"].as_str().unwrap().contains("2500 products"));
}

#[test]
fn support_bundle_masks_secrets_and_never_holds_face_data_or_dumps() {
    let mut k = Kiosk::with_admin_and_product();
    k.make_healthy_files();
    // Face data and a dump where a careless bundle would pick them up.
    let logs = k.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("model.yml"), "face data").unwrap();
    write_backup(&logs, "20261125_020000");
    std::fs::write(logs.join("ombor.2000-01-01.log"), "connect to postgres://ombor_app:s3cret-pw@db.lan/ombor_nazorat failed\n").unwrap();

    let zip_path = k.path().join("support.zip");
    let mut c = k.cmd(&["support-bundle", "--out", zip_path.to_str().unwrap()]);
    c.env("OMBOR_DATABASE_OWNER_URL", "postgres://ombor_owner:s3cret-pw@127.0.0.1:1/ombor_nazorat");
    run_ok(&mut c);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = archive.file_names().map(|n| n.unwrap().to_string()).collect();
    for want in ["config.toml", "doctor.json", "versions.txt", "logs/ombor.2000-01-01.log", "logs/postgres.log"] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    for n in &names {
        assert!(!n.contains("model.yml") && !n.ends_with(".sql") && !n.contains("ombor_nazorat_"), "{n} must not be bundled");
    }
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).unwrap();
        assert!(!text.contains("s3cret-pw"), "{:?} leaks a password", f.name());
        assert!(!text.contains("face data"), "{:?} holds face data", f.name());
    }
    let doctor: serde_json::Value = {
        let mut f = archive.by_name("doctor.json").unwrap();
        serde_json::from_reader(&mut f).unwrap()
    };
    assert_eq!(doctor["groups"].as_array().unwrap().len(), 10);
}
