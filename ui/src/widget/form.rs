//! A few text fields typed on the on-screen keyboard (login, first admin, admin forms):
//! tap a field to choose it, then tap keys.

use iced::widget::{button, column, container, text};
use iced::{Element, Length};

use super::keyboard::{self, KeyboardKey};
use crate::i18n::{tr, Language, Text};
use crate::theme;

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
    shift: bool,
}

impl KeyboardForm {
    pub fn new(fields: &[(Text, bool)]) -> Self {
        KeyboardForm {
            fields: fields.iter().map(|(label, secret)| Field { label: *label, value: String::new(), secret: *secret }).collect(),
            focused: 0,
            shift: false,
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
                    keyboard::apply(&mut f.value, k, &mut self.shift);
                }
            }
        }
    }

    /// A character from a physical keyboard (an admin desk has one).
    pub fn typed(&mut self, ch: char) {
        if let Some(f) = self.fields.get_mut(self.focused) {
            if !ch.is_control() && f.value.chars().count() < 128 {
                f.value.push(ch);
            }
        }
    }

    pub fn fields_view<'a, M: Clone + 'a>(&'a self, lang: Language, on: impl Fn(FormMessage) -> M + Copy + 'a) -> Element<'a, M> {
        let mut col = column![].spacing(12);
        for (i, f) in self.fields.iter().enumerate() {
            let shown = if f.secret { "•".repeat(f.value.chars().count()) } else { f.value.clone() };
            let focused = i == self.focused;
            let cursor = if focused { "│" } else { "" };
            col = col.push(text(tr(lang, f.label)).size(theme::SMALL));
            col = col.push(
                button(container(text(format!("{shown}{cursor}")).size(theme::BODY)).center_y(Length::Fill))
                    .width(Length::Fixed(480.0))
                    .height(theme::TOUCH_TARGET)
                    .style(move |t, s| if focused { button::primary(t, s) } else { button::secondary(t, s) })
                    .on_press(on(FormMessage::Focus(i))),
            );
        }
        col.into()
    }

    pub fn keyboard_view<'a, M: Clone + 'a>(&'a self, on: impl Fn(FormMessage) -> M + 'a) -> Element<'a, M> {
        keyboard::view(self.shift, move |k| on(FormMessage::Key(k)))
    }
}
