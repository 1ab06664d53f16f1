//! Camera actor: owns the OpenCV VideoCapture on a thread of its own, keeps only the latest
//! frame (never a backlog), sends downscaled RGBA previews to its subscribers and hands full
//! frames to the face recognizer through a one-slot mailbox. Reconnects when the camera comes
//! back; says clearly when there is none.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::{imgproc, videoio};

/// Previews are at most this wide: enough for the kiosk's preview pane, cheap to copy.
pub const PREVIEW_MAX_WIDTH: u32 = 640;
/// Previews sent per second at most (files and image sequences are paced to this too).
const PREVIEW_FPS: u64 = 15;
/// How long to wait before trying to open a missing camera again.
const RECONNECT_EVERY: Duration = Duration::from_secs(2);
/// A face box older than this is not drawn on the preview.
const FACE_BOX_FRESH: Duration = Duration::from_millis(600);

/// Where the face is, as fractions of the frame (0..1), so it fits any preview size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// A downscaled frame for the screen: RGBA bytes, row by row (`width * height * 4`).
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewFrame {
    pub width: u32,
    pub height: u32,
    pub rgba: Arc<[u8]>,
    /// The face the recognizer is looking at, if it found one a moment ago.
    pub face: Option<FaceBox>,
}

#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub enum CameraEvent {
    /// The camera is open; the size of its full frames.
    Connected {
        width: u32,
        height: u32,
    },
    Frame(PreviewFrame),
    /// No camera (or it was unplugged): why. The actor keeps trying to reconnect.
    Unavailable(CameraProblem),
}

/// Why there is no picture: the screen words it in the user's language, the log in English.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraProblem {
    #[error("no camera configured (camera.source is empty)")]
    NotConfigured,
    #[error("{at}: no such camera or file")]
    NotFound { at: String },
    #[error("no camera at {at} (not connected, or in use by another program)")]
    DeviceUnavailable { at: String },
    #[error("{at}: cannot be opened as a video or image sequence")]
    NotAVideo { at: String },
    #[error("{at} stopped giving pictures (unplugged?); reconnecting")]
    Stopped { at: String },
    #[error("{at}: {detail}")]
    Failed { at: String, detail: String },
}

/// Receive `CameraEvent`s (previews included) until the recipient goes away.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeCamera(pub Recipient<CameraEvent>);

/// The last state the camera reported (for a screen opened after the fact).
#[derive(Message)]
#[rtype(result = "Option<CameraEvent>")]
pub struct CameraStatus;

/// Full-resolution frames for the recognizer: one slot, overwritten by each new frame, so a
/// slow reader always gets the newest frame and nothing piles up.
#[derive(Default)]
pub struct LatestFrame {
    slot: Mutex<(u64, Option<Arc<Mat>>)>,
    fresh: Condvar,
    face: Mutex<Option<(FaceBox, Instant)>>,
}

impl LatestFrame {
    pub(crate) fn put(&self, frame: Mat) {
        let mut s = self.slot.lock().expect("frame slot");
        s.0 += 1;
        s.1 = Some(Arc::new(frame));
        self.fresh.notify_all();
    }

    /// Waits up to `timeout` for a frame newer than `after` (its number); returns it and its number.
    pub(crate) fn next_after(&self, after: u64, timeout: Duration) -> Option<(u64, Arc<Mat>)> {
        let guard = self.slot.lock().expect("frame slot");
        let (s, _) = self.fresh.wait_timeout_while(guard, timeout, |s| s.0 <= after || s.1.is_none()).expect("frame slot");
        if s.0 > after {
            s.1.clone().map(|m| (s.0, m))
        } else {
            None
        }
    }

    /// The recognizer tells where it sees a face (None: no face) for the preview overlay.
    pub(crate) fn set_face(&self, face: Option<FaceBox>) {
        *self.face.lock().expect("face slot") = face.map(|f| (f, Instant::now()));
    }

    fn face(&self) -> Option<FaceBox> {
        self.face.lock().expect("face slot").filter(|(_, at)| at.elapsed() < FACE_BOX_FRESH).map(|(f, _)| f)
    }
}

/// What `camera.source` names.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Device(i32),
    /// A /dev/video* path, a video file or an image-sequence pattern like `dir/%03d.jpg`.
    Path(String),
}

impl Source {
    pub fn parse(source: &str) -> Result<Source, CameraProblem> {
        let s = source.trim();
        if s.is_empty() {
            return Err(CameraProblem::NotConfigured);
        }
        if let Ok(i) = s.parse::<i32>() {
            return Ok(Source::Device(i));
        }
        if let Some(n) = s.strip_prefix("/dev/video").and_then(|n| n.parse::<i32>().ok()) {
            return Ok(Source::Device(n));
        }
        Ok(Source::Path(s.to_string()))
    }

    /// A live camera (reconnect on loss) rather than a file (replay at the end).
    fn is_device(&self) -> bool {
        matches!(self, Source::Device(_))
    }

    fn is_image_sequence(&self) -> bool {
        matches!(self, Source::Path(p) if p.contains('%'))
    }

