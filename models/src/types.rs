//! Domain types shared by actors and UI, mapped to PostgreSQL with postgres-types derives.

use chrono::{DateTime, Utc};
use postgres_types::{FromSql, ToSql};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ToSql, FromSql, Serialize, Deserialize)]
#[postgres(name = "user_role", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Operator,
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "operator" => Ok(Role::Operator),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!("unknown role `{other}` (admin, operator or viewer)")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ToSql, FromSql, Serialize, Deserialize)]
#[postgres(name = "movement_kind", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum MovementKind {
    In,
    Out,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::In => "in",
            MovementKind::Out => "out",
        }
    }
}

impl std::str::FromStr for MovementKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "in" => Ok(MovementKind::In),
            "out" => Ok(MovementKind::Out),
            other => Err(format!("unknown movement kind `{other}` (in or out)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Employee {
    pub id: i64,
    pub full_name: String,
    pub personnel_no: Option<String>,
    pub active: bool,
    pub face_enrolled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceVerification {
    pub id: i64,
    pub employee_id: i64,
    pub confidence: f64,
    pub station: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
}

/// What the kiosk shows after a scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub qr_code: String,
    pub name: String,
    pub category_id: Option<i64>,
    pub category: Option<String>,
    pub unit: String,
    pub unit_decimals: i16,
    pub min_stock: Decimal,
    pub stock: Decimal,
    pub active: bool,
    pub barcodes: Vec<String>,
}

impl Product {
    pub fn is_low(&self) -> bool {
        self.stock < self.min_stock
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Movement {
    pub id: i64,
    pub product_id: i64,
    pub kind: MovementKind,
    pub quantity: Decimal,
    /// None only for an imported movement whose old system named no employee.
    pub employee_id: Option<i64>,
    pub user_id: i64,
    pub verification_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub note: Option<String>,
    pub station: String,
    pub created_at: DateTime<Utc>,
    /// None: posted here. Imported: another system's history; Opening: an import's opening balance.
    pub origin: Option<MovementOrigin>,
}

/// Where a movement that was not posted at a station came from (V17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementOrigin {
    Imported,
    Opening,
}

impl MovementOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementOrigin::Imported => "imported",
            MovementOrigin::Opening => "opening",
        }
    }

    pub fn parse(s: &str) -> Option<MovementOrigin> {
        match s {
            "imported" => Some(MovementOrigin::Imported),
            "opening" => Some(MovementOrigin::Opening),
            _ => None,
        }
    }
}
