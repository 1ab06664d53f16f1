//! The people on the floor: who carries goods in and out, confirmed by face.

use tokio_postgres::GenericClient;
use tokio_postgres::Row;

use crate::error::{Error, Result};
use crate::types::{Employee, FaceVerification};

const COLUMNS: &str = "id, full_name, personnel_no, active, face_enrolled_at, created_at";

fn from_row(r: &Row) -> Employee {
    Employee {
        id: r.get(0),
        full_name: r.get(1),
        personnel_no: r.get(2),
        active: r.get(3),
        face_enrolled_at: r.get(4),
        created_at: r.get(5),
    }
}

/// Needs a session with manage_employees (checked by the database).
pub async fn add(c: &impl GenericClient, full_name: &str, personnel_no: Option<&str>) -> Result<Employee> {
    let row = c
        .query_one(
            &format!("INSERT INTO employees (full_name, personnel_no) VALUES (btrim($1), nullif(btrim($2), '')) RETURNING {COLUMNS}"),
            &[&full_name, &personnel_no],
        )
        .await?;
    Ok(from_row(&row))
}

pub async fn get(c: &impl GenericClient, id: i64) -> Result<Employee> {
    c.query_opt(&format!("SELECT {COLUMNS} FROM employees WHERE id = $1"), &[&id])
        .await?
        .map(|r| from_row(&r))
        .ok_or_else(|| Error::NotFound(format!("employee {id}")))
}

pub async fn list(c: &impl GenericClient, include_inactive: bool) -> Result<Vec<Employee>> {
    let rows = c.query(&format!("SELECT {COLUMNS} FROM employees WHERE active OR $1 ORDER BY full_name, id"), &[&include_inactive]).await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Needs manage_employees. The face model must drop the employee too (the recognizer does).
pub async fn deactivate(c: &impl GenericClient, id: i64) -> Result<Employee> {
    c.query_opt(&format!("UPDATE employees SET active = false, deactivated_at = now() WHERE id = $1 RETURNING {COLUMNS}"), &[&id])
        .await?
        .map(|r| from_row(&r))
        .ok_or_else(|| Error::NotFound(format!("employee {id}")))
}

/// Records that the employee's face is in the model (or no longer is, with `enrolled = false`).
pub async fn set_enrolled(c: &impl GenericClient, id: i64, enrolled: bool) -> Result<()> {
    let n =
        c.execute("UPDATE employees SET face_enrolled_at = CASE WHEN $2 THEN now() ELSE NULL END WHERE id = $1", &[&id, &enrolled]).await?;
    if n == 0 {
        return Err(Error::NotFound(format!("employee {id}")));
    }
    Ok(())
}

/// The length of an SFace embedding, what `face_verify` compares.
pub const SFACE_DIMS: usize = 128;

/// The station's SFace embedding of the face in front of it: the database compares it with
/// every active employee's stored templates and, when one is close enough (and not a copy of a
/// template), records a verification valid for exactly 5 minutes by its own clock, naming the
/// employee itself. Needs a session that may post (set on `c`, a transaction the caller
/// commits: the try is counted and audited either way). `None`: refused — not recognised, a
/// replayed template, a bad embedding or too many tries; the same answer for all (the reason
/// is in the audit log).
pub async fn face_verify(c: &impl GenericClient, embedding: &[f32], station: &str) -> Result<Option<FaceVerification>> {
    let r = c
        .query_one("SELECT id, employee_id, confidence, station, created_at, expires_at FROM face_verify($1, $2)", &[&embedding, &station])
        .await?;
    Ok(r.get::<_, Option<i64>>(0).map(|id| FaceVerification {
        id,
        employee_id: r.get(1),
        confidence: r.get(2),
        station: r.get(3),
        created_at: r.get(4),
        expires_at: r.get(5),
    }))
}

/// What the database's face check decides with (owner-only settings, readable through
/// `face_policy()`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FacePolicy {
    pub threshold: f64,
    pub replay_limit: f64,
    pub tries_per_minute: i32,
    pub validity_secs: i64,
}

pub async fn face_policy(c: &impl GenericClient) -> Result<FacePolicy> {
    let r = c
        .query_one("SELECT threshold, replay_limit, tries_per_minute, extract(epoch FROM validity)::bigint FROM face_policy()", &[])
        .await?;
    Ok(FacePolicy { threshold: r.get(0), replay_limit: r.get(1), tries_per_minute: r.get(2), validity_secs: r.get(3) })
}

/// A face verification for a bare employee id, valid for `ttl`: the OWNER's only (seeds,
/// tests, the bench — V20 took it from the application's role; stations use [`face_verify`]).
pub async fn record_face_verification(
    c: &impl GenericClient,
    employee_id: i64,
    confidence: f64,
    station: &str,
    ttl: std::time::Duration,
) -> Result<FaceVerification> {
    let r = c
        .query_one(
            "SELECT id, employee_id, confidence, station, created_at, expires_at FROM record_face_verification($1, $2, $3, $4::text::interval)",
            &[&employee_id, &confidence, &station, &format!("{} milliseconds", ttl.as_millis())],
        )
        .await?;
    Ok(FaceVerification {
        id: r.get(0),
        employee_id: r.get(1),
        confidence: r.get(2),
        station: r.get(3),
        created_at: r.get(4),
        expires_at: r.get(5),
    })
}
