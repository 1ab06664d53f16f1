//! The embedded default: a PostgreSQL cluster of our own in the data dir, listening on a unix
//! socket only, made with the system's initdb and run with its pg_ctl.
//!
//! PostgreSQL refuses to run as root. When this program runs as root (a kiosk set up by hand,
//! CI), the server processes run as the unprivileged `postgres` system user and the cluster's
//! files belong to it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nix::fcntl::{Flock, FlockArg};

/// The superuser created by initdb; owns the schema and runs migrations.
pub const OWNER_ROLE: &str = "ombor_owner";
/// The role the running program uses: it cannot UPDATE/DELETE movements or audit rows.
pub const APP_ROLE: &str = "ombor_app";
pub const DATABASE_NAME: &str = "ombor_nazorat";
/// With a private socket directory the port only names the socket file.
pub const EMBEDDED_PORT: u16 = 5432;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("PostgreSQL is not installed (no initdb/pg_ctl found in {searched}). Install it: sudo apt-get install postgresql")]
    NotInstalled { searched: String },
    #[error("the data directory {path} cannot be written: {reason}. Choose another with OMBOR_DATA_DIR or fix its permissions")]
    DataDirNotWritable { path: PathBuf, reason: String },
    #[error("PostgreSQL refuses to run as root and no `postgres` system user exists to run it. Install postgresql (it creates that user) or run ombor as a normal user")]
    NoServiceUser,
    #[error("the database socket {socket} is already in use by another server: {detail}")]
    SocketInUse { socket: PathBuf, detail: String },
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("cannot run {program}: {source}")]
    Spawn { program: String, source: std::io::Error },
}

/// initdb, pg_ctl, pg_dump… of one installed PostgreSQL version.
#[derive(Debug, Clone, PartialEq)]
pub struct PgBinaries {
    pub dir: PathBuf,
    pub major: u32,
}

impl PgBinaries {
    pub fn path(&self, program: &str) -> PathBuf {
        self.dir.join(program)
    }

    /// Finds the newest installed PostgreSQL: `configured`, else `pg_config --bindir`,
    /// else the highest `/usr/lib/postgresql/N/bin`.
    pub fn find(configured: Option<&Path>) -> Result<PgBinaries, ClusterError> {
        Self::all(configured).into_iter().next().ok_or_else(|| ClusterError::NotInstalled {
            searched: configured.map(|p| p.display().to_string()).unwrap_or_else(|| "pg_config, /usr/lib/postgresql/*/bin".into()),
        })
    }

    /// Every usable installation, newest first (backup picks a pg_dump from these).
    pub fn all(configured: Option<&Path>) -> Vec<PgBinaries> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(dir) = configured {
            dirs.push(dir.to_path_buf());
        } else {
            if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
                if out.status.success() {
                    dirs.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
                }
            }
            if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
                for e in entries.flatten() {
                    dirs.push(e.path().join("bin"));
                }
            }
        }
        let mut found: Vec<PgBinaries> = dirs
            .into_iter()
            .filter(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
            .filter_map(|dir| {
                let major = major_version_of(&dir.join("pg_ctl"))?;
                Some(PgBinaries { dir, major })
            })
            .collect();
        found.sort_by_key(|f| std::cmp::Reverse(f.major));
        found.dedup();
        found
    }
}

/// "pg_ctl (PostgreSQL) 15.18 (Debian ...)" → 15.
pub fn major_version_of(program: &Path) -> Option<u32> {
    let out = Command::new(program).arg("--version").output().ok()?;
    parse_major_version(&String::from_utf8_lossy(&out.stdout))
}

