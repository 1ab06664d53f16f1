//! Session actor: who is logged in, their role, the inactivity timeout, and the current face
//! confirmation with its expiry. argon2 runs on a blocking thread, never on the mailbox; the
//! database, not this actor, decides whether a password is right (V12).

use std::time::{Duration, Instant};

use actix::prelude::*;
use deadpool_postgres::Pool;
use futures::channel::mpsc;
use models::{password, users, Error, Role, SessionToken};

use crate::subscribers::Subscribers;

/// What a logged-in user carries into every request to another actor.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthContext {
    pub token: SessionToken,
    pub user_id: i64,
    pub username: String,
    pub role: Role,
}

impl AuthContext {
    /// The actor-layer check, before any work; the database checks again.
    pub fn require(&self, action: models::permissions::Action) -> Result<(), Error> {
        if models::permissions::allowed(self.role, action) {
            Ok(())
        } else {
            Err(Error::Forbidden { action: action.as_str().to_string() })
        }
    }
}

/// The failure limit and lock-out are not here: the database keeps them in an owner-only table
/// (V12's security_settings), and a station has no say in them.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub station: String,
    pub idle_timeout: Duration,
    pub verification_ttl: Duration,
}

impl SessionSettings {
    pub fn from_config(c: &models::Config) -> Self {
        SessionSettings {
            station: c.general.station.clone(),
            idle_timeout: Duration::from_secs(c.session.timeout_secs.max(1)),
            verification_ttl: Duration::from_secs(c.face.verification_ttl_secs.max(1)),
        }
    }

    /// How often activity is written to the database (not on every tap).
    fn touch_interval(&self) -> Duration {
        (self.idle_timeout / 4).min(Duration::from_secs(30))
    }

    /// The database's own idle limit: a backstop a little beyond ours.
    fn database_idle(&self) -> Duration {
        self.idle_timeout + self.touch_interval() + Duration::from_secs(5)
    }
}

/// Logs in: the station derives the key from the password (argon2id, off the async threads)
/// and the database checks it, counts failures, locks accounts and opens the session. The same
/// answer for an unknown user, a wrong password and a locked or disabled account.
pub async fn login(pool: &Pool, s: &SessionSettings, username: &str, password: &str) -> Result<AuthContext, Error> {
    let username = username.trim();
    if username.is_empty() || password.is_empty() {
        return Err(Error::Invalid("enter a username and a password".into()));
    }
    if username.chars().count() > 64 || username.chars().any(char::is_control) || password.len() > password::MAX_PASSWORD_BYTES {
        return Err(Error::BadCredentials);
    }
    let client = pool.get().await?;
    // A user moved in from Django logs in with the old password once: the database checks it
    // against the Django hash it keeps (V17), counted like any login (V23), and takes a new
    // credential. Until then their credential is the import's random one, which no password
    // matches: only the Django hash is tried, so each try counts once.
    let legacy = match users::id_by_name(&**client, username).await? {
        Some(id) => users::legacy_pending(&**client, id).await?.is_some(),
        None => false,
    };
    let who = if legacy {
        legacy_login(&client, s, username, password).await?
    } else {
        let (salt, params) = users::auth_salt(&**client, username).await?;
        let pw = password.to_string();
        let key = tokio::task::spawn_blocking(move || password::derive_key(&pw, &salt, params))
            .await
            .map_err(|e| Error::Database(format!("password check failed: {e}")))?
            .ok_or(Error::BadCredentials)?;
        users::login(&**client, username, &key, &s.station, s.database_idle()).await?
    };
    let Some(who) = who else {
        return Err(Error::BadCredentials);
    };
    tracing::info!(user = who.user_id, role = who.role.as_str(), "logged in");
    Ok(AuthContext { token: who.token, user_id: who.user_id, username: who.username, role: who.role })
}

/// A migrated Django user's first login: counted and checked by the database like any login
/// (V23's two steps, each committed on its own), then the usual login with the new credential.
async fn legacy_login(client: &deadpool_postgres::Object, s: &SessionSettings, username: &str, password: &str) -> Result<Option<users::LoggedIn>, Error> {
    let pw = password.to_string();
    // The old password may not meet today's rules for a new one: it is only being carried over.
    let credential = tokio::task::spawn_blocking(move || password::existing_credential(&pw))
        .await
        .map_err(|e| Error::Database(format!("password hashing failed: {e}")))??;
    let attempt = users::legacy_attempt(&***client, username, password, &credential, &s.station).await?;
    if !users::legacy_upgrade(&***client, &attempt).await? {
        return Ok(None);
    }
    let (salt, params) = users::auth_salt(&***client, username).await?;
    let pw = password.to_string();
    let key = tokio::task::spawn_blocking(move || password::derive_key(&pw, &salt, params))
        .await
        .map_err(|e| Error::Database(format!("password check failed: {e}")))?
        .ok_or(Error::BadCredentials)?;
    users::login(&***client, username, &key, &s.station, s.database_idle()).await
}

