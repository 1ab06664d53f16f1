//! A Django-shaped SQLite database of any size, for `ombor bench import`: the same tables as
//! the test project in tests/fixtures/django (app `sklad`), filled with plain SQL — a bench
//! needs a million movements in seconds, not Django's ORM.

use std::path::Path;

use crate::error::{Error, Result};

/// Django 4.2's DDL for the tables the import reads (auth and the `sklad` app).
const SCHEMA: &str = r#"
CREATE TABLE "django_migrations" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" datetime NOT NULL);
CREATE TABLE "auth_group" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(150) NOT NULL UNIQUE);
CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "first_name" varchar(150) NOT NULL);
CREATE TABLE "auth_user_groups" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "group_id" integer NOT NULL REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "sklad_bolim" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "nomi" varchar(120) NOT NULL, "ota_id" bigint NULL REFERENCES "sklad_bolim" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "sklad_olchovbirligi" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "kod" varchar(16) NOT NULL UNIQUE, "nomi" varchar(50) NOT NULL);
CREATE TABLE "sklad_xodim" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "fio" varchar(200) NOT NULL, "tabel_raqami" varchar(20) NULL UNIQUE, "faol" bool NOT NULL, "yuz_kodi" BLOB NULL);
CREATE TABLE "sklad_tovar" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "artikul" varchar(64) NULL UNIQUE, "nomi" varchar(300) NOT NULL, "shtrix_kod" varchar(128) NULL UNIQUE, "min_qoldiq" decimal NOT NULL, "faol" bool NOT NULL, "yaratilgan" datetime NOT NULL, "bolim_id" bigint NULL REFERENCES "sklad_bolim" ("id") DEFERRABLE INITIALLY DEFERRED, "olchov_id" bigint NOT NULL REFERENCES "sklad_olchovbirligi" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "sklad_qoldiq" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "miqdor" decimal NOT NULL, "yangilangan" datetime NOT NULL, "tovar_id" bigint NOT NULL UNIQUE REFERENCES "sklad_tovar" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "sklad_harakat" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "turi" varchar(10) NOT NULL, "miqdor" decimal NOT NULL, "izoh" text NOT NULL, "vaqt" datetime NOT NULL, "bekor_qilingan_id" bigint NULL REFERENCES "sklad_harakat" ("id") DEFERRABLE INITIALLY DEFERRED, "foydalanuvchi_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "tovar_id" bigint NOT NULL REFERENCES "sklad_tovar" ("id") DEFERRABLE INITIALLY DEFERRED, "xodim_id" bigint NULL REFERENCES "sklad_xodim" ("id") DEFERRABLE INITIALLY DEFERRED);
INSERT INTO django_migrations (app, name, applied) VALUES ('sklad', '0001_initial', '2024-01-01 00:00:00');
INSERT INTO auth_group (name) VALUES ('Admin'), ('Operator'), ('Viewer');
INSERT INTO sklad_olchovbirligi (kod, nomi) VALUES ('dona', 'Dona'), ('metr', 'Metr'), ('kg', 'Kilogramm'), ('quti', 'Quti');
"#;

/// Writes `path` (replacing it) with `products` products spread over 200 categories and
/// `movements` movements (kirim, then chiqim within the stock; every 100th cancelled), their
/// stock rows, 20 employees and 10 users.
pub fn write(path: &Path, products: u64, movements: u64) -> Result<()> {
    let _ = std::fs::remove_file(path);
    let bad = |e: rusqlite::Error| Error::Invalid(format!("{}: {e}", path.display()));
    let mut db = rusqlite::Connection::open(path).map_err(bad)?;
    db.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;").map_err(bad)?;
    db.execute_batch(SCHEMA).map_err(bad)?;
    let tx = db.transaction().map_err(bad)?;
    for i in 1..=10u64 {
        tx.execute(
            "INSERT INTO auth_user (password, is_superuser, username, last_name, email, is_staff, is_active, date_joined, first_name)
             VALUES ('pbkdf2_sha256$600000$benchsalt$AAAA', ?1, ?2, '', '', 0, 1, '2024-01-01 00:00:00', '')",
            rusqlite::params![i == 1, format!("user{i}")],
        )
        .map_err(bad)?;
        tx.execute("INSERT INTO auth_user_groups (user_id, group_id) VALUES (?1, ?2)", rusqlite::params![i, 1 + i % 3]).map_err(bad)?;
    }
    for i in 1..=20u64 {
        tx.execute("INSERT INTO sklad_xodim (fio, tabel_raqami, faol) VALUES (?1, ?2, 1)", rusqlite::params![format!("Xodim {i}"), format!("T-{i}")])
            .map_err(bad)?;
    }
    for i in 1..=200u64 {
        let parent = if i > 20 { Some(1 + i % 20) } else { None };
        tx.execute("INSERT INTO sklad_bolim (nomi, ota_id) VALUES (?1, ?2)", rusqlite::params![format!("Bo'lim {i}"), parent]).map_err(bad)?;
    }
    {
        let mut p = tx
            .prepare(
                "INSERT INTO sklad_tovar (artikul, nomi, shtrix_kod, min_qoldiq, faol, yaratilgan, bolim_id, olchov_id)
                 VALUES (?1, ?2, ?3, ?4, 1, '2024-01-01 00:00:00', ?5, ?6)",
            )
            .map_err(bad)?;
        for i in 1..=products {
            p.execute(rusqlite::params![format!("SK-{i:07}"), format!("Tovar {i}"), format!("47{i:011}"), (i % 7) as i64, 1 + i % 200, 1 + i % 4])
                .map_err(bad)?;
        }
    }
    let mut stock = vec![0i64; products as usize + 1];
    {
        let mut m = tx
            .prepare(
                "INSERT INTO sklad_harakat (turi, miqdor, izoh, vaqt, bekor_qilingan_id, foydalanuvchi_id, tovar_id, xodim_id)
                 VALUES (?1, ?2, '', ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(bad)?;
        let mut x: u64 = 88172645463325252;
        for i in 1..=movements {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let product = 1 + (x % products.max(1)) as usize;
            let t = format!("2024-{:02}-{:02} {:02}:{:02}:{:02}.000000", 1 + (i * 12 / movements.max(1)).min(11), 1 + i % 28, i % 24, i % 60, (i / 60) % 60);
            let (kind, q, reverses) = if i % 100 == 0 && stock[product] >= 1 {
                ("chiqim", 1, None::<i64>)
            } else if stock[product] > 5 && x % 3 == 0 {
                ("chiqim", 1 + (x % 5) as i64, None)
            } else {
                ("kirim", 1 + (x % 20) as i64, None)
            };
            stock[product] += if kind == "kirim" { q } else { -q };
            m.execute(rusqlite::params![kind, q, t, reverses, 1 + i % 10, product as i64, 1 + i % 20]).map_err(bad)?;
        }
    }
    {
        let mut s = tx.prepare("INSERT INTO sklad_qoldiq (miqdor, yangilangan, tovar_id) VALUES (?1, '2024-12-31 00:00:00', ?2)").map_err(bad)?;
        for (product, q) in stock.iter().enumerate().skip(1) {
            // Every 50th product's stock differs from its history: an opening balance each.
            s.execute(rusqlite::params![q + i64::from(product % 50 == 0), product as i64]).map_err(bad)?;
        }
    }
    tx.commit().map_err(bad)?;
    Ok(())
}
