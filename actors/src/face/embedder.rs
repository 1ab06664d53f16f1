//! Turning a detected face into numbers: SFace's 128-d embedding of the aligned crop (compared
//! by cosine similarity), or LBPH's histograms of local binary patterns (compared by OpenCV's
//! chi-square distance, as its LBPHFaceRecognizer does).

use std::path::Path;

use opencv::core::{Mat, Ptr, Size, Vector, CV_32F};
use opencv::prelude::*;
use opencv::{face, imgproc, objdetect};

use super::detector::Detection;

/// The grey crop LBPH looks at.
const LBPH_FACE_SIZE: i32 = 100;
/// LBP with radius 1 on 100 px leaves 98 px, cut in an 8×8 grid: 12×12 pixels per cell.
pub(crate) const LBPH_CELL_PIXELS: i32 = ((LBPH_FACE_SIZE - 2) / 8) * ((LBPH_FACE_SIZE - 2) / 8);

pub(crate) enum Embedder {
    SFace(Ptr<objdetect::FaceRecognizerSF>),
    Lbph(Ptr<face::LBPHFaceRecognizer>),
}

impl Embedder {
    pub fn sface(path: &Path) -> opencv::Result<Embedder> {
        Ok(Embedder::SFace(objdetect::FaceRecognizerSF::create(&path.to_string_lossy(), "", 0, 0)?))
    }

    pub fn lbph() -> opencv::Result<Embedder> {
        Ok(Embedder::Lbph(face::LBPHFaceRecognizer::create(1, 8, 8, 8, f64::MAX)?))
    }

    /// The face's template: a unit-length embedding (sface) or the LBP histograms (lbph).
    pub fn template(&mut self, bgr: &Mat, face: &Detection) -> opencv::Result<Vec<f32>> {
        match self {
            Embedder::SFace(rec) => {
                let lm = face.landmarks.ok_or_else(|| opencv::Error::new(opencv::core::StsBadArg, "SFace needs landmarks".to_string()))?;
                let mut row = [0f32; 15];
                row[0] = face.rect.x;
                row[1] = face.rect.y;
                row[2] = face.rect.width;
                row[3] = face.rect.height;
                row[4..14].copy_from_slice(&lm);
                row[14] = face.score;
                let row = Mat::from_slice(&row)?;
                let mut aligned = Mat::default();
                rec.align_crop(bgr, &row, &mut aligned)?;
                let mut feature = Mat::default();
                rec.feature(&aligned, &mut feature)?;
                let mut v = feature.data_typed::<f32>()?.to_vec();
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
                v.iter_mut().for_each(|x| *x /= norm);
                Ok(v)
            }
            Embedder::Lbph(rec) => {
                let crop = lbph_crop(bgr, face)?;
                let images: Vector<Mat> = Vector::from_iter([crop]);
                let labels = Mat::from_slice(&[0i32])?;
                // Training on one image computes exactly its histograms, with OpenCV's own code.
                face::FaceRecognizerTrait::train(&mut *rec, &images, &labels)?;
                let hists = face::LBPHFaceRecognizerTraitConst::get_histograms(&*rec)?;
                let h = hists.get(0)?;
                let mut flat = Mat::default();
                h.convert_to(&mut flat, CV_32F, 1.0, 0.0)?;
                let v = flat.data_typed::<f32>()?.to_vec();
                Ok(v)
            }
        }
    }
}

/// Grey, equalised, fixed-size crop of the face box, clamped to the frame.
fn lbph_crop(bgr: &Mat, face: &Detection) -> opencv::Result<Mat> {
    let gray = super::detector::grey_face(bgr, face)?;
    let mut small = Mat::default();
    imgproc::resize(&gray, &mut small, Size::new(LBPH_FACE_SIZE, LBPH_FACE_SIZE), 0.0, 0.0, imgproc::INTER_AREA)?;
    let mut eq = Mat::default();
    imgproc::equalize_hist(&small, &mut eq)?;
    Ok(eq)
}

/// SFace: cosine similarity of unit vectors (higher = more alike).
pub(crate) fn cosine(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (*x as f64) * (*y as f64)).sum()
}

/// LBPH: OpenCV's HISTCMP_CHISQR_ALT, what LBPHFaceRecognizer::predict uses (lower = more alike).
pub(crate) fn chi_square(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let (x, y) = (*x as f64, *y as f64);
            let s = x + y;
            if s > f64::EPSILON {
                (x - y) * (x - y) / s
            } else {
                0.0
            }
        })
        .sum::<f64>()
        * 2.0
}
