//! Three station processes against one PostgreSQL server: an employee enrolled at one station
//! is recognised at the others without a restart (the shared face model, V6) and forgotten when
//! deactivated; then 3 × 200 concurrent OUTs on shared products never make stock negative.
//!
//! The stations are this test binary run again as children (`OMBOR_STATION_CHILD`), each with its
//! own data dir and station name, running the real FaceRecognizer actor and ledger. They talk
//! to the parent in lines starting with `@@` on stdout and take "go" on stdin.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix::Actor;
use actors::face_recognizer::{self, FaceRecognizer, FaceService, IdentifyImage};
use actors::ledger::{self, PostRequest};
use actors::session::{self, SessionSettings};
use deadpool_postgres::tokio_postgres;
use models::db::Target;
use models::movements::new_request_id;
use models::products::NewProduct;
use models::testing::{face_fixture_people, faces_dir, TestDb, TEST_STATION};
use models::{Error, MovementKind, Role};
use rust_decimal::Decimal;

const STATIONS: [&str; 3] = ["dock", "gate", "yard"];
const OUTS_PER_STATION: usize = 200;
/// Stock of each shared product: 3 × 150 = 450 < 600 asked for.
const STOCK_EACH: i64 = 150;
const PRODUCTS: usize = 3;
const PASSWORD: &str = "boss-password-1";

/// The first person of the fixtures: their photos, sorted.
fn person() -> Vec<PathBuf> {
    let (name, photos) = face_fixture_people().swap_remove(0);
    assert!(photos.len() >= 6, "6 photos expected of {name} in {}", faces_dir().display());
    photos
}

fn config(data_dir: &Path, station: &str) -> models::Config {
    let mut c = models::Config::default();
    c.general.data_dir = data_dir.display().to_string();
    c.general.station = station.into();
    c.face.backend = models::config::FaceBackend::SFace;
    c
}

fn settings(station: &str) -> SessionSettings {
    SessionSettings {
        station: station.into(),
        idle_timeout: Duration::from_secs(600),
        verification_ttl: Duration::from_secs(600),
    }
}

/// A libpq URL for the app role on the test server (unix socket or TCP).
fn app_url(target: &Target) -> String {
    let app = &target.app;
    let host = match &app.get_hosts()[0] {
        tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
    };
    let port = app.get_ports().first().copied().unwrap_or(5432);
    let mut url = format!("postgres://{}@/{}?host={host}&port={port}", app.get_user().unwrap(), app.get_dbname().unwrap());
    if let Some(pw) = app.get_password() {
        url.push_str(&format!("&password={}", String::from_utf8_lossy(pw)));
    }
    url
}

// ------------------------------------------------------------------------------- the station

