//! `ombor`: the kiosk and its administration commands.

mod cli;
mod commands;
mod doctor;
mod logging;
mod service;
mod support;

use clap::Parser;

use cli::{BenchCommand, Cli, Command, ConfigAction, DbAction, ImportCommand};
use commands::access::Db;

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            // A message may quote a scanned or typed code: never let its control characters
            // reach the terminal raw.
            eprintln!("error: {}", models::text::printable_lines(&format!("{e:#}")));
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // Before the configuration: the package build writes it with no installation around.
    if matches!(cli.command, Some(Command::Manpage)) {
        clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut std::io::stdout().lock())?;
        return Ok(());
    }
    // The checklist shows values outside their allowed range as failed lines; every other
    // command refuses to start with them.
    let (config, source) = if matches!(cli.command, Some(Command::Doctor { .. })) {
        let (config, source, _shown_by_doctor) = models::Config::load_unchecked(cli.config.as_deref())?;
        (config, source)
    } else {
        models::Config::load(cli.config.as_deref())?
    };
    let _log_guard = logging::init(&config.data_dir());
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => commands::run::run(config),
        Command::Migrate(f) => commands::db::migrate(&config, f.json),
        Command::Db { action: DbAction::Status(f) } => commands::db::status(&config, f.json),
        Command::Db { action: DbAction::Start(f) } => commands::db::start(&config, f.json),
        Command::Db { action: DbAction::Stop(f) } => commands::db::stop(&config, f.json),
        Command::Db { action: DbAction::Expose(args) } => commands::db::expose(&config, args),
        Command::Config { action: ConfigAction::Show(f) } => commands::config::show(&config, source.as_deref(), f.json),
        Command::User(cmd) => commands::users::run(&Db::open(&config)?, cmd),
        Command::Category(cmd) => commands::catalog::category(&Db::open(&config)?, cmd),
        Command::Product(cmd) => commands::catalog::product(&Db::open(&config)?, cmd),
        Command::Stock { code, json } => commands::catalog::stock(&Db::open(&config)?, &code, json),
        Command::Employee(cmd) => commands::catalog::employee(&Db::open(&config)?, cmd),
        Command::Face(cmd) => commands::face::run(&config, cmd),
        Command::Bench(BenchCommand::Face(cmd)) => commands::face::bench(&config, cmd),
        Command::Movement(cmd) => commands::ledger::movement(&Db::open(&config)?, cmd),
        Command::Ledger(cmd) => commands::ledger::ledger_cmd(&Db::open(&config)?, cmd),
        Command::Report(cmd) => commands::ledger::report(&Db::open(&config)?, cmd),
        Command::Import(ImportCommand::Sqlite(args)) => {
            let rows = models::import::parse_table(&models::import::read_sqlite(&args.file)?);
            commands::catalog::import(&Db::open(&config)?, rows, &args)
        }
        Command::Import(ImportCommand::Django(args)) => commands::django::run(&config, args),
        Command::Bench(BenchCommand::Ledger(args)) => commands::bench::ledger(&config, args),
        Command::Bench(BenchCommand::Import(args)) => commands::bench::import(&config, args),
        Command::Bench(BenchCommand::FaceVerify(args)) => commands::bench::face_verify(&config, args),
        Command::Backup(cmd) => commands::backup::backup(&config, cmd),
        Command::Restore { file, yes, login, json } => commands::backup::restore(&config, &file, yes, &login, json),
        Command::Bench(BenchCommand::Backup(cmd)) => commands::backup::bench(&config, cmd),
        Command::Service { action } => commands::service::run(&config, source.as_deref(), action),
        Command::Doctor { non_interactive, json, lang } => commands::doctor::run(&config, non_interactive, json, lang.as_deref()),
        Command::Labels(args) => commands::labels::run(&Db::open(&config)?, args),
        Command::Demo(args) => commands::demo::run(&Db::open(&config)?, args),
        Command::Manpage => unreachable!("written before the configuration is loaded"),
        Command::SupportBundle(args) => commands::support::run(&config, source.as_deref(), args),
        Command::Audit { from, to, limit, login, json } => commands::ledger::audit(&Db::open(&config)?, from, to, limit, &login, json),
    }
}
