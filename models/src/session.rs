//! The acting login session: a random token the database makes at login (V12) and the Session
//! actor holds; the database stores only its sha256 and checks it inside every write
//! (`ombor_require`).

use deadpool_postgres::{Object, Transaction};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::Result;

#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

impl SessionToken {
    pub fn generate() -> SessionToken {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SessionToken(hex::encode(bytes))
    }

    /// The token the database made at login (auth_login_result).
    pub fn from_bytes(bytes: &[u8]) -> SessionToken {
        SessionToken(hex::encode(bytes))
    }

    pub fn hash(&self) -> Vec<u8> {
        Sha256::digest(hex::decode(&self.0).unwrap_or_default()).to_vec()
    }

    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

/// Begins a transaction acting as `session` (or as nobody: reads and login only).
pub async fn begin<'a>(client: &'a mut Object, session: Option<&SessionToken>) -> Result<Transaction<'a>> {
    let tx = client.transaction().await?;
    if let Some(token) = session {
        // One simple-protocol round trip (a parameter would cost a second one, to prepare). The
        // token is generated here and is hex only, so it cannot break out of the literal.
        let hex = token.as_hex();
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()), "a session token is hex");
        tx.batch_execute(&format!("SELECT set_config('ombor.session', '{hex}', true)")).await?;
    }
    Ok(tx)
}
