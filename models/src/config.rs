//! The program's configuration: one TOML file, every key overridable by `OMBOR_<SECTION>_<KEY>`.
//!
//! Order: `--config PATH` (or `OMBOR_CONFIG`), else the OS config dir's `ombor.toml`, else
//! `/etc/ombor-nazorat/ombor.toml` (the package's), else the built-in default
//! (the same text as `config/ombor.toml`). Unknown keys and wrong types are errors that name the
//! key and the line, because a silently ignored typo on a kiosk is found only when it hurts.
//! Closed sets (locale, theme, face backend) are enums: a value outside them is refused with its
//! line and the allowed values. Security-relevant numbers are checked against their allowed
//! range at load ([`Config::range_problems`]); `ombor doctor` shows them.

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
    #[error("{}", describe_ranges(path, problems))]
    OutOfRange { path: PathBuf, problems: Vec<RangeProblem> },
}

/// A value outside its allowed range, and where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeProblem {
    /// `section.key`.
    pub key: &'static str,
    pub value: String,
    /// The allowed range, in words: "between 0 and 1 (both excluded)".
    pub allowed: &'static str,
    /// "line 3" of the file, or "environment variable OMBOR_…"; empty for a value set in code.
    pub place: String,
}

impl std::fmt::Display for RangeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.place.is_empty() {
            write!(f, "{}: ", self.place)?;
        }
        write!(f, "`{}` is {}; it must be {}", self.key, self.value, self.allowed)
    }
}

fn describe_ranges(path: &Path, problems: &[RangeProblem]) -> String {
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    format!("configuration file {}: {}", path.display(), list.join("; "))
}

/// The kiosk's language: `general.locale`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// O'zbek (Latin).
    #[default]
    Uz,
    Ru,
    En,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::Uz => "uz",
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }
}

/// The kiosk's colours: `ui.theme`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// How faces are found and compared: `face.backend`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaceBackend {
    /// CenterFace detection + SFace embedding through OpenCV's dnn.
    #[default]
    #[serde(rename = "sface")]
    SFace,
    /// Haar cascade + LBPH histograms (the classic, weaker fallback).
    #[serde(rename = "lbph")]
    Lbph,
}

impl FaceBackend {
    pub const ALL: [FaceBackend; 2] = [FaceBackend::SFace, FaceBackend::Lbph];

    /// The name used in the configuration, model.yml and the database ("sface", "lbph").
    pub fn parse(s: &str) -> Option<FaceBackend> {
        Self::ALL.into_iter().find(|b| b.as_str() == s.trim().to_ascii_lowercase())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FaceBackend::SFace => "sface",
            FaceBackend::Lbph => "lbph",
        }
    }
}

