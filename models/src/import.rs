//! Product import from CSV or XLSX: every row checked first (errors by line number), then all
//! rows in one transaction through COPY — nothing half-imported.
//!
//! Columns (header row, any order, case-insensitive): sku, qr_code, name, category, unit,
//! min_stock, barcodes (several separated by `;`). sku and name are required; qr_code defaults
//! to the SKU, unit to `pcs`, min_stock to 0.
//!
//! An older system's SQLite database is read through the same checks; see [`read_sqlite`] for
//! the column mapping.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::products::MAX_CODE_LEN;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    pub sku: String,
    pub qr_code: String,
    pub name: String,
    pub category: Option<String>,
    pub unit: String,
    pub min_stock: Decimal,
    pub barcodes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub line: usize,
    /// The problems in English, joined by `; ` (the CLI prints this).
    pub message: String,
    /// The same problems one by one, for a screen that says them in its own language.
    #[serde(skip)]
    pub problems: Vec<RowProblem>,
}

impl RowError {
    pub fn new(line: usize, problems: Vec<RowProblem>) -> RowError {
        let message = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        RowError { line, message, problems }
    }
}

/// What is wrong with a row (or the header, line 1). `column` is the CSV column's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    EmptyFile,
    MissingColumn {
        column: String,
    },
    Empty {
        column: String,
    },
    TooLong {
        column: String,
        max: usize,
    },
    ControlCharacters {
        column: String,
    },
    BadMinStock {
        value: String,
    },
    BadBarcode,
    DuplicateSku {
        sku: String,
        first_line: usize,
    },
    DuplicateQrCode {
        qr_code: String,
        first_line: usize,
    },
    UnknownUnit {
        unit: String,
        known: String,
    },
    /// The SKU is in the catalogue already and the import does not update.
    SkuExists {
        sku: String,
    },
    QrCodeTaken {
        qr_code: String,
        owner_sku: String,
    },
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowProblem::EmptyFile => write!(f, "the file is empty"),
            RowProblem::MissingColumn { column } => {
                write!(f, "missing column `{column}` (columns: sku, qr_code, name, category, unit, min_stock, barcodes)")
            }
            RowProblem::Empty { column } => write!(f, "{column} is empty"),
            RowProblem::TooLong { column, max } => write!(f, "{column} is longer than {max} characters"),
            RowProblem::ControlCharacters { column } => write!(f, "{column} contains control characters"),
            RowProblem::BadMinStock { value } => write!(f, "min_stock `{value}` is not a number ≥ 0"),
            RowProblem::BadBarcode => write!(f, "a barcode is too long or has control characters"),
            RowProblem::DuplicateSku { sku, first_line } => write!(f, "sku `{sku}` already on line {first_line}"),
            RowProblem::DuplicateQrCode { qr_code, first_line } => write!(f, "qr_code `{qr_code}` already on line {first_line}"),
            RowProblem::UnknownUnit { unit, known } => write!(f, "unknown unit `{unit}` (known: {known})"),
            RowProblem::SkuExists { sku } => write!(f, "sku `{sku}` already exists (use --update to change it)"),
            RowProblem::QrCodeTaken { qr_code, owner_sku } => write!(f, "qr_code `{qr_code}` belongs to product `{owner_sku}`"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ImportReport {
    pub rows: usize,
    pub inserted: u64,
    pub updated: u64,
    pub categories_created: u64,
    pub dry_run: bool,
    pub errors: Vec<RowError>,
}

/// Reads a .csv or .xlsx file into rows; format errors are row errors, not failures.
pub fn read_file(path: &Path) -> Result<(Vec<ImportRow>, Vec<RowError>)> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let table: Vec<Vec<String>> = match ext.as_str() {
        "csv" | "txt" => read_csv(path)?,
        "xlsx" | "xlsm" | "xls" | "ods" => read_sheet(path)?,
        "sqlite" | "sqlite3" | "db" => read_sqlite(path)?,
        _ => return Err(Error::Invalid(format!("{}: use a .csv, .xlsx or SQLite (.db, .sqlite) file", path.display()))),
    };
    Ok(parse_table(&table))
}

fn read_csv(path: &Path) -> Result<Vec<Vec<String>>> {
    let bytes = std::fs::read(path).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Invalid(format!("{}: the file is not UTF-8 text (save it as CSV UTF-8)", path.display())))?;
    let text = text.trim_start_matches('\u{feff}');
    // Excel in Uzbek/Russian locales saves CSV with `;`.
    let first = text.lines().next().unwrap_or("");
    let delim = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).delimiter(delim).flexible(true).from_reader(text.as_bytes());
    let mut out = vec![];
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        out.push(rec.iter().map(str::to_string).collect());
    }
    Ok(out)
}

