//! A demo ledger for tests and the benchmark, and the benchmark's yardsticks (a bare pg_dump).

use std::path::Path;

use super::pg_client::{client_command, find_client, server_version};
use super::restore::quote_ident;
use super::{io_err, BackupError};
use crate::db::{connect, connect_maintenance};
use crate::session::SessionToken;

/// Fills the database `owner` is connected to (as the schema owner) with `products` products and
/// `movements` IN movements posted through `post_movement`, so hashes, chains and stock are
/// exactly what the kiosk would have written. Calls `progress(done)` after each batch.
pub async fn seed_ledger(
    owner: &tokio_postgres::Client,
    products: i64,
    movements: i64,
    mut progress: impl FnMut(i64),
) -> crate::error::Result<()> {
    let token = SessionToken::generate();
    owner
        .execute(
            "INSERT INTO users (username, password_hash, role) VALUES ('seed-admin', '$argon2id$not-a-login', 'admin') ON CONFLICT DO NOTHING",
            &[],
        )
        .await?;
    owner
        .execute(
            "INSERT INTO sessions (token_hash, user_id, station, idle_timeout)
             SELECT $1, id, 'seed', interval '1 day' FROM users WHERE username = 'seed-admin'",
            &[&token.hash()],
        )
        .await?;
    owner.execute("SELECT set_config('ombor.session', $1, false)", &[&token.as_hex()]).await?;
    let employee: i64 = owner.query_one("INSERT INTO employees (full_name) VALUES ('Seed Worker') RETURNING id", &[]).await?.get(0);
    owner
        .execute(
            "INSERT INTO products (sku, qr_code, name) SELECT 'SEED-' || g, 'QR-SEED-' || g, 'Seed product ' || g
               FROM generate_series(1, $1::bigint) g ON CONFLICT DO NOTHING",
            &[&products],
        )
        .await?;
    let ids: Vec<i64> = owner.query_one("SELECT array_agg(id ORDER BY id) FROM products WHERE sku LIKE 'SEED-%'", &[]).await?.get(0);
    // Small batches: each stock row is updated only a few times per transaction.
    let batch = (ids.len() as i64 * 10).clamp(100, 20_000);
    let mut done = 0;
    while done < movements {
        let n = batch.min(movements - done);
        let verification: i64 =
            owner.query_one("SELECT (record_face_verification($1, 0.9, 'seed', interval '1 hour')).id", &[&employee]).await?.get(0);
        owner
            .execute(
                "SELECT count(post_movement(($1::bigint[])[1 + (g % array_length($1::bigint[], 1))], 'in', 1 + g % 7, $2, $3, NULL, 'seed'))
                   FROM generate_series($4::bigint, $5::bigint) g",
                &[&ids, &employee, &verification, &done, &(done + n - 1)],
            )
            .await?;
        done += n;
        progress(done);
    }
    owner.execute("SELECT set_config('ombor.session', '', false)", &[]).await?;
    Ok(())
}

/// Connects as `owner` and seeds its database (the benchmark's entry to `seed_ledger`).
pub async fn seed_into(
    owner: &tokio_postgres::Config,
    products: i64,
    movements: i64,
    progress: impl FnMut(i64),
) -> Result<(), BackupError> {
    let (c, conn) = connect(owner).await?;
    let h = tokio::spawn(conn);
    seed_ledger(&c, products, movements, progress).await?;
    drop(c);
    let _ = h.await;
    Ok(())
}

pub async fn count_movements(owner: &tokio_postgres::Config) -> Result<i64, BackupError> {
    let (c, conn) = connect(owner).await?;
    let h = tokio::spawn(conn);
    let n: i64 = c.query_one("SELECT count(*) FROM movements", &[]).await?.get(0);
    drop(c);
    let _ = h.await;
    Ok(n)
}

/// The benchmark's yardstick: plain `pg_dump -f FILE` of the same database, nothing else.
pub async fn bare_pg_dump(owner: &tokio_postgres::Config, pg_bin_dir: Option<&Path>, file: &Path) -> Result<(), BackupError> {
    let (c, conn) = connect(owner).await?;
    let h = tokio::spawn(conn);
    let (version, major) = server_version(&c).await?;
    drop(c);
    let _ = h.await;
    let pg_dump = find_client("pg_dump", pg_bin_dir, &version, major)?;
    let dbname = owner.get_dbname().unwrap_or(crate::cluster::DATABASE_NAME).to_string();
    let mut cmd = client_command(&pg_dump, owner, &dbname);
    cmd.args(["--format=plain", "--no-password", "--encoding=UTF8", "-f"]).arg(file);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| BackupError::PgDump(e.to_string()))?
        .map_err(io_err("running pg_dump"))?;
    if !out.status.success() {
        return Err(BackupError::PgDump(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    Ok(())
}

/// Drops database `name` of `owner`'s server (the benchmark's own database).
pub async fn drop_database_by_name(owner: &tokio_postgres::Config, name: &str) -> Result<(), BackupError> {
    let (c, h) = connect_maintenance(owner).await?;
    c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", &[&name]).await?;
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(name))).await?;
    drop(c);
    let _ = h.await;
    Ok(())
}
