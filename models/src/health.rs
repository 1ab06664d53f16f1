//! What `ombor doctor` asks the database: counts of the things a hand-over sheet lists.
//! Read-only, as the app role, no login needed.

use serde::Serialize;
use tokio_postgres::GenericClient;

use crate::error::Result;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InstallationCounts {
    pub active_admins: i64,
    pub active_operators: i64,
    pub active_viewers: i64,
    pub categories: i64,
    pub products: i64,
    pub products_without_stock_row: i64,
    pub active_employees: i64,
    pub enrolled_employees: i64,
    pub movements: i64,
}

pub async fn counts(c: &impl GenericClient) -> Result<InstallationCounts> {
    let r = c
        .query_one(
            "SELECT (SELECT count(*) FROM users WHERE active AND role = 'admin'),
                    (SELECT count(*) FROM users WHERE active AND role = 'operator'),
                    (SELECT count(*) FROM users WHERE active AND role = 'viewer'),
                    (SELECT count(*) FROM categories),
                    (SELECT count(*) FROM products),
                    (SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM stock s WHERE s.product_id = p.id)),
                    (SELECT count(*) FROM employees WHERE active),
                    (SELECT count(*) FROM employees WHERE active AND face_enrolled_at IS NOT NULL),
                    (SELECT count(*) FROM movements)",
            &[],
        )
        .await?;
    Ok(InstallationCounts {
        active_admins: r.get(0),
        active_operators: r.get(1),
        active_viewers: r.get(2),
        categories: r.get(3),
        products: r.get(4),
        products_without_stock_row: r.get(5),
        active_employees: r.get(6),
        enrolled_employees: r.get(7),
        movements: r.get(8),
    })
}

/// The database's name as the connection sees it (`ombor_nazorat` on a proper installation).
pub async fn database_name(c: &impl GenericClient) -> Result<String> {
    Ok(c.query_one("SELECT current_database()::text", &[]).await?.get(0))
}

/// The server's major version (e.g. 15), to compare pg_dump against.
pub async fn server_major(c: &impl GenericClient) -> Result<u32> {
    let num: i32 = c.query_one("SELECT current_setting('server_version_num')::int", &[]).await?.get(0);
    Ok((num / 10_000) as u32)
}

/// Whether the catalogue is empty: no category and no product (what `ombor demo` requires).
pub async fn catalogue_is_empty(c: &impl GenericClient) -> Result<bool> {
    Ok(c.query_one("SELECT NOT EXISTS (SELECT 1 FROM products) AND NOT EXISTS (SELECT 1 FROM categories)", &[]).await?.get(0))
}

/// The highest applied migration, None when the schema history table is missing.
pub async fn applied_migration(c: &impl GenericClient) -> Option<u32> {
    c.query_opt("SELECT max(version)::bigint FROM refinery_schema_history", &[])
        .await
        .ok()
        .flatten()
        .and_then(|r| r.get::<_, Option<i64>>(0))
        .map(|v| v as u32)
}

/// How a connection attempt ended, told apart the way a hand-over sheet needs it.
pub enum Reach {
    Connected(tokio_postgres::Client),
    /// The server answered but refused (no such database, no such role, bad password).
    Refused(String),
    /// Nothing answered (no server, wrong socket or host, timeout).
    Unreachable(String),
}

pub async fn reach(cfg: &tokio_postgres::Config) -> Reach {
    match cfg.connect(tokio_postgres::NoTls).await {
        Ok((client, conn)) => {
            tokio::spawn(conn);
            Reach::Connected(client)
        }
        Err(e) => match e.as_db_error() {
            Some(db) => Reach::Refused(db.message().to_string()),
            None => {
                let mut s = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(inner) = src {
                    s = format!("{s}: {inner}");
                    src = inner.source();
                }
                Reach::Unreachable(s)
            }
        },
    }
}
