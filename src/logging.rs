//! tracing to stderr and to a daily-rotated file in the data dir (kept 14 days).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::prelude::*;
use tracing_subscriber::{fmt, EnvFilter};

/// Keep the guard alive until exit: it flushes the file writer.
pub fn init(data_dir: &Path) -> Option<WorkerGuard> {
    let filter = || {
        EnvFilter::try_from_env("OMBOR_LOG")
            .unwrap_or_else(|_| EnvFilter::new("warn,deadpool.postgres=error,ombor=info,actors=info,models=info,ui=info"))
    };
    // Colours only for a person at a terminal, not in journald or a redirected file.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let stderr = fmt::layer().with_writer(std::io::stderr).with_target(false).with_ansi(colours).with_filter(filter());
    let logs = data_dir.join("logs");
    let appender = std::fs::create_dir_all(&logs).ok().and_then(|_| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("ombor")
            .filename_suffix("log")
            .max_log_files(14)
            .build(&logs)
            .ok()
    });
    match appender {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file = fmt::layer().with_writer(writer).with_ansi(false).with_filter(filter());
            tracing_subscriber::registry().with(stderr).with(file).init();
            Some(guard)
        }
        None => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!(dir = %logs.display(), "cannot write log files; logging to stderr only");
            None
        }
    }
}