pub fn parse_major_version(text: &str) -> Option<u32> {
    let after = text.split(')').nth(1)?.trim();
    after.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

const GATE_LOCK: &str = ".ombor-cluster.lock";
const USERS_LOCK: &str = ".ombor-cluster-users.lock";
/// Present while the cluster runs because a command started it (not `ombor db start`).
const AUTOSTARTED: &str = ".ombor-cluster-autostarted";

/// This process's use of the embedded cluster ([`Cluster::use_shared`]); when dropped by the
/// last user of a cluster a command started, the cluster is stopped.
#[derive(Debug, Default)]
pub struct ClusterGuard {
    cluster: Option<Cluster>,
    users: Option<Flock<fs::File>>,
    started: bool,
}

impl ClusterGuard {
    /// No embedded cluster (a server URL): nothing to hold.
    pub fn none() -> ClusterGuard {
        ClusterGuard::default()
    }

    /// True when this process started the cluster.
    pub fn started(&self) -> bool {
        self.started
    }
}

impl Drop for ClusterGuard {
    fn drop(&mut self) {
        let (Some(cluster), Some(users)) = (self.cluster.take(), self.users.take()) else { return };
        let Ok(_gate) = cluster.lock(GATE_LOCK, FlockArg::LockExclusive) else { return };
        drop(users);
        if !cluster.lock_path(AUTOSTARTED).exists() {
            return;
        }
        // Anyone else still holding the shared lock keeps it running.
        if cluster.lock(USERS_LOCK, FlockArg::LockExclusiveNonblock).is_ok() {
            match cluster.stop() {
                Ok(()) => {
                    let _ = fs::remove_file(cluster.lock_path(AUTOSTARTED));
                    tracing::info!("stopped the embedded PostgreSQL cluster (its last user left)");
                }
                Err(e) => tracing::error!(error = %e, "could not stop the embedded cluster"),
            }
        }
    }
}

/// The OS user the server runs as: ourselves, or `postgres` when we are root.
#[derive(Debug, Clone, Copy)]
struct ServiceUser {
    uid: u32,
    gid: u32,
}

fn service_user() -> Result<Option<ServiceUser>, ClusterError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name("postgres") {
        Ok(Some(u)) => Ok(Some(ServiceUser { uid: u.uid.as_raw(), gid: u.gid.as_raw() })),
        _ => Err(ClusterError::NoServiceUser),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterState {
    NotInitialised,
    Stopped,
    Running,
}

/// One cluster under `root`: `root/pgdata` (the files), `root/run` (the socket), `root/postgres.log`.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub root: PathBuf,
    pub port: u16,
    pub bins: PgBinaries,
}

impl Cluster {
    pub fn new(root: &Path, bins: PgBinaries, port: u16) -> Cluster {
        Cluster { root: root.to_path_buf(), port, bins }
    }

    pub fn pgdata(&self) -> PathBuf {
        self.root.join("pgdata")
    }
    pub fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }
    pub fn log_file(&self) -> PathBuf {
        self.root.join("postgres.log")
    }
    pub fn socket_path(&self) -> PathBuf {
        self.socket_dir().join(format!(".s.PGSQL.{}", self.port))
    }

    pub fn state(&self) -> ClusterState {
        if !self.pgdata().join("PG_VERSION").exists() {
            return ClusterState::NotInitialised;
        }
        match self.pg_ctl(&["status"]) {
            Ok(out) if out.status.success() => ClusterState::Running,
            _ => ClusterState::Stopped,
        }
    }

    /// Starts the cluster if needed and registers this process as one of its users, safely when
    /// several processes do it at once: the first one in starts it under an exclusive lock on
    /// `<data dir>/.ombor-cluster.lock` while the others wait, then find it running. Each user
    /// holds a shared lock on `<data dir>/.ombor-cluster-users.lock` for as long as it keeps the
    /// returned guard. A cluster started this way is stopped when its last user lets go (as one
    /// CLI command used to leave it as it found it); one started by [`Cluster::start_to_keep`]
    /// (`ombor db start`, the service) stays up.
    pub fn use_shared(&self) -> Result<ClusterGuard, ClusterError> {
        let _gate = self.lock(GATE_LOCK, FlockArg::LockExclusive)?;
        let started = self.ensure_running()?;
        if started {
            let marker = self.lock_path(AUTOSTARTED);
            fs::write(&marker, std::process::id().to_string())
                .map_err(|e| ClusterError::Command { what: format!("writing {}", marker.display()), detail: e.to_string() })?;
        }
        // Never waits: the exclusive lock on the users' file is only taken under the gate.
        let users = self.lock(USERS_LOCK, FlockArg::LockShared)?;
        Ok(ClusterGuard { cluster: Some(self.clone()), users: Some(users), started })
    }

    /// `ombor db start`: starts the cluster (under the same lock as [`Cluster::use_shared`]) to
    /// stay running; no command's exit stops it. True when this call started it.
    pub fn start_to_keep(&self) -> Result<bool, ClusterError> {
        let _gate = self.lock(GATE_LOCK, FlockArg::LockExclusive)?;
        let started = self.ensure_running()?;
        let _ = fs::remove_file(self.lock_path(AUTOSTARTED));
        Ok(started)
    }

    /// `ombor db stop`: stops it now, whoever uses it.
    pub fn stop_now(&self) -> Result<(), ClusterError> {
        let _gate = self.lock(GATE_LOCK, FlockArg::LockExclusive)?;
        self.stop()?;
        let _ = fs::remove_file(self.lock_path(AUTOSTARTED));
        Ok(())
    }

    /// The lock files live in the data dir, beside the cluster's folder.
    fn lock_path(&self, name: &str) -> PathBuf {
        self.root.parent().unwrap_or(&self.root).join(name)
    }

    fn lock(&self, name: &str, how: FlockArg) -> Result<Flock<fs::File>, ClusterError> {
        let path = self.lock_path(name);
        let fail = |detail: String| ClusterError::DataDirNotWritable { path: path.clone(), reason: detail };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        }
        let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| fail(e.to_string()))?;
        Flock::lock(file, how).map_err(|(_, errno)| fail(format!("cannot lock it: {errno}")))
    }

    /// initdb when needed, then start. Returns true if this call started the server.
    pub fn ensure_running(&self) -> Result<bool, ClusterError> {
        match self.state() {
            ClusterState::Running => Ok(false),
            ClusterState::NotInitialised => {
                self.init()?;
                self.start()?;
                Ok(true)
            }
            ClusterState::Stopped => {
                self.start()?;
                Ok(true)
            }
        }
    }

    pub fn init(&self) -> Result<(), ClusterError> {
        self.init_as(OWNER_ROLE)
    }

    /// initdb with `superuser` as the bootstrap role (`init` makes it the owner role; a test of
    /// a standalone server's set-up makes it `postgres`, as a distribution's server has).
    pub fn init_as(&self, superuser: &str) -> Result<(), ClusterError> {
        let user = service_user()?;
        prepare_dir(&self.root, user)?;
        check_reachable(&self.root, user)?;
        prepare_dir(&self.socket_dir(), user)?;
        let pgdata = self.pgdata();
        let out = self.run_as_service(
            &self.bins.path("initdb"),
            &[
                "-D",
                path_str(&pgdata),
                "-U",
                superuser,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        )?;
        if !out.status.success() {
            return Err(ClusterError::Command { what: "initdb".into(), detail: tail(&out) });
        }
        // Unix socket only, private to the program's user: nothing on the network can reach it.
        let extra = format!(
            "\n# Ombor Nazorat: embedded cluster\nlisten_addresses = ''\nport = {}\nunix_socket_directories = '{}'\nunix_socket_permissions = 0700\nmax_connections = 50\n",
            self.port,
            self.socket_dir().display()
        );
        let conf = pgdata.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf)
            .map_err(|e| ClusterError::Command { what: "reading postgresql.conf".into(), detail: e.to_string() })?;
        text.push_str(&extra);
        fs::write(&conf, text).map_err(|e| ClusterError::Command { what: "writing postgresql.conf".into(), detail: e.to_string() })?;
        Ok(())
    }

    pub fn start(&self) -> Result<(), ClusterError> {
        let user = service_user()?;
        prepare_dir(&self.socket_dir(), user)?;
        let log = self.log_file();
        if !log.exists() {
            let _ = fs::write(&log, "");
        }
        if let Some(u) = user {
            let _ = nix::unistd::chown(&log, Some(u.uid.into()), Some(u.gid.into()));
        }
        let before = fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let out = self.pg_ctl(&["start", "-w", "-t", "60", "-l", path_str(&log)])?;
        if out.status.success() {
            return Ok(());
        }
        let log_text = fs::read_to_string(&log).unwrap_or_default();
        let new_log = log_text.get(before as usize..).unwrap_or(&log_text).trim().to_string();
        if (new_log.contains("lock file") && new_log.contains("already exists"))
            || new_log.contains("could not create lock file")
            || new_log.contains("is another postmaster")
            || new_log.contains("Address already in use")
        {
            return Err(ClusterError::SocketInUse { socket: self.socket_path(), detail: last_lines(&new_log, 3) });
        }
        Err(ClusterError::Command {
            what: "starting PostgreSQL (pg_ctl start)".into(),
            detail: format!("{}\n{}", tail(&out), last_lines(&new_log, 5)),
        })
    }

    /// Stops the server the way a power cut would (immediate mode: no checkpoint, clients cut
    /// off); the next start recovers from the WAL. For tests of what survives.
    pub fn crash(&self) -> Result<(), ClusterError> {
        let out = self.pg_ctl(&["stop", "-w", "-t", "60", "-m", "immediate"])?;
        if out.status.success() {
            Ok(())
        } else {
            Err(ClusterError::Command { what: "pg_ctl stop -m immediate".into(), detail: tail(&out) })
        }
    }

    /// Fast shutdown: open transactions are rolled back, committed work is on disk.
    pub fn stop(&self) -> Result<(), ClusterError> {
        if self.state() != ClusterState::Running {
            return Ok(());
        }
        let out = self.pg_ctl(&["stop", "-w", "-t", "60", "-m", "fast"])?;
        if out.status.success() {
            Ok(())
        } else {
            Err(ClusterError::Command { what: "pg_ctl stop".into(), detail: tail(&out) })
        }
    }

    /// Opens the cluster to other stations on the LAN: the server listens on `listen`, speaks TLS
    /// with a certificate for `hosts` issued by the cluster's own CA, and accepts only the
    /// application's role, only over TLS, only with a SCRAM password. Takes effect at the next
    /// start. Running it again re-issues the server certificate; the CA (and so the stations'
    /// ca.crt) stays.
    pub fn expose(&self, listen: &str, hosts: &[String]) -> Result<Exposure, ClusterError> {
        let fail = |what: &str, e: String| ClusterError::Command { what: what.into(), detail: e };
        if hosts.is_empty() {
            return Err(fail("ombor db expose", "name at least one host name or address for the certificate".into()));
        }
        let user = service_user()?;
        let tls_dir = self.root.join("tls");
        fs::create_dir_all(&tls_dir).map_err(|e| fail("creating the tls folder", e.to_string()))?;
        let (ca_cert_file, ca_key_file) = (tls_dir.join("ca.crt"), tls_dir.join("ca.key"));
        let ca_key = match fs::read_to_string(&ca_key_file) {
            Ok(pem) => rcgen::KeyPair::from_pem(&pem).map_err(|e| fail("reading the CA key", e.to_string()))?,
            Err(_) => rcgen::KeyPair::generate().map_err(|e| fail("making the CA key", e.to_string()))?,
        };
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| fail("CA certificate", e.to_string()))?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Ombor Nazorat stations CA");
        ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let now = time::OffsetDateTime::now_utc();
        ca_params.not_before = now - time::Duration::days(1);
        ca_params.not_after = now + time::Duration::days(3650);
        let ca = ca_params.self_signed(&ca_key).map_err(|e| fail("CA certificate", e.to_string()))?;
        // A CA re-made from the same key and name verifies the same server certificates, but the
        // stations keep the first ca.crt: write it only once.
        if !ca_cert_file.exists() {
            write_private(&ca_key_file, ca_key.serialize_pem().as_bytes(), None).map_err(|e| fail("writing ca.key", e))?;
            fs::write(&ca_cert_file, ca.pem()).map_err(|e| fail("writing ca.crt", e.to_string()))?;
        }
        let mut params = rcgen::CertificateParams::new(hosts.to_vec()).map_err(|e| fail("server certificate", e.to_string()))?;
        params.distinguished_name.push(rcgen::DnType::CommonName, hosts[0].clone());
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(3650);
        let key = rcgen::KeyPair::generate().map_err(|e| fail("server key", e.to_string()))?;
        let cert = params.signed_by(&key, &ca, &ca_key).map_err(|e| fail("server certificate", e.to_string()))?;
        let pgdata = self.pgdata();
        fs::write(pgdata.join("server.crt"), cert.pem()).map_err(|e| fail("writing server.crt", e.to_string()))?;
        // PostgreSQL refuses a key readable by others.
        write_private(&pgdata.join("server.key"), key.serialize_pem().as_bytes(), user).map_err(|e| fail("writing server.key", e))?;
        if let Some(u) = user {
            let _ = nix::unistd::chown(&pgdata.join("server.crt"), Some(u.uid.into()), Some(u.gid.into()));
        }
        let listen = listen.replace('\'', "");
        replace_block(
            &pgdata.join("postgresql.conf"),
            "# Ombor Nazorat: stations (ombor db expose)",
            &format!(
                "listen_addresses = '{listen}'\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_min_protocol_version = 'TLSv1.2'\npassword_encryption = 'scram-sha-256'\n"
            ),
            false,
        )
        .map_err(|e| fail("writing postgresql.conf", e))?;
        replace_block(
            &pgdata.join("pg_hba.conf"),
            "# Ombor Nazorat: stations (ombor db expose)",
            &format!(
                "hostnossl all all 0.0.0.0/0 reject\nhostnossl all all ::/0 reject\nhostssl all {APP_ROLE} 0.0.0.0/0 scram-sha-256\nhostssl all {APP_ROLE} ::/0 scram-sha-256\n"
            ),
            true,
        )
        .map_err(|e| fail("writing pg_hba.conf", e))?;
        Ok(Exposure { ca_file: ca_cert_file, port: self.port, hosts: hosts.to_vec() })
    }

    /// Connection settings for `user` on `dbname` through the cluster's socket.
    pub fn connect_config(&self, user: &str, dbname: &str) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host_path(self.socket_dir()).port(self.port).user(user).dbname(dbname);
        c
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<Output, ClusterError> {
        let pgdata = self.pgdata();
        let mut full = vec!["-D", path_str(&pgdata)];
        full.extend_from_slice(args);
        self.run_as_service(&self.bins.path("pg_ctl"), &full)
    }

    fn run_as_service(&self, program: &Path, args: &[&str]) -> Result<Output, ClusterError> {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(&self.root).env("LC_ALL", "C.UTF-8").env_remove("PGDATA");
        if let Some(u) = service_user()? {
            // std drops root's supplementary groups when it sets the uid.
            cmd.uid(u.uid).gid(u.gid).env("HOME", &self.root).env("USER", "postgres");
        }
        cmd.output().map_err(|source| ClusterError::Spawn { program: program.display().to_string(), source })
    }
}

