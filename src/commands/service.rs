//! `ombor service install|uninstall|status`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use models::Config;

use crate::service::{self, Layout};

#[derive(Subcommand, Debug)]
pub enum ServiceAction {
    /// Write and enable the systemd units: the kiosk with the graphical session, after its database.
    Install(ServiceArgs),
    /// Disable and remove the units.
    Uninstall(ServiceArgs),
    /// Are the units installed, enabled, running?
    Status(ServiceArgs),
}

#[derive(Args, Debug)]
pub struct ServiceArgs {
    /// User units (~/.config/systemd/user, part of graphical-session.target) instead of system units.
    #[arg(long)]
    pub user_unit: bool,
    /// Write the units but do not call systemctl.
    #[arg(long)]
    pub dry_run: bool,
    /// Folder to write the units to (with --dry-run; default: systemd's unit folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The OS user the kiosk runs as (system units; default: $SUDO_USER, else the current user).
    #[arg(long, value_name = "NAME")]
    pub kiosk_user: Option<String>,
    /// The X display of the kiosk's session (system units).
    #[arg(long, default_value = ":0")]
    pub display: String,
    #[arg(long)]
    pub json: bool,
}

fn layout(args: &ServiceArgs, config_file: Option<&Path>) -> anyhow::Result<Layout> {
    if args.out.is_some() && !args.dry_run {
        // systemd would never find units enabled from another folder.
        anyhow::bail!("--out only goes with --dry-run");
    }
    let me = nix::unistd::User::from_uid(nix::unistd::geteuid()).ok().flatten();
    let name = args
        .kiosk_user
        .clone()
        .or_else(|| std::env::var("SUDO_USER").ok().filter(|s| !s.is_empty()))
        .or_else(|| me.as_ref().map(|u| u.name.clone()))
        .ok_or_else(|| anyhow::anyhow!("cannot tell the kiosk user: add --kiosk-user NAME"))?;
    let user = nix::unistd::User::from_name(&name).ok().flatten().ok_or_else(|| anyhow::anyhow!("no such OS user: {name}"))?;
    let home = if args.user_unit { me.map(|u| u.dir).unwrap_or_else(|| user.dir.clone()) } else { user.dir.clone() };
    let program = installed_program(std::env::current_exe()?);
    let config_file = config_file.map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
    Ok(Layout { user_unit: args.user_unit, kiosk_user: name, home, display: args.display.clone(), program, config_file })
}

/// The binary the units start: never one inside cargo's target dir when an installed copy
/// exists (/usr/bin from the package, /usr/local/bin by hand).
fn installed_program(current: PathBuf) -> PathBuf {
    if !in_cargo_target_dir(&current) {
        return current;
    }
    ["/usr/bin/ombor", "/usr/local/bin/ombor"].into_iter().map(PathBuf::from).find(|p| p.exists()).unwrap_or(current)
}

fn in_cargo_target_dir(p: &Path) -> bool {
    p.components().any(|c| c.as_os_str() == "target" || c.as_os_str().to_string_lossy().contains("target-"))
        || p.parent().and_then(|d| d.file_name()).is_some_and(|n| n == "debug" || n == "release")
}

/// What `service install` refuses outside a dry run: a kiosk run as root, a binary inside
/// cargo's target dir.
fn refuse_unsafe(layout: &Layout) -> anyhow::Result<()> {
    if !layout.user_unit && layout.kiosk_user == "root" {
        anyhow::bail!(
            "the kiosk must not run as root: give --kiosk-user the account of the kiosk's graphical session (or install the Debian package, whose units run as the `ombor` user)"
        );
    }
    if in_cargo_target_dir(&layout.program) {
        anyhow::bail!(
            "{} is inside cargo's target dir, which a rebuild replaces: install it first (sudo install -m 0755 {} /usr/local/bin/ombor) or use the Debian package",
            layout.program.display(),
            layout.program.display()
        );
    }
    Ok(())
}

pub fn run(config: &Config, config_file: Option<&Path>, action: ServiceAction) -> anyhow::Result<()> {
    match action {
        ServiceAction::Install(args) => {
            let layout = layout(&args, config_file)?;
            if !args.dry_run {
                refuse_unsafe(&layout)?;
            }
            let written = service::install(config, &layout, args.dry_run, args.out.as_deref())?;
            let files: Vec<String> = written.iter().map(|(p, _)| p.display().to_string()).collect();
            super::print(args.json, &serde_json::json!({"written": files, "enabled": !args.dry_run}), || {
                let mut s = files.iter().map(|f| format!("wrote {f}")).collect::<Vec<_>>().join("\n");
                s +=
                    if args.dry_run { "\ndry run: nothing enabled" } else { "\nenabled: the kiosk starts with the next graphical session" };
                s
            });
        }
        ServiceAction::Uninstall(args) => {
            let layout = layout(&args, config_file)?;
            let removed = service::uninstall(&layout, args.dry_run, args.out.as_deref())?;
            let files: Vec<String> = removed.iter().map(|p| p.display().to_string()).collect();
            super::print(args.json, &serde_json::json!({"removed": files}), || {
                if files.is_empty() {
                    "no units were installed".into()
                } else {
                    files.iter().map(|f| format!("removed {f}")).collect::<Vec<_>>().join("\n")
                }
            });
        }
        ServiceAction::Status(args) => {
            let layout = layout(&args, config_file)?;
            let st = service::status(&layout);
            super::print(args.json, &st, || {
                st.iter()
                    .map(|u| {
                        let file = u.file.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "not installed".into());
                        format!("{}: {file}; enabled: {}; active: {}", u.name, u.enabled, u.active)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(user: &str, program: &str) -> Layout {
        Layout {
            user_unit: false,
            kiosk_user: user.into(),
            home: "/home/x".into(),
            display: ":0".into(),
            program: program.into(),
            config_file: None,
        }
    }

    #[test]
    fn units_never_run_the_kiosk_as_root_or_from_cargos_target_dir() {
        assert!(refuse_unsafe(&layout("kiosk", "/usr/local/bin/ombor")).is_ok());
        let e = refuse_unsafe(&layout("root", "/usr/local/bin/ombor")).unwrap_err().to_string();
        assert!(e.contains("must not run as root"), "{e}");
        for p in ["/home/dev/ombor/target/release/ombor", "/root/.cache/ombor-target/debug/ombor", "/root/.cache/target-x/release/ombor"] {
            let e = refuse_unsafe(&layout("kiosk", p)).unwrap_err().to_string();
            assert!(e.contains("cargo's target dir"), "{p}: {e}");
        }
    }
}
