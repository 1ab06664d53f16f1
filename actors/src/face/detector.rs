//! Finding faces in a frame: CenterFace through OpenCV's dnn (box + 5 landmarks), or the Haar
//! cascade of opencv-data (box only) for the LBPH fallback.

use std::path::Path;

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

/// Faces are looked for on a copy that fits this network input (multiples of 32), scaled
/// without distortion and padded at the right or bottom: a 640×480 frame becomes 171×128
/// (a face at arm's length ≈ 35–45 px), a 1280×720 one 192×108. One size for every frame
/// keeps one network (OpenCV 4.6 needs one per input size) and the cost fixed.
const DETECT_INPUT: (i32, i32) = (192, 128);
const CENTERFACE_MIN_SCORE: f32 = 0.5;
const NMS_IOU: f32 = 0.3;

pub(crate) struct CenterFace {
    net: dnn::Net,
}

impl CenterFace {
    /// Loads the network now, so a broken file fails at start, not at the first face.
    pub fn load(path: &Path) -> opencv::Result<CenterFace> {
        Ok(CenterFace { net: dnn::read_net_from_onnx(path)? })
    }

    pub fn detect(&mut self, bgr: &Mat) -> opencv::Result<Vec<Detection>> {
        let (w, h) = (bgr.cols(), bgr.rows());
        let (tw, th) = DETECT_INPUT;
        let scale = (tw as f32 / w as f32).min(th as f32 / h as f32);
        let (sw, sh) = (((w as f32 * scale).round() as i32).clamp(1, tw), ((h as f32 * scale).round() as i32).clamp(1, th));
        let mut small = Mat::default();
        imgproc::resize(bgr, &mut small, Size::new(sw, sh), 0.0, 0.0, imgproc::INTER_LINEAR)?;
        let mut padded = Mat::default();
        opencv::core::copy_make_border(&small, &mut padded, 0, th - sh, 0, tw - sw, opencv::core::BORDER_CONSTANT, Scalar::default())?;
        let blob = dnn::blob_from_image(&padded, 1.0, Size::new(tw, th), Scalar::default(), true, false, CV_32F)?;
        let net = &mut self.net;
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
        // Back to frame pixels: the same scale both ways; the padding is right and bottom.
        let (sx, sy) = (1.0 / scale, 1.0 / scale);
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

/// The face box clamped to the frame, in grey (what LBPH and the quality gate look at).
pub(crate) fn grey_face(bgr: &Mat, face: &Detection) -> opencv::Result<Mat> {
    let (w, h) = (bgr.cols(), bgr.rows());
    let x = (face.rect.x.round() as i32).clamp(0, w - 1);
    let y = (face.rect.y.round() as i32).clamp(0, h - 1);
    let rw = (face.rect.width.round() as i32).clamp(1, w - x);
    let rh = (face.rect.height.round() as i32).clamp(1, h - y);
    let roi = Mat::roi(bgr, Rect::new(x, y, rw, rh))?;
    let mut gray = Mat::default();
    imgproc::cvt_color_def(&roi, &mut gray, imgproc::COLOR_BGR2GRAY)?;
    Ok(gray)
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

/// The Haar cascade looks at a grey copy whose longer side is this many pixels.
const HAAR_LONG_SIDE: f32 = 192.0;

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
        let scale = (HAAR_LONG_SIDE / w.max(h) as f32).min(1.0);
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