impl std::fmt::Display for FaceBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    #[serde(default)]
    pub import: Import,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct General {
    /// Where the embedded cluster, logs and the face model live; empty = the OS data dir.
    pub data_dir: String,
    /// This station's name, recorded with movements, verifications, logins and backups.
    pub station: String,
    pub locale: Locale,
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
    pub backend: FaceBackend,
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
    pub theme: Theme,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Import {
    /// Folders searched (3 deep) for a Django database to import from the products tab.
    pub search_dirs: Vec<String>,
}

impl Default for Import {
    fn default() -> Self {
        Import { search_dirs: ["/media", "/run/media", "/mnt"].map(String::from).to_vec() }
    }
}

impl Default for Config {
    fn default() -> Self {
        toml::from_str(DEFAULT_TOML).expect("the built-in default configuration parses")
    }
}

impl Config {
    /// Loads from `explicit`, else the OS config dir, else the default; then applies `OMBOR_*`.
    /// A value outside its allowed range is refused ([`ConfigError::OutOfRange`]).
    pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let (config, path, problems) = Self::load_unchecked(explicit)?;
        if !problems.is_empty() {
            return Err(ConfigError::OutOfRange { path: path.unwrap_or_else(|| PathBuf::from("<built-in>")), problems });
        }
        Ok((config, path))
    }

    /// As [`Config::load`], but values outside their range are returned beside the configuration
    /// instead of refused: for `ombor doctor`, which shows them on its checklist. Unknown keys,
    /// wrong types and values outside a closed set are still errors.
    pub fn load_unchecked(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>, Vec<RangeProblem>), ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("OMBOR_")).collect();
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => default_config_path().filter(|p| p.exists()),
        };
        let text = match &path {
            Some(p) => std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.clone(), source })?,
            None => DEFAULT_TOML.to_string(),
        };
        let shown = path.as_deref().unwrap_or(Path::new("<built-in>"));
        let config = Self::parse_unchecked(&text, shown, &env)?;
        let problems = config.range_problems().into_iter().map(|p| locate(p, &text, &env)).collect();
        Ok((config, path, problems))
    }

    /// Parses `text` (missing keys take the default), applies the given `OMBOR_*` pairs and
    /// checks the ranges.
    pub fn from_toml_and_env(text: &str, path: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let config = Self::parse_unchecked(text, path, env)?;
        let problems: Vec<RangeProblem> = config.range_problems().into_iter().map(|p| locate(p, text, env)).collect();
        if !problems.is_empty() {
            return Err(ConfigError::OutOfRange { path: path.to_path_buf(), problems });
        }
        Ok(config)
    }

    fn parse_unchecked(text: &str, path: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
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
        merged.try_into().map_err(|e: toml::de::Error| {
            // toml names the key as "in `section.key`" after its message; say where it was set.
            let shown = e.to_string();
            let key = shown.rsplit_once("in `").and_then(|(_, k)| k.trim_end().strip_suffix('`')).map(str::to_string);
            // serde's "unknown variant `drak`, expected `light` or `dark`", in plainer words.
            let message = match e.message().trim().strip_prefix("unknown variant ").and_then(|m| m.split_once(", expected ")) {
                Some((value, allowed)) => {
                    format!("{value} is not allowed; the allowed values are {}", allowed.strip_prefix("one of ").unwrap_or(allowed))
                }
                None => e.message().trim().to_string(),
            };
            match key.as_deref().and_then(|k| k.split_once('.')) {
                Some((section, k)) => {
                    let var = env_var_name(section, k);
                    if env.iter().any(|(v, _)| *v == var) {
                        ConfigError::Env { var, message: format!("`{section}.{k}`: {message}") }
                    } else {
                        fail(format!("line {}: `{section}.{k}`: {message}", find_line(text, Some(section), k)))
                    }
                }
                None => fail(message),
            }
        })
    }

    /// Every security-relevant value outside its allowed range (the place is filled in by the
    /// loader). The ranges: a face must match with a similarity strictly between 0 and 1 (at 0
    /// or below a stranger passes, at 1 nobody does); a face confirmation lasts at most an hour;
    /// at least 3 wrong passwords before a lock, and a lock of at least a minute.
    pub fn range_problems(&self) -> Vec<RangeProblem> {
        let mut out = Vec::new();
        let mut check = |ok: bool, key: &'static str, value: String, allowed: &'static str| {
            if !ok {
                out.push(RangeProblem { key, value, allowed, place: String::new() });
            }
        };
        for (key, allowed, _) in RANGES {
            match *key {
                "face.sface_threshold" => {
                    let v = self.face.sface_threshold;
                    check(v > 0.0 && v < 1.0, key, v.to_string(), allowed)
                }
                "face.lbph_threshold" => {
                    let v = self.face.lbph_threshold;
                    check(v > 0.0 && v <= 200.0, key, v.to_string(), allowed)
                }
                "face.verification_ttl_secs" => {
                    let v = self.face.verification_ttl_secs;
                    check((1..=3600).contains(&v), key, v.to_string(), allowed)
                }
                "face.agree_frames" => {
                    let v = self.face.agree_frames;
                    check(v >= 1 && v <= self.face.window_frames, key, v.to_string(), allowed)
                }
                "session.max_failed_logins" => {
                    let v = self.session.max_failed_logins;
                    check((3..=20).contains(&v), key, v.to_string(), allowed)
                }
                "session.lockout_secs" => {
                    let v = self.session.lockout_secs;
                    check((60..=86_400).contains(&v), key, v.to_string(), allowed)
                }
                "session.timeout_secs" => {
                    let v = self.session.timeout_secs;
                    check((30..=3600).contains(&v), key, v.to_string(), allowed)
                }
                _ => unreachable!("every range in RANGES is checked"),
            }
        }
        out
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

/// The allowed range of each security-relevant key: (key, in words, in notation). Checked by
/// [`Config::range_problems`], listed by `ombor doctor`.
pub const RANGES: &[(&str, &str, &str)] = &[
    ("face.sface_threshold", "between 0 and 1, both excluded", "(0, 1)"),
    ("face.lbph_threshold", "above 0 and at most 200", "(0, 200]"),
    ("face.verification_ttl_secs", "from 1 to 3600 seconds", "[1, 3600] s"),
    ("face.agree_frames", "at least 1 and at most face.window_frames", "[1, window_frames]"),
    ("session.max_failed_logins", "from 3 to 20", "[3, 20]"),
    ("session.lockout_secs", "from 60 to 86400 seconds", "[60, 86400] s"),
    ("session.timeout_secs", "from 30 to 3600 seconds", "[30, 3600] s"),
];

/// The value of a key of [`RANGES`] in `config`, as text.
pub fn range_value(config: &Config, key: &str) -> String {
    match key {
        "face.sface_threshold" => config.face.sface_threshold.to_string(),
        "face.lbph_threshold" => config.face.lbph_threshold.to_string(),
        "face.verification_ttl_secs" => config.face.verification_ttl_secs.to_string(),
        "face.agree_frames" => config.face.agree_frames.to_string(),
        "session.max_failed_logins" => config.session.max_failed_logins.to_string(),
        "session.lockout_secs" => config.session.lockout_secs.to_string(),
        "session.timeout_secs" => config.session.timeout_secs.to_string(),
        _ => String::new(),
    }
}

/// Where a problem's key was set: the environment variable when one set it, else its line.
fn locate(mut p: RangeProblem, text: &str, env: &[(String, String)]) -> RangeProblem {
    let (section, key) = p.key.split_once('.').expect("section.key");
    let var = env_var_name(section, key);
    p.place = if env.iter().any(|(v, _)| *v == var) {
        format!("environment variable {var}")
    } else if text_sets(text, section, key) {
        format!("line {}", find_line(text, Some(section), key))
    } else {
        String::new()
    };
    p
}

/// `OMBOR_<SECTION>_<KEY>` (with the two short forms).
fn env_var_name(section: &str, key: &str) -> String {
    match (section, key) {
        ("general", "data_dir") => "OMBOR_DATA_DIR".into(),
        _ => format!("OMBOR_{}_{}", section.to_ascii_uppercase(), key.to_ascii_uppercase()),
    }
}

/// Whether `text` sets `key` inside `[section]`.
fn text_sets(text: &str, section: &str, key: &str) -> bool {
    toml::from_str::<toml::Table>(text).ok().and_then(|t| t.get(section)?.get(key).cloned()).is_some()
}

/// The configuration the Debian package installs (a conffile).
pub const SYSTEM_CONFIG: &str = "/etc/ombor-nazorat/ombor.toml";

/// `$XDG_CONFIG_HOME/ombor-nazorat/ombor.toml` (or the OS equivalent) when it exists, else the
/// package's `/etc/ombor-nazorat/ombor.toml` when that exists: `sudo -u ombor ombor ...` on an
/// installed kiosk reads the same file as its units.
pub fn default_config_path() -> Option<PathBuf> {
    let user = directories::ProjectDirs::from("uz", "Ombor", "ombor-nazorat").map(|d| d.config_dir().join("ombor.toml"));
    match user {
        Some(p) if p.exists() => Some(p),
        other => Some(PathBuf::from(SYSTEM_CONFIG)).filter(|p| p.exists()).or(other),
    }
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
        // A list of folders: separated by ':' as in PATH.
        toml::Value::Array(_) => {
            toml::Value::Array(value.split(':').filter(|s| !s.trim().is_empty()).map(|s| toml::Value::String(s.to_string())).collect())
        }
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
                ("OMBOR_SESSION_TIMEOUT_SECS", "120"),
                ("OMBOR_UI_FULLSCREEN", "false"),
            ],
        )
        .unwrap();
        assert_eq!(c.database.url, "postgres://a:b@h/db");
        assert_eq!(c.general.data_dir, "/x");
        assert_eq!(c.session.timeout_secs, 120);
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
    fn closed_sets_refuse_other_values_with_the_line_and_the_allowed_ones() {
        let e = parse("[ui]\nfullscreen = false\ntheme = \"drak\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("test.toml") && e.contains("line 3") && e.contains("ui.theme") && e.contains("drak"), "{e}");
        assert!(e.contains("`light`") && e.contains("`dark`"), "the allowed values: {e}");
        let e = parse("[general]\nlocale = \"kz\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("`uz`") && e.contains("`ru`") && e.contains("`en`"), "{e}");
        let e = parse("\n[face]\nbackend = \"sfase\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("`sface`") && e.contains("`lbph`"), "{e}");
        let e = parse("", &[("OMBOR_UI_THEME", "drak")]).unwrap_err().to_string();
        assert!(e.contains("OMBOR_UI_THEME") && e.contains("`dark`"), "{e}");
        let c = parse("[ui]\ntheme = \"dark\"\n[general]\nlocale = \"ru\"\n[face]\nbackend = \"lbph\"\n", &[]).unwrap();
        assert_eq!((c.ui.theme, c.general.locale, c.face.backend), (Theme::Dark, Locale::Ru, FaceBackend::Lbph));
    }

    #[test]
    fn security_values_outside_their_range_are_refused_with_the_range() {
        for (text, key) in [
            ("[face]\nsface_threshold = -1\n", "face.sface_threshold"),
            ("[face]\nsface_threshold = 5\n", "face.sface_threshold"),
            ("[face]\nsface_threshold = 1.0\n", "face.sface_threshold"),
            ("[face]\nverification_ttl_secs = 86400\n", "face.verification_ttl_secs"),
            ("[face]\nverification_ttl_secs = 0\n", "face.verification_ttl_secs"),
            ("[session]\nmax_failed_logins = 0\n", "session.max_failed_logins"),
            ("[session]\nmax_failed_logins = 1000000\n", "session.max_failed_logins"),
            ("[session]\nlockout_secs = 10\n", "session.lockout_secs"),
            ("[session]\nlockout_secs = 3153600000\n", "session.lockout_secs"),
            ("[session]\ntimeout_secs = 0\n", "session.timeout_secs"),
        ] {
            let e = parse(text, &[]).unwrap_err();
            let ConfigError::OutOfRange { problems, .. } = &e else { panic!("{text}: {e}") };
            assert_eq!(problems.iter().map(|p| p.key).collect::<Vec<_>>(), vec![key], "{text}");
            let shown = e.to_string();
            let allowed = RANGES.iter().find(|r| r.0 == key).unwrap().1;
            assert!(shown.contains("line 2") && shown.contains(key) && shown.contains(allowed), "{shown}");
        }
        let e = parse("", &[("OMBOR_SESSION_MAX_FAILED_LOGINS", "1000000")]).unwrap_err().to_string();
        assert!(e.contains("environment variable OMBOR_SESSION_MAX_FAILED_LOGINS") && e.contains("from 3 to 20"), "{e}");
        // The edges that are allowed.
        let c = parse("[face]\nsface_threshold = 0.99\nverification_ttl_secs = 3600\n[session]\nmax_failed_logins = 3\nlockout_secs = 60\n", &[]);
        assert!(c.is_ok(), "{:?}", c.err());
        assert!(Config::default().range_problems().is_empty());
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask_url_password("postgres://app:s3cret@db.lan:5432/ombor_nazorat"), "postgres://app:***@db.lan:5432/ombor_nazorat");
        assert_eq!(mask_url_password("host=db user=app password=s3cret"), "host=db user=app password=***");
        assert_eq!(mask_url_password(""), "");
    }
}
