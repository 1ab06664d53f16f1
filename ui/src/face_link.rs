//! The kiosk's side of the face actors (Camera and FaceRecognizer), folded into one UI-level
//! enum, so the face screen never depends on the actors' exact messages.
//!
//! ADAPTER — the Camera and FaceRecognizer actors are written on branch `face`. Until they are
//! merged, `FaceLink` has no camera: it reports the camera as missing (movements are then
//! blocked unless the Session already holds a face confirmation) and cannot start a
//! verification. Wiring them is this file only: subscribe in `subscription`, send in
//! `start_verification` / `cancel`, and map `CameraEvent`/`FaceEvent` to `FaceUpdate`.

use actors::session::{AuthContext, Verification};
use actors::Handles;
use iced::Subscription;

use crate::widget::preview::Preview;

#[derive(Debug, Clone)]
pub enum FaceUpdate {
    CameraConnected { width: u32, height: u32 },
    Frame(Preview),
    CameraUnavailable(String),
    Progress { done: u32, needed: u32, hint: Option<String> },
    Verified(Verification),
    NotRecognised,
    Failed(String),
}

/// Why the camera cannot be used before any event arrived.
pub const NOT_INSTALLED: &str = "the face recognition module is not installed in this build";

#[derive(Clone)]
pub struct FaceLink {
    #[allow(dead_code)]
    handles: Handles,
}

impl FaceLink {
    pub fn new(handles: Handles) -> FaceLink {
        FaceLink { handles }
    }

    /// Whether this build has face actors at all.
    pub fn installed(&self) -> bool {
        false
    }

    pub fn subscription(&self) -> Subscription<FaceUpdate> {
        Subscription::none()
    }

    pub fn start_verification(&self, _auth: &AuthContext) {}

    pub fn cancel(&self) {}
}
