//! The command line: `ombor` alone runs the kiosk.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::commands::access::Login;
use crate::commands::backup::{BackupBenchCommand, BackupCommand};
use crate::commands::catalog::{CategoryCommand, EmployeeCommand, ProductCommand};
use crate::commands::face::{FaceBenchCommand, FaceCommand};
use crate::commands::ledger::{LedgerCommand, MovementCommand, ReportCommand};
use crate::commands::users::UserCommand;

#[derive(Parser, Debug)]
#[command(name = "ombor", version, about = "Ombor Nazorat — offline warehouse kiosk (QR scan, Face ID, stock ledger)")]
pub struct Cli {
    /// Configuration file (default: the OS config dir's ombor.toml, else built-in defaults).
    #[arg(long, global = true, env = "OMBOR_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the kiosk window (the default).
    Run,
    /// Apply pending database migrations (creates database ombor_nazorat if missing).
    Migrate(JsonFlag),
    /// Manage the embedded PostgreSQL cluster.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Show the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Users and roles (admin, operator, viewer).
    #[command(subcommand)]
    User(UserCommand),
    /// Product categories.
    #[command(subcommand)]
    Category(CategoryCommand),
    /// Products: add, edit, list, show, import.
    #[command(subcommand)]
    Product(ProductCommand),
    /// The stock of one product, by id, SKU, QR code or barcode.
    Stock {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// Employees: the people whose faces confirm movements.
    #[command(subcommand)]
    Employee(EmployeeCommand),
    /// Face ID: who is on a photo.
    #[command(subcommand)]
    Face(FaceCommand),
    /// Movements: post IN/OUT with a face photo, history, reversal.
    #[command(subcommand)]
    Movement(MovementCommand),
    /// Check the ledger's integrity.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Reports: stock, low stock, movements, daily totals — as a table, CSV, XLSX or JSON.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Import from an older system.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Backups: take one now, list them, verify a file.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Restore a backup (admin): checksum, a new database, ledger verify, then the switch.
    Restore {
        file: PathBuf,
        /// Do not ask for confirmation (for scripts).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Start on boot: systemd units for the kiosk and its database.
    Service {
        #[command(subcommand)]
        action: crate::commands::service::ServiceAction,
    },
    /// The hand-over checklist: checks the installation line by line (exit 0 = ready).
    Doctor {
        /// Skip the checks that need a person (the test scan).
        #[arg(long)]
        non_interactive: bool,
        #[arg(long)]
        json: bool,
        /// uz, ru or en (default: general.locale).
        #[arg(long, value_parser = ["uz", "ru", "en"])]
        lang: Option<String>,
    },
    /// QR labels (code, name, SKU) as a PDF: A4 sheets or label-printer size.
    Labels(crate::commands::labels::LabelsArgs),
    /// Fill an EMPTY database with a demo warehouse: categories and 10,000 products (admin).
    Demo(crate::commands::demo::DemoArgs),
    /// Zip config (secrets masked), logs, doctor report and versions for support — never face data or dumps.
    SupportBundle(crate::commands::support::SupportArgs),
    /// The manual page (troff) on standard output; the package installs it as ombor(1).
    #[command(hide = true)]
    Manpage,
    /// The audit log: logins, user changes, reversals, backups (admin).
    Audit {
        #[arg(long, value_parser = crate::commands::ledger::parse_time)]
        from: Option<DateTime<Utc>>,
        #[arg(long, value_parser = crate::commands::ledger::parse_time_end)]
        to: Option<DateTime<Utc>>,
        #[arg(long, default_value_t = 200)]
        limit: i64,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug, Clone, Copy)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum DbAction {
    /// Is the database reachable, which version, which migration.
    Status(JsonFlag),
    /// Start the embedded cluster (creating it on first use).
    Start(JsonFlag),
    /// Stop the embedded cluster.
    Stop(JsonFlag),
    /// Serve the embedded cluster to other stations on the LAN: TLS with the cluster's own CA,
    /// password logins for the application's role only. Restarts the cluster.
    Expose(crate::commands::db::ExposeArgs),
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Print the configuration in effect, with secrets masked.
    Show(JsonFlag),
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Products and categories from an older system's SQLite database (admin), read-only on the
    /// file, all rows or none. Mapping: docs/import-sqlite.md.
    Sqlite(crate::commands::catalog::ImportArgs),
    /// A Django warehouse application's database whole (admin): categories with their tree,
    /// products and units, stock, the history, users with their roles and passwords, employees.
    /// SOURCE is its db.sqlite3 or a postgres:// URL; read-only. One transaction; running it
    /// again imports nothing twice. Step by step: docs/import-django.md.
    Django(crate::commands::django::DjangoArgs),
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Lookup and post latency through the Ledger actor at a million products, and throughput
    /// beside pgbench on the same server.
    Ledger(crate::commands::bench::LedgerBench),
    /// `ombor import django` of a synthetic Django SQLite database (100,000 products and
    /// 1,000,000 movements by default) into a fresh database: the time it takes.
    Import(crate::commands::bench::ImportBench),
    /// What the database's face check (`face_verify`) costs with 100 employees × 20 SFace
    /// templates stored (by default), for an enrolled face and for a stranger.
    FaceVerify(crate::commands::bench::FaceVerifyBench),
    #[command(flatten)]
    Backup(BackupBenchCommand),
    #[command(flatten)]
    Face(FaceBenchCommand),
}
