//! The kiosk's side of the face actors (Camera and FaceRecognizer), folded into one UI-level
//! enum so the face screen never depends on the actors' exact messages: this file is the only
//! place that knows them.

use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use actix::Addr;
use actors::camera::{Camera, CameraEvent, SubscribeCamera};
use actors::face_recognizer::{CancelVerification, FaceEvent, FaceRecognizer, StartEnrolment, StartVerification, SubscribeFace};
use actors::session::{AuthContext, Verification};
use actors::subscribers::forward_to_channel_on;
use actors::Handles;
use futures::channel::mpsc;
use futures::StreamExt;
use iced::Subscription;

use crate::widget::preview::{FaceRect, Preview};

#[derive(Debug, Clone)]
pub enum FaceUpdate {
    CameraConnected { width: u32, height: u32 },
    Frame(Preview),
    CameraUnavailable(actors::camera::CameraProblem),
    Progress { done: u32, needed: u32, hint: Option<Hint> },
    Verified(Verification),
    NotRecognised,
    Enrolled { employee_id: i64, frames: usize },
    Failed(actors::face_recognizer::FaceProblem),
}

/// What the person in front of the camera should change (translated by the face screen).
pub use actors::face_recognizer::FaceHint as Hint;

#[derive(Clone)]
pub struct FaceLink {
    handles: Handles,
}

impl FaceLink {
    pub fn new(handles: Handles) -> FaceLink {
        FaceLink { handles }
    }

    /// Whether a camera is configured at all (`camera.source` not empty).
    pub fn installed(&self) -> bool {
        self.handles.camera.is_some()
    }

    pub fn subscription(&self) -> Subscription<FaceUpdate> {
        let face = Subscription::run_with(Link(self.handles.clone()), face_events);
        match &self.handles.camera {
            Some(_) => Subscription::batch([face, Subscription::run_with(Link(self.handles.clone()), camera_events)]),
            None => face,
        }
    }

    pub fn start_verification(&self, auth: &AuthContext) {
        let msg = StartVerification { auth: auth.clone(), station: self.handles.config.general.station.clone() };
        let face = self.handles.face.clone();
        // The answer is only "started" or why not; the outcome comes as a FaceEvent.
        self.handles.arbiter.spawn(async move {
            match face.send(msg).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "face verification did not start"),
                Err(e) => tracing::warn!(error = %e, "face recognizer unreachable"),
            }
        });
    }

    /// Admin: take good frames of the employee standing at the camera into the face model.
    pub fn start_enrolment(&self, auth: &AuthContext, employee_id: i64) {
        let msg = StartEnrolment { auth: auth.clone(), employee_id };
        let face = self.handles.face.clone();
        self.handles.arbiter.spawn(async move {
            match face.send(msg).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "face enrolment did not start"),
                Err(e) => tracing::warn!(error = %e, "face recognizer unreachable"),
            }
        });
    }

    pub fn cancel(&self) {
        self.handles.face.do_send(CancelVerification);
    }
}

/// Keys a subscription by the actors it listens to.
struct Link(Handles);

impl Hash for Link {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.face.hash(state);
        self.0.camera.hash(state);
    }
}

fn face_events(link: &Link) -> impl futures::Stream<Item = FaceUpdate> + use<> {
    let (face, arbiter): (Addr<FaceRecognizer>, _) = (link.0.face.clone(), link.0.arbiter.clone());
    iced::stream::channel(32, async move |mut output| {
        let (tx, mut rx) = mpsc::channel(32);
        face.do_send(SubscribeFace(forward_to_channel_on(&arbiter, tx)));
        while let Some(event) = rx.next().await {
            if let Some(update) = from_face_event(event) {
                let _ = futures::SinkExt::send(&mut output, update).await;
            }
        }
    })
}

fn camera_events(link: &Link) -> impl futures::Stream<Item = FaceUpdate> + use<> {
    let (camera, arbiter): (Option<Addr<Camera>>, _) = (link.0.camera.clone(), link.0.arbiter.clone());
    iced::stream::channel(4, async move |mut output| {
        let Some(camera) = camera else { return };
        // Small: a slow window drops preview frames instead of queueing them.
        let (tx, mut rx) = mpsc::channel(2);
        camera.do_send(SubscribeCamera(forward_to_channel_on(&arbiter, tx)));
        while let Some(event) = rx.next().await {
            let _ = futures::SinkExt::send(&mut output, from_camera_event(event)).await;
        }
    })
}

pub fn from_camera_event(event: CameraEvent) -> FaceUpdate {
    match event {
        CameraEvent::Connected { width, height } => FaceUpdate::CameraConnected { width, height },
        CameraEvent::Unavailable(why) => FaceUpdate::CameraUnavailable(why),
        CameraEvent::Frame(f) => {
            // The actor gives the face as fractions of the frame; the preview draws pixels.
            let face = f.face.map(|b| FaceRect {
                x: b.x * f.width as f32,
                y: b.y * f.height as f32,
                width: b.width * f.width as f32,
                height: b.height * f.height as f32,
            });
            FaceUpdate::Frame(Preview::from_rgba(f.width, f.height, f.rgba, face))
        }
    }
}

pub fn from_face_event(event: FaceEvent) -> Option<FaceUpdate> {
    Some(match event {
        FaceEvent::Progress { done, needed, hint } => FaceUpdate::Progress { done: done as u32, needed: needed as u32, hint: Some(hint) },
        FaceEvent::Verified { verification, employee_name } => {
            // Database time says how long it holds; the kiosk counts down on its own clock.
            let left = (verification.expires_at - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO);
            FaceUpdate::Verified(Verification {
                employee_id: verification.employee_id,
                employee_name,
                verification_id: verification.id,
                expires_at: Instant::now() + left,
            })
        }
        FaceEvent::NotRecognised => FaceUpdate::NotRecognised,
        FaceEvent::Failed(why) => FaceUpdate::Failed(why),
        FaceEvent::Enrolled { employee_id, frames } => FaceUpdate::Enrolled { employee_id, frames },
    })
}
