//! The face screen: live preview with a box around the face and the recognizer's progress,
//! between choosing a quantity and saving the movement.

use iced::widget::{column, container, progress_bar, row, space, text};
use iced::{Alignment, Element, Length};
use models::MovementKind;
use rust_decimal::Decimal;

use crate::face_link::{FaceUpdate, Hint};
use crate::format;
use crate::i18n::{camera_problem_text, face_problem_text, tr, trf, Language, Text};
use crate::theme::{self, Fit};
use crate::widget::preview::{self, Preview};
use crate::widget::{big_button, movement_mark};

#[derive(Debug, Clone)]
pub enum Message {
    Cancel,
    Retry,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Cancel,
    Retry,
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Working,
    NotRecognised,
    Failed(String),
}

pub struct FaceScreen {
    pub product_name: String,
    pub unit: String,
    pub kind: MovementKind,
    pub quantity: Decimal,
    frame: Option<Preview>,
    done: u32,
    needed: u32,
    hint: Option<Hint>,
    outcome: Outcome,
}

impl FaceScreen {
    pub fn new(product_name: String, unit: String, kind: MovementKind, quantity: Decimal) -> Self {
        FaceScreen { product_name, unit, kind, quantity, frame: None, done: 0, needed: 0, hint: None, outcome: Outcome::Working }
    }

    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Cancel => Some(Event::Cancel),
            Message::Retry => {
                self.outcome = Outcome::Working;
                self.done = 0;
                Some(Event::Retry)
            }
        }
    }

    /// What the camera and the recognizer report while this screen is open.
    pub fn apply(&mut self, update: &FaceUpdate, lang: Language) {
        match update {
            FaceUpdate::Frame(f) => self.frame = Some(f.clone()),
            FaceUpdate::Progress { done, needed, hint } => {
                self.done = *done;
                self.needed = *needed;
                self.hint = *hint;
            }
            FaceUpdate::NotRecognised => self.outcome = Outcome::NotRecognised,
            FaceUpdate::Failed(why) => self.outcome = Outcome::Failed(face_problem_text(lang, why)),
            FaceUpdate::CameraUnavailable(why) => self.outcome = Outcome::Failed(camera_problem_text(lang, why)),
            FaceUpdate::CameraConnected { .. } | FaceUpdate::Verified(_) | FaceUpdate::Enrolled { .. } => {}
        }
    }

    pub fn view(&self, lang: Language, fit: &Fit) -> Element<'_, Message> {
        let body = fit.body();
        let summary = row![
            movement_mark(lang, self.kind),
            text(format!("{} — {}", format::quantity(lang, self.quantity, &self.unit), self.product_name)).size(body)
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        let status: Element<'_, Message> = match &self.outcome {
            Outcome::Working => {
                let needed = self.needed.max(1) as f32;
                column![
                    text(tr(lang, hint_text(self.hint))).size(body),
                    progress_bar(0.0..=needed, self.done as f32).girth(24),
                    text(format!("{} / {}", self.done, self.needed)).size(theme::SMALL),
                ]
                .spacing(12)
                .into()
            }
            Outcome::NotRecognised => column![
                container(text(tr(lang, Text::FaceNotRecognised)).size(body)).padding(12).style(container::warning),
                big_button(tr(lang, Text::TryAgain), Some(Message::Retry)).style(theme::primary),
            ]
            .spacing(12)
            .into(),
            Outcome::Failed(why) => column![
                container(text(trf(lang, Text::FaceFailed, &[("reason", why)])).size(body)).padding(12).style(container::danger),
                big_button(tr(lang, Text::TryAgain), Some(Message::Retry)).style(theme::primary),
            ]
            .spacing(12)
            .into(),
        };
        // The preview takes what the screen leaves: half the width beside the status, or the
        // whole width above it in portrait; never taller than the room under the header.
        let room_height = (fit.height - 330.0).max(240.0);
        let preview_width = if fit.portrait() { fit.inner_width() } else { fit.inner_width() * 0.55 }.min(room_height / 0.75).min(720.0);
        let preview = preview::view(self.frame.as_ref(), preview_width, tr(lang, Text::WaitingForCamera));
        let main: Element<'_, Message> = if fit.portrait() {
            column![preview, container(status).width(Length::Fill)].spacing(fit.spacing()).into()
        } else {
            row![preview, container(status).width(Length::Fill).padding([0, 24])].align_y(Alignment::Start).into()
        };
        column![
            text(tr(lang, Text::FaceTitle)).size(fit.title()),
            summary,
            main,
            space::vertical(),
            row![space::horizontal(), big_button(tr(lang, Text::Cancel), Some(Message::Cancel)).width(260).style(theme::secondary)],
        ]
        .spacing(fit.spacing())
        .into()
    }
}

fn hint_text(hint: Option<Hint>) -> Text {
    match hint {
        None | Some(Hint::Good) => Text::LookAtCamera,
        Some(Hint::NoFace) => Text::HintNoFace,
        Some(Hint::TwoFaces) => Text::HintTwoFaces,
        Some(Hint::TooSmall) => Text::HintTooSmall,
        Some(Hint::TooDark) => Text::HintTooDark,
        Some(Hint::Blurry) => Text::HintBlurry,
    }
}
