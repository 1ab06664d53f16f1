//! `ombor import django` against a real Django project's database, made by Django itself
//! (tests/fixtures/django: app `sklad`, filled through the ORM by fill.py, which also writes
//! Django's own figures to expected.json). Imported from its SQLite file and from PostgreSQL
//! (the same project migrated into a throwaway cluster), compared with Django's figures; bad
//! sources refused with the table and row named, nothing written.
//!
//! Django comes from PyPI (generate.sh makes a venv): without it these tests FAIL, loudly.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use models::testing::TestDb;
use serde_json::Value;

const BOSS: &str = "boss-password-1\n";

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/django")
}

/// Runs generate.sh; panics with its output when Django could not be installed or run.
fn generate(kind: &str, out: &Path, env: &[(&str, String)]) -> Value {
    let o = Command::new(fixture_dir().join("generate.sh"))
        .args([kind, out.to_str().unwrap()])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run tests/fixtures/django/generate.sh");
    assert!(
        o.status.success(),
        "Django could not build the test database (pip install Django from PyPI is needed; scripts/setup.sh --test does it):\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("expected.json")).unwrap()).unwrap()
}

/// The SQLite database Django made, once per test binary: (its folder, Django's figures).
fn sqlite_fixture() -> &'static (PathBuf, Value) {
    static F: OnceLock<(PathBuf, Value)> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("ombor-django-").tempdir().unwrap().keep();
        let expected = generate("sqlite", &dir, &[]);
        (dir, expected)
    })
}

/// The program pointed at a throwaway database of its own, with an admin `boss`.
struct Station {
    db: TestDb,
    data: tempfile::TempDir,
}

