//! Categories and the product import through the Ledger actor's messages (what the kiosk's
//! products tab sends), against a real PostgreSQL: an admin may, a viewer or operator is refused
//! by the actor — and by the database when the actor is fooled.

mod common;

use std::path::PathBuf;

use actix::{Actor, Addr};
use actors::ledger::{self, Ledger};
use actors::session::{self, AuthContext};
use common::session_settings;
use models::products::ProductQuery;
use models::testing::{TestDb, TEST_STATION};
use models::{Error, Role};

async fn admin(db: &TestDb) -> AuthContext {
    if let Ok(a) = session::login(&db.pool, &session_settings(), "boss", "boss-password-1").await {
        return a;
    }
    session::create_user(&db.pool, TEST_STATION, None, "boss", "boss-password-1", Role::Admin).await.unwrap();
    session::login(&db.pool, &session_settings(), "boss", "boss-password-1").await.unwrap()
}

async fn user(db: &TestDb, role: Role, name: &str) -> AuthContext {
    let boss = admin(db).await;
    session::create_user(&db.pool, TEST_STATION, Some(&boss), name, "a-good-password", role).await.unwrap();
    session::login(&db.pool, &session_settings(), name, "a-good-password").await.unwrap()
}

fn ledger(db: &TestDb) -> Addr<Ledger> {
    Ledger::new(db.pool.clone(), TEST_STATION.into()).start()
}

fn csv_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ombor-import-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

async fn product_count(db: &TestDb) -> i64 {
    db.owner_client().await.query_one("SELECT count(*) FROM products", &[]).await.unwrap().get(0)
}

#[actix::test]
async fn an_admin_adds_lists_and_renames_categories() {
    let db = TestDb::new().await;
    let l = ledger(&db);
    let boss = admin(&db).await;
    let tools = l.send(ledger::AddCategory { auth: boss.clone(), name: "  Asboblar ".into() }).await.unwrap().unwrap();
    assert_eq!(tools.name, "Asboblar", "trimmed");
    l.send(ledger::AddCategory { auth: boss.clone(), name: "Bo'yoqlar".into() }).await.unwrap().unwrap();
    let renamed =
        l.send(ledger::RenameCategory { auth: boss.clone(), category_id: tools.id, name: "Qo'l asboblari".into() }).await.unwrap().unwrap();
    assert_eq!((renamed.id, renamed.name.as_str()), (tools.id, "Qo'l asboblari"));
    let names: Vec<String> =
        l.send(ledger::Categories { auth: boss.clone() }).await.unwrap().unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, vec!["Bo'yoqlar", "Qo'l asboblari"]);

    // Names stay unique (case-insensitive), empty names and unknown ids are refused.
    let e = l.send(ledger::RenameCategory { auth: boss.clone(), category_id: tools.id, name: "BO'YOQLAR".into() }).await.unwrap();
    assert!(matches!(e, Err(Error::Duplicate(_))), "{e:?}");
    let e = l.send(ledger::AddCategory { auth: boss.clone(), name: "   ".into() }).await.unwrap();
    assert!(matches!(e, Err(Error::Invalid(_))), "{e:?}");
    let e = l.send(ledger::RenameCategory { auth: boss.clone(), category_id: 999_999, name: "X".into() }).await.unwrap();
    assert!(matches!(e, Err(Error::NotFound(_))), "{e:?}");

    // Everyone who may see stock may read the list.
    let viewer = user(&db, Role::Viewer, "viewer").await;
    assert_eq!(l.send(ledger::Categories { auth: viewer }).await.unwrap().unwrap().len(), 2);
}

