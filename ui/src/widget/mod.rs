//! Widgets the screens share: keypad, on-screen keyboard, camera preview, daily chart.

pub mod chart;
pub mod form;
pub mod keyboard;
pub mod keypad;
pub mod preview;

use iced::widget::{button, container, text};
use iced::{Element, Length};

use crate::theme;

/// A button a finger hits easily (≥ 48 px high), with a centred label.
pub fn big_button<'a, M: Clone + 'a>(label: impl text::IntoFragment<'a>, on_press: Option<M>) -> button::Button<'a, M> {
    button(container(text(label).size(theme::BODY)).center_x(Length::Fill).center_y(Length::Fill))
        .height(theme::TOUCH_TARGET)
        .padding([0, 24])
        .on_press_maybe(on_press)
}

/// A label and its value on one line of a card.
pub fn field<'a, M: 'a>(label: &'a str, value: String) -> Element<'a, M> {
    iced::widget::row![
        text(label).size(theme::BODY).width(Length::FillPortion(2)),
        text(value).size(theme::BODY).width(Length::FillPortion(3))
    ]
    .spacing(12)
    .into()
}
