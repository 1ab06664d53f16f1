//! A kiosk on real actors and a throwaway database, driven like iced does: views go through
//! the iced_test simulator (clicks on what a person sees), tasks are run to completion here
//! because the simulator does not run them.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use actors::session::{self, AuthContext, Verification};
use actors::RunningSystem;
use futures::StreamExt;
use iced::Task;
use iced_test::runtime::Action;
use iced_test::simulator::Simulator;
use models::products::NewProduct;
use models::testing::TestDb;
use models::Role;
use rust_decimal::Decimal;
use ui::face_link::FaceUpdate;
use ui::i18n::{tr, Text};
use ui::{Kiosk, Message};

pub struct Harness {
    pub db: TestDb,
    pub system: Option<RunningSystem>,
    pub kiosk: Kiosk,
}

pub const SIZE: (f32, f32) = (1280.0, 800.0);

impl Harness {
    /// A kiosk on a database that has its first admin (as after installation).
    pub async fn new(tune: impl FnOnce(&mut models::Config)) -> Harness {
        Self::start(|c, _| tune(c), true).await
    }

    /// A kiosk configured with the test database as its server (database.url / owner_url), so
    /// that pg_dump and restores reach it; with its first admin.
    pub async fn on_server() -> Harness {
        Self::start(
            |c, db| {
                (c.database.url, c.database.owner_url) = db.connection_strings();
            },
            true,
        )
        .await
    }

    /// As [`Harness::on_server`], but the owner's login (which backups use) is refused: a wrong
    /// `database.owner_url`, as after the owner's password was changed on the server.
    pub async fn with_broken_owner_login() -> Harness {
        Self::start(
            |c, db| {
                let (app, owner) = db.connection_strings();
                c.database.url = app;
                c.database.owner_url = owner.replace("user=", "user=nobody_such_");
            },
            true,
        )
        .await
    }

    /// A kiosk on a brand-new database: no users at all.
    pub async fn first_run() -> Harness {
        Self::start(|_, _| {}, false).await
    }

    async fn start(tune: impl FnOnce(&mut models::Config, &TestDb), with_admin: bool) -> Harness {
        let db = TestDb::new().await;
        if with_admin {
            let _ = db.session(Role::Admin).await;
        }
        let mut config = models::Config::default();
        config.general.station = models::testing::TEST_STATION.into();
        // No webcam here: the tests report camera events themselves, as the Camera actor would.
        config.camera.source = String::new();
        // No face models either: the face worker thread (not joined when the actors stop) must
        // not be inside OpenCV when the test process exits — that crashed the binary at exit.
        config.face.models_dir = "/nonexistent-ombor-face-models".into();
        // Exports and anything else written to the data dir stay in a temp dir of this test.
        config.general.data_dir = std::env::temp_dir().join(format!("ombor-ui-{}", db.name)).display().to_string();
        tune(&mut config, &db);
        let system = actors::system::start(config, db.pool.clone());
        let (kiosk, boot) = Kiosk::new(system.handles.clone());
        let mut h = Harness { db, system: Some(system), kiosk };
        h.run(boot).await;
        h
    }

    /// Feeds a message and runs every task it starts, and theirs, to the end.
    pub async fn send(&mut self, message: Message) {
        let task = self.kiosk.update(message);
        self.run(task).await;
    }

    pub async fn run(&mut self, task: Task<Message>) {
        let mut queue = vec![task];
        while let Some(task) = queue.pop() {
            let Some(mut stream) = iced_test::runtime::task::into_stream(task) else { continue };
            while let Some(action) = tokio::time::timeout(Duration::from_secs(20), stream.next()).await.expect("a task finishes") {
                if let Action::Output(m) = action {
                    queue.push(self.kiosk.update(m));
                }
            }
        }
    }