/// Creates a user: the first admin needs no login (`auth` None, no admin yet); otherwise an
/// admin's session. The password is hashed off the async threads.
pub async fn create_user(
    pool: &Pool,
    station: &str,
    auth: Option<&AuthContext>,
    username: &str,
    password: &str,
    role: Role,
) -> Result<i64, Error> {
    if let Some(a) = auth {
        a.require(models::permissions::Action::ManageUsers)?;
    }
    check_username(username)?;
    let credential = credential_off_thread(password).await?;
    let mut c = pool.get().await?;
    let tx = models::session::begin(&mut c, auth.map(|a| &a.token)).await?;
    let id = users::create(&*tx, username, &credential, role, station).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a user's password, role or active flag (admin only; the last admin stays).
pub async fn change_user(
    pool: &Pool,
    station: &str,
    auth: &AuthContext,
    username: &str,
    new_password: Option<&str>,
    role: Option<Role>,
    active: Option<bool>,
) -> Result<i64, Error> {
    auth.require(models::permissions::Action::ManageUsers)?;
    let credential = match new_password {
        Some(p) => Some(credential_off_thread(p).await?),
        None => None,
    };
    let mut c = pool.get().await?;
    let tx = models::session::begin(&mut c, Some(&auth.token)).await?;
    let id = users::update(&*tx, username, &users::UserChange { credential, role, active }, station).await?;
    tx.commit().await?;
    Ok(id)
}

pub fn check_username(username: &str) -> Result<(), Error> {
    let u = username.trim();
    if u.is_empty() || u.chars().count() > 64 || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Invalid("a username is 1–64 characters without spaces".into()));
    }
    Ok(())
}

/// Salt, parameters and verifier of a new password (the database never sees the password).
async fn credential_off_thread(password: &str) -> Result<password::Credential, Error> {
    password::check_new_password(password)?;
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || password::new_credential(&pw))
        .await
        .map_err(|e| Error::Database(format!("password hashing failed: {e}")))?
}

/// Every user (admin only: the database checks manage_users again for the lock-out column).
pub async fn list_users(pool: &Pool, auth: &AuthContext) -> Result<Vec<models::User>, Error> {
    auth.require(models::permissions::Action::ManageUsers)?;
    let mut c = pool.get().await?;
    let tx = models::session::begin(&mut c, Some(&auth.token)).await?;
    let users = users::list(&*tx).await?;
    tx.commit().await?;
    Ok(users)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutReason {
    Manual,
    Timeout,
}

impl LogoutReason {
    fn as_str(self) -> &'static str {
        match self {
            LogoutReason::Manual => "manual",
            LogoutReason::Timeout => "timeout",
        }
    }
}

/// A face confirmed by the recognizer, valid until `expires_at` (the database decides too).
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub employee_id: i64,
    pub employee_name: String,
    pub verification_id: i64,
    pub expires_at: Instant,
}

impl Verification {
    pub fn remaining(&self) -> Duration {
        self.expires_at.saturating_duration_since(Instant::now())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    LoggedIn(AuthContext),
    LoggedOut(LogoutReason),
    VerificationExpired,
}

#[derive(Message)]
#[rtype(result = "Result<AuthContext, Error>")]
pub struct Login {
    pub username: String,
    pub password: String,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Logout;

/// Any interaction with the kiosk: keeps the session alive.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Touch;

#[derive(Message)]
#[rtype(result = "()")]
pub struct FaceVerified(pub Verification);

/// The current login and face confirmation, if any.
#[derive(Message)]
#[rtype(result = "(Option<AuthContext>, Option<Verification>)")]
pub struct Current;

#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe(pub mpsc::Sender<SessionEvent>);

/// Is there an active admin? None → the kiosk opens its first-run screen.
#[derive(Message)]
#[rtype(result = "Result<bool, Error>")]
pub struct AdminExists;

/// Creates a user; `auth` None only for the first admin (the database refuses otherwise).
#[derive(Message)]
#[rtype(result = "Result<i64, Error>")]
pub struct CreateUser {
    pub auth: Option<AuthContext>,
    pub username: String,
    pub password: String,
    pub role: Role,
}

/// Changes a user's password, role or active flag (admin only).
#[derive(Message)]
#[rtype(result = "Result<i64, Error>")]
pub struct ChangeUser {
    pub auth: AuthContext,
    pub username: String,
    pub new_password: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

#[derive(Message)]
#[rtype(result = "Result<Vec<models::User>, Error>")]
pub struct Users {
    pub auth: AuthContext,
}

pub struct Session {
    pool: Pool,
    settings: SessionSettings,
    current: Option<AuthContext>,
    last_activity: Instant,
    last_db_touch: Instant,
    verification: Option<Verification>,
    subscribers: Subscribers<SessionEvent>,
}

impl Session {
    pub fn new(pool: Pool, settings: SessionSettings) -> Self {
        Session {
            pool,
            settings,
            current: None,
            last_activity: Instant::now(),
            last_db_touch: Instant::now(),
            verification: None,
            subscribers: Subscribers::default(),
        }
    }

