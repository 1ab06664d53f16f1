//! Categories, products, barcodes and the product card a scan looks up.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;
use tokio_postgres::{GenericClient, Row};

use crate::error::{Error, Result};
use crate::types::{Category, Product};

/// Longest code a lookup will even send to the database.
pub const MAX_CODE_LEN: usize = 128;

const CARD: &str = "SELECT p.id, p.sku, p.qr_code, p.name, p.category_id, c.name, p.unit, u.decimals, p.min_stock, s.quantity, p.active,
        coalesce((SELECT array_agg(b.code ORDER BY b.code) FROM product_barcodes b WHERE b.product_id = p.id), '{}')
   FROM products p JOIN units u ON u.code = p.unit JOIN stock s ON s.product_id = p.id
   LEFT JOIN categories c ON c.id = p.category_id";

fn card(r: &Row) -> Product {
    Product {
        id: r.get(0),
        sku: r.get(1),
        qr_code: r.get(2),
        name: r.get(3),
        category_id: r.get(4),
        category: r.get(5),
        unit: r.get(6),
        unit_decimals: r.get(7),
        min_stock: r.get::<_, Decimal>(8).normalize(),
        stock: r.get::<_, Decimal>(9).normalize(),
        active: r.get(10),
        barcodes: r.get(11),
    }
}

/// A scanned string as the database should see it: whitespace and control characters removed
/// from both ends; None for what cannot be a code (empty, too long).
pub fn clean_code(raw: &str) -> Option<&str> {
    let code = raw.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    // A control character inside (NUL above all) is no code any label carries.
    (!code.is_empty() && code.chars().count() <= MAX_CODE_LEN && !code.chars().any(char::is_control)).then_some(code)
}

/// A scanned code → the product: qr_code first, then SKU, then an extra barcode. Anything
/// else (garbage, SQL-looking, 10,000 characters) is simply not found.
pub async fn lookup(c: &impl GenericClient, raw: &str) -> Result<Option<Product>> {
    let Some(code) = clean_code(raw) else { return Ok(None) };
    // Typed: one round trip.
    Ok(c.query_typed_opt(&lookup_sql(), &[(&code, Type::TEXT)]).await?.map(|r| card(&r)))
}

pub async fn get(c: &impl GenericClient, id: i64) -> Result<Product> {
    c.query_typed_opt(&get_sql(), &[(&id, Type::INT8)]).await?.map(|r| card(&r)).ok_or_else(|| Error::NotFound(format!("product {id}")))
}

/// [`lookup`] through the pooled connection's statement cache, for the kiosk's scans: planning
/// the card's joins took 2 ms, running them 0.4 ms (EXPLAIN at 100,000 products).
pub async fn lookup_cached(c: &impl deadpool_postgres::GenericClient, raw: &str) -> Result<Option<Product>> {
    let Some(code) = clean_code(raw) else { return Ok(None) };
    let statement = c.prepare_cached(&lookup_sql()).await?;
    Ok(c.query_opt(&statement, &[&code]).await?.map(|r| card(&r)))
}

/// [`get`] through the statement cache, for the card after every posting: with it (and the
/// cached lookup), the ledger bench's 8 posters went from 663 to 1,174 movements/s.
pub async fn get_cached(c: &impl deadpool_postgres::GenericClient, id: i64) -> Result<Product> {
    let statement = c.prepare_cached(&get_sql()).await?;
    c.query_opt(&statement, &[&id]).await?.map(|r| card(&r)).ok_or_else(|| Error::NotFound(format!("product {id}")))
}

fn lookup_sql() -> String {
    format!(
        "{CARD} WHERE p.id = (SELECT id FROM products WHERE qr_code = $1
                             UNION ALL SELECT id FROM products WHERE sku = $1
                             UNION ALL SELECT product_id FROM product_barcodes WHERE code = $1 LIMIT 1)"
    )
}

