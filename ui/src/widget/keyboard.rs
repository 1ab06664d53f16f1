//! The on-screen keyboard: big keys for every text field, with the three layouts names are
//! written in here — Uzbek Latin (with oʻ, gʻ and the ʼ sign), Uzbek Cyrillic (ў қ ғ ҳ) and
//! Russian — switched by keys on the keyboard itself. Keys are as wide as the screen allows
//! (never under 48 px) so the whole keyboard fits any kiosk screen.

use iced::widget::{column, row};
use iced::{Element, Length};

use super::big_button;
use crate::theme::{self, Fit};

/// The letters on the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Oʻzbekcha (lotin): QWERTY with oʻ, gʻ and ʼ.
    #[default]
    UzbekLatin,
    /// Ўзбекча (кирилл): ЙЦУКЕН with ў қ ғ ҳ.
    UzbekCyrillic,
    /// Русский: ЙЦУКЕН.
    Russian,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::UzbekLatin, Layout::UzbekCyrillic, Layout::Russian];

    /// The key that switches to this layout.
    pub fn label(self) -> &'static str {
        match self {
            Layout::UzbekLatin => "Oʻz",
            Layout::UzbekCyrillic => "Ўз",
            Layout::Russian => "Ру",
        }
    }

    /// The three letter rows; a key may type more than one character (oʻ, gʻ).
    fn rows(self) -> [&'static [&'static str]; 3] {
        match self {
            Layout::UzbekLatin => [
                &["q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "oʻ"],
                &["a", "s", "d", "f", "g", "h", "j", "k", "l", "gʻ", "ʼ"],
                &["z", "x", "c", "v", "b", "n", "m", "sh", "ch", "ng"],
            ],
            Layout::UzbekCyrillic => [
                &["й", "ц", "у", "к", "е", "н", "г", "ш", "ў", "з", "х", "ъ"],
                &["ф", "қ", "в", "а", "п", "р", "о", "л", "д", "ж", "э"],
                &["я", "ч", "с", "м", "и", "т", "ь", "б", "ю", "ё", "ғ", "ҳ"],
            ],
            Layout::Russian => [
                &["й", "ц", "у", "к", "е", "н", "г", "ш", "щ", "з", "х", "ъ"],
                &["ф", "ы", "в", "а", "п", "р", "о", "л", "д", "ж", "э"],
                &["я", "ч", "с", "м", "и", "т", "ь", "б", "ю", "ё"],
            ],
        }
    }
}

const DIGITS: [&str; 10] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];
/// Signs under the letters: what usernames, passwords, SKUs and names need.
const SIGNS: [&str; 6] = ["-", ".", ",", "—", "@", "_"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyboardKey {
    /// Types these characters (one key, one or two characters: "oʻ").
    Text(&'static str),
    Backspace,
    Shift,
    Space,
    Layout(Layout),
    /// Hides the keyboard (admin forms; the kiosk's own forms keep it).
    Hide,
}

/// The keyboard's state: its layout and Shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Keys {
    pub layout: Layout,
    pub shift: bool,
}

/// The longest text a field takes from the keyboard.
const MAX_CHARS: usize = 128;

/// Upper-cases the first letter only: Shift + "oʻ" is "Oʻ", Shift + "sh" is "Sh".
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Keys {
    /// Edits `value` with a key. Shift holds for one letter, as on a phone.
    pub fn apply(&mut self, value: &mut String, key: KeyboardKey) {
        let push = |value: &mut String, s: &str| {
            if value.chars().count() + s.chars().count() <= MAX_CHARS {
                value.push_str(s);
            }
        };
        match key {
            KeyboardKey::Text(s) => {
                if self.shift {
                    push(value, &capitalised(s));
                    self.shift = false;
                } else {
                    push(value, s);
                }
            }
            KeyboardKey::Space => push(value, " "),
            KeyboardKey::Backspace => {
                value.pop();
            }
            KeyboardKey::Shift => self.shift = !self.shift,
            KeyboardKey::Layout(l) => self.layout = l,
            KeyboardKey::Hide => {}
        }
    }

    /// The keyboard, as wide as `fit` allows. `hide`: show the key that hides it.
    pub fn view<'a, M: Clone + 'a>(&self, fit: &Fit, hide: bool, on_key: impl Fn(KeyboardKey) -> M + 'a) -> Element<'a, M> {
        // 12 keys and a wide Backspace on the widest row.
        let gap = theme::KEY_GAP / 2.0;
        let key_width = fit.key_width(13.5, gap);
        let height = fit.key_height();
        let shift = self.shift;
        let key = |label: String, k: KeyboardKey, width: f32, strong: bool| {
            let b = big_button(label, Some(on_key(k))).width(Length::Fixed(width)).height(height).padding(0);
            if strong {
                b.style(theme::key_strong)
            } else {
                b.style(theme::key)
            }
        };
        let mut rows = column![].spacing(gap);
        let mut digits = row![].spacing(gap);
        for d in DIGITS {
            digits = digits.push(key(d.to_string(), KeyboardKey::Text(d), key_width, false));
        }
        digits = digits.push(key("⌫".into(), KeyboardKey::Backspace, key_width * 1.5, false));
        rows = rows.push(digits);
        for letters in self.layout.rows() {
            let mut r = row![].spacing(gap);
            for l in letters {
                let shown = if shift { capitalised(l) } else { l.to_string() };
                r = r.push(key(shown, KeyboardKey::Text(l), key_width, false));
            }
            rows = rows.push(r);
        }
        let mut bottom = row![].spacing(gap);
        for l in Layout::ALL {
            bottom = bottom.push(key(l.label().into(), KeyboardKey::Layout(l), key_width, l == self.layout));
        }
        bottom = bottom.push(key("⇧".into(), KeyboardKey::Shift, key_width, shift));
        bottom = bottom.push(key("‿".into(), KeyboardKey::Space, key_width * 2.5, false));
        for s in SIGNS {
            bottom = bottom.push(key(s.into(), KeyboardKey::Text(s), key_width, false));
        }
        if hide {
            bottom = bottom.push(key("⌨↓".into(), KeyboardKey::Hide, key_width, false));
        }
        rows.push(bottom).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uzbek_and_russian_letters_are_typed() {
        let mut keys = Keys::default();
        let mut v = String::new();
        for k in [
            KeyboardKey::Shift,
            KeyboardKey::Text("oʻ"),
            KeyboardKey::Text("gʻ"),
            KeyboardKey::Text("i"),
            KeyboardKey::Text("t"),
            KeyboardKey::Space,
            KeyboardKey::Text("—"),
            KeyboardKey::Space,
            KeyboardKey::Layout(Layout::UzbekCyrillic),
            KeyboardKey::Shift,
            KeyboardKey::Text("ў"),
            KeyboardKey::Text("ғ"),
            KeyboardKey::Text("и"),
            KeyboardKey::Text("т"),
        ] {
            keys.apply(&mut v, k);
        }
        assert_eq!(v, "Oʻgʻit — Ўғит");
        keys.apply(&mut v, KeyboardKey::Backspace);
        assert_eq!(v, "Oʻgʻit — Ўғи");
    }
}
