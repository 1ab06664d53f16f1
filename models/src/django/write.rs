//! Writes what was read into Ombor Nazorat, inside the caller's transaction (the admin's
//! session set on it): staging tables filled by COPY, then the database's import_apply (V17)
//! does the rest — or refuses it all.

use std::collections::{HashMap, HashSet};

use futures::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use super::mapping::Mapping;
use super::read::{RowNote, SourceData};
use crate::error::Result;

/// What already exists here: old ids imported earlier from the same source, and clashes.
pub async fn check_against_database(c: &tokio_postgres::Transaction<'_>, m: &Mapping, d: &mut SourceData) -> Result<Known> {
    let mut known = Known::default();
    for r in c.query("SELECT entity, source_id, local_id FROM import_keys WHERE source = $1", &[&m.source]).await? {
        known.keys.entry(r.get::<_, String>(0)).or_default().insert(r.get(1), r.get(2));
    }
    let keyed = |known: &Known, entity: &str| -> HashSet<i64> { known.keys.get(entity).map(|k| k.values().copied().collect()).unwrap_or_default() };
    let ours = keyed(&known, "product");
    let table = m.product.table.clone();
    let new_products: Vec<&super::read::Product> = d.products.iter().filter(|p| !known.has("product", &p.source_id)).collect();
    let skus: Vec<String> = new_products.iter().map(|p| p.sku.clone()).collect();
    let qrs: Vec<String> = new_products.iter().map(|p| p.qr_code.clone()).collect();
    let by_sku: HashMap<String, i64> =
        c.query("SELECT sku, id FROM products WHERE sku = ANY($1)", &[&skus]).await?.iter().map(|r| (r.get(0), r.get(1))).collect();
    let by_qr: HashMap<String, (i64, String)> = c
        .query("SELECT qr_code, id, sku FROM products WHERE qr_code = ANY($1) UNION ALL SELECT b.code, p.id, p.sku FROM product_barcodes b JOIN products p ON p.id = b.product_id WHERE b.code = ANY($1)", &[&qrs])
        .await?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    let mut problems = vec![];
    for p in new_products {
        if let Some(id) = by_sku.get(&p.sku).filter(|id| !ours.contains(id)) {
            problems.push(RowNote { table: table.clone(), id: p.source_id.clone(), message: format!("SKU `{}` is product {id}'s here already", p.sku) });
        } else if let Some((id, sku)) = by_qr.get(&p.qr_code).filter(|(id, _)| !ours.contains(id)) {
            problems.push(RowNote { table: table.clone(), id: p.source_id.clone(), message: format!("code `{}` finds product {id} ({sku}) here already", p.qr_code) });
        }
    }
    if let Some(e) = &m.employee {
        let nos: Vec<String> = d.employees.iter().filter(|x| !known.has("employee", &x.source_id)).filter_map(|x| x.personnel_no.clone()).collect();
        let taken: HashMap<String, i64> =
            c.query("SELECT personnel_no, id FROM employees WHERE personnel_no = ANY($1)", &[&nos]).await?.iter().map(|r| (r.get(0), r.get(1))).collect();
        for x in d.employees.iter().filter(|x| !known.has("employee", &x.source_id)) {
            if let Some(id) = x.personnel_no.as_ref().and_then(|n| taken.get(n)) {
                problems.push(RowNote { table: e.table.clone(), id: x.source_id.clone(), message: format!("personnel number `{}` is employee {id}'s here already", x.personnel_no.clone().unwrap_or_default()) });
            }
        }
    }
    let names: Vec<String> = d.users.iter().filter(|u| !known.has("user", &u.source_id)).map(|u| u.username.to_lowercase()).collect();
    for r in c.query("SELECT username FROM users WHERE lower(username) = ANY($1)", &[&names]).await? {
        let name: String = r.get(0);
        d.guesses.push(format!("user `{name}` exists here already: keeps the password and role it has here"));
        known.existing_users.insert(name.to_lowercase());
    }
    let cats: Vec<String> = d.categories.iter().filter(|x| !known.has("category", &x.source_id)).map(|x| x.name.to_lowercase()).collect();
    for r in c.query("SELECT name FROM categories WHERE lower(name) = ANY($1)", &[&cats]).await? {
        d.guesses.push(format!("category `{}` exists here already: the old one is merged into it", r.get::<_, String>(0)));
    }
    d.problems.extend(problems);
    stock_drift(c, m, d, &known).await?;
    Ok(known)
}

