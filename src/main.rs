//! `ombor`: the kiosk and its administration commands.

mod cli;
mod commands;
mod logging;

use clap::Parser;

use cli::{Cli, Command, ConfigAction, DbAction};

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let (config, source) = models::Config::load(cli.config.as_deref())?;
    let _log_guard = logging::init(&config.data_dir());
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => commands::run::run(config),
        Command::Migrate(f) => commands::db::migrate(&config, f.json),
        Command::Db { action: DbAction::Status(f) } => commands::db::status(&config, f.json),
        Command::Db { action: DbAction::Start(f) } => commands::db::start(&config, f.json),
        Command::Db { action: DbAction::Stop(f) } => commands::db::stop(&config, f.json),
        Command::Config { action: ConfigAction::Show(f) } => commands::config::show(&config, source.as_deref(), f.json),
    }
}
