//! Text that came from outside (a scanned code, a typed name, an imported cell) made safe to
//! show where it could do harm: a terminal, a log line, a spreadsheet cell.
//!
//! Never changes what is stored: only what is shown or written out.

use std::borrow::Cow;

/// The text with every control character written as `\u{1b}`, so an `ESC ]0;…BEL` in a garbled
/// scan cannot retitle or recolour the admin's terminal. Newlines stay when `keep_newlines`
/// (a multi-line message), and are escaped otherwise (one table cell, one log field).
pub fn printable(s: &str) -> Cow<'_, str> {
    escape_controls(s, false)
}

/// As [`printable`], but line breaks of a multi-line message stay line breaks.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    escape_controls(s, true)
}

fn escape_controls(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let harmful = |c: char| c.is_control() && !(keep_newlines && c == '\n');
    if !s.chars().any(harmful) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if harmful(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A cell for a CSV or spreadsheet file a person will open in Excel or LibreOffice: a text that
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula there (OWASP's CSV
/// injection), so it is prefixed with `'`, which both programs show as plain text. A plain number
/// such as `-5` or `12.500` stays as it is.
pub fn spreadsheet_cell(s: &str) -> Cow<'_, str> {
    let dangerous = matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'));
    if dangerous && !is_plain_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// `-12`, `-0.5`, `7`: digits with an optional leading minus and one decimal point.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(printable("QR-1"), "QR-1");
        assert_eq!(printable("\u{1b}]0;owned\u{7}QR"), "\\u{1b}]0;owned\\u{7}QR");
        assert_eq!(printable("a\nb"), "a\\u{a}b");
        assert_eq!(printable_lines("a\nb\u{1b}"), "a\nb\\u{1b}");
        assert_eq!(printable("Ўғит\u{9b}"), "Ўғит\\u{9b}");
    }

    #[test]
    fn formula_cells_are_neutralised_and_numbers_kept() {
        for bad in ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(spreadsheet_cell(bad), format!("'{bad}"), "{bad:?}");
        }
        for good in ["-5", "-0.5", "12.500", "Oʻgʻit", "a=b", "", "-", "QR-0001"] {
            let expected = if good == "-" { "'-".to_string() } else { good.to_string() };
            assert_eq!(spreadsheet_cell(good), expected, "{good:?}");
        }
    }
}
