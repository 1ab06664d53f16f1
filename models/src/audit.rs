//! The audit log: logins, logouts, user changes, reversals, backups, restores.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::GenericClient;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub station: Option<String>,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub action: String,
    pub detail: serde_json::Value,
}

pub async fn list(c: &impl GenericClient, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = c
        .query(
            "SELECT a.id, a.at, a.station, a.user_id, u.username, a.action, a.detail FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
              WHERE ($1::timestamptz IS NULL OR a.at >= $1) AND ($2::timestamptz IS NULL OR a.at < $2)
              ORDER BY a.id DESC LIMIT $3",
            &[&from, &to, &limit.clamp(1, 100_000)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| AuditEntry {
            id: r.get(0),
            at: r.get(1),
            station: r.get(2),
            user_id: r.get(3),
            username: r.get(4),
            action: r.get(5),
            detail: r.get(6),
        })
        .collect())
}

/// Records an event of the program as the OWNER's login (a restore: `c` is the owner's
/// connection). The application's role may not call audit() (V20): its entries are written only
/// by the database functions that do the audited thing.
pub async fn record(c: &impl GenericClient, action: &str, detail: &serde_json::Value, station: &str) -> Result<i64> {
    Ok(c.query_one("SELECT audit($1, $2, $3)", &[&action, &detail, &station]).await?.get(0))
}
