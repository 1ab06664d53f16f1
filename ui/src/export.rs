//! Writing a report the admin exported: the same rows as CSV and as XLSX, side by side in the
//! data dir's `exports/` folder (a kiosk has no file dialog). Runs on a blocking thread.

use std::path::{Path, PathBuf};

/// `<data dir>/exports`: where every export and label sheet of admin mode goes.
pub fn dir(config: &models::Config) -> PathBuf {
    config.data_dir().join("exports")
}

/// `<what>-YYYYMMDD-HHMMSS`: an export's file name, without its extension.
pub fn stamped_name(what: &str) -> String {
    format!("{what}-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"))
}

/// Writes `bytes` as `<dir>/<file>`, making the folder if it is missing; returns the path.
pub fn write_file(dir: &Path, file: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(file);
    std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The stock report's columns, the same from the CLI and from admin mode; the names are the
/// ones `ombor import csv` reads, so an exported list can be imported elsewhere.
pub const STOCK_HEADER: [&str; 7] = ["sku", "qr_code", "name", "category", "stock", "unit", "min_stock"];

/// The stock report's rows under [`STOCK_HEADER`]; quantities without trailing zeros.
pub fn stock_rows(products: &[models::Product]) -> Vec<Vec<String>> {
    products
        .iter()
        .map(|p| {
            vec![
                p.sku.clone(),
                p.qr_code.clone(),
                p.name.clone(),
                p.category.clone().unwrap_or_default(),
                p.stock.normalize().to_string(),
                p.unit.clone(),
                p.min_stock.normalize().to_string(),
            ]
        })
        .collect()
}

/// Writes `<dir>/<name>.csv` and `<dir>/<name>.xlsx`; returns both paths.
pub fn write_table(dir: &Path, name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<(PathBuf, PathBuf), String> {
    let csv_path = write_file(dir, &format!("{name}.csv"), &csv_bytes(header, rows)?)?;
    let xlsx_path = write_file(dir, &format!("{name}.xlsx"), &xlsx_bytes(header, rows)?)?;
    Ok((csv_path, xlsx_path))
}

/// The rows as CSV, every cell that a spreadsheet would take for a formula neutralised
/// ([`models::text::spreadsheet_cell`]): names and codes come from scans and imports.
pub fn csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(header).map_err(|e| e.to_string())?;
    for r in rows {
        let cells: Vec<_> = r.iter().map(|c| models::text::spreadsheet_cell(c)).collect();
        w.write_record(cells.iter().map(|c| c.as_bytes())).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// The rows as an XLSX workbook: quantities stay numbers, codes like "0012" stay text, and text
/// cells are neutralised as in the CSV (a sheet saved again as CSV stays harmless).
pub fn xlsx_bytes(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let fail = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for (c, h) in header.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *h, &bold).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v.parse::<f64>().ok().filter(|_| v == "0" || !v.starts_with('0') || v.starts_with("0.")) {
                Some(n) => sheet.write_number(r as u32 + 1, c as u16, n).map_err(fail)?,
                None => sheet.write_string(r as u32 + 1, c as u16, models::text::spreadsheet_cell(v).as_ref()).map_err(fail)?,
            };
        }
    }
    sheet.autofit();
    book.save_to_buffer().map_err(fail)
}
