//! The confirmation after a movement is saved: the new stock, and a low-stock warning.

use iced::widget::{column, container, row, space, text};
use iced::{Alignment, Element, Length};
use models::{Movement, Product};

use crate::format;
use crate::i18n::{tr, trf, Language, Text};
use crate::theme::{self, Fit};
use crate::widget::{big_button, movement_mark};

#[derive(Debug, Clone)]
pub enum Message {
    Done,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Done,
}

pub struct Confirm {
    pub movement: Movement,
    pub product: Product,
    pub employee_name: String,
}

impl Confirm {
    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Done => Some(Event::Done),
        }
    }

    pub fn view(&self, lang: Language, fit: &Fit) -> Element<'_, Message> {
        let p = &self.product;
        let mut col = column![
            container(text(format!("✓ {}", tr(lang, Text::Saved))).size(fit.prompt())).padding([12, 24]).style(container::success),
            row![
                movement_mark(lang, self.movement.kind),
                text(format!("{} — {}", format::quantity(lang, self.movement.quantity, &p.unit), p.name)).size(fit.title())
            ]
            .spacing(16)
            .align_y(Alignment::Center),
            text(trf(lang, Text::NewStock, &[("stock", &format::quantity(lang, p.stock, &p.unit))])).size(fit.title()),
            text(trf(
                lang,
                Text::SavedBy,
                &[
                    ("name", &self.employee_name),
                    ("at", &format::date_time(lang, self.movement.created_at)),
                    ("id", &self.movement.id.to_string())
                ]
            ))
            .size(fit.body()),
        ]
        .spacing(fit.spacing())
        .align_x(Alignment::Center);
        if p.is_low() {
            col = col.push(
                container(text(trf(lang, Text::LowStockAfter, &[("min", &format::quantity(lang, p.min_stock, &p.unit))])).size(fit.body()))
                    .padding(16)
                    .style(container::warning),
            );
        }
        column![
            container(col).center(Length::Fill),
            row![space::horizontal(), big_button(tr(lang, Text::Done), Some(Message::Done)).width(240).style(theme::primary)],
        ]
        .into()
    }
}
