//! `ombor category …`, `ombor product …`, `ombor stock CODE`, `ombor employee add|list|deactivate`.

use std::path::PathBuf;

use actors::ledger;
use clap::Subcommand;
use models::products::{NewProduct, ProductChange, ProductQuery};
use models::Product;
use rust_decimal::Decimal;

use super::access::{Db, Login};
use super::{print, table};

#[derive(Subcommand, Debug)]
pub enum CategoryCommand {
    /// Add a category (admin).
    Add {
        name: String,
        /// Parent category id.
        #[arg(long)]
        parent: Option<i64>,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// List categories.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProductCommand {
    /// Add a product (admin); its stock row starts at 0.
    Add {
        #[arg(long)]
        sku: String,
        /// The code on the label; defaults to the SKU.
        #[arg(long)]
        qr: Option<String>,
        #[arg(long)]
        name: String,
        /// Category name or id.
        #[arg(long)]
        category: Option<String>,
        #[arg(long, default_value = "pcs")]
        unit: String,
        #[arg(long, default_value = "0", value_parser = min_stock_arg)]
        min_stock: Decimal,
        /// Extra barcodes that also find this product (repeatable).
        #[arg(long = "barcode")]
        barcodes: Vec<String>,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// Change a product (admin). PRODUCT is its id, SKU or code.
    Edit {
        product: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        qr: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, value_parser = min_stock_arg)]
        min_stock: Option<Decimal>,
        #[arg(long)]
        active: Option<bool>,
        #[arg(long = "barcode")]
        barcodes: Option<Vec<String>>,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// List products, a page at a time.
    List {
        /// Part of the name, SKU or code.
        #[arg(long)]
        search: Option<String>,
        /// Category name or id.
        #[arg(long)]
        category: Option<String>,
        /// Only products under their min_stock.
        #[arg(long)]
        low: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long)]
        json: bool,
    },
    /// Show one product by id, SKU, QR code or barcode.
    Show {
        product: String,
        #[arg(long)]
        json: bool,
    },
    /// Import products from a .csv or .xlsx file (admin): all rows or none.
    Import(ImportArgs),
}

