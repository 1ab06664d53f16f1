//! A bar chart of daily IN and OUT totals: two bars a day (IN green, OUT amber, as everywhere),
//! heights relative to the largest.

use iced::widget::{column, container, row, space, text, tooltip};
use iced::{Alignment, Element, Length};
use models::movements::DailyTotal;
use rust_decimal::prelude::ToPrimitive;

use crate::i18n::Language;
use crate::{format, theme};

pub fn view<'a, M: 'a>(lang: Language, days: &'a [DailyTotal], height: f32) -> Element<'a, M> {
    let largest = days.iter().flat_map(|d| [d.in_quantity, d.out_quantity]).max().and_then(|m| m.to_f32()).unwrap_or(0.0).max(1.0);
    let bar = |q: rust_decimal::Decimal, color: iced::Color| {
        let h = (q.to_f32().unwrap_or(0.0) / largest * height).max(2.0);
        container(space().width(Length::Fixed(14.0)).height(Length::Fixed(h))).style(theme::bar(color))
    };
    let mut bars = row![].spacing(10).align_y(Alignment::End);
    for d in days {
        let pair = row![bar(d.in_quantity, theme::IN_COLOR), bar(d.out_quantity, theme::OUT_COLOR)].spacing(2).align_y(Alignment::End);
        let label =
            format!("{}  +{} / −{}", format::date(lang, d.day), format::number(lang, d.in_quantity), format::number(lang, d.out_quantity));
        let day = column![pair, text(d.day.format("%d").to_string()).size(theme::SMALL)].align_x(Alignment::Center).spacing(4);
        bars = bars.push(tooltip(day, container(text(label)).padding(6).style(container::rounded_box), tooltip::Position::Top));
    }
    container(bars).height(Length::Fixed(height + 40.0)).align_y(Alignment::End).into()
}
