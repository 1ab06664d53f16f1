//! Files written so that a power cut leaves each either whole under its final name or absent;
//! sha256 while copying; the backup folder's checks (writable, free space). Dumps hold password
//! hashes and face templates: every file is made 0600 and the folders 0700 (issue 18).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{io_err, BackupError};

fn partial_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

pub(super) fn create_partial(dir: &Path, name: &str) -> Result<(File, PathBuf), BackupError> {
    let tmp = partial_path(dir, name);
    let _ = fs::remove_file(&tmp); // a leftover of a run that was killed
    let f = File::options().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io_err(format!("creating {}", tmp.display())))?;
    Ok((f, tmp))
}

/// fsync the file, rename it into place, fsync the folder: after a power cut the file is
/// either whole under its final name or absent.
pub(super) fn commit_partial(file: File, tmp: &Path, fin: &Path) -> Result<(), BackupError> {
    file.sync_all().map_err(io_err(format!("writing {}", tmp.display())))?;
    drop(file);
    fs::rename(tmp, fin).map_err(io_err(format!("renaming {} to {}", tmp.display(), fin.display())))?;
    sync_dir(fin.parent().unwrap_or(Path::new(".")))
}

fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(format!("syncing the folder {}", dir.display())))
}

pub(super) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), BackupError> {
    let (mut f, tmp) = create_partial(dir, name)?;
    let res =
        f.write_all(bytes).map_err(io_err(format!("writing {}", tmp.display()))).and_then(|_| commit_partial(f, &tmp, &dir.join(name)));
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

/// Copies `from` to `dir/name` atomically; returns (bytes, sha256).
pub(super) fn copy_atomically(from: &Path, dir: &Path, name: &str) -> Result<(u64, String), BackupError> {
    let src = File::open(from).map_err(io_err(format!("reading {}", from.display())))?;
    let (mut f, tmp) = create_partial(dir, name)?;
    let res = copy_hashing(src, &mut f)
        .map_err(io_err(format!("copying {} to {}", from.display(), tmp.display())))
        .and_then(|sum| commit_partial(f, &tmp, &dir.join(name)).map(|_| sum));
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

pub(super) fn copy_hashing(from: impl Read, to: &mut impl Write) -> io::Result<(u64, String)> {
    copy_hashing_with(from, to, |_| {})
}

/// Copies and hashes, showing each chunk to `each` on the way (the dump's scan).
pub(super) fn copy_hashing_with(mut from: impl Read, to: &mut impl Write, mut each: impl FnMut(&[u8])) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        each(&buf[..n]);
        to.write_all(&buf[..n])?;
        total += n as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

pub fn sha256_of_file(path: &Path) -> io::Result<(u64, String)> {
    copy_hashing(File::open(path)?, &mut io::sink())
}

/// Creates the folder and proves it can be written.
pub fn prepare_folder(dir: &Path) -> Result<(), BackupError> {
    let fail = |e: io::Error| BackupError::FolderNotWritable { path: dir.to_path_buf(), reason: e.to_string() };
    fs::create_dir_all(dir).map_err(fail)?;
    close_folder(dir);
    let probe = dir.join(".ombor-write-test");
    fs::write(&probe, b"ok").map_err(fail)?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

pub fn free_bytes(dir: &Path) -> io::Result<u64> {
    let st = nix::sys::statvfs::statvfs(dir).map_err(io::Error::from)?;
    Ok((st.blocks_available() as u64).saturating_mul(st.fragment_size() as u64))
}

/// The folder readable by its owner only (0700). A folder whose mode cannot be changed (a
/// network share mounted with fixed modes) is used as it is, with a warning in the log.
pub(super) fn close_folder(dir: &Path) {
    let open_to_others = fs::metadata(dir).map(|m| m.permissions().mode() & 0o077 != 0).unwrap_or(false);
    if open_to_others {
        if let Err(e) = fs::set_permissions(dir, fs::Permissions::from_mode(0o700)) {
            tracing::warn!(folder = %dir.display(), error = %e, "the backup folder stays readable by others: its mode cannot be changed");
        }
    }
}