    pub fn simulator(&self) -> Simulator<'_, Message> {
        Simulator::with_size(Default::default(), SIZE, self.kiosk.view())
    }

    /// The kiosk drawn in a window of `size`.
    pub fn simulator_at(&self, size: (f32, f32)) -> Simulator<'_, Message> {
        Simulator::with_size(Default::default(), size, self.kiosk.view())
    }

    /// Is this exact text on screen?
    pub fn shows(&self, text: &str) -> bool {
        self.simulator().find(text).is_ok()
    }

    /// Taps what shows `label`, then lets the kiosk react.
    pub async fn tap(&mut self, label: &str) {
        let messages: Vec<Message> = {
            let mut ui = self.simulator();
            ui.click(label).unwrap_or_else(|e| panic!("nothing to tap labelled {label:?}: {e:?}"));
            ui.into_messages().collect()
        };
        assert!(!messages.is_empty(), "tapping {label:?} did nothing");
        for m in messages {
            self.send(m).await;
        }
    }

    pub fn t(&self, key: Text) -> &'static str {
        tr(self.kiosk.language, key)
    }

    pub async fn scan(&mut self, code: &str) {
        self.send(Message::Scanner(actors::scanner::ScannerEvent::Scanned(code.into()))).await;
    }

    /// A product in the catalogue, with `stock` brought in by an earlier IN.
    pub async fn product(&self, qr: &str, name: &str, stock: i64, min_stock: i64) -> models::Product {
        let admin = self.db.session(Role::Admin).await;
        let mut c = self.db.pool.get().await.unwrap();
        let tx = models::session::begin(&mut c, Some(&admin)).await.unwrap();
        let p = models::products::add(
            &*tx,
            &NewProduct {
                sku: format!("SKU-{qr}"),
                qr_code: qr.into(),
                name: name.into(),
                unit: "pcs".into(),
                min_stock: Decimal::from(min_stock),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        if stock > 0 {
            let (employee_id, verification_id) = self.db.verified_employee().await;
            let tx = models::session::begin(&mut c, Some(&admin)).await.unwrap();
            models::movements::post(
                &*tx,
                &models::movements::PostMovement {
                    product_id: p.id,
                    kind: models::MovementKind::In,
                    quantity: Decimal::from(stock),
                    employee_id,
                    verification_id,
                    note: None,
                    station: "setup".into(),
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        p
    }

    /// A user of `role` logged in through the Session actor (made the first time), and the kiosk told so.
    pub async fn log_in(&mut self, role: Role) -> AuthContext {
        let _ = self.db.session(Role::Admin).await; // makes the first admin if none
        let name = role.as_str().to_string();
        let handles = self.system.as_ref().unwrap().handles.clone();
        let admin_name: String = self
            .db
            .owner_client()
            .await
            .query_one("SELECT username FROM users WHERE role = 'admin' AND active ORDER BY id LIMIT 1", &[])
            .await
            .unwrap()
            .get(0);
        let admin = handles
            .session
            .send(session::Login { username: admin_name, password: models::testing::TEST_PASSWORD.into() })
            .await
            .unwrap()
            .unwrap();
        let exists: bool =
            self.db.owner_client().await.query_one("SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)", &[&name]).await.unwrap().get(0);
        if role != Role::Admin && !exists {
            handles
                .session
                .send(session::CreateUser {
                    auth: Some(admin),
                    username: name.clone(),
                    password: models::testing::TEST_PASSWORD.into(),
                    role,
                })
                .await
                .unwrap()
                .unwrap();
        } else if role == Role::Admin {
            self.send(Message::LoggedIn(Ok(admin.clone()))).await;
            return admin;
        }
        let auth = handles
            .session
            .send(session::Login { username: name, password: models::testing::TEST_PASSWORD.into() })
            .await
            .unwrap()
            .unwrap();
        self.send(Message::LoggedIn(Ok(auth.clone()))).await;
        auth
    }

    /// What the face actors report when a face is confirmed (a real verification row).
    pub async fn face_confirmed(&mut self) -> (i64, i64) {
        let (employee_id, verification_id) = self.db.verified_employee().await;
        self.send(Message::FaceUpdate(FaceUpdate::Verified(Verification {
            employee_id,
            employee_name: "Test Worker".into(),
            verification_id,
            expires_at: Instant::now() + Duration::from_secs(300),
        })))
        .await;
        (employee_id, verification_id)
    }

    pub async fn camera_connected(&mut self) {
        self.send(Message::FaceUpdate(FaceUpdate::CameraConnected { width: 640, height: 480 })).await;
    }

    pub async fn stock_of(&self, product_id: i64) -> Decimal {
        let c = self.db.owner_client().await;
        c.query_one("SELECT quantity FROM stock WHERE product_id = $1", &[&product_id]).await.unwrap().get(0)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(s) = self.system.take() {
            s.stop();
        }
    }
}
