//! Products tab: search and page through the catalogue (pages of 50, so 10,000+ rows never
//! load at once) and, for an admin, add a product.

use std::str::FromStr;

use actors::ledger;
use actors::session::AuthContext;
use actors::Handles;
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length, Task};
use models::permissions::{allowed, Action};
use models::products::{NewProduct, ProductChange, ProductQuery};
use models::{Error, Product};
use rust_decimal::Decimal;

use crate::i18n::{error_text, tr, trf, Language, Text};
use crate::{format, theme};

pub const PAGE: i64 = 50;

#[derive(Debug, Clone)]
pub enum Message {
    Search(String),
    Page(i64),
    Loaded(i64, Result<Vec<Product>, Error>),
    LowOnly(bool),
    OpenForm,
    Edit(i64),
    Field(usize, String),
    Save,
    Saved(Result<Product, Error>),
}

pub struct Products {
    handles: Handles,
    auth: AuthContext,
    search: String,
    low_only: bool,
    page: i64,
    rows: Vec<Product>,
    loading: bool,
    error: Option<String>,
    /// sku, qr code, name, unit, min stock — open while adding or editing.
    form: Option<[String; 5]>,
    /// The product being edited (None: adding a new one).
    editing: Option<i64>,
    notice: Option<String>,
}

impl Products {
    pub fn new(handles: Handles, auth: AuthContext) -> Self {
        Products {
            handles,
            auth,
            search: String::new(),
            low_only: false,
            page: 0,
            rows: Vec::new(),
            loading: false,
            error: None,
            form: None,
            editing: None,
            notice: None,
        }
    }

    pub fn load(&mut self) -> Task<Message> {
        self.loading = true;
        let query = ProductQuery {
            search: Some(self.search.clone()).filter(|s| !s.trim().is_empty()),
            low_only: self.low_only,
            limit: PAGE,
            offset: self.page * PAGE,
            ..Default::default()
        };
        let (ledger, auth, page) = (self.handles.ledger.clone(), self.auth.clone(), self.page);
        Task::perform(
            async move { ledger.send(ledger::Products { auth, query }).await.unwrap_or_else(|e| Err(Error::Unavailable(e.to_string()))) },
            move |r| Message::Loaded(page, r),
        )
    }

    pub fn update(&mut self, message: Message, lang: Language) -> Task<Message> {
        match message {
            Message::Search(s) => {
                self.search = s;
                self.page = 0;
                self.load()
            }
            Message::LowOnly(on) => {
                self.low_only = on;
                self.page = 0;
                self.load()
            }
            Message::Page(p) => {
                self.page = p.max(0);
                self.load()
            }
            Message::Loaded(page, result) => {
                // An answer for a page we already left is dropped.
                if page == self.page {
                    self.loading = false;
                    match result {
                        Ok(rows) => {
                            self.rows = rows;
                            self.error = None;
                        }
                        Err(e) => self.error = Some(error_text(lang, &e)),
                    }
                }
                Task::none()
            }
            Message::Edit(id) => {
                if let Some(p) = self.rows.iter().find(|p| p.id == id) {
                    self.form =
                        Some([p.sku.clone(), p.qr_code.clone(), p.name.clone(), p.unit.clone(), p.min_stock.normalize().to_string()]);
                    self.editing = Some(id);
                    self.notice = None;
                }
                Task::none()
            }
            Message::OpenForm => {
                self.editing = None;
                self.form = Some(Default::default());
                self.notice = None;
                Task::none()
            }
            Message::Field(i, v) => {
                if let Some(f) = &mut self.form {
                    f[i.min(4)] = v;
                }
                Task::none()
            }
            Message::Save => {
                let Some(f) = &self.form else { return Task::none() };
                let Ok(min_stock) = Decimal::from_str(if f[4].trim().is_empty() { "0" } else { f[4].trim() }) else {
                    self.error = Some(tr(lang, Text::EnterQuantity).to_string());
                    return Task::none();
                };
                let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
                if let Some(product_id) = self.editing {
                    // SKU and unit stay: the unit of a product with movements cannot change.
                    let change = ProductChange {
                        name: Some(f[2].trim().into()),
                        qr_code: Some(f[1].trim().into()),
                        min_stock: Some(min_stock),
                        ..Default::default()
                    };
                    return Task::perform(
                        async move {
                            ledger
                                .send(ledger::EditProduct { auth, product_id, change })
                                .await
                                .unwrap_or_else(|e| Err(Error::Unavailable(e.to_string())))
                        },
                        Message::Saved,
                    );
                }
                let product = NewProduct {
                    sku: f[0].trim().into(),
                    qr_code: f[1].trim().into(),
                    name: f[2].trim().into(),
                    unit: if f[3].trim().is_empty() { "pcs".into() } else { f[3].trim().into() },
                    min_stock,
                    ..Default::default()
                };
                let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
                Task::perform(
                    async move {
                        ledger.send(ledger::AddProduct { auth, product }).await.unwrap_or_else(|e| Err(Error::Unavailable(e.to_string())))
                    },
                    Message::Saved,
                )
            }
            Message::Saved(Ok(p)) => {
                self.form = None;
                self.editing = None;
                self.notice = Some(trf(lang, Text::ProductAdded, &[("name", &p.name)]));
                self.load()
            }
            Message::Saved(Err(e)) => {
                self.error = Some(error_text(lang, &e));
                Task::none()
            }
        }
    }

