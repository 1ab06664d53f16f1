//! The command line: `ombor` alone runs the kiosk.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
