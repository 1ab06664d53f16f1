//! FaceRecognizer actor: detects the face in camera frames, checks its quality, enrols
//! employees into the numeric model file (`model.yml`, embeddings only — never images) and
//! verifies who stands at the kiosk, recording a face_verifications row on success.
//!
//! The detector and recognizer run on a worker thread of their own; the mailbox only routes
//! messages and talks to the database.

use std::path::PathBuf;

use actix::prelude::*;
use deadpool_postgres::Pool;

use crate::camera::{Camera, LatestFrame};
use crate::session::AuthContext;

/// Why a frame was or was not good enough (shown to the person in front of the camera).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceHint {
    NoFace,
    TwoFaces,
    TooSmall,
    TooDark,
    Blurry,
    Good,
}

#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub enum FaceEvent {
    /// Enrolment: `done` good frames of `needed`; verification: `done` agreeing frames of `needed`.
    Progress {
        done: usize,
        needed: usize,
        hint: FaceHint,
    },
    /// The face was confirmed and recorded; movements may use `verification.id` until it expires.
    Verified {
        verification: models::FaceVerification,
        employee_name: String,
    },
    /// No enrolled employee matched in time.
    NotRecognised,
    Enrolled {
        employee_id: i64,
        frames: usize,
    },
    /// Something is wrong that the person cannot fix by moving (no camera, no model, database).
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    #[error("no camera: {0}")]
    NoCamera(String),
    #[error("the face recognizer is not ready: {0}")]
    NotReady(String),
    #[error("{0}")]
    Image(String),
    #[error("not enough good photos: {accepted} accepted, at least {needed} needed ({rejected})")]
    NotEnoughPhotos { accepted: usize, needed: usize, rejected: String },
    #[error("employee {0} is not active")]
    InactiveEmployee(i64),
    #[error("the face recognizer is busy with another enrolment or verification")]
    Busy,
    #[error(transparent)]
    Database(#[from] models::Error),
}

/// Receive `FaceEvent`s until the recipient goes away.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeFace(pub Recipient<FaceEvent>);

/// Look at the camera until one enrolled employee is confirmed (→ `Verified`) or the time is up
/// (→ `NotRecognised`). `auth` is the kiosk's current login (the movement's user).
#[derive(Message)]
#[rtype(result = "Result<(), FaceError>")]
pub struct StartVerification {
    pub auth: AuthContext,
    pub station: String,
}

/// Stops a running verification or enrolment (nothing is recorded).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CancelVerification;

/// Takes `face.enroll_frames` good frames from the camera and adds the employee to the model
/// (others are untouched). Needs an admin (enroll_faces).
#[derive(Message)]
#[rtype(result = "Result<(), FaceError>")]
pub struct StartEnrolment {
    pub auth: AuthContext,
    pub employee_id: i64,
}

/// Removes the employee's face data from the model file itself (after a deactivation).
#[derive(Message)]
#[rtype(result = "Result<bool, FaceError>")]
pub struct RemoveEmployee {
    pub auth: AuthContext,
    pub employee_id: i64,
}

/// Who is on this photo (for the CLI); nothing is recorded.
#[derive(Message)]
#[rtype(result = "Result<Identification, FaceError>")]
pub struct IdentifyImage {
    pub path: PathBuf,
}

/// The answer for one photo or frame.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Identification {
    pub hint: FaceHint,
    /// The best-matching enrolled employee that passed the threshold; None = unknown.
    pub employee_id: Option<i64>,
    pub employee_name: Option<String>,
    /// sface: cosine similarity (higher is surer); lbph: distance (lower is surer).
    pub confidence: Option<f64>,
    pub backend: String,
}

pub struct FaceRecognizer {
    pool: Pool,
    config: models::Config,
    camera: Option<(Addr<Camera>, std::sync::Arc<LatestFrame>)>,
    subscribers: Vec<Recipient<FaceEvent>>,
}

impl FaceRecognizer {
    /// `camera` None: no camera configured; enrolment and verification then fail clearly.
    pub fn new(pool: Pool, config: models::Config, camera: Option<(Addr<Camera>, std::sync::Arc<LatestFrame>)>) -> Self {
        FaceRecognizer { pool, config, camera, subscribers: Vec::new() }
    }

    fn publish(&mut self, event: FaceEvent) {
        self.subscribers.retain(|r| r.connected());
        for r in &self.subscribers {
            r.do_send(event.clone());
        }
    }
}

impl Actor for FaceRecognizer {
    type Context = Context<Self>;
}

impl Handler<SubscribeFace> for FaceRecognizer {
    type Result = ();
    fn handle(&mut self, msg: SubscribeFace, _: &mut Context<Self>) {
        self.subscribers.push(msg.0);
    }
}

impl Handler<StartVerification> for FaceRecognizer {
    type Result = Result<(), FaceError>;
    fn handle(&mut self, _: StartVerification, _: &mut Context<Self>) -> Self::Result {
        let _ = (&self.pool, &self.config, &self.camera);
        self.publish(FaceEvent::Failed("face verification is not implemented yet".into()));
        Err(FaceError::NotReady("not implemented yet".into()))
    }
}

impl Handler<CancelVerification> for FaceRecognizer {
    type Result = ();
    fn handle(&mut self, _: CancelVerification, _: &mut Context<Self>) {}
}

impl Handler<StartEnrolment> for FaceRecognizer {
    type Result = Result<(), FaceError>;
    fn handle(&mut self, _: StartEnrolment, _: &mut Context<Self>) -> Self::Result {
        Err(FaceError::NotReady("not implemented yet".into()))
    }
}

impl Handler<RemoveEmployee> for FaceRecognizer {
    type Result = Result<bool, FaceError>;
    fn handle(&mut self, _: RemoveEmployee, _: &mut Context<Self>) -> Self::Result {
        Err(FaceError::NotReady("not implemented yet".into()))
    }
}

impl Handler<IdentifyImage> for FaceRecognizer {
    type Result = Result<Identification, FaceError>;
    fn handle(&mut self, _: IdentifyImage, _: &mut Context<Self>) -> Self::Result {
        Err(FaceError::NotReady("not implemented yet".into()))
    }
}
