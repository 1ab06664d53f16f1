//! `ombor movement list|reverse`, `ombor ledger verify`, `ombor report …`, `ombor audit`.

use std::path::PathBuf;

use actors::ledger;
use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use clap::{Subcommand, ValueEnum};
use models::movements::{HistoryLine, MovementFilter};
use models::permissions::Action;
use models::products::ProductQuery;
use models::MovementKind;

use super::access::{Db, Login};
use super::catalog::resolve_product;
use super::{print, table};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Filters {
    /// From this day (YYYY-MM-DD) or moment (RFC 3339), inclusive.
    #[arg(long, value_parser = parse_time)]
    pub from: Option<DateTime<Utc>>,
    /// Up to this day (inclusive) or moment (exclusive).
    #[arg(long, value_parser = parse_time_end)]
    pub to: Option<DateTime<Utc>>,
    /// Product id, SKU or code.
    #[arg(long)]
    pub product: Option<String>,
    #[arg(long)]
    pub employee: Option<i64>,
    /// Only movements posted by this login.
    #[arg(long = "by")]
    pub by_user: Option<String>,
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<MovementKind>,
    #[arg(long)]
    pub station: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
}

fn parse_kind(s: &str) -> Result<MovementKind, String> {
    s.parse()
}

pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))?;
    Local
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("`{s}` is not a valid local day"))
}

/// A day given as the end includes that whole day.
pub fn parse_time_end(s: &str) -> Result<DateTime<Utc>, String> {
    let t = parse_time(s)?;
    Ok(if DateTime::parse_from_rfc3339(s).is_ok() { t } else { t + chrono::Duration::days(1) })
}

