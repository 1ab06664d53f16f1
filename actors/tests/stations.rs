//! What survives a server that dies while stations are posting: every movement a station was
//! told is saved is there, none that it was told failed, and none twice.

mod common;

use std::time::Duration;

use actors::ledger::{self, PostRequest};
use actors::session;
use common::session_settings;
use models::movements::new_request_id;
use models::products::NewProduct;
use models::testing::{TestDb, TEST_STATION};
use models::{Error, MovementKind, Role};
use rust_decimal::Decimal;

#[actix::test]
async fn a_request_id_posts_once_and_a_server_crash_loses_nothing() {
    let db = TestDb::new().await;
    session::create_user(&db.pool, TEST_STATION, None, "boss", "boss-password-1", Role::Admin).await.unwrap();
    let admin = session::login(&db.pool, &session_settings(), "boss", "boss-password-1").await.unwrap();
    let product = ledger::add_product(
        &db.pool,
        &admin,
        &NewProduct { sku: "S1".into(), qr_code: "QS1".into(), name: "Sement".into(), unit: "pcs".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let (employee_id, verification_id) = db.verified_employee().await;
    let req =
        PostRequest { product_id: product.id, kind: MovementKind::In, quantity: Decimal::ONE, employee_id, verification_id, note: None };

    // The same request id twice: one movement, the same answer.
    let id = new_request_id();
    let a = ledger::post_with_request_id(&db.pool, "dock", &admin, &req, &id, Duration::ZERO).await.unwrap();
    let b = ledger::post_with_request_id(&db.pool, "dock", &admin, &req, &id, Duration::ZERO).await.unwrap();
    assert_eq!(a.movement.id, b.movement.id);
    assert_eq!(b.product.stock, Decimal::ONE);
    let other = PostRequest { quantity: Decimal::TWO, ..req.clone() };
    let e = ledger::post_with_request_id(&db.pool, "dock", &admin, &other, &id, Duration::ZERO).await.unwrap_err();
    assert!(matches!(e, Error::Duplicate(_)), "a reused id for another movement is refused: {e:?}");
    // A fraction of a unit counted in whole pieces is refused by the database, nothing saved.
    let half = PostRequest { quantity: Decimal::new(15, 1), ..req.clone() };
    let e = ledger::post_with_request_id(&db.pool, "dock", &admin, &half, &new_request_id(), Duration::ZERO).await.unwrap_err();
    assert!(matches!(e, Error::InvalidQuantity(_)), "1.5 pcs: {e:?}");

    // 24 postings in flight while the server is killed and comes back 2 s later.
    let mut tasks = vec![];
    for i in 0..24u64 {
        let (pool, admin, req) = (db.pool.clone(), admin.clone(), req.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(i * 15)).await;
            let id = new_request_id();
            (id, ledger::post_with_request_id(&pool, "gate", &admin, &req, &id, Duration::from_secs(30)).await)
        }));
    }
    tokio::time::sleep(Duration::from_millis(120)).await;
    let cluster = db.cluster().expect("a throwaway cluster");
    cluster.crash().unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.start().unwrap();

    let owner = db.owner_client().await;
    let mut saved = 0;
    for t in tasks {
        let (id, result) = t.await.unwrap();
        let row = owner.query_opt("SELECT movement_id FROM movement_requests WHERE request_id = $1", &[&&id[..]]).await.unwrap();
        match result {
            Ok(posted) => {
                saved += 1;
                assert_eq!(row.map(|r| r.get::<_, i64>(0)), Some(posted.movement.id), "told saved: it is there");
            }
            Err(e) => assert!(row.is_none(), "told failed ({e}): it is not there"),
        }
    }
    assert_eq!(saved, 24, "the server came back within the retry window: every posting went through");
    let stock: Decimal = owner.query_one("SELECT quantity FROM stock WHERE product_id = $1", &[&product.id]).await.unwrap().get(0);
    assert_eq!(stock, Decimal::from(25), "the first one plus 24, none twice");
    let report = ledger::verify(&db.pool, &admin).await.unwrap();
    assert!(report.is_ok(), "{report:?}");
}
