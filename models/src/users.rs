//! Users, login sessions and lockout: the SQL of the Session actor and the user commands.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use crate::error::Result;
use crate::session::SessionToken;
use crate::types::{Role, User};

/// Login material for one username.
#[derive(Debug, Clone)]
pub struct AuthRecord {
    pub user_id: i64,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub db_now: DateTime<Utc>,
}

impl AuthRecord {
    pub fn is_locked(&self) -> bool {
        self.locked_until.is_some_and(|t| t > self.db_now)
    }
}

fn interval(d: Duration) -> String {
    format!("{} milliseconds", d.as_millis())
}

pub async fn auth_lookup(c: &impl GenericClient, username: &str) -> Result<Option<AuthRecord>> {
    let row = c.query_opt("SELECT user_id, password_hash, role, active, locked_until, db_now FROM auth_lookup($1)", &[&username]).await?;
    Ok(row.map(|r| AuthRecord {
        user_id: r.get(0),
        password_hash: r.get(1),
        role: r.get(2),
        active: r.get(3),
        locked_until: r.get(4),
        db_now: r.get(5),
    }))
}

/// The Django hasher a migrated user still logs in with (V17), or None.
pub async fn legacy_pending(c: &impl GenericClient, user_id: i64) -> Result<Option<String>> {
    Ok(c.query_one("SELECT auth_legacy_pending($1)", &[&user_id]).await?.get(0))
}

/// A migrated user's first login: the database checks `password` against the Django hash and,
/// when it matches, stores `new_hash` (argon2id of the same password) and deletes the old one.
pub async fn legacy_login(c: &impl GenericClient, user_id: i64, password: &str, new_hash: &str, station: &str) -> Result<bool> {
    Ok(c.query_one("SELECT auth_legacy_login($1, $2, $3, $4)", &[&user_id, &password, &new_hash, &station]).await?.get(0))
}

/// Records a wrong password; true when this failure locked the account.
pub async fn auth_failed(c: &impl GenericClient, user_id: i64, max_failures: i32, lockout: Duration, station: &str) -> Result<bool> {
    Ok(c.query_one("SELECT auth_failed($1, $2, $3::text::interval, $4)", &[&user_id, &max_failures, &interval(lockout), &station])
        .await?
        .get(0))
}

pub async fn open_session(c: &impl GenericClient, user_id: i64, token: &SessionToken, station: &str, idle: Duration) -> Result<i64> {
    Ok(c.query_one("SELECT auth_open_session($1, $2, $3, $4::text::interval)", &[&user_id, &token.hash(), &station, &interval(idle)])
        .await?
        .get(0))
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
pub async fn create(c: &impl GenericClient, username: &str, password_hash: &str, role: Role, station: &str) -> Result<i64> {
    Ok(c.query_one("SELECT user_create($1, $2, $3, $4)", &[&username.trim(), &password_hash, &role, &station]).await?.get(0))
}

#[derive(Debug, Default, Clone)]
pub struct UserChange {
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

pub async fn update(c: &impl GenericClient, username: &str, change: &UserChange, station: &str) -> Result<i64> {
    Ok(c.query_one(
        "SELECT user_update($1, $2, $3, $4, $5)",
        &[&username.trim(), &change.password_hash, &change.role, &change.active, &station],
    )
    .await?
    .get(0))
}

pub async fn list(c: &impl GenericClient) -> Result<Vec<User>> {
    let rows = c.query("SELECT id, username, role, active, locked_until, created_at FROM users ORDER BY lower(username)", &[]).await?;
    Ok(rows
        .iter()
        .map(|r| User { id: r.get(0), username: r.get(1), role: r.get(2), active: r.get(3), locked_until: r.get(4), created_at: r.get(5) })
        .collect())
}

pub async fn active_admin_exists(c: &impl GenericClient) -> Result<bool> {
    Ok(c.query_one("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active)", &[]).await?.get(0))
}
