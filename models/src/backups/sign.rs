//! Each backup is signed: HMAC-SHA256 over the dump's name, its sha256 and the manifest's
//! sha256, under a key kept outside the backup folder (`<data_dir>/backup.key`, 0600, made on
//! the first backup). Whoever can write the backup folder (a mirror disk, a share) can change a
//! dump and recompute its `.sha256` and manifest, but not the `STEM.sig` beside them without the
//! key; a restore refuses a dump whose signature is missing or wrong. Stations that take backups
//! (or restore them) hold the same key: copy the file, keeping it 0600.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use hmac::{KeyInit, Mac};
use rand::RngCore;

use super::BackupError;

type HmacSha256 = hmac::Hmac<sha2_v011::Sha256>;

/// The key file's name in the data folder.
pub const KEY_FILE: &str = "backup.key";
const SCHEME: &str = "hmac-sha256";

/// The backup signing key (32 random bytes, stored as 64 hex digits and a newline).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey([u8; 32]);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl SigningKey {
    /// Reads the key; made (0600) when there is none yet. Taking a backup uses this.
    pub fn load_or_create(path: &Path) -> Result<SigningKey, BackupError> {
        match SigningKey::load(path) {
            Err(BackupError::NoSigningKey { .. }) => {}
            other => return other,
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let fail = |e: io::Error| BackupError::SigningKey { path: path.to_path_buf(), reason: e.to_string() };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(fail)?;
        }
        let written = File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .and_then(|mut f| f.write_all(format!("{}\n", hex::encode(bytes)).as_bytes()).and_then(|_| f.sync_all()));
        match written {
            Ok(()) => {
                tracing::info!(key = %path.display(), "backup signing key created");
                Ok(SigningKey(bytes))
            }
            // Another process made it at the same moment: use theirs.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => SigningKey::load(path),
            Err(e) => Err(fail(e)),
        }
    }

    /// Reads the key that must already be there (a restore never makes one).
    pub fn load(path: &Path) -> Result<SigningKey, BackupError> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(BackupError::NoSigningKey { path: path.to_path_buf() }),
            Err(e) => return Err(BackupError::SigningKey { path: path.to_path_buf(), reason: e.to_string() }),
        };
        let bad = |reason: &str| BackupError::SigningKey { path: path.to_path_buf(), reason: reason.to_string() };
        if let Ok(meta) = fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(bad("other users may read it (it must be 0600: chmod 600 it)"));
            }
        }
        let bytes = hex::decode(text.trim()).map_err(|_| bad("it is not 64 hex digits"))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| bad("it is not 64 hex digits"))?;
        Ok(SigningKey(key))
    }

    fn mac(&self, dump_name: &str, dump_sha256: &str, manifest_sha256: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(format!("ombor-nazorat backup v1\nfile {dump_name}\nsha256 {dump_sha256}\nmanifest {manifest_sha256}\n").as_bytes());
        mac
    }

    /// The signature file's text for one backup.
    pub fn sign(&self, dump_name: &str, dump_sha256: &str, manifest_sha256: &str) -> String {
        let tag = self.mac(dump_name, dump_sha256, manifest_sha256).finalize().into_bytes();
        format!("{SCHEME} {}\n", hex::encode(tag))
    }

    /// Whether `signature` (a signature file's text) signs exactly these checksums.
    pub fn verify(&self, dump_name: &str, dump_sha256: &str, manifest_sha256: &str, signature: &str) -> bool {
        let mut words = signature.split_whitespace();
        let (Some(SCHEME), Some(hex_tag), None) = (words.next(), words.next(), words.next()) else { return false };
        let Ok(tag) = hex::decode(hex_tag) else { return false };
        self.mac(dump_name, dump_sha256, manifest_sha256).verify_slice(&tag).is_ok()
    }
}

/// `STEM.sig` beside `STEM.sql`.
pub fn signature_path(dir: &Path, stem: &str) -> PathBuf {
    dir.join(format!("{stem}.sig"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_the_same_key_and_checksums() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join(KEY_FILE);
        let key = SigningKey::load_or_create(&path).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(SigningKey::load_or_create(&path).unwrap(), key, "made once, then read");
        let sig = key.sign("a.sql", "11", "22");
        assert!(key.verify("a.sql", "11", "22", &sig));
        assert!(!key.verify("a.sql", "12", "22", &sig));
        assert!(!key.verify("a.sql", "11", "23", &sig));
        assert!(!key.verify("b.sql", "11", "22", &sig));
        assert!(!key.verify("a.sql", "11", "22", ""));
        let other = SigningKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(!other.verify("a.sql", "11", "22", &sig));

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(SigningKey::load(&path), Err(BackupError::SigningKey { .. })));
        assert!(matches!(SigningKey::load(&dir.path().join("none")), Err(BackupError::NoSigningKey { .. })));
    }
}
