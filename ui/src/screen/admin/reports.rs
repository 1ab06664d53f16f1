//! Reports tab: movements with filters (kind, period; an operator sees only their own), the
//! daily IN/OUT chart, the stock and low-stock lists (paged), each exportable to CSV and XLSX,
//! and for an admin the reversal of a movement (pick, give a reason, confirm).

use crate::link::ledger;
use crate::link::AuthContext;
use crate::link::Handles;
use chrono::{DateTime, Duration, Local, Utc};
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length, Task};
use models::movements::{DailyTotal, HistoryLine, MovementFilter};
use models::permissions::{allowed, Action};
use models::products::ProductQuery;
use models::{Error, Movement, MovementKind, Product};

use super::stock_list;
use crate::i18n::{error_text, tr, trf, Language, Text};
use crate::link::ask;
use crate::widget::{chart, touch_field};
use crate::{format, theme};

const ROWS: i64 = 200;
const CHART_DAYS: i64 = 14;

/// Which report the tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Movements,
    /// Every active product with its stock.
    Stock,
    /// Products whose stock is under their min_stock.
    LowStock,
}

/// How far back the movement list goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Today,
    Days7,
    Days30,
    All,
}

impl Period {
    /// The earliest movement shown (today: since local midnight).
    pub fn from(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Period::Today => {
                let midnight = now.with_timezone(&Local).date_naive().and_hms_opt(0, 0, 0)?;
                Some(midnight.and_local_timezone(Local).earliest()?.with_timezone(&Utc))
            }
            Period::Days7 => Some(now - Duration::days(7)),
            Period::Days30 => Some(now - Duration::days(30)),
            Period::All => None,
        }
    }

    fn label(self) -> Text {
        match self {
            Period::Today => Text::PeriodToday,
            Period::Days7 => Text::Period7Days,
            Period::Days30 => Text::Period30Days,
            Period::All => Text::PeriodAll,
        }
    }
}

/// The tab's text field, for the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Reason,
}

