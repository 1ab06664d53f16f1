//! Ledger actor: products, stock, movements and reports — all through `models`. Each request
//! that needs a role is checked here first and again by the database.

use actix::prelude::*;
use deadpool_postgres::Pool;
use futures::channel::mpsc;
use models::import::{ImportReport, ImportRow, RowError};
use models::movements::{self, HistoryLine, LedgerReport, MovementFilter, PostMovement};
use models::permissions::Action;
use models::products::{self, ProductQuery};
use models::{session, Error, Movement, MovementKind, Product};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::session::AuthContext;
use crate::subscribers::Subscribers;

/// Runs `$body` in a transaction acting as `$auth`, after the actor-layer check of `$action`;
/// the database checks the same action again inside.
macro_rules! as_user {
    ($pool:expr, $auth:expr, $action:expr, |$tx:ident| $body:expr) => {{
        $auth.require($action)?;
        let mut c = $pool.get().await?;
        let $tx = session::begin(&mut c, Some(&$auth.token)).await?;
        let out = $body;
        $tx.commit().await?;
        Ok(out)
    }};
}

#[derive(Debug, Clone, PartialEq)]
pub enum LedgerEvent {
    Posted {
        movement: Movement,
        product: Product,
    },
    /// After an OUT the product is under its min_stock.
    LowStock(Product),
}

/// What a worker asks for on the kiosk.
#[derive(Debug, Clone, PartialEq)]
pub struct PostRequest {
    pub product_id: i64,
    pub kind: MovementKind,
    pub quantity: Decimal,
    pub employee_id: i64,
    pub verification_id: i64,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Posted {
    pub movement: Movement,
    /// The product after the movement (new stock).
    pub product: Product,
}

/// A scanned code → the product card. Needs no login: the lock screen shows the card.
/// A code that matches nothing but was typed under the Russian or Uzbek Cyrillic layout (a
/// paste, a scanner in "os" mode) is looked up again as the US keys that typed it, and the log
/// says so.
pub async fn lookup(pool: &Pool, code: &str) -> Result<Option<Product>, Error> {
    let c = pool.get().await?;
    if let Some(p) = products::lookup_cached(&c, code).await? {
        return Ok(Some(p));
    }
    let Some(us) = models::keyboard::cyrillic_to_us(code) else { return Ok(None) };
    let found = products::lookup_cached(&c, &us).await?;
    if found.is_some() {
        tracing::info!(typed = %code, code = %us, "code found after mapping a Cyrillic keyboard layout back to US keys");
    }
    Ok(found)
}

/// How long a posting keeps trying while the database is unreachable (a server restart, a LAN
/// cable pulled for a moment) before the worker is told it failed.
pub const POST_RETRY_WINDOW: Duration = Duration::from_secs(60);

pub async fn post(pool: &Pool, station: &str, auth: &AuthContext, req: &PostRequest) -> Result<Posted, Error> {
    post_with_request_id(pool, station, auth, req, &movements::new_request_id(), POST_RETRY_WINDOW).await
}

/// Posts under `request_id`, retrying with the same id while the database is unreachable, so the
/// answer is definite: Ok means committed (by this try or an earlier one whose answer was lost),
/// an error means nothing was saved — except `Unavailable` after `retry_for`, which says so.
pub async fn post_with_request_id(
    pool: &Pool,
    station: &str,
    auth: &AuthContext,
    req: &PostRequest,
    request_id: &[u8; 16],
    retry_for: Duration,
) -> Result<Posted, Error> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        let attempt: Result<Posted, Error> = async {
            as_user!(pool, auth, Action::PostMovement, |tx| {
                // The database checks the product, its unit's decimals and the stock (one
                // round trip fewer than reading the product first).
                let movement = movements::post_once(
                    &*tx,
                    &PostMovement {
                        product_id: req.product_id,
                        kind: req.kind,
                        quantity: req.quantity,
                        employee_id: req.employee_id,
                        verification_id: req.verification_id,
                        note: req.note.clone(),
                        station: station.to_string(),
                    },
                    request_id,
                )
                .await?;
                Posted { movement, product: products::get_cached(&tx, req.product_id).await? }
            })
        }
        .await;
        match attempt {
            Err(Error::Unavailable(reason)) if started.elapsed() < retry_for => {
                tracing::warn!(%reason, "database unreachable while posting; retrying with the same request id");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(Error::Unavailable(reason)) => {
                return Err(Error::Unavailable(format!(
                    "{reason}; the movement could not be confirmed, check the history before posting it again"
                )))
            }
            other => return other,
        }
    }
}

