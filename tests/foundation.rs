//! The foundation through the real binary: configuration, the embedded cluster, migrations,
//! and the errors a person must understand.

mod common;

use common::*;
use models::testing::TestDb;

#[test]
fn config_show_masks_secrets_and_reports_bad_files() {
    let out = run_ok(ombor().args(["config", "show", "--json"]).env("OMBOR_DATABASE_URL", "postgres://app:hunter2@db.lan/ombor_nazorat"));
    let v = json(&out);
    assert_eq!(v["database"]["url"], "postgres://app:***@db.lan/ombor_nazorat");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[session]\n# comment\ntimeout_secs = \"five minutes\"\n").unwrap();
    let err = run_err(ombor().args(["config", "show"]).arg("--config").arg(&bad));
    assert!(err.contains("line 3") && err.contains("timeout_secs"), "{err}");
    std::fs::write(&bad, "[scanner]\nmax_key_interval_ms = 40\nbeep = true\n").unwrap();
    let err = run_err(ombor().args(["config", "show"]).arg("--config").arg(&bad));
    assert!(err.contains("line 3") && err.contains("beep"), "{err}");
    let err = run_err(ombor().args(["config", "show"]).arg("--config").arg(dir.path().join("missing.toml")));
    assert!(err.contains("missing.toml"), "{err}");
}

#[test]
fn config_outside_a_closed_set_or_a_range_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("kiosk.toml");
    std::fs::write(&bad, "[ui]\nfullscreen = true\ntheme = \"drak\"\n").unwrap();
    let err = run_err(ombor().args(["config", "show"]).arg("--config").arg(&bad));
    assert!(err.contains("kiosk.toml") && err.contains("line 3") && err.contains("ui.theme"), "{err}");
    assert!(err.contains("`light`") && err.contains("`dark`"), "the allowed values: {err}");
    let err = run_err(ombor().args(["config", "show"]).env("OMBOR_CONFIG", &bad));
    assert!(err.contains("kiosk.toml") && err.contains("line 3"), "OMBOR_CONFIG names the same file: {err}");

    std::fs::write(&bad, "[general]\nlocale = \"kz\"\n").unwrap();
    let err = run_err(ombor().args(["config", "show"]).arg("--config").arg(&bad));
    assert!(err.contains("line 2") && err.contains("`uz`") && err.contains("`ru`") && err.contains("`en`"), "{err}");

    std::fs::write(&bad, "[face]\n# stricter\nsface_threshold = -1\n").unwrap();
    let err = run_err(ombor().args(["config", "show"]).arg("--config").arg(&bad));
    assert!(err.contains("line 3") && err.contains("face.sface_threshold") && err.contains("between 0 and 1"), "{err}");
    let err = run_err(ombor().args(["config", "show"]).env("OMBOR_FACE_VERIFICATION_TTL_SECS", "86400"));
    assert!(err.contains("OMBOR_FACE_VERIFICATION_TTL_SECS") && err.contains("from 1 to 3600 seconds"), "{err}");
}

#[test]
fn missing_postgresql_is_explained() {
    let data = data_dir();
    let err = run_err(ombor().arg("migrate").env("OMBOR_DATA_DIR", data.path()).env("OMBOR_DATABASE_PG_BIN_DIR", "/nonexistent/bin"));
    assert!(err.contains("PostgreSQL is not installed") && err.contains("apt-get install postgresql"), "{err}");
}

#[test]
fn unwritable_data_dir_is_explained() {
    let err = run_err(ombor().arg("migrate").env("OMBOR_DATA_DIR", "/proc/ombor-nazorat"));
    assert!(err.contains("cannot be written") && err.contains("/proc/ombor-nazorat"), "{err}");
}

#[test]
fn embedded_default_creates_migrates_and_stops() {
    let data = data_dir();
    let out = run_ok(ombor().args(["migrate", "--json"]).env("OMBOR_DATA_DIR", data.path()));
    let v = json(&out);
    assert_eq!(v["current"], v["latest"]);
    assert!(!v["applied"].as_array().unwrap().is_empty());
    // migrate started the cluster itself, so it stopped it again.
    assert!(postgres_processes_under(data.path()).is_empty(), "{:?}", postgres_processes_under(data.path()));

    let out = run_ok(ombor().args(["db", "start", "--json"]).env("OMBOR_DATA_DIR", data.path()));
    assert_eq!(json(&out)["state"], "running");
    let out = run_ok(ombor().args(["db", "status", "--json"]).env("OMBOR_DATA_DIR", data.path()));
    let v = json(&out);
    assert_eq!(v["mode"], "embedded");
    assert_eq!(v["reachable"], true);
    assert_eq!(v["migration"], v["latest_migration"]);
    assert!(v["target"].as_str().unwrap().contains("ombor_nazorat"));
    // Unix socket only: the server listens on no TCP port.
    let conf = std::fs::read_to_string(data.path().join("postgres/pgdata/postgresql.conf")).unwrap();
    assert!(conf.contains("listen_addresses = ''"));
    let out = run_ok(ombor().args(["migrate", "--json"]).env("OMBOR_DATA_DIR", data.path()));
    assert!(json(&out)["applied"].as_array().unwrap().is_empty(), "idempotent");
    run_ok(ombor().args(["db", "stop"]).env("OMBOR_DATA_DIR", data.path()));
    assert!(postgres_processes_under(data.path()).is_empty());
    let out = run_ok(ombor().args(["db", "status", "--json"]).env("OMBOR_DATA_DIR", data.path()));
    assert_eq!(json(&out)["cluster"], "stopped");
}