impl Field {
    pub fn input(self, value: String) -> Message {
        match self {
            Field::Reason => Message::Reason(value),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    /// A field was tapped: the on-screen keyboard types into it (admin mode handles it).
    Focus(Field),
    Show(View),
    Period(Period),
    StockPage(i64),
    StockLoaded(View, i64, Result<Vec<Product>, Error>),
    Kind(Option<MovementKind>),
    /// The answer to history request number .0.
    Loaded(u64, Result<Vec<HistoryLine>, Error>),
    Totals(Result<Vec<DailyTotal>, Error>),
    Pick(i64),
    Reason(String),
    Reverse,
    Reversed(Result<Movement, Error>),
    CancelReverse,
    Export,
    Exported(Result<(std::path::PathBuf, std::path::PathBuf), String>),
}

pub struct Reports {
    handles: Handles,
    auth: AuthContext,
    view: View,
    period: Period,
    stock_rows: Vec<Product>,
    stock_page: i64,
    kind: Option<MovementKind>,
    lines: Vec<HistoryLine>,
    /// The number of the latest history request: only its answer is shown.
    history_request: u64,
    totals: Vec<DailyTotal>,
    picked: Option<i64>,
    reason: String,
    error: Option<String>,
    notice: Option<String>,
}

impl Reports {
    pub fn new(handles: Handles, auth: AuthContext) -> Self {
        Reports {
            handles,
            auth,
            view: View::Movements,
            period: Period::Days30,
            stock_rows: Vec::new(),
            stock_page: 0,
            kind: None,
            lines: Vec::new(),
            history_request: 0,
            totals: Vec::new(),
            picked: None,
            reason: String::new(),
            error: None,
            notice: None,
        }
    }

    fn movement_filter(&self, limit: i64) -> MovementFilter {
        MovementFilter { kind: self.kind, from: self.period.from(Utc::now()), limit, ..Default::default() }
    }

    /// One page of the stock or low-stock list.
    fn load_stock(&self) -> Task<Message> {
        let (view, page) = (self.view, self.stock_page);
        let query = ProductQuery {
            low_only: view == View::LowStock,
            limit: stock_list::PAGE,
            offset: page * stock_list::PAGE,
            ..Default::default()
        };
        let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
        Task::perform(async move { ask(ledger, ledger::Products { auth, query }).await }, move |r| Message::StockLoaded(view, page, r))
    }

    pub fn load(&mut self) -> Task<Message> {
        if self.view != View::Movements {
            return self.load_stock();
        }
        let filter = self.movement_filter(ROWS);
        self.history_request += 1;
        let (ledger, auth, request) = (self.handles.ledger.clone(), self.auth.clone(), self.history_request);
        let history =
            Task::perform(async move { ask(ledger, ledger::History { auth, filter }).await }, move |r| Message::Loaded(request, r));
        if !allowed(self.auth.role, Action::ViewReports) {
            return history;
        }
        let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
        let to = Utc::now() + Duration::days(1);
        let totals = Task::perform(
            async move { ask(ledger, ledger::DailyTotals { auth, from: to - Duration::days(CHART_DAYS + 1), to }).await },
            Message::Totals,
        );
        Task::batch([history, totals])
    }

    /// What a field holds now (None: it is not on screen).
    pub fn value(&self, field: Field) -> Option<String> {
        match field {
            Field::Reason => self.picked.map(|_| self.reason.clone()),
        }
    }

    pub fn update(&mut self, message: Message, lang: Language) -> Task<Message> {
        match message {
            Message::Focus(_) => Task::none(),
            Message::Show(view) => {
                // Only those who may see reports get the stock lists (an operator: own history).
                if view != View::Movements && !allowed(self.auth.role, Action::ViewReports) {
                    return Task::none();
                }
                self.view = view;
                self.stock_page = 0;
                self.stock_rows.clear();
                self.notice = None;
                self.load()
            }
            Message::Period(p) => {
                self.period = p;
                self.load()
            }
            Message::StockPage(p) => {
                self.stock_page = p.max(0);
                self.load_stock()
            }
            Message::StockLoaded(view, page, result) => {
                // An answer for a list or page we already left is dropped.
                if view == self.view && page == self.stock_page {
                    match result {
                        Ok(rows) => {
                            self.stock_rows = rows;
                            self.error = None;
                        }
                        Err(e) => self.error = Some(error_text(lang, &e)),
                    }
                }
                Task::none()
            }
            Message::Kind(k) => {
                self.kind = k;
                self.load()
            }
            // An answer to an earlier period or kind is dropped (a month's history can answer
            // after the day's tapped next).
            Message::Loaded(request, _) if request != self.history_request => Task::none(),
            Message::Loaded(_, Ok(lines)) => {
                self.lines = lines;
                self.error = None;
                Task::none()
            }
            Message::Totals(Ok(t)) => {
                self.totals = t;
                Task::none()
            }
            Message::Loaded(_, Err(e)) | Message::Totals(Err(e)) | Message::Reversed(Err(e)) => {
                self.error = Some(error_text(lang, &e));
                Task::none()
            }
            Message::Pick(id) => {
                self.picked = Some(id);
                self.reason.clear();
                self.notice = None;
                Task::none()
            }
            Message::Reason(r) => {
                self.reason = r;
                Task::none()
            }
            Message::CancelReverse => {
                self.picked = None;
                Task::none()
            }
            Message::Reverse => {
                let Some(movement_id) = self.picked else { return Task::none() };
                if self.reason.trim().is_empty() {
                    self.error = Some(tr(lang, Text::ReasonNeeded).to_string());
                    return Task::none();
                }
                let (ledger, auth, reason) = (self.handles.ledger.clone(), self.auth.clone(), self.reason.trim().to_string());
                Task::perform(async move { ask(ledger, ledger::Reverse { auth, movement_id, reason }).await }, Message::Reversed)
            }
            Message::Export if self.view != View::Movements => self.export_stock(),
            Message::Export => {
                let filter = self.movement_filter(100_000);
                let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
                let (dir, name) = (crate::export::dir(&self.handles.config), crate::export::stamped_name("movements"));
                Task::perform(
                    async move {
                        let lines =
                            ledger.send(ledger::History { auth, filter }).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
                        let rows: Vec<Vec<String>> = lines
                            .iter()
                            .map(|l| {
                                let m = &l.movement;
                                vec![
                                    m.id.to_string(),
                                    m.created_at.to_rfc3339(),
                                    if m.kind == MovementKind::In { "in".into() } else { "out".into() },
                                    m.quantity.normalize().to_string(),
                                    l.unit.clone(),
                                    l.sku.clone(),
                                    l.product_name.clone(),
                                    l.employee_name.clone(),
                                    l.username.clone(),
                                    m.station.clone(),
                                    m.reverses_id.map(|r| r.to_string()).unwrap_or_default(),
                                ]
                            })
                            .collect();
                        let header = ["id", "at", "kind", "quantity", "unit", "sku", "product", "employee", "user", "station", "reverses"];
                        tokio::task::spawn_blocking(move || crate::export::write_table(&dir, &name, &header, &rows))
                            .await
                            .map_err(|e| e.to_string())?
                    },
                    Message::Exported,
                )
            }
            Message::Exported(Ok((csv, xlsx))) => {
                self.notice =
                    Some(trf(lang, Text::Exported, &[("csv", &csv.display().to_string()), ("xlsx", &xlsx.display().to_string())]));
                Task::none()
            }
            Message::Exported(Err(why)) => {
                self.error = Some(trf(lang, Text::ExportFailed, &[("reason", &why)]));
                Task::none()
            }
            Message::Reversed(Ok(m)) => {
                self.picked = None;
                self.notice = Some(trf(lang, Text::Reversed, &[("id", &m.reverses_id.unwrap_or_default().to_string())]));
                self.load()
            }
        }
    }

    /// Writes the whole stock or low-stock list (every page) as CSV and XLSX.
    fn export_stock(&self) -> Task<Message> {
        let low_only = self.view == View::LowStock;
        let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
        let (dir, name) =
            (crate::export::dir(&self.handles.config), crate::export::stamped_name(if low_only { "low-stock" } else { "stock" }));
        Task::perform(
            async move {
                let query = ProductQuery { low_only, ..Default::default() };
                let products = ledger
                    .send(ledger::AllProducts { auth, query, max: usize::MAX })
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
                let rows = crate::export::stock_rows(&products);
                let header = crate::export::STOCK_HEADER;
                tokio::task::spawn_blocking(move || crate::export::write_table(&dir, &name, &header, &rows))
                    .await
                    .map_err(|e| e.to_string())?
            },
            Message::Exported,
        )
    }

    pub fn view(&self, lang: Language, active: Option<Field>) -> Element<'_, Message> {
        let choice = |label: Text, chosen: bool, message: Message| {
            let b = button(text(tr(lang, label)).size(theme::SMALL)).padding([14, 18]).on_press(message);
            if chosen {
                b.style(theme::primary)
            } else {
                b.style(theme::secondary)
            }
        };
        let reports = allowed(self.auth.role, Action::ViewReports);
        let mut top = row![].spacing(8).align_y(Alignment::Center);
        if reports {
            top = top
                .push(choice(Text::MovementsReport, self.view == View::Movements, Message::Show(View::Movements)))
                .push(choice(Text::StockReport, self.view == View::Stock, Message::Show(View::Stock)))
                .push(choice(Text::LowStockReport, self.view == View::LowStock, Message::Show(View::LowStock)));
        } else {
            top = top.push(text(tr(lang, Text::OwnHistory)).size(theme::BODY));
        }
        top = top.push(space::horizontal()).push(export_button(lang, allowed(self.auth.role, Action::Export)));
        let mut col = column![top].spacing(12);
        if self.view == View::Movements {
            let mut filters = row![].spacing(8).align_y(Alignment::Center);
            for p in [Period::Today, Period::Days7, Period::Days30, Period::All] {
                filters = filters.push(choice(p.label(), self.period == p, Message::Period(p)));
            }
            filters = filters
                .push(space::horizontal())
                .push(choice(Text::All, self.kind.is_none(), Message::Kind(None)))
                .push(choice(Text::In, self.kind == Some(MovementKind::In), Message::Kind(Some(MovementKind::In))))
                .push(choice(Text::Out, self.kind == Some(MovementKind::Out), Message::Kind(Some(MovementKind::Out))));
            col = col.push(filters);
        }
        if let Some(e) = &self.error {
            col = col.push(container(text(e).size(theme::BODY)).padding(10).style(container::danger));
        }
        if let Some(n) = &self.notice {
            col = col.push(container(text(n).size(theme::BODY)).padding(10).style(container::success));
        }
        match self.view {
            View::Movements => col.push(self.movements_view(lang, active)).into(),
            View::Stock | View::LowStock => col.push(self.stock_view(lang)).into(),
        }
    }

    fn stock_view(&self, lang: Language) -> Element<'_, Message> {
        let mut table = column![stock_list::header(lang)].spacing(6);
        if self.view == View::LowStock && self.stock_rows.is_empty() && self.stock_page == 0 {
            table = table.push(text(tr(lang, Text::NoLowStock)).size(theme::BODY));
        }
        for p in &self.stock_rows {
            let line = stock_list::line(lang, p);
            table = table.push(if p.is_low() { container(line).style(container::warning) } else { container(line) });
        }
        let pager = stock_list::pager(lang, self.stock_page, self.stock_rows.len(), Message::StockPage);
        column![scrollable(table).height(Length::Fill), pager].spacing(12).into()
    }

