//! Migrations against a real, throwaway PostgreSQL.

use models::testing::TestDb;

#[tokio::test]
async fn migrations_apply_from_empty_and_are_idempotent() {
    let db = TestDb::empty().await;
    let first = db.target.migrate().await.expect("migrate from empty");
    assert!(!first.applied.is_empty());
    assert_eq!(first.current, models::db::latest_migration());
    let second = db.target.migrate().await.expect("migrate again");
    assert!(second.applied.is_empty(), "nothing left to apply: {:?}", second.applied);
    assert_eq!(second.current, first.current);
}

#[tokio::test]
async fn a_failing_migration_leaves_the_database_as_it_was() {
    let db = TestDb::empty().await;
    // An object in the way of the first migration makes it fail half-way.
    let owner = db.owner_client().await;
    owner.batch_execute("CREATE TABLE installation (x int)").await.unwrap();
    let err = db.target.migrate().await.expect_err("must fail");
    assert!(err.to_string().contains("left as it was"), "{err}");
    let history: i64 =
        owner.query_one("SELECT count(*) FROM pg_tables WHERE tablename = 'refinery_schema_history'", &[]).await.unwrap().get(0);
    if history > 0 {
        let applied: i64 = owner.query_one("SELECT count(*) FROM refinery_schema_history", &[]).await.unwrap().get(0);
        assert_eq!(applied, 0, "no migration recorded as applied");
    }
    let cols: i64 =
        owner.query_one("SELECT count(*) FROM information_schema.columns WHERE table_name = 'installation'", &[]).await.unwrap().get(0);
    assert_eq!(cols, 1, "the pre-existing table is untouched");
}

#[tokio::test]
async fn the_app_role_is_not_the_owner() {
    let db = TestDb::new().await;
    let client = db.pool.get().await.expect("app connects");
    let user: String = client.query_one("SELECT current_user::text", &[]).await.unwrap().get(0);
    assert_eq!(user, "ombor_app");
    let err = client.batch_execute("CREATE TABLE sneaky (x int)").await.expect_err("app may not create tables");
    assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{err}");
    let err = client.batch_execute("DELETE FROM installation").await.expect_err("app may not delete");
    assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{err}");
}
