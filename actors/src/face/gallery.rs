//! The numeric model file, `model.yml` (OpenCV FileStorage): for each employee id, the face
//! templates of each backend — embeddings or histograms, never images. Adding one employee
//! leaves the others untouched; removing one deletes their numbers from the file itself.
//! The file is readable by the program's user only (0600) and replaced atomically.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use opencv::core::{FileStorage, Mat, CV_32F, CV_8U};
use opencv::prelude::*;

use super::Backend;

/// Pixels per LBPH cell: OpenCV normalises each cell's histogram by it (see embedder.rs).
pub(crate) const LBPH_COUNT_SCALE: f64 = super::embedder::LBPH_CELL_PIXELS as f64;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Gallery {
    /// backend → employee id → that employee's templates (one per enrolled frame).
    pub templates: BTreeMap<Backend, BTreeMap<i64, Vec<Vec<f32>>>>,
}

impl Gallery {
    pub fn for_backend(&self, b: Backend) -> Option<&BTreeMap<i64, Vec<Vec<f32>>>> {
        self.templates.get(&b)
    }

    pub fn set(&mut self, b: Backend, employee_id: i64, templates: Vec<Vec<f32>>) {
        self.templates.entry(b).or_default().insert(employee_id, templates);
    }

    /// Removes the employee from every backend; true when they were there.
    pub fn remove(&mut self, employee_id: i64) -> bool {
        let mut found = false;
        for by_id in self.templates.values_mut() {
            found |= by_id.remove(&employee_id).is_some();
        }
        found
    }

    pub fn employees(&self, b: Backend) -> usize {
        self.templates.get(&b).map_or(0, |m| m.len())
    }

    /// Reads `path`; a missing file is an empty gallery.
    pub fn load(path: &Path) -> Result<Gallery, String> {
        if !path.exists() {
            return Ok(Gallery::default());
        }
        let fail = |e: opencv::Error| format!("{}: {}", path.display(), e.message);
        let fs = FileStorage::new(path, opencv::core::FileStorage_Mode::READ as i32, "").map_err(fail)?;
        if !fs.is_opened().map_err(fail)? {
            return Err(format!("{}: cannot be read as a face model", path.display()));
        }
        let root = fs.root(0).map_err(fail)?;
        let mut g = Gallery::default();
        for key in root.keys().map_err(fail)? {
            // Keys look like `sface_12`: backend, underscore, employee id.
            let Some((b, id)) = key.split_once('_') else { continue };
            let (Some(backend), Ok(id)) = (Backend::parse(b), id.parse::<i64>()) else { continue };
            let stored = root.get(&key).map_err(fail)?.mat().map_err(fail)?;
            let mut m = Mat::default();
            match stored.typ() {
                CV_32F => m = stored,
                // LBPH histograms are pixel counts per cell, kept as bytes (see `save`).
                CV_8U => stored.convert_to(&mut m, CV_32F, 1.0 / LBPH_COUNT_SCALE, 0.0).map_err(fail)?,
                _ => return Err(format!("{}: entry {key} is not a matrix of numbers", path.display())),
            }
            if m.rows() == 0 {
                return Err(format!("{}: entry {key} is empty", path.display()));
            }
            let mut rows = Vec::with_capacity(m.rows() as usize);
            for r in 0..m.rows() {
                let row = m.row(r).map_err(fail)?;
                let row = row.try_clone().map_err(fail)?;
                rows.push(row.data_typed::<f32>().map_err(fail)?.to_vec());
            }
            g.set(backend, id, rows);
        }
        Ok(g)
    }

    /// Writes the whole gallery to `path` (0600), through a temporary file of its own in the
    /// same dir, renamed over `path`: readers in other processes see the old file or the new
    /// one, whole, and two writers never share a temporary name.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let tmp = unique_temp_file(path)?;
        let written = self.write_to(&tmp);
        let renamed = written.and_then(|()| std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display())));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        renamed
    }

    fn write_to(&self, tmp: &Path) -> Result<(), String> {
        let fail = |e: opencv::Error| format!("{}: {}", tmp.display(), e.message);
        let mode = opencv::core::FileStorage_Mode::WRITE as i32 | opencv::core::FileStorage_Mode::BASE64 as i32;
        let mut fs = FileStorage::new(tmp, mode, "").map_err(fail)?;
        fs.write_i32("format_version", 1).map_err(fail)?;
        for (backend, by_id) in &self.templates {
            for (id, rows) in by_id {
                let dims = rows.first().map_or(0, |r| r.len());
                let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
                let m = Mat::from_slice(&flat).map_err(fail)?;
                let m = m.reshape(1, rows.len() as i32).map_err(fail)?.try_clone().map_err(fail)?;
                debug_assert_eq!(m.cols() as usize, dims);
                let m = if *backend == Backend::Lbph {
                    // Each LBPH value is (pixels in the bin) / LBPH_COUNT_SCALE: the count fits a
                    // byte exactly, and the file is 4× smaller and faster to read.
                    let mut bytes = Mat::default();
                    m.convert_to(&mut bytes, CV_8U, LBPH_COUNT_SCALE, 0.0).map_err(fail)?;
                    bytes
                } else {
                    m
                };
                fs.write_mat(&format!("{}_{id}", backend.as_str()), &m).map_err(fail)?;
            }
        }
        fs.release().map_err(fail)?;
        Ok(())
    }
}

/// `model.yml.<pid>.<n>.tmp` beside `path`, created new (O_EXCL) with mode 0600 — FileStorage
/// keeps the mode of a file it truncates.
fn unique_temp_file(path: &Path) -> Result<std::path::PathBuf, String> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model.yml".into());
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_file_name(format!("{name}.{}.{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp) {
            Ok(_) => {
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(|e| format!("{}: {e}", tmp.display()))?;
                return Ok(tmp);
            }
            // Left over by a process of the same pid that was killed mid-write: take the next.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", tmp.display())),
        }
    }
}
