//! The product card after a scan, then IN or OUT with a quantity on the on-screen keypad.
//! An OUT beyond the stock is refused here, before anything is sent.


use iced::widget::{column, container, row, space, text};
use iced::{Alignment, Element, Length};
use models::{MovementKind, Product};
use rust_decimal::Decimal;

use crate::format;
use crate::i18n::{tr, trf, Language, Text};
use crate::theme::{self, Fit};
use crate::widget::keypad::{self, KeypadKey};
use crate::widget::{big_button, field, movement_button, movement_mark};

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
                // The keypad leaves at most a trailing point to drop; the one strict reader decides.
                let decimals = self.product.unit_decimals.max(0) as u32;
                let quantity = models::quantity::parse(self.typed.trim_end_matches('.'), Some(decimals)).unwrap_or_default();
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

    pub fn view<'a>(&'a self, lang: Language, fit: &Fit, permit: &Permit, confirmed: Option<&Confirmed>) -> Element<'a, Message> {
        let p = &self.product;
        let body = fit.body();
        // The stock, big enough to read from a metre away.
        let stock = column![
            text(tr(lang, Text::Stock)).size(theme::SMALL),
            text(format::quantity(lang, p.stock, &p.unit)).size(if fit.compact() { 52.0 } else { theme::FIGURE }),
        ]
        .spacing(2);
        let mut card = column![
            text(&p.name).size(fit.title()),
            stock,
            field(tr(lang, Text::Sku), p.sku.clone(), body),
            field(tr(lang, Text::Category), p.category.clone().unwrap_or_else(|| "—".into()), body),
            field(tr(lang, Text::Unit), format::unit_name(lang, &p.unit), body),
            field(tr(lang, Text::MinStock), format::quantity(lang, p.min_stock, &p.unit), body),
        ]
        .spacing(if fit.compact() { 8 } else { 14 })
        .width(Length::Fill);
        if p.is_low() {
            card = card.push(container(text(tr(lang, Text::LowStockWarning)).size(body)).padding(10).style(container::warning));
        }
        if let Some(c) = confirmed {
            card = card.push(
                container(
                    text(trf(lang, Text::FaceStillValid, &[("name", &c.employee_name), ("left", &format::countdown(c.left))])).size(body),
                )
                .padding(10)
                .style(container::success),
            );
        }
        let card = container(card).padding(fit.padding() + 4.0).style(theme::card).width(Length::Fill);

        let action: Element<'a, Message> = match (self.stage, permit) {
            (_, Permit::ReadOnly) => text(tr(lang, Text::ReadOnlyRole)).size(body).into(),
            (_, Permit::NeedLogin) => column![
                text(tr(lang, Text::LoginToRecord)).size(body),
                big_button(tr(lang, Text::LogIn), Some(Message::Login)).width(Length::Fill).style(theme::primary),
            ]
            .spacing(fit.spacing())
            .into(),
            (_, Permit::Blocked(why)) => container(text(trf(lang, Text::MovementsBlocked, &[("reason", why)])).size(body))
                .padding(16)
                .style(container::danger)
                .into(),
            (Stage::Card, Permit::Allowed) => {
                let height = if fit.compact() { 104.0 } else { 132.0 };
                column![
                    movement_button(lang, MovementKind::In, Some(Message::Choose(MovementKind::In))).width(Length::Fill).height(height),
                    movement_button(lang, MovementKind::Out, Some(Message::Choose(MovementKind::Out))).width(Length::Fill).height(height),
                ]
                .spacing(fit.spacing())
                .into()
            }
            (Stage::Quantity(kind), Permit::Allowed) => self.quantity_view(lang, fit, kind),
        };
        let close = big_button(tr(lang, Text::Cancel), Some(Message::Close)).width(260).style(theme::secondary);
        let main: Element<'a, Message> = if fit.portrait() {
            column![card, container(action).width(Length::Fill)].spacing(fit.spacing()).into()
        } else {
            row![container(card).width(Length::FillPortion(1)), container(action).width(Length::FillPortion(1))]
                .spacing(fit.spacing())
                .into()
        };
        column![main, space::vertical(), row![space::horizontal(), close]].spacing(fit.spacing()).into()
    }

    fn quantity_view<'a>(&'a self, lang: Language, fit: &Fit, kind: MovementKind) -> Element<'a, Message> {
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
            row![movement_mark(lang, kind), text(title).size(fit.body())].spacing(12).align_y(Alignment::Center),
            container(text(format!("{shown} {}", format::unit_name(lang, &p.unit))).size(fit.prompt()))
                .padding([4, 16])
                .width(Length::Fill)
                .style(container::bordered_box),
            keypad::view(fit, p.unit_decimals > 0, Message::Keypad),
        ]
        .spacing(if fit.compact() { 10 } else { 16 })
        .align_x(Alignment::Start);
        if let Some(why) = &self.refusal {
            col = col.push(container(text(why).size(fit.body())).padding(10).width(Length::Fill).style(container::danger));
        }
        col.push(
            row![
                big_button(tr(lang, Text::Back), Some(Message::Back)).style(theme::secondary),
                big_button(tr(lang, Text::Continue), Some(Message::Continue)).width(Length::Fill).style(theme::primary),
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
