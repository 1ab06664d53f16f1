//! A user moved in from Django (V17) logs in with the old password once: the database checks the
//! Django hash. Those checks go through the same lockout as every login (V23): twenty parallel
//! wrong guesses from someone holding the application's login get five checks, the lock holds
//! for the right password too, the answer is the same for every refusal, and a rolled-back
//! attempt teaches nothing. Everything here runs AS THE APPLICATION ROLE.

use hmac::{KeyInit, Mac};
use models::password::{self, Credential};
use models::testing::TestDb;
use models::{users, Role};

const OLD_PASSWORD: &str = "Eski-parol-2024";
/// Django's default is 600,000; fewer keep the test short, the check is the same.
const ITERATIONS: u32 = 100_000;

/// Django's PBKDF2-SHA256 (one block), as `django.contrib.auth.hashers` computes it.
fn pbkdf2_sha256(password: &str, salt: &str, iterations: u32) -> Vec<u8> {
    type H = hmac::Hmac<sha2_v011::Sha256>;
    let mac = |msg: &[u8]| {
        let mut m = H::new_from_slice(password.as_bytes()).unwrap();
        m.update(msg);
        m.finalize().into_bytes().to_vec()
    };
    let mut u = mac(&[salt.as_bytes(), &1u32.to_be_bytes()].concat());
    let mut out = u.clone();
    for _ in 1..iterations {
        u = mac(&u);
        out.iter_mut().zip(&u).for_each(|(o, x)| *o ^= x);
    }
    out
}

