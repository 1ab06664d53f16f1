//! The Django database being read: a SQLite file (opened read-only) or a PostgreSQL URL (one
//! READ ONLY transaction). Never written: neither kind of connection can.
//!
//! Every cell arrives as text (or NULL), whatever the engine stored: SQLite keeps Django's
//! DecimalField as REAL or INTEGER, PostgreSQL as numeric; both are read back as the shortest
//! text that gives the same number.

use std::collections::BTreeMap;

use futures::StreamExt;

use crate::error::{Error, Result};

/// Why the Django database cannot be read at all — typed, so the kiosk can say it in the
/// admin's language; the CLI prints the English text. Rows with problems are not this: they
/// are [`super::RowNote`]s of a dry run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceProblem {
    #[error("{file}: no such file")]
    NoSuchFile { file: String },
    /// Not SQLite at all (or encrypted).
    #[error("{file}: not a readable SQLite database ({detail})")]
    NotSqlite { file: String, detail: String },
    /// Another program holds the file locked (the old application still writing to it).
    #[error("{file}: locked by another program; close it and try again ({detail})")]
    Locked { file: String, detail: String },
    /// Damaged or cut short (a copy that did not finish): what could not be read is named —
    /// the table, and how many of its rows were read before the damage.
    #[error("{file}: {}: {detail}", damaged_where(.table, .rows_read))]
    Damaged { file: String, table: Option<String>, rows_read: Option<u64>, detail: String },
    /// SQLite, but not a Django project's database.
    #[error("not a Django database: no django_migrations table (it has: {tables})")]
    NotDjango { tables: String },
    #[error("no auth_user table: a Django database with django.contrib.auth is expected (it has: {tables})")]
    NoAuthUser { tables: String },
}

fn damaged_where(table: &Option<String>, rows_read: &Option<u64>) -> String {
    match (table, rows_read) {
        (Some(t), Some(n)) => format!("damaged or cut short: table {t} could not be read after {n} rows"),
        (Some(t), None) => format!("damaged or cut short: table {t} could not be read"),
        (None, _) => "damaged or cut short: the list of tables could not be read".to_string(),
    }
}

impl From<SourceProblem> for Error {
    fn from(p: SourceProblem) -> Error {
        Error::ImportSource(p)
    }
}

/// A SQLite error of `file` as the problem it is (damage, a lock, not SQLite), or None for
/// anything else.
fn sqlite_problem(file: &str, e: &rusqlite::Error, table: Option<&str>, rows_read: Option<u64>) -> Option<SourceProblem> {
    use rusqlite::ErrorCode;
    let rusqlite::Error::SqliteFailure(f, _) = e else { return None };
    let (file, detail) = (file.to_string(), e.to_string());
    Some(match f.code {
        ErrorCode::DatabaseCorrupt => SourceProblem::Damaged { file, table: table.map(str::to_string), rows_read, detail },
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => SourceProblem::Locked { file, detail },
        ErrorCode::NotADatabase => SourceProblem::NotSqlite { file, detail },
        _ => return None,
    })
}

/// A column of a source table, with the table its foreign key points at (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub references: Option<String>,
}

/// The tables of the source, each with its columns in order.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub tables: BTreeMap<String, Vec<Column>>,
}

impl Schema {
    pub fn columns(&self, table: &str) -> &[Column] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn has_column(&self, table: &str, column: &str) -> bool {
        self.columns(table).iter().any(|c| c.name == column)
    }

    pub fn references(&self, table: &str, column: &str) -> Option<&str> {
        self.columns(table).iter().find(|c| c.name == column).and_then(|c| c.references.as_deref())
    }
}

pub enum Source {
    Sqlite { db: rusqlite::Connection, path: String },
    Postgres { client: tokio_postgres::Client, task: tokio::task::JoinHandle<()>, shown: String },
}

/// `postgres://…` / `postgresql://…` or `host=… dbname=…` is a server; anything else a file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://") || location.contains("dbname=")
}

/// The location with any password removed (for reports, the audit log and the run's record).
pub fn shown_location(location: &str) -> String {
    if let Ok(cfg) = location.parse::<tokio_postgres::Config>() {
        if is_postgres_url(location) {
            return crate::db::describe(&cfg);
        }
    }
    location.to_string()
}

impl Source {
    pub async fn open(location: &str) -> Result<Source> {
        if is_postgres_url(location) {
            let cfg: tokio_postgres::Config =
                location.parse().map_err(|e| Error::Invalid(format!("{}: not a PostgreSQL URL ({e})", shown_location(location))))?;
            let (client, conn) = crate::db::connect(&cfg).await.map_err(|e| Error::Unavailable(e.to_string()))?;
            let task = tokio::spawn(async move {
                let _ = conn.await;
            });
            // One snapshot for the whole read, and the server itself refuses any write.
            client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION READ ONLY; SET LOCAL TIME ZONE 'UTC'")
                .await
                .map_err(Error::from)?;
            return Ok(Source::Postgres { client, task, shown: crate::db::describe(&cfg) });
        }
        use rusqlite::OpenFlags;
        let path = std::path::Path::new(location);
        if !path.is_file() {
            return Err(SourceProblem::NoSuchFile { file: location.to_string() }.into());
        }
        let unreadable = |e: rusqlite::Error| -> Error {
            let damaged = sqlite_problem(location, &e, None, None).map(|p| match p {
                // The list of tables itself is damaged: name the tables whose pages are gone.
                SourceProblem::Damaged { file, detail, .. } => match super::damage::first_unreadable_table(path) {
                    Some((table, rows_read)) => SourceProblem::Damaged { file, table: Some(table), rows_read, detail },
                    None => SourceProblem::Damaged { file, table: None, rows_read: None, detail },
                },
                other => other,
            });
            damaged.unwrap_or_else(|| SourceProblem::NotSqlite { file: location.to_string(), detail: e.to_string() }).into()
        };
        let db = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(unreadable)?;
        // A file that is not SQLite at all, locked, or cut short fails here, not later.
        db.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map_err(unreadable)?;
        Ok(Source::Sqlite { db, path: location.to_string() })
    }

