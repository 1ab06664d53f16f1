//! The program's configuration: one TOML file, every key overridable by `OMBOR_<SECTION>_<KEY>`.
//!
//! Order: `--config PATH`, else the OS config dir's `ombor.toml`, else the built-in default
//! (the same text as `config/ombor.toml`). Unknown keys and wrong types are errors that name the
//! key and the line, because a silently ignored typo on a kiosk is found only when it hurts.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The documented default configuration, compiled in.
pub const DEFAULT_TOML: &str = include_str!("../../config/ombor.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub general: General,
    pub database: Database,
    pub session: Session,
    pub scanner: Scanner,
    pub camera: Camera,
    pub face: Face,
    pub backup: Backup,
    pub ui: Ui,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct General {
    /// Where the embedded cluster, logs and the face model live; empty = the OS data dir.
    pub data_dir: String,
    /// This station's name, recorded with movements, verifications, logins and backups.
    pub station: String,
    /// uz, ru or en.
    pub locale: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// Empty = the embedded cluster in the data dir. Otherwise a PostgreSQL URL for the app role.
    pub url: String,
    /// URL of the schema owner that runs migrations; empty = the same as `url`.
    pub owner_url: String,
    /// Directory with initdb/pg_ctl/pg_dump; empty = found automatically.
    pub pg_bin_dir: String,
    /// The server's CA certificate (PEM) for sslmode verify-ca/verify-full.
    pub ca_file: String,
    pub pool_size: usize,
    /// Seconds to wait for a connection before telling the user the database is unreachable.
    pub connect_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub timeout_secs: u64,
    pub max_failed_logins: i32,
    pub lockout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scanner {
    /// Keystrokes further apart than this are a person typing, not the scanner.
    pub max_key_interval_ms: u64,
    pub min_length: usize,
    pub max_length: usize,
    pub prefix: String,
    pub suffix: String,
    /// The layout the scanner types in: codes are read from the physical keys in this layout,
    /// whatever layout the operating system has active.
    pub layout: crate::keyboard::ScannerLayout,
    /// The key that ends a scan.
    pub terminator: crate::keyboard::Terminator,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    /// A device index ("0"), a /dev/video* path, a video file or an image-sequence pattern.
    pub source: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Face {
    /// "sface" (deep embedding) or "lbph" (the classic fallback).
    pub backend: String,
    /// Directory holding the ONNX models; empty = `<data_dir>/models` if the models are there,
    /// else /usr/local/share/ombor-nazorat/models (where scripts/fetch-face-models.sh puts them).
    pub models_dir: String,
    pub sface_threshold: f64,
    pub lbph_threshold: f64,
    pub verification_ttl_secs: u64,
    pub enroll_frames: usize,
    pub agree_frames: usize,
    pub window_frames: usize,
    /// Seconds of looking before "not recognised".
    pub verify_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// Cron expression with seconds: sec min hour day-of-month month day-of-week.
    pub schedule: String,
    /// Empty = `<data_dir>/backups`.
    pub dir: String,
    pub keep_daily: usize,
    pub keep_monthly: usize,
    /// An external disk that gets a copy when mounted; empty = none.
    pub mirror_dir: String,
    pub min_free_mb: u64,
    /// How long pg_dump (and the backup's own queries) wait for a lock another session holds
    /// before the run is given up and recorded as failed.
    #[serde(default = "default_lock_timeout_secs")]
    pub lock_timeout_secs: u64,
}

fn default_lock_timeout_secs() -> u64 {
    30
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Ui {
    pub fullscreen: bool,
    /// "light" or "dark".
    pub theme: String,
}

impl Default for Config {
    fn default() -> Self {
        toml::from_str(DEFAULT_TOML).expect("the built-in default configuration parses")
    }
}

impl Config {
    /// Loads from `explicit`, else the OS config dir, else the default; then applies `OMBOR_*`.
    pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("OMBOR_")).collect();
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => default_config_path().filter(|p| p.exists()),
        };
        let text = match &path {
            Some(p) => std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.clone(), source })?,
            None => DEFAULT_TOML.to_string(),
        };
        let config = Self::from_toml_and_env(&text, path.as_deref().unwrap_or(Path::new("<built-in>")), &env)?;
        Ok((config, path))
    }

    /// Parses `text` (missing keys take the default) and applies the given `OMBOR_*` pairs.
    pub fn from_toml_and_env(text: &str, path: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let fail = |message: String| ConfigError::Parse { path: path.to_path_buf(), message };
        let user: toml::Table = toml::from_str(text).map_err(|e| fail(describe_toml_error(text, &e)))?;
        let mut merged: toml::Table = toml::from_str(DEFAULT_TOML).expect("default parses");
        // Every key is a scalar with a default: checking names and types against the default
        // table gives errors that name the key and its line in the user's file.
        for (section, value) in user {
            let Some(defaults) = merged.get_mut(&section).and_then(|v| v.as_table_mut()) else {
                return Err(fail(format!("line {}: unknown section [{section}]", find_line(text, None, &section))));
            };
            let toml::Value::Table(keys) = value else {
                return Err(fail(format!("line {}: `{section}` must be a section ([{section}])", find_line(text, None, &section))));
            };
            for (key, value) in keys {
                let line = find_line(text, Some(&section), &key);
                let Some(default) = defaults.get(&key) else {
                    return Err(fail(format!("line {line}: unknown key `{key}` in [{section}]")));
                };
                let value = match (default, value) {
                    (toml::Value::Float(_), toml::Value::Integer(i)) => toml::Value::Float(i as f64),
                    (d, v) if d.same_type(&v) => v,
                    (d, v) => {
                        return Err(fail(format!("line {line}: key `{section}.{key}` must be {}, not {}", type_name(d), type_name(&v))));
                    }
                };
                defaults.insert(key, value);
            }
        }
        for (var, value) in env {
            apply_env(&mut merged, var, value)?;
        }
        merged.try_into().map_err(|e: toml::de::Error| fail(e.message().trim().to_string()))
    }

    pub fn data_dir(&self) -> PathBuf {
        if self.general.data_dir.is_empty() && nix::unistd::geteuid().is_root() {
            // root's home is closed to the `postgres` user that must run the embedded cluster.
            PathBuf::from("/var/lib/ombor-nazorat")
        } else if self.general.data_dir.is_empty() {
            directories::ProjectDirs::from("uz", "Ombor", "ombor-nazorat")
                .map(|d| d.data_dir().to_path_buf())
                .unwrap_or_else(|| PathBuf::from("/var/lib/ombor-nazorat"))
        } else {
            PathBuf::from(&self.general.data_dir)
        }
    }

    pub fn backup_dir(&self) -> PathBuf {
        if self.backup.dir.is_empty() {
            self.data_dir().join("backups")
        } else {
            PathBuf::from(&self.backup.dir)
        }
    }

    pub fn models_dir(&self) -> PathBuf {
        if self.face.models_dir.is_empty() {
            self.data_dir().join("models")
        } else {
            PathBuf::from(&self.face.models_dir)
        }
    }

    pub fn face_model_path(&self) -> PathBuf {
        self.data_dir().join("model.yml")
    }

    pub fn uses_embedded_database(&self) -> bool {
        self.database.url.trim().is_empty()
    }

    /// The configuration as TOML with passwords in URLs replaced by `***`.
    pub fn masked(&self) -> Config {
        let mut c = self.clone();
        c.database.url = mask_url_password(&c.database.url);
        c.database.owner_url = mask_url_password(&c.database.owner_url);
        c
    }
}