/// What `expose` set up, for the stations' configuration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exposure {
    /// Copy this file to each station (database.ca_file).
    pub ca_file: PathBuf,
    pub port: u16,
    pub hosts: Vec<String>,
}

fn write_private(path: &Path, bytes: &[u8], owner: Option<ServiceUser>) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = fs::remove_file(path);
    let mut f = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| e.to_string())?;
    f.write_all(bytes).map_err(|e| e.to_string())?;
    if let Some(u) = owner {
        nix::unistd::chown(path, Some(u.uid.into()), Some(u.gid.into())).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Puts `body` under `marker` at the end (or start) of a config file, replacing what an earlier
/// run put there: later lines win in postgresql.conf; pg_hba.conf's first matching line wins.
fn replace_block(path: &Path, marker: &str, body: &str, at_start: bool) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let kept = match text.find(marker) {
        Some(i) => {
            let after = &text[i + marker.len()..];
            let end = after.find("\n# end of ").map(|j| {
                let rest = &after[j + 1..];
                i + marker.len() + j + 1 + rest.find('\n').map(|k| k + 1).unwrap_or(rest.len())
            });
            format!("{}{}", &text[..i], end.map(|e| &text[e..]).unwrap_or(""))
        }
        None => text,
    };
    let block = format!("{marker}\n{body}# end of {}\n", marker.trim_start_matches("# "));
    let kept = kept.trim_matches('\n');
    let text = if at_start { format!("{block}\n{kept}\n") } else { format!("{kept}\n\n{block}") };
    fs::write(path, text).map_err(|e| e.to_string())
}