    fn end(&mut self, reason: LogoutReason, ctx: &mut Context<Self>) {
        let Some(auth) = self.current.take() else { return };
        // A face confirmation is the session's own (V25): the next login looks at the camera again.
        self.verification = None;
        let pool = self.pool.clone();
        let station = self.settings.station.clone();
        ctx.spawn(
            async move {
                match pool.get().await {
                    Ok(c) => {
                        if let Err(e) = users::end_session(&**c, &auth.token, reason.as_str(), &station).await {
                            tracing::warn!(error = %e, "could not record the logout");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "could not record the logout"),
                }
            }
            .into_actor(self),
        );
        tracing::info!(reason = reason.as_str(), "logged out");
        self.subscribers.publish(SessionEvent::LoggedOut(reason));
    }

    fn tick(&mut self, ctx: &mut Context<Self>) {
        if self.current.is_some() && self.last_activity.elapsed() >= self.settings.idle_timeout {
            self.end(LogoutReason::Timeout, ctx);
        }
        if self.verification.as_ref().is_some_and(|v| v.remaining().is_zero()) {
            self.verification = None;
            self.subscribers.publish(SessionEvent::VerificationExpired);
        }
    }
}

impl Actor for Session {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Context<Self>) {
        let every = (self.settings.idle_timeout / 10).clamp(Duration::from_millis(100), Duration::from_secs(1));
        ctx.run_interval(every, |act, ctx| act.tick(ctx));
    }
}

impl Handler<Login> for Session {
    type Result = ResponseActFuture<Self, Result<AuthContext, Error>>;
    fn handle(&mut self, msg: Login, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        let settings = self.settings.clone();
        Box::pin(async move { login(&pool, &settings, &msg.username, &msg.password).await }.into_actor(self).map(|res, act, ctx| {
            if let Ok(auth) = &res {
                if act.current.is_some() {
                    act.end(LogoutReason::Manual, ctx);
                }
                act.current = Some(auth.clone());
                act.last_activity = Instant::now();
                act.last_db_touch = Instant::now();
                act.subscribers.publish(SessionEvent::LoggedIn(auth.clone()));
            }
            res
        }))
    }
}

impl Handler<Logout> for Session {
    type Result = ();
    fn handle(&mut self, _: Logout, ctx: &mut Context<Self>) {
        self.end(LogoutReason::Manual, ctx);
    }
}

impl Handler<Touch> for Session {
    type Result = ();
    fn handle(&mut self, _: Touch, ctx: &mut Context<Self>) {
        self.last_activity = Instant::now();
        let Some(auth) = &self.current else { return };
        if self.last_db_touch.elapsed() < self.settings.touch_interval() {
            return;
        }
        self.last_db_touch = Instant::now();
        let (pool, token) = (self.pool.clone(), auth.token.clone());
        ctx.spawn(
            async move {
                if let Ok(c) = pool.get().await {
                    let _ = users::touch(&**c, &token).await;
                }
            }
            .into_actor(self),
        );
    }
}

impl Handler<FaceVerified> for Session {
    type Result = ();
    fn handle(&mut self, msg: FaceVerified, _: &mut Context<Self>) {
        self.last_activity = Instant::now();
        self.verification = Some(msg.0);
    }
}

impl Handler<Current> for Session {
    type Result = MessageResult<Current>;
    fn handle(&mut self, _: Current, _: &mut Context<Self>) -> Self::Result {
        let verification = self.verification.clone().filter(|v| !v.remaining().is_zero());
        MessageResult((self.current.clone(), verification))
    }
}

impl Handler<AdminExists> for Session {
    type Result = ResponseFuture<Result<bool, Error>>;
    fn handle(&mut self, _: AdminExists, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { users::active_admin_exists(&**pool.get().await?).await })
    }
}

impl Handler<CreateUser> for Session {
    type Result = ResponseFuture<Result<i64, Error>>;
    fn handle(&mut self, msg: CreateUser, _: &mut Context<Self>) -> Self::Result {
        let (pool, station) = (self.pool.clone(), self.settings.station.clone());
        Box::pin(async move { create_user(&pool, &station, msg.auth.as_ref(), &msg.username, &msg.password, msg.role).await })
    }
}

impl Handler<ChangeUser> for Session {
    type Result = ResponseFuture<Result<i64, Error>>;
    fn handle(&mut self, msg: ChangeUser, _: &mut Context<Self>) -> Self::Result {
        let (pool, station) = (self.pool.clone(), self.settings.station.clone());
        Box::pin(
            async move { change_user(&pool, &station, &msg.auth, &msg.username, msg.new_password.as_deref(), msg.role, msg.active).await },
        )
    }
}

impl Handler<Users> for Session {
    type Result = ResponseFuture<Result<Vec<models::User>, Error>>;
    fn handle(&mut self, msg: Users, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { list_users(&pool, &msg.auth).await })
    }
}

impl Handler<Subscribe> for Session {
    type Result = ();
    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) {
        self.subscribers.add(msg.0);
    }
}