/// Runs only as a child: one station's life (see the module comment).
#[actix::test]
async fn station_child() {
    let Ok(url) = std::env::var("OMBOR_STATION_CHILD") else { return };
    let station = std::env::var("OMBOR_GENERAL_STATION").unwrap();
    let data = PathBuf::from(std::env::var("OMBOR_DATA_DIR").unwrap());
    let probe = PathBuf::from(std::env::var("OMBOR_PROBE_PHOTO").unwrap());
    let products: Vec<i64> = std::env::var("OMBOR_PRODUCTS").unwrap().split(',').map(|s| s.parse().unwrap()).collect();
    let app: tokio_postgres::Config = url.parse().unwrap();
    // A few connections per station: the test cluster has few slots, and the posts queue on them.
    let pool = Target { owner: app.clone(), app, cluster: None }.pool(3);
    let face = FaceRecognizer::new(pool.clone(), config(&data, &station), None).start();
    let identify = || async { face.send(IdentifyImage { path: probe.clone() }).await.unwrap().unwrap() };

    // Nobody is enrolled yet: the station starts, then waits for the face to appear.
    assert_eq!(identify().await.employee_id, None);
    println!("@@ ready");
    let started = Instant::now();
    let (employee_id, embedding) = loop {
        let id = identify().await;
        if let (Some(e), Some(embedding)) = (id.employee_id, id.embedding.clone()) {
            break (e, embedding);
        }
        if started.elapsed() > Duration::from_secs(150) {
            let c = pool.get().await.unwrap();
            let shared = models::face_templates::load(&**c).await.map(|(v, rows)| (v, rows.len()));
            panic!("{station}: the enrolment never reached this station (shared model: {shared:?}, last answer {id:?})");
        }
        // One look a second: each is a full detection + embedding on a shared 2-core machine.
        tokio::time::sleep(Duration::from_millis(1000)).await;
    };
    println!("@@ recognised {employee_id} {}", started.elapsed().as_millis());

    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "go");

    // One face verification (the database judges this station's embedding), then 200 OUTs at once.
    let auth = session::login(&pool, &settings(&station), "boss", PASSWORD).await.unwrap();
    let (verification, _) = face_recognizer::record_verification(&pool, &auth, &station, &embedding, Some(employee_id)).await.unwrap();
    assert_eq!(verification.employee_id, employee_id, "the database names the employee this station saw");
    let mut tasks = Vec::new();
    for i in 0..OUTS_PER_STATION {
        let req = PostRequest {
            product_id: products[i % products.len()],
            kind: MovementKind::Out,
            quantity: Decimal::ONE,
            employee_id,
            verification_id: verification.id,
            note: None,
        };
        let (pool, auth, station) = (pool.clone(), auth.clone(), station.clone());
        tasks.push(tokio::spawn(async move {
            ledger::post_with_request_id(&pool, &station, &auth, &req, &new_request_id(), Duration::from_secs(150)).await
        }));
    }
    let (mut saved, mut insufficient, mut other) = (0, 0, Vec::new());
    for t in tasks {
        match t.await.unwrap() {
            Ok(p) => {
                assert_eq!(p.movement.station, station);
                assert!(p.product.stock >= Decimal::ZERO);
                saved += 1;
            }
            Err(Error::InsufficientStock { .. }) => insufficient += 1,
            Err(e) => other.push(format!("{e:?}")),
        }
    }
    for e in other.iter().take(3) {
        println!("@@ error {e}");
    }
    println!("@@ posted {saved} {insufficient} {}", other.len());

    // The employee is deactivated elsewhere: this station stops recognising them.
    let started = Instant::now();
    loop {
        if identify().await.employee_id != Some(employee_id) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(170), "{station}: the deactivation never reached this station");
        // One look a second: each is a full detection + embedding on a shared 2-core machine.
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    println!("@@ forgotten {}", started.elapsed().as_millis());
}

// ------------------------------------------------------------------------------- the parent

struct Station {
    name: &'static str,
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    _data: tempfile::TempDir,
}

impl Station {
    fn spawn(name: &'static str, url: &str, probe: &Path, products: &[i64]) -> Station {
        let data = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "station_child", "--nocapture", "--test-threads=1"])
            .env("OMBOR_STATION_CHILD", url)
            .env("OMBOR_GENERAL_STATION", name)
            .env("OMBOR_DATA_DIR", data.path())
            .env("OMBOR_PROBE_PHOTO", probe)
            .env("OMBOR_PRODUCTS", products.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
            .env("OPENCV_LOG_LEVEL", "ERROR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest prints "test station_child ... " with no newline before the test runs.
                if let Some(at) = line.find("@@ ") {
                    let _ = tx.send(line[at + 3..].to_string());
                } else if line.contains("panicked") || line.contains("FAILED") {
                    let _ = tx.send(format!("child: {line}"));
                }
            }
        });
        Station { name, child, stdin, lines, _data: data }
    }

    /// The next protocol line starting with `word`, split after it.
    fn expect(&self, word: &str, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("{}: no \"{word}\" within {within:?}", self.name));
            let mut parts = line.split_whitespace().map(str::to_string);
            match parts.next().as_deref() {
                Some(w) if w == word => return parts.collect(),
                Some("error") => eprintln!("{}: {line}", self.name),
                _ if line.starts_with("child:") => panic!("{}: {line}", self.name),
                _ => {}
            }
        }
    }
}