fn read_sheet(path: &Path) -> Result<Vec<Vec<String>>> {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(path).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    let name = wb.sheet_names().first().cloned().ok_or_else(|| Error::Invalid(format!("{}: no sheet", path.display())))?;
    let range = wb.worksheet_range(&name).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    Ok(range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect())
}

/// Where an older system keeps its products: the first of these tables found.
pub const SQLITE_TABLES: &[&str] = &["products", "product", "items", "goods", "mahsulotlar", "tovarlar"];

/// The SQLite column names accepted for each of our columns, first match wins (case-insensitive).
/// A `category_id` column is resolved through a `categories` table (`id`, `name`).
pub const SQLITE_COLUMNS: &[(&str, &[&str])] = &[
    ("sku", &["sku", "code", "article", "artikul", "kod"]),
    ("qr_code", &["qr_code", "qr", "qrcode", "barcode", "shtrix_kod"]),
    ("name", &["name", "title", "nomi", "product_name"]),
    ("category", &["category", "category_name", "kategoriya"]),
    ("unit", &["unit", "birlik", "uom"]),
    ("min_stock", &["min_stock", "min_qty", "min_quantity", "minimum"]),
    ("barcodes", &["barcodes", "extra_barcodes"]),
];

/// Reads the products of an older system's SQLite database into the same table shape as a CSV
/// (header: sku, qr_code, name, category, unit, min_stock, barcodes). Stock quantities are not
/// carried over: every quantity here is a sum of movements with a face confirmation, so opening
/// balances are posted as IN movements after the import. The file is opened read-only.
pub fn read_sqlite(path: &Path) -> Result<Vec<Vec<String>>> {
    use rusqlite::{types::ValueRef, Connection, OpenFlags};
    let bad = |e: rusqlite::Error| Error::Invalid(format!("{}: not a readable SQLite database ({e})", path.display()));
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(bad)?;
    let mut stmt = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").map_err(bad)?;
    let tables: Vec<String> = stmt.query_map([], |r| r.get(0)).map_err(bad)?.collect::<std::result::Result<_, _>>().map_err(bad)?;
    let Some(table) = SQLITE_TABLES.iter().find_map(|want| tables.iter().find(|t| t.eq_ignore_ascii_case(want))) else {
        return Err(Error::Invalid(format!(
            "{}: no products table (looked for {}; the file has: {})",
            path.display(),
            SQLITE_TABLES.join(", "),
            if tables.is_empty() { "no tables".to_string() } else { tables.join(", ") }
        )));
    };
    let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    let mut stmt = db.prepare(&format!("SELECT name FROM pragma_table_info({})", quote_literal(table))).map_err(bad)?;
    let columns: Vec<String> = stmt.query_map([], |r| r.get(0)).map_err(bad)?.collect::<std::result::Result<_, _>>().map_err(bad)?;
    let find = |names: &[&str]| names.iter().find_map(|n| columns.iter().find(|c| c.eq_ignore_ascii_case(n)).cloned());
    let has_categories = tables.iter().any(|t| t.eq_ignore_ascii_case("categories"));
    let mut select = vec![];
    for (ours, theirs) in SQLITE_COLUMNS {
        let expr = match (find(theirs), *ours) {
            (Some(c), _) => format!("p.{}", quote(&c)),
            (None, "category") if has_categories && find(&["category_id"]).is_some() => {
                format!("(SELECT c.name FROM categories c WHERE c.id = p.{})", quote(&find(&["category_id"]).unwrap_or_default()))
            }
            _ => "NULL".to_string(),
        };
        select.push(expr);
    }
    // Rows come in the table's own order, so "line N" is the (N-1)th product of the old system.
    let sql = format!("SELECT {} FROM {} p", select.join(", "), quote(table));
    let mut stmt = db.prepare(&sql).map_err(bad)?;
    let mut out = vec![SQLITE_COLUMNS.iter().map(|(ours, _)| ours.to_string()).collect::<Vec<_>>()];
    let mut rows = stmt.query([]).map_err(bad)?;
    while let Some(row) = rows.next().map_err(bad)? {
        let mut cells = vec![];
        for i in 0..SQLITE_COLUMNS.len() {
            cells.push(match row.get_ref(i).map_err(bad)? {
                ValueRef::Null => String::new(),
                ValueRef::Integer(n) => n.to_string(),
                ValueRef::Real(f) => f.to_string(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Blob(_) => "\u{1}".to_string(), // a control character: the row is reported, not imported
            });
        }
        out.push(cells);
    }
    Ok(out)
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The header row names the columns; each further row becomes an ImportRow or a RowError.
pub fn parse_table(table: &[Vec<String>]) -> (Vec<ImportRow>, Vec<RowError>) {
    let mut errors = vec![];
    let Some(header) = table.first() else {
        return (vec![], vec![RowError::new(1, vec![RowProblem::EmptyFile])]);
    };
    let col: HashMap<String, usize> = header.iter().enumerate().map(|(i, h)| (h.trim().to_ascii_lowercase(), i)).collect();
    for required in ["sku", "name"] {
        if !col.contains_key(required) {
            errors.push(RowError::new(1, vec![RowProblem::MissingColumn { column: required.into() }]));
        }
    }
    if !errors.is_empty() {
        return (vec![], errors);
    }
    let mut rows = vec![];
    let (mut skus, mut codes) = (HashMap::new(), HashMap::new());
    for (i, rec) in table.iter().enumerate().skip(1) {
        let line = i + 1;
        let get = |name: &str| col.get(name).and_then(|&c| rec.get(c)).map(|s| s.trim().to_string()).unwrap_or_default();
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Every problem of a row goes into one message, so each bad line is reported once.
        let mut problems: Vec<RowProblem> = vec![];
        let mut err = |p: RowProblem| problems.push(p);
        let sku = get("sku");
        let name = get("name");
        let qr = Some(get("qr_code")).filter(|s| !s.is_empty()).unwrap_or_else(|| sku.clone());
        let unit = Some(get("unit")).filter(|s| !s.is_empty()).unwrap_or_else(|| "pcs".into()).to_ascii_lowercase();
        let min_stock = match get("min_stock").replace(',', ".").as_str() {
            "" => Decimal::ZERO,
            s => match crate::quantity::parse_allowing_zero(s, None) {
                Ok(d) => d,
                Err(_) => {
                    err(RowProblem::BadMinStock { value: s.into() });
                    Decimal::ZERO
                }
            },
        };
        let barcodes: Vec<String> = get("barcodes").split([';', '|']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        for (what, v, max) in [("sku", &sku, 64), ("name", &name, 300), ("qr_code", &qr, MAX_CODE_LEN)] {
            if v.is_empty() {
                if what != "qr_code" || !sku.is_empty() {
                    err(RowProblem::Empty { column: what.into() });
                }
            } else if v.chars().count() > max {
                err(RowProblem::TooLong { column: what.into(), max });
            } else if v.chars().any(char::is_control) {
                err(RowProblem::ControlCharacters { column: what.into() });
            }
        }
        if barcodes.iter().any(|b| b.chars().count() > MAX_CODE_LEN || b.chars().any(char::is_control)) {
            err(RowProblem::BadBarcode);
        }
        if let Some(prev) = skus.insert(sku.to_lowercase(), line).filter(|_| !sku.is_empty()) {
            err(RowProblem::DuplicateSku { sku: sku.clone(), first_line: prev });
        }
        if let Some(prev) = codes.insert(qr.clone(), line).filter(|_| qr != sku) {
            err(RowProblem::DuplicateQrCode { qr_code: qr.clone(), first_line: prev });
        }
        if !problems.is_empty() {
            errors.push(RowError::new(line, problems));
            continue;
        }
        let category = Some(get("category")).filter(|s| !s.is_empty());
        rows.push(ImportRow { line, sku, qr_code: qr, name, category, unit, min_stock, barcodes });
    }
    (rows, errors)
}

/// Checks rows against the database (units, existing SKUs/codes) and, unless `dry_run` or
/// any error, imports them all. Needs a session with manage_products (set on `c`).
pub async fn import_products(
    c: &tokio_postgres::Transaction<'_>,
    rows: &[ImportRow],
    mut errors: Vec<RowError>,
    update: bool,
    dry_run: bool,
) -> Result<ImportReport> {
    let units: HashSet<String> = c.query("SELECT code FROM units", &[]).await?.iter().map(|r| r.get(0)).collect();
    for r in rows {
        if !units.contains(&r.unit) {
            errors.push(RowError::new(r.line, vec![RowProblem::UnknownUnit { unit: r.unit.clone(), known: sorted(&units) }]));
        }
    }
    // What already exists: by SKU (update or conflict) and by code (used by another product).
    let skus: Vec<String> = rows.iter().map(|r| r.sku.clone()).collect();
    let qrs: Vec<String> = rows.iter().map(|r| r.qr_code.clone()).collect();
    let existing: HashMap<String, i64> =
        c.query("SELECT sku, id FROM products WHERE sku = ANY($1)", &[&skus]).await?.iter().map(|r| (r.get(0), r.get(1))).collect();
    let qr_owner: HashMap<String, String> =
        c.query("SELECT qr_code, sku FROM products WHERE qr_code = ANY($1)", &[&qrs]).await?.iter().map(|r| (r.get(0), r.get(1))).collect();
    for r in rows {
        if existing.contains_key(&r.sku) && !update {
            errors.push(RowError::new(r.line, vec![RowProblem::SkuExists { sku: r.sku.clone() }]));
        }
        if let Some(owner) = qr_owner.get(&r.qr_code).filter(|o| **o != r.sku) {
            errors.push(RowError::new(r.line, vec![RowProblem::QrCodeTaken { qr_code: r.qr_code.clone(), owner_sku: owner.clone() }]));
        }
    }
    errors.sort_by_key(|e| e.line);
    let mut report = ImportReport { rows: rows.len(), dry_run, errors, ..Default::default() };
    if !report.errors.is_empty() || dry_run {
        return Ok(report);
    }
    let cats: Vec<String> = rows.iter().filter_map(|r| r.category.clone()).collect::<HashSet<_>>().into_iter().collect();
    report.categories_created = c
        .execute(
            "INSERT INTO categories (name) SELECT DISTINCT btrim(n) FROM unnest($1::text[]) n ON CONFLICT ((lower(name))) DO NOTHING",
            &[&cats],
        )
        .await?;
    // The rows travel as arrays, one per column (the application's role has no TEMP privilege on
    // the database: V11), and are unnested once per statement.
    let col = |f: fn(&ImportRow) -> Option<String>| rows.iter().map(f).collect::<Vec<Option<String>>>();
    let skus = col(|r| Some(r.sku.clone()));
    let qrs = col(|r| Some(r.qr_code.clone()));
    let names = col(|r| Some(r.name.clone()));
    let categories = col(|r| r.category.clone());
    let units = col(|r| Some(r.unit.clone()));
    let mins: Vec<Decimal> = rows.iter().map(|r| r.min_stock).collect();
    const IMPORT_ROWS: &str =
        "import_rows AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[])
                                 AS i(sku, qr_code, name, category, unit, min_stock))";
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [&skus, &qrs, &names, &categories, &units, &mins];
    report.updated = c
        .execute(
            &format!(
                "WITH {IMPORT_ROWS}
                 UPDATE products p SET name = i.name, qr_code = i.qr_code, unit = i.unit, min_stock = i.min_stock, updated_at = now(),
                        category_id = (SELECT id FROM categories c WHERE lower(c.name) = lower(i.category))
                   FROM import_rows i WHERE p.sku = i.sku"
            ),
            &params,
        )
        .await?;
    report.inserted = c
        .execute(
            &format!(
                "WITH {IMPORT_ROWS}
                 INSERT INTO products (sku, qr_code, name, category_id, unit, min_stock)
                 SELECT i.sku, i.qr_code, i.name, (SELECT id FROM categories c WHERE lower(c.name) = lower(i.category)), i.unit, i.min_stock
                   FROM import_rows i WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = i.sku)"
            ),
            &params,
        )
        .await?;
    let (barcode_skus, barcodes): (Vec<String>, Vec<String>) =
        rows.iter().flat_map(|r| r.barcodes.iter().map(|b| (r.sku.clone(), b.clone()))).unzip();
    c.execute(
        "INSERT INTO product_barcodes (code, product_id)
         SELECT DISTINCT b.code, p.id FROM unnest($1::text[], $2::text[]) AS b(sku, code) JOIN products p ON p.sku = b.sku
         ON CONFLICT (code) DO UPDATE SET product_id = excluded.product_id",
        &[&barcode_skus, &barcodes],
    )
    .await?;
    Ok(report)
}

fn sorted(set: &HashSet<String>) -> String {
    let mut v: Vec<&String> = set.iter().collect();
    v.sort();
    v.into_iter().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn parses_and_reports_by_line() {
        let (rows, errors) = parse_table(&t(&[
            &["SKU", "Name", "unit", "min_stock", "barcodes", "category"],
            &["A-1", "Un", "kg", "2,5", "111;222", "Oziq-ovqat"],
            &["", "No sku", "", "", "", ""],
            &["A-1", "Dup", "", "", "", ""],
            &["B-2", "Bad min", "", "-1", "", ""],
            &["", "", "", "", "", ""],
            &["C-3", "Fine", "", "", "", ""],
        ]));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].min_stock, "2.5".parse::<Decimal>().unwrap());
        assert_eq!(rows[0].qr_code, "A-1");
        assert_eq!(rows[0].barcodes, vec!["111", "222"]);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        // The same problems, one by one, for a screen in another language.
        assert_eq!(errors[1].problems, vec![RowProblem::DuplicateSku { sku: "A-1".into(), first_line: 2 }]);
        assert_eq!(errors[1].message, "sku `A-1` already on line 2");
        let (_, errors) = parse_table(&t(&[&["code", "title"]]));
        assert!(errors[0].message.contains("missing column `sku`"));
    }
}
