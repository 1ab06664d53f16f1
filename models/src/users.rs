//! Users and login sessions: the SQL of the Session actor and the user commands. The database
//! checks passwords (their derived keys), counts failures and locks accounts (V12).

use std::time::Duration;

use tokio_postgres::GenericClient;

use crate::error::Result;
use crate::password::{Credential, KdfParams, LoginKey};
use crate::session::SessionToken;
use crate::types::{Role, User};

fn interval(d: Duration) -> String {
    format!("{} milliseconds", d.as_millis())
}

/// The salt and argon2id parameters to derive a login key with (a stable fake for an unknown
/// username: the answer does not tell whether the user exists).
pub async fn auth_salt(c: &impl GenericClient, username: &str) -> Result<(Vec<u8>, KdfParams)> {
    let r = c.query_one("SELECT salt, m_cost, t_cost, p_cost, key_len FROM auth_salt($1)", &[&username]).await?;
    Ok((r.get(0), KdfParams { m_cost: r.get(1), t_cost: r.get(2), p_cost: r.get(3), key_len: r.get(4) }))
}

/// The user a login opened a session for.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub token: SessionToken,
    pub user_id: i64,
    pub role: Role,
    pub username: String,
}

/// Logs in with a key derived from the password: the database counts the attempt and checks the
/// key (auth_login, committed on its own), then reads the outcome and opens the session
/// (auth_login_result). None for a wrong key, an unknown, locked or disabled user alike.
/// `c` must not be inside a transaction: the attempt has to commit before its answer is read.
pub async fn login(c: &impl GenericClient, username: &str, key: &LoginKey, station: &str, idle: Duration) -> Result<Option<LoggedIn>> {
    let attempt: String = c.query_one("SELECT auth_login($1, $2, $3)", &[&username, &key.0, &station]).await?.get(0);
    let r = c
        .query_one("SELECT token, user_id, role, username FROM auth_login_result($1, $2::text::interval)", &[&attempt, &interval(idle)])
        .await?;
    let token: Option<Vec<u8>> = r.get(0);
    Ok(token.map(|t| LoggedIn { token: SessionToken::from_bytes(&t), user_id: r.get(1), role: r.get(2), username: r.get(3) }))
}

/// The Django hasher a migrated user still logs in with (V17), or None.
pub async fn legacy_pending(c: &impl GenericClient, user_id: i64) -> Result<Option<String>> {
    Ok(c.query_one("SELECT auth_legacy_pending($1)", &[&user_id]).await?.get(0))
}

/// A migrated user's first login, step 1 (V23): the database counts the attempt against the
/// same limits as any login, checks `password` against the Django hash (unless the account is
/// locked) and answers only an attempt id. `credential` is the new argon2id credential made
/// from the same password, applied in step 2 if it was right. Must commit before step 2.
pub async fn legacy_attempt(c: &impl GenericClient, username: &str, password: &str, credential: &Credential, station: &str) -> Result<String> {
    let p = credential.params;
    Ok(c.query_one(
        "SELECT auth_legacy_attempt($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&username, &password, &credential.salt, &p.m_cost, &p.t_cost, &p.p_cost, &credential.verifier, &station],
    )
    .await?
    .get(0))
}

/// Step 2, in a later transaction: true when the password was right — the Django hash is gone
/// and the new credential is in place (log in with it as usual). One answer for everything else.
pub async fn legacy_upgrade(c: &impl GenericClient, attempt: &str) -> Result<bool> {
    Ok(c.query_one("SELECT auth_legacy_upgrade($1)", &[&attempt]).await?.get(0))
}

/// Keeps the session alive; false if it had already ended or timed out.
pub async fn touch(c: &impl GenericClient, token: &SessionToken) -> Result<bool> {
    Ok(c.query_one("SELECT auth_touch($1)", &[&token.hash()]).await?.get(0))
}

pub async fn end_session(c: &impl GenericClient, token: &SessionToken, reason: &str, station: &str) -> Result<()> {
    c.execute("SELECT auth_end_session($1, $2, $3)", &[&token.hash(), &reason, &station]).await?;
    Ok(())
}

/// Creates a user. Without an active admin in the database only an admin may be created
/// (the first-run path); otherwise the acting session needs manage_users.
pub async fn create(c: &impl GenericClient, username: &str, credential: &Credential, role: Role, station: &str) -> Result<i64> {
    let p = credential.params;
    Ok(c.query_one(
        "SELECT user_create($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&username.trim(), &credential.salt, &p.m_cost, &p.t_cost, &p.p_cost, &credential.verifier, &role, &station],
    )
    .await?
    .get(0))
}

#[derive(Debug, Default, Clone)]
pub struct UserChange {
    pub credential: Option<Credential>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

pub async fn update(c: &impl GenericClient, username: &str, change: &UserChange, station: &str) -> Result<i64> {
    let cred = change.credential.as_ref();
    let p = cred.map(|c| c.params);
    Ok(c.query_one(
        "SELECT user_update($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &username.trim(),
            &cred.map(|c| c.salt.clone()),
            &p.map(|p| p.m_cost),
            &p.map(|p| p.t_cost),
            &p.map(|p| p.p_cost),
            &cred.map(|c| c.verifier.clone()),
            &change.role,
            &change.active,
            &station,
        ],
    )
    .await?
    .get(0))
}

/// Every user with the end of their lock-out, if locked now (needs manage_users: the lock
/// counters are the database's own).
pub async fn list(c: &impl GenericClient) -> Result<Vec<User>> {
    let rows = c
        .query(
            "SELECT u.id, u.username, u.role, u.active, l.locked_until, u.created_at
               FROM users u LEFT JOIN auth_locked_users() l ON l.user_id = u.id ORDER BY lower(u.username)",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| User { id: r.get(0), username: r.get(1), role: r.get(2), active: r.get(3), locked_until: r.get(4), created_at: r.get(5) })
        .collect())
}

/// A user's id by name (case-insensitive).
pub async fn id_by_name(c: &impl GenericClient, username: &str) -> Result<Option<i64>> {
    Ok(c.query_opt("SELECT id FROM users WHERE lower(username) = lower($1)", &[&username.trim()]).await?.map(|r| r.get(0)))
}

pub async fn active_admin_exists(c: &impl GenericClient) -> Result<bool> {
    Ok(c.query_one("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active)", &[]).await?.get(0))
}
