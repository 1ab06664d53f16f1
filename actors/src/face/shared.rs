//! The face model shared by every station through the database (V6): enrolment and removal
//! write the employee's templates there; each FaceRecognizer polls the model's version and, when
//! it moved, rebuilds its gallery and the local `model.yml` from the rows. `model.yml` stays the
//! station's cache: used while the server is unreachable, and what backups copy.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use deadpool_postgres::Pool;
use models::face_templates::{self, StoredTemplates};

use super::gallery::Gallery;
use super::Backend;
use crate::face_recognizer::FaceError;
use crate::session::AuthContext;

/// How often a station asks the server whether the face model changed (one tiny query).
pub const SHARED_MODEL_POLL: Duration = Duration::from_secs(2);

/// The gallery the rows describe (rows of a backend this program does not know are skipped).
pub(crate) fn gallery_from(rows: &[StoredTemplates]) -> Gallery {
    let mut g = Gallery::default();
    for r in rows {
        let Some(backend) = Backend::parse(&r.backend) else { continue };
        let dims = r.dims.max(1) as usize;
        let templates: Vec<Vec<f32>> = r.data.chunks(dims).filter(|c| c.len() == dims).map(<[f32]>::to_vec).collect();
        if !templates.is_empty() {
            g.set(backend, r.employee_id, templates);
        }
    }
    g
}

/// One employee's templates of every backend in `g`.
pub(crate) fn templates_of(g: &Gallery, employee_id: i64) -> Vec<(Backend, Vec<Vec<f32>>)> {
    g.templates.iter().filter_map(|(b, by_id)| by_id.get(&employee_id).map(|t| (*b, t.clone()))).collect()
}

/// The model when its version differs from `seen`: (version, gallery). None when unchanged, or
/// when the database never held a template (version 0) — a station upgraded from a local-only
/// model then keeps its model.yml until the first enrolment is shared.
pub(crate) async fn fetch_if_changed(pool: &Pool, seen: Option<i64>) -> Result<Option<(i64, Gallery)>, models::Error> {
    let c = pool.get().await?;
    let version = face_templates::version(&**c).await?;
    if version == 0 || Some(version) == seen {
        return Ok(None);
    }
    let (version, rows) = face_templates::load(&**c).await?;
    Ok(Some((version, gallery_from(&rows))))
}

/// Writes an enrolment for every station: the employee's templates and the employee's
/// "enrolled" mark, in one transaction of the user's session (needs `enroll_faces`).
pub(crate) async fn publish(
    pool: &Pool,
    auth: &AuthContext,
    station: &str,
    employee_id: i64,
    templates: &[(Backend, Vec<Vec<f32>>)],
) -> Result<i64, FaceError> {
    if templates.is_empty() {
        return Err(FaceError::NotReady(format!("employee {employee_id} has no face data in the local model to share")));
    }
    let mut c = pool.get().await.map_err(models::Error::from)?;
    let tx = models::session::begin(&mut c, Some(&auth.token)).await?;
    let mut version = 0;
    for (backend, rows) in templates {
        let dims = rows.first().map_or(0, Vec::len);
        let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        version = face_templates::save(&*tx, employee_id, backend.as_str(), dims as i32, &flat, station).await?;
    }
    models::employees::set_enrolled(&*tx, employee_id, true).await?;
    tx.commit().await.map_err(models::Error::from)?;
    Ok(version)
}

/// Removes the employee's face from the shared model; true when it was there.
pub(crate) async fn unpublish(pool: &Pool, auth: &AuthContext, station: &str, employee_id: i64) -> Result<bool, FaceError> {
    let mut c = pool.get().await.map_err(models::Error::from)?;
    let tx = models::session::begin(&mut c, Some(&auth.token)).await?;
    let removed = face_templates::remove(&*tx, employee_id, station).await?;
    tx.commit().await.map_err(models::Error::from)?;
    Ok(removed)
}

/// After an enrolment by a command (`ombor employee enroll`): shares what it wrote to the local
/// model.yml and marks the employee enrolled.
pub async fn publish_from_model(pool: &Pool, auth: &AuthContext, config: &models::Config, employee_id: i64) -> Result<i64, FaceError> {
    // A small file read by a one-shot command: blocking here is harmless.
    let g = Gallery::load(&config.face_model_path()).map_err(FaceError::NotReady)?;
    publish(pool, auth, &config.general.station, employee_id, &templates_of(&g, employee_id)).await
}

/// Before a command loads the face model: brings model.yml up to date with the shared model.
/// Returns the number of employees per backend written, or None when nothing was shared yet.
pub async fn refresh_model_file(pool: &Pool, config: &models::Config) -> Result<Option<BTreeMap<Backend, usize>>, FaceError> {
    let Some((_, g)) = fetch_if_changed(pool, None).await? else { return Ok(None) };
    save_cache(&g, &config.face_model_path())?;
    Ok(Some(g.templates.iter().map(|(b, m)| (*b, m.len())).collect()))
}

pub(crate) fn save_cache(g: &Gallery, path: &Path) -> Result<(), FaceError> {
    g.save(path).map_err(FaceError::NotReady)
}
