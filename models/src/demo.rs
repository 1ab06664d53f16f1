//! Demo catalogue: categories and products written in one transaction with COPY (10,000
//! products in about a second). The permission trigger checks the acting session on every row,
//! and the stock rows appear by themselves, exactly as for an import.

use std::collections::HashMap;

use rust_decimal::Decimal;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct DemoProduct {
    pub sku: String,
    pub qr_code: String,
    pub name: String,
    /// Index into the category names.
    pub category: usize,
    pub unit: String,
    pub min_stock: Decimal,
}

/// Writes `categories` and `products` into an empty catalogue; refuses a non-empty one.
/// `progress(n)` is called as rows are sent. Needs a session with manage_products on `tx`.
pub async fn fill_catalogue(
    tx: &tokio_postgres::Transaction<'_>,
    categories: &[String],
    products: &[DemoProduct],
    mut progress: impl FnMut(usize),
) -> Result<()> {
    // Lock out a concurrent writer between the check and the inserts.
    tx.batch_execute("LOCK TABLE products, categories IN SHARE ROW EXCLUSIVE MODE").await?;
    if !crate::health::catalogue_is_empty(tx).await? {
        return Err(Error::Invalid("the database already has categories or products: the demo only fills an empty one".into()));
    }
    let ids: HashMap<String, i64> = tx
        .query("INSERT INTO categories (name) SELECT unnest($1::text[]) RETURNING name, id", &[&categories])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let sink = tx.copy_in("COPY products (sku, qr_code, name, category_id, unit, min_stock) FROM STDIN (FORMAT binary)").await?;
    let writer = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::TEXT, Type::TEXT, Type::INT8, Type::TEXT, Type::NUMERIC]);
    futures::pin_mut!(writer);
    for (i, p) in products.iter().enumerate() {
        let category_id = categories.get(p.category).and_then(|name| ids.get(name)).copied();
        writer.as_mut().write(&[&p.sku, &p.qr_code, &p.name, &category_id, &p.unit, &p.min_stock]).await?;
        if (i + 1) % 1000 == 0 {
            progress(i + 1);
        }
    }
    writer.finish().await?;
    if products.len() % 1000 != 0 {
        progress(products.len());
    }
    Ok(())
}