/// The server, running as `postgres`, must be able to walk down to its files.
fn check_reachable(dir: &Path, user: Option<ServiceUser>) -> Result<(), ClusterError> {
    use std::os::unix::fs::MetadataExt;
    let Some(u) = user else { return Ok(()) };
    for ancestor in dir.ancestors().skip(1) {
        let Ok(meta) = fs::metadata(ancestor) else { continue };
        if meta.mode() & 0o001 == 0 && meta.uid() != u.uid {
            return Err(ClusterError::DataDirNotWritable {
                path: dir.to_path_buf(),
                reason: format!(
                    "PostgreSQL runs as the `postgres` user, which cannot enter {} (give it search permission: chmod o+x, or choose a data dir under /var/lib)",
                    ancestor.display()
                ),
            });
        }
    }
    Ok(())
}

/// Creates `dir` (mode 0700) and hands it to the service user when we are root.
fn prepare_dir(dir: &Path, user: Option<ServiceUser>) -> Result<(), ClusterError> {
    let not_writable = |reason: String| ClusterError::DataDirNotWritable { path: dir.to_path_buf(), reason };
    fs::create_dir_all(dir).map_err(|e| not_writable(e.to_string()))?;
    let probe = dir.join(".ombor-write-test");
    fs::write(&probe, b"ok").map_err(|e| not_writable(e.to_string()))?;
    let _ = fs::remove_file(&probe);
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| not_writable(e.to_string()))?;
    if let Some(u) = user {
        nix::unistd::chown(dir, Some(u.uid.into()), Some(u.gid.into())).map_err(|e| not_writable(e.to_string()))?;
    }
    Ok(())
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("data paths are UTF-8")
}

fn tail(out: &Output) -> String {
    let mut s = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if s.is_empty() {
        s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    last_lines(&s, 5)
}

fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(parse_major_version("pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"), Some(15));
        assert_eq!(parse_major_version("pg_dump (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(parse_major_version("garbage"), None);
    }

    #[test]
    fn finds_installed_postgresql() {
        let b = PgBinaries::find(None).expect("PostgreSQL is installed on test machines");
        assert!(b.major >= 12, "{b:?}");
        let e = PgBinaries::find(Some(Path::new("/nonexistent"))).unwrap_err().to_string();
        assert!(e.contains("apt-get install postgresql"), "{e}");
    }
}
