//! Reports tab: movements with filters (an operator sees only their own), the daily IN/OUT
//! chart, and for an admin the reversal of a movement (pick, give a reason, confirm).

use actors::ledger;
use actors::session::AuthContext;
use actors::Handles;
use chrono::{Duration, Utc};
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length, Task};
use models::movements::{DailyTotal, HistoryLine, MovementFilter};
use models::permissions::{allowed, Action};
use models::{Error, Movement, MovementKind};

use crate::i18n::{error_text, tr, trf, Language, Text};
use crate::widget::chart;
use crate::{format, theme};

const ROWS: i64 = 200;
const CHART_DAYS: i64 = 14;

#[derive(Debug, Clone)]
pub enum Message {
    Kind(Option<MovementKind>),
    Loaded(Result<Vec<HistoryLine>, Error>),
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
    kind: Option<MovementKind>,
    lines: Vec<HistoryLine>,
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
            kind: None,
            lines: Vec::new(),
            totals: Vec::new(),
            picked: None,
            reason: String::new(),
            error: None,
            notice: None,
        }
    }

    pub fn load(&mut self) -> Task<Message> {
        let filter = MovementFilter { kind: self.kind, from: Some(Utc::now() - Duration::days(30)), limit: ROWS, ..Default::default() };
        let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
        let history = Task::perform(
            async move { ledger.send(ledger::History { auth, filter }).await.unwrap_or_else(|e| Err(Error::Unavailable(e.to_string()))) },
            Message::Loaded,
        );
        if !allowed(self.auth.role, Action::ViewReports) {
            return history;
        }
        let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
        let to = Utc::now() + Duration::days(1);
        let totals = Task::perform(
            async move {
                ledger
                    .send(ledger::DailyTotals { auth, from: to - Duration::days(CHART_DAYS + 1), to })
                    .await
                    .unwrap_or_else(|e| Err(Error::Unavailable(e.to_string())))
            },
            Message::Totals,
        );
        Task::batch([history, totals])
    }

    pub fn update(&mut self, message: Message, lang: Language) -> Task<Message> {
        match message {
            Message::Kind(k) => {
                self.kind = k;
                self.load()
            }
            Message::Loaded(Ok(lines)) => {
                self.lines = lines;
                self.error = None;
                Task::none()
            }
            Message::Totals(Ok(t)) => {
                self.totals = t;
                Task::none()
            }
            Message::Loaded(Err(e)) | Message::Totals(Err(e)) | Message::Reversed(Err(e)) => {
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
                Task::perform(
                    async move {
                        ledger
                            .send(ledger::Reverse { auth, movement_id, reason })
                            .await
                            .unwrap_or_else(|e| Err(Error::Unavailable(e.to_string())))
                    },
                    Message::Reversed,
                )
            }
            Message::Export => {
                let filter =
                    MovementFilter { kind: self.kind, from: Some(Utc::now() - Duration::days(30)), limit: 100_000, ..Default::default() };
                let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
                let dir = self.handles.config.data_dir().join("exports");
                let name = format!("movements-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"));
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

    pub fn view(&self, lang: Language) -> Element<'_, Message> {
        let filter = |label: Text, k: Option<MovementKind>| {
            let b = button(text(tr(lang, label)).size(theme::SMALL)).padding([14, 18]).on_press(Message::Kind(k));
            if self.kind == k {
                b.style(button::primary)
            } else {
                b.style(button::secondary)
            }
        };
        let title = if allowed(self.auth.role, Action::ViewReports) { Text::MovementsReport } else { Text::OwnHistory };
        let mut col = column![row![
            text(tr(lang, title)).size(theme::BODY),
            space::horizontal(),
            filter(Text::All, None),
            filter(Text::In, Some(MovementKind::In)),
            filter(Text::Out, Some(MovementKind::Out)),
            export_button(lang, allowed(self.auth.role, Action::Export)),
        ]
        .spacing(8)
        .align_y(Alignment::Center)]
        .spacing(12);
        if let Some(e) = &self.error {
            col = col.push(container(text(e).size(theme::BODY)).padding(10).style(container::danger));
        }
        if let Some(n) = &self.notice {
            col = col.push(container(text(n).size(theme::BODY)).padding(10).style(container::success));
        }
        if !self.totals.is_empty() {
            col = col.push(column![text(tr(lang, Text::DailyChart)).size(theme::SMALL), chart::view(lang, &self.totals, 120.0)].spacing(4));
        }
        if let Some(id) = self.picked {
            col = col.push(
                container(
                    row![
                        text(trf(lang, Text::ReverseWhich, &[("id", &id.to_string())])).size(theme::BODY),
                        text_input(tr(lang, Text::Reason), &self.reason).on_input(Message::Reason).padding(12).width(Length::Fixed(360.0)),
                        button(text(tr(lang, Text::ConfirmReverse))).padding([14, 18]).style(button::danger).on_press(Message::Reverse),
                        button(text(tr(lang, Text::Cancel))).padding([14, 18]).style(button::secondary).on_press(Message::CancelReverse),
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
            let kind = if m.kind == MovementKind::In { "+" } else { "−" };
            let mut line = row![
                text(format!("#{}", m.id)).width(Length::Fixed(80.0)),
                text(format::date_time(lang, m.created_at)).width(Length::Fixed(170.0)),
                text(format!("{kind}{}", format::quantity(lang, m.quantity, &l.unit))).width(Length::Fixed(140.0)),
                text(format!("{} — {}", l.sku, l.product_name)).width(Length::Fill),
                text(&l.employee_name).width(Length::Fixed(180.0)),
                text(&l.username).width(Length::Fixed(120.0)),
            ]
            .spacing(8)
            .align_y(Alignment::Center);
            if can_reverse && l.reversed_by.is_none() && m.reverses_id.is_none() {
                line = line.push(
                    button(text(tr(lang, Text::Reverse)).size(theme::SMALL))
                        .padding([10, 14])
                        .style(button::secondary)
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
