//! Opening the database: the embedded cluster or a server URL, migrations, the connection pool.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use crate::cluster::{Cluster, ClusterError, PgBinaries, APP_ROLE, DATABASE_NAME, EMBEDDED_PORT, OWNER_ROLE};
use crate::config::Config;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("database.url is not a valid PostgreSQL URL: {0}")]
    BadUrl(String),
    #[error("cannot connect to the database ({target}): {reason}")]
    Connect { target: String, reason: String },
    #[error("migration failed, the database was left as it was: {0}")]
    Migrate(String),
    #[error("the database is at schema version {current} and this program needs {latest}, but this station's login {user} may not change the schema. Run `ombor migrate` once on a station whose database.owner_url is the database owner's login (or set database.owner_url here)")]
    NotMigrated { user: String, current: u32, latest: u32 },
    #[error("the database is at schema version {current}, newer than this program knows ({latest}). Update ombor on this station")]
    SchemaNewer { current: u32, latest: u32 },
    #[error("database error: {0}")]
    Query(#[from] tokio_postgres::Error),
    #[error("no database connection available: {0}")]
    Pool(String),
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => DbError::Query(e),
            other => DbError::Pool(other.to_string()),
        }
    }
}

/// Where the database is and how to reach it as the owner and as the application.
#[derive(Debug, Clone)]
pub struct Target {
    pub owner: tokio_postgres::Config,
    pub app: tokio_postgres::Config,
    /// Set in the embedded default.
    pub cluster: Option<Cluster>,
}

impl Target {
    pub fn from_config(config: &Config) -> Result<Target, DbError> {
        let timeout = Duration::from_secs(config.database.connect_timeout_secs.max(1));
        let app_name = format!("ombor/{}", config.general.station);
        if config.uses_embedded_database() {
            let bins = PgBinaries::find(non_empty(&config.database.pg_bin_dir).map(PathBuf::from).as_deref())?;
            let cluster = Cluster::new(&config.data_dir().join("postgres"), bins, EMBEDDED_PORT);
            let mut owner = cluster.connect_config(OWNER_ROLE, DATABASE_NAME);
            let mut app = cluster.connect_config(APP_ROLE, DATABASE_NAME);
            for c in [&mut owner, &mut app] {
                c.connect_timeout(timeout).application_name(&app_name);
            }
            Ok(Target { owner, app, cluster: Some(cluster) })
        } else {
            let parse = |url: &str| -> Result<(tokio_postgres::Config, crate::tls::TlsSettings), DbError> {
                let (rest, mut tls) = crate::tls::split_url(url)?;
                if let Some(ca) = non_empty(&config.database.ca_file) {
                    tls.ca_file.get_or_insert_with(|| PathBuf::from(ca));
                }
                let mut c = tokio_postgres::Config::from_str(&rest).map_err(|e| DbError::BadUrl(e.to_string()))?;
                c.ssl_mode(tls.mode.negotiation());
                Ok((c, tls))
            };
            let (mut app, tls) = parse(&config.database.url)?;
            crate::tls::install(&tls)?;
            let mut owner = match non_empty(&config.database.owner_url) {
                Some(u) => parse(u)?.0,
                None => app.clone(),
            };
            for c in [&mut owner, &mut app] {
                if c.get_connect_timeout().is_none() {
                    c.connect_timeout(timeout);
                }
                c.application_name(&app_name);
            }
            Ok(Target { owner, app, cluster: None })
        }
    }

    /// Starts the embedded cluster if needed and holds it for this process (several processes
    /// may do so at once: [`Cluster::use_shared`]); the guard's `started()` says whether this
    /// call started it. Keep the guard while the database is used.
    pub fn start_cluster(&self) -> Result<crate::cluster::ClusterGuard, DbError> {
        match &self.cluster {
            Some(c) => Ok(c.use_shared()?),
            None => Ok(crate::cluster::ClusterGuard::none()),
        }
    }

