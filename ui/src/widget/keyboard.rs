//! The on-screen keyboard for login: a grid of big keys, Latin letters and digits.

use iced::widget::{column, row};
use iced::{Element, Length};

use super::big_button;
use crate::theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyboardKey {
    Char(char),
    Backspace,
    Shift,
}

const ROWS: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm._@"];

pub fn apply(value: &mut String, key: KeyboardKey, shift: &mut bool) {
    match key {
        KeyboardKey::Char(c) => {
            if value.chars().count() < 128 {
                value.push(if *shift { c.to_ascii_uppercase() } else { c });
            }
        }
        KeyboardKey::Backspace => {
            value.pop();
        }
        KeyboardKey::Shift => *shift = !*shift,
    }
}

pub fn view<'a, M: Clone + 'a>(shift: bool, on_key: impl Fn(KeyboardKey) -> M) -> Element<'a, M> {
    let mut rows = column![].spacing(theme::KEY_GAP / 2.0);
    for (i, keys) in ROWS.iter().enumerate() {
        let mut r = row![].spacing(theme::KEY_GAP / 2.0);
        for c in keys.chars() {
            let shown = if shift { c.to_ascii_uppercase() } else { c };
            r = r.push(
                big_button(shown.to_string(), Some(on_key(KeyboardKey::Char(c)))).width(Length::Fixed(theme::LETTER_WIDTH)).padding(0),
            );
        }
        if i == 0 {
            r = r.push(big_button("⌫", Some(on_key(KeyboardKey::Backspace))).width(Length::Fixed(theme::LETTER_WIDTH * 1.5)).padding(0));
        }
        if i == 3 {
            r = r.push(big_button("⇧", Some(on_key(KeyboardKey::Shift))).width(Length::Fixed(theme::LETTER_WIDTH * 1.5)).padding(0));
        }
        rows = rows.push(r);
    }
    rows.into()
}
