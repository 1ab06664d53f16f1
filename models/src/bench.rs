//! Bulk data for benchmarks, made by SQL on the server (as the owner, triggers off for speed).
//! The movements it makes carry placeholder hashes: a bench database is not a ledger to verify.

use tokio_postgres::Client;

use crate::error::Result;

/// Fills an empty, migrated database with `products` products (QR-0000001…), one employee, one
/// admin user and a long-lived face verification. Returns (employee id, verification id).
pub async fn seed_catalogue(owner: &Client, products: i64, credential: &crate::password::Credential) -> Result<(i64, i64)> {
    owner
        .batch_execute(
            "SET session_replication_role = replica;
             INSERT INTO categories (name) SELECT 'Bench category ' || g FROM generate_series(1, 50) g;",
        )
        .await?;
    owner
        .execute(
            "INSERT INTO products (sku, qr_code, name, category_id, unit, min_stock)
             SELECT 'SKU-' || lpad(g::text, 7, '0'), 'QR-' || lpad(g::text, 7, '0'), 'Bench product ' || g,
                    (SELECT min(id) FROM categories) + g % 50, 'pcs', g % 20
               FROM generate_series(1, $1::bigint) g",
            &[&products],
        )
        .await?;
    owner.batch_execute("INSERT INTO stock (product_id, quantity) SELECT id, 1000000 FROM products").await?;
    let p = credential.params;
    let user: i64 = owner.query_one("INSERT INTO users (username, role) VALUES ('bench', 'admin') RETURNING id", &[]).await?.get(0);
    owner
        .execute(
            "SELECT auth_set_verifier($1, $2, $3, $4, $5, $6)",
            &[&user, &credential.salt, &p.m_cost, &p.t_cost, &p.p_cost, &credential.verifier],
        )
        .await?;
    let emp: i64 = owner.query_one("INSERT INTO employees (full_name) VALUES ('Bench Worker') RETURNING id", &[]).await?.get(0);
    let ver: i64 = owner
        .query_one("INSERT INTO face_verifications (employee_id, confidence, station, expires_at) VALUES ($1, 1, 'bench', now() + interval '1 day') RETURNING id", &[&emp])
        .await?
        .get(0);
    // Triggers back on only now: the permission triggers want a login session for employees.
    owner.batch_execute("SET session_replication_role = origin; ANALYZE").await?;
    Ok((emp, ver))
}

/// Appends `count` movements (ids after the current ones) spread over the products.
pub async fn append_movements(owner: &Client, count: i64, products: i64, employee: i64, verification: i64) -> Result<()> {
    owner
        .execute(
            "INSERT INTO movements (product_id, kind, quantity, employee_id, user_id, verification_id, station, created_at, hash)
             SELECT (SELECT min(id) FROM products) + (g * 7919) % $2, CASE WHEN g % 3 = 0 THEN 'out'::movement_kind ELSE 'in' END,
                    1 + g % 5, $3, (SELECT id FROM users WHERE username = 'bench'), $4, 'bench',
                    now() - (g % 86400) * interval '1 second', sha256(int8send(g))
               FROM generate_series(1, $1::bigint) g",
            &[&count, &products, &employee, &verification],
        )
        .await?;
    Ok(())
}

/// One active employee per entry of `templates` (each entry: that employee's SFace templates of
/// `dims` numbers, one after another), then face tries unlimited enough for a bench and fresh
/// planner statistics.
pub async fn seed_face_templates(owner: &Client, templates: &[Vec<f32>], dims: i32) -> Result<()> {
    owner.batch_execute("SET session_replication_role = replica").await?;
    for (i, data) in templates.iter().enumerate() {
        let id: i64 =
            owner.query_one("INSERT INTO employees (full_name) VALUES ($1) RETURNING id", &[&format!("Bench employee {i}")]).await?.get(0);
        owner
            .execute(
                "INSERT INTO face_templates (employee_id, backend, dims, data, station) VALUES ($1, 'sface', $2, $3, 'bench')",
                &[&id, &dims, data],
            )
            .await?;
    }
    owner.batch_execute("SET session_replication_role = origin; UPDATE security_settings SET face_tries_per_minute = 600; ANALYZE").await?;
    Ok(())
}

/// Drops a bench database once the run's own connections are gone (`name` is the bench's own,
/// `ombor_bench_…`).
pub async fn drop_database(owner: &tokio_postgres::Config, name: &str) -> std::result::Result<(), crate::db::DbError> {
    let (c, _connection) = crate::db::connect_maintenance(owner).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    Ok(())
}
