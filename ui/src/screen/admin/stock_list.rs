//! The paged list of products with their stock, as both the products tab and the stock reports
//! show it: the same columns, low stock marked, pages of [`PAGE`] so 10,000+ rows never load at once.

use iced::widget::{button, row, text, Row};
use iced::{Alignment, Element, Length};
use models::Product;

use crate::i18n::{tr, trf, Language, Text};
use crate::{format, theme};

/// Products on one page.
pub const PAGE: i64 = 50;

/// The column titles over [`line`]s.
pub fn header<'a, M: 'a>(lang: Language) -> Row<'a, M> {
    row![
        text(tr(lang, Text::Sku)).width(Length::FillPortion(2)),
        text(tr(lang, Text::Name)).width(Length::FillPortion(4)),
        text(tr(lang, Text::Category)).width(Length::FillPortion(2)),
        text(tr(lang, Text::Stock)).width(Length::FillPortion(2)),
        text(tr(lang, Text::MinStock)).width(Length::FillPortion(2)),
    ]
    .spacing(8)
}

/// One product: SKU, name, category, stock and minimum stock in its unit.
pub fn line<'a, M: 'a>(lang: Language, p: &'a Product) -> Row<'a, M> {
    row![
        text(&p.sku).width(Length::FillPortion(2)),
        text(&p.name).width(Length::FillPortion(4)),
        text(p.category.clone().unwrap_or_default()).width(Length::FillPortion(2)),
        text(format::quantity(lang, p.stock, &p.unit)).width(Length::FillPortion(2)),
        text(format::quantity(lang, p.min_stock, &p.unit)).width(Length::FillPortion(2)),
    ]
    .spacing(8)
}

/// ◀ page n ▶: back from any page but the first; on only after a full page (a shorter one is the last).
pub fn pager<'a, M: Clone + 'a>(lang: Language, page: i64, rows_shown: usize, to_page: impl Fn(i64) -> M) -> Element<'a, M> {
    row![
        button(text("◀").size(theme::BODY)).padding([12, 24]).on_press_maybe((page > 0).then(|| to_page(page - 1))),
        text(trf(lang, Text::PageOf, &[("page", &(page + 1).to_string())])).size(theme::BODY),
        button(text("▶").size(theme::BODY)).padding([12, 24]).on_press_maybe((rows_shown as i64 == PAGE).then(|| to_page(page + 1))),
    ]
    .spacing(16)
    .align_y(Alignment::Center)
    .into()
}