    fn movements_view(&self, lang: Language, active: Option<Field>) -> Element<'_, Message> {
        let mut col = column![].spacing(12);
        if !self.totals.is_empty() {
            col = col.push(column![text(tr(lang, Text::DailyChart)).size(theme::SMALL), chart::view(lang, &self.totals, 120.0)].spacing(4));
        }
        if let Some(id) = self.picked {
            col = col.push(
                container(
                    row![
                        text(trf(lang, Text::ReverseWhich, &[("id", &id.to_string())])).size(theme::BODY),
                        container(touch_field(
                            text_input(tr(lang, Text::Reason), &self.reason).on_input(Message::Reason).padding(12),
                            active == Some(Field::Reason),
                            Message::Focus(Field::Reason)
                        ))
                        .width(Length::Fixed(360.0)),
                        button(text(tr(lang, Text::ConfirmReverse))).padding([14, 18]).style(theme::danger).on_press(Message::Reverse),
                        button(text(tr(lang, Text::Cancel))).padding([14, 18]).style(theme::secondary).on_press(Message::CancelReverse),
                    ]
                    .spacing(12)
                    .align_y(Alignment::Center),
                )
                .padding(12)
                .style(container::warning),
            );
        }
        let can_reverse = allowed(self.auth.role, Action::ReverseMovement);
        let mut table = column![].spacing(6);
        for l in &self.lines {
            let m = &l.movement;
            let (kind, color) = if m.kind == MovementKind::In { ("+", theme::IN_COLOR) } else { ("−", theme::OUT_COLOR) };
            let mut line = row![
                text(format!("#{}", m.id)).width(Length::Fixed(80.0)),
                text(format::date_time(lang, m.created_at)).width(Length::Fixed(170.0)),
                text(format!("{} {kind}{}", crate::widget::movement_icon(m.kind), format::quantity(lang, m.quantity, &l.unit)))
                    .color(color)
                    .width(Length::Fixed(140.0)),
                text(format!("{} — {}", l.sku, l.product_name)).width(Length::Fill),
                text(&l.employee_name).width(Length::Fixed(180.0)),
                text(&l.username).width(Length::Fixed(120.0)),
            ]
            .spacing(8)
            .align_y(Alignment::Center);
            if can_reverse && l.reversed_by.is_none() && m.reverses_id.is_none() {
                line = line.push(
                    button(text(tr(lang, Text::Reverse)).size(theme::SMALL))
                        .padding([14, 18])
                        .style(theme::secondary)
                        .on_press(Message::Pick(m.id)),
                );
            } else if let Some(r) = l.reversed_by {
                line = line.push(text(trf(lang, Text::ReversedBy, &[("id", &r.to_string())])).size(theme::SMALL));
            }
            table = table.push(line);
        }
        col.push(scrollable(table).height(Length::Fill)).into()
    }
}

fn export_button<'a>(lang: Language, may: bool) -> Element<'a, Message> {
    if may {
        button(text(tr(lang, Text::ExportCsvXlsx)).size(theme::SMALL)).padding([14, 18]).on_press(Message::Export).into()
    } else {
        space().into()
    }
}
