//! `ombor run`: database → actors → window, and back down in reverse order.

use models::{Config, Target};

pub fn run(config: Config) -> anyhow::Result<()> {
    actors::memory::keep_heap_small();
    let target = Target::from_config(&config)?;
    // Held to the end, a panic in the window included: a cluster this process started is
    // stopped on the way out unless another command still uses it (a cluster left running
    // would hold the data dir after the kiosk has gone).
    let cluster = target.start_cluster()?;
    if cluster.started() {
        tracing::info!("started the embedded PostgreSQL cluster");
    }
    let rt = super::runtime();
    let report = rt.block_on(target.migrate())?;
    if !report.applied.is_empty() {
        tracing::info!(applied = ?report.applied, "migrations applied");
    }
    let pool = target.pool(config.database.pool_size);
    let running = actors::system::start(config.clone(), pool);
    let window = ui::run(running.handles.clone());
    running.stop();
    drop(cluster);
    window.map_err(|e| anyhow::anyhow!("the kiosk window failed: {e}"))
}