#[derive(Subcommand, Debug)]
pub enum MovementCommand {
    /// Post an IN movement confirmed by a face photo (the kiosk's path, for scripts and tests).
    In(PostArgs),
    /// Post an OUT movement confirmed by a face photo.
    Out(PostArgs),
    /// Movement history with filters (an operator sees their own).
    List {
        #[command(flatten)]
        filters: Filters,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// Reverse a movement (admin): a movement of opposite effect, with a reason.
    Reverse {
        id: i64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args, Debug)]
pub struct PostArgs {
    /// Product id, SKU, QR code or barcode.
    pub code: String,
    /// Plain digits with at most the unit's decimals: 5, 12.5 (not 1e3, 1_000, +5, 5., .5).
    pub quantity: String,
    /// The employee's face photo, checked like a camera frame and recorded as the verification.
    #[arg(long, value_name = "IMAGE")]
    pub face: PathBuf,
    #[command(flatten)]
    pub login: Login,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Recompute the hash chain and every stock sum; names the first broken link.
    Verify {
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Table,
    Csv,
    Xlsx,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Stock levels (by category, search by name).
    Stock {
        #[arg(long)]
        category: Option<i64>,
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        login: Login,
    },
    /// Products under their min_stock.
    Low {
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        login: Login,
    },
    /// Movement history.
    Movements {
        #[command(flatten)]
        filters: Filters,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        login: Login,
    },
    /// IN and OUT totals per day.
    Daily {
        #[command(flatten)]
        filters: Filters,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        login: Login,
    },
}

#[derive(clap::Args, Debug, Clone)]
pub struct Output {
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of the terminal (required for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn filter(db: &Db, f: &Filters) -> anyhow::Result<MovementFilter> {
    let product_id = f.product.as_deref().map(|p| resolve_product(db, p).map(|p| p.id)).transpose()?;
    let user_id = match &f.by_user {
        Some(u) => Some(
            db.run(async { models::users::id_by_name(&**db.pool.get().await?, u).await })?
                .ok_or_else(|| anyhow::anyhow!("no user `{u}`"))?,
        ),
        None => None,
    };
    Ok(MovementFilter {
        from: f.from,
        to: f.to,
        product_id,
        employee_id: f.employee,
        user_id,
        kind: f.kind,
        station: f.station.clone(),
        limit: f.limit,
        offset: 0,
    })
}

fn history_rows(lines: &[HistoryLine]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = vec!["id", "time", "kind", "quantity", "unit", "sku", "product", "employee", "user", "station", "note"];
    let rows = lines
        .iter()
        .map(|l| {
            let m = &l.movement;
            let mut note = m.note.clone().unwrap_or_default();
            if let Some(r) = m.reverses_id {
                note = format!("reverses #{r}: {note}");
            }
            if let Some(r) = l.reversed_by {
                note = format!("{note} (reversed by #{r})").trim().to_string();
            }
            vec![
                m.id.to_string(),
                m.created_at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S").to_string(),
                if m.kind == MovementKind::In { "IN".into() } else { "OUT".into() },
                m.quantity.to_string(),
                l.unit.clone(),
                l.sku.clone(),
                l.product_name.clone(),
                l.employee_name.clone(),
                l.username.clone(),
                m.station.clone(),
                note,
            ]
        })
        .collect();
    (header, rows)
}

pub fn movement(db: &Db, cmd: MovementCommand) -> anyhow::Result<()> {
    match cmd {
        MovementCommand::In(a) => super::face::post_movement(db, MovementKind::In, &a.code, &a.quantity, &a.face, &a.login, a.json)?,
        MovementCommand::Out(a) => super::face::post_movement(db, MovementKind::Out, &a.code, &a.quantity, &a.face, &a.login, a.json)?,
        MovementCommand::List { filters, login, json } => {
            let f = filter(db, &filters)?;
            let auth = db.login(&login)?;
            let lines = db.run(ledger::history(&db.pool, &auth, f));
            db.logout(&auth);
            let lines = lines?;
            print(json, &lines, || {
                let (h, rows) = history_rows(&lines);
                table::render(&h, &rows)
            });
        }
        MovementCommand::Reverse { id, reason, login, json } => {
            let auth = db.login(&login)?;
            let m = db.run(ledger::reverse(&db.pool, db.station(), &auth, id, &reason));
            db.logout(&auth);
            let m = m?;
            print(json, &m, || format!("movement #{id} reversed by #{} ({:?} {})", m.id, m.kind, m.quantity));
        }
    }
    Ok(())
}

pub fn ledger_cmd(db: &Db, cmd: LedgerCommand) -> anyhow::Result<()> {
    let LedgerCommand::Verify { login, json } = cmd;
    // The last anchor of the chain heads, kept in the data dir where no database login writes.
    let anchor_path = models::chain::anchor_path(&db.config);
    let anchor = models::chain::Anchor::read(&anchor_path).map_err(anyhow::Error::msg)?;
    let auth = db.login(&login)?;
    let report = db.run(ledger::verify_against(&db.pool, &auth, anchor.as_ref()));
    db.logout(&auth);
    let report = report?;
    print(json, &report, || verify_text(&report, &anchor_path));
    if !report.is_ok() {
        std::process::exit(2);
    }
    // Only a clean chain moves the anchor forward: a rewrite stays visible against the old one.
    report.anchor().write(&anchor_path).map_err(|e| anyhow::anyhow!("cannot write the ledger anchor {}: {e}", anchor_path.display()))?;
    Ok(())
}

fn verify_text(report: &models::movements::LedgerReport, anchor_path: &std::path::Path) -> String {
    let mut s = format!("{} movements, {} products checked (every hash recomputed by the program)\n", report.movements, report.products);
    match &report.first_broken_link {
        None => s += "hash chain: intact\n",
        Some(_) => {
            let links = if report.broken_links.is_empty() {
                report.first_broken_link.iter().collect::<Vec<_>>()
            } else {
                report.broken_links.iter().collect()
            };
            s += &format!("hash chain: BROKEN at {} place(s)\n", report.broken_count.max(1));
            for b in links.iter().take(20) {
                s += &format!(
                    "  movement #{} (product {}): {}\n",
                    b.movement_id,
                    b.product_id,
                    match b.problem.as_str() {
                        "hash" => "its fields were changed after it was saved",
                        "link" => "the movement before it was removed or changed",
                        _ => "the stock row does not point at the last movement",
                    }
                );
            }
        }
    }
    if report.hash_function_replaced {
        s += "movement_hash(): REPLACED in the database (it is not the function the migrations created)\n";
    }
    match &report.since_anchor {
        None => s += &format!("anchor: none yet ({} is written after this check)\n", anchor_path.display()),
        Some(a) => {
            let at = a.anchored_at.with_timezone(&chrono::Local).format("%d.%m.%Y %H:%M");
            if a.lost_count == 0 {
                s += &format!("since the anchor of {at}: nothing rewritten, {} movement(s) added\n", a.added);
            } else {
                s += &format!("since the anchor of {at}: HISTORY REWRITTEN for {} product(s)\n", a.lost_count);
                for l in &a.lost {
                    s += &format!(
                        "  product {}: movement #{} {}\n",
                        l.product_id,
                        l.movement_id,
                        if l.problem == "gone" {
                            "is gone (its history was cut or erased)"
                        } else {
                            "was changed (it or one before it was rewritten)"
                        }
                    );
                }
                s += &format!("  {} movement(s) added since\n", a.added);
            }
            for m in &a.added_first {
                s += &format!(
                    "  added: #{} product {} {} {} at {} ({})\n",
                    m.movement_id,
                    m.product_id,
                    m.kind,
                    m.quantity,
                    m.station,
                    m.created_at.with_timezone(&chrono::Local).format("%d.%m.%Y %H:%M")
                );
            }
        }
    }
    if report.stock_mismatches.is_empty() {
        s += "stock = sum of movements: yes";
    } else {
        for m in &report.stock_mismatches {
            s += &format!("stock of product {} is {} but its movements sum to {}\n", m.product_id, m.stock, m.sum_of_movements);
        }
    }
    s
}

pub fn report(db: &Db, cmd: ReportCommand) -> anyhow::Result<()> {
    let (login, out) = match &cmd {
        ReportCommand::Stock { out, login, .. } | ReportCommand::Low { out, login } => (login.clone(), out.clone()),
        ReportCommand::Movements { out, login, .. } | ReportCommand::Daily { out, login, .. } => (login.clone(), out.clone()),
    };
    if out.format == Format::Xlsx && out.out.is_none() {
        anyhow::bail!("--format xlsx needs --out FILE.xlsx");
    }
    let auth = db.login(&login)?;
    let action = if out.format == Format::Table { Action::ViewReports } else { Action::Export };
    let checked =
        db.run(ledger::authorize(&db.pool, &auth, Action::ViewReports)).and_then(|_| db.run(ledger::authorize(&db.pool, &auth, action)));
    if let Err(e) = checked {
        db.logout(&auth);
        return Err(e.into());
    }
    let data = match cmd {
        ReportCommand::Stock { category, search, .. } => {
            stock_report(db, &auth, ProductQuery { search, category_id: category, ..Default::default() })
        }
        ReportCommand::Low { .. } => stock_report(db, &auth, ProductQuery { low_only: true, ..Default::default() }),
        ReportCommand::Movements { filters, .. } => filter(db, &filters).and_then(|f| {
            let lines = db.run(ledger::history(&db.pool, &auth, f))?;
            let (h, rows) = history_rows(&lines);
            Ok((h, rows, serde_json::to_value(&lines)?))
        }),
        ReportCommand::Daily { filters, .. } => filter(db, &filters).and_then(|f| {
            let to = f.to.unwrap_or_else(Utc::now);
            let from = f.from.unwrap_or(to - chrono::Duration::days(30));
            let days = db.run(async {
                models::movements::daily_totals(&**db.pool.get().await?, from, to, f.product_id, f.station.as_deref()).await
            })?;
            let rows = days
                .iter()
                .map(|d| vec![d.day.to_string(), d.movements.to_string(), d.in_quantity.to_string(), d.out_quantity.to_string()])
                .collect();
            Ok((vec!["day", "movements", "in", "out"], rows, serde_json::to_value(&days)?))
        }),
    };
    db.logout(&auth);
    let (header, rows, json) = data?;
    write_report(&out, &header, &rows, &json)
}

type ReportData = (Vec<&'static str>, Vec<Vec<String>>, serde_json::Value);

fn stock_report(db: &Db, auth: &actors::session::AuthContext, q: ProductQuery) -> anyhow::Result<ReportData> {
    // Every product, however big the catalogue (the list is read 10,000 at a time).
    let list = db.run(ledger::all_products(&db.pool, auth, &q, usize::MAX))?;
    Ok((ui::export::STOCK_HEADER.to_vec(), ui::export::stock_rows(&list), serde_json::to_value(&list)?))
}

fn write_report(out: &Output, header: &[&str], rows: &[Vec<String>], json: &serde_json::Value) -> anyhow::Result<()> {
    let bytes: Vec<u8> = match out.format {
        Format::Table => (table::render(header, rows) + "\n").into_bytes(),
        Format::Json => (serde_json::to_string_pretty(json)? + "\n").into_bytes(),
        Format::Csv => ui::export::csv_bytes(header, rows).map_err(anyhow::Error::msg)?,
        Format::Xlsx => ui::export::xlsx_bytes(header, rows).map_err(anyhow::Error::msg)?,
    };
    match &out.out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {} rows to {}", rows.len(), path.display());
        }
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(())
}

pub fn audit(db: &Db, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>, limit: i64, login: &Login, json: bool) -> anyhow::Result<()> {
    let auth = db.login(login)?;
    let entries = db.run(async {
        ledger::authorize(&db.pool, &auth, Action::ViewAudit).await?;
        models::audit::list(&**db.pool.get().await?, from, to, limit).await
    });
    db.logout(&auth);
    let entries = entries?;
    print(json, &entries, || {
        let rows = entries
            .iter()
            .map(|e| {
                vec![
                    e.id.to_string(),
                    e.at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S").to_string(),
                    e.action.clone(),
                    e.username.clone().unwrap_or_default(),
                    e.station.clone().unwrap_or_default(),
                    e.detail.to_string(),
                ]
            })
            .collect::<Vec<_>>();
        table::render(&["id", "time", "action", "user", "station", "detail"], &rows)
    });
    Ok(())
}
