//! Listing the backup folder and checking a dump (sidecar, manifest, face model copy) before
//! anything trusts it.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::Serialize;

use sha2::{Digest, Sha256};

use super::files::{copy_hashing_with, sha256_of_file};
use super::names::{parse_dump_name, sidecar_path, stem_of};
use super::retention::dump_names;
use super::scan::{DumpScanner, CLOSING_LINE};
use super::sign::{signature_path, SigningKey};
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
    out.sort_by_key(|d| std::cmp::Reverse(d.taken_at));
    out
}

fn read_sidecar(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let hex = text.split_whitespace().next()?.to_ascii_lowercase();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

/// A dump whose checksum, signature, content (psql commands, rows) and face model copy have
/// just been checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedBackup {
    pub file: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub manifest: Option<Manifest>,
    pub face_model: Option<PathBuf>,
}

/// Checks everything a restore relies on before anything is touched: the dump against its
/// sidecar; the signature (`STEM.sig`, the HMAC of the dump's and the manifest's checksums
/// under `key`); the manifest's checksum and row counts against what the dump holds; that the
/// dump holds no psql command pg_dump never writes; the face model copy against the manifest.
pub fn verify_file(path: &Path, key: &SigningKey) -> Result<VerifiedBackup, BackupError> {
    if stem_of(path).is_none() {
        return Err(BackupError::NotABackup(path.to_path_buf()));
    }
    let sidecar = sidecar_path(path);
    let expected = read_sidecar(&sidecar).ok_or_else(|| BackupError::NoChecksum { file: path.to_path_buf(), sidecar: sidecar.clone() })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = stem_of(path).expect("checked above");
    let name = format!("{stem}.sql");
    let bad_signature = |reason: String| BackupError::BadSignature { file: path.to_path_buf(), reason };
    // The manifest's bytes as they are: the signature covers this very file.
    let json_path = dir.join(format!("{stem}.json"));
    let json = fs::read(&json_path).map_err(|e| bad_signature(format!("its manifest {} cannot be read: {e}", json_path.display())))?;
    let sig_path = signature_path(dir, &stem);
    let signature =
        fs::read_to_string(&sig_path).map_err(|e| bad_signature(format!("its signature {} cannot be read: {e}", sig_path.display())))?;
    let manifest: Manifest =
        serde_json::from_slice(&json).map_err(|e| bad_signature(format!("its manifest {} is not readable: {e}", json_path.display())))?;
    let manifest_sha256 = hex::encode(Sha256::digest(&json));

    let mut scanner = DumpScanner::new();
    let file = fs::File::open(path).map_err(io_err(format!("reading {}", path.display())))?;
    let (bytes, actual) = copy_hashing_with(file, &mut std::io::sink(), |chunk| scanner.feed(chunk))
        .map_err(io_err(format!("reading {}", path.display())))?;
    if actual != expected {
        return Err(BackupError::ChecksumMismatch { file: path.to_path_buf(), expected, actual });
    }
    if manifest.sha256 != actual {
        return Err(BackupError::ChecksumMismatch { file: path.to_path_buf(), expected: manifest.sha256.clone(), actual });
    }
    if !key.verify(&name, &actual, &manifest_sha256, &signature) {
        return Err(bad_signature(format!("{} does not match the dump and its manifest", sig_path.display())));
    }
    let scan = scanner.finish();
    if let Some((line, text)) = scan.refused {
        return Err(BackupError::MetaCommand { file: path.to_path_buf(), line, text });
    }
    if !scan.complete {
        return Err(BackupError::NotAsRecorded { file: path.to_path_buf(), detail: format!("it does not end with \"{CLOSING_LINE}\"") });
    }
    let differ: Vec<String> = manifest
        .row_counts
        .iter()
        .filter_map(|(table, recorded)| {
            let got = scan.row_counts.get(table).copied().unwrap_or(0);
            (got != *recorded).then(|| format!("{table}: {got} rows, the manifest records {recorded}"))
        })
        .collect();
    if !differ.is_empty() {
        return Err(BackupError::NotAsRecorded { file: path.to_path_buf(), detail: differ.join("; ") });
    }
    let mut face_model = None;
    if let Some(fm) = &manifest.face_model {
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
    Ok(VerifiedBackup { file: path.to_path_buf(), bytes, sha256: actual, manifest: Some(manifest), face_model })
}
