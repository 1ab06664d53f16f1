//! What the kiosk knows about its surroundings — the database, the camera, the last backup and
//! the last scan — as values, so that their words follow a language switch. Screens draw them;
//! i18n words them; neither owns them.

use actors::camera::CameraProblem;

use crate::i18n::Text;

#[derive(Debug, Clone, PartialEq)]
pub enum LastScan {
    None,
    /// A code no product has.
    Unknown(String),
    Garbled(Text),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    Checking,
    Ok,
    /// Broken, and why: kept as a value so that its words follow a language switch.
    Down(Problem),
}

/// Why the database or the camera is down.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Database(models::Error),
    Camera(CameraProblem),
    /// This build has no camera support at all.
    CameraNotInstalled,
}

/// What the status line of the lock screen reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemStatus {
    pub database: Health,
    pub camera: Health,
    /// The last backup's time and result, already phrased; `None` = not known in this build.
    pub last_backup: Option<String>,
}
