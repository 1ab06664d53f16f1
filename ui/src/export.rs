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

/// Writes `<dir>/<name>.csv` and `<dir>/<name>.xlsx`; returns both paths.
pub fn write_table(dir: &Path, name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let csv_path = dir.join(format!("{name}.csv"));
    let mut w = csv::Writer::from_path(&csv_path).map_err(|e| e.to_string())?;
    w.write_record(header).map_err(|e| e.to_string())?;
    for r in rows {
        w.write_record(r).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;

    let xlsx_path = dir.join(format!("{name}.xlsx"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let fail = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for (c, h) in header.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *h, &bold).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            // Quantities stay numbers in the spreadsheet; codes like "0012" stay text.
            match v.parse::<f64>().ok().filter(|_| v == "0" || !v.starts_with('0') || v.starts_with("0.")) {
                Some(n) => sheet.write_number(r as u32 + 1, c as u16, n).map_err(fail)?,
                None => sheet.write_string(r as u32 + 1, c as u16, v).map_err(fail)?,
            };
        }
    }
    sheet.autofit();
    book.save(&xlsx_path).map_err(fail)?;
    Ok((csv_path, xlsx_path))
}
