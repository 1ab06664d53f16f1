//! The face engine behind the FaceRecognizer actor (private to it): detector + embedder +
//! quality gate + the model file. Everything here is plain blocking code, run on the
//! recognizer's worker thread or by the CLI.

pub(crate) mod bench;
pub(crate) mod detector;
pub(crate) mod embedder;
pub(crate) mod gallery;
pub(crate) mod quality;
pub(crate) mod shared;

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};

use opencv::core::{Mat, Scalar};
use opencv::prelude::*;
use opencv::{core, imgcodecs};
use sha2::{Digest, Sha256};

use crate::camera::FaceBox;
use crate::face_recognizer::FaceHint;
use detector::{CenterFace, Detection, Detector, Haar};
use embedder::Embedder;
use gallery::Gallery;
use quality::QualityGate;

/// The configured backend is the configuration's closed set itself (`face.backend`).
pub use models::config::FaceBackend as Backend;

/// A model file we ship by checksum, from a pinned PyPI wheel.
pub(crate) struct ModelFile {
    pub name: &'static str,
    pub sha256: &'static str,
}

pub(crate) const CENTERFACE: ModelFile =
    ModelFile { name: "centerface.onnx", sha256: "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc" };
pub(crate) const SFACE: ModelFile =
    ModelFile { name: "face_recognition_sface_2021dec.onnx", sha256: "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79" };

/// Where `scripts/fetch-face-models.sh` installs the models by default.
pub const SYSTEM_MODELS_DIR: &str = "/usr/local/share/ombor-nazorat/models";

/// `face.models_dir` when set; else `<data dir>/models` if it holds the models, else the
/// system-wide dir the set-up script fills.
pub fn models_dir(config: &models::Config) -> PathBuf {
    if !config.face.models_dir.trim().is_empty() {
        return PathBuf::from(config.face.models_dir.trim());
    }
    let local = config.data_dir().join("models");
    if local.join(SFACE.name).exists() {
        local
    } else {
        PathBuf::from(SYSTEM_MODELS_DIR)
    }
}

/// The model's path when the file is there with the right checksum; a sentence otherwise.
pub(crate) fn verified(dir: &Path, m: &ModelFile) -> Result<PathBuf, String> {
    let path = dir.join(m.name);
    let mut f = std::fs::File::open(&path)
        .map_err(|e| format!("face model {} is missing ({e}); run scripts/fetch-face-models.sh", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let got = hex::encode(hasher.finalize());
    if got != m.sha256 {
        return Err(format!(
            "face model {} has the wrong checksum (sha256 {got}, expected {}); run scripts/fetch-face-models.sh again",
            path.display(),
            m.sha256
        ));
    }
    Ok(path)
}

/// Tight photo crops (like the 150×150 fixtures) hide the context detectors need: photos get
/// a border of this fraction of their size on each side before detection.
const PHOTO_BORDER: f64 = 0.25;

/// Reads a photo for enrolment or identification (in memory only) and pads it.
pub(crate) fn read_photo(path: &Path) -> Result<Mat, String> {
    let img = imgcodecs::imread(path, imgcodecs::IMREAD_COLOR).map_err(|e| format!("{}: {}", path.display(), e.message))?;
    if img.empty() {
        return Err(format!("{}: not a readable image", path.display()));
    }
    pad_photo(&img).map_err(|e| format!("{}: {}", path.display(), e.message))
}

pub(crate) fn pad_photo(img: &Mat) -> opencv::Result<Mat> {
    let b = ((img.cols().max(img.rows()) as f64) * PHOTO_BORDER).round() as i32;
    let mut padded = Mat::default();
    core::copy_make_border(img, &mut padded, b, b, b, b, core::BORDER_REPLICATE, Scalar::default())?;
    Ok(padded)
}

/// One frame, looked at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FrameAnalysis {
    pub hint: FaceHint,
    /// The largest face, as fractions of the frame (for the preview overlay).
    pub face: Option<FaceBox>,
    /// Present only when the frame passed the quality gate.
    pub template: Option<Vec<f32>>,
}

/// The best-matching enrolled employee for a template (threshold not applied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Candidate {
    pub employee_id: i64,
    /// sface: cosine similarity; lbph: chi-square distance.
    pub score: f64,
}

pub(crate) struct Engine {
    pub backend: Backend,
    detector: Detector,
    embedder: Embedder,
    pub gate: QualityGate,
    pub threshold: f64,
    pub gallery: Gallery,
    pub model_path: PathBuf,
}

impl Engine {
    /// Loads the configured backend. When sface cannot load (models missing or wrong), falls
    /// back to lbph and returns the reason as a warning to show.
    pub fn load(config: &models::Config) -> Result<(Engine, Option<String>), String> {
        let wanted = config.face.backend;
        let model_path = config.face_model_path();
        let gallery = Gallery::load(&model_path)?;
        let (engine, warning) = match wanted {
            Backend::SFace => match Self::load_backend(Backend::SFace, config) {
                Ok(e) => (e, None),
                Err(why) => {
                    tracing::warn!(%why, "sface face models unavailable; using the lbph fallback");
                    (Self::load_backend(Backend::Lbph, config)?, Some(format!("{why} — using the weaker lbph backend meanwhile")))
                }
            },
            Backend::Lbph => (Self::load_backend(Backend::Lbph, config)?, None),
        };
        Ok((Engine { gallery, model_path, ..engine }, warning))
    }

