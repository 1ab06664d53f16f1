//! FaceRecognizer actor: detects the face in camera frames, checks its quality, enrols
//! employees into the numeric model file (`model.yml`, embeddings only — never images) and
//! verifies who stands at the kiosk. The station's own gallery match is only a pre-check: the
//! SFace embedding of the face goes to the database's `face_verify`, which names the employee
//! and records the verification (a bare employee id is never enough, V20). LBPH cannot give an
//! SFace embedding, so an LBPH station recognises but never confirms a posting.
//!
//! The detector and recognizer run on a worker thread of their own; the mailbox only routes
//! messages and talks to the database.

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use actix::prelude::*;
use deadpool_postgres::Pool;
use futures::channel::oneshot;
use models::permissions::Action;

use crate::camera::{Camera, LatestFrame};
use crate::face::{gallery::Gallery, Agreement, Engine};
use crate::session::AuthContext;

pub use crate::face::bench::{BackendFigures, BenchReport};
pub use crate::face::shared::{publish_from_model, refresh_model_file, SHARED_MODEL_POLL};
pub use crate::face::{models_dir, Backend, SYSTEM_MODELS_DIR};

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
    Failed(FaceProblem),
}

/// Why a face check or enrolment cannot go on: the screen words it in the user's language,
/// the log in English.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaceProblem {
    #[error("the camera gives no picture")]
    NoPicture,
    #[error("no camera: {0}")]
    NoCamera(String),
    #[error("the face recognizer is not ready: {0}")]
    NotReady(String),
    /// The sface models are missing or wrong; lbph works meanwhile.
    #[error("{0} — using the weaker lbph backend meanwhile")]
    WeakerBackend(String),
    #[error("enrolment stopped: only {good} good frames of {needed} in {secs} s")]
    TooFewGoodFrames { good: usize, needed: usize, secs: u64 },
    /// This station runs LBPH (configured, or the sface models are missing): the database
    /// confirms faces only by SFace embeddings.
    #[error("{}", LBPH_CANNOT_CONFIRM)]
    LbphCannotConfirm,
    #[error("the face was saved but the database was not updated: {0}")]
    NotShared(String),
    #[error(transparent)]
    Database(models::Error),
    /// OpenCV failed on a frame (the detail is technical).
    #[error("{0}")]
    Engine(String),
}

impl FaceProblem {
    /// For an error that is also returned to the caller.
    pub fn from_ref(e: &FaceError) -> Self {
        match e {
            FaceError::NoCamera(why) => FaceProblem::NoCamera(why.clone()),
            FaceError::NotReady(why) => FaceProblem::NotReady(why.clone()),
            FaceError::Database(e) => FaceProblem::Database(e.clone()),
            FaceError::LbphCannotConfirm => FaceProblem::LbphCannotConfirm,
            other => FaceProblem::Engine(other.to_string()),
        }
    }
}

impl From<FaceError> for FaceProblem {
    fn from(e: FaceError) -> Self {
        FaceProblem::from_ref(&e)
    }
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
    #[error("face not recognised")]
    NotRecognised(FaceHint),
    #[error("{}", LBPH_CANNOT_CONFIRM)]
    LbphCannotConfirm,
    #[error(transparent)]
    Database(#[from] models::Error),
}

const LBPH_CANNOT_CONFIRM: &str =
    "this station's face method is LBPH, which cannot confirm movements: the database checks SFace embeddings only (install the SFace models and set face.backend = \"sface\")";

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
    /// The face's SFace embedding (sface only, a face that passed the quality gate): what
    /// `face_verify` is sent. Never printed.
    #[serde(skip)]
    pub embedding: Option<Vec<f32>>,
}

/// Photos enrolled from a folder must give at least this many good faces.
pub const MIN_ENROL_PHOTOS: usize = 3;
/// At most this many templates are kept per employee.
pub const MAX_ENROL_FRAMES: usize = 30;
/// LBPH templates kept per employee (each is 16,384 numbers).
pub const LBPH_MAX_TEMPLATES: usize = 10;
/// An enrolment from the camera gives up after this long without enough good frames.
const ENROL_TIMEOUT: Duration = Duration::from_secs(90);
/// No picture from the camera for this long while a job runs → `Failed`.
const NO_PICTURE_TIMEOUT: Duration = Duration::from_secs(4);

