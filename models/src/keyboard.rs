//! Keyboard layouts as a USB scanner sees them: it presses the keys of its own layout (US unless
//! programmed otherwise) and the operating system's layout turns them into characters. These
//! tables turn the physical keys back into the scanner's characters, whatever the OS layout, and
//! map text typed under the Russian or Uzbek (Cyrillic) layout back to the US keys that made it.
//! Pure functions: no database, no actor, no window.

use serde::{Deserialize, Serialize};

/// The layout a scanner types in (`scanner.layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ScannerLayout {
    /// US keyboard: what scanners send out of the box.
    #[default]
    Us,
    /// German QWERTZ (a scanner programmed for a German keyboard: Y and Z swapped, `-` on `/`).
    De,
    /// Trust the characters the operating system's layout makes (a scanner that sends
    /// Alt+numpad codes, or one whose layout matches the OS one).
    Os,
}

/// The key (or keys) that end a scan (`scanner.terminator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Terminator {
    /// Enter (CR): the factory setting of most scanners.
    #[default]
    Enter,
    Tab,
    /// Enter then LF (Ctrl+J): the LF right after the Enter is swallowed.
    Crlf,
    /// Enter or Tab.
    Any,
}

/// One key of the main block in the scanner's layout: (`code`, unshifted, shifted). `code` is the
/// W3C UI Events name of the physical key ("KeyQ", "Digit1", "Minus") — what iced and winit call
/// a `KeyCode`, independent of the layout the operating system has active.
const US: &[(&str, char, char)] = &[
    ("Backquote", '`', '~'),
    ("Digit1", '1', '!'),
    ("Digit2", '2', '@'),
    ("Digit3", '3', '#'),
    ("Digit4", '4', '$'),
    ("Digit5", '5', '%'),
    ("Digit6", '6', '^'),
    ("Digit7", '7', '&'),
    ("Digit8", '8', '*'),
    ("Digit9", '9', '('),
    ("Digit0", '0', ')'),
    ("Minus", '-', '_'),
    ("Equal", '=', '+'),
    ("KeyQ", 'q', 'Q'),
    ("KeyW", 'w', 'W'),
    ("KeyE", 'e', 'E'),
    ("KeyR", 'r', 'R'),
    ("KeyT", 't', 'T'),
    ("KeyY", 'y', 'Y'),
    ("KeyU", 'u', 'U'),
    ("KeyI", 'i', 'I'),
    ("KeyO", 'o', 'O'),
    ("KeyP", 'p', 'P'),
    ("BracketLeft", '[', '{'),
    ("BracketRight", ']', '}'),
    ("Backslash", '\\', '|'),
    ("KeyA", 'a', 'A'),
    ("KeyS", 's', 'S'),
    ("KeyD", 'd', 'D'),
    ("KeyF", 'f', 'F'),
    ("KeyG", 'g', 'G'),
    ("KeyH", 'h', 'H'),
    ("KeyJ", 'j', 'J'),
    ("KeyK", 'k', 'K'),
    ("KeyL", 'l', 'L'),
    ("Semicolon", ';', ':'),
    ("Quote", '\'', '"'),
    ("KeyZ", 'z', 'Z'),
    ("KeyX", 'x', 'X'),
    ("KeyC", 'c', 'C'),
    ("KeyV", 'v', 'V'),
    ("KeyB", 'b', 'B'),
    ("KeyN", 'n', 'N'),
    ("KeyM", 'm', 'M'),
    ("Comma", ',', '<'),
    ("Period", '.', '>'),
    ("Slash", '/', '?'),
    ("Space", ' ', ' '),
];

/// Where the German layout differs from the US one (the letters and digits a code uses).
const DE: &[(&str, char, char)] = &[
    ("KeyY", 'z', 'Z'),
    ("KeyZ", 'y', 'Y'),
    ("Digit2", '2', '"'),
    ("Digit3", '3', '§'),
    ("Digit6", '6', '&'),
    ("Digit7", '7', '/'),
    ("Digit8", '8', '('),
    ("Digit9", '9', ')'),
    ("Digit0", '0', '='),
    ("Minus", 'ß', '?'),
    ("Slash", '-', '_'),
    ("Comma", ',', ';'),
    ("Period", '.', ':'),
    ("BracketRight", '+', '*'),
    ("Backslash", '#', '\''),
];

/// The numeric keypad gives the same characters in every layout (with Num Lock on).
const NUMPAD: &[(&str, char)] = &[
    ("Numpad0", '0'),
    ("Numpad1", '1'),
    ("Numpad2", '2'),
    ("Numpad3", '3'),
    ("Numpad4", '4'),
    ("Numpad5", '5'),
    ("Numpad6", '6'),
    ("Numpad7", '7'),
    ("Numpad8", '8'),
    ("Numpad9", '9'),
    ("NumpadAdd", '+'),
    ("NumpadSubtract", '-'),
    ("NumpadMultiply", '*'),
    ("NumpadDivide", '/'),
    ("NumpadDecimal", '.'),
];

