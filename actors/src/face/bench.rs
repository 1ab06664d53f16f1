//! `ombor bench face`: both backends side by side on folders of photos (one sub-folder per
//! person). Prints what the issues ask: identification accuracy, wrong identities accepted,
//! strangers accepted, ms per 640×480 frame on one core, enrolment of 30 frames, model load
//! with 100 employees. Nothing is written but a temporary model.yml of random numbers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use opencv::core::{Mat, Rect, Scalar, Size};
use opencv::prelude::*;
use opencv::{core, imgcodecs, imgproc};

use super::detector::Detection;
use super::gallery::Gallery;
use super::{accepts, best_match, Backend, Engine};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BackendFigures {
    pub backend: String,
    /// Why this backend could not run (models missing...); the other figures are then empty.
    pub unavailable: Option<String>,
    pub threshold: f64,
    pub people_enrolled: usize,
    pub photos_enrolled: usize,
    pub photos_refused_at_enrolment: usize,
    /// Probes of enrolled people.
    pub genuine_probes: usize,
    /// … named correctly and accepted.
    pub identified: usize,
    /// … accepted as somebody else (the dangerous error).
    pub wrong_identity_accepted: usize,
    /// … refused by the quality gate (no face found, two faces, ...).
    pub no_usable_face: usize,
    /// Probes of people not enrolled.
    pub stranger_probes: usize,
    pub strangers_accepted: usize,
    /// Score of each genuine probe against its own person (sface: cosine; lbph: distance).
    pub genuine_scores: Vec<f64>,
    /// Best score against a wrong person, for every probe (genuine and strangers).
    pub impostor_scores: Vec<f64>,
    /// Detection + quality gate + template + match, per 640×480 frame, one thread.
    pub ms_per_frame_640x480: f64,
    /// Of which detection alone.
    pub ms_detect_640x480: f64,
    /// Of which the template (sface: align + embedding) of one found face.
    pub ms_template_640x480: f64,
    /// The same per-frame work as CPU time of the bench thread: what one core spends, even
    /// when other programs share the machine and stretch the wall-clock figure.
    pub cpu_ms_per_frame_640x480: f64,
    /// 30 frames at 640×480 analysed, enrolled and model.yml written.
    pub ms_enrol_30_frames: f64,
    /// Reading a model.yml holding 100 employees × 20 templates (lbph: × 10, its cap).
    pub ms_load_model_100_employees: f64,
    pub model_bytes_100_employees: u64,
    /// Loading (and checksumming) the networks.
    pub ms_load_networks: f64,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BenchReport {
    pub enroll_dir: String,
    pub probe_dir: String,
    pub backends: Vec<BackendFigures>,
}

/// `dir/<person>/<photo>` → person → photo paths (sorted).
fn people(dir: &Path) -> Result<BTreeMap<String, Vec<PathBuf>>, String> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        let mut photos: Vec<PathBuf> = std::fs::read_dir(&p)
            .map_err(|e| format!("{}: {e}", p.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        photos.sort();
        out.insert(e.file_name().to_string_lossy().into_owned(), photos);
    }
    if out.is_empty() {
        return Err(format!("{}: no sub-folders (one per person) found", dir.display()));
    }
    Ok(out)
}

/// The photo placed in the middle of a 640×480 frame (the rest filled from its edges), the
/// way a face appears to a webcam at arm's length.
fn as_640x480(img: &Mat) -> opencv::Result<Mat> {
    let (w, h) = (img.cols(), img.rows());
    let scale = (300.0 / w.max(h) as f64).min(1.0);
    let mut small = Mat::default();
    imgproc::resize(img, &mut small, Size::new(0, 0), scale, scale, imgproc::INTER_AREA)?;
    let (w, h) = (small.cols(), small.rows());
    let (left, top) = ((640 - w) / 2, (480 - h) / 2);
    let mut frame = Mat::default();
    core::copy_make_border(&small, &mut frame, top, 480 - h - top, left, 640 - w - left, core::BORDER_REPLICATE, Scalar::default())?;
    Mat::roi(&frame, Rect::new(0, 0, 640, 480))?.try_clone()
}

pub fn run(config: &models::Config, enroll_dir: &Path, probe_dir: &Path) -> Result<BenchReport, String> {
    let enrol_set = people(enroll_dir)?;
    let probe_set = people(probe_dir)?;
    let mut report =
        BenchReport { enroll_dir: enroll_dir.display().to_string(), probe_dir: probe_dir.display().to_string(), backends: Vec::new() };
    // One core, as the budget says.
    let threads = core::get_num_threads().unwrap_or(1);
    let _ = core::set_num_threads(1);
    for backend in [Backend::SFace, Backend::Lbph] {
        let figures = run_backend(config, backend, &enrol_set, &probe_set).unwrap_or_else(|why| BackendFigures {
            backend: backend.as_str().into(),
            unavailable: Some(why),
            ..Default::default()
        });
        report.backends.push(figures);
    }
    let _ = core::set_num_threads(threads);
    Ok(report)
}

fn run_backend(
    config: &models::Config,
    backend: Backend,
    enrol_set: &BTreeMap<String, Vec<PathBuf>>,
    probe_set: &BTreeMap<String, Vec<PathBuf>>,
) -> Result<BackendFigures, String> {
    let t = Instant::now();
    let mut engine = Engine::load_backend(backend, config)?;
    let mut f = BackendFigures {
        backend: backend.as_str().into(),
        threshold: engine.threshold,
        ms_load_networks: t.elapsed().as_secs_f64() * 1e3,
        ..Default::default()
    };
    // Person names get ids 1.. in folder order.
    let ids: BTreeMap<&str, i64> = enrol_set.keys().enumerate().map(|(i, n)| (n.as_str(), i as i64 + 1)).collect();
    let mut enrolled_files = std::collections::HashSet::new();
    let mut frames_for_timing: Vec<Mat> = Vec::new();
    for (name, photos) in enrol_set {
        let mut templates = Vec::new();
        for p in photos {
            let Ok(img) = super::read_photo(p) else { continue };
            enrolled_files.insert(std::fs::canonicalize(p).unwrap_or(p.clone()));
            if let Ok(raw) = imgcodecs::imread(p, imgcodecs::IMREAD_COLOR) {
                if !raw.empty() {
                    frames_for_timing.push(as_640x480(&raw).map_err(|e| e.message)?);
                }
            }
            match engine.analyse(&img)?.template {
                Some(t) => templates.push(t),
                None => f.photos_refused_at_enrolment += 1,
            }
        }
        if !templates.is_empty() {
            f.people_enrolled += 1;
            f.photos_enrolled += templates.len();
            engine.gallery.set(backend, ids[name.as_str()], templates);
        }
    }
    let empty = BTreeMap::new();
    let gallery = engine.gallery.for_backend(backend).cloned().unwrap_or(empty);
    for (name, photos) in probe_set {
        let truth = ids.get(name.as_str()).copied().filter(|id| gallery.contains_key(id));
        for p in photos {
            if enrolled_files.contains(&std::fs::canonicalize(p).unwrap_or(p.clone())) {
                continue; // a photo is not probed against itself
            }
            let Ok(img) = super::read_photo(p) else { continue };
            let a = engine.analyse(&img)?;
            match truth {
                Some(_) => f.genuine_probes += 1,
                None => f.stranger_probes += 1,
            }
            let Some(t) = a.template else {
                if truth.is_some() {
                    f.no_usable_face += 1;
                }
                continue;
            };
            let best = best_match(backend, &gallery, &t);
            if let Some(id) = truth {
                let own: BTreeMap<i64, Vec<Vec<f32>>> = gallery.iter().filter(|(k, _)| **k == id).map(|(k, v)| (*k, v.clone())).collect();
                if let Some(c) = best_match(backend, &own, &t) {
                    f.genuine_scores.push(c.score);
                }
            }
            let others: BTreeMap<i64, Vec<Vec<f32>>> =
                gallery.iter().filter(|(k, _)| Some(**k) != truth).map(|(k, v)| (*k, v.clone())).collect();
            if let Some(c) = best_match(backend, &others, &t) {
                f.impostor_scores.push(c.score);
            }
            let Some(c) = best.filter(|c| accepts(backend, engine.threshold, c.score)) else { continue };
            match truth {
                Some(id) if c.employee_id == id => f.identified += 1,
                Some(_) => f.wrong_identity_accepted += 1,
                None => f.strangers_accepted += 1,
            }
        }
    }
    // Speed: every frame through the whole per-frame path.
    if !frames_for_timing.is_empty() {
        let _ = engine.analyse(&frames_for_timing[0])?; // first run sets the network up
        let rounds = frames_for_timing.len().max(40);
        let cpu = thread_cpu_ms();
        let t = Instant::now();
        for i in 0..rounds {
            let a = engine.analyse(&frames_for_timing[i % frames_for_timing.len()])?;
            if let Some(t) = a.template {
                let _ = best_match(backend, &gallery, &t);
            }
        }
        f.ms_per_frame_640x480 = t.elapsed().as_secs_f64() * 1e3 / rounds as f64;
        f.cpu_ms_per_frame_640x480 = (thread_cpu_ms() - cpu) / rounds as f64;
        let t = Instant::now();
        for i in 0..rounds {
            engine.detect(&frames_for_timing[i % frames_for_timing.len()])?;
        }
        f.ms_detect_640x480 = t.elapsed().as_secs_f64() * 1e3 / rounds as f64;
        let faces: Vec<(usize, Detection)> = (0..frames_for_timing.len())
            .filter_map(|i| engine.detect(&frames_for_timing[i]).ok().and_then(|d| d.into_iter().next()).map(|d| (i, d)))
            .collect();
        if !faces.is_empty() {
            let t = Instant::now();
            for k in 0..rounds {
                let (i, d) = &faces[k % faces.len()];
                engine.template(&frames_for_timing[*i], d)?;
            }
            f.ms_template_640x480 = t.elapsed().as_secs_f64() * 1e3 / rounds as f64;
        }

        let dir = tempfile_dir()?;
        let t = Instant::now();
        let mut templates = Vec::new();
        for i in 0..30 {
            if let Some(t) = engine.analyse(&frames_for_timing[i % frames_for_timing.len()])?.template {
                templates.push(t);
            }
        }
        let mut g = engine.gallery.clone();
        g.set(backend, 999_999, templates);
        g.save(&dir.join("model.yml"))?;
        f.ms_enrol_30_frames = t.elapsed().as_secs_f64() * 1e3;

        // 100 employees × 20 templates of this backend's size (random numbers, not faces).
        let dims = gallery.values().next().and_then(|v| v.first()).map_or(128, |t| t.len());
        let mut big = Gallery::default();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let per_employee = if backend == Backend::Lbph { crate::face_recognizer::LBPH_MAX_TEMPLATES } else { 20 };
        for id in 1..=100 {
            let rows = (0..per_employee)
                .map(|_| {
                    (0..dims)
                        .map(|_| {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            // Values as the backend makes them: LBPH counts / cell pixels.
                            match backend {
                                Backend::Lbph => (seed % 145) as f32 / super::gallery::LBPH_COUNT_SCALE as f32,
                                Backend::SFace => (seed % 1000) as f32 / 1000.0,
                            }
                        })
                        .collect()
                })
                .collect();
            big.set(backend, id, rows);
        }
        let path = dir.join("model100.yml");
        big.save(&path)?;
        f.model_bytes_100_employees = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let t = Instant::now();
        let loaded = Gallery::load(&path)?;
        f.ms_load_model_100_employees = t.elapsed().as_secs_f64() * 1e3;
        if loaded.employees(backend) != 100 {
            return Err("the 100-employee model did not read back".into());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(f)
}

/// CPU time this thread has used, from /proc (10 ms ticks; fine over dozens of frames).
fn thread_cpu_ms() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else { return 0.0 };
    // Fields after the command name (which is in parentheses): utime is the 14th, stime the 15th.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks * 10.0 // USER_HZ is 100 on Linux
}

fn tempfile_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("ombor-bench-{}-{}", std::process::id(), Instant::now().elapsed().as_nanos()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}