/// The result of enrolling from photos.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnrolReport {
    pub employee_id: i64,
    pub backend: Backend,
    /// Photos that passed the quality gate and were enrolled.
    pub accepted: usize,
    /// Photos refused, with the reason.
    pub rejected: Vec<(String, FaceHint)>,
}

/// A loaded face engine for one thread: the recognizer's worker, or a CLI command.
pub struct FaceService {
    engine: Engine,
    warning: Option<String>,
    model_mtime: Option<SystemTime>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl FaceService {
    /// The configured backend and `model.yml`; falls back to lbph (with a warning) when the
    /// sface models are missing or wrong.
    pub fn load(config: &models::Config) -> Result<FaceService, FaceError> {
        let (engine, warning) = Engine::load(config).map_err(FaceError::NotReady)?;
        let model_mtime = modified(&engine.model_path);
        Ok(FaceService { engine, warning, model_mtime })
    }

    /// Why the configured backend is not the one in use, if it is not.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    pub fn backend(&self) -> Backend {
        self.engine.backend
    }

    /// Employees with face data for the backend in use.
    pub fn enrolled(&self) -> Vec<i64> {
        self.engine.gallery.for_backend(self.engine.backend).map(|m| m.keys().copied().collect()).unwrap_or_default()
    }

    /// Another process (the CLI) may have changed model.yml: read it again if so.
    pub fn reload_if_changed(&mut self) -> Result<(), FaceError> {
        let now = modified(&self.engine.model_path);
        if now != self.model_mtime {
            self.engine.gallery = Gallery::load(&self.engine.model_path).map_err(FaceError::NotReady)?;
            self.model_mtime = now;
        }
        Ok(())
    }

    fn save(&mut self) -> Result<(), FaceError> {
        self.engine.save().map_err(FaceError::NotReady)?;
        self.model_mtime = modified(&self.engine.model_path);
        Ok(())
    }

    /// Who is on the photo (padded like a tight crop, judged by the quality gate like a frame).
    pub fn identify_photo(&mut self, path: &Path) -> Result<Identification, FaceError> {
        let img = crate::face::read_photo(path).map_err(FaceError::Image)?;
        let a = self.engine.analyse(&img).map_err(FaceError::Image)?;
        let best = a.template.as_ref().and_then(|t| self.engine.best_match(t));
        let accepted = best.filter(|c| self.engine.accepts(c.score));
        let embedding = a.template.filter(|_| self.engine.backend == Backend::SFace);
        Ok(Identification {
            hint: a.hint,
            employee_id: accepted.map(|c| c.employee_id),
            employee_name: None,
            confidence: best.map(|c| c.score),
            backend: self.engine.backend.as_str().into(),
            embedding,
        })
    }