    pub fn view(&self, lang: Language) -> Element<'_, Message> {
        let mut tools = row![
            text_input(tr(lang, Text::SearchProducts), &self.search)
                .on_input(Message::Search)
                .size(theme::BODY)
                .padding(12)
                .width(Length::Fixed(420.0)),
            button(text(tr(lang, if self.low_only { Text::AllProducts } else { Text::LowOnly })).size(theme::SMALL))
                .padding([14, 18])
                .style(button::secondary)
                .on_press(Message::LowOnly(!self.low_only)),
            space::horizontal(),
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        if allowed(self.auth.role, Action::ManageProducts) {
            tools = tools.push(button(text(tr(lang, Text::AddProduct)).size(theme::SMALL)).padding([14, 18]).on_press(Message::OpenForm));
        }
        let mut col = column![tools].spacing(12);
        if let Some(n) = &self.notice {
            col = col.push(container(text(n).size(theme::BODY)).padding(10).style(container::success));
        }
        if let Some(e) = &self.error {
            col = col.push(container(text(e).size(theme::BODY)).padding(10).style(container::danger));
        }
        if let Some(f) = &self.form {
            let labels = [Text::Sku, Text::QrCode, Text::Name, Text::Unit, Text::MinStock];
            let mut form = row![].spacing(8).align_y(Alignment::End);
            for (i, label) in labels.iter().enumerate() {
                form = form.push(
                    column![
                        text(tr(lang, *label)).size(theme::SMALL),
                        text_input("", &f[i]).on_input(move |v| Message::Field(i, v)).padding(10)
                    ]
                    .spacing(4),
                );
            }
            form = form.push(button(text(tr(lang, Text::Save))).padding([12, 20]).on_press(Message::Save));
            col = col.push(container(form).padding(12).style(container::bordered_box));
        }
        let header = row![
            text(tr(lang, Text::Sku)).width(Length::FillPortion(2)),
            text(tr(lang, Text::Name)).width(Length::FillPortion(4)),
            text(tr(lang, Text::Category)).width(Length::FillPortion(2)),
            text(tr(lang, Text::Stock)).width(Length::FillPortion(2)),
            text(tr(lang, Text::MinStock)).width(Length::FillPortion(2)),
        ]
        .spacing(8);
        let mut table = column![header].spacing(6);
        for p in &self.rows {
            let mut line = row![
                text(&p.sku).width(Length::FillPortion(2)),
                text(&p.name).width(Length::FillPortion(4)),
                text(p.category.clone().unwrap_or_default()).width(Length::FillPortion(2)),
                text(format::quantity(lang, p.stock, &p.unit)).width(Length::FillPortion(2)),
                text(format::quantity(lang, p.min_stock, &p.unit)).width(Length::FillPortion(2)),
            ]
            .spacing(8);
            if allowed(self.auth.role, Action::ManageProducts) {
                line = line.push(
                    button(text(tr(lang, Text::Edit)).size(theme::SMALL))
                        .padding([10, 14])
                        .style(button::secondary)
                        .on_press(Message::Edit(p.id)),
                );
            }
            table = table.push(if p.is_low() { container(line).style(container::warning) } else { container(line) });
        }
        let pager = row![
            button(text("◀").size(theme::BODY)).padding([12, 24]).on_press_maybe((self.page > 0).then(|| Message::Page(self.page - 1))),
            text(trf(lang, Text::PageOf, &[("page", &(self.page + 1).to_string())])).size(theme::BODY),
            button(text("▶").size(theme::BODY))
                .padding([12, 24])
                .on_press_maybe((self.rows.len() as i64 == PAGE).then(|| Message::Page(self.page + 1))),
        ]
        .spacing(16)
        .align_y(Alignment::Center);
        col.push(scrollable(table).height(Length::Fill)).push(pager).into()
    }
}
