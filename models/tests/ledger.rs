//! The ledger against a real PostgreSQL: every number it shows must be trustworthy.

use std::str::FromStr;
use std::time::Duration;

use models::movements::{self, PostMovement};
use models::products::{self, NewProduct};
use models::testing::{TestDb, TEST_STATION};
use models::{session, Error, MovementKind, Role, SessionToken};
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

async fn add_product(db: &TestDb, admin: &SessionToken, sku: &str, unit: &str) -> models::Product {
    let mut c = db.pool.get().await.unwrap();
    let tx = session::begin(&mut c, Some(admin)).await.unwrap();
    let p = products::add(
        &*tx,
        &NewProduct {
            sku: sku.into(),
            qr_code: format!("QR-{sku}"),
            name: format!("Product {sku}"),
            unit: unit.into(),
            min_stock: dec("5"),
            barcodes: vec![format!("478{sku}")],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    p
}

async fn post(
    db: &TestDb,
    who: &SessionToken,
    product: i64,
    kind: MovementKind,
    qty: &str,
    employee: i64,
    verification: i64,
) -> Result<models::Movement, Error> {
    let mut c = db.pool.get().await.unwrap();
    let tx = session::begin(&mut c, Some(who)).await?;
    let m = movements::post(
        &*tx,
        &PostMovement {
            product_id: product,
            kind,
            quantity: dec(qty),
            employee_id: employee,
            verification_id: verification,
            note: None,
            station: TEST_STATION.into(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

async fn count(db: &TestDb, table: &str) -> i64 {
    db.owner_client().await.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0)
}

async fn stock_of(db: &TestDb, product: i64) -> Decimal {
    let c = db.pool.get().await.unwrap();
    products::get(&**c, product).await.unwrap().stock
}

#[tokio::test]
async fn products_get_a_stock_row_and_scans_find_them() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let p = add_product(&db, &admin, "A1", "pcs").await;
    assert_eq!(p.stock, Decimal::ZERO);
    let c = db.pool.get().await.unwrap();
    for code in ["QR-A1", "A1", "478A1", "  QR-A1\r\n", "\u{1b}QR-A1\t"] {
        let found = products::lookup(&**c, code).await.unwrap();
        assert_eq!(found.map(|f| f.id), Some(p.id), "{code:?}");
    }
    let long = "9".repeat(10_000);
    for junk in [
        long.as_str(),
        "",
        "   ",
        "'; DROP TABLE products; --",
        "\0\u{1}\u{2}",
        "QR-A1' OR '1'='1",
        "ÿþ\u{fffd}",
        "QR\u{0}-A1",
        "QR-A1\u{0}x",
    ] {
        assert_eq!(products::lookup(&**c, junk).await.unwrap(), None, "{junk:?}");
    }
    assert_eq!(products::count(&**c).await.unwrap(), 1);
}

#[tokio::test]
async fn a_posting_is_committed_durably_even_on_a_server_that_commits_lazily() {
    // The test clusters run with synchronous_commit = off, like a server tuned for speed.
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let operator = db.session(Role::Operator).await;
    let (emp, ver) = db.verified_employee().await;
    let p = add_product(&db, &admin, "D1", "pcs").await;
    let mut c = db.pool.get().await.unwrap();
    let setting = |r: tokio_postgres::Row| r.get::<_, String>(0);
    assert_eq!(setting(c.query_one("SHOW synchronous_commit", &[]).await.unwrap()), "off");
    let tx = session::begin(&mut c, Some(&operator)).await.unwrap();
    let m = PostMovement {
        product_id: p.id,
        kind: MovementKind::In,
        quantity: dec("1"),
        employee_id: emp,
        verification_id: ver,
        note: None,
        station: TEST_STATION.into(),
    };
    movements::post(&*tx, &m).await.unwrap();
    assert_eq!(setting(tx.query_one("SHOW synchronous_commit", &[]).await.unwrap()), "on", "until this commit");
    tx.commit().await.unwrap();
    assert_eq!(setting(c.query_one("SHOW synchronous_commit", &[]).await.unwrap()), "off", "for that transaction only");
}

#[tokio::test]
async fn in_out_and_out_beyond_stock() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let operator = db.session(Role::Operator).await;
    let (emp, ver) = db.verified_employee().await;
    let p = add_product(&db, &admin, "B1", "kg").await;
    post(&db, &operator, p.id, MovementKind::In, "10.5", emp, ver).await.unwrap();
    let m = post(&db, &operator, p.id, MovementKind::Out, "3.25", emp, ver).await.unwrap();
    assert_eq!(m.quantity, dec("3.25"));
    assert_eq!(stock_of(&db, p.id).await, dec("7.25"));
    let err = post(&db, &operator, p.id, MovementKind::Out, "8", emp, ver).await.unwrap_err();
    assert_eq!(err, Error::InsufficientStock { available: dec("7.25") });
    assert!(err.to_string().contains("7.25 available"), "{err}");
    assert_eq!(count(&db, "movements").await, 2, "nothing written for the refused OUT");
    assert_eq!(stock_of(&db, p.id).await, dec("7.25"));
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_writes_nothing() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let operator = db.session(Role::Operator).await;
    let (emp, ver) = db.verified_employee().await;
    let pcs = add_product(&db, &admin, "C1", "pcs").await;
    let kg = add_product(&db, &admin, "C2", "kg").await;
    for (product, qty) in [
        (pcs.id, "0"),
        (pcs.id, "-1"),
        (pcs.id, "1.5"),
        (kg.id, "0.0001"),
        (pcs.id, "1000000000000"),
        (pcs.id, "79228162514264337593543950335"),
    ] {
        let err = post(&db, &operator, product, MovementKind::In, qty, emp, ver).await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuantity(_)), "{qty}: {err:?}");
    }
    assert!(matches!(post(&db, &operator, 999_999, MovementKind::In, "1", emp, ver).await.unwrap_err(), Error::NotFound(_)));
    // A verification of another employee, and an expired one.
    let other = {
        let mut c = db.pool.get().await.unwrap();
        let tx = session::begin(&mut c, Some(&admin)).await.unwrap();
        let e = models::employees::add(&*tx, "Other Worker", Some("E-2")).await.unwrap();
        tx.commit().await.unwrap();
        e.id
    };
    assert_eq!(post(&db, &operator, pcs.id, MovementKind::In, "1", other, ver).await.unwrap_err(), Error::NoFaceVerification);
    // A short-lived confirmation for a bare employee id: only the owner may still write one (V20).
    let short = {
        let owner = db.owner_client().await;
        models::employees::record_face_verification(&owner, emp, 0.9, TEST_STATION, Duration::from_millis(300)).await.unwrap()
    };
    post(&db, &operator, pcs.id, MovementKind::In, "1", emp, short.id).await.expect("valid while fresh");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(post(&db, &operator, pcs.id, MovementKind::In, "1", emp, short.id).await.unwrap_err(), Error::NoFaceVerification);
    assert_eq!(post(&db, &operator, pcs.id, MovementKind::In, "1", emp, 987_654).await.unwrap_err(), Error::NoFaceVerification);
    assert_eq!(count(&db, "movements").await, 1, "only the one valid movement");
    assert_eq!(stock_of(&db, pcs.id).await, dec("1"));
}

#[tokio::test]
async fn movements_are_append_only() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let (emp, ver) = db.verified_employee().await;
    let p = add_product(&db, &admin, "D1", "pcs").await;
    let m = post(&db, &admin, p.id, MovementKind::In, "5", emp, ver).await.unwrap();
    let c = db.pool.get().await.unwrap();
    for sql in [
        "UPDATE movements SET quantity = 50",
        "DELETE FROM movements",
        "TRUNCATE movements",
        "UPDATE stock SET quantity = 50",
        "INSERT INTO movements (product_id, kind, quantity, employee_id, user_id, station, hash) VALUES (1, 'in', 1, 1, 1, 'x', '\\x00')",
        "DELETE FROM audit_log",
    ] {
        let err = c.batch_execute(sql).await.expect_err(sql);
        assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {err}");
    }
    // Even the owner is stopped by the trigger.
    let owner = db.owner_client().await;
    for sql in ["UPDATE movements SET quantity = 50", "DELETE FROM movements", "TRUNCATE movements"] {
        let err = owner.batch_execute(sql).await.unwrap_err();
        assert_eq!(
            Error::from(err),
            Error::AppendOnly(format!("movements is append-only: {} refused", sql.split(' ').next().unwrap())),
            "{sql}"
        );
    }
    assert_eq!(movements::get(&**c, m.id).await.unwrap().quantity, dec("5"));
}

