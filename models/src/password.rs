//! Password keys: the station derives k = argon2id(password, salt, params) and the database
//! keeps only sha256(k) (V12, docs/security.md). CPU- and memory-heavy by design: callers run
//! these off any async thread. The password itself never leaves the station.

use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Longest password accepted: argon2 handles more, but a 1 MB "password" is an attack.
pub const MAX_PASSWORD_BYTES: usize = 256;
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Bytes of a new salt.
pub const SALT_BYTES: usize = 16;

/// argon2id parameters (version 0x13): memory in KiB, passes, lanes, key length in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    pub m_cost: i32,
    pub t_cost: i32,
    pub p_cost: i32,
    pub key_len: i32,
}

impl Default for KdfParams {
    /// OWASP's argon2id minimum: m=19 MiB, t=2, p=1 (the parameters of every hash made so far).
    fn default() -> Self {
        KdfParams { m_cost: 19 * 1024, t_cost: 2, p_cost: 1, key_len: 32 }
    }
}

impl KdfParams {
    /// The ranges the database accepts (user_credentials' CHECKs): a station refuses to spend
    /// more than 1 GiB or 64 passes on parameters somebody else chose.
    fn argon2(&self) -> Option<Argon2<'static>> {
        let ok = (8192..=1_048_576).contains(&self.m_cost)
            && (1..=64).contains(&self.t_cost)
            && (1..=16).contains(&self.p_cost)
            && (16..=64).contains(&self.key_len);
        if !ok {
            return None;
        }
        let params = Params::new(self.m_cost as u32, self.t_cost as u32, self.p_cost as u32, Some(self.key_len as usize)).ok()?;
        Some(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// What the database stores for a password: salt, parameters and verifier = sha256(k).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub salt: Vec<u8>,
    pub params: KdfParams,
    pub verifier: Vec<u8>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential").field("params", &self.params).finish_non_exhaustive()
    }
}

/// The login key: whoever has it can log in, so it is never logged or stored.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginKey(pub Vec<u8>);

impl std::fmt::Debug for LoginKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginKey(***)")
    }
}

/// The credential of a password someone already had (a migrated user's Django password, V17
/// and V23): only the length limit applies, not today's rules for a new password.
pub fn existing_credential(password: &str) -> Result<Credential> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::Invalid(format!("the password is longer than {MAX_PASSWORD_BYTES} bytes")));
    }
    credential_for(password)
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

/// k = argon2id(password, salt, params). None for parameters outside the accepted ranges or an
/// over-long password (the caller answers "wrong username or password").
pub fn derive_key(password: &str, salt: &[u8], params: KdfParams) -> Option<LoginKey> {
    if password.len() > MAX_PASSWORD_BYTES {
        return None;
    }
    let argon2 = params.argon2()?;
    let mut out = vec![0u8; params.key_len as usize];
    argon2.hash_password_into(password.as_bytes(), salt, &mut out).ok()?;
    Some(LoginKey(out))
}

/// sha256(k): what the database compares a login key with.
pub fn verifier(key: &LoginKey) -> Vec<u8> {
    Sha256::digest(&key.0).to_vec()
}

/// A new password's credential: a fresh random salt, the default parameters.
pub fn new_credential(password: &str) -> Result<Credential> {
    check_new_password(password)?;
    credential_for(password)
}

fn credential_for(password: &str) -> Result<Credential> {
    let mut salt = vec![0u8; SALT_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let params = KdfParams::default();
    let key = derive_key(password, &salt, params).ok_or_else(|| Error::Invalid("the password cannot be used".into()))?;
    Ok(Credential { salt, params, verifier: verifier(&key) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};

    #[test]
    fn a_credential_verifies_its_password_only() {
        let c = new_credential("correct horse battery").unwrap();
        assert_eq!(c.salt.len(), SALT_BYTES);
        let right = derive_key("correct horse battery", &c.salt, c.params).unwrap();
        assert_eq!(verifier(&right), c.verifier);
        let wrong = derive_key("wrong horse battery", &c.salt, c.params).unwrap();
        assert_ne!(verifier(&wrong), c.verifier);
        assert!(derive_key(&"x".repeat(1 << 20), &c.salt, c.params).is_none());
        assert!(derive_key("p", &c.salt, KdfParams { m_cost: 1 << 30, ..c.params }).is_none(), "a 1 TiB request is refused");
        assert!(new_credential("short").is_err());
        assert!(new_credential(&"y".repeat(1 << 20)).is_err());
    }

    /// V12 turns the stored PHC strings into verifiers in SQL: the key of a password is the raw
    /// argon2id output under the PHC's own (base64-decoded) salt and parameters.
    #[test]
    fn the_key_is_the_raw_output_of_an_old_phc_hash() {
        let salt = SaltString::generate(&mut OsRng);
        let argon2 = KdfParams::default().argon2().unwrap();
        let phc = argon2.hash_password(b"an old password", &salt).unwrap().to_string();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).unwrap();
        let mut raw_salt = [0u8; 64];
        let raw_salt = parsed.salt.unwrap().decode_b64(&mut raw_salt).unwrap();
        let key = derive_key("an old password", raw_salt, KdfParams::default()).unwrap();
        assert_eq!(key.0, parsed.hash.unwrap().as_bytes());
    }
}