    fn describe(&self) -> String {
        match self {
            Source::Device(i) => format!("/dev/video{i}"),
            Source::Path(p) => p.clone(),
        }
    }
}

fn open(source: &Source, width: u32, height: u32) -> Result<videoio::VideoCapture, CameraProblem> {
    let fail = |e: opencv::Error| CameraProblem::Failed { at: source.describe(), detail: e.message };
    let cap = match source {
        Source::Device(i) => videoio::VideoCapture::new(*i, videoio::CAP_V4L2).map_err(fail)?,
        Source::Path(p) if source.is_image_sequence() => videoio::VideoCapture::from_file(p, videoio::CAP_IMAGES).map_err(fail)?,
        Source::Path(p) => {
            if !std::path::Path::new(p).exists() {
                return Err(CameraProblem::NotFound { at: p.clone() });
            }
            videoio::VideoCapture::from_file(p, videoio::CAP_ANY).map_err(fail)?
        }
    };
    let mut cap = cap;
    if !cap.is_opened().unwrap_or(false) {
        return Err(match source {
            Source::Device(_) => CameraProblem::DeviceUnavailable { at: source.describe() },
            Source::Path(p) => CameraProblem::NotAVideo { at: p.clone() },
        });
    }
    if source.is_device() {
        let _ = cap.set(videoio::CAP_PROP_FRAME_WIDTH, width as f64);
        let _ = cap.set(videoio::CAP_PROP_FRAME_HEIGHT, height as f64);
        // The driver's queue would hand us old frames after a slow moment: keep one.
        let _ = cap.set(videoio::CAP_PROP_BUFFERSIZE, 1.0);
    }
    Ok(cap)
}

/// Opens `source`, reads one frame and returns its size: for `ombor doctor`, which words the
/// problem in the user's language like the kiosk does.
pub fn probe(source: &str) -> Result<(u32, u32), CameraProblem> {
    let src = Source::parse(source)?;
    let config = models::Config::default();
    let mut cap = open(&src, config.camera.width, config.camera.height)?;
    let mut frame = Mat::default();
    let failed = |detail: String| CameraProblem::Failed { at: src.describe(), detail };
    let ok = cap.read(&mut frame).map_err(|e| failed(e.message))?;
    if !ok || frame.empty() {
        return Err(failed("opened but gave no picture".into()));
    }
    Ok((frame.cols() as u32, frame.rows() as u32))
}

/// The face engine's networks take 3-channel BGR: a greyscale camera (an infrared one, or an
/// image sequence of greyscale photos) or a BGRA source is converted; anything else is kept.
fn as_bgr(frame: Mat) -> Mat {
    let code = match frame.channels() {
        1 => imgproc::COLOR_GRAY2BGR,
        4 => imgproc::COLOR_BGRA2BGR,
        _ => return frame,
    };
    let mut bgr = Mat::default();
    match imgproc::cvt_color_def(&frame, &mut bgr, code) {
        Ok(()) => bgr,
        Err(e) => {
            tracing::warn!(error = %e.message, "camera frame conversion to BGR failed");
            frame
        }
    }
}

/// Downscales a BGR frame to at most `PREVIEW_MAX_WIDTH` wide, as RGBA.
fn preview_of(frame: &Mat, face: Option<FaceBox>) -> opencv::Result<PreviewFrame> {
    let (w, h) = (frame.cols(), frame.rows());
    let scale = (PREVIEW_MAX_WIDTH as f64 / w as f64).min(1.0);
    let size = Size::new(((w as f64 * scale).round() as i32).max(1), ((h as f64 * scale).round() as i32).max(1));
    let mut small = Mat::default();
    imgproc::resize(frame, &mut small, size, 0.0, 0.0, imgproc::INTER_AREA)?;
    let mut rgba = Mat::default();
    let code = if small.channels() == 1 { imgproc::COLOR_GRAY2RGBA } else { imgproc::COLOR_BGR2RGBA };
    imgproc::cvt_color_def(&small, &mut rgba, code)?;
    let bytes: Arc<[u8]> = Arc::from(rgba.data_bytes()?);
    Ok(PreviewFrame { width: size.width as u32, height: size.height as u32, rgba: bytes, face })
}

#[derive(Debug, Clone)]
pub struct CameraSettings {
    pub source: String,
    pub width: u32,
    pub height: u32,
}

impl CameraSettings {
    pub fn from_config(c: &models::Config) -> Self {
        CameraSettings { source: c.camera.source.clone(), width: c.camera.width, height: c.camera.height }
    }
}

pub struct Camera {
    settings: CameraSettings,
    latest: Arc<LatestFrame>,
    subscribers: Vec<Recipient<CameraEvent>>,
    last_state: Option<CameraEvent>,
    stop: Arc<AtomicBool>,
}

impl Camera {
    pub fn new(settings: CameraSettings) -> Self {
        Camera { settings, latest: Arc::default(), subscribers: Vec::new(), last_state: None, stop: Arc::default() }
    }