#[tokio::test]
async fn reversal_rules() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let operator = db.session(Role::Operator).await;
    let (emp, ver) = db.verified_employee().await;
    let p = add_product(&db, &admin, "E1", "pcs").await;
    let first_in = post(&db, &operator, p.id, MovementKind::In, "10", emp, ver).await.unwrap();
    let out = post(&db, &operator, p.id, MovementKind::Out, "4", emp, ver).await.unwrap();

    let reverse = |who: SessionToken, id: i64, reason: &'static str| {
        let db = &db;
        async move {
            let mut c = db.pool.get().await.unwrap();
            let tx = session::begin(&mut c, Some(&who)).await?;
            let r = movements::reverse(&*tx, id, reason, TEST_STATION).await?;
            tx.commit().await?;
            Ok::<_, Error>(r)
        }
    };
    // Only an admin.
    assert!(matches!(reverse(operator.clone(), out.id, "wrong product").await.unwrap_err(), Error::Forbidden { .. }));
    let viewer = db.session(Role::Viewer).await;
    assert!(matches!(reverse(viewer, out.id, "wrong product").await.unwrap_err(), Error::Forbidden { .. }));
    // With a reason.
    assert!(matches!(reverse(admin.clone(), out.id, "").await.unwrap_err(), Error::InvalidQuantity(_) | Error::Invalid(_)));
    let r = reverse(admin.clone(), out.id, "counted twice").await.unwrap();
    assert_eq!((r.kind, r.quantity, r.reverses_id), (MovementKind::In, dec("4"), Some(out.id)));
    assert_eq!(stock_of(&db, p.id).await, dec("10"));
    // At most once, and not a reversal of a reversal.
    assert!(matches!(reverse(admin.clone(), out.id, "again").await.unwrap_err(), Error::AlreadyReversed(_)));
    assert!(matches!(reverse(admin.clone(), r.id, "undo the undo").await.unwrap_err(), Error::AlreadyReversed(_)));
    // Never below zero: take 8 out, then reversing the 10 IN would leave -8.
    post(&db, &operator, p.id, MovementKind::Out, "8", emp, ver).await.unwrap();
    assert_eq!(reverse(admin.clone(), first_in.id, "never arrived").await.unwrap_err(), Error::InsufficientStock { available: dec("2") });
    let c = db.pool.get().await.unwrap();
    assert!(movements::verify(&**c).await.unwrap().is_ok());
    let audit: i64 = c.query_one("SELECT count(*) FROM audit_log WHERE action = 'movement.reverse'", &[]).await.unwrap().get(0);
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn verify_finds_a_movement_altered_behind_the_programs_back() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let (emp, ver) = db.verified_employee().await;
    let p = add_product(&db, &admin, "F1", "pcs").await;
    let q = add_product(&db, &admin, "F2", "pcs").await;
    let mut ids = vec![];
    for (prod, n) in [(p.id, "5"), (q.id, "3"), (p.id, "2"), (p.id, "1")] {
        ids.push(post(&db, &admin, prod, MovementKind::In, n, emp, ver).await.unwrap().id);
    }
    let c = db.pool.get().await.unwrap();
    let report = movements::verify(&**c).await.unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.movements, 4);
    // The owner switches triggers off and edits a quantity (and the stock, to hide it).
    let owner = db.owner_client().await;
    owner
        .batch_execute(&format!(
            "SET session_replication_role = replica; UPDATE movements SET quantity = 20 WHERE id = {}; UPDATE stock SET quantity = quantity + 18 WHERE product_id = {}; SET session_replication_role = origin;",
            ids[2], p.id
        ))
        .await
        .unwrap();
    let report = movements::verify(&**c).await.unwrap();
    let broken = report.first_broken_link.expect("detected");
    assert_eq!((broken.movement_id, broken.problem.as_str()), (ids[2], "hash"));
    // A deleted movement breaks the link of the next one.
    let db2 = TestDb::new().await;
    let admin2 = db2.session(Role::Admin).await;
    let (emp2, ver2) = db2.verified_employee().await;
    let p2 = add_product(&db2, &admin2, "G1", "pcs").await;
    let mut ids2 = vec![];
    for n in ["1", "2", "3"] {
        ids2.push(post(&db2, &admin2, p2.id, MovementKind::In, n, emp2, ver2).await.unwrap().id);
    }
    db2.owner_client()
        .await
        .batch_execute(&format!(
            "SET session_replication_role = replica; DELETE FROM movements WHERE id = {}; SET session_replication_role = origin;",
            ids2[1]
        ))
        .await
        .unwrap();
    let c2 = db2.pool.get().await.unwrap();
    let report = movements::verify(&**c2).await.unwrap();
    assert_eq!(report.first_broken_link.map(|b| (b.movement_id, b.problem)), Some((ids2[2], "link".to_string())));
    assert_eq!(report.stock_mismatches.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_posting_never_breaks_the_invariants() {
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let operator = db.session(Role::Operator).await;
    let (emp, ver) = db.verified_employee().await;
    let mut ids = vec![];
    for i in 0..10 {
        ids.push(add_product(&db, &admin, &format!("H{i}"), "pcs").await.id);
    }
    let mut tasks = vec![];
    for t in 0..8u64 {
        let pool = db.pool.clone();
        let ids = ids.clone();
        let token = operator.clone();
        tasks.push(tokio::spawn(async move {
            // A small deterministic generator per task: no shared RNG, reproducible runs.
            let mut x = 0x9E3779B97F4A7C15u64 ^ (t + 1);
            let (mut ok, mut refused) = (0u32, 0u32);
            for _ in 0..1000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let product = ids[(x % 10) as usize];
                let kind = if (x >> 8) % 2 == 0 { MovementKind::In } else { MovementKind::Out };
                let qty = Decimal::from((x >> 16) % 5 + 1);
                let mut c = pool.get().await.unwrap();
                let tx = session::begin(&mut c, Some(&token)).await.unwrap();
                let r = movements::post(
                    &*tx,
                    &PostMovement {
                        product_id: product,
                        kind,
                        quantity: qty,
                        employee_id: emp,
                        verification_id: ver,
                        note: None,
                        station: "s".into(),
                    },
                )
                .await;
                match r {
                    Ok(_) => {
                        tx.commit().await.unwrap();
                        ok += 1;
                    }
                    Err(Error::InsufficientStock { .. }) => refused += 1,
                    Err(e) => panic!("unexpected error: {e:?}"),
                }
            }
            (ok, refused)
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        let (o, r) = t.await.unwrap();
        ok += o;
        refused += r;
    }
    assert_eq!(ok + refused, 8000);
    assert!(refused > 0, "the mix must hit empty stock sometimes");
    assert_eq!(count(&db, "movements").await, ok as i64, "every refused OUT wrote nothing");
    let c = db.pool.get().await.unwrap();
    let report = movements::verify(&**c).await.unwrap();
    assert!(report.is_ok(), "{report:?}");
    let negative: i64 = c.query_one("SELECT count(*) FROM stock WHERE quantity < 0", &[]).await.unwrap().get(0);
    assert_eq!(negative, 0);
}

/// History rewritten by someone with the owner's login, each way issue 18 names: the chain stays
/// self-consistent (the SQL check said "intact"), but the program recomputes every hash itself
/// and compares the heads with the last anchor, so each rewrite is named.
#[tokio::test]
async fn verify_names_every_owner_rewrite_since_the_last_anchor() {
    use models::chain::Anchor;
    let db = TestDb::new().await;
    let admin = db.session(Role::Admin).await;
    let (emp, ver) = db.verified_employee().await;
    let cut = add_product(&db, &admin, "CUT", "pcs").await;
    let edited = add_product(&db, &admin, "EDIT", "pcs").await;
    let erased = add_product(&db, &admin, "ERASE", "pcs").await;
    let forged = add_product(&db, &admin, "FORGE", "pcs").await;
    let mut last = std::collections::HashMap::new();
    for p in [&cut, &edited, &erased, &forged] {
        for n in ["5", "3", "2"] {
            last.insert(p.id, post(&db, &admin, p.id, MovementKind::In, n, emp, ver).await.unwrap());
        }
    }
    let c = db.pool.get().await.unwrap();
    let clean = movements::verify(&**c).await.unwrap();
    assert!(clean.is_ok(), "{clean:?}");
    let anchor = Anchor::parse(&clean.anchor().to_text()).unwrap();
    assert_eq!(anchor.heads.len(), 4);
    let again = movements::verify_against(&**c, Some(&anchor)).await.unwrap();
    assert!(again.is_ok());
    assert_eq!(again.since_anchor.as_ref().map(|s| (s.lost_count, s.added)), Some((0, 0)));

    // Rechains a product's movements from `from_id` on with the database's own function, and
    // points its stock row at the new head: the old SQL check then found nothing.
    let rechain = |product: i64| {
        format!(
            "DO $$ DECLARE m movements; prev bytea := NULL; BEGIN
               FOR m IN SELECT * FROM movements WHERE product_id = {product} ORDER BY id LOOP
                 m.prev_hash := prev; m.hash := movement_hash(m);
                 UPDATE movements SET prev_hash = m.prev_hash, hash = m.hash WHERE id = m.id;
                 prev := m.hash;
               END LOOP;
               UPDATE stock s SET last_hash = prev,
                   last_movement_id = (SELECT max(id) FROM movements WHERE product_id = {product}),
                   quantity = (SELECT coalesce(sum(CASE kind WHEN 'in' THEN quantity ELSE -quantity END), 0) FROM movements WHERE product_id = {product})
                WHERE s.product_id = {product};
             END $$;"
        )
    };
    let owner = db.owner_client().await;
    let replica = |sql: String| format!("SET session_replication_role = replica; {sql} SET session_replication_role = origin;");
    // 1. The tail of a chain cut and its head moved back.
    owner.batch_execute(&replica(format!("DELETE FROM movements WHERE id = {}; {}", last[&cut.id].id, rechain(cut.id)))).await.unwrap();
    // 2. A movement changed and every later hash recomputed.
    owner
        .batch_execute(&replica(format!(
            "UPDATE movements SET quantity = 50 WHERE id = (SELECT min(id) FROM movements WHERE product_id = {}); {}",
            edited.id,
            rechain(edited.id)
        )))
        .await
        .unwrap();
    // 3. A product's whole history erased and its stock reset.
    owner
        .batch_execute(&replica(format!(
            "DELETE FROM movements WHERE product_id = {0}; UPDATE stock SET quantity = 0, last_hash = NULL, last_movement_id = NULL WHERE product_id = {0};",
            erased.id
        )))
        .await
        .unwrap();
    // 4. A forged OUT appended with a correctly chained hash.
    owner
        .batch_execute(&replica(format!(
            "DO $$ DECLARE m movements; BEGIN
               SELECT * INTO m FROM movements WHERE id = {head};
               m.id := nextval('movements_id_seq'); m.kind := 'out'; m.quantity := 4; m.prev_hash := m.hash;
               m.created_at := now(); m.hash := movement_hash(m);
               INSERT INTO movements SELECT m.*;
               UPDATE stock SET quantity = quantity - 4, last_hash = m.hash, last_movement_id = m.id WHERE product_id = {p};
             END $$;",
            head = last[&forged.id].id,
            p = forged.id
        )))
        .await
        .unwrap();
    let forged_id: i64 = owner.query_one("SELECT max(id) FROM movements WHERE product_id = $1", &[&forged.id]).await.unwrap().get(0);
    // The self-consistency checks alone see nothing: that is why the anchor exists.
    let alone = movements::verify(&**c).await.unwrap();
    assert!(alone.first_broken_link.is_none() && alone.stock_mismatches.is_empty(), "{alone:?}");

    let report = movements::verify_against(&**c, Some(&anchor)).await.unwrap();
    assert!(!report.is_ok());
    let since = report.since_anchor.clone().unwrap();
    let lost: Vec<(i64, &str)> = since.lost.iter().map(|l| (l.product_id, l.problem.as_str())).collect();
    assert!(lost.contains(&(cut.id, "gone")), "cut tail named: {lost:?}");
    assert!(lost.contains(&(edited.id, "changed")), "rewritten movement named: {lost:?}");
    assert!(lost.contains(&(erased.id, "gone")), "erased history named: {lost:?}");
    assert_eq!(since.lost_count, 3, "{lost:?}");
    assert_eq!(since.added, 1);
    assert_eq!((since.added_first[0].movement_id, since.added_first[0].kind.as_str()), (forged_id, "out"), "the forged OUT named");

    // 5. movement_hash() replaced by one that would bless any edit: named, and the rows it
    //    blesses fail the program's own recomputation.
    owner
        .batch_execute(&replica(format!(
            "CREATE OR REPLACE FUNCTION movement_hash(m movements) RETURNS bytea LANGUAGE sql IMMUTABLE AS $f$ SELECT sha256(convert_to(m.id::text, 'UTF8')) $f$;
             UPDATE movements SET quantity = 99 WHERE id = {0}; UPDATE movements SET hash = movement_hash(movements) WHERE id = {0};",
            last[&edited.id].id
        )))
        .await
        .unwrap();
    let report = movements::verify_against(&**c, Some(&anchor)).await.unwrap();
    assert!(report.hash_function_replaced);
    assert!(report.broken_links.iter().any(|b| b.movement_id == last[&edited.id].id && b.problem == "hash"), "{report:?}");
}