#[test]
fn a_socket_held_by_another_server_is_explained() {
    let data = data_dir();
    run_ok(ombor().args(["migrate"]).env("OMBOR_DATA_DIR", data.path()));
    // A lock file naming a live process of the server's user: what another server on the
    // same socket leaves (PostgreSQL treats a process it may not signal as gone).
    let mut holder = std::process::Command::new("sleep");
    holder.arg("60");
    if let Some(pg) = nix::unistd::User::from_name("postgres").unwrap().filter(|_| nix::unistd::geteuid().is_root()) {
        use std::os::unix::process::CommandExt;
        holder.uid(pg.uid.as_raw()).gid(pg.gid.as_raw());
    }
    let mut holder = holder.spawn().unwrap();
    let lock = data.path().join("postgres/run/.s.PGSQL.5432.lock");
    std::fs::write(&lock, format!("{}\n{}\n", holder.id(), data.path().display())).unwrap();
    let err = run_err(ombor().args(["db", "start"]).env("OMBOR_DATA_DIR", data.path()));
    let _ = holder.kill();
    let _ = holder.wait();
    assert!(err.contains("already in use"), "{err}");
    std::fs::remove_file(&lock).unwrap();
    assert!(postgres_processes_under(data.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_against_a_server_url_creates_the_database() {
    let db = TestDb::new().await;
    let cluster = db.cluster().expect("the harness made a cluster").clone();
    let url = format!(
        "host={} port={} user=ombor_owner dbname=ombor_nazorat_url_{}",
        cluster.socket_dir().display(),
        cluster.port,
        std::process::id()
    );
    let data = data_dir();
    let out = tokio::task::spawn_blocking(move || {
        run_ok(ombor().args(["migrate", "--json"]).env("OMBOR_DATA_DIR", data.path()).env("OMBOR_DATABASE_URL", url))
    })
    .await
    .unwrap();
    assert_eq!(json(&out)["current"], json(&out)["latest"]);
    let owner = db.owner_client().await;
    let n: i64 = owner.query_one("SELECT count(*) FROM pg_database WHERE datname LIKE 'ombor_nazorat_url_%'", &[]).await.unwrap().get(0);
    assert!(n >= 1);
}

/// Eight commands started together while the embedded cluster is stopped: one starts it under
/// the data dir's lock, the others wait and use it, none fails; the last one out stops it.
#[test]
fn eight_commands_started_together_share_one_embedded_cluster() {
    let data = data_dir();
    run_ok(ombor().arg("migrate").env("OMBOR_DATA_DIR", data.path()));
    let status = json(&run_ok(ombor().args(["db", "status", "--json"]).env("OMBOR_DATA_DIR", data.path())));
    assert_eq!(status["cluster"], "stopped", "{status}");
    let children: Vec<_> = (0..8)
        .map(|i| {
            let args: &[&str] = if i % 2 == 0 { &["product", "list", "--json"] } else { &["employee", "list", "--json"] };
            ombor()
                .args(args)
                .env("OMBOR_DATA_DIR", data.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "command {i} failed: {}", String::from_utf8_lossy(&out.stderr));
        assert!(json(&out).is_array(), "command {i}");
    }
    let status = json(&run_ok(ombor().args(["db", "status", "--json"]).env("OMBOR_DATA_DIR", data.path())));
    assert_eq!(status["cluster"], "stopped", "left as they found it: {status}");

    // `ombor db start` keeps it running after the commands that use it have gone.
    run_ok(ombor().args(["db", "start"]).env("OMBOR_DATA_DIR", data.path()));
    run_ok(ombor().args(["product", "list"]).env("OMBOR_DATA_DIR", data.path()));
    let status = json(&run_ok(ombor().args(["db", "status", "--json"]).env("OMBOR_DATA_DIR", data.path())));
    assert_eq!(status["cluster"], "running", "{status}");
    run_ok(ombor().args(["db", "stop"]).env("OMBOR_DATA_DIR", data.path()));
}
