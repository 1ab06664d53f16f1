//! Which old dumps go, and the mirror folder that gets every complete set the backup folder has.

use std::fs;
use std::path::Path;

use chrono::NaiveDateTime;

use super::files::{close_folder, copy_atomically};
use super::names::{companions, parse_dump_name};
use super::Manifest;

/// Which dumps to delete, by name, at local time `now`: the newest dump of each of the last
/// `keep_daily` days and of each of the last `keep_monthly` months stays, as do the newest dump
/// overall and any dated in the future (a wrong clock is no reason to delete). Names that are
/// not our dumps are never touched.
pub fn retention_victims(names: &[String], now: NaiveDateTime, keep_daily: usize, keep_monthly: usize) -> Vec<String> {
    use chrono::Datelike;
    let mut dumps: Vec<(NaiveDateTime, &String)> = names.iter().filter_map(|n| parse_dump_name(n).map(|t| (t, n))).collect();
    dumps.sort();
    let mut keep: std::collections::HashSet<&String> = std::collections::HashSet::new();
    if let Some((_, newest)) = dumps.iter().rfind(|(t, _)| *t <= now) {
        keep.insert(newest);
    }
    let today = now.date();
    let month_index = |t: NaiveDateTime| t.year() as i64 * 12 + t.month0() as i64;
    for (t, n) in &dumps {
        if *t > now {
            keep.insert(n);
        }
    }
    // `dumps` is sorted: the last match of a day or month is its newest dump.
    for back in 0..keep_daily as i64 {
        let day = today - chrono::Duration::days(back);
        if let Some((_, n)) = dumps.iter().rfind(|(t, _)| t.date() == day && *t <= now) {
            keep.insert(n);
        }
    }
    for back in 0..keep_monthly as i64 {
        let month = month_index(now) - back;
        if let Some((_, n)) = dumps.iter().rfind(|(t, _)| month_index(*t) == month && *t <= now) {
            keep.insert(n);
        }
    }
    dumps.iter().filter(|(_, n)| !keep.contains(n)).map(|(_, n)| (*n).clone()).collect()
}

pub(super) fn dump_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    entries.flatten().filter_map(|e| e.file_name().into_string().ok()).filter(|n| parse_dump_name(n).is_some()).collect()
}

/// The dumps of `dir` whose set is whole: the checksum file and the manifest beside it, the
/// manifest recording the dump's size. Only these count for retention: a doubtful file (a dump cut short
/// and left behind, a copy without its companions) is never taken for a day's newest backup,
/// so it can never make retention delete a good one, and retention never deletes it either.
pub(super) fn complete_sets(dir: &Path) -> Vec<String> {
    dump_names(dir)
        .into_iter()
        .filter(|name| {
            let stem = name.trim_end_matches(".sql");
            let size = fs::metadata(dir.join(name)).map(|m| m.len()).ok();
            let manifest_path = dir.join(format!("{stem}.json"));
            // A manifest of an older program that does not read as ours still counts as one.
            let recorded = fs::read(&manifest_path).ok().and_then(|b| serde_json::from_slice::<Manifest>(&b).ok()).map(|m| m.bytes);
            dir.join(format!("{stem}.sql.sha256")).is_file() && manifest_path.is_file() && recorded.is_none_or(|b| Some(b) == size)
        })
        .collect()
}

/// Deletes the dumps retention lets go, with their companions; returns their names.
pub(super) fn apply_retention(dir: &Path, now: NaiveDateTime, keep_daily: usize, keep_monthly: usize) -> Vec<String> {
    let victims = retention_victims(&complete_sets(dir), now, keep_daily, keep_monthly);
    for name in &victims {
        let stem = name.trim_end_matches(".sql");
        let _ = fs::remove_file(dir.join(name));
        for c in companions(dir, stem) {
            let _ = fs::remove_file(c);
        }
        tracing::info!(file = %name, "backup removed by retention");
    }
    victims
}

/// Copies every complete backup set the mirror lacks (so a disk plugged in after a week gets
/// the week), then applies the same retention there. The folder must exist: an unmounted disk's
/// mount point must not fill up the internal disk.
pub(super) fn sync_mirror(dir: &Path, mirror: &Path, now: NaiveDateTime, keep_daily: usize, keep_monthly: usize) -> String {
    if !mirror.is_dir() {
        return format!("mirror {} not present (disk not mounted?): skipped", mirror.display());
    }
    close_folder(mirror);
    let mut copied = 0;
    for name in complete_sets(dir) {
        if mirror.join(&name).exists() {
            continue;
        }
        let stem = name.trim_end_matches(".sql").to_string();
        let res = (|| {
            for c in companions(dir, &stem) {
                if c.exists() {
                    copy_atomically(&c, mirror, c.file_name().unwrap().to_str().unwrap())?;
                }
            }
            copy_atomically(&dir.join(&name), mirror, &name)
        })();
        if let Err(e) = res {
            return format!("mirror {}: copying {name} failed: {e}", mirror.display());
        }
        copied += 1;
    }
    let removed = apply_retention(mirror, now, keep_daily, keep_monthly);
    format!("mirror {}: {copied} copied, {} removed", mirror.display(), removed.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn retention_keeps_days_and_months() {
        let names: Vec<String> = [
            "ombor_nazorat_20261125_020000.sql", // today: newest overall
            "ombor_nazorat_20261125_010000.sql", // today, older: goes
            "ombor_nazorat_20261124_020000.sql", // day 2
            "ombor_nazorat_20261123_020000.sql", // day 3
            "ombor_nazorat_20261122_020000.sql", // day 4: beyond 3 days, but November is kept by today's
            "ombor_nazorat_20261031_020000.sql", // newest of October: monthly
            "ombor_nazorat_20261015_020000.sql", // October, older: goes
            "ombor_nazorat_20260930_230000.sql", // September's newest: monthly (3rd month)
            "ombor_nazorat_20260815_020000.sql", // August: beyond 3 months: goes
            "ombor_nazorat_20261126_020000.sql", // tomorrow (clock trouble): stays
            "notes.txt",
            "ombor_nazorat_20250101_000000.sql.sha256",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let now = t("2026-11-25 12:00:00");
        let victims = retention_victims(&names, now, 3, 3);
        assert_eq!(
            victims,
            vec![
                "ombor_nazorat_20260815_020000.sql",
                "ombor_nazorat_20261015_020000.sql",
                "ombor_nazorat_20261122_020000.sql",
                "ombor_nazorat_20261125_010000.sql",
            ]
        );
        // Keeping nothing still keeps the newest backup.
        let all_but_newest = retention_victims(&names, now, 0, 0);
        assert!(!all_but_newest.contains(&"ombor_nazorat_20261125_020000.sql".to_string()));
        assert!(!all_but_newest.contains(&"ombor_nazorat_20261126_020000.sql".to_string()));
        assert_eq!(all_but_newest.len(), 8);
    }
}
