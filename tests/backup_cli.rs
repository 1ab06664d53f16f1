//! `ombor backup now|list|verify` and `ombor restore` through the real binary against its own
//! embedded cluster, with the real pg_dump and psql.

mod common;

use std::path::PathBuf;

use common::*;

const BOSS: &str = "boss-password-1\n";

impl Kiosk {
    fn with_boss() -> Kiosk {
        let k = Kiosk::new();
        k.ok_json(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin", "--json"], BOSS);
        k
    }

    fn add_product(&self, sku: &str) {
        self.ok_json(
            &["product", "add", "--sku", sku, "--name", &format!("Mahsulot {sku}"), "--user", "boss", "--password-stdin", "--json"],
            BOSS,
        );
    }

    fn product_count(&self) -> usize {
        self.ok_json(&["product", "list", "--json"], "").as_array().unwrap().len()
    }

    fn backup_now(&self) -> PathBuf {
        let v = self.ok_json(&["backup", "now", "--user", "boss", "--password-stdin", "--json"], BOSS);
        assert_eq!(v["status"], "ok", "{v}");
        self.data.path().join("backups").join(v["file"].as_str().unwrap())
    }

    fn model(&self) -> PathBuf {
        self.data.path().join("model.yml")
    }
}

#[test]
fn backup_verify_list_and_restore_round_trip() {
    let k = Kiosk::with_boss();
    k.add_product("CEM-50");
    k.add_product("NAIL-10");
    std::fs::write(k.model(), b"%YAML:1.0\nlabels: [1, 2]\n").unwrap();
    let dump = k.backup_now();
    let name = dump.file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.starts_with("ombor_nazorat_") && name.ends_with(".sql") && name.len() == "ombor_nazorat_20261125_020000.sql".len());

    let v = k.ok_json(&["backup", "verify", dump.to_str().unwrap(), "--json"], "");
    assert_eq!(v["bytes"].as_u64().unwrap(), std::fs::metadata(&dump).unwrap().len());
    assert!(v["face_model"].is_string(), "{v}");
    let listed = k.ok_json(&["backup", "list", "--json"], "");
    assert_eq!(listed["files"][0]["file"], name.as_str());
    assert_eq!(listed["files"][0]["checksum"], "recorded");
    assert_eq!(listed["runs"][0]["status"], "ok");
    let checked = k.ok_json(&["backup", "list", "--check", "--json"], "");
    assert_eq!(checked["files"][0]["checksum"], "verified");
    let (ok, text, _) = k.with_stdin(&["backup", "list"], "");
    assert!(ok && text.contains(&name) && text.contains("recorded"), "{text}");

    // After the backup: another product, another face model.
    k.add_product("LATE-1");
    std::fs::write(k.model(), b"%YAML:1.0\nlabels: [1, 2, 3]\n").unwrap();
    assert_eq!(k.product_count(), 3);

    // A script must say --yes.
    let e = k.err(&["restore", dump.to_str().unwrap(), "--user", "boss", "--password-stdin"], BOSS);
    assert!(e.contains("--yes"), "{e}");
    assert_eq!(k.product_count(), 3);

