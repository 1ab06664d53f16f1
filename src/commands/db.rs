//! `ombor migrate`, `ombor db status|start|stop`.

use models::cluster::ClusterState;
use models::{Config, Target};
use serde::Serialize;

pub fn migrate(config: &Config, json: bool) -> anyhow::Result<()> {
    let target = Target::from_config(config)?;
    // `ombor migrate` leaves things as it found them (unless another command uses the cluster).
    let cluster = target.start_cluster()?;
    let report = super::runtime().block_on(target.migrate());
    drop(cluster);
    let report = report?;
    super::print(json, &report, || {
        if report.applied.is_empty() {
            format!("database {} is up to date (migration {})", target.describe(), report.current)
        } else {
            format!(
                "applied {} migration(s) to {}: {}; now at {}",
                report.applied.len(),
                target.describe(),
                report.applied.join(", "),
                report.current
            )
        }
    });
    Ok(())
}

#[derive(Serialize)]
struct Status {
    mode: &'static str,
    target: String,
    cluster: Option<ClusterState>,
    data_dir: Option<String>,
    postgres_major: Option<u32>,
    reachable: bool,
    server_version: Option<String>,
    migration: Option<u32>,
    latest_migration: u32,
    error: Option<String>,
}

pub fn status(config: &Config, json: bool) -> anyhow::Result<()> {
    let target = Target::from_config(config)?;
    let cluster_state = target.cluster.as_ref().map(|c| c.state());
    let mut st = Status {
        mode: if target.cluster.is_some() { "embedded" } else { "server" },
        target: target.describe(),
        cluster: cluster_state,
        data_dir: target.cluster.as_ref().map(|c| c.pgdata().display().to_string()),
        postgres_major: target.cluster.as_ref().map(|c| c.bins.major),
        reachable: false,
        server_version: None,
        migration: None,
        latest_migration: models::db::latest_migration(),
        error: None,
    };
    if cluster_state.is_none() || cluster_state == Some(ClusterState::Running) {
        // As the owner: the application's role may not read the migration history.
        match super::runtime().block_on(models::db::probe(&target.owner)) {
            Ok((version, migration)) => {
                st.reachable = true;
                st.server_version = Some(version);
                st.migration = migration;
            }
            Err(e) => st.error = Some(e.to_string()),
        }
    }
    super::print(json, &st, || {
        let mut s = format!("mode: {}\ntarget: {}\n", st.mode, st.target);
        if let Some(state) = st.cluster {
            s += &format!("embedded cluster: {state:?} ({})\n", st.data_dir.clone().unwrap_or_default());
        }
        s += &format!("reachable: {}\n", if st.reachable { "yes" } else { "no" });
        if let Some(v) = &st.server_version {
            s += &format!("server: {v}\n");
        }
        s += &format!("migration: {} of {}", st.migration.map(|m| m.to_string()).unwrap_or_else(|| "-".into()), st.latest_migration);
        if let Some(e) = &st.error {
            s += &format!("\nerror: {e}");
        }
        s
    });
    Ok(())
}

pub fn start(config: &Config, json: bool) -> anyhow::Result<()> {
    let target = Target::from_config(config)?;
    let Some(cluster) = &target.cluster else {
        anyhow::bail!("database.url is set: the server is managed outside ombor (nothing to start)");
    };
    let started = cluster.start_to_keep()?;
    super::runtime().block_on(target.migrate())?;
    super::print(json, &serde_json::json!({"started": started, "state": cluster.state(), "socket": cluster.socket_path()}), || {
        if started {
            format!("started the embedded cluster at {}", cluster.pgdata().display())
        } else {
            "the embedded cluster was already running".into()
        }
    });
    Ok(())
}

pub fn stop(config: &Config, json: bool) -> anyhow::Result<()> {
    let target = Target::from_config(config)?;
    let Some(cluster) = &target.cluster else {
        anyhow::bail!("database.url is set: the server is managed outside ombor (nothing to stop)");
    };
    let was_running = cluster.state() == ClusterState::Running;
    cluster.stop_now()?;
    super::print(json, &serde_json::json!({"stopped": was_running, "state": cluster.state()}), || {
        if was_running {
            "stopped the embedded cluster".into()
        } else {
            "the embedded cluster was not running".into()
        }
    });
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct ExposeArgs {
    /// Addresses to listen on (PostgreSQL's listen_addresses): `*` for all, or one LAN address.
    #[arg(long, default_value = "*")]
    pub listen: String,
    /// Host names and IP addresses the stations use to reach this PC (the certificate's names);
    /// repeat it. Default: this PC's host name, its IPv4 addresses and localhost.
    #[arg(long = "host")]
    pub hosts: Vec<String>,
    /// Read the stations' password from stdin (one line, 12+ characters) instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn expose(config: &Config, args: ExposeArgs) -> anyhow::Result<()> {
    let target = Target::from_config(config)?;
    let Some(cluster) = &target.cluster else {
        anyhow::bail!("database.url is set: this station uses a server; run `ombor db expose` on the station that runs the database");
    };
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(std::io::stdin().lock(), 4096), &mut line)?;
        line.lines().next().unwrap_or("").to_string()
    } else {
        use rand::Rng;
        rand::thread_rng().sample_iter(&rand::distributions::Alphanumeric).take(24).map(char::from).collect()
    };
    let hosts = if args.hosts.is_empty() { default_hosts() } else { args.hosts.clone() };
    cluster.start_to_keep()?;
    let rt = super::runtime();
    rt.block_on(target.migrate())?;
    rt.block_on(models::db::set_app_password(&target.owner, &password))?;
    let exposure = cluster.expose(&args.listen, &hosts)?;
    cluster.stop()?;
    cluster.start()?;
    let url = format!("postgres://ombor_app:{password}@{}:{}/ombor_nazorat?sslmode=verify-full", hosts[0], exposure.port);
    super::print(
        args.json,
        &serde_json::json!({"listen": args.listen, "port": exposure.port, "hosts": hosts, "ca_file": exposure.ca_file, "station_url": url}),
        || {
            format!(
                "The database now accepts stations on port {} (TLS only, user ombor_app).\n\
                 On each station, copy {} and set in ombor.toml:\n\n  [database]\n  url = \"{url}\"\n  ca_file = \"/etc/ombor-nazorat/ca.crt\"\n\n\
                 Keep the password secret; it is not shown again.",
                exposure.port,
                exposure.ca_file.display()
            )
        },
    );
    Ok(())
}

/// This PC's host name, its non-loopback IPv4 addresses, and localhost.
fn default_hosts() -> Vec<String> {
    let mut hosts = vec![];
    if let Ok(name) = nix::unistd::gethostname() {
        hosts.push(name.to_string_lossy().into_owned());
    }
    if let Ok(out) = std::process::Command::new("hostname").arg("-I").output() {
        hosts.extend(String::from_utf8_lossy(&out.stdout).split_whitespace().filter(|a| !a.contains(':')).map(str::to_string));
    }
    hosts.extend(["localhost".to_string(), "127.0.0.1".to_string()]);
    hosts.dedup();
    hosts
}
