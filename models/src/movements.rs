//! IN/OUT movements, reversals, history and the ledger's self-check.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;
use tokio_postgres::{GenericClient, Row};

use crate::error::{Error, Result};
use crate::types::{Movement, MovementKind, MovementOrigin};

/// The largest quantity a movement may carry (NUMERIC(18,6) holds less than 10^12).
pub fn max_quantity() -> Decimal {
    Decimal::new(999_999_999_999, 0)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostMovement {
    pub product_id: i64,
    pub kind: MovementKind,
    pub quantity: Decimal,
    pub employee_id: i64,
    pub verification_id: i64,
    pub note: Option<String>,
    pub station: String,
}

/// Checks what can be checked before the database: a clear message, nothing sent.
pub fn check_quantity(q: Decimal, unit_decimals: Option<u32>) -> Result<()> {
    if q <= Decimal::ZERO {
        return Err(Error::InvalidQuantity("the quantity must be greater than zero".into()));
    }
    if q > max_quantity() {
        return Err(Error::InvalidQuantity(format!("{q} is too large")));
    }
    if let Some(d) = unit_decimals {
        if q.normalize().scale() > d {
            return Err(Error::InvalidQuantity(format!("{q} has more than {d} decimal places for this unit")));
        }
    }
    Ok(())
}

// `kind` as text: a typed query (one round trip) cannot look a custom type up once the
// transaction has failed, and would then report that instead of the real error.
const COLUMNS: &str = "id, product_id, kind::text, quantity, employee_id, user_id, verification_id, reverses_id, note, station, created_at, origin";

fn from_row(r: &Row) -> Movement {
    Movement {
        id: r.get(0),
        product_id: r.get(1),
        kind: r.get::<_, &str>(2).parse().expect("the database's movement_kind is in or out"),
        quantity: r.get::<_, Decimal>(3).normalize(),
        employee_id: r.get(4),
        user_id: r.get(5),
        verification_id: r.get(6),
        reverses_id: r.get(7),
        note: r.get(8),
        station: r.get(9),
        created_at: r.get(10),
        origin: r.get::<_, Option<&str>>(11).and_then(MovementOrigin::parse),
    }
}

/// Posts IN or OUT through the database's post_movement (role, verification, stock lock and
/// check, hash chain, stock update — one transaction). Needs a session with post_movement.
pub async fn post(c: &impl GenericClient, m: &PostMovement) -> Result<Movement> {
    post_once(c, m, &new_request_id()).await
}

/// A fresh id for one posting; asking again with the same id never posts twice.
pub fn new_request_id() -> [u8; 16] {
    rand::random()
}

/// Posts `m` unless a movement with `request_id` exists, which is then returned: a retry after a
/// lost connection learns whether the first try was committed instead of posting again.
pub async fn post_once(c: &impl GenericClient, m: &PostMovement, request_id: &[u8; 16]) -> Result<Movement> {
    check_quantity(m.quantity, None)?;
    if m.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::Invalid("the note is longer than 500 characters".into()));
    }
    // "Saved" on the screen means on disk: post_movement_once sets synchronous_commit = on for
    // its transaction, whatever the server's own setting (V10).
    // Typed parameters: parsed and run in one round trip, not two (prepare, then execute).
    let kind = m.kind.as_str();
    let r = c
        .query_typed_one(
            &format!("SELECT {COLUMNS} FROM post_movement_once($1, $2, $3::text::movement_kind, $4, $5, $6, $7, $8)"),
            &[
                (&&request_id[..], Type::BYTEA),
                (&m.product_id, Type::INT8),
                (&kind, Type::TEXT),
                (&m.quantity, Type::NUMERIC),
                (&m.employee_id, Type::INT8),
                (&m.verification_id, Type::INT8),
                (&m.note, Type::TEXT),
                (&m.station, Type::TEXT),
            ],
        )
        .await?;
    Ok(from_row(&r))
}

/// Admin only (checked by the database): a movement of opposite effect pointing at `id`.
pub async fn reverse(c: &impl GenericClient, id: i64, reason: &str, station: &str) -> Result<Movement> {
    if reason.chars().count() > 500 {
        return Err(Error::Invalid("the reason is longer than 500 characters".into()));
    }
    let r = c.query_one(&format!("SELECT {COLUMNS} FROM reverse_movement($1, $2, $3)"), &[&id, &reason, &station]).await?;
    Ok(from_row(&r))
}

