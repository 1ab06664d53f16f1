//! The machine itself: memory, the disk under the data dir (SSD or spinning, free space).
//! Read from /proc and /sys; None where this machine does not tell.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct HostFacts {
    pub memory_bytes: Option<u64>,
    pub disk_free_bytes: Option<u64>,
    pub disk_total_bytes: Option<u64>,
    /// The block device holding the data dir and whether it spins.
    pub disk: Option<(String, bool)>,
}

impl HostFacts {
    pub fn gather(data_dir: &Path) -> HostFacts {
        let existing = nearest_existing(data_dir);
        let (free, total) = match nix::sys::statvfs::statvfs(&existing) {
            Ok(s) => {
                let frag = s.fragment_size();
                (Some(s.blocks_available() * frag), Some(s.blocks() * frag))
            }
            Err(_) => (None, None),
        };
        HostFacts { memory_bytes: memory_bytes(), disk_free_bytes: free, disk_total_bytes: total, disk: disk_of(&existing) }
    }
}

fn nearest_existing(p: &Path) -> PathBuf {
    p.ancestors().find(|a| a.exists()).unwrap_or(Path::new("/")).to_path_buf()
}

/// MemTotal from /proc/meminfo.
pub fn memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_mem_total(&text)
}

pub fn parse_mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The whole disk under `path` (a partition's parent) and its `queue/rotational` flag. In a
/// container the file system sits on a virtual device: then the machine's real disks decide
/// (any spinning one counts as spinning).
fn disk_of(path: &Path) -> Option<(String, bool)> {
    use std::os::unix::fs::MetadataExt;
    let dev = std::fs::metadata(path).ok()?.dev();
    let (major, minor) = (nix::sys::stat::major(dev), nix::sys::stat::minor(dev));
    if let Ok(link) = std::fs::canonicalize(format!("/sys/dev/block/{major}:{minor}")) {
        // /sys/devices/.../sda/sda1 → the disk is the directory that has `queue/`.
        for dir in link.ancestors() {
            if let Some(rot) = read_rotational(dir) {
                return Some((dir.file_name()?.to_string_lossy().into_owned(), rot));
            }
        }
    }
    let mut disks: Vec<(String, bool)> = std::fs::read_dir("/sys/block")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let real = ["sd", "nvme", "vd", "hd", "mmcblk", "xvd"].iter().any(|p| name.starts_with(p));
            real.then(|| read_rotational(&e.path()).map(|r| (name, r)))?
        })
        .collect();
    disks.sort();
    disks.iter().find(|(_, r)| *r).or(disks.first()).cloned()
}

fn read_rotational(dir: &Path) -> Option<bool> {
    let text = std::fs::read_to_string(dir.join("queue/rotational")).ok()?;
    Some(text.trim() == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meminfo() {
        assert_eq!(parse_mem_total("MemTotal:       8041456 kB\nMemFree: 1 kB\n"), Some(8041456 * 1024));
        assert_eq!(parse_mem_total("nothing"), None);
        assert!(memory_bytes().unwrap() > 0);
    }
}
