//! Backup actor: runs pg_dump on a cron schedule (local time), catches up a run missed while the
//! PC was off, takes a backup when an admin asks, and tells subscribers (the kiosk's banner)
//! when a run starts, finishes or fails. The work itself is `models::backups`.
//!
//! Several stations sharing one database each run this actor with the same schedule; an advisory
//! lock in the database lets exactly one of them dump, and the others report that station's
//! result (`models::backups::take_backup_once`).

use std::str::FromStr;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Local, Utc};
use deadpool_postgres::Pool;
use futures::channel::mpsc;
use models::backups::{self, BackupError, BackupFile, BackupOptions, BackupRecord, Elected, RestoreReport, Turn};
use models::permissions::Action;
use models::{Error, Target};

use crate::session::AuthContext;
use crate::subscribers::Subscribers;

/// A run is "missed" when the last good backup is older than this at start.
pub const CATCH_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct BackupSettings {
    pub schedule: cron::Schedule,
    pub options: BackupOptions,
    pub catch_up_after: Duration,
}

impl BackupSettings {
    pub fn from_config(c: &models::Config) -> Result<BackupSettings, String> {
        Ok(BackupSettings {
            schedule: parse_schedule(&c.backup.schedule)?,
            options: BackupOptions::from_config(c),
            catch_up_after: CATCH_UP_AFTER,
        })
    }
}

/// `backup.schedule`: sec min hour day-of-month month day-of-week.
pub fn parse_schedule(expr: &str) -> Result<cron::Schedule, String> {
    cron::Schedule::from_str(expr.trim())
        .map_err(|e| format!("backup.schedule `{expr}` is not a cron expression with seconds (e.g. \"0 0 2 * * *\"): {e}"))
}

/// The next moment the schedule fires after `now`, local time.
pub fn next_run(schedule: &cron::Schedule, now: DateTime<Local>) -> Option<DateTime<Local>> {
    schedule.after(&now).next()
}

