//! Users, login, lockout, timeout and the role × action matrix, through the actors' public
//! functions and messages, against a real PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use actix::Actor;
use actors::ledger::{self, PostRequest};
use actors::session::{self, AuthContext, LogoutReason, Session, SessionEvent, SessionSettings};
use futures::StreamExt;
use models::permissions::{allowed, Action};
use models::products::NewProduct;
use models::testing::{TestDb, TEST_STATION};
use models::{Error, MovementKind, Role};
use rust_decimal::Decimal;

fn settings(idle: Duration) -> SessionSettings {
    SessionSettings { station: TEST_STATION.into(), idle_timeout: idle, verification_ttl: Duration::from_secs(300) }
}

async fn user(db: &TestDb, role: Role, name: &str) -> AuthContext {
    let admin = first_admin(db).await;
    session::create_user(&db.pool, TEST_STATION, Some(&admin), name, "a-good-password", role).await.unwrap();
    session::login(&db.pool, &settings(Duration::from_secs(600)), name, "a-good-password").await.unwrap()
}

async fn first_admin(db: &TestDb) -> AuthContext {
    let s = settings(Duration::from_secs(600));
    if let Ok(a) = session::login(&db.pool, &s, "boss", "boss-password-1").await {
        return a;
    }
    session::create_user(&db.pool, TEST_STATION, None, "boss", "boss-password-1", Role::Admin).await.unwrap();
    session::login(&db.pool, &s, "boss", "boss-password-1").await.unwrap()
}

#[actix::test]
async fn the_first_user_must_be_an_admin_and_later_ones_need_an_admin() {
    let db = TestDb::new().await;
    let e = session::create_user(&db.pool, TEST_STATION, None, "op", "a-good-password", Role::Operator).await.unwrap_err();
    assert!(matches!(e, Error::Forbidden { .. }), "{e:?}");
    first_admin(&db).await;
    let e = session::create_user(&db.pool, TEST_STATION, None, "second", "a-good-password", Role::Admin).await.unwrap_err();
    assert_eq!(e, Error::SessionEnded, "with an admin present, creating users needs a session");
    let e = session::create_user(&db.pool, TEST_STATION, Some(&first_admin(&db).await), "BOSS", "a-good-password", Role::Viewer)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Duplicate(_)), "usernames are case-insensitive: {e:?}");
}

#[actix::test]
async fn wrong_unknown_empty_and_huge_credentials() {
    let db = TestDb::new().await;
    first_admin(&db).await;
    let s = settings(Duration::from_secs(600));
    let wrong = session::login(&db.pool, &s, "boss", "not-the-password").await.unwrap_err();
    let unknown = session::login(&db.pool, &s, "nobody", "not-the-password").await.unwrap_err();
    assert_eq!(wrong, Error::BadCredentials);
    assert_eq!(unknown, wrong, "the same message for an unknown user and a wrong password");
    assert!(matches!(session::login(&db.pool, &s, "", "x").await.unwrap_err(), Error::Invalid(_)));
    assert!(matches!(session::login(&db.pool, &s, "boss", "").await.unwrap_err(), Error::Invalid(_)));
    let huge = "p".repeat(1 << 20);
    assert_eq!(session::login(&db.pool, &s, "boss", &huge).await.unwrap_err(), Error::BadCredentials);
    assert_eq!(session::login(&db.pool, &s, &huge, "x").await.unwrap_err(), Error::BadCredentials);
    assert_eq!(session::login(&db.pool, &s, "bo\u{0}ss", "x").await.unwrap_err(), Error::BadCredentials);
    assert_eq!(session::login(&db.pool, &s, "boss", "pass\u{0}word").await.unwrap_err(), Error::BadCredentials);
    assert_eq!(session::login(&db.pool, &s, "BOSS", "boss-password-1").await.map(|a| a.role), Ok(Role::Admin), "case-insensitive username");
    let admin = first_admin(&db).await;
    for bad in ["", "has space", &"u".repeat(65)] {
        assert!(matches!(
            session::create_user(&db.pool, TEST_STATION, Some(&admin), bad, "a-good-password", Role::Viewer).await.unwrap_err(),
            Error::Invalid(_)
        ));
    }
    for bad in ["short", &"p".repeat(1 << 20)] {
        assert!(matches!(
            session::create_user(&db.pool, TEST_STATION, Some(&admin), "newbie", bad, Role::Viewer).await.unwrap_err(),
            Error::Invalid(_)
        ));
    }
}

