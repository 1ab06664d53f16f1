//! `ombor run`: database → actors → window, and back down in reverse order.

use models::{cluster::Cluster, Config, Target};

pub fn run(config: Config) -> anyhow::Result<()> {
    actors::memory::keep_heap_small();
    let target = Target::from_config(&config)?;
    let started = target.start_cluster()?;
    if started {
        tracing::info!("started the embedded PostgreSQL cluster");
    }
    // Stops the cluster on the way out, a panic in the window included: a cluster left running
    // would hold the data dir after the kiosk has gone.
    let _stop_on_exit = StopOnExit(target.cluster.as_ref().filter(|_| started));
    let rt = super::runtime();
    let report = rt.block_on(target.migrate())?;
    if !report.applied.is_empty() {
        tracing::info!(applied = ?report.applied, "migrations applied");
    }
    let pool = target.pool(config.database.pool_size);
    let running = actors::system::start(config.clone(), pool);
    let window = ui::run(running.handles.clone());
    running.stop();
    window.map_err(|e| anyhow::anyhow!("the kiosk window failed: {e}"))
}

struct StopOnExit<'a>(Option<&'a Cluster>);

impl Drop for StopOnExit<'_> {
    fn drop(&mut self) {
        if let Some(cluster) = self.0 {
            match cluster.stop() {
                Ok(()) => tracing::info!("stopped the embedded PostgreSQL cluster"),
                Err(e) => tracing::error!(error = %e, "could not stop the embedded cluster"),
            }
        }
    }
}
