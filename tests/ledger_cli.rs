//! Users, catalogue, import, reports, reversal, verify and audit through the real `ombor`
//! binary against its own embedded cluster.

mod common;

use common::*;

const BOSS: &str = "boss-password-1\n";

#[test]
fn users_roles_and_login_errors() {
    let k = Kiosk::new();
    assert!(k
        .err(&["user", "add", "--username", "op", "--role", "operator", "--password-stdin"], "op-password-1\n")
        .contains("first user must be an admin"));
    let v = k.ok_json(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin", "--json"], BOSS);
    assert!(v["id"].as_i64().unwrap() > 0);
    // Later users need an admin's login: the admin's password first, then the new one.
    assert!(k
        .err(&["user", "add", "--username", "op", "--role", "operator", "--password-stdin"], "op-password-1\n")
        .contains("needs a login"));
    k.ok_json(
        &["user", "add", "--username", "op", "--role", "operator", "--user", "boss", "--password-stdin", "--json"],
        "boss-password-1\nop-password-1\n",
    );
    k.ok_json(
        &["user", "add", "--username", "viewer", "--role", "viewer", "--user", "boss", "--password-stdin", "--json"],
        "boss-password-1\nviewer-pass-1\n",
    );
    let e = k.err(&["user", "list", "--user", "boss", "--password-stdin"], "wrong-password\n");
    assert!(e.contains("wrong username or password"), "{e}");
    let e2 = k.err(&["user", "list", "--user", "ghost", "--password-stdin"], "wrong-password\n");
    assert_eq!(e, e2, "the same message for an unknown user");
    let e = k.err(&["user", "list", "--user", "op", "--password-stdin"], "op-password-1\n");
    assert!(e.contains("may not manage_users"), "{e}");
    let (ok, _, e) = k.with_stdin(&["user", "list", "--user", "boss", "--password-stdin"], b"\xff\xfe\n");
    assert!(!ok && e.contains("not valid UTF-8"), "{e}");
    let (ok, _, e) = k.with_stdin(&["user", "list", "--user", "boss", "--password-stdin"], vec![b'x'; 2 << 20]);
    assert!(!ok && e.contains("wrong username or password"), "{e}");
    let users = k.ok_json(&["user", "list", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert_eq!(users.as_array().unwrap().len(), 3);
    assert!(!serde_json::to_string(&users).unwrap().contains("argon2"), "no hashes printed");
    k.ok_json(&["user", "role", "op", "viewer", "--user", "boss", "--password-stdin", "--json"], BOSS);
    k.ok_json(&["user", "disable", "viewer", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert!(k.err(&["user", "list", "--user", "viewer", "--password-stdin"], "viewer-pass-1\n").contains("wrong username or password"));
    k.ok_json(&["user", "passwd", "op", "--user", "boss", "--password-stdin", "--json"], "boss-password-1\nnew-op-password\n");
    assert!(k.err(&["user", "disable", "boss", "--user", "boss", "--password-stdin"], BOSS).contains("last active admin"));
    let audit = k.ok_json(&["audit", "--user", "boss", "--password-stdin", "--json"], BOSS);
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["user.create", "user.role", "user.active", "user.password", "login.ok", "login.failed", "logout.manual"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[test]
fn catalogue_import_reports_and_verify() {
    let k = Kiosk::new();
    k.ok_json(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin", "--json"], BOSS);
    fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [args, &["--user", "boss", "--password-stdin", "--json"][..]].concat()
    }
    let cat = k.ok_json(&with(&["category", "add", "Qurilish"]), BOSS);
    assert!(cat["id"].as_i64().is_some());
    let p = k.ok_json(
        &with(&[
            "product",
            "add",
            "--sku",
            "CEM-50",
            "--qr",
            "QR-000123",
            "--name",
            "Sement 50 kg",
            "--category",
            "Qurilish",
            "--unit",
            "box",
            "--min-stock",
            "10",
            "--barcode",
            "4780001112223",
        ]),
        BOSS,
    );
    assert_eq!(p["stock"], "0");
    assert_eq!(p["category"], "Qurilish");
    for code in ["QR-000123", "CEM-50", "4780001112223"] {
        let s = k.ok_json(&["stock", code, "--json"], "");
        assert_eq!(s["sku"], "CEM-50");
    }
    let e = k.err(&["stock", &"Z".repeat(10_000)], "");
    assert!(e.contains("no product with the code"), "{e}");
    assert!(e.len() < 400, "the message does not repeat a huge code");
    // Import: a file with errors imports nothing and names the lines.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "sku;name;unit;min_stock;category;barcodes\nA-1;Mix;kg;2,5;Qurilish;111|222\nA-2;;pcs;;;\nA-3;Gallon;barrel;;;\nCEM-50;Again;pcs;;;\n").unwrap();
    let (ok, out, _) = k.with_stdin(&with(&["product", "import", bad.to_str().unwrap()]), BOSS.as_bytes());
    assert!(!ok);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let lines: Vec<i64> = report["errors"].as_array().unwrap().iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![3, 4, 5], "{report}");
    assert_eq!(k.ok_json(&["product", "list", "--json"], "").as_array().unwrap().len(), 1, "nothing half-imported");
    let good = dir.path().join("good.csv");
    let mut text = String::from("sku,qr_code,name,category,unit,min_stock\n");
    for i in 0..2000 {
        text += &format!("IMP-{i},QI-{i},Mahsulot {i},Import {},pcs,{}\n", i % 7, i % 3);
    }
    std::fs::write(&good, text).unwrap();
    let dry = k.ok_json(&with(&["product", "import", good.to_str().unwrap(), "--dry-run"]), BOSS);
    assert_eq!((dry["rows"].as_i64(), dry["inserted"].as_i64()), (Some(2000), Some(0)));
    let r = k.ok_json(&with(&["product", "import", good.to_str().unwrap()]), BOSS);
    assert_eq!((r["inserted"].as_i64(), r["categories_created"].as_i64()), (Some(2000), Some(7)));
    let e = k.err(&with(&["product", "import", good.to_str().unwrap()]), BOSS);
    assert!(e.is_empty() || !e.contains("panicked"));
    let r = k.ok_json(&with(&["product", "import", good.to_str().unwrap(), "--update"]), BOSS);
    assert_eq!((r["inserted"].as_i64(), r["updated"].as_i64()), (Some(0), Some(2000)));
    // An older system's SQLite file: its own column names, categories by id, read-only.
    let old = dir.path().join("eski_ombor.db");
    {
        let db = rusqlite::Connection::open(&old).unwrap();
        db.execute_batch(
            "CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE products (id INTEGER PRIMARY KEY, code TEXT, name TEXT, barcode TEXT, category_id INT, min_qty REAL, qty REAL);
             INSERT INTO categories VALUES (1, 'Eski tizim'), (2, 'Qurilish');
             INSERT INTO products (code, name, barcode, category_id, min_qty, qty) VALUES
               ('OLD-1', 'Mix 100 mm', '4780000000011', 1, 5, 12),
               ('OLD-2', 'Bo''yoq oq', NULL, 2, 2.5, 0),
               ('OLD-3', 'Shpaklyovka', '4780000000035', 1, 0, 3);",
        )
        .unwrap();
    }
    let r = k.ok_json(&with(&["import", "sqlite", old.to_str().unwrap()]), BOSS);
    assert_eq!((r["inserted"].as_i64(), r["categories_created"].as_i64()), (Some(3), Some(1)), "{r}");
    let s = k.ok_json(&["stock", "4780000000011", "--json"], "");
    assert_eq!((s["sku"].as_str(), s["category"].as_str(), s["stock"].as_str()), (Some("OLD-1"), Some("Eski tizim"), Some("0")));
    let e = k.err(&with(&["import", "sqlite", good.to_str().unwrap()]), BOSS);
    assert!(e.contains("not a readable SQLite database"), "{e}");
    let page = k.ok_json(&["product", "list", "--search", "mahsulot 19", "--limit", "500", "--json"], "");
    assert_eq!(page.as_array().unwrap().len(), 111, "19, 190-199, 1900-1999");
    let low = k.ok_json(&["product", "list", "--low", "--limit", "5000", "--json"], "");
    assert_eq!(low.as_array().unwrap().len(), 1 + 2000 * 2 / 3 + 2, "min_stock 1 or 2 with no stock, plus the cement and OLD-1, OLD-2");
    // Reports in every format.
    let csv_path = dir.path().join("stock.csv");
    run_ok(
        k.cmd(&["report", "stock", "--format", "csv", "--out", csv_path.to_str().unwrap(), "--user", "boss", "--password-stdin"])
            .stdin(std::fs::File::open(write_tmp(&dir, BOSS)).unwrap()),
    );
    let csv_text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        csv_text.starts_with("sku,qr_code,name,category,stock,unit,min_stock\n")
            && csv_text.contains("CEM-50,QR-000123,Sement 50 kg,Qurilish,0,box,10"),
        "{}",
        &csv_text[..200]
    );
    let xlsx = dir.path().join("low.xlsx");
    run_ok(
        k.cmd(&["report", "low", "--format", "xlsx", "--out", xlsx.to_str().unwrap(), "--user", "boss", "--password-stdin"])
            .stdin(std::fs::File::open(write_tmp(&dir, BOSS)).unwrap()),
    );
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK", "an XLSX is a zip");
    let v = k.ok_json(&["ledger", "verify", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert_eq!(v["products"], 2004);
    assert!(v["first_broken_link"].is_null());
    let e = k.ok_json(&with(&["employee", "add", "--name", "Alisher Karimov", "--personnel-no", "T-17"]), BOSS);
    let id = e["id"].as_i64().unwrap().to_string();
    assert_eq!(k.ok_json(&["employee", "list", "--json"], "")[0]["full_name"], "Alisher Karimov");
    k.ok_json(&with(&["employee", "deactivate", &id]), BOSS);
    assert!(k.ok_json(&["employee", "list", "--json"], "").as_array().unwrap().is_empty());
    assert_eq!(k.ok_json(&["employee", "list", "--all", "--json"], "").as_array().unwrap().len(), 1);
}

/// What goes out to people's tools: a formula in a product name reaches a CSV or XLSX export as
/// plain text, and a garbled code's control characters reach the terminal escaped.
#[test]
fn exports_and_messages_are_safe_for_the_tools_they_reach() {
    let k = Kiosk::new();
    k.ok_json(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin", "--json"], BOSS);
    let names = ["=HYPERLINK(\"http://evil.example/\",\"x\")", "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1:A9)", "-2+3"];
    for (i, name) in names.iter().enumerate() {
        let (sku, qr) = (format!("F-{i}"), format!("QR-F-{i}"));
        let name_arg = format!("--name={name}");
        k.ok_json(&["product", "add", "--sku", &sku, "--qr", &qr, &name_arg, "--user", "boss", "--password-stdin", "--json"], BOSS);
    }
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("stock.csv");
    run_ok(
        k.cmd(&["report", "stock", "--format", "csv", "--out", csv_path.to_str().unwrap(), "--user", "boss", "--password-stdin"])
            .stdin(std::process::Stdio::from(std::fs::File::open(write_tmp(&dir, BOSS)).unwrap())),
    );
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let cells: Vec<String> = reader.records().map(|r| r.unwrap()[2].to_string()).collect();
    for name in names {
        assert!(cells.contains(&format!("'{name}")), "{name} neutralised in {cells:?}");
    }
    for cell in &cells {
        assert!(!cell.starts_with(['=', '+', '-', '@']), "a formula cell left in the CSV: {cell}");
    }

    // 1,341 of 10,000 garbled scans once set the admin's terminal title this way.
    let garbled = "\u{1b}]0;owned\u{7}QR-9";
    let (ok, out, err) = k.with_stdin(&["stock", garbled], "");
    assert!(!ok, "{out}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "raw control characters on the terminal: {err:?}");
    assert!(err.contains("\\u{1b}]0;owned\\u{7}QR-9"), "the code shown escaped: {err}");
}

fn write_tmp(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(format!("stdin-{}", rand_suffix()));
    std::fs::write(&p, text).unwrap();
    p
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// Two stations post to one server; `movement list` and `report movements` pick one by `--station`.
#[tokio::test]
async fn movement_history_filters_by_station() {
    let db = models::testing::TestDb::new().await;
    let (employee, verification) = db.verified_employee().await;
    let admin = db.session(models::Role::Admin).await;
    let owner = db.owner_client().await;
    owner.execute("SELECT set_config('ombor.session', $1, false)", &[&admin.as_hex()]).await.unwrap();
    let product: i64 = owner
        .query_one("INSERT INTO products (sku, qr_code, name) VALUES ('ST-1', 'QR-ST-1', 'Station test') RETURNING id", &[])
        .await
        .unwrap()
        .get(0);
    for station in ["dock-1", "gate-2", "gate-2"] {
        let mut c = db.pool.get().await.unwrap();
        let tx = models::session::begin(&mut c, Some(&admin)).await.unwrap();
        let m = models::movements::PostMovement {
            product_id: product,
            kind: models::MovementKind::In,
            quantity: 1.into(),
            employee_id: employee,
            verification_id: verification,
            note: None,
            station: station.into(),
        };
        models::movements::post(&*tx, &m).await.unwrap();
        tx.commit().await.unwrap();
    }
    let user: String = owner.query_one("SELECT username FROM users WHERE role = 'admin' ORDER BY id LIMIT 1", &[]).await.unwrap().get(0);
    let cluster = db.cluster().expect("the harness made a cluster");
    let url = format!("host={} port={} user=ombor_owner dbname={}", cluster.socket_dir().display(), cluster.port, db.name);
    let data = data_dir();
    let stations = |args: &[&str]| -> Vec<String> {
        let password = write_tmp(&data, &format!("{}\n", models::testing::TEST_PASSWORD));
        let out = run_ok(
            ombor()
                .args(args)
                .args(["--user", &user, "--password-stdin"])
                .env("OMBOR_DATA_DIR", data.path())
                .env("OMBOR_DATABASE_URL", &url)
                .stdin(std::fs::File::open(password).unwrap()),
        );
        json(&out).as_array().unwrap().iter().map(|m| m["station"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(stations(&["movement", "list", "--station", "gate-2", "--json"]), ["gate-2", "gate-2"]);
    assert_eq!(stations(&["report", "movements", "--station", "dock-1", "--format", "json"]), ["dock-1"]);
    assert_eq!(stations(&["movement", "list", "--json"]).len(), 3);
    // The daily totals of one station count only its movements.
    let password = write_tmp(&data, &format!("{}\n", models::testing::TEST_PASSWORD));
    let daily = |station: &str| -> serde_json::Value {
        json(&run_ok(
            ombor()
                .args(["report", "daily", "--station", station, "--format", "json", "--user", &user, "--password-stdin"])
                .env("OMBOR_DATA_DIR", data.path())
                .env("OMBOR_DATABASE_URL", &url)
                .stdin(std::fs::File::open(&password).unwrap()),
        ))
    };
    assert_eq!(daily("gate-2")[0]["movements"], 2, "{}", daily("gate-2"));
    assert_eq!(daily("dock-1")[0]["movements"], 1);
    assert_eq!(daily("nowhere").as_array().map(Vec::len), Some(0));
}