/// A re-run: products imported before whose old stock no longer equals ours plus what this
/// run's new movements bring. Their stock is left as it is — since the first import the kiosk
/// keeps the stock, and movements posted here count; no second opening balance is made — but
/// each one is named, so the admin can post a correction at the kiosk where the old figure is
/// the true one.
async fn stock_drift(c: &tokio_postgres::Transaction<'_>, m: &Mapping, d: &mut SourceData, known: &Known) -> Result<()> {
    let Some(ours) = known.keys.get("product") else { return Ok(()) };
    let earlier: Vec<(&super::read::Product, i64)> =
        d.products.iter().filter(|p| p.stock.is_some()).filter_map(|p| ours.get(&p.source_id).map(|id| (p, *id))).collect();
    if earlier.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = earlier.iter().map(|(_, id)| *id).collect();
    let here: HashMap<i64, rust_decimal::Decimal> =
        c.query("SELECT product_id, quantity FROM stock WHERE product_id = ANY($1)", &[&ids]).await?.iter().map(|r| (r.get(0), r.get(1))).collect();
    let mut coming: HashMap<&str, rust_decimal::Decimal> = HashMap::new();
    for mv in d.movements.iter().filter(|mv| !known.has("movement", &mv.source_id)) {
        let q = if mv.kind == crate::MovementKind::In { mv.quantity } else { -mv.quantity };
        *coming.entry(mv.product.as_str()).or_default() += q;
    }
    for (p, id) in earlier {
        let after = here.get(&id).copied().unwrap_or_default() + coming.get(p.source_id.as_str()).copied().unwrap_or_default();
        let old = p.stock.unwrap_or_default();
        if after != old {
            d.warnings.push(RowNote {
                table: m.product.table.clone(),
                id: p.source_id.clone(),
                message: format!(
                    "stock {} here after this run, {} in the old system: left as it is (imported before; post a correction at the kiosk if the old figure is right)",
                    after.normalize(),
                    old.normalize()
                ),
            });
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
pub struct Known {
    /// entity → old id → our id, of earlier runs from the same source.
    pub keys: HashMap<String, HashMap<String, i64>>,
    pub existing_users: HashSet<String>,
}

impl Known {
    pub fn has(&self, entity: &str, source_id: &str) -> bool {
        self.keys.get(entity).is_some_and(|k| k.contains_key(source_id))
    }

    pub fn count(&self, entity: &str) -> usize {
        self.keys.get(entity).map(HashMap::len).unwrap_or(0)
    }
}

async fn copy_rows<'a>(
    c: &tokio_postgres::Transaction<'_>,
    table: &str,
    types: &[Type],
    rows: impl Iterator<Item = Vec<Box<dyn ToSql + Sync + Send + 'a>>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let sink = c.copy_in(&format!("COPY pg_temp.{table} FROM STDIN (FORMAT binary)")).await?;
    let writer = BinaryCopyInWriter::new(sink, types);
    pin_mut!(writer);
    let mut n = 0u64;
    for row in rows {
        let refs: Vec<&(dyn ToSql + Sync)> = row.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect();
        writer.as_mut().write(&refs).await?;
        n += 1;
        if n % 20_000 == 0 {
            progress(n);
        }
    }
    writer.finish().await?;
    Ok(())
}

type Cell<'a> = Box<dyn ToSql + Sync + Send + 'a>;

/// Stages everything and applies it; returns the database's summary of what it did.
pub async fn write(
    c: &tokio_postgres::Transaction<'_>,
    m: &Mapping,
    d: &SourceData,
    location: &str,
    station: &str,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<serde_json::Value> {
    let run: i64 = c.query_one("SELECT import_begin($1, $2, $3)", &[&m.source, &location, &station]).await?.get(0);
    let none = |_| {};
    copy_rows(
        c,
        "import_units",
        &[Type::TEXT, Type::TEXT, Type::INT2],
        d.units.iter().map(|u| -> Vec<Cell> { vec![Box::new(u.code.clone()), Box::new(u.name.clone()), Box::new(u.decimals)] }),
        &none,
    )
    .await?;
    copy_rows(
        c,
        "import_categories",
        &[Type::TEXT, Type::TEXT, Type::TEXT],
        d.categories.iter().map(|x| -> Vec<Cell> { vec![Box::new(x.source_id.clone()), Box::new(x.name.clone()), Box::new(x.parent.clone())] }),
        &none,
    )
    .await?;
    copy_rows(
        c,
        "import_products",
        &[Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::NUMERIC, Type::BOOL, Type::NUMERIC],
        d.products.iter().map(|p| -> Vec<Cell> {
            vec![
                Box::new(p.source_id.clone()),
                Box::new(p.sku.clone()),
                Box::new(p.qr_code.clone()),
                Box::new(p.name.clone()),
                Box::new(p.category.clone()),
                Box::new(p.unit.clone()),
                Box::new(p.min_stock),
                Box::new(p.active),
                Box::new(p.stock),
            ]
        }),
        &none,
    )
    .await?;
    copy_rows(
        c,
        "import_employees",
        &[Type::TEXT, Type::TEXT, Type::TEXT, Type::BOOL],
        d.employees.iter().map(|e| -> Vec<Cell> {
            vec![Box::new(e.source_id.clone()), Box::new(e.full_name.clone()), Box::new(e.personnel_no.clone()), Box::new(e.active)]
        }),
        &none,
    )
    .await?;
    copy_rows(
        c,
        "import_users",
        &[Type::TEXT, Type::TEXT, Type::TEXT, Type::BOOL, Type::TEXT, Type::TEXT],
        d.users.iter().map(|u| -> Vec<Cell> {
            vec![
                Box::new(u.source_id.clone()),
                Box::new(u.username.clone()),
                Box::new(u.role.clone()),
                Box::new(u.active),
                Box::new(u.legacy.as_ref().map(|l| l.0.clone())),
                Box::new(u.legacy.as_ref().map(|l| l.1.clone())),
            ]
        }),
        &none,
    )
    .await?;
    copy_rows(
        c,
        "import_movements",
        &[Type::TEXT, Type::TEXT, Type::TEXT, Type::NUMERIC, Type::TIMESTAMPTZ, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::JSONB],
        d.movements.iter().map(|x| -> Vec<Cell> {
            vec![
                Box::new(x.source_id.clone()),
                Box::new(x.product.clone()),
                Box::new(x.kind.as_str()),
                Box::new(x.quantity),
                Box::new(x.at),
                Box::new(x.employee.clone()),
                Box::new(x.user.clone()),
                Box::new(x.reverses.clone()),
                Box::new(x.note.clone()),
                Box::new(x.legacy.clone()),
            ]
        }),
        progress,
    )
    .await?;
    let summary: serde_json::Value = c.query_one("SELECT import_apply($1)", &[&run]).await?.get(0);
    Ok(summary)
}