pub async fn reverse(pool: &Pool, station: &str, auth: &AuthContext, movement_id: i64, reason: &str) -> Result<Movement, Error> {
    as_user!(pool, auth, Action::ReverseMovement, |tx| movements::reverse(&*tx, movement_id, reason, station).await?)
}

/// Movement history. An operator sees only their own movements.
pub async fn history(pool: &Pool, auth: &AuthContext, mut filter: MovementFilter) -> Result<Vec<HistoryLine>, Error> {
    let action = if auth.require(Action::ViewReports).is_ok() {
        Action::ViewReports
    } else {
        auth.require(Action::ViewOwnHistory)?;
        filter.user_id = Some(auth.user_id);
        Action::ViewOwnHistory
    };
    as_user!(pool, auth, action, |tx| {
        models::permissions::authorize(&*tx, action).await?;
        movements::history(&*tx, &filter).await?
    })
}

pub async fn products(pool: &Pool, auth: &AuthContext, query: &ProductQuery) -> Result<Vec<Product>, Error> {
    auth.require(Action::ViewStock)?;
    let c = pool.get().await?;
    products::list(&**c, query).await
}

/// Every product `query` matches, across pages, at most `max` (exports, labels).
pub async fn all_products(pool: &Pool, auth: &AuthContext, query: &ProductQuery, max: usize) -> Result<Vec<Product>, Error> {
    auth.require(Action::ViewStock)?;
    let c = pool.get().await?;
    products::list_all(&**c, query, max).await
}

pub async fn add_product(pool: &Pool, auth: &AuthContext, p: &products::NewProduct) -> Result<Product, Error> {
    as_user!(pool, auth, Action::ManageProducts, |tx| products::add(&*tx, p).await?)
}

pub async fn edit_product(pool: &Pool, auth: &AuthContext, id: i64, change: &products::ProductChange) -> Result<Product, Error> {
    as_user!(pool, auth, Action::ManageProducts, |tx| products::edit(&*tx, id, change).await?)
}

pub async fn add_category(pool: &Pool, auth: &AuthContext, name: &str, parent: Option<i64>) -> Result<models::Category, Error> {
    as_user!(pool, auth, Action::ManageProducts, |tx| products::add_category(&*tx, name, parent).await?)
}

/// The category list (the products tab and the product form's picker).
pub async fn categories(pool: &Pool, auth: &AuthContext) -> Result<Vec<models::Category>, Error> {
    auth.require(Action::ViewStock)?;
    let c = pool.get().await?;
    products::categories(&**c).await
}

pub async fn rename_category(pool: &Pool, auth: &AuthContext, id: i64, name: &str) -> Result<models::Category, Error> {
    as_user!(pool, auth, Action::ManageProducts, |tx| products::rename_category(&*tx, id, name).await?)
}

/// Imports rows already read from a CSV, XLSX or SQLite file: all rows in one transaction, or
/// none when any row is refused (the report then lists the errors by line). The CLI and the
/// kiosk's products tab both import through here.
pub async fn import_rows(
    pool: &Pool,
    auth: &AuthContext,
    rows: &[ImportRow],
    errors: Vec<RowError>,
    update: bool,
    dry_run: bool,
) -> Result<ImportReport, Error> {
    auth.require(Action::ManageProducts)?;
    let mut c = pool.get().await?;
    let tx = session::begin(&mut c, Some(&auth.token)).await?;
    let report = models::import::import_products(&tx, rows, errors, update, dry_run).await?;
    if report.errors.is_empty() && !dry_run {
        tx.commit().await?;
    }
    Ok(report)
}

