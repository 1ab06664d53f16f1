//! The command line: `ombor` alone runs the kiosk.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::commands::access::Login;
use crate::commands::catalog::{CategoryCommand, EmployeeCommand, ProductCommand};
use crate::commands::face::{BenchCommand, FaceCommand};
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
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Movements: post IN/OUT with a face photo, history, reversal.
    #[command(subcommand)]
    Movement(MovementCommand),
    /// Check the ledger's integrity.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Reports: stock, low stock, movements, daily totals — as a table, CSV, XLSX or JSON.
    #[command(subcommand)]
    Report(ReportCommand),
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
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Print the configuration in effect, with secrets masked.
    Show(JsonFlag),
}
