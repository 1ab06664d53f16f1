//! `ombor import django`: a Django warehouse application's database — SQLite file or
//! PostgreSQL server, read-only — imported whole: the category tree, products and units, stock,
//! the history as imported movements, users with their roles and Django password hashes, and
//! employees. One transaction; running it again imports nothing twice.
//!
//! - [`source`]: opening the old database and reading rows as text;
//! - [`mapping`]: which table and column is what, guessed or from a TOML file;
//! - [`read`]: the rows, typed and checked (every problem with its table and id);
//! - [`write`]: staging and the database's import_apply (migration V17).

mod damage;
pub mod mapping;
pub mod read;
pub mod source;
pub mod synthetic;
pub mod write;

use serde::Serialize;

pub use mapping::Mapping;
pub use read::{RowNote, SourceData, TableCount};
pub use source::{Source, SourceProblem};

use crate::error::Result;

/// What `ombor import django` tells the admin (and the kiosk's progress screen at its end).
#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportReport {
    pub source: String,
    pub location: String,
    pub dry_run: bool,
    pub counts: Vec<TableCount>,
    pub guesses: Vec<String>,
    pub problems: Vec<RowNote>,
    pub warnings: Vec<RowNote>,
    /// Rows imported by an earlier run from the same source, left alone now.
    pub already_imported: std::collections::BTreeMap<String, usize>,
    /// Employees who must enrol their face again (no face model can be carried over).
    pub must_enrol: Vec<String>,
    /// Users whose Django hash cannot be verified here: an admin gives them a new password.
    pub must_get_new_password: Vec<UnverifiableUser>,
    /// What the database did (import_apply's summary); None for a dry run that was refused.
    pub applied: Option<serde_json::Value>,
}

/// A user whose old hash this station cannot check (a hasher Django ships but we do not verify,
/// or Django's "no usable password").
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnverifiableUser {
    pub username: String,
    /// The hasher named in the old hash; `!` for no usable password.
    pub hasher: String,
}

impl UnverifiableUser {
    /// For the CLI, in English like its other lines: `name (argon2 hash)`.
    pub fn described(&self) -> String {
        if self.hasher == "!" {
            format!("{} (no usable password)", self.username)
        } else {
            format!("{} ({} hash)", self.username, self.hasher)
        }
    }
}

impl ImportReport {
    pub fn is_refused(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// The phase of a running import, for a progress bar: (what, fraction 0..1).
pub type Progress<'a> = &'a (dyn Fn(&str, f32) + Sync);

/// Reads the source (guessing the mapping unless given one) without touching our database.
pub async fn read_source(location: &str, mapping: Option<Mapping>, progress: Progress<'_>) -> Result<(Mapping, SourceData)> {
    let source = Source::open(location).await?;
    let result = async {
        let schema = source.schema().await?;
        let m = match mapping {
            Some(m) => {
                m.check(&schema)?;
                m
            }
            None => mapping::guess(&schema)?,
        };
        // Read in this order, each when the mapping has it: units, categories, stock, products,
        // employees, auth_user, movements. The bar moves one step per table read.
        const STEPS: usize = 7;
        let step = std::sync::atomic::AtomicUsize::new(0);
        let d = read::read(&source, &m, &|t| {
            let i = step.fetch_add(1, std::sync::atomic::Ordering::Relaxed).min(STEPS - 1);
            progress(&format!("reading {t}"), 0.5 * i as f32 / STEPS as f32);
        })
        .await?;
        Ok((m, d))
    }
    .await;
    source.close().await;
    result
}

/// Checks `d` against our database and, unless refused or a dry run, imports it inside `tx`
/// (the caller commits). A dry run goes all the way through import_apply too, so its figures
/// are the real ones; the caller rolls it back.
pub async fn import(
    tx: &tokio_postgres::Transaction<'_>,
    m: &Mapping,
    mut d: SourceData,
    location: &str,
    station: &str,
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let known = write::check_against_database(tx, m, &mut d).await?;
    let mut report = ImportReport {
        source: m.source.clone(),
        location: source::shown_location(location),
        dry_run,
        counts: d.counts.clone(),
        ..Default::default()
    };
    for e in ["category", "product", "employee", "user", "movement"] {
        if known.count(e) > 0 {
            report.already_imported.insert(e.to_string(), known.count(e));
        }
    }
    report.must_enrol =
        d.employees.iter().filter(|e| e.active && !known.has("employee", &e.source_id)).map(|e| e.full_name.clone()).collect();
    report.must_get_new_password = d
        .users
        .iter()
        .filter(|u| u.legacy.is_none() && !known.has("user", &u.source_id) && !known.existing_users.contains(&u.username.to_lowercase()))
        .map(|u| UnverifiableUser { username: u.username.clone(), hasher: u.hasher.clone() })
        .collect();
    if !d.problems.is_empty() {
        report.guesses = std::mem::take(&mut d.guesses);
        report.problems = std::mem::take(&mut d.problems);
        report.warnings = std::mem::take(&mut d.warnings);
        return Ok(report);
    }
    let total = d.movements.len().max(1) as f32;
    progress("writing", 0.5);
    let summary = write::write(tx, m, &d, &report.location, station, &|n| progress("writing movements", 0.5 + 0.4 * n as f32 / total)).await?;
    progress("done", 1.0);
    report.guesses = d.guesses;
    report.warnings = d.warnings;
    report.applied = Some(summary);
    Ok(report)
}
