//! Backups tab: the latest runs (of every station), "take one now", and how to restore.
//!
//! A restore replaces the live database, so it stays a deliberate act at the console
//! (`ombor restore FILE`: checksum, a new database, ledger verify, then the switch); the tab says so.

use actors::backup::{BackupNow, ListBackups};
use actors::session::AuthContext;
use actors::Handles;
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Length, Task};
use models::backups::BackupRecord;
use models::Error;

use crate::i18n::{backup_problem_text, backup_run_error_text, error_text, tr, trf, Language, Text};
use crate::{format, theme};

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Vec<BackupRecord>, Error>),
    RunNow,
    Ran(Result<BackupRecord, String>),
}

pub struct Backups {
    handles: Handles,
    auth: AuthContext,
    rows: Vec<BackupRecord>,
    running: bool,
    notice: Option<String>,
    error: Option<String>,
}

impl Backups {
    pub fn new(handles: Handles, auth: AuthContext) -> Self {
        Backups { handles, auth, rows: vec![], running: false, notice: None, error: None }
    }

    pub fn load(&mut self) -> Task<Message> {
        let backup = self.handles.backup.clone();
        Task::perform(
            async move { backup.send(ListBackups).await.unwrap_or_else(|e| Err(Error::Unavailable(e.to_string()))) },
            Message::Loaded,
        )
    }

    pub fn update(&mut self, message: Message, lang: Language) -> Task<Message> {
        match message {
            Message::Loaded(Ok(rows)) => {
                self.rows = rows;
                self.error = None;
                Task::none()
            }
            Message::Loaded(Err(e)) => {
                self.error = Some(error_text(lang, &e));
                Task::none()
            }
            Message::RunNow => {
                if self.running {
                    return Task::none();
                }
                self.running = true;
                self.notice = None;
                let (backup, auth) = (self.handles.backup.clone(), self.auth.clone());
                Task::perform(
                    async move {
                        match backup.send(BackupNow { auth }).await {
                            Ok(r) => r.map_err(|e| backup_run_error_text(lang, &e)),
                            Err(e) => Err(error_text(lang, &Error::Unavailable(e.to_string()))),
                        }
                    },
                    Message::Ran,
                )
            }
            Message::Ran(result) => {
                self.running = false;
                match result {
                    Ok(record) => {
                        self.error = None;
                        self.notice = Some(trf(lang, Text::BackupSaved, &[("file", record.file.as_deref().unwrap_or("-"))]));
                    }
                    Err(reason) => self.error = Some(trf(lang, Text::BackupFailedBanner, &[("reason", &reason)])),
                }
                self.load()
            }
        }
    }

    pub fn view(&self, lang: Language) -> Element<'_, Message> {
        let run = button(text(tr(lang, if self.running { Text::BackupRunning } else { Text::BackupRunNow })).size(theme::BODY))
            .padding([14, 22])
            .on_press_maybe((!self.running).then_some(Message::RunNow));
        let mut page = column![row![run].spacing(12)].spacing(12);
        if let Some(n) = &self.notice {
            page = page.push(container(text(n).size(theme::BODY)).padding(12).style(container::bordered_box));
        }
        if let Some(e) = &self.error {
            page = page.push(container(text(e).size(theme::BODY)).padding(12).style(container::danger));
        }
        let mut list = column![].spacing(6);
        if self.rows.is_empty() {
            list = list.push(text(format!("{}: {}", tr(lang, Text::LastBackup), tr(lang, Text::BackupNone))).size(theme::BODY));
        }
        for r in &self.rows {
            let when = format::date_time(lang, r.finished_at);
            let state = if r.status == "ok" {
                trf(lang, Text::BackupOkAt, &[("when", &when)])
            } else {
                trf(lang, Text::BackupFailedAt, &[("when", &when)])
            };
            let size = r.bytes.map(|b| format!("{:.1} MB", b as f64 / 1_048_576.0)).unwrap_or_default();
            let detail = match (&r.file, r.problem, &r.error) {
                (Some(file), _, _) => file.clone(),
                (None, Some(problem), Some(error)) => {
                    trf(lang, Text::BkWithDetail, &[("problem", backup_problem_text(lang, problem)), ("detail", error)])
                }
                (None, _, error) => error.clone().unwrap_or_default(),
            };
            list = list.push(
                row![
                    text(state).size(theme::BODY).width(Length::FillPortion(3)),
                    text(size).size(theme::BODY).width(Length::FillPortion(1)),
                    text(r.station.clone()).size(theme::BODY).width(Length::FillPortion(1)),
                    text(detail).size(theme::SMALL).width(Length::FillPortion(4)),
                ]
                .spacing(12),
            );
        }
        page = page.push(scrollable(list).height(Length::Fill));
        page = page.push(text(tr(lang, Text::BackupRestoreHint)).size(theme::SMALL));
        page.into()
    }
}

/// One line for the lock screen: the latest run and its result.
pub fn summary(lang: Language, latest: Option<&BackupRecord>) -> String {
    match latest {
        None => tr(lang, Text::BackupNone).to_string(),
        Some(r) => {
            let when = format::date_time(lang, r.finished_at);
            let key = if r.status == "ok" { Text::BackupOkAt } else { Text::BackupFailedAt };
            trf(lang, key, &[("when", &when)])
        }
    }
}