pub async fn get(c: &impl GenericClient, id: i64) -> Result<Movement> {
    c.query_opt(&format!("SELECT {COLUMNS} FROM movements WHERE id = $1"), &[&id])
        .await?
        .map(|r| from_row(&r))
        .ok_or_else(|| Error::NotFound(format!("movement {id}")))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MovementFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub product_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub user_id: Option<i64>,
    pub kind: Option<MovementKind>,
    pub station: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A history line with the names a person reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryLine {
    #[serde(flatten)]
    pub movement: Movement,
    pub sku: String,
    pub product_name: String,
    pub unit: String,
    pub employee_name: String,
    pub username: String,
    pub reversed_by: Option<i64>,
}

pub async fn history(c: &impl GenericClient, f: &MovementFilter) -> Result<Vec<HistoryLine>> {
    let limit = if f.limit <= 0 { 100 } else { f.limit.min(100_000) };
    let rows = c
        .query(
            "SELECT m.id, m.product_id, m.kind::text, m.quantity, m.employee_id, m.user_id, m.verification_id, m.reverses_id, m.note,
                    m.station, m.created_at, m.origin, p.sku, p.name, p.unit,
                    coalesce(e.full_name, m.legacy -> 'employee' ->> 'name', ''),
                    CASE WHEN m.origin = 'imported' THEN coalesce(m.legacy -> 'user' ->> 'username', '') ELSE u.username END,
                    (SELECT r.id FROM movements r WHERE r.reverses_id = m.id)
               FROM movements m JOIN products p ON p.id = m.product_id LEFT JOIN employees e ON e.id = m.employee_id
               JOIN users u ON u.id = m.user_id
              WHERE ($1::timestamptz IS NULL OR m.created_at >= $1) AND ($2::timestamptz IS NULL OR m.created_at < $2)
                AND ($3::bigint IS NULL OR m.product_id = $3) AND ($4::bigint IS NULL OR m.employee_id = $4)
                AND ($5::bigint IS NULL OR m.user_id = $5) AND ($6::movement_kind IS NULL OR m.kind = $6)
                AND ($7::text IS NULL OR m.station = $7)
              ORDER BY m.id DESC LIMIT $8 OFFSET $9",
            &[&f.from, &f.to, &f.product_id, &f.employee_id, &f.user_id, &f.kind, &f.station, &limit, &f.offset.max(0)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| HistoryLine {
            movement: from_row(r),
            sku: r.get(12),
            product_name: r.get(13),
            unit: r.get(14),
            employee_name: r.get(15),
            username: r.get(16),
            reversed_by: r.get(17),
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyTotal {
    pub day: NaiveDate,
    pub movements: i64,
    pub in_quantity: Decimal,
    pub out_quantity: Decimal,
}

/// IN and OUT totals per day (local to the database's time zone) in [from, to), of one product
/// and/or one station when given.
pub async fn daily_totals(
    c: &impl GenericClient,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    product_id: Option<i64>,
    station: Option<&str>,
) -> Result<Vec<DailyTotal>> {
    let rows = c
        .query(
            "SELECT created_at::date AS day, count(*),
                    coalesce(sum(quantity) FILTER (WHERE kind = 'in'), 0), coalesce(sum(quantity) FILTER (WHERE kind = 'out'), 0)
               FROM movements WHERE created_at >= $1 AND created_at < $2 AND ($3::bigint IS NULL OR product_id = $3)
                AND ($4::text IS NULL OR station = $4)
              GROUP BY 1 ORDER BY 1",
            &[&from, &to, &product_id, &station],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| DailyTotal {
            day: r.get(0),
            movements: r.get(1),
            in_quantity: r.get::<_, Decimal>(2).normalize(),
            out_quantity: r.get::<_, Decimal>(3).normalize(),
        })
        .collect())
}

/// What `ombor ledger verify` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerReport {
    pub movements: i64,
    pub products: i64,
    /// The first movement whose hash or link to its predecessor does not hold.
    pub first_broken_link: Option<BrokenLink>,
    /// Every broken hash or link (the first 100), and how many there are in all.
    pub broken_links: Vec<BrokenLink>,
    pub broken_count: i64,
    /// The database's `movement_hash()` is not the function the migrations created.
    pub hash_function_replaced: bool,
    /// Products whose stock differs from the sum of their movements.
    pub stock_mismatches: Vec<StockMismatch>,
    pub products_without_stock_row: i64,
    /// Compared with the last anchor, when one was given.
    pub since_anchor: Option<crate::chain::SinceAnchor>,
    /// The chain heads found, for the next anchor.
    #[serde(skip)]
    pub heads: Vec<crate::chain::Head>,
}

impl LedgerReport {
    pub fn is_ok(&self) -> bool {
        self.first_broken_link.is_none()
            && !self.hash_function_replaced
            && self.stock_mismatches.is_empty()
            && self.products_without_stock_row == 0
            && self.since_anchor.as_ref().is_none_or(|s| s.lost_count == 0)
    }

    /// The heads found, as the next anchor.
    pub fn anchor(&self) -> crate::chain::Anchor {
        crate::chain::Anchor::new(self.movements, self.heads.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokenLink {
    pub movement_id: i64,
    pub product_id: i64,
    /// "hash": the movement's fields no longer match its hash; "link": its prev_hash is not
    /// the previous movement's hash (one was removed, inserted or reordered); "head": the
    /// stock row's last hash is not the last movement's.
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockMismatch {
    pub product_id: i64,
    pub stock: Decimal,
    pub sum_of_movements: Decimal,
}

/// Recomputes every hash and link of the chain (in Rust: [`crate::chain`]) and every stock sum.
pub async fn verify(c: &impl GenericClient) -> Result<LedgerReport> {
    verify_against(c, None).await
}

/// As [`verify`], and compares the chain with the last anchor: what was cut, rewritten or
/// erased since, and what was added.
pub async fn verify_against(c: &impl GenericClient, anchor: Option<&crate::chain::Anchor>) -> Result<LedgerReport> {
    let chain = crate::chain::check(c, anchor).await?;
    let movements = chain.movements;
    let products: i64 = c.query_one("SELECT count(*) FROM products", &[]).await?.get(0);
    let mut first_broken_link = chain.broken.first().cloned();
    if first_broken_link.is_none() {
        let head = c
            .query_opt(
                "SELECT s.last_movement_id, s.product_id FROM stock s
                  LEFT JOIN LATERAL (SELECT id, hash FROM movements m WHERE m.product_id = s.product_id ORDER BY id DESC LIMIT 1) last ON true
                  WHERE s.last_hash IS DISTINCT FROM last.hash OR s.last_movement_id IS DISTINCT FROM last.id
                  ORDER BY s.product_id LIMIT 1",
                &[],
            )
            .await?;
        first_broken_link =
            head.map(|r| BrokenLink { movement_id: r.get::<_, Option<i64>>(0).unwrap_or(0), product_id: r.get(1), problem: "head".into() });
    }
    let rows = c
        .query(
            "SELECT s.product_id, s.quantity, coalesce(t.total, 0) FROM stock s
               LEFT JOIN (SELECT product_id, sum(CASE kind WHEN 'in' THEN quantity ELSE -quantity END) AS total
                            FROM movements GROUP BY product_id) t ON t.product_id = s.product_id
              WHERE s.quantity <> coalesce(t.total, 0) ORDER BY s.product_id LIMIT 100",
            &[],
        )
        .await?;
    let stock_mismatches = rows
        .iter()
        .map(|r| StockMismatch {
            product_id: r.get(0),
            stock: r.get::<_, Decimal>(1).normalize(),
            sum_of_movements: r.get::<_, Decimal>(2).normalize(),
        })
        .collect();
    let products_without_stock_row: i64 = c
        .query_one("SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM stock s WHERE s.product_id = p.id)", &[])
        .await?
        .get(0);
    Ok(LedgerReport {
        movements,
        products,
        first_broken_link,
        broken_links: chain.broken,
        broken_count: chain.broken_count,
        hash_function_replaced: chain.hash_function_replaced,
        stock_mismatches,
        products_without_stock_row,
        since_anchor: chain.since_anchor,
        heads: chain.heads,
    })
}
