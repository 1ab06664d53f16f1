//! A backup's file names: the stem `ombor_nazorat_YYYYMMDD_HHMMSS` (local time) and the
//! companions that share it.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use super::{FILE_PREFIX, STAMP_FORMAT};

/// `ombor_nazorat_20261125_020000` for a local time.
pub fn stem_for(at: NaiveDateTime) -> String {
    format!("{FILE_PREFIX}{}", at.format(STAMP_FORMAT))
}

/// The local time in a dump's file name, when it is one of ours.
pub fn parse_dump_name(name: &str) -> Option<NaiveDateTime> {
    let stamp = name.strip_prefix(FILE_PREFIX)?.strip_suffix(".sql")?;
    if stamp.len() != 15 {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, STAMP_FORMAT).ok()
}

pub(super) fn stem_of(dump: &Path) -> Option<String> {
    let name = dump.file_name()?.to_str()?;
    parse_dump_name(name)?;
    Some(name.trim_end_matches(".sql").to_string())
}

pub fn sidecar_path(dump: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sha256", dump.display()))
}

/// The files of one backup besides its `.sql`: checksum, manifest, face model copy, signature.
pub(super) fn companions(dir: &Path, stem: &str) -> [PathBuf; 5] {
    [
        dir.join(format!("{stem}.sql.sha256")),
        dir.join(format!("{stem}.json")),
        dir.join(format!("{stem}.model.yml")),
        dir.join(format!("{stem}.sig")),
        dir.join(format!("{stem}.anchor")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn names_round_trip() {
        let at = t("2026-11-25 02:00:07");
        assert_eq!(stem_for(at), "ombor_nazorat_20261125_020007");
        assert_eq!(parse_dump_name("ombor_nazorat_20261125_020007.sql"), Some(at));
        assert_eq!(parse_dump_name("ombor_nazorat_20261125_020007.sql.sha256"), None);
        assert_eq!(parse_dump_name("other_20261125_020007.sql"), None);
        assert_eq!(parse_dump_name("ombor_nazorat_2026112_020007.sql"), None);
    }
}
