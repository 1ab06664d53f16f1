//! First run: no admin exists yet, so the kiosk asks for the first administrator's name and
//! password (typed twice) before anything else.

use iced::widget::{column, container, space, text};
use iced::{Element, Length};

use crate::i18n::{tr, Language, Text};
use crate::theme::{self, Fit};
use crate::widget::big_button;
use crate::widget::form::{FormMessage, KeyboardForm};

#[derive(Debug, Clone)]
pub enum Message {
    Form(FormMessage),
    Create,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Create { username: String, password: String },
}

pub struct FirstRun {
    form: KeyboardForm,
    pub busy: bool,
    pub error: Option<String>,
}

impl FirstRun {
    pub fn new() -> Self {
        FirstRun {
            form: KeyboardForm::new(&[(Text::Username, false), (Text::Password, true), (Text::RepeatPassword, true)]),
            busy: false,
            error: None,
        }
    }

    pub fn typed(&mut self, ch: char) {
        self.form.typed(ch);
    }

    pub fn update(&mut self, message: Message, lang: Language) -> Option<Event> {
        match message {
            Message::Form(m) => {
                self.form.update(m);
                None
            }
            Message::Create if !self.busy => {
                if self.form.value(1) != self.form.value(2) {
                    self.error = Some(tr(lang, Text::PasswordsDiffer).to_string());
                    return None;
                }
                self.busy = true;
                self.error = None;
                Some(Event::Create { username: self.form.value(0).trim().to_string(), password: self.form.value(1).to_string() })
            }
            Message::Create => None,
        }
    }

    pub fn failed(&mut self, why: String) {
        self.busy = false;
        self.error = Some(why);
    }

    pub fn view(&self, lang: Language, fit: &Fit) -> Element<'_, Message> {
        let mut left = column![
            text(tr(lang, Text::FirstRunTitle)).size(fit.title()),
            text(tr(lang, Text::FirstRunHint)).size(fit.body()),
            self.form.fields_view(lang, fit, Message::Form)
        ]
        .spacing(if fit.compact() { 8 } else { 16 });
        if let Some(e) = &self.error {
            left = left.push(container(text(e).size(fit.body())).padding(10).style(container::danger));
        }
        left = left.push(
            big_button(tr(lang, Text::CreateAdmin), (!self.busy).then_some(Message::Create))
                .width(Length::Fixed(fit.field_width()))
                .height(fit.key_height())
                .style(theme::primary),
        );
        column![left, space::vertical(), container(self.form.keyboard_view(fit, Message::Form)).center_x(Length::Fill)]
            .spacing(fit.spacing())
            .into()
    }
}

impl Default for FirstRun {
    fn default() -> Self {
        Self::new()
    }
}