#[actix::test]
async fn a_viewer_or_operator_may_not_change_categories_or_import() {
    let db = TestDb::new().await;
    let l = ledger(&db);
    let boss = admin(&db).await;
    let cat = l.send(ledger::AddCategory { auth: boss, name: "Asboblar".into() }).await.unwrap().unwrap();
    let file = csv_file("refused.csv", "sku,name\nR-1,Refused\n");
    for (role, name) in [(Role::Viewer, "viewer"), (Role::Operator, "operator")] {
        let who = user(&db, role, name).await;
        let add = l.send(ledger::AddCategory { auth: who.clone(), name: "Yangi".into() }).await.unwrap();
        assert!(matches!(add, Err(Error::Forbidden { .. })), "{role:?}: {add:?}");
        let rename = l.send(ledger::RenameCategory { auth: who.clone(), category_id: cat.id, name: "Boshqa".into() }).await.unwrap();
        assert!(matches!(rename, Err(Error::Forbidden { .. })), "{role:?}: {rename:?}");
        let import = l.send(ledger::ImportFile { auth: who.clone(), path: file.clone(), update: false }).await.unwrap();
        assert!(matches!(import, Err(Error::Forbidden { .. })), "{role:?}: {import:?}");

        // A context that claims Admin with this user's session: the database refuses instead.
        let forged = AuthContext { role: Role::Admin, ..who };
        let rename = l.send(ledger::RenameCategory { auth: forged.clone(), category_id: cat.id, name: "Boshqa".into() }).await.unwrap();
        assert!(matches!(rename, Err(Error::Forbidden { .. })), "the database refuses a {role:?}: {rename:?}");
        let import = l.send(ledger::ImportFile { auth: forged, path: file.clone(), update: false }).await.unwrap();
        assert!(matches!(import, Err(Error::Forbidden { .. })), "the database refuses a {role:?}: {import:?}");
    }
    assert_eq!(product_count(&db).await, 0);
    let names: Vec<String> = models::products::categories(&db.owner_client().await).await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, vec!["Asboblar"], "nothing changed");
}

#[actix::test]
async fn an_admin_imports_a_csv_file_all_rows_or_none() {
    let db = TestDb::new().await;
    let l = ledger(&db);
    let boss = admin(&db).await;
    let good = csv_file("good.csv", "sku;name;category;unit;min_stock\nG-1;Mix 1;Qurilish;kg;2,5\nG-2;Mix 2;Qurilish;;\n");
    let report = l.send(ledger::ImportFile { auth: boss.clone(), path: good.clone(), update: false }).await.unwrap().unwrap();
    assert_eq!((report.rows, report.inserted, report.categories_created), (2, 2, 1), "{report:?}");
    assert!(report.errors.is_empty());
    let list =
        l.send(ledger::Products { auth: boss.clone(), query: ProductQuery { search: Some("Mix".into()), ..Default::default() } }).await;
    let list = list.unwrap().unwrap();
    assert_eq!(
        list.iter().map(|p| (p.sku.as_str(), p.category.as_deref())).collect::<Vec<_>>(),
        vec![("G-1", Some("Qurilish")), ("G-2", Some("Qurilish"))]
    );

    // Again: the SKUs exist now; without `update` every row is refused by line and nothing changes.
    let again = l.send(ledger::ImportFile { auth: boss.clone(), path: good.clone(), update: false }).await.unwrap().unwrap();
    assert_eq!(again.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(again.inserted + again.updated, 0);
    let updated = l.send(ledger::ImportFile { auth: boss.clone(), path: good, update: true }).await.unwrap().unwrap();
    assert_eq!(updated.updated, 2, "{updated:?}");

    // One bad line refuses the whole file.
    let bad = csv_file("bad.csv", "sku,name,min_stock\nB-1,Fine,1\nB-2,,x\n");
    let report = l.send(ledger::ImportFile { auth: boss.clone(), path: bad, update: false }).await.unwrap().unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 3);
    assert_eq!(product_count(&db).await, 2, "nothing of the bad file was imported");

    // A file that is not there is a clear error, not a crash.
    let missing = l.send(ledger::ImportFile { auth: boss, path: "/nonexistent/x.csv".into(), update: false }).await.unwrap();
    assert!(matches!(missing, Err(Error::Invalid(_))), "{missing:?}");
}
