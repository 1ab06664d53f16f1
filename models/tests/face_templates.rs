//! The shared face model is written only through the permission-checked functions, and only
//! with an admin's session: an operator or a viewer is refused by the database itself, and no
//! session may write the tables directly.

use models::testing::{TestDb, TEST_STATION};
use models::{face_templates, session, Error, Role, SessionToken};

async fn save_as(db: &TestDb, who: &SessionToken, employee_id: i64) -> Result<i64, Error> {
    let mut c = db.pool.get().await.unwrap();
    let tx = session::begin(&mut c, Some(who)).await?;
    let v = face_templates::save(&*tx, employee_id, "sface", 4, &[0.5, 0.5, 0.5, 0.5], TEST_STATION).await?;
    tx.commit().await?;
    Ok(v)
}

async fn remove_as(db: &TestDb, who: &SessionToken, employee_id: i64) -> Result<bool, Error> {
    let mut c = db.pool.get().await.unwrap();
    let tx = session::begin(&mut c, Some(who)).await?;
    let removed = face_templates::remove(&*tx, employee_id, TEST_STATION).await?;
    tx.commit().await?;
    Ok(removed)
}

#[tokio::test]
async fn only_an_admin_writes_face_templates_and_nobody_writes_the_tables_directly() {
    let db = TestDb::new().await;
    let (employee, _) = db.verified_employee().await;
    let admin = db.session(Role::Admin).await;
    for role in [Role::Operator, Role::Viewer] {
        let who = db.session(role).await;
        let saved = save_as(&db, &who, employee).await;
        assert!(matches!(saved, Err(Error::Forbidden { .. })), "{role:?} saving: {saved:?}");
        let removed = remove_as(&db, &who, employee).await;
        assert!(matches!(removed, Err(Error::Forbidden { .. })), "{role:?} removing: {removed:?}");
    }
    let c = db.pool.get().await.unwrap();
    assert_eq!(face_templates::version(&**c).await.unwrap(), 0, "nothing was written");

    // The app role may read, never write, even with an admin's session open.
    let mut c = db.pool.get().await.unwrap();
    for sql in [
        "INSERT INTO face_templates (employee_id, backend, dims, data, station) VALUES ($1, 'sface', 1, '{1}', 'x')",
        "UPDATE face_templates SET data = '{1}' WHERE employee_id = $1",
        "DELETE FROM face_templates WHERE employee_id = $1",
        "UPDATE face_model_version SET version = version + $1",
    ] {
        let tx = session::begin(&mut c, Some(&admin)).await.unwrap();
        let refused = tx.execute(sql, &[&employee]).await.expect_err(sql);
        let code = refused.as_db_error().map(|e| e.code().clone());
        assert_eq!(code, Some(tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {refused:?}");
        drop(tx);
    }

    // The admin, through the function: saved, the version moves, and removed again.
    let version = save_as(&db, &admin, employee).await.unwrap();
    assert!(version > 0);
    let (_, stored) = face_templates::load(&**db.pool.get().await.unwrap()).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(remove_as(&db, &admin, employee).await.unwrap());
}