    /// Enrols every readable photo of `dir` that passes the quality gate (at least
    /// `MIN_ENROL_PHOTOS`), replacing the employee's earlier face data; others are untouched.
    pub fn enrol_photos(&mut self, employee_id: i64, dir: &Path) -> Result<EnrolReport, FaceError> {
        let mut photos: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| FaceError::Image(format!("{}: {e}", dir.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        photos.sort();
        let mut templates = Vec::new();
        let mut rejected = Vec::new();
        for p in photos {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let Ok(img) = crate::face::read_photo(&p) else { continue }; // not an image: skipped
            let a = self.engine.analyse(&img).map_err(FaceError::Image)?;
            match a.template {
                Some(t) if templates.len() < MAX_ENROL_FRAMES => templates.push(t),
                Some(_) => {}
                None => rejected.push((name, a.hint)),
            }
        }
        if templates.len() < MIN_ENROL_PHOTOS {
            let why = rejected.iter().map(|(n, h)| format!("{n}: {h:?}")).collect::<Vec<_>>().join(", ");
            return Err(FaceError::NotEnoughPhotos { accepted: templates.len(), needed: MIN_ENROL_PHOTOS, rejected: why });
        }
        let accepted = templates.len();
        self.add(employee_id, templates)?;
        Ok(EnrolReport { employee_id, backend: self.engine.backend, accepted, rejected })
    }

    /// Adds (or replaces) one employee's templates and writes model.yml.
    fn add(&mut self, employee_id: i64, mut templates: Vec<Vec<f32>>) -> Result<(), FaceError> {
        self.reload_if_changed()?;
        if self.engine.backend == Backend::Lbph && templates.len() > LBPH_MAX_TEMPLATES {
            // LBPH histograms are 16 KB each: keep an even spread so 100 employees load in ≈ 1 s.
            let n = templates.len();
            templates = (0..LBPH_MAX_TEMPLATES).map(|i| templates[i * n / LBPH_MAX_TEMPLATES].clone()).collect();
        }
        self.engine.gallery.set(self.engine.backend, employee_id, templates);
        self.save()
    }

    /// Removes the employee's numbers from model.yml; true when they were there.
    pub fn remove(&mut self, employee_id: i64) -> Result<bool, FaceError> {
        self.reload_if_changed()?;
        let found = self.engine.gallery.remove(employee_id);
        if found {
            self.save()?;
        }
        Ok(found)
    }
}

/// Removes an employee from model.yml without loading any network (for `employee deactivate`).
pub fn remove_from_model(config: &models::Config, employee_id: i64) -> Result<bool, FaceError> {
    let path = config.face_model_path();
    let mut g = Gallery::load(&path).map_err(FaceError::NotReady)?;
    let found = g.remove(employee_id);
    if found {
        g.save(&path).map_err(FaceError::NotReady)?;
    }
    Ok(found)
}

/// The face's SFace embedding → the database's verdict: the face_verifications row the ledger
/// checks (the employee named by the database, valid 5 minutes by its clock) and their name.
/// `auth` is the kiosk's login (the database requires a session that may post). `hint` is the
/// station's own gallery match: when the database refuses and the hint is a deactivated
/// employee still in model.yml, that is said (the caller removes them).
pub async fn record_verification(
    pool: &Pool,
    auth: &AuthContext,
    station: &str,
    embedding: &[f32],
    hint: Option<i64>,
) -> Result<(models::FaceVerification, String), FaceError> {
    let mut c = pool.get().await.map_err(models::Error::from)?;
    let tx = models::session::begin(&mut c, Some(&auth.token)).await?;
    let verdict = models::employees::face_verify(&*tx, embedding, station).await?;
    // Committed either way: the try counts towards the rate limit and is in the audit log.
    tx.commit().await.map_err(models::Error::from)?;
    let Some(v) = verdict else {
        tracing::info!(hint, "face refused by the database");
        if let Some(id) = hint {
            if !models::employees::get(&**c, id).await.map(|e| e.active).unwrap_or(true) {
                return Err(FaceError::InactiveEmployee(id));
            }
        }
        return Err(FaceError::NotRecognised(FaceHint::Good));
    };
    if hint.is_some_and(|h| h != v.employee_id) {
        tracing::warn!(
            hint,
            employee = v.employee_id,
            "the database named another employee than this station's model; the database's answer counts"
        );
    }
    let employee = models::employees::get(&**c, v.employee_id).await?;
    tracing::info!(employee = v.employee_id, confidence = v.confidence, verification = v.id, "face verified by the database");
    Ok((v, employee.full_name))
}

/// Before an enrolment: the user may enrol faces and the employee exists and is active.
pub async fn check_enrolment(pool: &Pool, auth: &AuthContext, employee_id: i64) -> Result<models::Employee, FaceError> {
    auth.require(Action::EnrollFaces)?;
    let c = pool.get().await.map_err(models::Error::from)?;
    let e = models::employees::get(&**c, employee_id).await?;
    if !e.active {
        return Err(FaceError::InactiveEmployee(employee_id));
    }
    Ok(e)
}

/// Records in the database that the employee's face is (or is no longer) in the model.
pub async fn mark_enrolled(pool: &Pool, auth: &AuthContext, employee_id: i64, enrolled: bool) -> Result<(), FaceError> {
    let mut c = pool.get().await.map_err(models::Error::from)?;
    let tx = models::session::begin(&mut c, Some(&auth.token)).await?;
    models::employees::set_enrolled(&*tx, employee_id, enrolled).await?;
    tx.commit().await.map_err(models::Error::from)?;
    Ok(())
}

/// A photo checked like a camera frame and, when this station's model knows the face, its
/// embedding sent to the database's `face_verify` (the CLI's `movement … --face IMAGE`). A
/// still photo is one frame: the agreement over several frames a camera gives cannot apply.
pub async fn verify_photo(
    service: &mut FaceService,
    pool: &Pool,
    config: &models::Config,
    auth: &AuthContext,
    path: &Path,
) -> Result<(models::FaceVerification, String), FaceError> {
    if service.backend() != Backend::SFace {
        return Err(FaceError::LbphCannotConfirm);
    }
    service.reload_if_changed()?;
    let id = service.identify_photo(path)?;
    let (Some(employee_id), Some(embedding)) = (id.employee_id, id.embedding) else {
        return Err(FaceError::NotRecognised(id.hint));
    };
    record_verification(pool, auth, &config.general.station, &embedding, Some(employee_id)).await
}

// ---------------------------------------------------------------------------------------------
// The actor and its worker thread.

enum Job {
    Verify { auth: AuthContext, started: Instant, agreement: Agreement, timeout: Duration },
    Enrol { auth: AuthContext, employee_id: i64, needed: usize, templates: Vec<Vec<f32>>, started: Instant },
}

enum Command {
    Start(Job),
    Cancel,
    Remove {
        employee_id: i64,
        reply: oneshot::Sender<Result<bool, FaceError>>,
    },
    Identify {
        path: PathBuf,
        reply: oneshot::Sender<Result<Identification, FaceError>>,
    },
    /// The shared model changed in the database: this is its gallery now (and model.yml's).
    Shared(Gallery),
}

/// From the worker thread to the actor.
#[derive(Message)]
#[rtype(result = "()")]
enum WorkerReport {
    Event(FaceEvent),
    /// The station's model agrees on `employee_id`; `embedding` (the last agreeing frame's) goes
    /// to the database, which decides.
    Confirmed {
        auth: AuthContext,
        employee_id: i64,
        embedding: Vec<f32>,
    },
    Enrolled {
        auth: AuthContext,
        employee_id: i64,
        frames: usize,
        templates: Vec<(Backend, Vec<Vec<f32>>)>,
    },
}

pub struct FaceRecognizer {
    pool: Pool,
    config: models::Config,
    camera: Option<(Addr<Camera>, Arc<LatestFrame>)>,
    subscribers: Vec<Recipient<FaceEvent>>,
    worker: Option<std_mpsc::Sender<Command>>,
    station: String,
    /// The shared model's version this station's gallery holds (None: not read yet).
    shared_version: Option<i64>,
    polling_shared: bool,
}

impl FaceRecognizer {
    /// `camera` None: no camera configured; enrolment and verification then fail clearly.
    pub fn new(pool: Pool, config: models::Config, camera: Option<(Addr<Camera>, Arc<LatestFrame>)>) -> Self {
        let station = config.general.station.clone();
        FaceRecognizer { pool, config, camera, subscribers: Vec::new(), worker: None, station, shared_version: None, polling_shared: false }
    }

    fn publish(&mut self, event: FaceEvent) {
        self.subscribers.retain(|r| r.connected());
        for r in &self.subscribers {
            r.do_send(event.clone());
        }
    }

    fn send(&self, cmd: Command) -> Result<(), FaceError> {
        self.worker
            .as_ref()
            .and_then(|w| w.send(cmd).ok())
            .ok_or_else(|| FaceError::NotReady("the face recognizer's worker has stopped".into()))
    }

    fn frames(&self) -> Result<Arc<LatestFrame>, FaceError> {
        self.camera
            .as_ref()
            .map(|(_, f)| f.clone())
            .ok_or_else(|| FaceError::NoCamera("no camera is configured (camera.source is empty)".into()))
    }
}

impl Actor for FaceRecognizer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let (tx, rx) = std_mpsc::channel();
        let (config, addr) = (self.config.clone(), ctx.address());
        let frames = self.camera.as_ref().map(|(_, f)| f.clone());
        match std::thread::Builder::new().name("face".into()).spawn(move || worker(config, frames, rx, addr)) {
            Ok(_) => self.worker = Some(tx),
            Err(e) => tracing::error!(error = %e, "cannot start the face worker"),
        }
        self.poll_shared_model(ctx);
        ctx.run_interval(SHARED_MODEL_POLL, |act, ctx| act.poll_shared_model(ctx));
    }
}

