//! Login with the on-screen keyboard. The password is checked by the Session actor (argon2
//! runs there, off the UI thread); this screen only collects and shows the answer.

use iced::widget::{column, container, row, space, text};
use iced::{Alignment, Element, Length};

use crate::i18n::{tr, Language, Text};
use crate::theme::{self, Fit};
use crate::widget::big_button;
use crate::widget::form::{FormMessage, KeyboardForm};

#[derive(Debug, Clone)]
pub enum Message {
    Form(FormMessage),
    Submit,
    Cancel,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Submit { username: String, password: String },
    Cancel,
}

pub struct Login {
    form: KeyboardForm,
    pub busy: bool,
    /// The last refusal, in the user's language.
    pub error: Option<String>,
}

impl Login {
    pub fn new() -> Self {
        Login { form: KeyboardForm::new(&[(Text::Username, false), (Text::Password, true)]), busy: false, error: None }
    }

    pub fn typed(&mut self, ch: char) {
        self.form.typed(ch);
    }

    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Form(m) => {
                self.form.update(m);
                None
            }
            Message::Submit if !self.busy => {
                if self.form.focused == 0 && self.form.value(1).is_empty() {
                    self.form.update(FormMessage::Focus(1));
                    return None;
                }
                self.busy = true;
                self.error = None;
                Some(Event::Submit { username: self.form.value(0).trim().to_string(), password: self.form.value(1).to_string() })
            }
            Message::Submit => None,
            Message::Cancel => Some(Event::Cancel),
        }
    }

    pub fn failed(&mut self, why: String) {
        self.busy = false;
        self.error = Some(why);
        self.form.fields[1].value.clear();
        self.form.focused = 1;
    }

    pub fn view(&self, lang: Language, fit: &Fit) -> Element<'_, Message> {
        let mut left = column![text(tr(lang, Text::LoginTitle)).size(fit.title()), self.form.fields_view(lang, fit, Message::Form)]
            .spacing(if fit.compact() { 8 } else { 16 });
        if let Some(e) = &self.error {
            left = left.push(container(text(e).size(fit.body())).padding(10).style(container::danger));
        }
        let submit_label = if self.busy { tr(lang, Text::Checking) } else { tr(lang, Text::LogIn) };
        left = left.push(
            row![
                big_button(tr(lang, Text::Cancel), Some(Message::Cancel)).height(fit.key_height()).style(theme::secondary),
                big_button(submit_label, (!self.busy).then_some(Message::Submit))
                    .width(Length::Fill)
                    .height(fit.key_height())
                    .style(theme::primary),
            ]
            .spacing(16)
            .width(Length::Fixed(fit.field_width())),
        );
        column![left, space::vertical(), container(self.form.keyboard_view(fit, Message::Form)).center_x(Length::Fill)]
            .spacing(fit.spacing())
            .align_x(Alignment::Start)
            .into()
    }
}

impl Default for Login {
    fn default() -> Self {
        Self::new()
    }
}