/// `$XDG_CONFIG_HOME/ombor-nazorat/ombor.toml` or the OS equivalent.
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("uz", "Ombor", "ombor-nazorat").map(|d| d.config_dir().join("ombor.toml"))
}

/// `OMBOR_DATABASE_URL` → database.url, `OMBOR_DATA_DIR` → general.data_dir,
/// `OMBOR_SESSION_TIMEOUT_SECS` → session.timeout_secs. The value takes the key's type.
fn apply_env(table: &mut toml::Table, var: &str, value: &str) -> Result<(), ConfigError> {
    let rest = &var["OMBOR_".len()..];
    if rest == "DATA_DIR" {
        return set_key(table, "general", "data_dir", value, var);
    }
    if rest == "CONFIG" || rest.starts_with("TEST_") || rest == "LOG" || rest == "FACES_DIR" || rest == "UI_TEXT_MAP" {
        return Ok(()); // not configuration keys: the CLI and the tests read these themselves
    }
    let lower = rest.to_ascii_lowercase();
    let sections: Vec<String> = table.keys().cloned().collect();
    for section in sections {
        if let Some(key) = lower.strip_prefix(&format!("{section}_")) {
            return set_key(table, &section, key, value, var);
        }
    }
    Err(ConfigError::Env { var: var.into(), message: "no such configuration section".into() })
}