impl Station {
    async fn new() -> Station {
        let s = Station { db: TestDb::new().await, data: common::data_dir() };
        let (ok, _, err) = s.run(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin"], BOSS);
        assert!(ok, "{err}");
        s
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let (url, owner) = self.db.connection_strings();
        let mut c = common::ombor();
        c.args(args)
            .env("OMBOR_DATA_DIR", self.data.path())
            .env("OMBOR_DATABASE_URL", url)
            .env("OMBOR_DATABASE_OWNER_URL", owner)
            .env("OMBOR_GENERAL_STATION", "dock-1")
            .env("OPENCV_LOG_LEVEL", "ERROR");
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        common::run_with_stdin(self.cmd(args), stdin)
    }

    fn import(&self, source: &str, extra: &[&str]) -> (bool, Value, String) {
        let args = [&["import", "django", source, "--user", "boss", "--password-stdin", "--json"][..], extra].concat();
        let (ok, out, err) = self.run(&args, BOSS);
        let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
        (ok, v, err)
    }

    async fn count(&self, sql: &str) -> i64 {
        self.db.owner_client().await.query_one(sql, &[]).await.unwrap().get(0)
    }
}

/// Everything Django says is here, here: catalogue, tree, stock, history, users, employees.
async fn compare_with_django(s: &Station, expected: &Value, report: &Value) {
    let owner = s.db.owner_client().await;
    let applied = &report["applied"];
    assert_eq!(applied["products_created"], expected["products"], "{report}");
    assert_eq!(s.count("SELECT count(*) FROM products").await, expected["products"].as_i64().unwrap());
    assert_eq!(
        s.count("SELECT count(*) FROM products WHERE active").await,
        expected["active_products"].as_i64().unwrap(),
        "inactive products stay inactive"
    );

    // The tree: every old category with its old parent, by the old ids the import remembers.
    let rows = owner
        .query(
            "SELECT k.source_id, c.name, pk.source_id FROM import_keys k JOIN categories c ON c.id = k.local_id
               LEFT JOIN import_keys pk ON pk.entity = 'category' AND pk.local_id = c.parent_id
              WHERE k.entity = 'category'",
            &[],
        )
        .await
        .unwrap();
    let ours: HashMap<String, (String, Option<String>)> = rows.iter().map(|r| (r.get(0), (r.get(1), r.get(2)))).collect();
    let cats = expected["categories"].as_array().unwrap();
    assert_eq!(ours.len(), cats.len(), "categories without products come too");
    for c in cats {
        let (name, parent) = &ours[&c["id"].to_string()];
        assert!(name.starts_with(c["name"].as_str().unwrap()), "{name} for {c}");
        assert_eq!(parent.clone(), c["parent"].as_i64().map(|p| p.to_string()), "the parent of {c}");
    }

    // Per-product stock equals Django's, to the last of three decimals.
    let rows = owner.query("SELECT p.sku, trim_scale(s.quantity)::text FROM products p JOIN stock s ON s.product_id = p.id", &[]).await.unwrap();
    let stock: BTreeMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let dec = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap().normalize();
    for (sku, q) in expected["stock"].as_object().unwrap() {
        assert_eq!(dec(&stock[sku]), dec(q.as_str().unwrap()), "stock of {sku}");
    }
    assert!(
        expected["stock"].as_object().unwrap().values().any(|q| dec(q.as_str().unwrap()).scale() == 3),
        "the fixture has 3-decimal quantities"
    );
    assert_eq!(s.count("SELECT decimals::bigint FROM units WHERE code = 'm'").await, 3, "metres with 3 decimals fit");
    assert_eq!(s.count("SELECT count(*) FROM units WHERE code = 'rulon'").await, 1, "an unknown unit is created");

    // The history: every movement, its kind, its reversal link; opening balances for the rest.
    let m = &expected["movements"];
    assert_eq!(s.count("SELECT count(*) FROM movements WHERE origin = 'imported'").await, m["total"].as_i64().unwrap());
    assert_eq!(s.count("SELECT count(*) FROM movements WHERE origin = 'imported' AND kind = 'in'").await, m["kirim"].as_i64().unwrap());
    assert_eq!(s.count("SELECT count(*) FROM movements WHERE origin = 'imported' AND kind = 'out'").await, m["chiqim"].as_i64().unwrap());
    assert_eq!(s.count("SELECT count(*) FROM movements WHERE origin = 'imported' AND reverses_id IS NOT NULL").await, m["reversals"].as_i64().unwrap());
    let differs = expected["stock"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(sku, q)| dec(q.as_str().unwrap()) != dec(expected["history_sum"][sku.as_str()].as_str().unwrap()))
        .count() as i64;
    assert_eq!(s.count("SELECT count(*) FROM movements WHERE origin = 'opening'").await, differs, "one opening balance per product that needs one");
    assert_eq!(
        s.count("SELECT count(*) FROM movements WHERE origin = 'opening' AND user_id <> (SELECT id FROM users WHERE username = 'boss')").await,
        0,
        "opening balances are posted in the name of the admin who imported"
    );
    assert_eq!(s.count("SELECT count(*) FROM movements m JOIN movements o ON o.id = m.reverses_id WHERE o.kind = m.kind").await, 0);
    // Original times kept.
    assert_eq!(s.count("SELECT count(*) FROM movements WHERE origin = 'imported' AND created_at >= '2025-01-01'").await, 0);

    // Users and roles; the Django hashes only where the app's role cannot read them.
    for u in expected["users"].as_array().unwrap() {
        let row = owner.query_one("SELECT role::text, active FROM users WHERE username = $1", &[&u["username"].as_str().unwrap()]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), u["role"].as_str().unwrap(), "{u}");
        assert_eq!(row.get::<_, bool>(1), u["active"].as_bool().unwrap(), "{u}");
    }
    assert_eq!(s.count("SELECT count(*) FROM legacy_passwords").await, 5, "pbkdf2_sha256 ×3 (one inactive), pbkdf2_sha1, bcrypt_sha256");
    let listed = report["must_get_new_password"].to_string();
    assert!(listed.contains("eski_argon") && listed.contains("yangi"), "{listed}");

    // Employees, all "not enrolled".
    let emps = expected["employees"].as_array().unwrap();
    for e in emps {
        let row = owner
            .query_one("SELECT active, personnel_no, face_enrolled_at IS NULL FROM employees WHERE full_name = $1", &[&e["name"].as_str().unwrap()])
            .await
            .unwrap();
        assert_eq!(row.get::<_, bool>(0), e["active"].as_bool().unwrap());
        assert_eq!(row.get::<_, Option<String>>(1), e["personnel_no"].as_str().map(str::to_string));
        assert!(row.get::<_, bool>(2));
    }
    assert_eq!(report["must_enrol"].as_array().unwrap().len(), emps.iter().filter(|e| e["active"] == true).count());

