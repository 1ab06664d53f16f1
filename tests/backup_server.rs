//! Backup, restore and ledger verify through the real binary against a standalone PostgreSQL
//! set up as the documentation says: the roles of docs/stations.md (2B), created by the
//! documentation's own SQL (read from the file, so the test fails when the doc drifts), and a
//! small shop's server with one superuser login for everything.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use models::cluster::{Cluster, PgBinaries};

const BOSS: &str = "boss-password-1\n";

/// A throwaway server whose bootstrap superuser is `postgres`, as a distribution's is.
struct Server {
    cluster: Cluster,
    _root: tempfile::TempDir,
    bins: PgBinaries,
}

impl Server {
    fn start() -> Server {
        let root = data_dir();
        let bins = PgBinaries::find(None).expect("PostgreSQL server binaries");
        let port = 40000 + (std::process::id() % 20000) as u16;
        let cluster = Cluster::new(root.path(), bins.clone(), port);
        cluster.init_as("postgres").expect("initdb");
        cluster.start().expect("start the server");
        Server { cluster, _root: root, bins }
    }

    /// libpq's words for this server as `user` in `dbname` (the form database.url takes).
    fn url(&self, user: &str, dbname: &str) -> String {
        format!("host={} port={} user={user} dbname={dbname}", self.cluster.socket_dir().display(), self.cluster.port)
    }

    /// Runs the script `sql` with psql as the postgres superuser (as an administrator pasting
    /// it would: statement by statement), stopping at the first error.
    fn psql_as_postgres(&self, sql: &str) {
        let mut cmd = Command::new(self.bins.path("psql"));
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"]).arg(self.cluster.socket_dir()).args([
            "-p",
            &self.cluster.port.to_string(),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-f",
            "-",
        ]);
        let (ok, _, err) = run_with_stdin(cmd, sql);
        assert!(ok, "{sql}\n{err}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.cluster.stop();
    }
}

/// The SQL block of docs/stations.md's section "2B", as written there.
fn documented_server_sql() -> String {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/stations.md")).unwrap();
    let section = &doc[doc.find("## 2B.").expect("docs/stations.md has a section 2B")..];
    let block = &section[section.find("```sql\n").expect("section 2B has an sql block") + 7..];
    block[..block.find("```").unwrap()].to_string()
}

/// A station configured with `url` (and `owner_url`), its data folder of its own.
fn station(url: &str, owner_url: Option<&str>) -> Kiosk {
    let mut env = vec![("OMBOR_DATABASE_URL".to_string(), url.to_string())];
    if let Some(o) = owner_url {
        env.push(("OMBOR_DATABASE_OWNER_URL".into(), o.into()));
    }
    Kiosk { data: data_dir(), env }
}

fn boss(k: &Kiosk, args: &[&str]) -> serde_json::Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--user", "boss", "--password-stdin", "--json"]);
    k.ok_json(&all, BOSS)
}

fn product_count(k: &Kiosk) -> usize {
    k.ok_json(&["product", "list", "--json"], "").as_array().unwrap().len()
}

/// Backup, a product added after it, restore, ledger verify: the round trip every set-up must pass.
fn backup_restore_verify(k: &Kiosk) {
    k.ok_json(&["migrate", "--json"], "");
    k.ok_json(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin", "--json"], BOSS);
    boss(k, &["product", "add", "--sku", "CEM-50", "--name", "Sement 50 kg"]);
    let run = boss(k, &["backup", "now"]);
    assert_eq!(run["status"], "ok", "{run}");
    let dump: PathBuf = k.path().join("backups").join(run["file"].as_str().unwrap());
    boss(k, &["product", "add", "--sku", "LATE-1", "--name", "Keyin"]);
    assert_eq!(product_count(k), 2);

    let restored = boss(k, &["restore", dump.to_str().unwrap(), "--yes"]);
    assert!(restored["previous_kept_as"].as_str().unwrap().starts_with("ombor_"), "{restored}");
    assert_eq!(product_count(k), 1, "the product added after the backup is gone");
    let ledger = boss(k, &["ledger", "verify"]);
    assert!(ledger["first_broken_link"].is_null(), "{ledger}");
    // And the restored database takes its backups as before.
    assert_eq!(boss(k, &["backup", "now"])["status"], "ok");
}

#[test]
fn the_documented_roles_take_backups_and_restore_them() {
    let server = Server::start();
    let sql = documented_server_sql();
    for statement in ["CREATE ROLE ombor_owner LOGIN CREATEDB CREATEROLE", "CREATE ROLE ombor_app LOGIN", "OWNER ombor_owner"] {
        assert!(sql.contains(statement), "docs/stations.md 2B no longer says {statement:?}:\n{sql}");
    }
    server.psql_as_postgres(&sql);
    let k = station(&server.url("ombor_app", "ombor_nazorat"), Some(&server.url("ombor_owner", "ombor_nazorat")));
    backup_restore_verify(&k);
}

/// A station with only the application's login (no owner_url) migrates nothing: before the
/// owner's station has migrated it says what to do, afterwards it just works.
#[test]
fn a_station_without_the_owner_login_checks_the_schema_and_does_not_migrate() {
    let server = Server::start();
    server.psql_as_postgres(&documented_server_sql());
    let app_only = station(&server.url("ombor_app", "ombor_nazorat"), None);
    let err = app_only.err(&["product", "list", "--json"], "");
    assert!(err.contains("schema version 0") && err.contains("ombor_app") && err.contains("database.owner_url"), "{err}");
    assert!(!err.contains("permission denied"), "no attempt to migrate as the application: {err}");

    let owner = station(&server.url("ombor_app", "ombor_nazorat"), Some(&server.url("ombor_owner", "ombor_nazorat")));
    owner.ok_json(&["migrate", "--json"], "");
    assert_eq!(product_count(&app_only), 0);
    let report = app_only.ok_json(&["migrate", "--json"], "");
    assert_eq!(report["applied"].as_array().map(Vec::len), Some(0), "{report}");
    assert_eq!(report["current"], report["latest"], "{report}");
}

#[test]
fn one_superuser_login_takes_backups_and_doctor_warns_about_it() {
    let server = Server::start();
    let k = station(&server.url("postgres", "ombor_nazorat"), None);
    backup_restore_verify(&k);
    let mut c = k.cmd(&["doctor", "--non-interactive", "--json", "--lang", "en"]);
    let out = c.output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<&serde_json::Value> = report["groups"].as_array().unwrap().iter().flat_map(|g| g["lines"].as_array().unwrap()).collect();
    let line = |id: &str| *lines.iter().find(|l| l["id"] == id).unwrap_or_else(|| panic!("no line {id}: {report}"));
    assert_eq!(line("database.login")["status"], "warn", "{report}");
    assert!(line("database.login")["detail"].as_str().unwrap().contains("owner's rights"), "{report}");
    assert_eq!(line("backup.login")["status"], "pass", "{report}");
    assert_eq!(line("backup.key")["status"], "pass", "{report}");
}
