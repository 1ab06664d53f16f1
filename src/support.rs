//! The support bundle: what a technician needs to help from afar — the configuration with its
//! secrets masked, the logs, the doctor's report and the versions — and never face data
//! (model.yml) or database dumps.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use models::config::mask_url_password;
use models::Config;
use zip::write::SimpleFileOptions;

/// Only this much of the end of each log goes in (the newest lines matter).
const MAX_LOG_BYTES: u64 = 4 << 20;

/// Files that must never leave the kiosk, whatever folder they turn up in.
pub fn is_private(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    name.starts_with("model.yml")
        || name.ends_with(".sql")
        || name.ends_with(".sql.gz")
        || name.ends_with(".dump")
        || name.ends_with(".onnx")
        || name.starts_with("ombor_nazorat_")
}

/// Masks passwords in URLs (`postgres://u:***@h`) and `password=***` pairs in free text.
pub fn mask_secrets(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            let tail = &word[trimmed.len()..];
            let masked = if trimmed.contains("://") {
                mask_url_password(trimmed)
            } else if trimmed.to_ascii_lowercase().starts_with("password=") {
                "password=***".to_string()
            } else {
                trimmed.to_string()
            };
            masked + tail
        })
        .collect()
}

pub struct Bundle {
    pub entries: Vec<String>,
}

/// Writes the zip to `out`.
pub fn write(config: &Config, source: Option<&Path>, out: &Path) -> anyhow::Result<Bundle> {
    let file = std::fs::File::create(out).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut entries = vec![];
    let mut add = |zip: &mut zip::ZipWriter<std::fs::File>, name: String, bytes: &[u8]| -> anyhow::Result<()> {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(bytes)?;
        entries.push(name);
        Ok(())
    };

    let from = source.map(|p| p.display().to_string()).unwrap_or_else(|| "built-in defaults".into());
    let config_text = format!("# from: {from}\n# data dir: {}\n{}", config.data_dir().display(), toml::to_string_pretty(&config.masked())?);
    add(&mut zip, "config.toml".into(), config_text.as_bytes())?;

    let report = crate::doctor::run(config, &crate::doctor::Options { lang: ui::i18n::Language::English, interactive: false });
    add(&mut zip, "doctor.json".into(), serde_json::to_string_pretty(&report)?.as_bytes())?;

    add(&mut zip, "versions.txt".into(), versions(config, &report).as_bytes())?;

    for (name, path) in log_files(config) {
        if is_private(&path) {
            continue;
        }
        let text = mask_secrets(&String::from_utf8_lossy(&tail(&path, MAX_LOG_BYTES)?));
        add(&mut zip, name, text.as_bytes())?;
    }
    zip.finish()?;
    Ok(Bundle { entries })
}

/// The program's logs and the embedded cluster's server log.
fn log_files(config: &Config) -> Vec<(String, PathBuf)> {
    let mut files = vec![];
    let logs = config.data_dir().join("logs");
    if let Ok(dir) = std::fs::read_dir(&logs) {
        let mut names: Vec<PathBuf> = dir.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        names.sort();
        for p in names {
            let name = format!("logs/{}", p.file_name().unwrap_or_default().to_string_lossy());
            files.push((name, p));
        }
    }
    let pg_log = config.data_dir().join("postgres/postgres.log");
    if pg_log.is_file() {
        files.push(("logs/postgres.log".into(), pg_log));
    }
    files
}

fn tail(path: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    if len > max {
        f.seek(SeekFrom::Start(len - max))?;
    }
    let mut buf = vec![];
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

fn versions(config: &Config, report: &crate::doctor::Report) -> String {
    let command = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "-".into())
    };
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("PRETTY_NAME=")).map(|l| l[13..].trim_matches('"').to_string()))
        .unwrap_or_else(|| "-".into());
    let line = |id: &str| report.groups.iter().flat_map(|g| &g.lines).find(|l| l.id == id).map(|l| l.detail.clone()).unwrap_or_default();
    format!(
        "ombor {}\nos: {os}\nkernel: {}\ndatabase: {}\npg_dump: {}\nstation: {}\nlocale: {}\n",
        env!("CARGO_PKG_VERSION"),
        command("uname", &["-srm"]),
        line("database.reachable"),
        line("backup.pg_dump"),
        config.general.station,
        config.general.locale.code(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_private_files() {
        assert_eq!(
            mask_secrets("connect postgres://app:s3cret@db/x failed\npassword=abc host=h"),
            "connect postgres://app:***@db/x failed\npassword=*** host=h"
        );
        for private in ["/d/model.yml", "/d/model.yml.gz", "/b/ombor_nazorat_20261125_020000.sql", "/b/x.sql.gz", "/m/sface.onnx"] {
            assert!(is_private(Path::new(private)), "{private}");
        }
        assert!(!is_private(Path::new("/d/logs/ombor.2026-11-25.log")));
    }
}
