//! Start on boot with systemd: the kiosk in the graphical session, after its database.
//!
//! Two layouts:
//! * system units (default, installed as root into /etc/systemd/system): the kiosk runs as the
//!   kiosk user with the display's environment (DISPLAY, XAUTHORITY), after graphical.target;
//! * user units (`--user-unit`, into ~/.config/systemd/user): the kiosk is part of the user's
//!   graphical-session.target, so it gets the session's display by itself.
//!
//! The database is the system `postgresql.service` when database.url is set, otherwise
//! `ombor-db.service` runs the embedded cluster with `ombor db start`/`stop` (Type=forking:
//! pg_ctl leaves the postmaster running, systemd follows it through its pid file).

use std::path::{Path, PathBuf};
use std::process::Command;

use models::Config;

pub const KIOSK_UNIT: &str = "ombor-kiosk.service";
pub const DB_UNIT: &str = "ombor-db.service";

/// Where the units go and who runs them.
#[derive(Debug, Clone)]
pub struct Layout {
    pub user_unit: bool,
    /// The OS user the kiosk (and the embedded cluster) runs as; system units only.
    pub kiosk_user: String,
    pub home: PathBuf,
    pub display: String,
    pub program: PathBuf,
    /// The configuration file the units pass on, if one is in use.
    pub config_file: Option<PathBuf>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Unit {
    pub name: &'static str,
    pub text: String,
}

impl Layout {
    pub fn unit_dir(&self) -> PathBuf {
        if self.user_unit {
            self.home.join(".config/systemd/user")
        } else {
            PathBuf::from("/etc/systemd/system")
        }
    }

    fn target(&self) -> &'static str {
        if self.user_unit {
            "graphical-session.target"
        } else {
            "graphical.target"
        }
    }

    fn systemctl(&self) -> Command {
        let mut c = Command::new("systemctl");
        if self.user_unit {
            c.arg("--user");
        }
        c
    }
}

/// The units for this configuration: the kiosk, and the embedded cluster's when it has one.
pub fn units(config: &Config, layout: &Layout) -> Vec<Unit> {
    let program = layout.program.display().to_string();
    let mut env = vec![];
    if let Some(file) = &layout.config_file {
        env.push(format!("Environment=OMBOR_CONFIG={}", file.display()));
    }
    // The unit runs with another environment than this shell: pin the data dir it resolved to.
    env.push(format!("Environment=OMBOR_DATA_DIR={}", config.data_dir().display()));
    let env = env.join("\n");
    let run_as = if layout.user_unit { String::new() } else { format!("User={}\n", layout.kiosk_user) };
    let (db_after, db_dep) = if config.uses_embedded_database() {
        (DB_UNIT, format!("Requires={DB_UNIT}"))
    } else if layout.user_unit {
        // A user manager cannot order itself after a system unit: the kiosk retries instead.
        ("", String::new())
    } else {
        ("postgresql.service", "Wants=postgresql.service".to_string())
    };
    let display_env = if layout.user_unit {
        String::new()
    } else {
        format!("Environment=DISPLAY={}\nEnvironment=XAUTHORITY={}\n", layout.display, layout.home.join(".Xauthority").display())
    };
    let target = layout.target();
    let kiosk = format!(
        "# Ombor Nazorat: the kiosk window, started with the graphical session (written by `ombor service install`).
[Unit]
Description=Ombor Nazorat kiosk
After={target} {db_after}
{db_dep}
PartOf={target}
# Keep retrying while the display or the database come up.
StartLimitIntervalSec=0

[Service]
Type=simple
{run_as}{env}
{display_env}ExecStart={program} run
Restart=on-failure
RestartSec=3

[Install]
WantedBy={target}
"
    );
    let mut out = vec![Unit { name: KIOSK_UNIT, text: kiosk }];
    if config.uses_embedded_database() {
        let pid_file = config.data_dir().join("postgres/pgdata/postmaster.pid");
        let wanted_by = if layout.user_unit { "default.target" } else { "multi-user.target" };
        out.push(Unit {
            name: DB_UNIT,
            text: format!(
                "# Ombor Nazorat: the embedded PostgreSQL cluster in the data dir (written by `ombor service install`).
[Unit]
Description=Ombor Nazorat database (embedded PostgreSQL)
After=local-fs.target

[Service]
Type=forking
{run_as}{env}
ExecStart={program} db start
ExecStop={program} db stop
PIDFile={pid}
TimeoutStartSec=120
TimeoutStopSec=90
Restart=on-failure
RestartSec=5

[Install]
WantedBy={wanted_by}
",
                pid = pid_file.display()
            ),
        });
    }
    for u in &mut out {
        u.text = tidy(&u.text);
    }
    out
}