/// A migrated operator `eski` as import_apply leaves one: a random credential, the Django hash.
async fn migrated_user(db: &TestDb) -> i64 {
    db.session(Role::Admin).await;
    let owner = db.owner_client().await;
    let admin: i64 = owner.query_one("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1", &[]).await.unwrap().get(0);
    let run: i64 = owner
        .query_one("INSERT INTO import_runs (source, location, user_id, station) VALUES ('django:sklad', 'db.sqlite3', $1, 'x') RETURNING id", &[&admin])
        .await
        .unwrap()
        .get(0);
    let id: i64 = owner
        .query_one(
            "INSERT INTO users (username, password_hash, role)
             VALUES ('eski', '$argon2id$v=19$m=19456,t=2,p=1$' || rtrim(encode(gen_random_bytes(16), 'base64'), '=') || '$'
                             || rtrim(encode(gen_random_bytes(32), 'base64'), '='), 'operator') RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let hash = pbkdf2_sha256(OLD_PASSWORD, "tuzlangan", ITERATIONS);
    owner
        .execute(
            "INSERT INTO legacy_passwords (user_id, algorithm, encoded, run_id)
             VALUES ($1, 'pbkdf2_sha256', 'pbkdf2_sha256$' || $2::text || '$tuzlangan$' || encode($3, 'base64'), $4)",
            &[&id, &ITERATIONS.to_string(), &hash, &run],
        )
        .await
        .unwrap();
    id
}

fn credential(pw: &str) -> Credential {
    password::existing_credential(pw).unwrap()
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.owner_client().await.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn twenty_parallel_wrong_guesses_of_a_django_password_get_five_checks() {
    let db = TestDb::new().await;
    let id = migrated_user(&db).await;
    let limit: i32 = db.owner_client().await.query_one("SELECT max_failed_logins FROM security_settings", &[]).await.unwrap().get(0);
    assert_eq!(limit, 5);
    let wrong = credential("a-wrong-guess");
    let started = std::time::Instant::now();
    let mut guesses = vec![];
    for i in 0..20 {
        let (pool, wrong) = (db.target.pool(1), wrong.clone());
        guesses.push(tokio::spawn(async move {
            let c = pool.get().await.unwrap();
            let attempt = users::legacy_attempt(&**c, "eski", &format!("guess-{i}"), &wrong, "attacker").await.unwrap();
            users::legacy_upgrade(&**c, &attempt).await.unwrap()
        }));
    }
    for g in guesses {
        assert!(!g.await.unwrap(), "no guess is right");
    }
    eprintln!("20 parallel guesses answered in {:.2} s", started.elapsed().as_secs_f64());
    let legacy = "AND detail->>'legacy' = 'true'";
    assert_eq!(count(&db, &format!("SELECT count(*) FROM audit_log WHERE action IN ('login.failed', 'login.locked') {legacy}")).await, 5, "five hashes were checked");
    assert_eq!(count(&db, &format!("SELECT count(*) FROM audit_log WHERE action = 'login.refused' AND detail->>'reason' = 'locked' {legacy}")).await, 15);
    assert_eq!(count(&db, &format!("SELECT failed_logins::bigint FROM user_credentials WHERE user_id = {id}")).await, 5, "the tries while locked do not lengthen the lock");

    // Locked: the right password gets the answer an unknown user gets, and the Django hash stays.
    let c = db.pool.get().await.unwrap();
    let right = credential(OLD_PASSWORD);
    for name in ["eski", "nobody-at-all"] {
        let attempt = users::legacy_attempt(&**c, name, OLD_PASSWORD, &right, "x").await.unwrap();
        assert!(!users::legacy_upgrade(&**c, &attempt).await.unwrap(), "{name}");
    }
    assert_eq!(count(&db, "SELECT count(*) FROM legacy_passwords").await, 1);
    // The admin's list of locked users shows the migrated user like anyone else.
    let locked = count(&db, &format!("SELECT count(*) FROM user_credentials c, security_settings s WHERE c.user_id = {id} AND c.failed_logins >= s.max_failed_logins")).await;
    assert_eq!(locked, 1);

    // The lock runs out: the old password works once, and then the new credential does.
    db.owner_client().await.execute("UPDATE user_credentials SET last_failed_at = now() - interval '1 hour' WHERE user_id = $1", &[&id]).await.unwrap();
    let attempt = users::legacy_attempt(&**c, "eski", OLD_PASSWORD, &right, "x").await.unwrap();
    assert!(users::legacy_upgrade(&**c, &attempt).await.unwrap(), "the right password after the lock");
    assert!(!users::legacy_upgrade(&**c, &attempt).await.unwrap(), "an attempt is read once");
    assert_eq!(count(&db, "SELECT count(*) FROM legacy_passwords").await, 0, "the Django hash is gone");
    let (salt, params) = users::auth_salt(&**c, "eski").await.unwrap();
    let key = password::derive_key(OLD_PASSWORD, &salt, params).unwrap();
    assert!(users::login(&**c, "eski", &key, "x", std::time::Duration::from_secs(60)).await.unwrap().is_some(), "the new credential logs in");
    assert_eq!(count(&db, &format!("SELECT failed_logins::bigint FROM user_credentials WHERE user_id = {id}")).await, 0);
}

#[tokio::test]
async fn a_legacy_attempt_has_no_answer_inside_its_own_transaction() {
    let db = TestDb::new().await;
    let id = migrated_user(&db).await;
    let right = credential(OLD_PASSWORD);
    let mut c = db.pool.get().await.unwrap();
    // Guess, read the answer, roll back so the count vanishes: the answer is always "no".
    for pw in ["wrong-1", OLD_PASSWORD] {
        let tx = c.transaction().await.unwrap();
        let attempt = users::legacy_attempt(&*tx, "eski", pw, &right, "x").await.unwrap();
        assert!(!users::legacy_upgrade(&*tx, &attempt).await.unwrap(), "no answer in the attempt's own transaction ({pw})");
        tx.rollback().await.unwrap();
    }
    assert_eq!(count(&db, "SELECT count(*) FROM legacy_passwords").await, 1, "nothing upgraded");
    assert_eq!(count(&db, &format!("SELECT failed_logins::bigint FROM user_credentials WHERE user_id = {id}")).await, 0);
    // The tables behind it are the owner's.
    for sql in ["SELECT * FROM auth_legacy_attempts", "SELECT * FROM legacy_passwords", "SELECT auth_legacy_login(1, 'x', 'y', 'z')"] {
        assert!(c.query(sql, &[]).await.is_err(), "the application's role cannot: {sql}");
    }
}
