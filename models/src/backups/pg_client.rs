//! Finding pg_dump and psql of the right version and starting them against a socket or a
//! server on the LAN, never prompting for a password.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;
use tokio_postgres::GenericClient;

use super::BackupError;

/// One PostgreSQL client program (pg_dump, psql) and its version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PgClient {
    pub path: PathBuf,
    /// "15.18"
    pub version: String,
    pub major: u32,
}

/// "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → ("15.18", 15).
pub fn parse_client_version(text: &str) -> Option<(String, u32)> {
    let after = text.split(')').nth(1)?.trim();
    let version = after.split_whitespace().next()?.to_string();
    let major = version.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    Some((version, major))
}

/// Finds `program` of a major version ≥ the server's: in `configured` only when given, else via
/// pg_config and `/usr/lib/postgresql/N/bin`. The closest version wins: a much newer pg_dump
/// may write statements the server's psql cannot replay.
pub fn find_client(program: &str, configured: Option<&Path>, server_version: &str, server_major: u32) -> Result<PgClient, BackupError> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = configured {
        dirs.push(d.to_path_buf());
    } else {
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
            if out.status.success() {
                dirs.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
            }
        }
        if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
            let mut versioned: Vec<PathBuf> = entries.flatten().map(|e| e.path().join("bin")).collect();
            versioned.sort();
            dirs.extend(versioned);
        }
    }
    let searched = dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
    let mut found: Vec<PgClient> = dirs
        .iter()
        .map(|d| d.join(program))
        .filter(|p| p.is_file())
        .filter_map(|path| {
            let out = Command::new(&path).arg("--version").output().ok()?;
            let (version, major) = parse_client_version(&String::from_utf8_lossy(&out.stdout))?;
            Some(PgClient { path, version, major })
        })
        .collect();
    found.sort_by_key(|c| c.major);
    found.dedup_by(|a, b| a.path == b.path);
    if let Some(good) = found.iter().find(|c| c.major >= server_major) {
        return Ok(good.clone());
    }
    match found.pop() {
        Some(newest) => Err(BackupError::ClientTooOld {
            program: program.into(),
            version: newest.version,
            path: newest.path,
            server: server_version.into(),
            server_major,
        }),
        None => Err(BackupError::NoClient {
            program: program.into(),
            searched: if searched.is_empty() { "nowhere".into() } else { searched },
            server: server_version.into(),
            server_major,
        }),
    }
}

/// Environment for pg_dump/psql reaching `cfg` (socket or TCP), never prompting.
pub(super) fn client_env(cfg: &tokio_postgres::Config, dbname: &str) -> Vec<(String, String)> {
    let mut env = vec![("PGDATABASE".to_string(), dbname.to_string()), ("PGAPPNAME".into(), "ombor-backup".into())];
    if let Some(h) = cfg.get_hosts().first() {
        let host = match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        };
        env.push(("PGHOST".into(), host));
    }
    if let Some(p) = cfg.get_ports().first() {
        env.push(("PGPORT".into(), p.to_string()));
    }
    if let Some(u) = cfg.get_user() {
        env.push(("PGUSER".into(), u.to_string()));
    }
    if let Some(pw) = cfg.get_password() {
        env.push(("PGPASSWORD".into(), String::from_utf8_lossy(pw).into_owned()));
    }
    if let Some(t) = cfg.get_connect_timeout() {
        env.push(("PGCONNECT_TIMEOUT".into(), t.as_secs().max(1).to_string()));
    }
    env
}

pub(super) fn client_command(client: &PgClient, cfg: &tokio_postgres::Config, dbname: &str) -> Command {
    let mut cmd = Command::new(&client.path);
    for var in ["PGSERVICE", "PGSERVICEFILE", "PGPASSFILE", "PGOPTIONS", "PGHOSTADDR", "PGSSLMODE"] {
        cmd.env_remove(var);
    }
    // A server on the LAN: the same TLS checks as the program's own connections.
    let tls =
        if matches!(cfg.get_hosts().first(), Some(tokio_postgres::config::Host::Tcp(_))) { crate::tls::libpq_env() } else { Vec::new() };
    cmd.envs(client_env(cfg, dbname)).envs(tls).env("LC_ALL", "C.UTF-8").stdin(Stdio::null());
    cmd
}

pub(super) async fn server_version(c: &impl GenericClient) -> Result<(String, u32), BackupError> {
    let row = c.query_one("SELECT current_setting('server_version'), current_setting('server_version_num')::int", &[]).await?;
    let full: String = row.get(0);
    let num: i32 = row.get(1);
    let short = full.split_whitespace().next().unwrap_or(&full).to_string();
    Ok((short, (num / 10000) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn client_versions() {
        assert_eq!(parse_client_version("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"), Some(("15.18".into(), 15)));
        assert_eq!(parse_client_version("pg_dump (PostgreSQL) 9.6.24\n"), Some(("9.6.24".into(), 9)));
        assert_eq!(parse_client_version("nonsense"), None);
    }

    #[test]
    fn pg_dump_reaches_socket_and_url_servers() {
        let env = |cfg: &tokio_postgres::Config| client_env(cfg, "ombor_nazorat").into_iter().collect::<BTreeMap<_, _>>();
        let url: tokio_postgres::Config = "postgres://owner:s3cret@192.168.1.10:5433/ombor_nazorat?connect_timeout=7".parse().unwrap();
        let e = env(&url);
        assert_eq!(e["PGHOST"], "192.168.1.10");
        assert_eq!(e["PGPORT"], "5433");
        assert_eq!(e["PGUSER"], "owner");
        assert_eq!(e["PGPASSWORD"], "s3cret");
        assert_eq!(e["PGDATABASE"], "ombor_nazorat");
        assert_eq!(e["PGCONNECT_TIMEOUT"], "7");
        let mut socket = tokio_postgres::Config::new();
        socket.host_path("/var/lib/ombor-nazorat/postgres/run").port(5432).user("ombor_owner").dbname("ombor_nazorat");
        let e = env(&socket);
        assert_eq!(e["PGHOST"], "/var/lib/ombor-nazorat/postgres/run");
        assert!(!e.contains_key("PGPASSWORD"));
    }
}
