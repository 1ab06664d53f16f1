//! The numeric model file, `model.yml` (OpenCV FileStorage): for each employee id, the face
//! templates of each backend — embeddings or histograms, never images. Adding one employee
//! leaves the others untouched; removing one deletes their numbers from the file itself.
//! The file is readable by the program's user only (0600) and replaced atomically.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use opencv::core::{FileStorage, Mat, CV_32F};
use opencv::prelude::*;

use super::Backend;

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
            let m = root.get(&key).map_err(fail)?.mat().map_err(fail)?;
            if m.typ() != CV_32F || m.rows() == 0 {
                return Err(format!("{}: entry {key} is not a float matrix", path.display()));
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

    /// Writes the whole gallery to `path` (0600), through a temporary file in the same dir.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let tmp = path.with_extension("yml.tmp");
        {
            // Create it 0600 first: FileStorage keeps the mode of a file it truncates.
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(|e| format!("{}: {e}", tmp.display()))?;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(|e| format!("{}: {e}", tmp.display()))?;
        }
        let fail = |e: opencv::Error| format!("{}: {}", tmp.display(), e.message);
        let mode = opencv::core::FileStorage_Mode::WRITE as i32 | opencv::core::FileStorage_Mode::BASE64 as i32;
        let mut fs = FileStorage::new(&tmp, mode, "").map_err(fail)?;
        fs.write_i32("format_version", 1).map_err(fail)?;
        for (backend, by_id) in &self.templates {
            for (id, rows) in by_id {
                let dims = rows.first().map_or(0, |r| r.len());
                let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
                let m = Mat::from_slice(&flat).map_err(fail)?;
                let m = m.reshape(1, rows.len() as i32).map_err(fail)?;
                debug_assert_eq!(m.cols() as usize, dims);
                fs.write_mat(&format!("{}_{id}", backend.as_str()), &m.try_clone().map_err(fail)?).map_err(fail)?;
            }
        }
        fs.release().map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(())
    }
}