/// A product import's file and options: from CSV/XLSX here, from SQLite in `ombor import sqlite`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Check every row and report, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Update products whose SKU exists instead of refusing them.
    #[arg(long)]
    pub update: bool,
    #[command(flatten)]
    pub login: Login,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum EmployeeCommand {
    /// Add an employee (admin); enrol their face afterwards.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        personnel_no: Option<String>,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// List employees.
    List {
        /// Include deactivated employees.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Enrol an employee's face (admin): from a folder of photos or from the camera.
    Enroll {
        id: i64,
        /// A folder of photos of this one person (each must show exactly one face).
        #[arg(long, value_name = "DIR", conflicts_with = "camera")]
        images: Option<std::path::PathBuf>,
        /// Take the frames from the configured camera.
        #[arg(long)]
        camera: bool,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// Deactivate an employee (admin): no more movements, face removed from the model.
    Deactivate {
        id: i64,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
}

pub fn category(db: &Db, cmd: CategoryCommand) -> anyhow::Result<()> {
    match cmd {
        CategoryCommand::Add { name, parent, login, json } => {
            let auth = db.login(&login)?;
            let c = db.run(ledger::add_category(&db.pool, &auth, &name, parent));
            db.logout(&auth);
            let c = c?;
            print(json, &c, || format!("added category {} with id {}", c.name, c.id));
        }
        CategoryCommand::List { json } => {
            let cats = db.run(async { models::products::categories(&**db.pool.get().await?).await })?;
            print(json, &cats, || {
                table::render(
                    &["id", "name", "parent"],
                    &cats
                        .iter()
                        .map(|c| vec![c.id.to_string(), c.name.clone(), c.parent_id.map(|p| p.to_string()).unwrap_or_default()])
                        .collect::<Vec<_>>(),
                )
            });
        }
    }
    Ok(())
}

pub fn resolve_category(db: &Db, name_or_id: &str) -> anyhow::Result<i64> {
    if let Ok(id) = name_or_id.parse::<i64>() {
        return Ok(id);
    }
    db.run(async { models::products::category_by_name(&**db.pool.get().await?, name_or_id).await })?
        .map(|c| c.id)
        .ok_or_else(|| anyhow::anyhow!("no category named `{name_or_id}` (ombor category list)"))
}

/// A product by id, SKU, QR code or barcode.
pub fn resolve_product(db: &Db, key: &str) -> anyhow::Result<Product> {
    let found = db.run(async {
        let c = db.pool.get().await?;
        if let Some(p) = models::products::lookup(&**c, key).await? {
            return Ok::<_, models::Error>(Some(p));
        }
        // Typed under the Russian or Uzbek Cyrillic layout: the US keys that typed it.
        if let Some(us) = models::keyboard::cyrillic_to_us(key) {
            if let Some(p) = models::products::lookup(&**c, &us).await? {
                tracing::warn!(typed = %key, code = %us, "code found after mapping a Cyrillic keyboard layout back to US keys");
                return Ok(Some(p));
            }
        }
        match key.trim().parse::<i64>() {
            Ok(id) => models::products::get(&**c, id).await.map(Some).or(Ok(None)),
            Err(_) => Ok(None),
        }
    })?;
    found.ok_or_else(|| anyhow::anyhow!("no product with the code `{}`", key.chars().take(80).collect::<String>()))
}

pub fn product_lines(products: &[Product]) -> String {
    let rows = products
        .iter()
        .map(|p| {
            vec![
                p.id.to_string(),
                p.sku.clone(),
                p.qr_code.clone(),
                p.name.clone(),
                p.category.clone().unwrap_or_default(),
                format!("{} {}", p.stock, p.unit),
                p.min_stock.to_string(),
                if p.is_low() { "LOW".into() } else { String::new() },
            ]
        })
        .collect::<Vec<_>>();
    table::render(&["id", "sku", "code", "name", "category", "stock", "min", ""], &rows)
}

fn product_card(p: &Product) -> String {
    let mut s = format!(
        "{} (id {})\n  SKU: {}\n  code: {}\n  category: {}\n  stock: {} {}\n  min stock: {}",
        p.name,
        p.id,
        p.sku,
        p.qr_code,
        p.category.as_deref().unwrap_or("-"),
        p.stock,
        p.unit,
        p.min_stock
    );
    if !p.barcodes.is_empty() {
        s += &format!("\n  barcodes: {}", p.barcodes.join(", "));
    }
    if p.is_low() {
        s += "\n  ! below min stock";
    }
    if !p.active {
        s += "\n  ! not active";
    }
    s
}

pub fn product(db: &Db, cmd: ProductCommand) -> anyhow::Result<()> {
    match cmd {
        ProductCommand::Add { sku, qr, name, category, unit, min_stock, barcodes, login, json } => {
            let category_id = category.as_deref().map(|c| resolve_category(db, c)).transpose()?;
            let auth = db.login(&login)?;
            let new = NewProduct { qr_code: qr.unwrap_or_else(|| sku.clone()), sku, name, category_id, unit, min_stock, barcodes };
            let p = db.run(ledger::add_product(&db.pool, &auth, &new));
            db.logout(&auth);
            let p = p?;
            print(json, &p, || format!("added product {} (id {}), stock 0 {}", p.name, p.id, p.unit));
        }
        ProductCommand::Edit { product, name, qr, category, unit, min_stock, active, barcodes, login, json } => {
            let target = resolve_product(db, &product)?;
            let category_id = match category.as_deref() {
                None => None,
                Some("" | "-" | "none") => Some(None),
                Some(c) => Some(Some(resolve_category(db, c)?)),
            };
            let auth = db.login(&login)?;
            let change = ProductChange { name, qr_code: qr, category_id, unit, min_stock, active, barcodes };
            let p = db.run(ledger::edit_product(&db.pool, &auth, target.id, &change));
            db.logout(&auth);
            let p = p?;
            print(json, &p, || format!("changed product {} (id {})", p.name, p.id));
        }
        ProductCommand::List { search, category, low, limit, offset, json } => {
            let category_id = category.as_deref().map(|c| resolve_category(db, c)).transpose()?;
            let q = ProductQuery { search, category_id, low_only: low, include_inactive: false, limit, offset };
            let list = db.run(async { models::products::list(&**db.pool.get().await?, &q).await })?;
            print(json, &list, || product_lines(&list));
        }
        ProductCommand::Show { product, json } => {
            let p = resolve_product(db, &product)?;
            print(json, &p, || product_card(&p));
        }
        ProductCommand::Import(args) => import(db, models::import::read_file(&args.file)?, &args)?,
    }
    Ok(())
}

pub fn stock(db: &Db, code: &str, json: bool) -> anyhow::Result<()> {
    let p = resolve_product(db, code)?;
    print(json, &p, || product_card(&p));
    Ok(())
}

pub fn employee(db: &Db, cmd: EmployeeCommand) -> anyhow::Result<()> {
    match cmd {
        EmployeeCommand::Add { name, personnel_no, login, json } => {
            let auth = db.login(&login)?;
            let e = db.run(ledger::add_employee(&db.pool, &auth, &name, personnel_no.as_deref()));
            db.logout(&auth);
            let e = e?;
            print(json, &e, || format!("added employee {} with id {}", e.full_name, e.id));
        }
        EmployeeCommand::List { all, json } => {
            let list = db.run(async { models::employees::list(&**db.pool.get().await?, all).await })?;
            print(json, &list, || {
                let rows = list
                    .iter()
                    .map(|e| {
                        vec![
                            e.id.to_string(),
                            e.full_name.clone(),
                            e.personnel_no.clone().unwrap_or_default(),
                            if e.active { "active".into() } else { "inactive".into() },
                            if e.face_enrolled_at.is_some() { "enrolled".into() } else { "no face".into() },
                        ]
                    })
                    .collect::<Vec<_>>();
                table::render(&["id", "name", "no.", "state", "face"], &rows)
            });
        }
        EmployeeCommand::Enroll { id, images, camera, login, json } => {
            super::face::enroll(db, id, images.as_deref(), camera, &login, json)?;
        }
        EmployeeCommand::Deactivate { id, login, json } => {
            let auth = db.login(&login)?;
            let e = db.run(ledger::deactivate_employee(&db.pool, &auth, id));
            db.logout(&auth);
            let e = e?;
            // The face data goes from the model file itself, not just hidden.
            actors::face_recognizer::remove_from_model(&db.config, id)?;
            print(json, &e, || format!("deactivated employee {} (id {})", e.full_name, e.id));
        }
    }
    Ok(())
}

/// Imports checked rows (from CSV, XLSX or an older system's SQLite file) in one transaction:
/// all rows or none; exits 1 when any row is refused.
pub fn import(
    db: &Db,
    (rows, errors): (Vec<models::import::ImportRow>, Vec<models::import::RowError>),
    args: &ImportArgs,
) -> anyhow::Result<()> {
    let ImportArgs { dry_run, update, ref login, json, .. } = *args;
    let auth = db.login(login)?;
    let started = std::time::Instant::now();
    let report = db.run(ledger::import_rows(&db.pool, &auth, &rows, errors, update, dry_run));
    db.logout(&auth);
    let report = report?;
    let secs = started.elapsed().as_secs_f64();
    print(json, &report, || {
        let mut s = String::new();
        for e in report.errors.iter().take(50) {
            s += &format!("line {}: {}\n", e.line, e.message);
        }
        if report.errors.len() > 50 {
            s += &format!("… and {} more errors\n", report.errors.len() - 50);
        }
        if !report.errors.is_empty() {
            s += &format!("{} errors in {} rows: nothing was imported", report.errors.len(), report.rows);
        } else if dry_run {
            s += &format!("{} rows are fine (dry run: nothing was written)", report.rows);
        } else {
            s += &format!(
                "imported {} rows: {} new, {} updated, {} new categories, in {secs:.1} s",
                report.rows, report.inserted, report.updated, report.categories_created
            );
        }
        s
    });
    if !report.errors.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// `--min-stock`: a quantity read strictly (models::quantity), zero allowed.
fn min_stock_arg(text: &str) -> Result<Decimal, String> {
    models::quantity::parse_allowing_zero(text, None).map_err(|e| e.to_string())
}
