//! Widgets the screens share: keypad, on-screen keyboard, camera preview, daily chart, and the
//! IN/OUT marks that look the same everywhere.

pub mod chart;
pub mod form;
pub mod keyboard;
pub mod keypad;
pub mod preview;

use iced::widget::{button, container, mouse_area, row, text, text_input};
use iced::{Alignment, Element, Length};
use models::MovementKind;

use crate::i18n::{tr, Language, Text};
use crate::theme;

/// A button a finger hits easily (≥ 48 px high), with a centred label.
pub fn big_button<'a, M: Clone + 'a>(label: impl text::IntoFragment<'a>, on_press: Option<M>) -> button::Button<'a, M> {
    button(container(text(label).size(theme::BODY)).center_x(Length::Fill).center_y(Length::Fill))
        .height(theme::TOUCH_TARGET)
        .padding([0, 24])
        .style(theme::secondary)
        .on_press_maybe(on_press)
}

/// A label and its value on one line of a card.
pub fn field<'a, M: 'a>(label: &'a str, value: String, size: f32) -> Element<'a, M> {
    row![text(label).size(size).width(Length::FillPortion(2)), text(value).size(size).width(Length::FillPortion(3))].spacing(12).into()
}

/// The arrow of a movement kind: IN points down into the warehouse, OUT up and out of it.
pub fn movement_icon(kind: MovementKind) -> &'static str {
    match kind {
        MovementKind::In => "↓",
        MovementKind::Out => "↑",
    }
}

pub fn movement_word(kind: MovementKind) -> Text {
    match kind {
        MovementKind::In => Text::In,
        MovementKind::Out => Text::Out,
    }
}

/// The big IN or OUT button of the product card: its colour, its arrow, its word.
pub fn movement_button<'a, M: Clone + 'a>(lang: Language, kind: MovementKind, on_press: Option<M>) -> button::Button<'a, M> {
    let label = row![text(movement_icon(kind)).size(theme::PROMPT), text(tr(lang, movement_word(kind))).size(theme::TITLE)]
        .spacing(16)
        .align_y(Alignment::Center);
    let style = match kind {
        MovementKind::In => theme::movement_in,
        MovementKind::Out => theme::movement_out,
    };
    button(container(label).center_x(Length::Fill).center_y(Length::Fill)).padding([0, 24]).style(style).on_press_maybe(on_press)
}

/// A small IN or OUT badge (history lines, the face and confirmation screens).
pub fn movement_mark<'a, M: 'a>(lang: Language, kind: MovementKind) -> Element<'a, M> {
    let style = match kind {
        MovementKind::In => theme::in_badge,
        MovementKind::Out => theme::out_badge,
    };
    container(
        row![text(movement_icon(kind)).size(theme::BODY), text(tr(lang, movement_word(kind))).size(theme::SMALL)]
            .spacing(6)
            .align_y(Alignment::Center),
    )
    .padding([4, 12])
    .style(style)
    .into()
}

/// A text field for touch and keys: a physical keyboard types into it as usual, and a tap makes
/// it the field the on-screen keyboard types into (`on_focus` is sent when the finger lifts; the
/// press itself belongs to the field). `active`: it is that field now (a thick border).
pub fn touch_field<'a, M: Clone + 'a>(input: text_input::TextInput<'a, M>, active: bool, on_focus: M) -> Element<'a, M> {
    let input = input.style(move |t: &iced::Theme, s| {
        let mut style = text_input::default(t, s);
        if active {
            style.border.color = t.extended_palette().primary.base.color;
            style.border.width = 3.0;
        }
        style
    });
    mouse_area(input).on_release(on_focus).into()
}