/// Reads `path` (on a blocking thread: a file on a USB stick can be slow) and imports it.
/// The role is checked before the file is even opened.
pub async fn import_file(pool: &Pool, auth: &AuthContext, path: PathBuf, update: bool, dry_run: bool) -> Result<ImportReport, Error> {
    auth.require(Action::ManageProducts)?;
    let (rows, errors) = tokio::task::spawn_blocking(move || models::import::read_file(&path))
        .await
        .map_err(|e| Error::Invalid(format!("reading the file failed: {e}")))??;
    import_rows(pool, auth, &rows, errors, update, dry_run).await
}

/// `ombor import django` and the products tab's import: reads the Django database (SQLite file
/// or PostgreSQL URL, read-only), checks it against ours and imports it in one transaction —
/// or, for a dry run, goes all the way and rolls back. The role is checked before the source
/// is even opened; the database checks 'import' again.
pub async fn import_django(
    pool: &Pool,
    auth: &AuthContext,
    location: &str,
    mapping: Option<models::django::Mapping>,
    station: &str,
    dry_run: bool,
    progress: models::django::Progress<'_>,
) -> Result<models::django::ImportReport, Error> {
    auth.require(Action::Import)?;
    let (m, data) = models::django::read_source(location, mapping, progress).await?;
    apply_django(pool, auth, &m, data, location, station, dry_run, progress).await
}