fn get_sql() -> String {
    format!("{CARD} WHERE p.id = $1")
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NewProduct {
    pub sku: String,
    pub qr_code: String,
    pub name: String,
    pub category_id: Option<i64>,
    pub unit: String,
    pub min_stock: Decimal,
    pub barcodes: Vec<String>,
}

fn check_text(what: &str, value: &str, max: usize) -> Result<()> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::Invalid(format!("{what} is empty")));
    }
    if v.chars().count() > max {
        return Err(Error::Invalid(format!("{what} is longer than {max} characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::Invalid(format!("{what} contains control characters")));
    }
    Ok(())
}

impl NewProduct {
    pub fn validate(&self) -> Result<()> {
        check_text("SKU", &self.sku, 64)?;
        check_text("QR code", &self.qr_code, MAX_CODE_LEN)?;
        check_text("name", &self.name, 300)?;
        for b in &self.barcodes {
            check_text("barcode", b, MAX_CODE_LEN)?;
        }
        if self.min_stock < Decimal::ZERO {
            return Err(Error::Invalid("min_stock is negative".into()));
        }
        Ok(())
    }
}

/// Needs manage_products (checked by the database). The stock row appears by itself.
pub async fn add(c: &impl GenericClient, p: &NewProduct) -> Result<Product> {
    p.validate()?;
    let unit = if p.unit.trim().is_empty() { "pcs" } else { p.unit.trim() };
    let id: i64 = c
        .query_one(
            "INSERT INTO products (sku, qr_code, name, category_id, unit, min_stock) VALUES (btrim($1), btrim($2), btrim($3), $4, $5, $6) RETURNING id",
            &[&p.sku, &p.qr_code, &p.name, &p.category_id, &unit, &p.min_stock],
        )
        .await?
        .get(0);
    for b in &p.barcodes {
        c.execute("INSERT INTO product_barcodes (code, product_id) VALUES (btrim($1), $2)", &[b, &id]).await?;
    }
    get(c, id).await
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ProductChange {
    pub name: Option<String>,
    pub qr_code: Option<String>,
    pub category_id: Option<Option<i64>>,
    pub unit: Option<String>,
    pub min_stock: Option<Decimal>,
    pub active: Option<bool>,
    pub barcodes: Option<Vec<String>>,
}

/// Needs manage_products. The unit of a product with movements cannot change (its history
/// would change meaning).
pub async fn edit(c: &impl GenericClient, id: i64, ch: &ProductChange) -> Result<Product> {
    if let Some(n) = &ch.name {
        check_text("name", n, 300)?;
    }
    if let Some(q) = &ch.qr_code {
        check_text("QR code", q, MAX_CODE_LEN)?;
    }
    if ch.min_stock.is_some_and(|m| m < Decimal::ZERO) {
        return Err(Error::Invalid("min_stock is negative".into()));
    }
    if let Some(unit) = &ch.unit {
        let has_history: bool = c.query_one("SELECT EXISTS (SELECT 1 FROM movements WHERE product_id = $1)", &[&id]).await?.get(0);
        let current = get(c, id).await?;
        if has_history && current.unit != *unit {
            return Err(Error::Invalid("the unit of a product with movements cannot change".into()));
        }
    }
    let n = c
        .execute(
            "UPDATE products SET name = coalesce(btrim($2), name), qr_code = coalesce(btrim($3), qr_code),
                    category_id = CASE WHEN $4 THEN $5 ELSE category_id END, unit = coalesce($6, unit),
                    min_stock = coalesce($7, min_stock), active = coalesce($8, active), updated_at = now()
              WHERE id = $1",
            &[&id, &ch.name, &ch.qr_code, &ch.category_id.is_some(), &ch.category_id.flatten(), &ch.unit, &ch.min_stock, &ch.active],
        )
        .await?;
    if n == 0 {
        return Err(Error::NotFound(format!("product {id}")));
    }
    if let Some(codes) = &ch.barcodes {
        c.execute("DELETE FROM product_barcodes WHERE product_id = $1", &[&id]).await?;
        for b in codes {
            check_text("barcode", b, MAX_CODE_LEN)?;
            c.execute("INSERT INTO product_barcodes (code, product_id) VALUES (btrim($1), $2)", &[b, &id]).await?;
        }
    }
    get(c, id).await
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ProductQuery {
    /// Part of the name, SKU or QR code (case-insensitive).
    pub search: Option<String>,
    pub category_id: Option<i64>,
    pub low_only: bool,
    pub include_inactive: bool,
    pub limit: i64,
    pub offset: i64,
}

/// One page of products (the admin table and reports page through 1,000,000 rows this way).
pub async fn list(c: &impl GenericClient, q: &ProductQuery) -> Result<Vec<Product>> {
    page(c, q, None).await
}

/// `q`'s page, or with `after` the page that follows that product in the list's order: the
/// page's ids are picked along the (name, id) index first, and only those rows are then joined
/// into cards, so rows skipped by an offset cost an index step each, not a whole card.
async fn page(c: &impl GenericClient, q: &ProductQuery, after: Option<(&str, i64)>) -> Result<Vec<Product>> {
    let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| format!("%{}%", escape_like(s)));
    let limit = if q.limit <= 0 { 100 } else { q.limit.min(10_000) };
    let (after_name, after_id) = after.unzip();
    let sql = format!(
        "{CARD} JOIN (
             SELECT p.id FROM products p
              WHERE ($1::text IS NULL OR p.name ILIKE $1 OR p.sku ILIKE $1 OR p.qr_code ILIKE $1)
                AND ($2::bigint IS NULL OR p.category_id = $2)
                AND (NOT $3 OR EXISTS (SELECT 1 FROM stock s WHERE s.product_id = p.id AND s.quantity < p.min_stock))
                AND ($4 OR p.active)
                {keyset}
              ORDER BY p.name, p.id LIMIT $5 OFFSET $6
          ) picked ON picked.id = p.id
          ORDER BY p.name, p.id",
        // Only with `after`: a row comparison the planner turns into the index scan's start.
        keyset =
            if after.is_some() { "AND (p.name, p.id) > ($7::text, $8::bigint)" } else { "AND $7::text IS NULL AND $8::bigint IS NULL" },
    );
    let rows = c
        .query(&sql, &[&search, &q.category_id, &q.low_only, &q.include_inactive, &limit, &q.offset.max(0), &after_name, &after_id])
        .await?;
    Ok(rows.iter().map(card).collect())
}

/// Every product `q` matches (its limit and offset are ignored), page by page, at most `max`:
/// for exports and labels of a whole list. Each page starts after the last one's final product.
pub async fn list_all(c: &impl GenericClient, q: &ProductQuery, max: usize) -> Result<Vec<Product>> {
    const BATCH: i64 = 10_000;
    let q = ProductQuery { limit: BATCH, offset: 0, ..q.clone() };
    let mut all: Vec<Product> = vec![];
    loop {
        let after = all.last().map(|p| (p.name.as_str(), p.id));
        let next = page(c, &q, after).await?;
        let done = (next.len() as i64) < BATCH || all.len() + next.len() >= max;
        all.extend(next);
        if done {
            all.truncate(max);
            return Ok(all);
        }
    }
}

pub async fn count(c: &impl GenericClient) -> Result<i64> {
    Ok(c.query_one("SELECT count(*) FROM products", &[]).await?.get(0))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Needs manage_products.
pub async fn add_category(c: &impl GenericClient, name: &str, parent_id: Option<i64>) -> Result<Category> {
    check_text("category name", name, 120)?;
    let r = c
        .query_one("INSERT INTO categories (name, parent_id) VALUES (btrim($1), $2) RETURNING id, name, parent_id", &[&name, &parent_id])
        .await?;
    Ok(Category { id: r.get(0), name: r.get(1), parent_id: r.get(2) })
}

/// Needs manage_products. Products keep their category: they point at its id.
pub async fn rename_category(c: &impl GenericClient, id: i64, name: &str) -> Result<Category> {
    check_text("category name", name, 120)?;
    let r = c
        .query_opt("UPDATE categories SET name = btrim($2) WHERE id = $1 RETURNING id, name, parent_id", &[&id, &name])
        .await?
        .ok_or_else(|| Error::NotFound(format!("category {id}")))?;
    Ok(Category { id: r.get(0), name: r.get(1), parent_id: r.get(2) })
}

pub async fn categories(c: &impl GenericClient) -> Result<Vec<Category>> {
    let rows = c.query("SELECT id, name, parent_id FROM categories ORDER BY lower(name)", &[]).await?;
    Ok(rows.iter().map(|r| Category { id: r.get(0), name: r.get(1), parent_id: r.get(2) }).collect())
}

pub async fn category_by_name(c: &impl GenericClient, name: &str) -> Result<Option<Category>> {
    let r = c.query_opt("SELECT id, name, parent_id FROM categories WHERE lower(name) = lower(btrim($1))", &[&name]).await?;
    Ok(r.map(|r| Category { id: r.get(0), name: r.get(1), parent_id: r.get(2) }))
}

pub async fn units(c: &impl GenericClient) -> Result<Vec<(String, String, i16)>> {
    let rows = c.query("SELECT code, name, decimals FROM units ORDER BY code", &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}
