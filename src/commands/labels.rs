//! `ombor labels`: QR labels of products as a PDF.

use std::path::PathBuf;

use clap::Args;
use models::products::ProductQuery;

use super::access::Db;
use super::catalog::{resolve_category, resolve_product};
use ui::labels::{self, Label, Sheet};

#[derive(Args, Debug)]
pub struct LabelsArgs {
    /// Only this category (name or id).
    #[arg(long, conflicts_with = "sku")]
    pub category: Option<String>,
    /// Only these products (SKU or code; repeatable).
    #[arg(long, num_args = 1..)]
    pub sku: Vec<String>,
    /// The PDF to write.
    #[arg(long)]
    pub out: PathBuf,
    /// A4 sheets of COLSxROWS labels.
    #[arg(long, default_value = "3x8", value_parser = Sheet::grid, conflicts_with = "label")]
    pub grid: Sheet,
    /// One label per page of WIDTHxHEIGHT mm, for a label printer (e.g. 58x40).
    #[arg(long, value_parser = Sheet::label)]
    pub label: Option<Sheet>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(db: &Db, args: LabelsArgs) -> anyhow::Result<()> {
    let products = if !args.sku.is_empty() {
        args.sku.iter().map(|s| resolve_product(db, s)).collect::<anyhow::Result<Vec<_>>>()?
    } else {
        let category_id = args.category.as_deref().map(|c| resolve_category(db, c)).transpose()?;
        let q = ProductQuery { category_id, ..Default::default() };
        db.run(async { models::products::list_all(&**db.pool.get().await?, &q, usize::MAX).await })?
    };
    if products.is_empty() {
        anyhow::bail!("no products to label");
    }
    let sheet = args.label.unwrap_or(args.grid);
    let labels: Vec<Label> = products.iter().map(|p| Label { code: p.qr_code.clone(), name: p.name.clone(), sku: p.sku.clone() }).collect();
    let pdf = labels::render(&labels, sheet, "Ombor Nazorat — QR").map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(&args.out, &pdf).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.out.display()))?;
    let out = args.out.display().to_string();
    super::print(args.json, &serde_json::json!({"labels": labels.len(), "out": out, "bytes": pdf.len()}), || {
        format!("{} labels → {out}", labels.len())
    });
    Ok(())
}