/// The second half of [`import_django`]: what was read, checked and written (or rolled back).
#[allow(clippy::too_many_arguments)]
async fn apply_django(
    pool: &Pool,
    auth: &AuthContext,
    m: &models::django::Mapping,
    data: models::django::SourceData,
    location: &str,
    station: &str,
    dry_run: bool,
    progress: models::django::Progress<'_>,
) -> Result<models::django::ImportReport, Error> {
    let mut c = pool.get().await?;
    let tx = session::begin(&mut c, Some(&auth.token)).await?;
    let report = models::django::import(&tx, m, data, location, station, dry_run, progress).await?;
    if report.is_refused() || dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

/// Where a running Django import is, for the kiosk's progress bar.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportPhase {
    /// Reading this table of the old database.
    Reading(String),
    /// Staging and applying it in ours.
    Writing,
    Done,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportProgress {
    pub phase: ImportPhase,
    /// 0.0 ..= 1.0
    pub fraction: f32,
}

impl ImportProgress {
    fn from_step(what: &str, fraction: f32) -> ImportProgress {
        let phase = match what {
            "done" => ImportPhase::Done,
            w => match w.strip_prefix("reading ") {
                Some(table) => ImportPhase::Reading(table.to_string()),
                None => ImportPhase::Writing,
            },
        };
        ImportProgress { phase, fraction: fraction.clamp(0.0, 1.0) }
    }
}

/// The products tab's Django import (or its dry run), reporting progress on `progress`: a
/// report only when the phase or the whole percent changes, so a million movements make a
/// hundred reports, not a million. A SQLite file is read on a blocking thread (rusqlite reads
/// synchronously; the kiosk keeps answering scans meanwhile).
pub async fn import_django_reporting(
    pool: &Pool,
    auth: &AuthContext,
    location: &str,
    station: &str,
    dry_run: bool,
    progress: mpsc::UnboundedSender<ImportProgress>,
) -> Result<models::django::ImportReport, Error> {
    auth.require(Action::Import)?;
    let last = std::sync::Mutex::new((None::<ImportPhase>, u32::MAX));
    let report = move |what: &str, f: f32| {
        let p = ImportProgress::from_step(what, f);
        let percent = (p.fraction * 100.0) as u32;
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if last.0.as_ref() != Some(&p.phase) || last.1 != percent {
            *last = (Some(p.phase.clone()), percent);
            let _ = progress.unbounded_send(p);
        }
    };
    let report = std::sync::Arc::new(report);
    let (m, data) = if models::django::source::is_postgres_url(location) {
        models::django::read_source(location, None, &*report).await?
    } else {
        let (location, report) = (location.to_string(), report.clone());
        tokio::task::spawn_blocking(move || tokio::runtime::Handle::current().block_on(models::django::read_source(&location, None, &*report)))
            .await
            .map_err(|e| Error::Invalid(format!("reading the file failed: {e}")))??
    };
    apply_django(pool, auth, &m, data, location, station, dry_run, &*report).await
}

pub async fn add_employee(pool: &Pool, auth: &AuthContext, full_name: &str, personnel_no: Option<&str>) -> Result<models::Employee, Error> {
    as_user!(pool, auth, Action::ManageEmployees, |tx| models::employees::add(&*tx, full_name, personnel_no).await?)
}

/// Marks the employee inactive; the face recognizer removes them from the model file.
pub async fn deactivate_employee(pool: &Pool, auth: &AuthContext, id: i64) -> Result<models::Employee, Error> {
    as_user!(pool, auth, Action::ManageEmployees, |tx| models::employees::deactivate(&*tx, id).await?)
}

/// Asks the database too: for actions that only read (reports, export, backup, audit).
pub async fn authorize(pool: &Pool, auth: &AuthContext, action: Action) -> Result<(), Error> {
    as_user!(pool, auth, action, |tx| {
        models::permissions::authorize(&*tx, action).await?;
    })
}

pub async fn verify(pool: &Pool, auth: &AuthContext) -> Result<LedgerReport, Error> {
    verify_against(pool, auth, None).await
}

/// As [`verify`], and what changed since the last anchor of the chain heads.
pub async fn verify_against(pool: &Pool, auth: &AuthContext, anchor: Option<&models::chain::Anchor>) -> Result<LedgerReport, Error> {
    auth.require(Action::ViewReports)?;
    let c = pool.get().await?;
    movements::verify_against(&**c, anchor).await
}

#[derive(Message)]
#[rtype(result = "Result<Option<Product>, Error>")]
pub struct Lookup(pub String);

/// Is the database reachable? (the kiosk's status light and its automatic retry)
#[derive(Message)]
#[rtype(result = "Result<(), Error>")]
pub struct Ping;

/// IN/OUT totals per day for the report chart.
#[derive(Message)]
#[rtype(result = "Result<Vec<movements::DailyTotal>, Error>")]
pub struct DailyTotals {
    pub auth: AuthContext,
    pub from: chrono::DateTime<chrono::Utc>,
    pub to: chrono::DateTime<chrono::Utc>,
}

#[derive(Message)]
#[rtype(result = "Result<Product, Error>")]
pub struct AddProduct {
    pub auth: AuthContext,
    pub product: products::NewProduct,
}

#[derive(Message)]
#[rtype(result = "Result<Product, Error>")]
pub struct EditProduct {
    pub auth: AuthContext,
    pub product_id: i64,
    pub change: products::ProductChange,
}

#[derive(Message)]
#[rtype(result = "Result<Vec<models::Category>, Error>")]
pub struct Categories {
    pub auth: AuthContext,
}

#[derive(Message)]
#[rtype(result = "Result<models::Category, Error>")]
pub struct AddCategory {
    pub auth: AuthContext,
    pub name: String,
}

#[derive(Message)]
#[rtype(result = "Result<models::Category, Error>")]
pub struct RenameCategory {
    pub auth: AuthContext,
    pub category_id: i64,
    pub name: String,
}

/// Imports a .csv/.xlsx file the way `ombor product import` does (admin): all rows or none.
#[derive(Message)]
#[rtype(result = "Result<ImportReport, Error>")]
pub struct ImportFile {
    pub auth: AuthContext,
    pub path: PathBuf,
    /// Update products whose SKU exists instead of refusing them.
    pub update: bool,
}

/// Imports a Django warehouse database (a file on a USB stick) as `ombor import django` does,
/// or only checks it (`dry_run`); progress goes to `progress` as it runs.
#[derive(Message)]
#[rtype(result = "Result<models::django::ImportReport, Error>")]
pub struct ImportDjango {
    pub auth: AuthContext,
    pub location: String,
    pub dry_run: bool,
    pub progress: mpsc::UnboundedSender<ImportProgress>,
}

#[derive(Message)]
#[rtype(result = "Result<Vec<models::Employee>, Error>")]
pub struct Employees {
    pub auth: AuthContext,
}

#[derive(Message)]
#[rtype(result = "Result<models::Employee, Error>")]
pub struct AddEmployee {
    pub auth: AuthContext,
    pub full_name: String,
}

#[derive(Message)]
#[rtype(result = "Result<models::Employee, Error>")]
pub struct DeactivateEmployee {
    pub auth: AuthContext,
    pub employee_id: i64,
}

#[derive(Message)]
#[rtype(result = "Result<Posted, Error>")]
pub struct Post {
    pub auth: AuthContext,
    pub request: PostRequest,
}

#[derive(Message)]
#[rtype(result = "Result<Movement, Error>")]
pub struct Reverse {
    pub auth: AuthContext,
    pub movement_id: i64,
    pub reason: String,
}

#[derive(Message)]
#[rtype(result = "Result<Vec<HistoryLine>, Error>")]
pub struct History {
    pub auth: AuthContext,
    pub filter: MovementFilter,
}

#[derive(Message)]
#[rtype(result = "Result<Vec<Product>, Error>")]
pub struct Products {
    pub auth: AuthContext,
    pub query: ProductQuery,
}

/// Every product the query matches (its limit and offset are ignored), at most `max`.
#[derive(Message)]
#[rtype(result = "Result<Vec<Product>, Error>")]
pub struct AllProducts {
    pub auth: AuthContext,
    pub query: ProductQuery,
    pub max: usize,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe(pub mpsc::Sender<LedgerEvent>);

pub struct Ledger {
    pool: Pool,
    station: String,
    subscribers: Subscribers<LedgerEvent>,
}

impl Ledger {
    pub fn new(pool: Pool, station: String) -> Self {
        Ledger { pool, station, subscribers: Subscribers::default() }
    }
}

impl Actor for Ledger {
    type Context = Context<Self>;
}

impl Handler<Lookup> for Ledger {
    type Result = ResponseFuture<Result<Option<Product>, Error>>;
    fn handle(&mut self, msg: Lookup, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { lookup(&pool, &msg.0).await })
    }
}

impl Handler<Ping> for Ledger {
    type Result = ResponseFuture<Result<(), Error>>;
    fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { models::db::ping(&**pool.get().await?).await })
    }
}

