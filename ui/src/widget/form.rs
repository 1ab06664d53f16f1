//! A few text fields typed on the on-screen keyboard (login, first admin): tap a field to
//! choose it, then tap keys. A physical keyboard types into the chosen field too.

use iced::widget::{button, column, container, mouse_area, row, text};
use iced::{Alignment, Element, Length};

use super::keyboard::{KeyboardKey, Keys};
use crate::i18n::{tr, Language, Text};
use crate::theme::{self, Fit};

#[derive(Debug, Clone)]
pub struct Field {
    pub label: Text,
    pub value: String,
    pub secret: bool,
}

#[derive(Debug, Clone)]
pub enum FormMessage {
    Focus(usize),
    Key(KeyboardKey),
}

#[derive(Debug, Clone)]
pub struct KeyboardForm {
    pub fields: Vec<Field>,
    pub focused: usize,
    keys: Keys,
}

impl KeyboardForm {
    pub fn new(fields: &[(Text, bool)]) -> Self {
        KeyboardForm {
            fields: fields.iter().map(|(label, secret)| Field { label: *label, value: String::new(), secret: *secret }).collect(),
            focused: 0,
            keys: Keys::default(),
        }
    }

    pub fn value(&self, i: usize) -> &str {
        &self.fields[i].value
    }

    pub fn update(&mut self, message: FormMessage) {
        match message {
            FormMessage::Focus(i) => self.focused = i.min(self.fields.len().saturating_sub(1)),
            FormMessage::Key(k) => {
                if let Some(f) = self.fields.get_mut(self.focused) {
                    self.keys.apply(&mut f.value, k);
                }
            }
        }
    }

    /// A character from a physical keyboard (an admin desk has one); Backspace is '\u{8}'.
    pub fn typed(&mut self, ch: char) {
        if let Some(f) = self.fields.get_mut(self.focused) {
            if ch == '\u{8}' {
                f.value.pop();
            } else if !ch.is_control() && f.value.chars().count() < 128 {
                f.value.push(ch);
            }
        }
    }

    /// The fields, label beside the field on a short screen (above it on a tall one).
    pub fn fields_view<'a, M: Clone + 'a>(
        &'a self,
        lang: Language,
        fit: &Fit,
        on: impl Fn(FormMessage) -> M + Copy + 'a,
    ) -> Element<'a, M> {
        let mut col = column![].spacing(if fit.compact() { 8 } else { 12 });
        let height = fit.key_height().max(theme::MIN_TOUCH);
        for (i, f) in self.fields.iter().enumerate() {
            let shown = if f.secret { "•".repeat(f.value.chars().count()) } else { f.value.clone() };
            let focused = i == self.focused;
            let cursor = if focused { "│" } else { "" };
            let field = button(container(text(format!("{shown}{cursor}")).size(fit.body())).center_y(Length::Fill))
                .width(Length::Fixed(fit.field_width()))
                .height(height)
                .style(move |t, s| if focused { theme::primary(t, s) } else { theme::key(t, s) })
                .on_press(on(FormMessage::Focus(i)));
            // The label chooses its field too: a bigger target for a finger.
            let label =
                |width: Length| mouse_area(text(tr(lang, f.label)).size(theme::SMALL).width(width)).on_press(on(FormMessage::Focus(i)));
            if fit.compact() && !fit.portrait() {
                col = col.push(row![label(Length::Fixed(220.0)), field].spacing(12).align_y(Alignment::Center));
            } else {
                col = col.push(column![label(Length::Shrink), field].spacing(4));
            }
        }
        col.into()
    }

    pub fn keyboard_view<'a, M: Clone + 'a>(&'a self, fit: &Fit, on: impl Fn(FormMessage) -> M + 'a) -> Element<'a, M> {
        self.keys.view(fit, false, move |k| on(FormMessage::Key(k)))
    }
}