    /// Creates the database if missing, then applies every pending migration in one transaction.
    ///
    /// One migrate at a time, whoever runs it: the whole step (refinery's run, then
    /// `ombor_harden_database()`'s GRANT/REVOKE) runs under a session advisory lock on
    /// [`MIGRATE_LOCK`] held on the migrating connection, so commands started together (on one
    /// station or on several against one server) take turns instead of failing with "tuple
    /// concurrently updated"; the lock goes with the connection, a crash included.
    ///
    /// A login that may not change the schema (neither superuser nor a member of the database's
    /// owner: a station without `database.owner_url`) migrates nothing; it only checks that the
    /// schema is the one this program needs and otherwise says what to do.
    pub async fn migrate(&self) -> Result<MigrationReport, DbError> {
        ensure_database_exists(&self.owner).await?;
        let (mut client, conn) = connect(&self.owner).await?;
        let handle = tokio::spawn(conn);
        let result = migrate_on(&mut client).await;
        drop(client);
        let _ = handle.await;
        result
    }

    pub fn pool(&self, size: usize) -> Pool {
        let mgr = Manager::from_config(self.app.clone(), crate::tls::current(), ManagerConfig { recycling_method: RecyclingMethod::Fast });
        Pool::builder(mgr)
            .max_size(size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(self.app.get_connect_timeout().copied())
            .build()
            .expect("pool settings are valid")
    }

    pub fn describe(&self) -> String {
        describe(&self.app)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationReport {
    pub applied: Vec<String>,
    pub current: u32,
    pub latest: u32,
}

/// The advisory lock key every migrate holds while it runs ("ombor-migrate" in ASCII, first 8 bytes).
pub const MIGRATE_LOCK: i64 = 0x6f6d_626f_722d_6d69;

async fn migrate_on(client: &mut tokio_postgres::Client) -> Result<MigrationReport, DbError> {
    let may_migrate: bool = client
        .query_one(
            "SELECT r.rolsuper OR pg_has_role(current_user, d.datdba, 'MEMBER')
               FROM pg_roles r, pg_database d
              WHERE r.rolname = current_user AND d.datname = current_database()",
            &[],
        )
        .await?
        .get(0);
    if !may_migrate {
        return check_schema(client).await;
    }
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK]).await?;
    let result = async {
        let report =
            embedded::migrations::runner().set_grouped(true).run_async(client).await.map_err(|e| DbError::Migrate(e.to_string()))?;
        let applied = report.applied_migrations().iter().map(|m| m.to_string()).collect();
        harden(client).await?;
        let current: i64 = client.query_one("SELECT coalesce(max(version), 0)::bigint FROM refinery_schema_history", &[]).await?.get(0);
        Ok(MigrationReport { applied, current: current as u32, latest: latest_migration() })
    }
    .await;
    // A failed statement inside refinery's transaction leaves it aborted until rolled back.
    let _ = client.batch_execute("ROLLBACK").await;
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK]).await?;
    result
}

/// For a login that may not migrate: the schema must already be this program's.
async fn check_schema(client: &tokio_postgres::Client) -> Result<MigrationReport, DbError> {
    let user: String = client.query_one("SELECT current_user::text", &[]).await?.get(0);
    let current = crate::health::applied_migration(client).await.unwrap_or(0);
    let latest = latest_migration();
    if current < latest {
        return Err(DbError::NotMigrated { user, current, latest });
    }
    if current > latest {
        return Err(DbError::SchemaNewer { current, latest });
    }
    Ok(MigrationReport { applied: Vec::new(), current, latest })
}

/// Takes TEMP away from PUBLIC and the application's role on this database (V11). Database
/// privileges are neither copied by `CREATE DATABASE … TEMPLATE` nor restored from a plain dump,
/// so every migrate runs it, not only V11. Owner only; nothing happens before V11 is applied.
pub async fn harden(owner: &tokio_postgres::Client) -> Result<(), DbError> {
    let exists: bool = owner.query_one("SELECT to_regprocedure('public.ombor_harden_database()') IS NOT NULL", &[]).await?.get(0);
    if exists {
        owner.batch_execute("SELECT ombor_harden_database()").await?;
    }
    Ok(())
}

/// The highest migration version compiled into this program.
pub fn latest_migration() -> u32 {
    embedded::migrations::runner().get_migrations().iter().map(|m| m.version() as u32).max().unwrap_or(0)
}