    /// The slot the face recognizer reads full frames from.
    pub fn latest_frame(&self) -> Arc<LatestFrame> {
        self.latest.clone()
    }

    fn publish(&mut self, event: CameraEvent) {
        if !matches!(event, CameraEvent::Frame(_)) {
            self.last_state = Some(event.clone());
        }
        self.subscribers.retain(|r| r.connected());
        for r in &self.subscribers {
            r.do_send(event.clone());
        }
    }
}

/// From the capture thread to the actor.
#[derive(Message)]
#[rtype(result = "()")]
struct Captured(CameraEvent);

impl Actor for Camera {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let addr = ctx.address();
        let (settings, latest, stop) = (self.settings.clone(), self.latest.clone(), self.stop.clone());
        let spawned = std::thread::Builder::new().name("camera".into()).spawn(move || capture_loop(settings, latest, stop, addr));
        if let Err(e) = spawned {
            self.publish(CameraEvent::Unavailable(CameraProblem::Failed { at: "camera thread".into(), detail: e.to_string() }));
        }
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads frames as they come, forever: the newest goes to the recognizer's slot, a downscaled
/// copy (at most `PREVIEW_FPS` a second) to the actor. Losing the camera → `Unavailable`, then
/// retries; a file or image sequence replays from the start when it ends.
fn capture_loop(settings: CameraSettings, latest: Arc<LatestFrame>, stop: Arc<AtomicBool>, actor: Addr<Camera>) {
    let source = match Source::parse(&settings.source) {
        Ok(s) => s,
        Err(e) => {
            actor.do_send(Captured(CameraEvent::Unavailable(e)));
            return;
        }
    };
    let frame_every = Duration::from_millis(1000 / PREVIEW_FPS);
    let mut last_reason: Option<CameraProblem> = None;
    let mut replaying = false;
    while !stop.load(Ordering::Relaxed) && actor.connected() {
        let mut cap = match open(&source, settings.width, settings.height) {
            Ok(c) => c,
            Err(reason) => {
                if last_reason.as_ref() != Some(&reason) {
                    tracing::warn!(%reason, "camera unavailable");
                    actor.do_send(Captured(CameraEvent::Unavailable(reason.clone())));
                    last_reason = Some(reason);
                }
                std::thread::sleep(RECONNECT_EVERY);
                continue;
            }
        };
        let mut connected = false;
        let mut frame = Mat::default();
        let mut last_preview = Instant::now() - frame_every;
        loop {
            if stop.load(Ordering::Relaxed) || !actor.connected() {
                return;
            }
            let started = Instant::now();
            if !cap.read(&mut frame).unwrap_or(false) || frame.empty() {
                break;
            }
            if !connected {
                connected = true;
                // A replay from the start is the same camera still connected: nothing to say.
                if !replaying {
                    last_reason = None;
                    tracing::info!(source = %source.describe(), width = frame.cols(), height = frame.rows(), "camera connected");
                    actor.do_send(Captured(CameraEvent::Connected { width: frame.cols() as u32, height: frame.rows() as u32 }));
                }
            }
            if last_preview.elapsed() >= frame_every {
                last_preview = Instant::now();
                match preview_of(&frame, latest.face()) {
                    Ok(p) => actor.do_send(Captured(CameraEvent::Frame(p))),
                    Err(e) => tracing::warn!(error = %e.message, "preview conversion failed"),
                }
            }
            latest.put(as_bgr(std::mem::take(&mut frame)));
            if !source.is_device() {
                // Files have no clock of their own: play them at preview speed.
                std::thread::sleep(frame_every.saturating_sub(started.elapsed()));
            }
        }
        if connected && !source.is_device() {
            // A video file or image sequence at its end plays again, as a camera keeps giving
            // pictures: not a failure for the screen (a face check in progress goes on).
            replaying = true;
            continue;
        }
        replaying = false;
        let reason = if connected {
            CameraProblem::Stopped { at: source.describe() }
        } else {
            // Opened, but not one picture came.
            CameraProblem::NotAVideo { at: source.describe() }
        };
        if connected || last_reason.as_ref() != Some(&reason) {
            actor.do_send(Captured(CameraEvent::Unavailable(reason.clone())));
            last_reason = Some(reason);
        }
        if source.is_device() || !connected {
            std::thread::sleep(RECONNECT_EVERY);
        }
    }
}

impl Handler<Captured> for Camera {
    type Result = ();
    fn handle(&mut self, msg: Captured, _: &mut Context<Self>) {
        self.publish(msg.0);
    }
}

impl Handler<SubscribeCamera> for Camera {
    type Result = ();
    fn handle(&mut self, msg: SubscribeCamera, _: &mut Context<Self>) {
        if let Some(state) = &self.last_state {
            msg.0.do_send(state.clone());
        }
        self.subscribers.push(msg.0);
    }
}

impl Handler<CameraStatus> for Camera {
    type Result = MessageResult<CameraStatus>;
    fn handle(&mut self, _: CameraStatus, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.last_state.clone())
    }
}