#[actix::test]
async fn lockout_after_failures_survives_a_restart_and_ends() {
    let db = TestDb::new().await;
    first_admin(&db).await;
    // The limits are the database's own, in a table only the owner can change.
    let owner = db.owner_client().await;
    owner.batch_execute("UPDATE security_settings SET max_failed_logins = 3, lockout = interval '60 seconds'").await.unwrap();
    let s = settings(Duration::from_secs(600));
    for _ in 0..3 {
        assert_eq!(session::login(&db.pool, &s, "boss", "wrong-wrong").await.unwrap_err(), Error::BadCredentials);
    }
    // Locked now: even the right password gets the answer an unknown user gets.
    assert_eq!(session::login(&db.pool, &s, "boss", "boss-password-1").await.unwrap_err(), Error::BadCredentials, "even the right password");
    // "Restart": a new pool, as a new process would have.
    let fresh_pool = db.target.pool(2);
    assert_eq!(session::login(&fresh_pool, &s, "boss", "boss-password-1").await.unwrap_err(), Error::BadCredentials);
    // The minute runs out (moved back by the owner rather than waited for).
    owner.batch_execute("UPDATE user_credentials SET last_failed_at = now() - interval '61 seconds'").await.unwrap();
    assert_eq!(session::login(&fresh_pool, &s, "boss", "boss-password-1").await.map(|a| a.username), Ok("boss".into()));
    let c = db.pool.get().await.unwrap();
    let count = |action: &'static str| {
        let c = &c;
        async move { c.query_one("SELECT count(*) FROM audit_log WHERE action = $1", &[&action]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(count("login.locked").await, 1, "the failure that locked the account");
    let reasons: Vec<String> = c
        .query("SELECT detail->>'reason' FROM audit_log WHERE action = 'login.refused' AND detail->>'username' = 'boss' ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(reasons, ["unknown", "locked", "locked"], "before boss existed, then the two tries while locked");
}

#[actix::test]
async fn an_idle_session_is_ended_and_can_no_longer_post() {
    let db = TestDb::new().await;
    first_admin(&db).await;
    let (emp, ver) = db.verified_employee().await;
    let actor = Session::new(db.pool.clone(), settings(Duration::from_millis(800))).start();
    let (tx, mut events) = futures::channel::mpsc::channel(8);
    actor.send(session::Subscribe(tx)).await.unwrap();
    let auth = actor.send(session::Login { username: "boss".into(), password: "boss-password-1".into() }).await.unwrap().unwrap();
    assert!(matches!(events.next().await, Some(SessionEvent::LoggedIn(_))));
    // Touching keeps it alive past the timeout...
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        actor.send(session::Touch).await.unwrap();
    }
    assert!(actor.send(session::Current).await.unwrap().0.is_some(), "touched sessions stay open");
    // ...idling ends it.
    let ev = tokio::time::timeout(Duration::from_secs(5), events.next()).await.expect("a timeout event");
    assert_eq!(ev, Some(SessionEvent::LoggedOut(LogoutReason::Timeout)));
    assert!(actor.send(session::Current).await.unwrap().0.is_none());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let product = ledger::add_product(
        &db.pool,
        &first_admin(&db).await,
        &NewProduct { sku: "T1".into(), qr_code: "QT1".into(), name: "t".into(), unit: "pcs".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let req = PostRequest {
        product_id: product.id,
        kind: MovementKind::In,
        quantity: Decimal::ONE,
        employee_id: emp,
        verification_id: ver,
        note: None,
    };
    assert_eq!(ledger::post(&db.pool, TEST_STATION, &auth, &req).await.unwrap_err(), Error::SessionEnded);
    let c = db.pool.get().await.unwrap();
    let n: i64 = c.query_one("SELECT count(*) FROM audit_log WHERE action = 'logout.timeout'", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

#[actix::test]
async fn the_program_matrix_is_the_database_matrix() {
    let db = TestDb::new().await;
    let c = db.pool.get().await.unwrap();
    let mut from_db = models::permissions::database_matrix(&**c).await.unwrap();
    from_db.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    let mut from_code = vec![];
    for role in [Role::Admin, Role::Operator, Role::Viewer] {
        for action in Action::ALL {
            if allowed(role, action) {
                from_code.push((role, action.as_str().to_string()));
            }
        }
    }
    from_code.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    assert_eq!(from_code, from_db);
}

/// Performs `action` as `auth`; Ok(true) if something was written.
async fn attempt(db: &TestDb, auth: &AuthContext, action: Action, n: usize, fixture: &(i64, i64, i64)) -> Result<(), Error> {
    let (product, emp, ver) = *fixture;
    match action {
        Action::PostMovement => {
            let req = PostRequest {
                product_id: product,
                kind: MovementKind::In,
                quantity: Decimal::ONE,
                employee_id: emp,
                verification_id: ver,
                note: None,
            };
            ledger::post(&db.pool, TEST_STATION, auth, &req).await.map(|_| ())
        }
        Action::ReverseMovement => {
            let admin = first_admin(db).await;
            let req = PostRequest {
                product_id: product,
                kind: MovementKind::In,
                quantity: Decimal::ONE,
                employee_id: emp,
                verification_id: ver,
                note: None,
            };
            let m = ledger::post(&db.pool, TEST_STATION, &admin, &req).await.unwrap();
            ledger::reverse(&db.pool, TEST_STATION, auth, m.movement.id, "typed the wrong amount").await.map(|_| ())
        }
        Action::ManageProducts => {
            let p = NewProduct {
                sku: format!("M{n}"),
                qr_code: format!("QM{n}"),
                name: "matrix".into(),
                unit: "pcs".into(),
                ..Default::default()
            };
            ledger::add_product(&db.pool, auth, &p).await?;
            ledger::add_category(&db.pool, auth, &format!("cat{n}"), None).await.map(|_| ())
        }
        Action::ManageUsers => {
            session::create_user(&db.pool, TEST_STATION, Some(auth), &format!("made{n}"), "a-good-password", Role::Viewer).await.map(|_| ())
        }
        Action::ManageEmployees => ledger::add_employee(&db.pool, auth, &format!("Worker {n}"), None).await.map(|_| ()),
        Action::ViewStock => ledger::products(&db.pool, auth, &Default::default()).await.map(|_| ()),
        Action::ViewOwnHistory => {
            let lines = ledger::history(&db.pool, auth, Default::default()).await?;
            if auth.role == Role::Operator {
                assert!(lines.iter().all(|l| l.movement.user_id == auth.user_id), "an operator sees only their own movements");
            }
            Ok(())
        }
        _ => ledger::authorize(&db.pool, auth, action).await,
    }
}

async fn written(db: &TestDb) -> i64 {
    let c = db.owner_client().await;
    c.query_one("SELECT (SELECT count(*) FROM movements) + (SELECT count(*) FROM products) + (SELECT count(*) FROM categories) + (SELECT count(*) FROM users) + (SELECT count(*) FROM employees)", &[])
        .await
        .unwrap()
        .get(0)
}

#[actix::test]
async fn every_cell_of_the_role_action_matrix() {
    let db = TestDb::new().await;
    let admin = first_admin(&db).await;
    let p = ledger::add_product(
        &db.pool,
        &admin,
        &NewProduct { sku: "MX".into(), qr_code: "QMX".into(), name: "matrix".into(), unit: "pcs".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let (emp, ver) = db.verified_employee().await;
    let fixture = (p.id, emp, ver);
    let roles = [
        (Role::Admin, admin),
        (Role::Operator, user(&db, Role::Operator, "op").await),
        (Role::Viewer, user(&db, Role::Viewer, "viewer").await),
    ];
    let mut n = 0;
    for (role, auth) in &roles {
        for action in Action::ALL {
            n += 1;
            let result = attempt(&db, auth, action, n, &fixture).await;
            // History is open to every role: reports for admin and viewer, own lines for an operator.
            if allowed(*role, action) || action == Action::ViewOwnHistory {
                result.unwrap_or_else(|e| panic!("{role:?} may {action:?}: {e:?}"));
            } else {
                let before = written(&db).await;
                let e = attempt(&db, auth, action, n + 1000, &fixture).await.unwrap_err();
                assert!(matches!(e, Error::Forbidden { .. }), "{role:?} {action:?}: {e:?}");
                assert!(!e.to_string().is_empty());
                let after = written(&db).await;
                // A forbidden reversal still lets the admin post its fixture movement.
                let expected = if action == Action::ReverseMovement { before + 1 } else { before };
                assert_eq!(after, expected, "{role:?} {action:?} wrote nothing");
            }
        }
    }
    // A bug in the actor layer (a wrong role in the context) is still stopped by the database.
    let mut forged = roles[2].1.clone();
    forged.role = Role::Admin;
    for action in
        [Action::PostMovement, Action::ManageProducts, Action::ManageUsers, Action::ManageEmployees, Action::Backup, Action::Restore]
    {
        n += 1;
        let before = written(&db).await;
        let e = attempt(&db, &forged, action, n, &fixture).await.unwrap_err();
        assert!(matches!(e, Error::Forbidden { .. }), "database refuses {action:?}: {e:?}");
        assert_eq!(written(&db).await, before);
    }
    let _ = Decimal::from_str("1");
}