    /// Loads one backend exactly (no fallback), with an empty gallery.
    pub fn load_backend(backend: Backend, config: &models::Config) -> Result<Engine, String> {
        let (detector, embedder, threshold) = match backend {
            Backend::SFace => {
                let dir = models_dir(config);
                let cf = verified(&dir, &CENTERFACE)?;
                let sf = verified(&dir, &SFACE)?;
                let detector = CenterFace::load(&cf).map_err(|e| format!("{}: {}", cf.display(), e.message))?;
                let embedder = Embedder::sface(&sf).map_err(|e| format!("{}: {}", sf.display(), e.message))?;
                (Detector::CenterFace(detector), embedder, config.face.sface_threshold)
            }
            Backend::Lbph => (Detector::Haar(Haar::load()?), Embedder::lbph().map_err(|e| e.message)?, config.face.lbph_threshold),
        };
        Ok(Engine {
            backend,
            detector,
            embedder,
            gate: QualityGate::default(),
            threshold,
            gallery: Gallery::default(),
            model_path: config.face_model_path(),
        })
    }

    pub fn detect(&mut self, bgr: &Mat) -> Result<Vec<Detection>, String> {
        self.detector.detect(bgr).map_err(|e| format!("face detection failed: {}", e.message))
    }

    pub fn template(&mut self, bgr: &Mat, face: &Detection) -> Result<Vec<f32>, String> {
        self.embedder.template(bgr, face).map_err(|e| format!("face embedding failed: {}", e.message))
    }

    /// Detect, judge, and (when good) compute the template.
    pub fn analyse(&mut self, bgr: &Mat) -> Result<FrameAnalysis, String> {
        let faces = self.detect(bgr)?;
        let (w, h) = (bgr.cols().max(1) as f32, bgr.rows().max(1) as f32);
        let face = faces.first().map(|d| FaceBox { x: d.rect.x / w, y: d.rect.y / h, width: d.rect.width / w, height: d.rect.height / h });
        let (hint, _) = self.gate.judge(bgr, &faces).map_err(|e| format!("quality check failed: {}", e.message))?;
        let template = if hint == FaceHint::Good { Some(self.template(bgr, &faces[0])?) } else { None };
        Ok(FrameAnalysis { hint, face, template })
    }

    /// The closest enrolled employee, or None when nobody is enrolled for this backend.
    pub fn best_match(&self, template: &[f32]) -> Option<Candidate> {
        best_match(self.backend, self.gallery.for_backend(self.backend)?, template)
    }

    /// Whether a candidate's score passes the configured threshold.
    pub fn accepts(&self, score: f64) -> bool {
        accepts(self.backend, self.threshold, score)
    }

    pub fn save(&self) -> Result<(), String> {
        self.gallery.save(&self.model_path)
    }
}

pub(crate) fn accepts(backend: Backend, threshold: f64, score: f64) -> bool {
    match backend {
        Backend::SFace => score >= threshold,
        Backend::Lbph => score <= threshold,
    }
}

/// Per employee the best of their templates; overall the best employee.
pub(crate) fn best_match(backend: Backend, by_id: &std::collections::BTreeMap<i64, Vec<Vec<f32>>>, t: &[f32]) -> Option<Candidate> {
    let mut best: Option<Candidate> = None;
    for (id, templates) in by_id {
        for e in templates {
            let score = match backend {
                Backend::SFace => embedder::cosine(t, e),
                Backend::Lbph => embedder::chi_square(t, e),
            };
            let better = match (backend, best) {
                (_, None) => true,
                (Backend::SFace, Some(b)) => score > b.score,
                (Backend::Lbph, Some(b)) => score < b.score,
            };
            if better {
                best = Some(Candidate { employee_id: *id, score });
            }
        }
    }
    best
}

/// "3 of the last 5 frames name the same employee": the verification rule.
#[derive(Debug, Clone)]
pub(crate) struct Agreement {
    window: VecDeque<Option<Candidate>>,
    window_frames: usize,
    agree_frames: usize,
}

impl Agreement {
    pub fn new(agree_frames: usize, window_frames: usize) -> Self {
        let window_frames = window_frames.max(1);
        Agreement { window: VecDeque::new(), window_frames, agree_frames: agree_frames.clamp(1, window_frames) }
    }

    /// Adds one frame's accepted candidate (None: no one accepted). Returns the confirmed
    /// employee and their mean score once enough frames agree.
    pub fn push(&mut self, accepted: Option<Candidate>) -> Option<Candidate> {
        if self.window.len() == self.window_frames {
            self.window.pop_front();
        }
        self.window.push_back(accepted);
        let last = accepted?;
        let same: Vec<f64> = self.window.iter().flatten().filter(|c| c.employee_id == last.employee_id).map(|c| c.score).collect();
        (same.len() >= self.agree_frames)
            .then(|| Candidate { employee_id: last.employee_id, score: same.iter().sum::<f64>() / same.len() as f64 })
    }

    /// How many frames of the window agree with the latest accepted one (for progress).
    pub fn agreeing(&self) -> usize {
        let Some(Some(last)) = self.window.back() else { return 0 };
        self.window.iter().flatten().filter(|c| c.employee_id == last.employee_id).count()
    }

    pub fn needed(&self) -> usize {
        self.agree_frames
    }
}
