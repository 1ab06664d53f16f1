//! argon2id password hashes. CPU-heavy by design: callers run these off any async thread.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

/// Longest password accepted: argon2 handles more, but a 1 MB "password" is an attack.
pub const MAX_PASSWORD_BYTES: usize = 256;
pub const MIN_PASSWORD_CHARS: usize = 8;

/// OWASP's argon2id minimum is m=19 MiB, t=2, p=1; we use m=19 MiB, t=2, p=1.
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"))
}

pub fn check_new_password(password: &str) -> Result<()> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::Invalid(format!("the password is longer than {MAX_PASSWORD_BYTES} bytes")));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!("the password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<String> {
    check_new_password(password)?;
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| Error::Invalid(e.to_string()))
}

/// An argon2id hash of a password someone already had (a migrated user's Django password):
/// only the length limit applies, not today's rules for new passwords.
pub fn hash_existing(password: &str) -> Result<String> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::Invalid(format!("the password is longer than {MAX_PASSWORD_BYTES} bytes")));
    }
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| Error::Invalid(e.to_string()))
}

/// Constant work whether or not the user exists: verifies against a dummy hash when `hash` is None.
pub fn verify(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(b"not-a-real-password", &salt).unwrap().to_string()
    });
    let (stored, real) = match hash {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    argon2().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", Some(&h)));
        assert!(!verify("wrong horse battery", Some(&h)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify(&"x".repeat(1 << 20), Some(&h)));
        assert!(hash("short").is_err());
        assert!(hash(&"y".repeat(1 << 20)).is_err());
    }
}
