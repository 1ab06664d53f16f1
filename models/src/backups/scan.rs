//! What a plain dump holds, read as psql would read it: whether pg_dump finished it (its closing
//! line), how many rows each `COPY … FROM stdin` block carries, and the first psql meta-command
//! pg_dump itself would never write (`\! cmd`, `\o`, `\copy`, `\i` …).
//!
//! psql runs a meta-command wherever an unquoted backslash stands outside COPY data, not only at
//! the start of a line (`SELECT 1; \! id`). So the scan follows psql's lexer: quoted strings
//! (`'…'`, `E'…'`, `"…"`, `$tag$…$tag$`), comments (`--`, nested `/* */`) and COPY data blocks
//! (which end at a line `\.`) are skipped, and any other backslash is a meta-command. The only
//! ones allowed are whole lines pg_dump writes: `\connect …`, `\restrict KEY`, `\unrestrict KEY`.
//! A dump that turns `standard_conforming_strings` off is refused too: psql would then read
//! backslashes inside '…' differently from this scan.

use std::collections::BTreeMap;

/// pg_dump's last line of a dump it finished (15: followed by `\unrestrict KEY` from 15.14 on).
pub const CLOSING_LINE: &str = "-- PostgreSQL database dump complete";
/// A line longer than this outside COPY data is refused (pg_dump writes none near it).
const MAX_SQL_LINE: usize = 16 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpScan {
    /// The closing line was the last statement-level line, outside any COPY block or string.
    pub complete: bool,
    /// Data rows per table of each `COPY table (…) FROM stdin;` block (`public.` left out).
    pub row_counts: BTreeMap<String, i64>,
    /// The first line that is not pg_dump's own: (line number from 1, the line, escaped and cut).
    pub refused: Option<(u64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Lex {
    Normal,
    Single,
    /// `E'…'`: backslash escapes inside.
    Escaped,
    Double,
    Dollar(Vec<u8>),
    Block(u32),
}

/// Fed the dump's bytes in any chunks (`feed`), then `finish`.
#[derive(Debug)]
pub struct DumpScanner {
    line: Vec<u8>,
    line_no: u64,
    /// Inside `COPY … FROM stdin` data: the table; the current data line's length and first bytes.
    copy: Option<String>,
    /// Rows of the current COPY block so far (added to `counts` when it ends).
    copy_rows: i64,
    copy_line_len: usize,
    copy_line_head: [u8; 3],
    lex: Lex,
    statement_open: bool,
    last_significant: Vec<u8>,
    counts: BTreeMap<String, i64>,
    refused: Option<(u64, String)>,
}

impl Default for DumpScanner {
    fn default() -> Self {
        Self::new()
    }
}

impl DumpScanner {
    pub fn new() -> DumpScanner {
        DumpScanner {
            line: Vec::new(),
            line_no: 0,
            copy: None,
            copy_rows: 0,
            copy_line_len: 0,
            copy_line_head: [0; 3],
            lex: Lex::Normal,
            statement_open: false,
            last_significant: Vec::new(),
            counts: BTreeMap::new(),
            refused: None,
        }
    }

    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match memchr::memchr(b'\n', bytes) {
                Some(i) => {
                    self.push(&bytes[..i]);
                    self.end_line();
                    bytes = &bytes[i + 1..];
                }
                None => {
                    self.push(bytes);
                    bytes = &[];
                }
            }
        }
    }

    /// The first refused line so far (a line is judged when its newline arrives).
    pub fn refused(&self) -> Option<(u64, String)> {
        self.refused.clone()
    }

    pub fn finish(mut self) -> DumpScan {
        if !self.line.is_empty() || self.copy_line_len > 0 {
            self.end_line();
        }
        self.close_copy();
        let complete = self.copy.is_none() && self.lex == Lex::Normal && self.last_significant == CLOSING_LINE.as_bytes();
        DumpScan { complete, row_counts: self.counts, refused: self.refused }
    }

    fn push(&mut self, part: &[u8]) {
        if self.copy.is_some() {
            // COPY data is not kept: only whether the line is exactly `\.` matters.
            for (k, &b) in part.iter().take(3).enumerate() {
                if let Some(slot) = self.copy_line_head.get_mut(self.copy_line_len + k) {
                    *slot = b;
                }
            }
            self.copy_line_len = self.copy_line_len.saturating_add(part.len());
            return;
        }
        if self.line.len() + part.len() > MAX_SQL_LINE {
            self.refuse_line("a line of more than 16 MB outside COPY data");
            self.line.clear();
            return;
        }
        self.line.extend_from_slice(part);
    }

    fn end_line(&mut self) {
        self.line_no += 1;
        if self.copy.is_some() {
            if self.copy_line_len == 2 && &self.copy_line_head[..2] == b"\\." {
                self.close_copy();
                self.copy = None;
            } else {
                self.copy_rows += 1;
            }
            self.copy_line_len = 0;
            return;
        }
        let line = std::mem::take(&mut self.line);
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        self.sql_line(line);
    }

    /// The current COPY block's rows into `counts` (a cut dump's last block counts what it has).
    fn close_copy(&mut self) {
        if let Some(table) = &self.copy {
            *self.counts.entry(table.clone()).or_insert(0) += std::mem::take(&mut self.copy_rows);
        }
    }

    fn refuse_line(&mut self, line: &str) {
        if self.refused.is_none() {
            let shown: String = line.chars().take(120).flat_map(char::escape_debug).collect();
            self.refused = Some((self.line_no.max(1), shown));
        }
    }

    fn sql_line(&mut self, line: &[u8]) {
        let at_statement_start = self.lex == Lex::Normal && !self.statement_open;
        if at_statement_start && line.first() == Some(&b'\\') {
            let text = String::from_utf8_lossy(line);
            let allowed =
                ["\\connect ", "\\restrict ", "\\unrestrict "].iter().any(|p| text.starts_with(p) && !text[p.len()..].contains('\\'));
            if !allowed {
                self.refuse_line(&text);
            }
            if !text.starts_with("\\unrestrict ") {
                self.last_significant = line.to_vec();
            }
            return;
        }
        // pg_dump frames its comments with bare `--` lines: they say nothing.
        if self.lex == Lex::Normal && !line.iter().all(u8::is_ascii_whitespace) && line.trim_ascii() != b"--" {
            self.last_significant = line.to_vec();
        }
        let lowered = String::from_utf8_lossy(line).to_ascii_lowercase();
        if lowered.contains("standard_conforming_strings") && lowered.trim() != "set standard_conforming_strings = on;" {
            self.refuse_line(&String::from_utf8_lossy(line));
        }
        let mut i = 0;
        while i < line.len() {
            let b = line[i];
            let next = line.get(i + 1).copied();
            match &mut self.lex {
                Lex::Normal => match b {
                    b'\'' => {
                        let e_prefix = i > 0
                            && matches!(line[i - 1], b'E' | b'e')
                            && (i < 2 || !(line[i - 2].is_ascii_alphanumeric() || line[i - 2] == b'_'));
                        self.lex = if e_prefix { Lex::Escaped } else { Lex::Single };
                        self.statement_open = true;
                    }
                    b'"' => {
                        self.lex = Lex::Double;
                        self.statement_open = true;
                    }
                    b'$' => {
                        let after_ident = i > 0 && (line[i - 1].is_ascii_alphanumeric() || line[i - 1] == b'_' || line[i - 1] == b'$');
                        let tag_len = line[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
                        let starts_ok = tag_len == 0 || !line[i + 1].is_ascii_digit();
                        if !after_ident && starts_ok && line.get(i + 1 + tag_len) == Some(&b'$') {
                            self.lex = Lex::Dollar(line[i..i + 2 + tag_len].to_vec());
                            i += 1 + tag_len;
                        }
                        self.statement_open = true;
                    }
                    b'-' if next == Some(b'-') => break,
                    b'/' if next == Some(b'*') => {
                        self.lex = Lex::Block(1);
                        i += 1;
                    }
                    b'\\' => {
                        self.refuse_line(&String::from_utf8_lossy(line));
                        self.statement_open = true;
                    }
                    b';' => self.statement_open = false,
                    c if c.is_ascii_whitespace() => {}
                    _ => self.statement_open = true,
                },
                Lex::Single => {
                    if b == b'\'' {
                        if next == Some(b'\'') {
                            i += 1;
                        } else {
                            self.lex = Lex::Normal;
                        }
                    }
                }
                Lex::Escaped => match b {
                    b'\\' => i += 1,
                    b'\'' if next == Some(b'\'') => i += 1,
                    b'\'' => self.lex = Lex::Normal,
                    _ => {}
                },
                Lex::Double => {
                    if b == b'"' {
                        if next == Some(b'"') {
                            i += 1;
                        } else {
                            self.lex = Lex::Normal;
                        }
                    }
                }
                Lex::Dollar(tag) => {
                    if b == b'$' && line[i..].starts_with(tag) {
                        i += tag.len() - 1;
                        self.lex = Lex::Normal;
                    }
                }
                Lex::Block(depth) => {
                    if b == b'/' && next == Some(b'*') {
                        *depth += 1;
                        i += 1;
                    } else if b == b'*' && next == Some(b'/') {
                        *depth -= 1;
                        i += 1;
                        if *depth == 0 {
                            self.lex = Lex::Normal;
                        }
                    }
                }
            }
            i += 1;
        }
        if at_statement_start && self.lex == Lex::Normal && !self.statement_open {
            if let Some(table) = copy_from_stdin(line) {
                self.copy = Some(table);
                self.counts.entry(self.copy.clone().unwrap_or_default()).or_insert(0);
                self.copy_line_len = 0;
                self.copy_rows = 0;
            }
        }
    }
}

/// `COPY public.movements (id, …) FROM stdin;` → "movements" (another schema keeps its name).
fn copy_from_stdin(line: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(line).ok()?.trim_end();
    let rest = text.strip_prefix("COPY ")?;
    if !rest.ends_with(" FROM stdin;") {
        return None;
    }
    let name = rest.split([' ', '(']).next()?;
    let name = name.strip_prefix("public.").unwrap_or(name);
    Some(name.trim_matches('"').to_string())
}

/// Scans a whole byte slice (tests, small files).
pub fn scan(bytes: &[u8]) -> DumpScan {
    let mut s = DumpScanner::new();
    s.feed(bytes);
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\\restrict abcDEF123\n\
        --\n-- PostgreSQL database dump\n--\n\
        SET standard_conforming_strings = on;\n\
        CREATE FUNCTION public.f() RETURNS text LANGUAGE sql AS $_$SELECT 'a\\b'$_$;\n\
        COMMENT ON TABLE public.products IS 'it''s \\ here';\n\
        COPY public.products (id, name) FROM stdin;\n\
        1\tCement\n\
        \\N\tNails \\\\ and \\. more\n\
        \\.\n\
        COPY public.stock (product_id, qty) FROM stdin;\n\
        \\.\n\
        /* a /* nested */ comment \\ */ SELECT 1; -- trailing \\ comment\n\
        --\n-- PostgreSQL database dump complete\n--\n\n\
        \\unrestrict abcDEF123\n\n";

    #[test]
    fn a_real_shaped_dump_is_complete_and_counted() {
        let s = scan(GOOD.as_bytes());
        assert_eq!(s.refused, None);
        assert!(s.complete);
        assert_eq!(s.row_counts.get("products"), Some(&2));
        assert_eq!(s.row_counts.get("stock"), Some(&0));
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let whole = scan(GOOD.as_bytes());
        for size in [1, 2, 3, 7, 64] {
            let mut s = DumpScanner::new();
            for chunk in GOOD.as_bytes().chunks(size) {
                s.feed(chunk);
            }
            assert_eq!(s.finish(), whole, "chunks of {size}");
        }
    }

    #[test]
    fn a_cut_dump_is_not_complete() {
        let cut = &GOOD[..GOOD.find("1\tCement").unwrap() + 4];
        assert!(!scan(cut.as_bytes()).complete);
        let without_close = GOOD.replace(CLOSING_LINE, "-- something else");
        assert!(!scan(without_close.as_bytes()).complete);
    }

    #[test]
    fn meta_commands_are_refused_wherever_they_stand() {
        let inject = |what: &str| {
            GOOD.replace("SET standard_conforming_strings = on;\n", &format!("SET standard_conforming_strings = on;\n{what}\n"))
        };
        for bad in [
            "\\! id > /tmp/owned",
            "SELECT 1; \\! id",
            "SELECT 'x' \\g /tmp/out",
            "\\connect db \\\\ \\! id",
            "\\o /tmp/x",
            "\\restrict x \\! id",
            "SET standard_conforming_strings = off;",
        ] {
            let s = scan(inject(bad).as_bytes());
            let (line, text) = s.refused.unwrap_or_else(|| panic!("not refused: {bad}"));
            assert_eq!(line, 6, "{bad}");
            assert!(!text.is_empty());
        }
        // A meta-command line after a string that psql sees as closed.
        let s = scan(inject("SELECT 'it''s';\n\\! id").as_bytes());
        assert_eq!(s.refused.map(|r| r.0), Some(7));
        // COPY data ends at `\.`: what follows is SQL again.
        let s = scan(GOOD.replace("\\.\nCOPY public.stock", "\\.\n\\! id\nCOPY public.stock").as_bytes());
        assert!(s.refused.is_some());
        // A COPY line inside a string is not a COPY: its "data" is read as SQL.
        let s = scan(inject("SELECT '\nCOPY public.x (a) FROM stdin;\n';\n\\! id\n\\.").as_bytes());
        assert!(s.refused.is_some());
    }

    #[test]
    fn control_characters_in_a_refused_line_are_shown_escaped() {
        let s = scan(b"\\! echo \x1b]0;title\x07\n");
        let (_, text) = s.refused.unwrap();
        assert!(!text.contains('\x1b') && text.contains("\\u{1b}"), "{text}");
    }
}