#[actix::test]
async fn three_stations_share_the_face_model_and_the_stock() {
    if std::env::var("OMBOR_STATION_CHILD").is_ok() {
        return;
    }
    let photos = person();
    let db = TestDb::new().await;
    session::create_user(&db.pool, TEST_STATION, None, "boss", PASSWORD, Role::Admin).await.unwrap();
    let admin = session::login(&db.pool, &settings("office"), "boss", PASSWORD).await.unwrap();

    // Shared products, each with less stock than the stations will ask for.
    let (stocker, verification) = db.verified_employee().await;
    let mut products = Vec::new();
    for i in 0..PRODUCTS {
        let p = NewProduct {
            sku: format!("P{i}"),
            qr_code: format!("Q{i}"),
            name: format!("Product {i}"),
            unit: "pcs".into(),
            ..Default::default()
        };
        let p = ledger::add_product(&db.pool, &admin, &p).await.unwrap();
        let req = PostRequest {
            product_id: p.id,
            kind: MovementKind::In,
            quantity: Decimal::from(STOCK_EACH),
            employee_id: stocker,
            verification_id: verification,
            note: None,
        };
        ledger::post_with_request_id(&db.pool, "office", &admin, &req, &new_request_id(), Duration::ZERO).await.unwrap();
        products.push(p.id);
    }
    let employee = ledger::add_employee(&db.pool, &admin, "Shared Face", None).await.unwrap();

    // The stations start before anyone is enrolled.
    let url = app_url(&db.target);
    let mut stations: Vec<Station> = STATIONS.iter().map(|s| Station::spawn(s, &url, &photos[5], &products)).collect();
    for s in &stations {
        s.expect("ready", Duration::from_secs(180));
    }

    eprintln!("all stations ready");
    // The office (this process) enrols the employee from five photos, as `ombor employee enroll` does.
    let office_data = tempfile::tempdir().unwrap();
    let office = config(office_data.path(), "office");
    let links = tempfile::tempdir().unwrap();
    for p in &photos[..5] {
        std::os::unix::fs::symlink(p, links.path().join(p.file_name().unwrap())).unwrap();
    }
    let mut service = FaceService::load(&office).unwrap();
    eprintln!("office: face model loaded");
    service.enrol_photos(employee.id, links.path()).unwrap();
    eprintln!("office: enrolled locally");
    face_recognizer::publish_from_model(&db.pool, &admin, &office, employee.id).await.unwrap();
    let enrolled_at = Instant::now();
    for s in &stations {
        let got = s.expect("recognised", Duration::from_secs(180));
        assert_eq!(got[0], employee.id.to_string(), "{} recognised someone else", s.name);
        eprintln!("{}: recognised the new employee {} ms after the enrolment was shared", s.name, enrolled_at.elapsed().as_millis());
    }
    {
        let c = db.owner_client().await;
        let row = c
            .query_one("SELECT station, cardinality(data) / dims FROM face_templates WHERE employee_id = $1", &[&employee.id])
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "office");
        assert_eq!(row.get::<_, i32>(1), 5, "five templates, numbers only");
    }

    // 3 × 200 OUTs at once.
    for s in &mut stations {
        writeln!(s.stdin, "go").unwrap();
    }
    let (mut saved, mut refused) = (0i64, 0i64);
    let mut saved_by_station = Vec::new();
    for s in &stations {
        let got: Vec<i64> = s.expect("posted", Duration::from_secs(300)).iter().map(|n| n.parse().unwrap()).collect();
        assert_eq!(got[2], 0, "{}: every refusal is for insufficient stock", s.name);
        eprintln!("{}: {} OUTs saved, {} refused for insufficient stock", s.name, got[0], got[1]);
        saved += got[0];
        refused += got[1];
        saved_by_station.push((s.name, got[0]));
    }
    assert_eq!(saved + refused, (STATIONS.len() * OUTS_PER_STATION) as i64);
    assert_eq!(saved, STOCK_EACH * PRODUCTS as i64, "every unit in stock went out, no more");
    let c = db.owner_client().await;
    for p in &products {
        let stock: Decimal = c.query_one("SELECT quantity FROM stock WHERE product_id = $1", &[p]).await.unwrap().get(0);
        assert_eq!(stock, Decimal::ZERO);
    }
    for (name, n) in &saved_by_station {
        let count: i64 = c.query_one("SELECT count(*) FROM movements WHERE kind = 'out' AND station = $1", &[name]).await.unwrap().get(0);
        assert_eq!(count, *n, "{name}'s movements carry its station");
    }
    let report = ledger::verify(&db.pool, &admin).await.unwrap();
    assert!(report.is_ok(), "ledger verify: {report:?}");

    // The office deactivates the employee: every station forgets the face.
    ledger::deactivate_employee(&db.pool, &admin, employee.id).await.unwrap();
    let deactivated_at = Instant::now();
    for s in &stations {
        s.expect("forgotten", Duration::from_secs(180));
        eprintln!("{}: stopped recognising the deactivated employee {} ms after", s.name, deactivated_at.elapsed().as_millis());
    }
    let left: i64 = c.query_one("SELECT count(*) FROM face_templates", &[]).await.unwrap().get(0);
    assert_eq!(left, 0, "deactivation removes the shared templates");
    for s in &mut stations {
        let status = s.child.wait().unwrap();
        assert!(status.success(), "{} exited with {status}", s.name);
    }
}