/// The body (the text between `AS $$` and `$$`) that the last migration defining SQL function
/// `name` gave it: what `pg_proc.prosrc` must still say, unless someone replaced the function.
pub fn migration_function_body(name: &str) -> Option<String> {
    let needle = format!("FUNCTION {name}(");
    let runner = embedded::migrations::runner();
    let mut migrations: Vec<_> = runner.get_migrations().iter().collect();
    migrations.sort_by_key(|m| m.version());
    migrations.iter().rev().find_map(|m| {
        let sql = m.sql()?;
        let at = sql.rfind(&needle)?;
        let start = at + sql[at..].find("$$")? + 2;
        let end = start + sql[start..].find("$$")?;
        Some(sql[start..end].to_string())
    })
}

pub async fn connect(
    cfg: &tokio_postgres::Config,
) -> Result<
    (tokio_postgres::Client, tokio_postgres::Connection<tokio_postgres::Socket, postgres_native_tls::TlsStream<tokio_postgres::Socket>>),
    DbError,
> {
    cfg.connect(crate::tls::current()).await.map_err(|e| DbError::Connect { target: describe(cfg), reason: connect_reason(&e) })
}

/// The owner's connection to the server's `postgres` database (to create, rename, drop or list
/// databases), with its connection task: drop the client, then await the task.
pub async fn connect_maintenance(owner: &tokio_postgres::Config) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), DbError> {
    connect_database(owner, "postgres").await
}

/// The owner's connection to another database of the same server (a restore's new or kept
/// copy), with its connection task: drop the client, then await the task.
pub async fn connect_database(
    owner: &tokio_postgres::Config,
    dbname: &str,
) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), DbError> {
    let mut cfg = owner.clone();
    cfg.dbname(dbname);
    let (client, conn) = connect(&cfg).await?;
    Ok((
        client,
        tokio::spawn(async move {
            let _ = conn.await;
        }),
    ))
}

fn connect_reason(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                s = format!("{s}: {inner}");
                src = inner.source();
            }
            s
        }
    }
}

async fn ensure_database_exists(owner: &tokio_postgres::Config) -> Result<(), DbError> {
    let dbname = owner.get_dbname().unwrap_or(DATABASE_NAME).to_string();
    let (client, handle) = connect_maintenance(owner).await?;
    let exists = client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&dbname]).await?.is_some();
    if !exists {
        let quoted = format!("\"{}\"", dbname.replace('"', "\"\""));
        match client.batch_execute(&format!("CREATE DATABASE {quoted} ENCODING 'UTF8' TEMPLATE template0")).await {
            Ok(()) => tracing::info!(database = %dbname, "created database"),
            // Another process created it at the same moment: fine.
            Err(e)
                if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE)
                    || e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {}
            Err(e) => return Err(e.into()),
        }
    }
    drop(client);
    let _ = handle.await;
    Ok(())
}

pub fn describe(cfg: &tokio_postgres::Config) -> String {
    let host = cfg
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    format!("{}@{}:{}/{}", cfg.get_user().unwrap_or("?"), host, port, cfg.get_dbname().unwrap_or("?"))
}

fn non_empty(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

/// Server version and applied migration, as the app role sees them (for `db status`, doctor).
pub async fn probe(cfg: &tokio_postgres::Config) -> Result<(String, Option<u32>), DbError> {
    let (client, conn) = connect(cfg).await?;
    let h = tokio::spawn(conn);
    let version: String = client.query_one("SHOW server_version", &[]).await?.get(0);
    let migration = crate::health::applied_migration(&client).await;
    drop(client);
    let _ = h.await;
    Ok((version, migration))
}

/// Gives the application's role a password for logins from other stations (SCRAM; the verifier
/// is computed here, so the password itself never reaches the server's logs).
pub async fn set_app_password(owner: &tokio_postgres::Config, password: &str) -> Result<(), DbError> {
    if password.chars().count() < 12 {
        return Err(DbError::BadUrl("the stations' password must have at least 12 characters".into()));
    }
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    let (client, conn) = connect(owner).await?;
    let h = tokio::spawn(conn);
    // The verifier is base64 and `$:`, safe inside quotes.
    client.batch_execute(&format!("ALTER ROLE {APP_ROLE} PASSWORD '{verifier}'")).await?;
    drop(client);
    let _ = h.await;
    Ok(())
}

/// One round trip to the server: the kiosk's "database connected" light.
pub async fn ping(c: &impl tokio_postgres::GenericClient) -> crate::Result<()> {
    c.simple_query("SELECT 1").await?;
    Ok(())
}