impl FaceRecognizer {
    /// Asks the server for the shared model's version; when it moved, hands the new gallery to
    /// the worker. An unreachable server leaves the local model in use.
    fn poll_shared_model(&mut self, ctx: &mut Context<Self>) {
        if self.polling_shared {
            return;
        }
        self.polling_shared = true;
        let (pool, seen) = (self.pool.clone(), self.shared_version);
        ctx.spawn(async move { crate::face::shared::fetch_if_changed(&pool, seen).await }.into_actor(self).map(|res, act, _| {
            act.polling_shared = false;
            match res {
                Ok(Some((version, gallery))) => {
                    tracing::info!(
                        version,
                        employees = gallery.employees(Backend::SFace).max(gallery.employees(Backend::Lbph)),
                        "shared face model changed"
                    );
                    if act.send(Command::Shared(gallery)).is_ok() {
                        act.shared_version = Some(version);
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::debug!(error = %e, "shared face model not reachable; using the local model"),
            }
        }));
    }
}

/// The worker: loads the engine, then runs one job at a time on the newest camera frames.
fn worker(config: models::Config, frames: Option<Arc<LatestFrame>>, rx: std_mpsc::Receiver<Command>, actor: Addr<FaceRecognizer>) {
    let started = Instant::now();
    let mut service = match FaceService::load(&config) {
        Ok(s) => {
            tracing::info!(
                backend = s.backend().as_str(),
                employees = s.enrolled().len(),
                ms = started.elapsed().as_millis() as u64,
                "face recognizer ready"
            );
            if let Some(w) = s.warning() {
                actor.do_send(WorkerReport::Event(FaceEvent::Failed(FaceProblem::WeakerBackend(w.to_string()))));
            }
            // Reading the ONNX files left large freed buffers behind.
            crate::memory::give_back_free_memory();
            Some(s)
        }
        Err(e) => {
            tracing::error!(error = %e, "face recognizer unavailable");
            actor.do_send(WorkerReport::Event(FaceEvent::Failed(e.into())));
            None
        }
    };
    let not_ready = || FaceError::NotReady("the face models could not be loaded; see the log".into());
    let mut job: Option<Job> = None;
    let mut had_job = false;
    let mut last_frame = 0u64;
    let mut last_picture = Instant::now();
    let report = |e: FaceEvent| actor.do_send(WorkerReport::Event(e));
    loop {
        if had_job && job.is_none() {
            crate::memory::give_back_free_memory();
        }
        had_job = job.is_some();
        let cmd = if job.is_some() {
            match rx.try_recv() {
                Ok(c) => Some(c),
                Err(std_mpsc::TryRecvError::Empty) => None,
                Err(std_mpsc::TryRecvError::Disconnected) => return,
            }
        } else {
            match rx.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            }
        };
        match cmd {
            Some(Command::Start(j)) => match service.as_mut() {
                Some(s) if matches!(j, Job::Verify { .. }) && s.backend() != Backend::SFace => {
                    report(FaceEvent::Failed(FaceProblem::LbphCannotConfirm));
                }
                Some(s) => {
                    if let Err(e) = s.reload_if_changed() {
                        report(FaceEvent::Failed(e.into()));
                    }
                    last_picture = Instant::now();
                    job = Some(j);
                }
                None => report(FaceEvent::Failed(not_ready().into())),
            },
            Some(Command::Cancel) => job = None,
            Some(Command::Remove { employee_id, reply }) => {
                let _ = reply.send(service.as_mut().ok_or_else(not_ready).and_then(|s| s.remove(employee_id)));
            }
            Some(Command::Shared(gallery)) => {
                let saved = match service.as_mut() {
                    Some(s) => {
                        s.engine.gallery = gallery;
                        s.save()
                    }
                    None => crate::face::shared::save_cache(&gallery, &config.face_model_path()),
                };
                if let Err(e) = saved {
                    tracing::warn!(error = %e, "the shared face model could not be cached in model.yml");
                }
            }
            Some(Command::Identify { path, reply }) => {
                let _ = reply.send(service.as_mut().ok_or_else(not_ready).and_then(|s| {
                    s.reload_if_changed()?;
                    s.identify_photo(&path)
                }));
            }
            None => {}
        }
        let (Some(j), Some(s), Some(frames)) = (job.as_mut(), service.as_mut(), frames.as_ref()) else { continue };
        let Some((n, frame)) = frames.next_after(last_frame, Duration::from_millis(200)) else {
            if last_picture.elapsed() > NO_PICTURE_TIMEOUT {
                report(FaceEvent::Failed(FaceProblem::NoPicture));
                job = None;
            }
            continue;
        };
        last_frame = n;
        last_picture = Instant::now();
        let a = match s.engine.analyse(&frame) {
            Ok(a) => a,
            Err(e) => {
                report(FaceEvent::Failed(FaceProblem::Engine(e)));
                job = None;
                continue;
            }
        };
        frames.set_face(a.face);
        match j {
            Job::Verify { auth, started, agreement, timeout } => {
                let accepted = a.template.as_ref().and_then(|t| s.engine.best_match(t)).filter(|c| s.engine.accepts(c.score));
                if let (Some(c), Some(embedding)) = (agreement.push(accepted), a.template) {
                    actor.do_send(WorkerReport::Confirmed { auth: auth.clone(), employee_id: c.employee_id, embedding });
                    job = None;
                } else if started.elapsed() > *timeout {
                    report(FaceEvent::NotRecognised);
                    job = None;
                } else {
                    report(FaceEvent::Progress { done: agreement.agreeing(), needed: agreement.needed(), hint: a.hint });
                }
            }
            Job::Enrol { auth, employee_id, needed, templates, started } => {
                if let Some(t) = a.template {
                    templates.push(t);
                }
                report(FaceEvent::Progress { done: templates.len(), needed: *needed, hint: a.hint });
                if templates.len() >= *needed {
                    let (auth, employee_id, frames) = (auth.clone(), *employee_id, templates.len());
                    match s.add(employee_id, std::mem::take(templates)) {
                        Ok(()) => {
                            let templates = crate::face::shared::templates_of(&s.engine.gallery, employee_id);
                            actor.do_send(WorkerReport::Enrolled { auth, employee_id, frames, templates })
                        }
                        Err(e) => report(FaceEvent::Failed(e.into())),
                    }
                    job = None;
                } else if started.elapsed() > ENROL_TIMEOUT {
                    report(FaceEvent::Failed(FaceProblem::TooFewGoodFrames {
                        good: templates.len(),
                        needed: *needed,
                        secs: ENROL_TIMEOUT.as_secs(),
                    }));
                    job = None;
                }
            }
        }
    }
}

impl Handler<WorkerReport> for FaceRecognizer {
    type Result = ();
    fn handle(&mut self, msg: WorkerReport, ctx: &mut Context<Self>) {
        match msg {
            WorkerReport::Event(e) => self.publish(e),
            WorkerReport::Confirmed { auth, employee_id, embedding } => {
                let (pool, station) = (self.pool.clone(), self.station.clone());
                ctx.spawn(
                    async move { record_verification(&pool, &auth, &station, &embedding, Some(employee_id)).await }.into_actor(self).map(
                        move |res, act, _| match res {
                            Ok((verification, employee_name)) => act.publish(FaceEvent::Verified { verification, employee_name }),
                            Err(FaceError::NotRecognised(_)) => act.publish(FaceEvent::NotRecognised),
                            Err(FaceError::InactiveEmployee(id)) => {
                                // Still in the model though deactivated: refuse, and take them out.
                                let (reply, _) = oneshot::channel();
                                let _ = act.send(Command::Remove { employee_id: id, reply });
                                act.publish(FaceEvent::NotRecognised);
                            }
                            Err(e) => act.publish(FaceEvent::Failed(e.into())),
                        },
                    ),
                );
            }
            WorkerReport::Enrolled { auth, employee_id, frames, templates } => {
                let (pool, station) = (self.pool.clone(), self.station.clone());
                // Shared with every station (and marked enrolled) in one transaction.
                ctx.spawn(
                    async move { crate::face::shared::publish(&pool, &auth, &station, employee_id, &templates).await.map(|_| ()) }
                        .into_actor(self)
                        .map(move |res, act, _| match res {
                            Ok(()) => act.publish(FaceEvent::Enrolled { employee_id, frames }),
                            Err(e) => act.publish(FaceEvent::Failed(FaceProblem::NotShared(e.to_string()))),
                        }),
                );
            }
        }
    }
}

impl Handler<SubscribeFace> for FaceRecognizer {
    type Result = ();
    fn handle(&mut self, msg: SubscribeFace, _: &mut Context<Self>) {
        self.subscribers.push(msg.0);
    }
}

impl Handler<StartVerification> for FaceRecognizer {
    type Result = Result<(), FaceError>;
    fn handle(&mut self, msg: StartVerification, _: &mut Context<Self>) -> Self::Result {
        let started = (|| {
            self.frames()?;
            msg.auth.require(Action::PostMovement)?;
            let f = &self.config.face;
            self.station = msg.station.clone();
            self.send(Command::Start(Job::Verify {
                auth: msg.auth.clone(),
                started: Instant::now(),
                agreement: Agreement::new(f.agree_frames, f.window_frames),
                timeout: Duration::from_secs(f.verify_timeout_secs.max(1)),
            }))
        })();
        if let Err(e) = &started {
            self.publish(FaceEvent::Failed(FaceProblem::from_ref(e)));
        }
        started
    }
}

impl Handler<CancelVerification> for FaceRecognizer {
    type Result = ();
    fn handle(&mut self, _: CancelVerification, _: &mut Context<Self>) {
        let _ = self.send(Command::Cancel);
    }
}

impl Handler<StartEnrolment> for FaceRecognizer {
    type Result = ResponseActFuture<Self, Result<(), FaceError>>;
    fn handle(&mut self, msg: StartEnrolment, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        let needed = self.config.face.enroll_frames.clamp(10, MAX_ENROL_FRAMES);
        let camera = self.frames().map(|_| ());
        Box::pin(
            async move {
                camera?;
                check_enrolment(&pool, &msg.auth, msg.employee_id).await?;
                Ok(msg)
            }
            .into_actor(self)
            .map(move |res: Result<StartEnrolment, FaceError>, act, _| {
                let res = res.and_then(|msg| {
                    act.send(Command::Start(Job::Enrol {
                        auth: msg.auth,
                        employee_id: msg.employee_id,
                        needed,
                        templates: Vec::new(),
                        started: Instant::now(),
                    }))
                });
                if let Err(e) = &res {
                    act.publish(FaceEvent::Failed(FaceProblem::from_ref(e)));
                }
                res
            }),
        )
    }
}

impl Handler<RemoveEmployee> for FaceRecognizer {
    type Result = ResponseFuture<Result<bool, FaceError>>;
    fn handle(&mut self, msg: RemoveEmployee, _: &mut Context<Self>) -> Self::Result {
        let (reply, answer) = oneshot::channel();
        let sent = msg
            .auth
            .require(Action::ManageEmployees)
            .map_err(FaceError::from)
            .and_then(|_| self.send(Command::Remove { employee_id: msg.employee_id, reply }));
        let (pool, station) = (self.pool.clone(), self.station.clone());
        Box::pin(async move {
            sent?;
            let removed = answer.await.map_err(|_| FaceError::NotReady("the face worker stopped".into()))??;
            mark_enrolled(&pool, &msg.auth, msg.employee_id, false).await?;
            let shared = crate::face::shared::unpublish(&pool, &msg.auth, &station, msg.employee_id).await?;
            Ok(removed || shared)
        })
    }
}

impl Handler<IdentifyImage> for FaceRecognizer {
    type Result = ResponseFuture<Result<Identification, FaceError>>;
    fn handle(&mut self, msg: IdentifyImage, _: &mut Context<Self>) -> Self::Result {
        let (reply, answer) = oneshot::channel();
        let sent = self.send(Command::Identify { path: msg.path, reply });
        let pool = self.pool.clone();
        Box::pin(async move {
            sent?;
            let mut id = answer.await.map_err(|_| FaceError::NotReady("the face worker stopped".into()))??;
            if let Some(e) = id.employee_id {
                let c = pool.get().await.map_err(models::Error::from)?;
                id.employee_name = Some(models::employees::get(&**c, e).await?.full_name);
            }
            Ok(id)
        })
    }
}

/// `ombor bench face`: both backends on `enroll_dir/<person>/*` and `probe_dir/<person>/*`.
pub fn bench(config: &models::Config, enroll_dir: &Path, probe_dir: &Path) -> Result<BenchReport, FaceError> {
    crate::face::bench::run(config, enroll_dir, probe_dir).map_err(FaceError::Image)
}
