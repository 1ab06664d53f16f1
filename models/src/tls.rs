//! TLS to a PostgreSQL server on the LAN, with libpq's sslmode words.
//!
//! tokio-postgres understands `sslmode=disable|prefer|require` only, and no `sslrootcert`; a
//! station's URL may say `sslmode=verify-full&sslrootcert=/etc/ombor/ca.crt` as it would for psql.
//! These are taken out of the URL here and turn into a native-tls connector: `require` encrypts
//! without checking the certificate (as libpq does without a CA file), `verify-ca` checks it is
//! signed by the CA, `verify-full` also checks the host name.

use std::path::{Path, PathBuf};

use postgres_native_tls::MakeTlsConnector;

use crate::db::DbError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    Disable,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<SslMode, DbError> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(DbError::BadUrl(format!("sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full")))
            }
        })
    }

    /// What tokio-postgres itself is told: it only negotiates; the checking is the connector's.
    pub fn negotiation(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        }
    }
}

/// The TLS wishes of one connection string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsSettings {
    pub mode: SslMode,
    pub ca_file: Option<PathBuf>,
}

/// Splits `sslmode` and `sslrootcert` out of a URL (`postgres://…?a=b&…`) or a key=value string,
/// returning what tokio-postgres can parse and the TLS settings.
pub fn split_url(url: &str) -> Result<(String, TlsSettings), DbError> {
    let mut tls = TlsSettings::default();
    let mut take = |key: &str, value: &str| -> Result<bool, DbError> {
        match key {
            "sslmode" => tls.mode = SslMode::parse(value)?,
            "sslrootcert" => tls.ca_file = Some(PathBuf::from(value)),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            None => url.to_string(),
            Some((base, query)) => {
                let mut kept = vec![];
                for pair in query.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(k, &percent_decode(v))? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        let mut kept = vec![];
        for pair in url.split_whitespace() {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if !take(k, v.trim_matches('\''))? {
                kept.push(pair);
            }
        }
        kept.join(" ")
    };
    Ok((rest, tls))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

static CONNECTOR: std::sync::RwLock<Option<MakeTlsConnector>> = std::sync::RwLock::new(None);
static INSTALLED: std::sync::RwLock<Option<TlsSettings>> = std::sync::RwLock::new(None);

/// Makes `settings` the TLS of every connection this process opens from now on (one process talks
/// to one database).
pub fn install(settings: &TlsSettings) -> Result<(), DbError> {
    let c = connector(settings)?;
    *CONNECTOR.write().unwrap_or_else(|e| e.into_inner()) = Some(c);
    *INSTALLED.write().unwrap_or_else(|e| e.into_inner()) = Some(settings.clone());
    Ok(())
}

/// libpq's environment for the installed settings (PGSSLMODE, PGSSLROOTCERT), so pg_dump and psql
/// check the server as the program's own connections do. Empty when nothing was installed.
pub fn libpq_env() -> Vec<(String, String)> {
    let Some(s) = INSTALLED.read().unwrap_or_else(|e| e.into_inner()).clone() else { return Vec::new() };
    let mode = match s.mode {
        SslMode::Disable => "disable",
        SslMode::Prefer => "prefer",
        SslMode::Require => "require",
        SslMode::VerifyCa => "verify-ca",
        SslMode::VerifyFull => "verify-full",
    };
    let mut env = vec![("PGSSLMODE".to_string(), mode.to_string())];
    if let Some(ca) = &s.ca_file {
        env.push(("PGSSLROOTCERT".into(), ca.display().to_string()));
    }
    env
}

/// The installed connector, or one that encrypts when the server offers it.
pub fn current() -> MakeTlsConnector {
    if let Some(c) = CONNECTOR.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return c.clone();
    }
    connector(&TlsSettings::default()).expect("a default TLS connector")
}

/// The connector for `settings`; a CA file that cannot be read is an error naming it.
pub fn connector(settings: &TlsSettings) -> Result<MakeTlsConnector, DbError> {
    let mut b = native_tls::TlsConnector::builder();
    let ca = match &settings.ca_file {
        Some(path) => Some(read_ca(path)?),
        None => None,
    };
    match (settings.mode, &ca) {
        (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
            return Err(DbError::BadUrl(
                "sslmode verify-ca/verify-full needs the server's CA certificate: set database.ca_file (or sslrootcert in the URL)".into(),
            ))
        }
        // Like libpq: `require` with a CA file checks the chain.
        (SslMode::Require | SslMode::Prefer, None) => {
            b.danger_accept_invalid_certs(true);
        }
        _ => {}
    }
    if let Some(cert) = ca {
        b.add_root_certificate(cert);
        b.disable_built_in_roots(true);
        if settings.mode != SslMode::VerifyFull {
            b.danger_accept_invalid_hostnames(true);
        }
    }
    let c = b.build().map_err(|e| DbError::BadUrl(format!("TLS set-up failed: {e}")))?;
    Ok(MakeTlsConnector::new(c))
}

fn read_ca(path: &Path) -> Result<native_tls::Certificate, DbError> {
    let pem = std::fs::read(path).map_err(|e| DbError::BadUrl(format!("CA file {}: {e}", path.display())))?;
    native_tls::Certificate::from_pem(&pem).map_err(|e| DbError::BadUrl(format!("CA file {}: not a PEM certificate ({e})", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_words_are_taken_out_of_urls() {
        let (rest, tls) = split_url(
            "postgres://ombor_app:pw@10.0.0.5:5432/ombor_nazorat?sslmode=verify-full&sslrootcert=%2Fetc%2Fombor%2Fca.crt&connect_timeout=5",
        )
        .unwrap();
        assert_eq!(rest, "postgres://ombor_app:pw@10.0.0.5:5432/ombor_nazorat?connect_timeout=5");
        assert_eq!(tls, TlsSettings { mode: SslMode::VerifyFull, ca_file: Some("/etc/ombor/ca.crt".into()) });
        let (rest, tls) = split_url("host=10.0.0.5 sslmode=require dbname=ombor_nazorat").unwrap();
        assert_eq!((rest.as_str(), tls.mode), ("host=10.0.0.5 dbname=ombor_nazorat", SslMode::Require));
        assert!(split_url("postgres://h/db?sslmode=maybe").is_err());
        assert!(connector(&TlsSettings { mode: SslMode::VerifyFull, ca_file: None }).is_err(), "verify without a CA is refused");
    }
}