    // The ledger holds.
    let (ok, out, err) = s.run(&["ledger", "verify", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert!(ok, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["movements"].as_i64().unwrap(), s.count("SELECT count(*) FROM movements").await, "{v}");
    assert!(v["movements"].as_i64().unwrap() > m["total"].as_i64().unwrap(), "history and opening balances checked: {v}");
    assert_eq!(v["broken_count"], 0, "{v}");
    assert_eq!(v["hash_function_replaced"], false, "{v}");
    assert!(v["first_broken_link"].is_null() && v["stock_mismatches"].as_array().unwrap().is_empty(), "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_django_sqlite_database_comes_in_whole_once() {
    let (dir, expected) = sqlite_fixture();
    let file = dir.join("db.sqlite3");
    let before = std::fs::read(&file).unwrap();
    let s = Station::new().await;

    // The mapping it finds, as a file the user can correct and pass back.
    let (ok, toml, err) = s.run(&["import", "django", file.to_str().unwrap(), "--print-mapping"], "");
    assert!(ok, "{err}");
    for line in ["table = \"sklad_tovar\"", "sku = \"artikul\"", "qr_code = \"shtrix_kod\"", "parent = \"ota_id\"", "kind = \"turi\"", "reverses = \"bekor_qilingan_id\""] {
        assert!(toml.contains(line), "{line} in\n{toml}");
    }
    let mapping = dir.join("mapping.toml");
    std::fs::write(&mapping, &toml).unwrap();

    // A dry run goes all the way and writes nothing.
    let (ok, dry, err) = s.import(file.to_str().unwrap(), &["--dry-run", "--mapping", mapping.to_str().unwrap()]);
    assert!(ok, "{dry}\n{err}");
    assert_eq!(dry["applied"]["products_created"], expected["products"]);
    assert_eq!(dry["applied"]["movements_imported"], expected["movements"]["total"]);
    assert!(dry["counts"].to_string().contains("sklad_harakat"), "per-table counts: {dry}");
    assert_eq!(s.count("SELECT count(*) FROM products").await, 0, "a dry run writes nothing");
    assert_eq!(s.count("SELECT count(*) FROM import_runs").await, 0);

    let (ok, report, err) = s.import(file.to_str().unwrap(), &[]);
    assert!(ok, "{report}\n{err}");
    compare_with_django(&s, expected, &report).await;

    // Again: nothing twice.
    let movements = s.count("SELECT count(*) FROM movements").await;
    let (ok, again, err) = s.import(file.to_str().unwrap(), &[]);
    assert!(ok, "{again}\n{err}");
    assert_eq!(again["applied"]["products_created"], 0);
    assert_eq!(again["applied"]["movements_imported"], 0);
    assert_eq!(again["applied"]["users_created"], 0);
    assert_eq!(s.count("SELECT count(*) FROM movements").await, movements);
    assert_eq!(std::fs::read(&file).unwrap(), before, "the source is never written");
    assert!(!again["warnings"].to_string().contains("in the old system"), "the same stock: nothing to say: {}", again["warnings"]);

    // The old system's stock changed afterwards without a movement: a re-run names the product
    // and leaves our stock alone (no second opening balance).
    let edited = dir.join("edited-stock.sqlite3");
    std::fs::copy(&file, &edited).unwrap();
    let (tovar, old_stock): (i64, f64) = {
        let db = rusqlite::Connection::open(&edited).unwrap();
        let row = db.query_row("SELECT tovar_id, miqdor FROM sklad_qoldiq ORDER BY tovar_id LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        db.execute("UPDATE sklad_qoldiq SET miqdor = miqdor + 7 WHERE tovar_id = ?1", [row.0]).unwrap();
        row
    };
    let stock_sql = format!(
        "SELECT trim_scale(s.quantity)::text FROM stock s JOIN import_keys k ON k.entity = 'product' AND k.local_id = s.product_id WHERE k.source_id = '{tovar}'"
    );
    let stock_before: String = s.db.owner_client().await.query_one(&stock_sql, &[]).await.unwrap().get(0);
    let (ok, drift, err) = s.import(edited.to_str().unwrap(), &[]);
    assert!(ok, "{drift}
{err}");
    let notes: Vec<&Value> = drift["warnings"].as_array().unwrap().iter().filter(|w| w["message"].as_str().unwrap().contains("in the old system")).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!((notes[0]["table"].as_str(), notes[0]["id"].as_str()), (Some("sklad_tovar"), Some(tovar.to_string().as_str())));
    let message = notes[0]["message"].as_str().unwrap();
    let (ours, theirs) = message.strip_prefix("stock ").and_then(|m| m.split_once(" here after this run, ")).expect(message);
    let theirs: f64 = theirs.split(' ').next().unwrap().parse().unwrap();
    let ours: f64 = ours.parse().unwrap();
    assert!((theirs - (old_stock + 7.0)).abs() < 1e-9 && (ours - old_stock).abs() < 1e-9, "{message}");
    assert_eq!(drift["applied"]["opening_balances"], 0);
    let stock_after: String = s.db.owner_client().await.query_one(&stock_sql, &[]).await.unwrap().get(0);
    assert_eq!(stock_after, stock_before, "our stock is left as it is");

    // The history shows the old movements as imported, with the old people's names.
    let (ok, out, err) = s.run(&["movement", "list", "--limit", "5000", "--json", "--user", "boss", "--password-stdin"], BOSS);
    assert!(ok, "{err}");
    let lines: Value = serde_json::from_str(&out).unwrap();
    let imported: Vec<&Value> = lines.as_array().unwrap().iter().filter(|l| l["origin"] == "imported").collect();
    assert_eq!(imported.len() as i64, expected["movements"]["total"].as_i64().unwrap());
    assert!(imported.iter().any(|l| l["employee_name"].as_str().unwrap().starts_with("Xodim ")));

    // A migrated user logs in with the Django password; the database keeps argon2id from then on.
    let owner = s.db.owner_client().await;
    // The stored record is a verifier (V12): salt and sha256 of the argon2id key.
    let hash_of = |name: &'static str| {
        let owner = &owner;
        async move {
            let r = owner
                .query_one(
                    "SELECT c.salt, c.verifier, u.password_hash IS NULL FROM user_credentials c JOIN users u ON u.id = c.user_id WHERE u.username = $1",
                    &[&name],
                )
                .await
                .unwrap();
            assert!(r.get::<_, bool>(2), "no hash is kept beside the verifier");
            (r.get::<_, Vec<u8>>(0), r.get::<_, Vec<u8>>(1))
        }
    };
    let placeholder = hash_of("bosh").await;
    let (ok, _, err) = s.run(&["user", "list", "--user", "bosh", "--password-stdin"], "not-the-password\n");
    assert!(!ok && err.contains("wrong username or password"), "{err}");
    let t = std::time::Instant::now();
    let (ok, out, err) = s.run(&["user", "list", "--user", "bosh", "--password-stdin"], "Bosh-parol-2024\n");
    eprintln!("first login with a pbkdf2_sha256 (600,000 iterations) hash: {:.2} s", t.elapsed().as_secs_f64());
    assert!(ok, "{out}{err}");
    let upgraded = hash_of("bosh").await;
    assert!(upgraded != placeholder, "a new credential");
    let key = models::password::derive_key("Bosh-parol-2024", &upgraded.0, models::password::KdfParams::default()).unwrap();
    assert_eq!(models::password::verifier(&key), upgraded.1, "the new credential is of the same password");
    assert_eq!(s.count("SELECT count(*) FROM legacy_passwords WHERE user_id = (SELECT id FROM users WHERE username = 'bosh')").await, 0);
    let (ok, _, err) = s.run(&["user", "list", "--user", "bosh", "--password-stdin"], "Bosh-parol-2024\n");
    assert!(ok, "and again, now through argon2id: {err}");
    for (user, pw) in [("rahbar", "Rahbar-parol-1\n"), ("kuzatuvchi", "Kuzatuv-parol-1\n")] {
        let (ok, _, err) = s.run(&["ledger", "verify", "--user", user, "--password-stdin"], pw);
        assert!(ok, "{user} (pbkdf2_sha1 / bcrypt_sha256): {err}");
    }
    let (ok, _, err) = s.run(&["ledger", "verify", "--user", "operator2", "--password-stdin"], "Operator-parol-2\n");
    assert!(!ok && err.contains("wrong username or password"), "an inactive user stays out: {err}");
    // The application's role cannot read the Django hashes.
    let app = s.db.pool.get().await.unwrap();
    let denied = app.query("SELECT encoded FROM legacy_passwords", &[]).await.unwrap_err();
    assert_eq!(denied.as_db_error().map(|e| e.code().code()), Some("42501"), "{denied:?}");
    // The old data is in the hash: changing an imported movement's old kind breaks its link.
    owner
        .batch_execute(
            "ALTER TABLE movements DISABLE TRIGGER movements_append_only;
             UPDATE movements SET legacy = jsonb_set(legacy, '{kind}', '\"chiqim\"')
              WHERE id = (SELECT min(id) FROM movements WHERE origin = 'imported' AND legacy ->> 'kind' = 'kirim');
             ALTER TABLE movements ENABLE TRIGGER movements_append_only;",
        )
        .await
        .unwrap();
    let (ok, out, _) = s.run(&["ledger", "verify", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert!(!ok && out.contains("\"broken_count\": 1"), "{out}");
    // Nor post an opening balance or an import outside an admin's session.
    let denied = app.query("SELECT import_begin('x', 'y', 'z')", &[]).await.unwrap_err();
    assert!(denied.as_db_error().map(|e| e.code().code()) == Some("OMB01"), "{denied}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_django_project_on_postgresql() {
    let source = TestDb::empty().await;
    let owner_cfg = source.target.owner.clone();
    let host = match owner_cfg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        None => "localhost".into(),
    };
    let port = owner_cfg.get_ports().first().copied().unwrap_or(5432).to_string();
    let out = tempfile::tempdir().unwrap();
    let expected = generate(
        "postgres",
        out.path(),
        &[
            ("SKLAD_PG_HOST", host.clone()),
            ("SKLAD_PG_PORT", port.clone()),
            ("SKLAD_PG_USER", owner_cfg.get_user().unwrap().to_string()),
            ("SKLAD_PG_NAME", source.name.clone()),
        ],
    );
    let url = format!("host={host} port={port} user={} dbname={}", owner_cfg.get_user().unwrap(), source.name);
    let s = Station::new().await;
    let (ok, report, err) = s.import(&url, &[]);
    assert!(ok, "{report}\n{err}");
    assert!(!report["location"].as_str().unwrap().is_empty());
    compare_with_django(&s, &expected, &report).await;
    let (ok, out, err) = s.run(&["user", "list", "--user", "operator1", "--password-stdin"], "Operator-parol-1\n");
    assert!(!ok && err.contains("may not manage_users"), "logged in as an operator with the old password: {out}{err}");
}

/// A copy of the good SQLite file changed by `sql` (foreign keys off: Django's are deferred).
fn broken_copy(name: &str, sql: &str) -> PathBuf {
    let (dir, _) = sqlite_fixture();
    let path = dir.join(format!("{name}.sqlite3"));
    std::fs::copy(dir.join("db.sqlite3"), &path).unwrap();
    if !sql.is_empty() {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}")).unwrap();
    }
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_sources_are_refused_with_table_and_row_and_nothing_is_written() {
    let s = Station::new().await;
    let cases: Vec<(PathBuf, &str)> = vec![
        (broken_copy("null_sku", "UPDATE sklad_tovar SET artikul = NULL WHERE id = 5"), "sklad_tovar id 5: artikul is empty"),
        // Product 10 has no code of its own: its SKU is its code, and now another's code too.
        (broken_copy("dup_qr", "UPDATE sklad_tovar SET shtrix_kod = 'SK-00010' WHERE id = 11"), "sklad_tovar id 11: code `SK-00010` is also product id 10's"),
        (broken_copy("orphan", "UPDATE sklad_harakat SET tovar_id = 99999 WHERE id = 7"), "sklad_harakat id 7: tovar_id 99999 is not in sklad_tovar"),
    ];
    for (path, want) in &cases {
        let (ok, v, _) = s.import(path.to_str().unwrap(), &[]);
        assert!(!ok, "refused: {v}");
        let problems: Vec<String> =
            v["problems"].as_array().unwrap().iter().map(|p| format!("{} id {}: {}", p["table"].as_str().unwrap(), p["id"].as_str().unwrap(), p["message"].as_str().unwrap())).collect();
        assert!(problems.iter().any(|p| p.starts_with(want)), "{want} in {problems:?}");
        assert_eq!(problems.len(), 1, "only the broken row: {problems:?}");
    }
    // Truncated: SQLite refuses the file before listing a table; the table whose pages are
    // gone is named all the same.
    let truncated = broken_copy("truncated", "");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (ok, _, err) = s.run(&["import", "django", truncated.to_str().unwrap(), "--user", "boss", "--password-stdin"], BOSS);
    assert!(!ok);
    assert!(err.contains("malformed") && err.contains("truncated.sqlite3"), "{err}");
    assert!(err.contains("damaged or cut short: table sklad_"), "the table that cannot be read is named: {err}");
    // Not Django at all.
    let (dir, _) = sqlite_fixture();
    let plain = dir.join("plain.sqlite3");
    let _ = std::fs::remove_file(&plain);
    rusqlite::Connection::open(&plain).unwrap().execute_batch("CREATE TABLE products (sku TEXT, name TEXT); INSERT INTO products VALUES ('a', 'b');").unwrap();
    let (ok, _, err) = s.run(&["import", "django", plain.to_str().unwrap(), "--user", "boss", "--password-stdin"], BOSS);
    assert!(!ok && err.contains("not a Django database: no django_migrations table (it has: products)"), "{err}");

    for table in ["products", "categories", "employees", "movements", "import_runs", "import_keys", "legacy_passwords"] {
        assert_eq!(s.count(&format!("SELECT count(*) FROM {table}")).await, 0, "nothing written to {table}");
    }
    assert_eq!(s.count("SELECT count(*) FROM users").await, 1, "only boss");
}
