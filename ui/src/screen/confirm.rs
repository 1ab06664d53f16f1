//! The confirmation after a movement is saved: the new stock, and a low-stock warning.

use iced::widget::{column, container, row, space, text};
use iced::{Alignment, Element, Length};
use models::{Movement, MovementKind, Product};

use crate::i18n::{tr, trf, Language, Text};
use crate::widget::big_button;
use crate::{format, theme};

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

    pub fn view(&self, lang: Language) -> Element<'_, Message> {
        let p = &self.product;
        let kind = match self.movement.kind {
            MovementKind::In => tr(lang, Text::In),
            MovementKind::Out => tr(lang, Text::Out),
        };
        let mut col = column![
            container(text(format!("✓ {}", tr(lang, Text::Saved))).size(theme::PROMPT)).padding([12, 24]).style(container::success),
            text(format!("{kind}: {} — {}", format::quantity(lang, self.movement.quantity, &p.unit), p.name)).size(theme::TITLE),
            text(trf(lang, Text::NewStock, &[("stock", &format::quantity(lang, p.stock, &p.unit))])).size(theme::TITLE),
            text(trf(
                lang,
                Text::SavedBy,
                &[
                    ("name", &self.employee_name),
                    ("at", &format::date_time(lang, self.movement.created_at)),
                    ("id", &self.movement.id.to_string())
                ]
            ))
            .size(theme::BODY),
        ]
        .spacing(theme::SPACING)
        .align_x(Alignment::Center);
        if p.is_low() {
            col = col.push(
                container(
                    text(trf(lang, Text::LowStockAfter, &[("min", &format::quantity(lang, p.min_stock, &p.unit))])).size(theme::BODY),
                )
                .padding(16)
                .style(container::warning),
            );
        }
        column![
            container(col).center(Length::Fill),
            row![space::horizontal(), big_button(tr(lang, Text::Done), Some(Message::Done)).width(240)],
        ]
        .into()
    }
}
