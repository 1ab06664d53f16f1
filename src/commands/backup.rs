//! `ombor backup now|list|verify FILE`, `ombor restore FILE`, `ombor bench backup`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Local;
use clap::Subcommand;
use models::backups::{self, BackupOptions, BackupRecord, ChecksumState};
use models::Config;
use serde::Serialize;

use super::access::{Db, Login};
use super::print;

#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Take a backup now (admin): pg_dump, checksum, manifest, face model copy, retention, mirror.
    Now {
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// The backups in the backup folder (age, size, checksum state) and the latest runs.
    List {
        /// Compute every file's sha256 (slow for big dumps); otherwise the recorded size is checked.
        #[arg(long)]
        check: bool,
        #[arg(long)]
        json: bool,
    },
    /// Check a dump as a restore would: its .sha256 sidecar, its signature (the data folder's
    /// backup.key), that it holds no psql command pg_dump never writes and the rows its manifest
    /// records, and its face model copy.
    Verify {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The databases restores kept (the data as it was before each restore) and their size.
    Kept {
        #[arg(long)]
        json: bool,
    },
    /// Drop a database a restore kept, once the restored data is known to be right (admin).
    DropKept {
        name: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
}

pub fn backup(config: &Config, cmd: BackupCommand) -> anyhow::Result<()> {
    match cmd {
        BackupCommand::Now { login, json } => now(&Db::open(config)?, &login, json),
        BackupCommand::List { check, json } => list(&Db::open(config)?, check, json),
        BackupCommand::Verify { file, json } => verify(config, &file, json),
        BackupCommand::Kept { json } => kept(&Db::open(config)?, json),
        BackupCommand::DropKept { name, yes, login, json } => drop_kept(&Db::open(config)?, &name, yes, &login, json),
    }
}

fn kept(db: &Db, json: bool) -> anyhow::Result<()> {
    let kept = db.run(actors::backup::kept(db.target()))?;
    print(json, &kept, || {
        if kept.is_empty() {
            return "no databases kept by restores".to_string();
        }
        let rows: Vec<Vec<String>> = kept.iter().map(|k| vec![k.name.clone(), human_bytes(k.bytes.max(0) as u64)]).collect();
        super::table::render(&["kept database", "size"], &rows)
            + "drop one when the restored data is right: ombor backup drop-kept NAME --user ADMIN"
    });
    Ok(())
}

fn drop_kept(db: &Db, name: &str, yes: bool, login: &Login, json: bool) -> anyhow::Result<()> {
    confirm(
        yes,
        &format!("Drop {name}? The data as it was before that restore is deleted for good."),
        &format!("dropping {name} deletes the data as it was before that restore"),
        "cancelled; nothing was dropped",
    )?;
    let auth = db.login(login)?;
    let dropped = db.run(actors::backup::drop_kept(db.target(), &db.pool, name, &auth));
    db.logout(&auth);
    dropped?;
    print(json, &serde_json::json!({ "dropped": name }), || format!("dropped {name}"));
    Ok(())
}

fn now(db: &Db, login: &Login, json: bool) -> anyhow::Result<()> {
    let auth = db.login(login)?;
    let options = BackupOptions::from_config(&db.config);
    let record = db.run(actors::backup::backup_now(db.target(), &db.pool, &options, &auth));
    db.logout(&auth);
    let record = record?;
    print(json, &record, || describe_run(&record, &options.dir));
    Ok(())
}

fn describe_run(r: &BackupRecord, dir: &Path) -> String {
    let mut s = format!(
        "backup written: {}\n  {}, sha256 {}\n  pg_dump {}, server {}",
        dir.join(r.file.as_deref().unwrap_or("?")).display(),
        human_bytes(r.bytes.unwrap_or(0) as u64),
        r.sha256.as_deref().unwrap_or("?"),
        r.pg_dump_version.as_deref().unwrap_or("?"),
        r.server_version.as_deref().unwrap_or("?"),
    );
    if !r.removed.is_empty() {
        s += &format!("\n  removed by retention: {}", r.removed.join(", "));
    }
    if let Some(m) = &r.mirror {
        s += &format!("\n  {m}");
    }
    s
}

#[derive(Serialize)]
struct Listing {
    dir: PathBuf,
    files: Vec<backups::BackupFile>,
    runs: Vec<BackupRecord>,
}

fn list(db: &Db, check: bool, json: bool) -> anyhow::Result<()> {
    let dir = db.config.backup_dir();
    let files = backups::list_files(&dir, check);
    let runs = db.run(actors::backup::list(&db.pool, 20))?;
    let listing = Listing { dir, files, runs };
    print(json, &listing, || {
        let now = Local::now().naive_local();
        let mut rows = Vec::new();
        for f in &listing.files {
            rows.push(vec![
                f.file.clone(),
                human_age((now - f.taken_at).num_seconds()),
                human_bytes(f.bytes),
                match f.checksum {
                    ChecksumState::Verified => "verified".into(),
                    ChecksumState::Recorded => "recorded".into(),
                    ChecksumState::Mismatch => "DAMAGED".into(),
                    ChecksumState::Missing => "missing".into(),
                },
                if f.face_model { "yes".into() } else { "-".into() },
            ]);
        }
        let mut s = format!("backup folder: {}\n", listing.dir.display());
        if listing.files.is_empty() {
            s += "no backups yet\n";
        } else {
            s += &super::table::render(&["file", "age", "size", "checksum", "face model"], &rows);
            s += "\n";
        }
        s += "latest runs:";
        for r in listing.runs.iter().take(10) {
            s += &format!(
                "\n  {}  {:6}  {}",
                r.finished_at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
                r.status,
                r.file.clone().or(r.error.clone()).unwrap_or_default()
            );
        }
        s
    });
    Ok(())
}

fn verify(config: &Config, file: &Path, json: bool) -> anyhow::Result<()> {
    let key = backups::SigningKey::load(&BackupOptions::from_config(config).signing_key)?;
    let v = backups::verify_file(file, &key)?;
    print(json, &v, || {
        format!(
            "{}: checksum, signature and content ok ({}, sha256 {}){}",
            v.file.display(),
            human_bytes(v.bytes),
            v.sha256,
            if v.face_model.is_some() { "; face model copy ok" } else { "" }
        )
    });
    Ok(())
}

/// `ombor restore FILE`: checksum first, then a confirmation, an admin's login, the restore.
pub fn restore(config: &Config, file: &Path, yes: bool, login: &Login, json: bool) -> anyhow::Result<()> {
    let options = BackupOptions::from_config(config);
    let verified = backups::verify_file(file, &backups::SigningKey::load(&options.signing_key)?)?;
    confirm(
        yes,
        &format!("Restore {} over the live database? The current database is kept as a dated copy.", verified.file.display()),
        "restore replaces the live database",
        "restore cancelled; nothing was changed",
    )?;
    let db = Db::open(config)?;
    let auth = db.login(login)?;
    // The session lives in the database being replaced: it ends with it.
    let report = db.run(actors::backup::restore(db.target(), &db.pool, &options, file, &auth))?;
    print(json, &report, || {
        format!(
            "restored {} into {}\n  ledger verify: {} ({} movements)\n  previous database kept as {}\n  backup runs after the dump carried over: {}\n  face model: {}",
            report.file.display(),
            report.database,
            if report.ledger.is_ok() { "ok" } else { "FAILED" },
            report.ledger.movements,
            report.previous_kept_as,
            report.backups_carried_over,
            if report.face_model_restored { "restored".to_string() } else { "none in the backup".to_string() }
                + &report
                    .previous_face_model
                    .as_ref()
                    .map(|p| format!(" (the previous one is kept as {})", p.display()))
                    .unwrap_or_default()
        )
    });
    Ok(())
}

/// Asks `question` on the terminal unless `yes`; with no terminal, `--yes` is required.
fn confirm(yes: bool, question: &str, what_it_does: &str, cancelled: &str) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{what_it_does}: add --yes to confirm (no terminal to ask on)");
    }
    eprint!("{question} Type yes to continue: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        anyhow::bail!("{cancelled}");
    }
    Ok(())
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

fn human_age(secs: i64) -> String {
    match secs.max(0) {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86400),
    }
}

