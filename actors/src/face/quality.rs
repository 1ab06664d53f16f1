//! The quality gate a frame must pass before it is enrolled or trusted: exactly one face, big
//! enough, lit enough, sharp enough (variance of the Laplacian).

use opencv::core::{Mat, Size, CV_64F};
use opencv::prelude::*;
use opencv::{core, imgproc};

use super::detector::Detection;
use crate::face_recognizer::FaceHint;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QualityGate {
    /// Smallest face width in frame pixels.
    pub min_face_px: f32,
    /// A second face at least this fraction of the largest one's width counts as "two faces".
    pub second_face_ratio: f32,
    /// Mean grey level (0–255) of the face below which it is too dark.
    pub min_brightness: f64,
    /// Variance of the Laplacian of the face scaled to 112 px wide, below which it is blurry.
    pub min_sharpness: f64,
}

impl Default for QualityGate {
    fn default() -> Self {
        // Calibrated on the fixtures and a 720p webcam picture: see docs/face-threshold.md.
        QualityGate { min_face_px: 64.0, second_face_ratio: 0.5, min_brightness: 50.0, min_sharpness: 15.0 }
    }
}

/// What the gate measured on the face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measures {
    pub brightness: f64,
    pub sharpness: f64,
}

impl QualityGate {
    /// Judges the frame by its faces (largest first); `Good` means `faces[0]` may be used.
    pub fn judge(&self, bgr: &Mat, faces: &[Detection]) -> opencv::Result<(FaceHint, Option<Measures>)> {
        let Some(face) = faces.first() else { return Ok((FaceHint::NoFace, None)) };
        if faces.iter().skip(1).any(|f| f.rect.width >= face.rect.width * self.second_face_ratio) {
            return Ok((FaceHint::TwoFaces, None));
        }
        if face.rect.width < self.min_face_px {
            return Ok((FaceHint::TooSmall, None));
        }
        let m = measure(bgr, face)?;
        let hint = if m.brightness < self.min_brightness {
            FaceHint::TooDark
        } else if m.sharpness < self.min_sharpness {
            FaceHint::Blurry
        } else {
            FaceHint::Good
        };
        Ok((hint, Some(m)))
    }
}

pub(crate) fn measure(bgr: &Mat, face: &Detection) -> opencv::Result<Measures> {
    let gray = super::detector::grey_face(bgr, face)?;
    let brightness = core::mean(&gray, &core::no_array())?[0];
    // Sharpness is compared at one scale, so a big face is not "sharper" just for being big.
    let mut small = Mat::default();
    let size = Size::new(112, ((112.0 * gray.rows() as f64 / gray.cols() as f64).round() as i32).max(1));
    imgproc::resize(&gray, &mut small, size, 0.0, 0.0, imgproc::INTER_AREA)?;
    let mut lap = Mat::default();
    imgproc::laplacian(&small, &mut lap, CV_64F, 1, 1.0, 0.0, core::BORDER_DEFAULT)?;
    let (mut mean, mut dev) = (Mat::default(), Mat::default());
    core::mean_std_dev(&lap, &mut mean, &mut dev, &core::no_array())?;
    let sd = *dev.at::<f64>(0)?;
    Ok(Measures { brightness, sharpness: sd * sd })
}
