//! Listing the backup folder and checking a dump (sidecar, manifest, face model copy) before
//! anything trusts it.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::Serialize;

use super::files::sha256_of_file;
use super::names::{parse_dump_name, sidecar_path, stem_of};
use super::retention::dump_names;
use super::{io_err, BackupError, Manifest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumState {
    /// The file's sha256 was computed and matches its sidecar.
    Verified,
    /// Computed and different: the file is damaged.
    Mismatch,
    /// A sidecar exists and the size matches the manifest; the hash was not computed (no --check).
    Recorded,
    /// No sidecar, or the size differs from the manifest.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupFile {
    pub file: String,
    pub path: PathBuf,
    /// Local time from the file name.
    pub taken_at: NaiveDateTime,
    pub bytes: u64,
    pub checksum: ChecksumState,
    pub face_model: bool,
}

/// The dumps in `dir`, newest first; `check` computes every file's sha256.
pub fn list_files(dir: &Path, check: bool) -> Vec<BackupFile> {
    let mut out: Vec<BackupFile> = dump_names(dir)
        .into_iter()
        .filter_map(|name| {
            let path = dir.join(&name);
            let bytes = fs::metadata(&path).ok()?.len();
            let stem = name.trim_end_matches(".sql").to_string();
            let manifest: Option<Manifest> = fs::read(dir.join(format!("{stem}.json"))).ok().and_then(|b| serde_json::from_slice(&b).ok());
            let recorded = read_sidecar(&sidecar_path(&path));
            let checksum = match (&recorded, check) {
                (None, _) => ChecksumState::Missing,
                (Some(expected), true) => match sha256_of_file(&path) {
                    Ok((_, actual)) if &actual == expected => ChecksumState::Verified,
                    _ => ChecksumState::Mismatch,
                },
                (Some(_), false) if manifest.as_ref().is_some_and(|m| m.bytes != bytes) => ChecksumState::Mismatch,
                (Some(_), false) => ChecksumState::Recorded,
            };
            Some(BackupFile {
                taken_at: parse_dump_name(&name)?,
                file: name,
                path,
                bytes,
                checksum,
                face_model: manifest.is_some_and(|m| m.face_model.is_some()),
            })
        })
        .collect();
    out.sort_by(|a, b| b.taken_at.cmp(&a.taken_at));
    out
}

fn read_sidecar(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let hex = text.split_whitespace().next()?.to_ascii_lowercase();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

/// A dump whose checksum (and its face model copy's) has just been checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedBackup {
    pub file: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub manifest: Option<Manifest>,
    pub face_model: Option<PathBuf>,
}

/// Checks the dump against its sidecar and the face model copy against the manifest.
pub fn verify_file(path: &Path) -> Result<VerifiedBackup, BackupError> {
    if stem_of(path).is_none() {
        return Err(BackupError::NotABackup(path.to_path_buf()));
    }
    let sidecar = sidecar_path(path);
    let expected = read_sidecar(&sidecar).ok_or_else(|| BackupError::NoChecksum { file: path.to_path_buf(), sidecar: sidecar.clone() })?;
    let (bytes, actual) = sha256_of_file(path).map_err(io_err(format!("reading {}", path.display())))?;
    if actual != expected {
        return Err(BackupError::ChecksumMismatch { file: path.to_path_buf(), expected, actual });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = stem_of(path).expect("checked above");
    let manifest: Option<Manifest> = fs::read(dir.join(format!("{stem}.json"))).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let mut face_model = None;
    if let Some(m) = &manifest {
        if m.sha256 != actual {
            return Err(BackupError::ChecksumMismatch { file: path.to_path_buf(), expected: m.sha256.clone(), actual });
        }
        if let Some(fm) = &m.face_model {
            let copy = dir.join(&fm.file);
            match sha256_of_file(&copy) {
                Ok((_, sum)) if sum == fm.sha256 => face_model = Some(copy),
                Ok((_, sum)) => {
                    return Err(BackupError::FaceModelDamaged {
                        file: copy,
                        reason: format!("sha256 {sum}, the manifest recorded {}", fm.sha256),
                    })
                }
                Err(e) => return Err(BackupError::FaceModelDamaged { file: copy, reason: e.to_string() }),
            }
        }
    }
    Ok(VerifiedBackup { file: path.to_path_buf(), bytes, sha256: actual, manifest, face_model })
}
