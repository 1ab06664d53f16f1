//! A dishonest insider: someone who holds the application's database login (every station has
//! it) and talks to PostgreSQL with their own client, skipping the program. Each attack of
//! issue 18 that the database must stop is tried here AS THE APPLICATION ROLE, and each must be
//! refused with nothing written.

use std::str::FromStr;

use models::movements::{self, PostMovement};
use models::products::{self, NewProduct};
use models::testing::{TestDb, TEST_STATION};
use models::{session, Error, MovementKind, Role, SessionToken};
use rust_decimal::Decimal;

async fn add_product(db: &TestDb, admin: &SessionToken, sku: &str) -> models::Product {
    let mut c = db.pool.get().await.unwrap();
    let tx = session::begin(&mut c, Some(admin)).await.unwrap();
    let p = products::add(
        &*tx,
        &NewProduct {
            sku: sku.into(),
            qr_code: format!("QR-{sku}"),
            name: format!("Product {sku}"),
            unit: "pcs".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    p
}

fn posting(product: i64, kind: MovementKind, qty: &str, employee: i64, verification: i64) -> PostMovement {
    PostMovement {
        product_id: product,
        kind,
        quantity: Decimal::from_str(qty).unwrap(),
        employee_id: employee,
        verification_id: verification,
        note: None,
        station: TEST_STATION.into(),
    }
}

/// Rows of the tables an attack could write, counted as the owner sees them.
async fn everything_written(db: &TestDb) -> Vec<i64> {
    let owner = db.owner_client().await;
    let mut counts = vec![];
    for table in
        ["movements", "stock", "users", "sessions", "face_verifications", "audit_log", "products", "employees", "movement_requests"]
    {
        counts.push(owner.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0));
    }
    let stock: Decimal = owner.query_one("SELECT coalesce(sum(quantity), 0) FROM stock", &[]).await.unwrap().get(0);
    counts.push(stock.mantissa() as i64);
    counts
}

// ------------------------------------------------------------------------ search_path and TEMP

#[tokio::test]
async fn every_security_definer_function_searches_pg_temp_last() {
    let db = TestDb::new().await;
    let c = db.pool.get().await.unwrap();
    let rows = c
        .query(
            "SELECT p.oid::regprocedure::text, coalesce(array_to_string(p.proconfig, ';'), '')
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public' AND p.prosecdef ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    assert!(rows.len() > 20, "the schema's checked functions are there: {}", rows.len());
    for r in &rows {
        let (name, config): (String, String) = (r.get(0), r.get(1));
        assert!(config.contains("search_path=pg_catalog, public, pg_temp"), "{name} runs with {config:?}");
    }
}

#[tokio::test]
async fn the_application_role_cannot_make_a_temp_table_named_like_any_table() {
    let db = TestDb::new().await;
    let c = db.pool.get().await.unwrap();
    let tables: Vec<String> = c
        .query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for expected in ["role_permissions", "sessions", "users", "face_verifications", "stock", "products", "movements", "face_templates"] {
        assert!(tables.iter().any(|t| t == expected), "{expected} in {tables:?}");
    }
    for table in &tables {
        let e = c.batch_execute(&format!("CREATE TEMP TABLE {table} (x int)")).await.unwrap_err();
        assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "TEMP {table}: {e}");
    }
    let temp: i64 = db
        .owner_client()
        .await
        .query_one("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 'pg_temp%'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(temp, 0, "no temporary table was made");
}

/// Even where TEMP is granted back (an administrator's mistake), the checked functions read the
/// real tables: a viewer does not post, a made-up session is no session, shadow stock is not
/// stock, a shadow face confirmation is no confirmation.
#[tokio::test]
async fn shadow_tables_change_nothing_even_with_temp_granted_back() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let viewer = db.session(Role::Viewer).await;
    let operator = db.session(Role::Operator).await;
    let product = add_product(&db, &admin, "SH1").await;
    let (employee, verification) = db.verified_employee().await;
    let mut c = db.pool.get().await.unwrap();
    let tx = session::begin(&mut c, Some(&operator)).await.unwrap();
    movements::post(&*tx, &posting(product.id, MovementKind::In, "114", employee, verification)).await.unwrap();
    tx.commit().await.unwrap();
    let owner = db.owner_client().await;
    owner.batch_execute(&format!("GRANT TEMPORARY ON DATABASE {} TO ombor_app", db.name)).await.unwrap();
    drop(c);

    // A fresh connection (the pool's old ones were opened before the grant; TEMP is checked at use).
    let target = db.target.clone();
    let pool = target.pool(1);
    let mut c = pool.get().await.unwrap();
    let fake_token = SessionToken::generate();
    let admin_id: i64 = owner.query_one("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1", &[]).await.unwrap().get(0);
    c.batch_execute(&format!(
        "CREATE TEMP TABLE role_permissions (role user_role, action text);
         INSERT INTO role_permissions VALUES ('viewer', 'post_movement'), ('operator', 'reverse_movement');
         CREATE TEMP TABLE sessions AS SELECT 1::bigint AS id, sha256(decode('{}', 'hex')) AS token_hash, {admin_id}::bigint AS user_id,
             'x'::text AS station, interval '1 day' AS idle_timeout, now() AS started_at, now() AS last_seen_at,
             NULL::timestamptz AS ended_at, NULL::text AS end_reason;
         CREATE TEMP TABLE stock AS SELECT {} ::bigint AS product_id, 1000000::numeric AS quantity, NULL::bigint AS last_movement_id,
             NULL::bytea AS last_hash, now() AS updated_at;
         CREATE TEMP TABLE face_verifications AS SELECT 999999::bigint AS id, {employee}::bigint AS employee_id, 1::float8 AS confidence,
             'x'::text AS station, now() AS created_at, now() + interval '1 day' AS expires_at;",
        fake_token.as_hex(),
        product.id
    ))
    .await
    .unwrap();
    let before = everything_written(&db).await;

    let tx = session::begin(&mut c, Some(&viewer)).await.unwrap();
    let e = movements::post(&*tx, &posting(product.id, MovementKind::In, "1", employee, verification)).await.unwrap_err();
    assert!(matches!(e, Error::Forbidden { .. }), "a viewer with a shadow permission table: {e:?}");
    drop(tx);
    let tx = session::begin(&mut c, Some(&fake_token)).await.unwrap();
    let e = movements::post(&*tx, &posting(product.id, MovementKind::In, "1", employee, verification)).await.unwrap_err();
    assert_eq!(e, Error::SessionEnded, "a shadow session is no session");
    drop(tx);
    let tx = session::begin(&mut c, Some(&operator)).await.unwrap();
    let e = movements::post(&*tx, &posting(product.id, MovementKind::Out, "500", employee, verification)).await.unwrap_err();
    assert!(matches!(e, Error::InsufficientStock { .. }), "shadow stock is not stock: {e:?}");
    drop(tx);
    let tx = session::begin(&mut c, Some(&operator)).await.unwrap();
    let e = movements::post(&*tx, &posting(product.id, MovementKind::In, "1", employee, 999_999)).await.unwrap_err();
    assert_eq!(e, Error::NoFaceVerification, "a shadow face confirmation");
    drop(tx);
    assert_eq!(everything_written(&db).await, before, "nothing was written");
}

// ------------------------------------------------------------------------ passwords and sessions

fn refused(e: &tokio_postgres::Error) -> bool {
    matches!(e.code(), Some(c) if *c == tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE || *c == tokio_postgres::error::SqlState::UNDEFINED_FUNCTION)
}

/// A user the harness made (with the test password), its id and a wrong key of the right length.
async fn victim(db: &TestDb) -> (String, i64) {
    db.session(Role::Admin).await;
    let owner = db.owner_client().await;
    let r = owner.query_one("SELECT username, id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1", &[]).await.unwrap();
    (r.get(0), r.get(1))
}

#[tokio::test]
async fn no_session_without_the_password_and_no_hash_to_read() {
    let db = TestDb::new().await;
    let (name, id) = victim(&db).await;
    let c = db.pool.get().await.unwrap();
    let before = everything_written(&db).await;
    for sql in [
        format!("SELECT auth_open_session({id}, sha256('\\x01'::bytea), 'x', interval '1 hour')"),
        format!("SELECT * FROM auth_lookup('{name}')"),
        format!("SELECT auth_failed({id}, 1000000, interval '1 second', 'x')"),
        format!("SELECT auth_set_verifier({id}, '\\x0102030405060708'::bytea, 19456, 2, 1, sha256('\\x01'::bytea))"),
        "SELECT password_hash FROM users".to_string(),
        "SELECT * FROM user_credentials".to_string(),
        "SELECT * FROM security_settings".to_string(),
        "SELECT * FROM auth_attempts".to_string(),
        "SELECT token_hash FROM sessions".to_string(),
        "UPDATE security_settings SET max_failed_logins = 1000000, lockout = interval '1 second'".to_string(),
        format!("UPDATE user_credentials SET failed_logins = 0 WHERE user_id = {id}"),
        format!("INSERT INTO sessions (token_hash, user_id, station, idle_timeout) VALUES ('\\x00', {id}, 'x', interval '1 day')"),
    ] {
        let e = c.batch_execute(&sql).await.unwrap_err();
        assert!(refused(&e), "{sql}: {e}");
    }
    // No function the application may call hands out a hash, a verifier or a token hash.
    let leaking: Vec<String> = c
        .query(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public' AND has_function_privilege('ombor_app', p.oid, 'EXECUTE')
                AND EXISTS (SELECT 1 FROM unnest(p.proargnames, p.proargmodes) a(name, mode)
                             WHERE a.mode IN ('o', 't', 'b') AND a.name ~ '(hash|verifier|secret)')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(leaking.is_empty(), "{leaking:?}");
    // A made-up attempt id opens nothing.
    let r = c.query_one("SELECT token FROM auth_login_result(gen_random_uuid()::text, interval '1 hour')", &[]).await.unwrap();
    assert_eq!(r.get::<_, Option<Vec<u8>>>(0), None);
    assert_eq!(everything_written(&db).await, before, "nothing was written");
}

/// One call that both counted and answered could be rolled back after reading the answer, so
/// its failure would never count. The answer is only read in a later transaction: in the
/// attempt's own transaction even the right key opens nothing.
#[tokio::test]
async fn a_rolled_back_guess_teaches_nothing() {
    let db = TestDb::new().await;
    let (name, _) = victim(&db).await;
    let (_, right_key) = models::testing::test_credential();
    let mut c = db.pool.get().await.unwrap();
    let before = everything_written(&db).await;
    for key in [right_key.0.clone(), vec![7u8; 32]] {
        let tx = c.transaction().await.unwrap();
        let attempt: String = tx.query_one("SELECT auth_login($1, $2, 'x')", &[&name, &key]).await.unwrap().get(0);
        let r = tx.query_one("SELECT token FROM auth_login_result($1, interval '1 hour')", &[&attempt]).await.unwrap();
        assert_eq!(r.get::<_, Option<Vec<u8>>>(0), None, "no answer inside the attempt's transaction");
        tx.rollback().await.unwrap();
    }
    assert_eq!(everything_written(&db).await, before, "nothing was written");
    // Done properly, the right key works.
    let who = models::users::login(&**c, &name, right_key, TEST_STATION, std::time::Duration::from_secs(60)).await.unwrap();
    assert!(who.is_some());
}

#[tokio::test]
async fn twenty_parallel_guesses_get_five_checks_and_the_lock_is_the_database_s() {
    let db = TestDb::new().await;
    let (name, id) = victim(&db).await;
    let owner = db.owner_client().await;
    let limit: i32 = owner.query_one("SELECT max_failed_logins FROM security_settings", &[]).await.unwrap().get(0);
    assert_eq!(limit, 5);
    let mut guesses = vec![];
    for i in 0..20u8 {
        let (pool, name) = (db.target.pool(1), name.clone());
        guesses.push(tokio::spawn(async move {
            let c = pool.get().await.unwrap();
            let key = models::password::LoginKey(vec![i; 32]);
            models::users::login(&**c, &name, &key, "attacker", std::time::Duration::from_secs(60)).await.unwrap()
        }));
    }
    for g in guesses {
        assert!(g.await.unwrap().is_none());
    }
    let count = |sql: &'static str| {
        let owner = &owner;
        async move { owner.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(count("SELECT count(*) FROM audit_log WHERE action IN ('login.failed', 'login.locked')").await, 5, "five keys were checked");
    assert_eq!(count("SELECT count(*) FROM audit_log WHERE action = 'login.refused' AND detail->>'reason' = 'locked'").await, 15);
    // Locked: the right key gets exactly what an unknown user gets.
    let (_, right_key) = models::testing::test_credential();
    let c = db.pool.get().await.unwrap();
    assert!(models::users::login(&**c, &name, right_key, "x", std::time::Duration::from_secs(60)).await.unwrap().is_none());
    assert!(models::users::login(&**c, "nobody-at-all", right_key, "x", std::time::Duration::from_secs(60)).await.unwrap().is_none());
    let failures: i32 = owner.query_one("SELECT failed_logins FROM user_credentials WHERE user_id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(failures, 5, "the tries while locked are not checked and do not lengthen the lock");
}

#[tokio::test]
async fn an_unknown_user_looks_like_any_user() {
    let db = TestDb::new().await;
    let (name, _) = victim(&db).await;
    let c = db.pool.get().await.unwrap();
    let (real_salt, real_params) = models::users::auth_salt(&**c, &name).await.unwrap();
    let (fake_salt, fake_params) = models::users::auth_salt(&**c, "no-such-user").await.unwrap();
    let (again, _) = models::users::auth_salt(&**c, "NO-SUCH-USER").await.unwrap();
    assert_eq!(fake_salt, again, "the same salt at every call (case-insensitive, like usernames)");
    assert_eq!(fake_salt.len(), real_salt.len());
    assert_eq!(fake_params, real_params);
    let (other, _) = models::users::auth_salt(&**c, "another-unknown").await.unwrap();
    assert_ne!(other, fake_salt);
}

// ------------------------------------------------------------------------ faces and audit

/// A small deterministic generator (no dependency): uniform in [-1, 1).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn unit(&mut self) -> Vec<f32> {
        unit((0..models::employees::SFACE_DIMS).map(|_| self.next()).collect())
    }
}

fn unit(v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum::<f64>()
        / (a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt() * b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt())
}

/// `t` moved by noise so that its cosine with `t` is about `target` (a new photo of the same
/// face scores like this; a copy of the template scores 1).
fn perturbed(t: &[f32], noise: &mut Noise, target: f64) -> Vec<f32> {
    let r = noise.unit();
    // r is nearly orthogonal to t: cos(t, t + a·r) = 1 / sqrt(1 + a²).
    let a = ((1.0 / (target * target)) - 1.0).sqrt() as f32;
    t.iter().zip(&r).map(|(x, y)| x + a * y).collect()
}

/// Two employees enrolled with five SFace templates each, through the application's own path
/// (an admin's session, face_templates_save): (employee, its templates) for each.
async fn enrolled_pair(db: &TestDb, admin: &SessionToken, noise: &mut Noise) -> Vec<(i64, Vec<Vec<f32>>)> {
    let mut out = vec![];
    for name in ["Aziz Karimov", "Dilnoza Rahimova"] {
        let centre = noise.unit();
        let templates: Vec<Vec<f32>> = (0..5).map(|_| unit(perturbed(&centre, noise, 0.9))).collect();
        let mut c = db.pool.get().await.unwrap();
        let tx = session::begin(&mut c, Some(admin)).await.unwrap();
        let e = models::employees::add(&*tx, name, None).await.unwrap();
        models::face_templates::save(&*tx, e.id, "sface", 128, &templates.concat(), TEST_STATION).await.unwrap();
        tx.commit().await.unwrap();
        out.push((e.id, templates));
    }
    out
}

/// face_verify as `who` (committed, as the recognizer does).
async fn verify_as(db: &TestDb, who: Option<&SessionToken>, probe: &[f32]) -> Result<Option<models::FaceVerification>, Error> {
    let mut c = db.pool.get().await.unwrap();
    let tx = session::begin(&mut c, who).await.unwrap();
    let v = models::employees::face_verify(&*tx, probe, "dock-1").await?;
    tx.commit().await.unwrap();
    Ok(v)
}

async fn count_of(db: &TestDb, sql: &str) -> i64 {
    db.owner_client().await.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_bare_employee_id_is_no_face_and_audit_is_the_functions_own() {
    let db = TestDb::new().await;
    let (employee, _) = db.verified_employee().await;
    let operator = db.session(Role::Operator).await;
    let mut c = db.pool.get().await.unwrap();
    let before = everything_written(&db).await;
    for sql in [
        format!("SELECT record_face_verification({employee}, 0.99, 'x', interval '1 hour')"),
        format!("SELECT record_face_verification({employee}, 0.99, 'x', interval '5 minutes')"),
        "SELECT audit('backup.restore', '{}'::jsonb, 'x')".to_string(),
        "SELECT audit('user.create', '{\"user\": 1}'::jsonb, 'x', 1)".to_string(),
        format!("INSERT INTO face_verifications (employee_id, confidence, station, expires_at) VALUES ({employee}, 1, 'x', now() + interval '1 hour')"),
        "INSERT INTO audit_log (action) VALUES ('forged')".to_string(),
        "SELECT * FROM face_attempts".to_string(),
        "UPDATE security_settings SET face_threshold = 0.01".to_string(),
    ] {
        let e = c.batch_execute(&sql).await.unwrap_err();
        assert!(refused(&e), "{sql}: {e}");
    }
    // Not even inside a session: the grants are the role's, not the session's.
    let tx = session::begin(&mut c, Some(&operator)).await.unwrap();
    let e = tx.batch_execute(&format!("SELECT record_face_verification({employee}, 0.99, 'x', interval '1 hour')")).await.unwrap_err();
    assert!(refused(&e), "{e}");
    drop(tx);
    // No overload of audit() is left to the application's role or to PUBLIC.
    let open: Vec<String> = c
        .query(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public' AND p.proname IN ('audit', 'record_face_verification')
                AND has_function_privilege('ombor_app', p.oid, 'EXECUTE')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(open.is_empty(), "{open:?}");
    // A logout's reason is a closed set: no free text into the audit's action.
    let tx = session::begin(&mut c, Some(&operator)).await.unwrap();
    let e = models::users::end_session(&*tx, &operator, "forged.entry", TEST_STATION).await.unwrap_err();
    assert!(matches!(e, Error::InvalidQuantity(_)), "{e:?}");
    drop(tx);
    assert_eq!(everything_written(&db).await, before, "nothing was written");
    // The program's own logout still works and is audited.
    models::users::end_session(&**c, &operator, "manual", TEST_STATION).await.unwrap();
    assert_eq!(count_of(&db, "SELECT count(*) FROM audit_log WHERE action = 'logout.manual'").await, 1);
}

#[tokio::test]
async fn the_database_decides_whose_face_it_is() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let operator = db.session(Role::Operator).await;
    let viewer = db.session(Role::Viewer).await;
    let mut noise = Noise(0x5eed_f00d_1234_5678);
    let people = enrolled_pair(&db, &admin, &mut noise).await;
    let (aziz, aziz_templates) = &people[0];
    let (dilnoza, dilnoza_templates) = &people[1];
    let before = everything_written(&db).await;
    let attempts = || count_of(&db, "SELECT count(*) FROM face_attempts");
    let verifications = || count_of(&db, "SELECT count(*) FROM face_verifications");

    // Without a session, with a viewer's: refused, nothing written (not even the try).
    let good = perturbed(&aziz_templates[2], &mut noise, 0.9);
    assert_eq!(verify_as(&db, None, &good).await.unwrap_err(), Error::SessionEnded);
    assert!(matches!(verify_as(&db, Some(&viewer), &good).await.unwrap_err(), Error::Forbidden { .. }));
    assert_eq!(everything_written(&db).await, before, "nothing was written");
    assert_eq!(attempts().await, 0);

    // A random face, rubbish, a copy of a stored template: one answer, no verification.
    let stranger = noise.unit();
    assert!(cosine(&stranger, &aziz_templates[0]) < 0.5);
    let wrong_length = vec![0.1f32; 127];
    let zero = vec![0f32; 128];
    let mut nan = good.clone();
    nan[7] = f32::NAN;
    for (what, probe) in [
        ("a stranger", &stranger),
        ("127 numbers", &wrong_length),
        ("zeros", &zero),
        ("a NaN", &nan),
        ("a stored template copied", &aziz_templates[3]),
        ("a stored template scaled", &aziz_templates[1].iter().map(|x| x * 3.0).collect::<Vec<f32>>()),
    ] {
        assert_eq!(verify_as(&db, Some(&operator), probe).await.unwrap(), None, "{what}");
    }
    assert_eq!(verifications().await, 0, "no verification was recorded");
    let reasons: Vec<String> = db
        .owner_client()
        .await
        .query("SELECT detail->>'reason' FROM audit_log WHERE action = 'face.refused' ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(reasons, ["not_recognised", "bad_embedding", "bad_embedding", "bad_embedding", "replay", "replay"]);

    // A new photo of the same face (cosine ≈ 0.9 with a template): accepted, the database names
    // the employee, with its own clock and exactly five minutes, whatever the station wants.
    let v = verify_as(&db, Some(&operator), &good).await.unwrap().expect("a real probe is accepted");
    assert_eq!(v.employee_id, *aziz);
    assert!(v.confidence > 0.55 && v.confidence < 0.999, "{}", v.confidence);
    assert_eq!(v.station, "dock-1");
    assert_eq!(v.expires_at - v.created_at, chrono::Duration::minutes(5));
    let probe = perturbed(&dilnoza_templates[0], &mut noise, 0.8);
    let w = verify_as(&db, Some(&operator), &probe).await.unwrap().expect("the other employee");
    assert_eq!(w.employee_id, *dilnoza, "the database names the best employee itself");
    let owner = db.owner_client().await;
    let r = owner
        .query_one("SELECT user_id, detail->>'employee' FROM audit_log WHERE action = 'face.verified' ORDER BY id LIMIT 1", &[])
        .await
        .unwrap();
    let operator_id: i64 = owner.query_one("SELECT user_id FROM sessions WHERE token_hash = $1", &[&operator.hash()]).await.unwrap().get(0);
    assert_eq!((r.get::<_, Option<i64>>(0), r.get::<_, Option<String>>(1)), (Some(operator_id), Some(aziz.to_string())));

    // The verification posts (for the employee the database named, not another).
    let product = add_product(&db, &admin, "FV1").await;
    let mut c = db.pool.get().await.unwrap();
    let tx = session::begin(&mut c, Some(&operator)).await.unwrap();
    let e = movements::post(&*tx, &posting(product.id, MovementKind::In, "3", *dilnoza, v.id)).await.unwrap_err();
    assert_eq!(e, Error::NoFaceVerification);
    drop(tx);
    let tx = session::begin(&mut c, Some(&operator)).await.unwrap();
    movements::post(&*tx, &posting(product.id, MovementKind::In, "3", *aziz, v.id)).await.unwrap();
    tx.commit().await.unwrap();

    // A deactivated employee is nobody's face any more.
    let tx = session::begin(&mut c, Some(&admin)).await.unwrap();
    models::employees::deactivate(&*tx, *dilnoza).await.unwrap();
    tx.commit().await.unwrap();
    let again = perturbed(&dilnoza_templates[1], &mut noise, 0.9);
    assert_eq!(verify_as(&db, Some(&operator), &again).await.unwrap(), None);
}

#[tokio::test]
async fn face_tries_are_limited_per_user_even_in_parallel() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let operator = db.session(Role::Operator).await;
    let mut noise = Noise(42);
    let people = enrolled_pair(&db, &admin, &mut noise).await;
    let owner = db.owner_client().await;
    let limit: i32 = owner.query_one("SELECT face_tries_per_minute FROM security_settings", &[]).await.unwrap().get(0);
    assert_eq!(limit, 30);
    owner.batch_execute("UPDATE security_settings SET face_tries_per_minute = 5").await.unwrap();

    // Twelve strangers' faces at once: five are judged, the rest refused without a look.
    let mut tries = vec![];
    for _ in 0..12 {
        let (pool, token, probe) = (db.target.pool(1), operator.clone(), noise.unit());
        tries.push(tokio::spawn(async move {
            let mut c = pool.get().await.unwrap();
            let tx = session::begin(&mut c, Some(&token)).await.unwrap();
            let v = models::employees::face_verify(&*tx, &probe, "attacker").await.unwrap();
            tx.commit().await.unwrap();
            v
        }));
    }
    for t in tries {
        assert_eq!(t.await.unwrap(), None);
    }
    let outcomes = |o: &'static str| {
        let owner = &owner;
        async move { owner.query_one("SELECT count(*) FROM face_attempts WHERE outcome = $1", &[&o]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(outcomes("not_recognised").await, 5);
    assert_eq!(outcomes("rate_limited").await, 7);
    // Now even the right face is refused, from another session of the same user too.
    let good = perturbed(&people[0].1[0], &mut noise, 0.9);
    assert_eq!(verify_as(&db, Some(&operator), &good).await.unwrap(), None);
    let operator_name: String = owner
        .query_one("SELECT u.username FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1", &[&operator.hash()])
        .await
        .unwrap()
        .get(0);
    let second = db.log_in(&operator_name).await;
    assert_eq!(verify_as(&db, Some(&second), &good).await.unwrap(), None);
    assert_eq!(outcomes("rate_limited").await, 9);
    assert_eq!(count_of(&db, "SELECT count(*) FROM audit_log WHERE action = 'face.refused'").await, 14, "every answer is audited");
    // Another user is not limited by the first one's tries.
    let other = db.session(Role::Operator).await;
    assert_eq!(verify_as(&db, Some(&other), &good).await.unwrap().map(|v| v.employee_id), Some(people[0].0));
}

/// face_verifications is readable by the application's role: an insider with psql and an
/// operator's login of their own could find an employee's fresh confirmation and post in that
/// employee's name. A confirmation is the session's own.
#[tokio::test]
async fn a_face_confirmation_posts_only_in_the_session_that_saw_the_face() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let at_the_kiosk = db.session(Role::Operator).await;
    let insider = db.session(Role::Operator).await;
    let mut noise = Noise(0x0dd_ba11_cafe_f00d);
    let people = enrolled_pair(&db, &admin, &mut noise).await;
    let (aziz, aziz_templates) = &people[0];
    let product = add_product(&db, &admin, "FV2").await;
    let v = verify_as(&db, Some(&at_the_kiosk), &perturbed(&aziz_templates[0], &mut noise, 0.9)).await.unwrap().expect("accepted");

    // The insider's own session, and a new session of the very login that saw the face.
    let owner = db.owner_client().await;
    let kiosk_user: String = owner
        .query_one("SELECT u.username FROM users u JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1", &[&at_the_kiosk.hash()])
        .await
        .unwrap()
        .get(0);
    let next_session = db.log_in(&kiosk_user).await;
    let before = everything_written(&db).await;
    let mut c = db.pool.get().await.unwrap();
    for (who, session) in [("another operator", &insider), ("the same login's next session", &next_session)] {
        let tx = session::begin(&mut c, Some(session)).await.unwrap();
        let e = movements::post(&*tx, &posting(product.id, MovementKind::In, "5", *aziz, v.id)).await.unwrap_err();
        assert_eq!(e, Error::NoFaceVerification, "{who}");
        drop(tx);
    }
    assert_eq!(everything_written(&db).await, before, "nothing was written");

    // The session that saw the face posts, as often as its five minutes allow.
    for qty in ["5", "2"] {
        let tx = session::begin(&mut c, Some(&at_the_kiosk)).await.unwrap();
        movements::post(&*tx, &posting(product.id, MovementKind::In, qty, *aziz, v.id)).await.unwrap();
        tx.commit().await.unwrap();
    }
}
