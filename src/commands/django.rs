//! `ombor import django SOURCE`: a Django warehouse database (SQLite file or PostgreSQL URL)
//! imported whole. How it maps and what it carries: docs/import-django.md.

use std::path::PathBuf;

use models::django::{ImportReport, Mapping};

use super::access::{Db, Login};
use super::{print, table};

#[derive(clap::Args, Debug)]
pub struct DjangoArgs {
    /// The Django database: a db.sqlite3 file, or postgres://USER:PASSWORD@HOST:PORT/DBNAME
    /// (read in one read-only transaction; nothing is ever written to it).
    pub source: String,
    /// Go all the way, report, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A mapping file (TOML, as --print-mapping prints it) instead of the guess.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Print the mapping found (TOML) and stop; no login needed.
    #[arg(long)]
    pub print_mapping: bool,
    #[command(flatten)]
    pub login: Login,
    #[arg(long)]
    pub json: bool,
}

pub fn run(config: &models::Config, args: DjangoArgs) -> anyhow::Result<()> {
    let mapping = match &args.mapping {
        Some(path) => Some(Mapping::from_toml(
            &std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        )?),
        None => None,
    };
    if args.print_mapping {
        let rt = super::runtime();
        let (m, _) = rt.block_on(models::django::read_source(&args.source, mapping, &|_, _| {}))?;
        print!("{}", m.to_toml());
        return Ok(());
    }
    let db = Db::open(config)?;
    let auth = db.login(&args.login)?;
    let started = std::time::Instant::now();
    let show = !args.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = move |what: &str, f: f32| {
        if show {
            eprint!("\r{:>3} % {what:<40}", (f * 100.0) as u32);
        }
    };
    let report = db.run(actors::ledger::import_django(&db.pool, &auth, &args.source, mapping, db.station(), args.dry_run, &progress));
    if show {
        eprintln!();
    }
    db.logout(&auth);
    let report = report?;
    let secs = started.elapsed().as_secs_f64();
    print(args.json, &report, || text(&report, secs));
    if report.is_refused() {
        std::process::exit(1);
    }
    Ok(())
}

fn text(r: &ImportReport, secs: f64) -> String {
    let mut s = format!("source {} ({})\n", r.source, r.location);
    s += &table::render(
        &["read", "table", "rows"],
        &r.counts.iter().map(|c| vec![c.what.clone(), c.table.clone(), c.rows.to_string()]).collect::<Vec<_>>(),
    );
    s += "\n";
    if !r.already_imported.is_empty() {
        let done: Vec<String> = r.already_imported.iter().map(|(k, v)| format!("{v} {k}")).collect();
        s += &format!("imported before from this source (left alone): {}\n", done.join(", "));
    }
    for g in &r.guesses {
        s += &format!("guessed: {g}\n");
    }
    for w in &r.warnings {
        s += &format!("note: {w}\n");
    }
    for p in r.problems.iter().take(100) {
        s += &format!("refused: {p}\n");
    }
    if r.problems.len() > 100 {
        s += &format!("… and {} more refused rows (--json lists them all)\n", r.problems.len() - 100);
    }
    if !r.must_enrol.is_empty() {
        s += &format!("employees who must enrol their face again: {}\n", r.must_enrol.join(", "));
    }
    if !r.must_get_new_password.is_empty() {
        s += &format!(
            "users who must get a new password from an admin (ombor user passwd): {}\n",
            r.must_get_new_password.iter().map(|u| u.described()).collect::<Vec<_>>().join(", ")
        );
    }
    if r.is_refused() {
        s += &format!("{} rows refused: nothing was imported", r.problems.len());
    } else if let Some(a) = &r.applied {
        let n = |k: &str| a.get(k).and_then(|v| v.as_i64()).unwrap_or(0);
        s += &format!(
            "{} {} categories, {} products, {} units new ({} known), {} employees, {} users, {} movements of the history, {} opening balances{}",
            if r.dry_run { "dry run, nothing was written; it would import" } else { "imported" },
            n("categories_created") + n("categories_matched"),
            n("products_created"),
            n("units_created"),
            n("units_known"),
            n("employees_created"),
            n("users_created"),
            n("movements_imported"),
            n("opening_balances"),
            if r.dry_run { String::new() } else { format!(", in {secs:.1} s") }
        );
    }
    s
}