// ------------------------------------------------------------------ benchmark

#[derive(Subcommand, Debug)]
pub enum BackupBenchCommand {
    /// Time our backup against a bare pg_dump of the same database, in the same run.
    Backup {
        /// Movements in the benchmark database (seeded once, reused by later runs).
        #[arg(long, default_value_t = 1_000_000)]
        movements: i64,
        #[arg(long, default_value_t = 1000)]
        products: i64,
        /// Timed rounds of each (the median is compared).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Keep the benchmark database afterwards (for another run).
        #[arg(long)]
        keep_database: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct BackupBench {
    database: String,
    movements: i64,
    dump_bytes: u64,
    seed_secs: f64,
    bare_pg_dump_secs: Vec<f64>,
    ombor_backup_secs: Vec<f64>,
    bare_median_secs: f64,
    ombor_median_secs: f64,
    ratio: f64,
}

pub fn bench(config: &Config, cmd: BackupBenchCommand) -> anyhow::Result<()> {
    let BackupBenchCommand::Backup { movements, products, rounds, keep_database, json } = cmd;
    let db = Db::open(config)?;
    let mut target = db.target().clone();
    let name = format!("{}_bench_backup", target.owner.get_dbname().unwrap_or("ombor_nazorat"));
    target.owner.dbname(&name);
    target.app.dbname(&name);
    db.run(target.migrate())?;
    let pool = target.pool(2);

    let seed_started = Instant::now();
    let have = db.run(backups::count_movements(&target.owner))?;
    if have < movements {
        eprintln!("seeding {} movements into {name} …", movements - have);
        db.run(backups::seed_into(&target.owner, products, movements - have, |done| {
            if done % 100_000 < 20_000 {
                eprint!("\r  {done}");
            }
        }))?;
        eprintln!();
    }
    let seed_secs = seed_started.elapsed().as_secs_f64();

    let work = config.data_dir().join("bench-backup");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let options = BackupOptions {
        dir: work.join("ours"),
        mirror_dir: None,
        keep_daily: 1000,
        keep_monthly: 1000,
        min_free_bytes: 0,
        face_model: work.join("no-model.yml"),
        station: "bench".into(),
        ledger_anchor: work.join("ledger-anchor"),
        ..BackupOptions::from_config(config)
    };
    let (mut bare, mut ours) = (Vec::new(), Vec::new());
    let mut dump_bytes = 0;
    for round in 0..rounds.max(1) {
        let file = work.join(format!("bare-{round}.sql"));
        let t = Instant::now();
        db.run(backups::bare_pg_dump(&target.owner, options.pg_bin_dir.as_deref(), &file))?;
        bare.push(t.elapsed().as_secs_f64());
        dump_bytes = std::fs::metadata(&file)?.len();
        std::fs::remove_file(&file)?;

        let t = Instant::now();
        let record = db.run(backups::take_backup(&target, &options, None))?;
        ours.push(t.elapsed().as_secs_f64());
        let _ = std::fs::remove_dir_all(&options.dir);
        eprintln!(
            "round {}: bare pg_dump {:.2} s, ombor backup {:.2} s ({})",
            round + 1,
            bare[round],
            ours[round],
            human_bytes(record.bytes.unwrap_or(0) as u64)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = std::fs::remove_dir_all(&work);
    pool.close();
    if !keep_database {
        db.run(backups::drop_database_by_name(&db.target().owner, &name))?;
    }
    let (bare_median, ours_median) = (median(&bare), median(&ours));
    let result = BackupBench {
        database: name,
        movements,
        dump_bytes,
        seed_secs,
        bare_pg_dump_secs: bare,
        ombor_backup_secs: ours,
        bare_median_secs: bare_median,
        ombor_median_secs: ours_median,
        ratio: ours_median / bare_median,
    };
    print(json, &result, || {
        format!(
            "backup of {} movements ({}):\n  bare pg_dump      {:.2} s (median of {:?})\n  ombor backup now  {:.2} s (median of {:?})\n  ratio             {:.3}× (target ≤ 1.1×)",
            result.movements,
            human_bytes(result.dump_bytes),
            result.bare_median_secs,
            result.bare_pg_dump_secs.iter().map(|s| (s * 100.0).round() / 100.0).collect::<Vec<_>>(),
            result.ombor_median_secs,
            result.ombor_backup_secs.iter().map(|s| (s * 100.0).round() / 100.0).collect::<Vec<_>>(),
            result.ratio
        )
    });
    Ok(())
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    s[s.len() / 2]
}