impl Handler<DailyTotals> for Ledger {
    type Result = ResponseFuture<Result<Vec<movements::DailyTotal>, Error>>;
    fn handle(&mut self, msg: DailyTotals, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            msg.auth.require(Action::ViewReports)?;
            as_user!(pool, msg.auth, Action::ViewReports, |tx| {
                models::permissions::authorize(&*tx, Action::ViewReports).await?;
                movements::daily_totals(&*tx, msg.from, msg.to, None, None).await?
            })
        })
    }
}

impl Handler<AddProduct> for Ledger {
    type Result = ResponseFuture<Result<Product, Error>>;
    fn handle(&mut self, msg: AddProduct, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { add_product(&pool, &msg.auth, &msg.product).await })
    }
}

impl Handler<EditProduct> for Ledger {
    type Result = ResponseFuture<Result<Product, Error>>;
    fn handle(&mut self, msg: EditProduct, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { edit_product(&pool, &msg.auth, msg.product_id, &msg.change).await })
    }
}

impl Handler<Categories> for Ledger {
    type Result = ResponseFuture<Result<Vec<models::Category>, Error>>;
    fn handle(&mut self, msg: Categories, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { categories(&pool, &msg.auth).await })
    }
}

impl Handler<AddCategory> for Ledger {
    type Result = ResponseFuture<Result<models::Category, Error>>;
    fn handle(&mut self, msg: AddCategory, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { add_category(&pool, &msg.auth, &msg.name, None).await })
    }
}