impl ScannerLayout {
    /// The character the scanner meant with this physical key (and Shift), or None when the key
    /// is not one a code is made of (or the layout is `Os`: then the OS's own text counts).
    pub fn char_for(self, code: &str, shift: bool) -> Option<char> {
        if let Some((_, c)) = NUMPAD.iter().find(|(k, _)| *k == code) {
            return Some(*c);
        }
        let pick = |table: &[(&str, char, char)]| table.iter().find(|(k, ..)| *k == code).map(|(_, n, s)| if shift { *s } else { *n });
        match self {
            ScannerLayout::Us => pick(US),
            ScannerLayout::De => pick(DE).or_else(|| pick(US)),
            ScannerLayout::Os => None,
        }
    }
}

/// The digit of a numpad key ("Numpad7" → 7), for Alt+numpad character codes.
pub fn numpad_digit(code: &str) -> Option<u32> {
    code.strip_prefix("Numpad").and_then(|d| d.parse::<u32>().ok()).filter(|d| *d <= 9)
}

/// Russian (ЙЦУКЕН) and Uzbek Cyrillic letters → the US key under them (lowercase; capitals
/// map to the capital letter). The two layouts share every key but five: Russian щ/ы are Uzbek
/// ў/қ, and Uzbek puts ғ and ҳ on the `-` and `=` keys, so one table serves both.
const CYRILLIC: &[(char, char)] = &[
    ('й', 'q'),
    ('ц', 'w'),
    ('у', 'e'),
    ('к', 'r'),
    ('е', 't'),
    ('н', 'y'),
    ('г', 'u'),
    ('ш', 'i'),
    ('щ', 'o'),
    ('ў', 'o'),
    ('з', 'p'),
    ('х', '['),
    ('ъ', ']'),
    ('ф', 'a'),
    ('ы', 's'),
    ('қ', 's'),
    ('в', 'd'),
    ('а', 'f'),
    ('п', 'g'),
    ('р', 'h'),
    ('о', 'j'),
    ('л', 'k'),
    ('д', 'l'),
    ('ж', ';'),
    ('э', '\''),
    ('я', 'z'),
    ('ч', 'x'),
    ('с', 'c'),
    ('м', 'v'),
    ('и', 'b'),
    ('т', 'n'),
    ('ь', 'm'),
    ('б', ','),
    ('ю', '.'),
    ('ё', '`'),
    ('ғ', '-'),
    ('ҳ', '='),
];

/// `code` as the US keys that typed it under the Russian or Uzbek Cyrillic layout: "ЙК-0001"
/// (ru) and "ЙКғ0001" (uz) → "QR-0001". None when nothing in it is Cyrillic (nothing to map).
/// ASCII characters are kept as they are: a code that has `.` or `/` typed under `ru` is not
/// recovered (the Russian layout moves them), letters and digits always are.
pub fn cyrillic_to_us(code: &str) -> Option<String> {
    let mut changed = false;
    let mapped: String = code
        .chars()
        .map(|c| {
            let lower = c.to_lowercase().next().unwrap_or(c);
            match CYRILLIC.iter().find(|(cy, _)| *cy == lower) {
                Some((_, us)) => {
                    changed = true;
                    // Shift + a letter key: the capital letter (Shift + `[` is `{`, as on the US keyboard).
                    if lower != c {
                        US.iter().find(|(_, n, _)| n == us).map(|(_, _, s)| *s).unwrap_or(*us)
                    } else {
                        *us
                    }
                }
                None if c == '№' => {
                    changed = true;
                    '#'
                }
                None => c,
            }
        })
        .collect();
    changed.then_some(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(layout: ScannerLayout, keys: &[(&str, bool)]) -> String {
        keys.iter().filter_map(|(k, s)| layout.char_for(k, *s)).collect()
    }

    #[test]
    fn physical_keys_give_the_scanners_characters() {
        let keys = [("KeyQ", true), ("KeyR", true), ("Minus", false), ("Digit0", false), ("Digit1", false), ("Numpad7", false)];
        assert_eq!(decode(ScannerLayout::Us, &keys), "QR-017");
        // A German-programmed scanner presses Slash for '-' and KeyZ for 'Y'.
        assert_eq!(decode(ScannerLayout::De, &[("KeyZ", true), ("Slash", false), ("Digit2", false)]), "Y-2");
        assert_eq!(ScannerLayout::Os.char_for("KeyQ", false), None);
        assert_eq!(ScannerLayout::Us.char_for("F1", false), None);
    }

    #[test]
    fn cyrillic_typed_codes_map_back_to_us_keys() {
        assert_eq!(cyrillic_to_us("ЙК-0001").as_deref(), Some("QR-0001"));
        assert_eq!(cyrillic_to_us("ЙКғ0001").as_deref(), Some("QR-0001"));
        assert_eq!(cyrillic_to_us("ыλ").as_deref(), Some("sλ"));
        assert_eq!(cyrillic_to_us("фиы-1").as_deref(), Some("abs-1"));
        assert_eq!(cyrillic_to_us("ЫЕЩ").as_deref(), Some("STO"));
        assert_eq!(cyrillic_to_us("QR-0001"), None);
    }

    #[test]
    fn numpad_digits() {
        assert_eq!(numpad_digit("Numpad2"), Some(2));
        assert_eq!(numpad_digit("NumpadAdd"), None);
        assert_eq!(numpad_digit("Digit2"), None);
    }
}
