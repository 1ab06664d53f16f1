//! `ombor run`: database → actors → window, and back down in reverse order.

use models::{Config, Target};

pub fn run(config: Config) -> anyhow::Result<()> {
    actors::memory::keep_heap_small();
    let target = Target::from_config(&config)?;
    let started = target.start_cluster()?;
    if started {
        tracing::info!("started the embedded PostgreSQL cluster");
    }
    let result = (|| -> anyhow::Result<()> {
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
    })();
    if started {
        if let Some(cluster) = &target.cluster {
            match cluster.stop() {
                Ok(()) => tracing::info!("stopped the embedded PostgreSQL cluster"),
                Err(e) => tracing::error!(error = %e, "could not stop the embedded cluster"),
            }
        }
    }
    result
}