impl Handler<RenameCategory> for Ledger {
    type Result = ResponseFuture<Result<models::Category, Error>>;
    fn handle(&mut self, msg: RenameCategory, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { rename_category(&pool, &msg.auth, msg.category_id, &msg.name).await })
    }
}

impl Handler<ImportFile> for Ledger {
    type Result = ResponseFuture<Result<ImportReport, Error>>;
    fn handle(&mut self, msg: ImportFile, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { import_file(&pool, &msg.auth, msg.path, msg.update, false).await })
    }
}

impl Handler<ImportDjango> for Ledger {
    type Result = ResponseFuture<Result<models::django::ImportReport, Error>>;
    fn handle(&mut self, msg: ImportDjango, _: &mut Context<Self>) -> Self::Result {
        let (pool, station) = (self.pool.clone(), self.station.clone());
        Box::pin(async move { import_django_reporting(&pool, &msg.auth, &msg.location, &station, msg.dry_run, msg.progress).await })
    }
}

impl Handler<Employees> for Ledger {
    type Result = ResponseFuture<Result<Vec<models::Employee>, Error>>;
    fn handle(&mut self, msg: Employees, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            msg.auth.require(Action::ManageEmployees)?;
            let c = pool.get().await?;
            models::employees::list(&**c, true).await
        })
    }
}

impl Handler<AddEmployee> for Ledger {
    type Result = ResponseFuture<Result<models::Employee, Error>>;
    fn handle(&mut self, msg: AddEmployee, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { add_employee(&pool, &msg.auth, &msg.full_name, None).await })
    }
}

impl Handler<DeactivateEmployee> for Ledger {
    type Result = ResponseFuture<Result<models::Employee, Error>>;
    fn handle(&mut self, msg: DeactivateEmployee, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { deactivate_employee(&pool, &msg.auth, msg.employee_id).await })
    }
}

impl Handler<Post> for Ledger {
    type Result = ResponseActFuture<Self, Result<Posted, Error>>;
    fn handle(&mut self, msg: Post, _: &mut Context<Self>) -> Self::Result {
        let (pool, station) = (self.pool.clone(), self.station.clone());
        Box::pin(async move { post(&pool, &station, &msg.auth, &msg.request).await }.into_actor(self).map(|res, act, _| {
            if let Ok(posted) = &res {
                act.subscribers.publish(LedgerEvent::Posted { movement: posted.movement.clone(), product: posted.product.clone() });
                if posted.movement.kind == MovementKind::Out && posted.product.is_low() {
                    act.subscribers.publish(LedgerEvent::LowStock(posted.product.clone()));
                }
            }
            res
        }))
    }
}

impl Handler<Reverse> for Ledger {
    type Result = ResponseFuture<Result<Movement, Error>>;
    fn handle(&mut self, msg: Reverse, _: &mut Context<Self>) -> Self::Result {
        let (pool, station) = (self.pool.clone(), self.station.clone());
        Box::pin(async move { reverse(&pool, &station, &msg.auth, msg.movement_id, &msg.reason).await })
    }
}

impl Handler<History> for Ledger {
    type Result = ResponseFuture<Result<Vec<HistoryLine>, Error>>;
    fn handle(&mut self, msg: History, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { history(&pool, &msg.auth, msg.filter).await })
    }
}

impl Handler<Products> for Ledger {
    type Result = ResponseFuture<Result<Vec<Product>, Error>>;
    fn handle(&mut self, msg: Products, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { products(&pool, &msg.auth, &msg.query).await })
    }
}

impl Handler<AllProducts> for Ledger {
    type Result = ResponseFuture<Result<Vec<Product>, Error>>;
    fn handle(&mut self, msg: AllProducts, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move { all_products(&pool, &msg.auth, &msg.query, msg.max).await })
    }
}

impl Handler<Subscribe> for Ledger {
    type Result = ();
    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) {
        self.subscribers.add(msg.0);
    }
}
