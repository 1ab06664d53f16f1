//! Finding faces in a frame: CenterFace through OpenCV's dnn (box + 5 landmarks), or the Haar
//! cascade of opencv-data (box only) for the LBPH fallback.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use opencv::core::{Mat, Rect, Rect2f, Scalar, Size, Vector, CV_32F};
use opencv::prelude::*;
use opencv::{dnn, imgproc, objdetect};

/// A face in frame pixels; `landmarks` (right eye, left eye, nose, mouth corners — YuNet's
/// order, x then y) when the detector gives them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Detection {
    pub rect: Rect2f,
    pub landmarks: Option<[f32; 10]>,
    pub score: f32,
}

/// Faces are looked for on a copy whose longer side is this many pixels: a 720p face at arm's
/// length is still ≈ 50 px there, and detection stays a few milliseconds.
const DETECT_LONG_SIDE: f32 = 192.0;
const CENTERFACE_MIN_SCORE: f32 = 0.5;
const NMS_IOU: f32 = 0.3;

pub(crate) struct CenterFace {
    path: PathBuf,
    /// One network per input size: OpenCV 4.6 returns wrong outputs when a network that already
    /// ran is fed a second size.
    nets: HashMap<(i32, i32), dnn::Net>,
}

impl CenterFace {
    pub fn load(path: &Path) -> opencv::Result<CenterFace> {
        let mut c = CenterFace { path: path.to_path_buf(), nets: HashMap::new() };
        // Load once now so a broken file fails at start, not at the first face.
        c.net_for(192, 160)?;
        Ok(c)
    }

    fn net_for(&mut self, w: i32, h: i32) -> opencv::Result<&mut dnn::Net> {
        if !self.nets.contains_key(&(w, h)) {
            let net = dnn::read_net_from_onnx(&self.path)?;
            self.nets.insert((w, h), net);
        }
        Ok(self.nets.get_mut(&(w, h)).expect("inserted"))
    }

    pub fn detect(&mut self, bgr: &Mat) -> opencv::Result<Vec<Detection>> {
        let (w, h) = (bgr.cols(), bgr.rows());
        let scale = DETECT_LONG_SIDE / w.max(h) as f32;
        let round32 = |v: f32| (((v / 32.0).ceil() as i32) * 32).max(32);
        let (tw, th) = (round32(w as f32 * scale), round32(h as f32 * scale));
        let blob = dnn::blob_from_image(bgr, 1.0, Size::new(tw, th), Scalar::default(), true, false, CV_32F)?;
        let net = self.net_for(tw, th)?;
        net.set_input(&blob, "", 1.0, Scalar::default())?;
        let names: Vector<String> = Vector::from_iter(["537", "538", "539", "540"]);
        let mut outs: Vector<Mat> = Vector::new();
        net.forward(&mut outs, &names)?;
        let (heat, scales, offsets, marks) = (outs.get(0)?, outs.get(1)?, outs.get(2)?, outs.get(3)?);
        let (heat, scales, offsets, marks) = (floats(&heat)?, floats(&scales)?, floats(&offsets)?, floats(&marks)?);
        let (gw, gh) = ((tw / 4) as usize, (th / 4) as usize);
        let plane = gw * gh;
        if heat.len() < plane || scales.len() < 2 * plane || offsets.len() < 2 * plane || marks.len() < 10 * plane {
            return Err(opencv::Error::new(opencv::core::StsBadSize, "CenterFace outputs have an unexpected size".to_string()));
        }
        let (sx, sy) = (w as f32 / tw as f32, h as f32 / th as f32);
        let mut found = Vec::new();
        for gy in 0..gh {
            for gx in 0..gw {
                let i = gy * gw + gx;
                let score = heat[i];
                if score < CENTERFACE_MIN_SCORE {
                    continue;
                }
                let (s0, s1) = (scales[i].exp() * 4.0, scales[plane + i].exp() * 4.0);
                let (o0, o1) = (offsets[i], offsets[plane + i]);
                let x1 = ((gx as f32 + o1 + 0.5) * 4.0 - s1 / 2.0).clamp(0.0, tw as f32);
                let y1 = ((gy as f32 + o0 + 0.5) * 4.0 - s0 / 2.0).clamp(0.0, th as f32);
                let x2 = (x1 + s1).min(tw as f32);
                let y2 = (y1 + s0).min(th as f32);
                let mut lm = [0f32; 10];
                for j in 0..5 {
                    lm[2 * j] = (marks[(2 * j + 1) * plane + i] * s1 + x1) * sx;
                    lm[2 * j + 1] = (marks[2 * j * plane + i] * s0 + y1) * sy;
                }
                let rect = Rect2f::new(x1 * sx, y1 * sy, (x2 - x1) * sx, (y2 - y1) * sy);
                found.push(Detection { rect, landmarks: Some(lm), score });
            }
        }
        Ok(non_max_suppression(found))
    }
}

