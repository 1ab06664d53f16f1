//! The on-screen numeric keypad for quantities: big keys, no physical keyboard needed.

use iced::widget::{column, row};
use iced::{Element, Length};

use super::big_button;
use crate::theme::{self, Fit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeypadKey {
    Digit(u8),
    Point,
    Backspace,
    Clear,
}

/// The longest quantity one can type: 12 digits and a point are far beyond any real movement.
const MAX_CHARS: usize = 13;

/// Edits a typed quantity; `decimals` is how many fraction digits the product's unit allows.
pub fn apply(value: &mut String, key: KeypadKey, decimals: u32) {
    match key {
        KeypadKey::Digit(d) => {
            let fraction = value.split_once('.').map(|(_, f)| f.len() as u32);
            if value.len() >= MAX_CHARS || fraction.is_some_and(|f| f >= decimals) {
                return;
            }
            if value == "0" {
                value.clear();
            }
            value.push(char::from(b'0' + d.min(9)));
        }
        KeypadKey::Point => {
            if decimals > 0 && !value.contains('.') && value.len() < MAX_CHARS {
                if value.is_empty() {
                    value.push('0');
                }
                value.push('.');
            }
        }
        KeypadKey::Backspace => {
            value.pop();
        }
        KeypadKey::Clear => value.clear(),
    }
}

pub fn view<'a, M: Clone + 'a>(fit: &Fit, allow_point: bool, on_key: impl Fn(KeypadKey) -> M) -> Element<'a, M> {
    let height = if fit.height < 900.0 { 58.0 } else { theme::TOUCH_TARGET };
    let key = |label: &'a str, k: KeypadKey, enabled: bool| {
        big_button(label, enabled.then(|| on_key(k))).width(Length::Fixed(theme::KEY_WIDTH)).height(height).style(theme::key)
    };
    let digit = |d: u8| {
        const LABELS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
        key(LABELS[d as usize], KeypadKey::Digit(d), true)
    };
    let gap = if fit.height < 900.0 { 8.0 } else { theme::KEY_GAP };
    column![
        row![digit(7), digit(8), digit(9)].spacing(gap),
        row![digit(4), digit(5), digit(6)].spacing(gap),
        row![digit(1), digit(2), digit(3)].spacing(gap),
        row![key(",", KeypadKey::Point, allow_point), digit(0), key("⌫", KeypadKey::Backspace, true)].spacing(gap),
    ]
    .spacing(gap)
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[KeypadKey], decimals: u32) -> String {
        let mut s = String::new();
        for k in keys {
            apply(&mut s, *k, decimals);
        }
        s
    }

    #[test]
    fn keypad_respects_the_units_decimals() {
        use KeypadKey::*;
        assert_eq!(typed(&[Digit(1), Point, Digit(5)], 0), "15");
        assert_eq!(typed(&[Point, Digit(2), Digit(5), Digit(7)], 2), "0.25");
        assert_eq!(typed(&[Digit(0), Digit(3)], 0), "3");
        assert_eq!(typed(&[Digit(4), Digit(2), Backspace], 0), "4");
        assert_eq!(typed(&[Digit(9); 20], 0).len(), 13);
    }
}
