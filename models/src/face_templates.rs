//! The shared face model: per-employee templates (numbers only) and the model's version, which
//! every station polls to know when to rebuild its gallery. Writes go through the checked
//! functions of V6 (`enroll_faces`); a deactivation removes the employee's rows by trigger.

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use crate::Result;

/// One employee's templates of one backend: `data` is `data.len() / dims` rows of `dims` numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTemplates {
    pub employee_id: i64,
    pub backend: String,
    pub dims: i32,
    pub data: Vec<f32>,
    pub station: String,
    pub updated_at: DateTime<Utc>,
}

/// The model's version: grows with every committed change of the templates (0: never any).
pub async fn version(c: &impl GenericClient) -> Result<i64> {
    Ok(c.query_one("SELECT version FROM face_model_version", &[]).await?.get(0))
}

/// The version and every employee's templates, read in one snapshot.
pub async fn load(c: &impl GenericClient) -> Result<(i64, Vec<StoredTemplates>)> {
    let rows = c
        .query(
            "SELECT v.version, t.employee_id, t.backend, t.dims, t.data, t.station, t.updated_at \
             FROM face_model_version v LEFT JOIN face_templates t ON true ORDER BY t.employee_id, t.backend",
            &[],
        )
        .await?;
    let version = rows.first().map_or(0, |r| r.get(0));
    let templates = rows
        .iter()
        .filter(|r| r.get::<_, Option<i64>>(1).is_some())
        .map(|r| StoredTemplates {
            employee_id: r.get(1),
            backend: r.get(2),
            dims: r.get(3),
            data: r.get(4),
            station: r.get(5),
            updated_at: r.get(6),
        })
        .collect();
    Ok((version, templates))
}

/// Replaces one employee's templates of one backend (needs a session that may enrol faces).
/// Returns the model's new version.
pub async fn save(c: &impl GenericClient, employee_id: i64, backend: &str, dims: i32, data: &[f32], station: &str) -> Result<i64> {
    let data = data.to_vec();
    Ok(c.query_one("SELECT face_templates_save($1, $2, $3, $4, $5)", &[&employee_id, &backend, &dims, &data, &station]).await?.get(0))
}

/// Removes every template of the employee; true when there were some.
pub async fn remove(c: &impl GenericClient, employee_id: i64, station: &str) -> Result<bool> {
    Ok(c.query_one("SELECT face_templates_remove($1, $2)", &[&employee_id, &station]).await?.get(0))
}
