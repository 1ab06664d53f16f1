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
    let program = std::env::current_exe()?;
    let config_file = config_file.map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
    Ok(Layout { user_unit: args.user_unit, kiosk_user: name, home, display: args.display.clone(), program, config_file })
}

pub fn run(config: &Config, config_file: Option<&Path>, action: ServiceAction) -> anyhow::Result<()> {
    match action {
        ServiceAction::Install(args) => {
            let layout = layout(&args, config_file)?;
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