fn set_key(table: &mut toml::Table, section: &str, key: &str, value: &str, var: &str) -> Result<(), ConfigError> {
    let err = |message: String| ConfigError::Env { var: var.into(), message };
    let sect = table.get_mut(section).and_then(|v| v.as_table_mut()).ok_or_else(|| err("no such section".into()))?;
    let old = sect.get(key).ok_or_else(|| err(format!("no key `{key}` in section [{section}]")))?;
    let new = match old {
        toml::Value::String(_) => toml::Value::String(value.to_string()),
        toml::Value::Integer(_) => toml::Value::Integer(value.trim().parse().map_err(|_| err(format!("`{value}` is not a whole number")))?),
        toml::Value::Float(_) => toml::Value::Float(value.trim().parse().map_err(|_| err(format!("`{value}` is not a number")))?),
        toml::Value::Boolean(_) => toml::Value::Boolean(match value.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return Err(err(format!("`{value}` is not true or false"))),
        }),
        _ => return Err(err("this key cannot be set from the environment".into())),
    };
    sect.insert(key.to_string(), new);
    Ok(())
}

fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => format!("line {}: {}", line_of(text, span.start), e.message()),
        None => e.message().to_string(),
    }
}

/// The line where `key` is set (inside `[section]` when given); 1 when not found.
fn find_line(text: &str, section: Option<&str>, key: &str) -> usize {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            current = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            if section.is_none() && current == key {
                return i + 1;
            }
        } else if t.split('=').next().map(str::trim) == Some(key) && section.is_none_or(|s| s == current) {
            return i + 1;
        }
    }
    1
}

fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "text in quotes",
        toml::Value::Integer(_) => "a whole number",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a section",
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

pub fn mask_url_password(url: &str) -> String {
    // postgres://user:secret@host/db → postgres://user:***@host/db ; key=value form: password=***
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        if let Some(at) = rest.find('@') {
            let userinfo = &rest[..at];
            if let Some(colon) = userinfo.find(':') {
                return format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &rest[at..]);
            }
        }
        return url.to_string();
    }
    url.split_whitespace()
        .map(|kv| if kv.to_ascii_lowercase().starts_with("password=") { "password=***".to_string() } else { kv.to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = env.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        Config::from_toml_and_env(text, Path::new("test.toml"), &env)
    }

    #[test]
    fn default_file_is_the_default() {
        let c = parse(DEFAULT_TOML, &[]).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.session.timeout_secs, 300);
        assert_eq!(c.face.verification_ttl_secs, 300);
        assert!(c.uses_embedded_database());
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let c = parse("[session]\ntimeout_secs = 60\n", &[]).unwrap();
        assert_eq!(c.session.timeout_secs, 60);
        assert_eq!(c.backup.keep_daily, Config::default().backup.keep_daily);
    }

    #[test]
    fn environment_overrides_with_types() {
        let c = parse(
            "",
            &[
                ("OMBOR_DATABASE_URL", "postgres://a:b@h/db"),
                ("OMBOR_DATA_DIR", "/x"),
                ("OMBOR_SESSION_TIMEOUT_SECS", "7"),
                ("OMBOR_UI_FULLSCREEN", "false"),
            ],
        )
        .unwrap();
        assert_eq!(c.database.url, "postgres://a:b@h/db");
        assert_eq!(c.general.data_dir, "/x");
        assert_eq!(c.session.timeout_secs, 7);
        assert!(!c.ui.fullscreen);
        let e = parse("", &[("OMBOR_SESSION_TIMEOUT_SECS", "soon")]).unwrap_err().to_string();
        assert!(e.contains("OMBOR_SESSION_TIMEOUT_SECS") && e.contains("soon"), "{e}");
        let e = parse("", &[("OMBOR_SESSION_NOPE", "1")]).unwrap_err().to_string();
        assert!(e.contains("nope"), "{e}");
    }

    #[test]
    fn bad_files_name_key_and_line() {
        let e = parse("[session]\n\ntimeout_secs = \"five\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("timeout_secs"), "{e}");
        let e = parse("[backup]\nkeep_daily = 3\nkeep_forever = 1\n", &[]).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("keep_forever"), "{e}");
        let e = parse("[database\nurl=1", &[]).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask_url_password("postgres://app:s3cret@db.lan:5432/ombor_nazorat"), "postgres://app:***@db.lan:5432/ombor_nazorat");
        assert_eq!(mask_url_password("host=db user=app password=s3cret"), "host=db user=app password=***");
        assert_eq!(mask_url_password(""), "");
    }
}
