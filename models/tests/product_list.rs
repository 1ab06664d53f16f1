//! The product list (the admin tab, reports, exports, labels) against a real PostgreSQL: pages
//! and the whole list give exactly the products a reference query gives, in the same order.

use models::products::{self, ProductQuery};
use models::testing::{test_credential, TestDb};

/// 10,500 products: more than one of the whole list's 10,000-row pages. The active products at
/// places 9,981–10,020 get one name, so equal names straddle the page boundary and only the id
/// orders them. Every 97th is renamed "Same name", every 31st is inactive, every 13th has its
/// stock under min_stock.
async fn catalogue() -> TestDb {
    let db = TestDb::new().await;
    let owner = db.owner_client().await;
    models::bench::seed_catalogue(&owner, 10_500, &test_credential().0).await.unwrap();
    owner
        .batch_execute(
            "SET session_replication_role = replica;
             UPDATE products SET name = 'Same name' WHERE id % 97 = 0;
             UPDATE products SET active = false WHERE id % 31 = 0;
             UPDATE stock SET quantity = 0 WHERE product_id % 13 = 0;
             UPDATE products SET min_stock = 5 WHERE id % 13 = 0;
             WITH ordered AS (SELECT id, name, row_number() OVER (ORDER BY name, id) AS n FROM products WHERE active)
             UPDATE products SET name = (SELECT name FROM ordered WHERE n = 9981)
              WHERE id IN (SELECT id FROM ordered WHERE n BETWEEN 9981 AND 10020);
             SET session_replication_role = origin; ANALYZE;",
        )
        .await
        .unwrap();
    db
}

async fn reference(db: &TestDb, filter: &str) -> Vec<i64> {
    let sql = format!("SELECT p.id FROM products p JOIN stock s ON s.product_id = p.id WHERE {filter} ORDER BY p.name, p.id");
    db.owner_client().await.query(&sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect()
}

fn ids(list: &[models::Product]) -> Vec<i64> {
    list.iter().map(|p| p.id).collect()
}

#[tokio::test]
async fn the_whole_list_and_its_pages_match_the_reference_order() {
    let db = catalogue().await;
    let c = db.pool.get().await.unwrap();

    let active = reference(&db, "p.active").await;
    assert!(active.len() > 10_000, "more than one page: {}", active.len());
    let all = products::list_all(&**c, &ProductQuery::default(), usize::MAX).await.unwrap();
    assert_eq!(ids(&all), active, "every active product once, in (name, id) order");
    let last = all.last().unwrap();
    assert!(last.sku.starts_with("SKU-") && last.unit == "pcs" && last.category.is_some(), "whole cards: {last:?}");

    let with_inactive = products::list_all(&**c, &ProductQuery { include_inactive: true, ..Default::default() }, usize::MAX).await.unwrap();
    assert_eq!(ids(&with_inactive), reference(&db, "true").await);
    let capped = products::list_all(&**c, &ProductQuery::default(), 10_001).await.unwrap();
    assert_eq!(ids(&capped), active[..10_001].to_vec(), "at most `max`");

    // The tab's pages of 50, by offset, line up with the same order (around the ties, too).
    for offset in [0usize, 50, 9_950, 10_000, active.len() - 30] {
        let page = products::list(&**c, &ProductQuery { limit: 50, offset: offset as i64, ..Default::default() }).await.unwrap();
        let expected = &active[offset..(offset + 50).min(active.len())];
        assert_eq!(ids(&page), expected.to_vec(), "offset {offset}");
    }
}

#[tokio::test]
async fn filters_give_the_same_products_as_the_reference() {
    let db = catalogue().await;
    let c = db.pool.get().await.unwrap();
    let list = |q: ProductQuery| {
        let c = &c;
        async move { ids(&products::list_all(&***c, &q, usize::MAX).await.unwrap()) }
    };

    let low = list(ProductQuery { low_only: true, ..Default::default() }).await;
    assert_eq!(low, reference(&db, "p.active AND s.quantity < p.min_stock").await);
    assert!(!low.is_empty());

    let category: i64 = db.owner_client().await.query_one("SELECT min(id) + 7 FROM categories", &[]).await.unwrap().get(0);
    assert_eq!(
        list(ProductQuery { category_id: Some(category), ..Default::default() }).await,
        reference(&db, &format!("p.active AND p.category_id = {category}")).await
    );

    // A search matches the name, the SKU or the QR code, case-insensitively; % and _ are literal.
    assert_eq!(
        list(ProductQuery { search: Some("same NAME".into()), ..Default::default() }).await,
        reference(&db, "p.active AND p.name = 'Same name'").await
    );
    assert_eq!(
        list(ProductQuery { search: Some("sku-0001234".into()), ..Default::default() }).await,
        reference(&db, "p.active AND p.sku = 'SKU-0001234'").await
    );
    assert_eq!(list(ProductQuery { search: Some("QR-000500".into()), ..Default::default() }).await.len(), 10);
    assert!(list(ProductQuery { search: Some("100%".into()), ..Default::default() }).await.is_empty());
    assert!(list(ProductQuery { search: Some("_".into()), ..Default::default() }).await.is_empty());
}