    let r = k.ok_json(&["restore", dump.to_str().unwrap(), "--yes", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert_eq!(r["database"], "ombor_nazorat");
    assert!(r["previous_kept_as"].as_str().unwrap().starts_with("ombor_nazorat_old_"));
    assert_eq!(r["face_model_restored"], true);
    assert_eq!(k.product_count(), 2, "the product added after the backup is gone");
    assert_eq!(std::fs::read(k.model()).unwrap(), b"%YAML:1.0\nlabels: [1, 2]\n");
    let ledger = k.ok_json(&["ledger", "verify", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert!(ledger["first_broken_link"].is_null(), "{ledger}");
    let audit = k.ok_json(&["audit", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert!(audit.as_array().unwrap().iter().any(|a| a["action"] == "backup.restore"), "{audit}");

    // The replaced database is kept: listed, named by the hand-over check, dropped on request.
    let old = r["previous_kept_as"].as_str().unwrap().to_string();
    let kept = k.ok_json(&["backup", "kept", "--json"], "");
    assert_eq!(kept.as_array().unwrap().len(), 1, "{kept}");
    assert_eq!(kept[0]["name"], old.as_str());
    assert!(kept[0]["bytes"].as_i64().unwrap() > 1_000_000, "a whole database: {kept}");
    let (_, report, _) = k.with_stdin(&["doctor", "--non-interactive", "--json", "--lang", "en"], "");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let line = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["lines"].as_array().unwrap())
        .find(|l| l["id"] == "backup.kept")
        .unwrap();
    assert_eq!(line["status"], "warn", "{line}");
    assert!(line["detail"].as_str().unwrap().contains(&old) && line["hint"].as_str().unwrap().contains("drop-kept"), "{line}");
    let e = k.err(&["backup", "drop-kept", "ombor_nazorat", "--yes", "--user", "boss", "--password-stdin"], BOSS);
    assert!(e.contains("no database ombor_nazorat kept by a restore"), "never the live one: {e}");
    assert_eq!(k.product_count(), 2);
    let e = k.err(&["backup", "drop-kept", &old, "--user", "boss", "--password-stdin"], BOSS);
    assert!(e.contains("--yes"), "a script must say --yes: {e}");
    k.ok_json(&["backup", "drop-kept", &old, "--yes", "--user", "boss", "--password-stdin", "--json"], BOSS);
    assert!(k.ok_json(&["backup", "kept", "--json"], "").as_array().unwrap().is_empty());
}

#[test]
fn a_damaged_dump_is_refused_and_nothing_changes() {
    let k = Kiosk::with_boss();
    k.add_product("CEM-50");
    let dump = k.backup_now();
    k.add_product("LATE-1");
    let good = std::fs::read(&dump).unwrap();
    std::fs::write(&dump, &good[..good.len() - 100]).unwrap();
    let e = k.err(&["backup", "verify", dump.to_str().unwrap()], "");
    assert!(e.contains("damaged"), "{e}");
    let e = k.err(&["restore", dump.to_str().unwrap(), "--yes", "--user", "boss", "--password-stdin"], BOSS);
    assert!(e.contains("damaged") && e.contains("nothing was changed"), "{e}");
    assert_eq!(k.product_count(), 2);
    let listed = k.ok_json(&["backup", "list", "--json"], "");
    assert_eq!(listed["files"][0]["checksum"], "mismatch", "the size differs from the manifest");
}

#[test]
fn backup_needs_an_admin_and_a_bad_folder_is_a_clear_error() {
    let mut k = Kiosk::with_boss();
    k.ok_json(
        &["user", "add", "--username", "op", "--role", "operator", "--user", "boss", "--password-stdin", "--json"],
        "boss-password-1\nop-password-1\n",
    );
    let e = k.err(&["backup", "now", "--user", "op", "--password-stdin"], "op-password-1\n");
    assert!(e.contains("may not backup"), "{e}");
    let e = k.err(&["backup", "now"], "");
    assert!(e.contains("needs a login"), "{e}");

    let first = k.backup_now();
    // Full: the configured minimum free space cannot be met.
    k.env = vec![("OMBOR_BACKUP_MIN_FREE_MB".into(), "999999999".into())];
    let e = k.err(&["backup", "now", "--user", "boss", "--password-stdin"], BOSS);
    assert!(e.contains("not enough free space"), "{e}");
    // Unwritable: a file stands where the folder should be.
    let blocker = k.data.path().join("blocker");
    std::fs::write(&blocker, b"x").unwrap();
    k.env = vec![("OMBOR_BACKUP_DIR".into(), blocker.join("backups").display().to_string())];
    let e = k.err(&["backup", "now", "--user", "boss", "--password-stdin"], BOSS);
    assert!(e.contains("cannot be written"), "{e}");
    k.env.clear();
    assert!(first.exists(), "nothing deleted");
    let runs = k.ok_json(&["backup", "list", "--json"], "");
    let statuses: Vec<&str> = runs["runs"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["failed", "failed", "ok"]);
}
