//! Which table of a damaged SQLite file cannot be read. When a copy was cut short, SQLite
//! refuses the file before it lists a single table ("database disk image is malformed"), so the
//! file is read here as the SQLite file format describes it (sqlite.org/fileformat.html): the
//! schema's b-tree from page 1, then each table's b-tree, until a page is missing or is not a
//! b-tree page. Read-only, and only for the error message.

use std::path::Path;

/// The first table (in the file's page order) whose pages are missing or damaged, and how many
/// of its rows come before the damage; None when no table can be blamed (the list of tables
/// itself is what is damaged, or nothing is).
pub fn first_unreadable_table(path: &Path) -> Option<(String, Option<u64>)> {
    let bytes = std::fs::read(path).ok()?;
    let file = File::new(&bytes)?;
    let mut entries = Vec::new();
    // A schema page that is gone hides the tables listed on it; those found are still checked.
    let _ = file.walk(1, &mut |page, cell| {
        if let Some(entry) = file.schema_entry(page, cell) {
            entries.push(entry);
        }
    });
    entries.sort_by_key(|(_, root)| *root);
    for (table, root) in entries {
        let mut rows = 0u64;
        if file.walk(root, &mut |_, _| rows += 1).is_err() {
            return Some((table, Some(rows)));
        }
    }
    None
}

struct File<'a> {
    bytes: &'a [u8],
    page_size: usize,
    usable: usize,
}

/// A page that is not in the file, or not a b-tree page.
struct Damaged;

impl<'a> File<'a> {
    fn new(bytes: &'a [u8]) -> Option<File<'a>> {
        if bytes.len() < 100 || &bytes[..16] != b"SQLite format 3\0" {
            return None;
        }
        let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
            1 => 65_536,
            n if n >= 512 && n.is_power_of_two() => n as usize,
            _ => return None,
        };
        Some(File { bytes, page_size, usable: page_size - bytes[20] as usize })
    }

    fn page(&self, n: u32) -> Result<&'a [u8], Damaged> {
        let start = (n as usize).checked_sub(1).ok_or(Damaged)? * self.page_size;
        self.bytes.get(start..start + self.page_size).ok_or(Damaged)
    }

    /// Visits every leaf cell of the table b-tree rooted at `root` in order, as (page, offset of
    /// the cell); stops at the first page that is missing or damaged.
    fn walk(&self, root: u32, visit: &mut dyn FnMut(&'a [u8], usize)) -> Result<(), Damaged> {
        self.walk_at(root, visit, 0)
    }

    fn walk_at(&self, n: u32, visit: &mut dyn FnMut(&'a [u8], usize), depth: u32) -> Result<(), Damaged> {
        if depth > 20 {
            return Err(Damaged); // a loop of pages: no sound b-tree is this deep
        }
        let page = self.page(n)?;
        let head = if n == 1 { 100 } else { 0 };
        let kind = *page.get(head).ok_or(Damaged)?;
        let cells = u16::from_be_bytes([page[head + 3], page[head + 4]]) as usize;
        let header = if kind == 5 { 12 } else { 8 };
        let pointer = |i: usize| -> Result<usize, Damaged> {
            let at = head + header + 2 * i;
            let p = page.get(at..at + 2).ok_or(Damaged)?;
            let off = u16::from_be_bytes([p[0], p[1]]) as usize;
            if off >= page.len() { Err(Damaged) } else { Ok(off) }
        };
        match kind {
            13 => {
                for i in 0..cells {
                    visit(page, pointer(i)?);
                }
                Ok(())
            }
            5 => {
                for i in 0..cells {
                    let off = pointer(i)?;
                    let child = page.get(off..off + 4).ok_or(Damaged)?;
                    self.walk_at(u32::from_be_bytes([child[0], child[1], child[2], child[3]]), visit, depth + 1)?;
                }
                let right = &page[head + 8..head + 12];
                self.walk_at(u32::from_be_bytes([right[0], right[1], right[2], right[3]]), visit, depth + 1)
            }
            _ => Err(Damaged),
        }
    }

    /// A row of sqlite_master that is a table: (name, root page).
    fn schema_entry(&self, page: &[u8], off: usize) -> Option<(String, u32)> {
        let (payload_len, n1) = varint(page.get(off..)?)?;
        let (_rowid, n2) = varint(page.get(off + n1..)?)?;
        let start = off + n1 + n2;
        // Only the cell's local part is read: type, name, tbl_name and rootpage come first.
        let local = (payload_len as usize).min(self.usable.saturating_sub(35)).min(page.len().saturating_sub(start));
        let record = page.get(start..start + local)?;
        let (header_len, mut at) = varint(record)?;
        let mut types = Vec::new();
        while at < header_len as usize && types.len() < 4 {
            let (t, n) = varint(record.get(at..)?)?;
            types.push(t);
            at += n;
        }
        let mut body = header_len as usize;
        let mut values: Vec<&[u8]> = Vec::new();
        for t in &types {
            let len = match *t {
                0 | 8 | 9 => 0,
                1..=4 => *t as usize,
                5 => 6,
                6 | 7 => 8,
                t if t >= 12 => ((t - 12) / 2) as usize,
                _ => return None,
            };
            values.push(record.get(body..body + len)?);
            body += len;
        }
        if values.len() < 4 || values[0] != b"table" {
            return None;
        }
        let name = String::from_utf8_lossy(values[1]).into_owned();
        let root = match types[3] {
            8 => 0,
            9 => 1,
            _ => values[3].iter().fold(0u64, |acc, b| (acc << 8) | *b as u64) as u32,
        };
        (root > 0 && !name.starts_with("sqlite_")).then_some((name, root))
    }
}

/// SQLite's big-endian varint: (value, bytes used).
fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *b.get(i)?;
        if i == 8 {
            return Some(((v << 8) | byte as u64, 9));
        }
        v = (v << 7) | (byte & 0x7f) as u64;
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_cut_short_names_the_table_whose_pages_are_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.sqlite3");
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE small (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO small (v) VALUES ('a'), ('b');
             CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
             INSERT INTO big (v) SELECT printf('%0200d', i) FROM n;",
        )
        .unwrap();
        drop(db);
        assert_eq!(first_unreadable_table(&path), None, "a whole file has no damaged table");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let (table, rows) = first_unreadable_table(&path).expect("a table is named");
        assert_eq!(table, "big");
        let rows = rows.unwrap();
        assert!(rows > 0 && rows < 5000, "some rows of big come before the cut: {rows}");
    }
}
