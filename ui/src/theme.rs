//! Sizes and colours of the kiosk: readable at arm's length, touch targets of at least 48 px.

use iced::Theme;

pub const TITLE: f32 = 36.0;
pub const PROMPT: f32 = 52.0;
pub const BODY: f32 = 24.0;
pub const SMALL: f32 = 18.0;
pub const SPACING: f32 = 24.0;
pub const PADDING: f32 = 24.0;
/// The smallest height of anything a finger must hit.
pub const TOUCH_TARGET: f32 = 64.0;
/// Keypad keys: wide enough for a thumb.
pub const KEY_WIDTH: f32 = 110.0;
pub const KEY_GAP: f32 = 12.0;
/// On-screen keyboard letters (still ≥ 48 px wide).
pub const LETTER_WIDTH: f32 = 72.0;

pub fn from_name(name: &str) -> Theme {
    match name {
        "dark" => Theme::Dark,
        _ => Theme::Light,
    }
}