/// The Mat's floats in memory order (a network output is continuous).
fn floats(m: &Mat) -> opencv::Result<Vec<f32>> {
    if m.typ() != CV_32F || !m.is_continuous() {
        return Err(opencv::Error::new(opencv::core::StsBadArg, "expected continuous f32 network output".to_string()));
    }
    let n = m.total();
    // SAFETY: a continuous CV_32F Mat holds `total()` f32 values from its data pointer.
    let slice = unsafe { std::slice::from_raw_parts(m.data() as *const f32, n) };
    Ok(slice.to_vec())
}

fn iou(a: &Rect2f, b: &Rect2f) -> f32 {
    let x1 = a.x.max(b.x);
    let y1 = a.y.max(b.y);
    let x2 = (a.x + a.width).min(b.x + b.width);
    let y2 = (a.y + a.height).min(b.y + b.height);
    let inter = (x2 - x1).max(0.0) * (y2 - y1).max(0.0);
    let union = a.width * a.height + b.width * b.height - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

fn non_max_suppression(mut found: Vec<Detection>) -> Vec<Detection> {
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for d in found {
        if kept.iter().all(|k| iou(&k.rect, &d.rect) <= NMS_IOU) {
            kept.push(d);
        }
    }
    kept
}

pub(crate) const HAAR_CASCADE: &str = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

pub(crate) struct Haar {
    cascade: objdetect::CascadeClassifier,
}

impl Haar {
    pub fn load() -> Result<Haar, String> {
        if !Path::new(HAAR_CASCADE).exists() {
            return Err(format!("{HAAR_CASCADE} is missing: install the opencv-data package"));
        }
        let cascade = objdetect::CascadeClassifier::new(HAAR_CASCADE).map_err(|e| e.message)?;
        if cascade.empty().unwrap_or(true) {
            return Err(format!("{HAAR_CASCADE} could not be read"));
        }
        Ok(Haar { cascade })
    }

    pub fn detect(&mut self, bgr: &Mat) -> opencv::Result<Vec<Detection>> {
        let (w, h) = (bgr.cols(), bgr.rows());
        let scale = (DETECT_LONG_SIDE / w.max(h) as f32).min(1.0);
        let mut gray = Mat::default();
        imgproc::cvt_color_def(bgr, &mut gray, imgproc::COLOR_BGR2GRAY)?;
        let mut small = Mat::default();
        imgproc::resize(&gray, &mut small, Size::new(0, 0), scale as f64, scale as f64, imgproc::INTER_AREA)?;
        let mut eq = Mat::default();
        imgproc::equalize_hist(&small, &mut eq)?;
        let mut rects: Vector<Rect> = Vector::new();
        self.cascade.detect_multi_scale(&eq, &mut rects, 1.1, 5, 0, Size::new(24, 24), Size::default())?;
        let mut found: Vec<Detection> = rects
            .iter()
            .map(|r| Detection {
                rect: Rect2f::new(r.x as f32 / scale, r.y as f32 / scale, r.width as f32 / scale, r.height as f32 / scale),
                landmarks: None,
                score: 1.0,
            })
            .collect();
        found.sort_by(|a, b| (b.rect.width * b.rect.height).total_cmp(&(a.rect.width * a.rect.height)));
        Ok(found)
    }
}

pub(crate) enum Detector {
    CenterFace(CenterFace),
    Haar(Haar),
}

impl Detector {
    /// Faces, largest first.
    pub fn detect(&mut self, bgr: &Mat) -> opencv::Result<Vec<Detection>> {
        let mut found = match self {
            Detector::CenterFace(c) => c.detect(bgr)?,
            Detector::Haar(h) => h.detect(bgr)?,
        };
        found.sort_by(|a, b| (b.rect.width * b.rect.height).total_cmp(&(a.rect.width * a.rect.height)));
        Ok(found)
    }
}
