//! The product card after a scan, then IN or OUT with a quantity on the on-screen keypad.
//! An OUT beyond the stock is refused here, before anything is sent.

use std::str::FromStr;

use iced::widget::{column, container, row, space, text};
use iced::{Alignment, Element, Length};
use models::{MovementKind, Product};
use rust_decimal::Decimal;

use crate::i18n::{tr, trf, Language, Text};
use crate::widget::keypad::{self, KeypadKey};
use crate::widget::{big_button, field};
use crate::{format, theme};

/// Whether the person at the kiosk may record a movement now.
#[derive(Debug, Clone, PartialEq)]
pub enum Permit {
    Allowed,
    /// Nobody with the right to post is logged in.
    NeedLogin,
    /// A Viewer: the card only, no IN/OUT at all.
    ReadOnly,
    /// Movements are blocked, with the reason (camera missing, database down).
    Blocked(String),
}

/// A face confirmation still valid: who, and for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmed {
    pub employee_name: String,
    pub left: std::time::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Card,
    Quantity(MovementKind),
}

#[derive(Debug, Clone)]
pub enum Message {
    Choose(MovementKind),
    Keypad(KeypadKey),
    Continue,
    Back,
    Close,
    Login,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Submit { kind: MovementKind, quantity: Decimal },
    Close,
    Login,
}

pub struct ProductScreen {
    pub product: Product,
    stage: Stage,
    typed: String,
    /// Why the last attempt was refused, in the user's language.
    pub refusal: Option<String>,
}

impl ProductScreen {
    pub fn new(product: Product) -> Self {
        ProductScreen { product, stage: Stage::Card, typed: String::new(), refusal: None }
    }

    /// Reopens the quantity step after the ledger refused it (the number stays for correction).
    pub fn refused(&mut self, kind: MovementKind, reason: String) {
        self.stage = Stage::Quantity(kind);
        self.refusal = Some(reason);
    }

    pub fn update(&mut self, message: Message, lang: Language) -> Option<Event> {
        match message {
            Message::Choose(kind) => {
                self.stage = Stage::Quantity(kind);
                self.typed.clear();
                self.refusal = None;
                None
            }
            Message::Keypad(key) => {
                keypad::apply(&mut self.typed, key, self.product.unit_decimals.max(0) as u32);
                self.refusal = None;
                None
            }
            Message::Back => {
                self.stage = Stage::Card;
                self.refusal = None;
                None
            }
            Message::Close => Some(Event::Close),
            Message::Login => Some(Event::Login),
            Message::Continue => {
                let Stage::Quantity(kind) = self.stage else { return None };
                let quantity = Decimal::from_str(self.typed.trim_end_matches('.')).unwrap_or_default();
                if quantity <= Decimal::ZERO {
                    self.refusal = Some(tr(lang, Text::EnterQuantity).to_string());
                    return None;
                }
                if kind == MovementKind::Out && quantity > self.product.stock {
                    self.refusal = Some(not_enough(lang, &self.product, self.product.stock));
                    return None;
                }
                Some(Event::Submit { kind, quantity })
            }
        }
    }

    pub fn view<'a>(&'a self, lang: Language, permit: &Permit, confirmed: Option<&Confirmed>) -> Element<'a, Message> {
        let p = &self.product;
        let mut card = column![
            text(&p.name).size(theme::TITLE),
            field(tr(lang, Text::Sku), p.sku.clone()),
            field(tr(lang, Text::Category), p.category.clone().unwrap_or_else(|| "—".into())),
            field(tr(lang, Text::Unit), format::unit_name(lang, &p.unit)),
            field(tr(lang, Text::Stock), format::quantity(lang, p.stock, &p.unit)),
            field(tr(lang, Text::MinStock), format::quantity(lang, p.min_stock, &p.unit)),
        ]
        .spacing(14)
        .width(Length::Fill);
        if p.is_low() {
            card = card.push(container(text(tr(lang, Text::LowStockWarning)).size(theme::BODY)).padding(12).style(container::warning));
        }
        if let Some(c) = confirmed {
            card = card.push(
                container(
                    text(trf(lang, Text::FaceStillValid, &[("name", &c.employee_name), ("left", &format::countdown(c.left))]))
                        .size(theme::BODY),
                )
                .padding(12)
                .style(container::success),
            );
        }
        let card = container(card).padding(theme::PADDING).style(container::rounded_box).width(Length::FillPortion(1));

        let action: Element<'a, Message> = match (self.stage, permit) {
            (_, Permit::ReadOnly) => text(tr(lang, Text::ReadOnlyRole)).size(theme::BODY).into(),
            (_, Permit::NeedLogin) => column![
                text(tr(lang, Text::LoginToRecord)).size(theme::BODY),
                big_button(tr(lang, Text::LogIn), Some(Message::Login)).width(Length::Fill),
            ]
            .spacing(theme::SPACING)
            .into(),
            (_, Permit::Blocked(why)) => container(text(trf(lang, Text::MovementsBlocked, &[("reason", why)])).size(theme::BODY))
                .padding(16)
                .style(container::danger)
                .into(),
            (Stage::Card, Permit::Allowed) => column![
                big_button(tr(lang, Text::In), Some(Message::Choose(MovementKind::In)))
                    .width(Length::Fill)
                    .height(120)
                    .style(iced::widget::button::success),
                big_button(tr(lang, Text::Out), Some(Message::Choose(MovementKind::Out)))
                    .width(Length::Fill)
                    .height(120)
                    .style(iced::widget::button::danger),
            ]
            .spacing(theme::SPACING)
            .into(),
            (Stage::Quantity(kind), Permit::Allowed) => self.quantity_view(lang, kind),
        };
        let close = big_button(tr(lang, Text::Cancel), Some(Message::Close)).width(260).style(iced::widget::button::secondary);
        column![
            row![card, container(action).width(Length::FillPortion(1))].spacing(theme::SPACING),
            space::vertical(),
            row![space::horizontal(), close],
        ]
        .spacing(theme::SPACING)
        .into()
    }

    fn quantity_view<'a>(&'a self, lang: Language, kind: MovementKind) -> Element<'a, Message> {
        let p = &self.product;
        let title = match kind {
            MovementKind::In => tr(lang, Text::QuantityIn),
            MovementKind::Out => tr(lang, Text::QuantityOut),
        };
        let shown = if self.typed.is_empty() {
            "0".to_string()
        } else {
            self.typed.replace('.', if lang == Language::English { "." } else { "," })
        };
        let mut col = column![
            text(title).size(theme::BODY),
            container(text(format!("{shown} {}", format::unit_name(lang, &p.unit))).size(theme::PROMPT))
                .padding([8, 16])
                .width(Length::Fill)
                .style(container::bordered_box),
            keypad::view(p.unit_decimals > 0, Message::Keypad),
        ]
        .spacing(16)
        .align_x(Alignment::Start);
        if let Some(why) = &self.refusal {
            col = col.push(container(text(why).size(theme::BODY)).padding(12).width(Length::Fill).style(container::danger));
        }
        col.push(
            row![
                big_button(tr(lang, Text::Back), Some(Message::Back)).style(iced::widget::button::secondary),
                big_button(tr(lang, Text::Continue), Some(Message::Continue)).width(Length::Fill),
            ]
            .spacing(16),
        )
        .into()
    }
}

/// "Not enough stock: 5 pcs available".
pub fn not_enough(lang: Language, p: &Product, available: Decimal) -> String {
    trf(lang, Text::NotEnoughStock, &[("available", &format::quantity(lang, available, &p.unit))])
}