    /// What the report calls it: the file, or the server without its password.
    pub fn shown(&self) -> &str {
        match self {
            Source::Sqlite { path, .. } => path,
            Source::Postgres { shown, .. } => shown,
        }
    }

    fn sqlite_error(&self, e: rusqlite::Error, what: &str) -> Error {
        self.sqlite_error_in(e, what, None, None)
    }

    /// As [`Self::sqlite_error`], for an error met reading `table` after `rows_read` rows.
    fn sqlite_error_in(&self, e: rusqlite::Error, what: &str, table: Option<&str>, rows_read: Option<u64>) -> Error {
        match sqlite_problem(self.shown(), &e, table, rows_read) {
            Some(p) => p.into(),
            None => Error::Invalid(format!("{}: {what}: {e}", self.shown())),
        }
    }

    pub async fn schema(&self) -> Result<Schema> {
        let mut schema = Schema::default();
        match self {
            Source::Sqlite { db, .. } => {
                let bad = |e| self.sqlite_error(e, "reading the list of tables");
                let mut stmt = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map_err(bad)?;
                let names: Vec<String> = stmt.query_map([], |r| r.get(0)).map_err(bad)?.collect::<std::result::Result<_, _>>().map_err(bad)?;
                for t in names {
                    let bad = |e| self.sqlite_error_in(e, &format!("reading the columns of {t}"), Some(&t), None);
                    let mut cols: Vec<Column> = db
                        .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
                        .map_err(bad)?
                        .query_map([&t], |r| Ok(Column { name: r.get(0)?, references: None }))
                        .map_err(bad)?
                        .collect::<std::result::Result<_, _>>()
                        .map_err(bad)?;
                    let fks: Vec<(String, String)> = db
                        .prepare("SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?1)")
                        .map_err(bad)?
                        .query_map([&t], |r| Ok((r.get(0)?, r.get(1)?)))
                        .map_err(bad)?
                        .collect::<std::result::Result<_, _>>()
                        .map_err(bad)?;
                    for (from, to) in fks {
                        if let Some(c) = cols.iter_mut().find(|c| c.name == from) {
                            c.references = Some(to);
                        }
                    }
                    schema.tables.insert(t, cols);
                }
            }
            Source::Postgres { client, .. } => {
                let rows = client
                    .query(
                        "SELECT c.relname::text, a.attname::text,
                                (SELECT fc.relname::text FROM pg_constraint k JOIN pg_class fc ON fc.oid = k.confrelid
                                  WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.conkey = ARRAY[a.attnum] LIMIT 1)
                           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                          WHERE c.relkind IN ('r', 'p', 'v') AND n.nspname = current_schema()
                          ORDER BY c.relname, a.attnum",
                        &[],
                    )
                    .await?;
                for r in rows {
                    schema.tables.entry(r.get(0)).or_default().push(Column { name: r.get(1), references: r.get(2) });
                }
            }
        }
        Ok(schema)
    }

    /// Runs `SELECT cols FROM table` and hands each row to `each` as text cells. An error
    /// names the table (a damaged file fails in the middle of one).
    pub async fn each_row(
        &self,
        table: &str,
        columns: &[Option<&str>],
        mut each: impl FnMut(&[Option<String>]) -> Result<()>,
    ) -> Result<u64> {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut n = 0u64;
        match self {
            Source::Sqlite { db, .. } => {
                let select: Vec<String> = columns.iter().map(|c| c.map(quote).unwrap_or_else(|| "NULL".into())).collect();
                let sql = format!("SELECT {} FROM {}", select.join(", "), quote(table));
                let bad = |e| self.sqlite_error_in(e, &format!("reading table {table}"), Some(table), None);
                let mut stmt = db.prepare(&sql).map_err(bad)?;
                let mut rows = stmt.query([]).map_err(bad)?;
                let mut cells = vec![None; columns.len()];
                while let Some(row) =
                    rows.next().map_err(|e| self.sqlite_error_in(e, &format!("reading table {table} after {n} rows"), Some(table), Some(n)))?
                {
                    use rusqlite::types::ValueRef;
                    for (i, cell) in cells.iter_mut().enumerate() {
                        *cell = match row.get_ref(i).map_err(bad)? {
                            ValueRef::Null => None,
                            ValueRef::Integer(v) => Some(v.to_string()),
                            ValueRef::Real(v) => Some(format!("{v}")),
                            ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
                        };
                    }
                    each(&cells)?;
                    n += 1;
                }
            }
            Source::Postgres { client, .. } => {
                let select: Vec<String> = columns.iter().map(|c| c.map(|c| format!("{}::text", quote(c))).unwrap_or_else(|| "NULL::text".into())).collect();
                let sql = format!("SELECT {} FROM {}", select.join(", "), quote(table));
                let stream = client.query_raw(&sql, std::iter::empty::<&str>()).await?;
                futures::pin_mut!(stream);
                let mut cells = vec![None; columns.len()];
                while let Some(row) = stream.next().await {
                    let row = row?;
                    for (i, cell) in cells.iter_mut().enumerate() {
                        *cell = row.get::<_, Option<String>>(i);
                    }
                    each(&cells)?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// Ends the read: the PostgreSQL transaction is rolled back (it never wrote anything).
    pub async fn close(self) {
        if let Source::Postgres { client, task, .. } = self {
            let _ = client.batch_execute("ROLLBACK").await;
            drop(client);
            let _ = task.await;
        }
    }
}
