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
