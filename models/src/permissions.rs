//! The role × action matrix, in one place on the program's side. The database holds the same
//! matrix (role_permissions) and checks it again inside every write; a test keeps both equal.

use serde::Serialize;
use tokio_postgres::GenericClient;

use crate::error::Result;
use crate::types::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ViewStock,
    ViewReports,
    ViewOwnHistory,
    PostMovement,
    ReverseMovement,
    ManageProducts,
    ManageUsers,
    ManageEmployees,
    EnrollFaces,
    Backup,
    Restore,
    Export,
    ViewAudit,
    /// Importing another system's database whole (`ombor import django`), opening balances included.
    Import,
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::ViewStock,
        Action::ViewReports,
        Action::ViewOwnHistory,
        Action::PostMovement,
        Action::ReverseMovement,
        Action::ManageProducts,
        Action::ManageUsers,
        Action::ManageEmployees,
        Action::EnrollFaces,
        Action::Backup,
        Action::Restore,
        Action::Export,
        Action::ViewAudit,
        Action::Import,
    ];

    /// The name used in role_permissions.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewStock => "view_stock",
            Action::ViewReports => "view_reports",
            Action::ViewOwnHistory => "view_own_history",
            Action::PostMovement => "post_movement",
            Action::ReverseMovement => "reverse_movement",
            Action::ManageProducts => "manage_products",
            Action::ManageUsers => "manage_users",
            Action::ManageEmployees => "manage_employees",
            Action::EnrollFaces => "enroll_faces",
            Action::Backup => "backup",
            Action::Restore => "restore",
            Action::Export => "export",
            Action::ViewAudit => "view_audit",
            Action::Import => "import",
        }
    }
}

/// May `role` do `action`? Admin: everything. Operator: the kiosk and its own history.
/// Viewer: read only.
pub fn allowed(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Admin => !matches!(action, ViewOwnHistory),
        Role::Operator => matches!(action, ViewStock | PostMovement | ViewOwnHistory),
        Role::Viewer => matches!(action, ViewStock | ViewReports | Export),
    }
}

/// Asks the database whether the acting session (set by session::begin) may do `action`;
/// raises Forbidden / SessionEnded otherwise. Returns the acting user's id.
pub async fn authorize(c: &impl GenericClient, action: Action) -> Result<i64> {
    Ok(c.query_one("SELECT ombor_require($1)", &[&action.as_str()]).await?.get(0))
}

/// The matrix as the database holds it (for the consistency test and `ombor doctor`).
pub async fn database_matrix(c: &impl GenericClient) -> Result<Vec<(Role, String)>> {
    let rows = c.query("SELECT role, action FROM role_permissions ORDER BY role, action", &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