/// Is a catch-up run due: no good backup yet, or the last one older than `max_age`?
pub fn catch_up_due(last_good: Option<DateTime<Utc>>, now: DateTime<Utc>, max_age: Duration) -> bool {
    match last_good {
        None => true,
        Some(t) => (now - t).to_std().unwrap_or_default() > max_age,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupRunError {
    #[error(transparent)]
    Refused(#[from] Error),
    #[error("a backup is already running")]
    Busy,
    #[error(transparent)]
    Failed(#[from] BackupError),
}

#[derive(Debug, Clone, PartialEq)]
pub enum BackupEvent {
    Started,
    Finished(BackupRecord),
    /// The reason, for the kiosk's alert banner.
    Failed(String),
}

impl actix::Message for BackupEvent {
    type Result = ();
}

/// Takes a backup now for the admin `auth`, unless another station is taking one this moment
/// (then: `BackupError::TakenElsewhere`).
pub async fn backup_now(target: &Target, pool: &Pool, options: &BackupOptions, auth: &AuthContext) -> Result<BackupRecord, BackupRunError> {
    Ok(take_turn(target, pool, options, Some(auth), Turn::Manual).await?.record().clone())
}

/// One station's turn at a backup; `auth` is the admin who asked (None: the schedule).
pub async fn take_turn(
    target: &Target,
    pool: &Pool,
    options: &BackupOptions,
    auth: Option<&AuthContext>,
    turn: Turn,
) -> Result<Elected, BackupRunError> {
    if let Some(a) = auth {
        crate::ledger::authorize(pool, a, Action::Backup).await?;
    }
    Ok(backups::take_backup_once(target, pool, options, auth.map(|a| &a.token), turn).await?)
}

/// The recorded runs, newest first.
pub async fn list(pool: &Pool, limit: i64) -> Result<Vec<BackupRecord>, Error> {
    let c = pool.get().await?;
    backups::runs(&**c, limit).await
}

/// Restores `file` (Admin). The caller must hold no connection to the live database: it is
/// renamed away, and whatever is connected to it is disconnected.
pub async fn restore(
    target: &Target,
    pool: &Pool,
    options: &BackupOptions,
    file: &std::path::Path,
    auth: &AuthContext,
) -> Result<RestoreReport, BackupRunError> {
    // Checked before anything is touched; the restored database has its own sessions.
    crate::ledger::authorize(pool, auth, Action::Restore).await?;
    Ok(backups::restore(target, file, options, Some(&auth.username)).await?)
}

/// The databases restores kept (each a full copy of the data before that restore).
pub async fn kept(target: &Target) -> Result<Vec<backups::KeptDatabase>, BackupRunError> {
    Ok(backups::kept_databases(target).await?)
}

/// Drops a database a restore kept (Admin: the restore right, checked by the database).
pub async fn drop_kept(target: &Target, pool: &Pool, name: &str, auth: &AuthContext) -> Result<(), BackupRunError> {
    crate::ledger::authorize(pool, auth, Action::Restore).await?;
    Ok(backups::drop_kept_database(target, name).await?)
}

#[derive(Message)]
#[rtype(result = "Result<BackupRecord, BackupRunError>")]
pub struct BackupNow {
    pub auth: AuthContext,
}

#[derive(Message)]
#[rtype(result = "Result<Vec<BackupRecord>, Error>")]
pub struct ListBackups;

/// The dumps in the backup folder, newest first (their checksums are checked by the restore).
#[derive(Message)]
#[rtype(result = "Vec<BackupFile>")]
pub struct ListBackupFiles;

/// Restores the dump `file` (a name in the backup folder) over the live database (Admin): the
/// live one is kept as a dated copy, and every connection to it (this kiosk's pool too) is cut
/// and reconnects to the restored one. No backup runs meanwhile.
#[derive(Message)]
#[rtype(result = "Result<RestoreReport, BackupRunError>")]
pub struct RestoreBackup {
    pub auth: AuthContext,
    pub file: String,
}

/// Events go to an actor…
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeBackup(pub Recipient<BackupEvent>);

/// …or to a channel (the iced subscription).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeBackupChannel(pub mpsc::Sender<BackupEvent>);

pub struct Backup {
    settings: BackupSettings,
    target: Target,
    pool: Pool,
    running: bool,
    recipients: Vec<Recipient<BackupEvent>>,
    channels: Subscribers<BackupEvent>,
}

impl Backup {
    pub fn new(settings: BackupSettings, target: Target, pool: Pool) -> Self {
        Backup { settings, target, pool, running: false, recipients: Vec::new(), channels: Subscribers::default() }
    }

    fn publish(&mut self, event: BackupEvent) {
        self.recipients.retain(|r| r.connected());
        for r in &self.recipients {
            r.do_send(event.clone());
        }
        self.channels.publish(event);
    }

    fn schedule_next(&mut self, ctx: &mut Context<Self>) {
        let now = Local::now();
        let Some(next) = next_run(&self.settings.schedule, now) else {
            tracing::warn!("the backup schedule never fires again");
            return;
        };
        let wait = (next - now).to_std().unwrap_or_default();
        ctx.run_later(wait, move |act, ctx| {
            if act.running {
                tracing::info!("scheduled backup skipped: the previous one is still running");
            } else {
                ctx.spawn(act.run(None, Turn::Scheduled { slot: next.with_timezone(&Utc) }).map(|_, _, _| ()));
            }
            act.schedule_next(ctx);
        });
    }

    fn run(&mut self, auth: Option<AuthContext>, turn: Turn) -> ResponseActFuture<Self, Result<BackupRecord, BackupRunError>> {
        if self.running {
            return Box::pin(fut::ready(Err(BackupRunError::Busy)));
        }
        if let Some(a) = &auth {
            if let Err(e) = a.require(Action::Backup) {
                return Box::pin(fut::ready(Err(e.into())));
            }
        }
        self.running = true;
        self.publish(BackupEvent::Started);
        let (target, pool, options) = (self.target.clone(), self.pool.clone(), self.settings.options.clone());
        Box::pin(async move { take_turn(&target, &pool, &options, auth.as_ref(), turn).await }.into_actor(self).map(|res, act, _| {
            act.running = false;
            match res {
                Ok(elected) => {
                    let record = elected.record().clone();
                    match elected {
                        Elected::Dumped(_) => tracing::info!(file = ?record.file, bytes = ?record.bytes, "backup finished"),
                        Elected::TakenBy(_) => {
                            tracing::info!(station = %record.station, file = ?record.file, "backup taken by another station: nothing dumped here")
                        }
                    }
                    act.publish(BackupEvent::Finished(record.clone()));
                    Ok(record)
                }
                Err(e) => {
                    tracing::error!(error = %e, "backup failed");
                    act.publish(BackupEvent::Failed(e.to_string()));
                    Err(e)
                }
            }
        }))
    }
}

impl Actor for Backup {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.schedule_next(ctx);
        // A nightly run missed while the PC was off happens now.
        let (pool, max_age) = (self.pool.clone(), self.settings.catch_up_after);
        ctx.spawn(
            async move {
                let c = pool.get().await?;
                backups::last_good_backup_at(&**c).await
            }
            .into_actor(self)
            .map(move |last, act, ctx| match last {
                Ok(last) if catch_up_due(last, Utc::now(), max_age) && !act.running => {
                    tracing::info!(?last, "last good backup is too old: catching up");
                    ctx.spawn(act.run(None, Turn::CatchUp { max_age }).map(|_, _, _| ()));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the last backup time"),
            }),
        );
    }
}

impl Handler<BackupNow> for Backup {
    type Result = ResponseActFuture<Self, Result<BackupRecord, BackupRunError>>;
    fn handle(&mut self, msg: BackupNow, _: &mut Context<Self>) -> Self::Result {
        self.run(Some(msg.auth), Turn::Manual)
    }
}

impl Handler<ListBackups> for Backup {
    type Result = ResponseFuture<Result<Vec<BackupRecord>, Error>>;
    fn handle(&mut self, _: ListBackups, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { list(&pool, 100).await })
    }
}

impl Handler<ListBackupFiles> for Backup {
    type Result = ResponseFuture<Vec<BackupFile>>;
    fn handle(&mut self, _: ListBackupFiles, _: &mut Context<Self>) -> Self::Result {
        let dir = self.settings.options.dir.clone();
        Box::pin(async move { tokio::task::spawn_blocking(move || backups::list_files(&dir, false)).await.unwrap_or_default() })
    }
}

impl Handler<RestoreBackup> for Backup {
    type Result = ResponseActFuture<Self, Result<RestoreReport, BackupRunError>>;
    fn handle(&mut self, msg: RestoreBackup, _: &mut Context<Self>) -> Self::Result {
        if self.running {
            return Box::pin(fut::ready(Err(BackupRunError::Busy)));
        }
        // Only a dump of this folder, by its name: the screen cannot point at any other file
        // ("a/b.sql", "../x.sql" and "/etc/x" all have another parent).
        let dir = self.settings.options.dir.clone();
        let path = dir.join(&msg.file);
        if path.parent() != Some(dir.as_path()) {
            return Box::pin(fut::ready(Err(BackupError::NotABackup(path).into())));
        }
        self.running = true;
        let (target, pool, options) = (self.target.clone(), self.pool.clone(), self.settings.options.clone());
        tracing::info!(file = %msg.file, user = %msg.auth.username, "restore started");
        Box::pin(async move { restore(&target, &pool, &options, &path, &msg.auth).await }.into_actor(self).map(|res, act, _| {
            act.running = false;
            match &res {
                Ok(r) => tracing::info!(file = %r.file.display(), kept_as = %r.previous_kept_as, "restore finished"),
                Err(e) => tracing::error!(error = %e, "restore failed"),
            }
            res
        }))
    }
}

impl Handler<SubscribeBackup> for Backup {
    type Result = ();
    fn handle(&mut self, msg: SubscribeBackup, _: &mut Context<Self>) {
        self.recipients.push(msg.0);
    }
}

impl Handler<SubscribeBackupChannel> for Backup {
    type Result = ();
    fn handle(&mut self, msg: SubscribeBackupChannel, _: &mut Context<Self>) {
        self.channels.add(msg.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_is_nightly_at_two() {
        let s = parse_schedule(&models::Config::default().backup.schedule).unwrap();
        let now = Local::now();
        let next = next_run(&s, now).unwrap();
        use chrono::Timelike;
        assert_eq!((next.hour(), next.minute(), next.second()), (2, 0, 0));
        assert!(next - now <= chrono::Duration::hours(25));
        assert!(parse_schedule("at two").unwrap_err().contains("backup.schedule"));
    }

    #[test]
    fn catch_up_only_when_stale() {
        let now = Utc::now();
        assert!(catch_up_due(None, now, CATCH_UP_AFTER));
        assert!(!catch_up_due(Some(now - chrono::Duration::hours(3)), now, CATCH_UP_AFTER));
        assert!(catch_up_due(Some(now - chrono::Duration::hours(25)), now, CATCH_UP_AFTER));
    }
}