/// Drops the blank lines left by empty optional settings: a blank line stays only before a
/// section header.
fn tidy(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = vec![];
    for (i, line) in lines.iter().enumerate() {
        let before_section = lines[i + 1..].iter().find(|l| !l.is_empty()).is_some_and(|l| l.starts_with('['));
        if line.is_empty() && !before_section {
            continue;
        }
        out.push(*line);
    }
    out.join("\n") + "\n"
}

/// Writes the units (to `out` for a dry run) and, unless a dry run, enables them.
pub fn install(config: &Config, layout: &Layout, dry_run: bool, out: Option<&Path>) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let dir = out.map(Path::to_path_buf).unwrap_or_else(|| layout.unit_dir());
    std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let units = units(config, layout);
    let mut written = vec![];
    for u in &units {
        let path = dir.join(u.name);
        std::fs::write(&path, &u.text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        written.push((path, u.name.to_string()));
    }
    let names: Vec<&str> = units.iter().map(|u| u.name).collect();
    if !dry_run {
        run(layout.systemctl().arg("daemon-reload"))?;
        run(layout.systemctl().arg("enable").args(&names))?;
    }
    Ok(written)
}

pub fn uninstall(layout: &Layout, dry_run: bool, out: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    let dir = out.map(Path::to_path_buf).unwrap_or_else(|| layout.unit_dir());
    let names = [KIOSK_UNIT, DB_UNIT];
    let present: Vec<&str> = names.iter().copied().filter(|n| dir.join(n).exists()).collect();
    if !dry_run && !present.is_empty() {
        run(layout.systemctl().args(["disable", "--now"]).args(&present))?;
    }
    let mut removed = vec![];
    for n in present {
        let p = dir.join(n);
        std::fs::remove_file(&p).map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", p.display()))?;
        removed.push(p);
    }
    if !dry_run {
        run(layout.systemctl().arg("daemon-reload"))?;
    }
    Ok(removed)
}

#[derive(Debug, serde::Serialize)]
pub struct UnitStatus {
    pub name: &'static str,
    pub file: Option<PathBuf>,
    pub enabled: String,
    pub active: String,
}

pub fn status(layout: &Layout) -> Vec<UnitStatus> {
    [KIOSK_UNIT, DB_UNIT]
        .into_iter()
        .map(|name| {
            let file = Some(layout.unit_dir().join(name)).filter(|p| p.exists());
            let ask = |verb: &str| {
                layout
                    .systemctl()
                    .args([verb, name])
                    .output()
                    .ok()
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "unknown".into())
            };
            UnitStatus { name, file, enabled: ask("is-enabled"), active: ask("is-active") }
        })
        .collect()
}

/// The enabled kiosk unit, found by its link in the target's `.wants` folder (no systemctl needed).
pub fn autostart_unit() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("/etc/systemd/system/graphical.target.wants").join(KIOSK_UNIT)];
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".config/systemd/user/graphical-session.target.wants").join(KIOSK_UNIT));
    }
    candidates.into_iter().find(|p| p.exists())
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}").replace('"', "");
    let out = cmd.output().map_err(|e| anyhow::anyhow!("cannot run {shown}: {e}"))?;
    if !out.status.success() {
        anyhow::bail!("{shown} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}
