//! Backups tab: the latest runs (of every station), "take one now", and the dumps in the backup
//! folder, each restorable after a confirmation that says what a restore replaces.
//!
//! The restore itself is the Backup actor's (checksum, a new database, ledger verify, then the
//! switch; the live database is kept as a dated copy). Afterwards the kiosk logs out: every
//! screen's data and the session belong to the replaced database.

use crate::link::backup::{BackupNow, ListBackupFiles, ListBackups, RestoreBackup};
use crate::link::AuthContext;
use crate::link::Handles;
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Length, Task};
use models::backups::{BackupFile, BackupRecord, ChecksumState};
use models::Error;

use crate::i18n::{backup_problem_text, backup_run_error_text, error_text, tr, trf, Language, Text};
use crate::link::{ask, mailbox};
use crate::{format, theme};

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Vec<BackupRecord>, Error>),
    FilesLoaded(Vec<BackupFile>),
    RunNow,
    Ran(Result<BackupRecord, String>),
    /// "Restore" on a file: asks first.
    AskRestore(String),
    CancelRestore,
    ConfirmRestore,
    /// The restore's outcome, already worded: a notice, or why not.
    Restored(Result<String, String>),
}

/// What the admin screen does after this tab's work.
pub enum Event {
    /// The live database was replaced: log out and say this.
    Restored(String),
}

pub struct Backups {
    handles: Handles,
    auth: AuthContext,
    rows: Vec<BackupRecord>,
    files: Vec<BackupFile>,
    running: bool,
    /// The file a restore waits to be confirmed for.
    confirming: Option<String>,
    restoring: bool,
    notice: Option<String>,
    error: Option<String>,
}

impl Backups {
    pub fn new(handles: Handles, auth: AuthContext) -> Self {
        Backups {
            handles,
            auth,
            rows: vec![],
            files: vec![],
            running: false,
            confirming: None,
            restoring: false,
            notice: None,
            error: None,
        }
    }

    pub fn load(&mut self) -> Task<Message> {
        let backup = self.handles.backup.clone();
        let runs = Task::perform(async move { ask(backup, ListBackups).await }, Message::Loaded);
        let backup = self.handles.backup.clone();
        let files = Task::perform(async move { backup.send(ListBackupFiles).await.unwrap_or_default() }, Message::FilesLoaded);
        Task::batch([runs, files])
    }

    pub fn update(&mut self, message: Message, lang: Language) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Restored(Ok(notice)) => {
                self.restoring = false;
                (Task::none(), Some(Event::Restored(notice)))
            }
            m => (self.handle(m, lang), None),
        }
    }

    fn handle(&mut self, message: Message, lang: Language) -> Task<Message> {
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
            Message::FilesLoaded(files) => {
                self.files = files;
                Task::none()
            }
            Message::AskRestore(file) => {
                if !self.restoring {
                    self.confirming = Some(file);
                    self.notice = None;
                }
                Task::none()
            }
            Message::CancelRestore => {
                self.confirming = None;
                Task::none()
            }
            Message::ConfirmRestore => {
                let Some(file) = self.confirming.take() else { return Task::none() };
                if self.restoring || self.running {
                    return Task::none();
                }
                self.restoring = true;
                self.error = None;
                let (backup, auth) = (self.handles.backup.clone(), self.auth.clone());
                Task::perform(
                    async move {
                        match backup.send(RestoreBackup { auth, file }).await {
                            Ok(Ok(report)) => Ok(trf(
                                lang,
                                Text::RestoreDone,
                                &[
                                    ("file", &report.file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()),
                                    ("kept", &report.previous_kept_as),
                                ],
                            )),
                            Ok(Err(e)) => Err(trf(lang, Text::RestoreFailedBanner, &[("reason", &backup_run_error_text(lang, &e))])),
                            Err(e) => Err(error_text(lang, &mailbox(e))),
                        }
                    },
                    Message::Restored,
                )
            }
            Message::Restored(Err(why)) => {
                self.restoring = false;
                self.error = Some(why);
                self.load()
            }
            Message::Restored(Ok(_)) => Task::none(),
            Message::RunNow => {
                if self.running || self.restoring {
                    return Task::none();
                }
                self.running = true;
                self.notice = None;
                let (backup, auth) = (self.handles.backup.clone(), self.auth.clone());
                Task::perform(
                    async move {
                        match backup.send(BackupNow { auth }).await {
                            Ok(r) => r.map_err(|e| backup_run_error_text(lang, &e)),
                            Err(e) => Err(error_text(lang, &mailbox(e))),
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
        let idle = !self.running && !self.restoring;
        let run = button(text(tr(lang, if self.running { Text::BackupRunning } else { Text::BackupRunNow })).size(theme::BODY))
            .padding([14, 22])
            .on_press_maybe(idle.then_some(Message::RunNow));
        let mut page = column![row![run].spacing(12)].spacing(12);
        if let Some(n) = &self.notice {
            page = page.push(container(text(n).size(theme::BODY)).padding(12).style(container::bordered_box));
        }
        if let Some(e) = &self.error {
            page = page.push(container(text(e).size(theme::BODY)).padding(12).style(container::danger));
        }
        if self.restoring {
            page = page.push(container(text(tr(lang, Text::Restoring)).size(theme::BODY)).padding(12).style(container::warning));
        }
        if let Some(file) = &self.confirming {
            let when = self.files.iter().find(|f| &f.file == file).map(|f| format::naive_date_time(lang, f.taken_at)).unwrap_or_default();
            page = page.push(
                container(
                    column![
                        text(trf(lang, Text::RestoreConfirm, &[("when", &when), ("file", file)])).size(theme::BODY),
                        row![
                            button(text(tr(lang, Text::RestoreYes)).size(theme::BODY))
                                .padding([14, 22])
                                .style(theme::danger)
                                .on_press(Message::ConfirmRestore),
                            button(text(tr(lang, Text::Cancel)).size(theme::BODY))
                                .padding([14, 22])
                                .style(theme::secondary)
                                .on_press(Message::CancelRestore),
                        ]
                        .spacing(12),
                    ]
                    .spacing(12),
                )
                .padding(16)
                .style(container::bordered_box),
            );
        }
        let mut files = column![text(tr(lang, Text::BackupFiles)).size(theme::BODY)].spacing(6);
        for f in self.files.iter().take(FILES_SHOWN) {
            let damaged = matches!(f.checksum, ChecksumState::Missing | ChecksumState::Mismatch);
            let state = if damaged { tr(lang, Text::BkDamagedFile).to_string() } else { f.file.clone() };
            files = files.push(
                row![
                    text(format::naive_date_time(lang, f.taken_at)).size(theme::BODY).width(Length::FillPortion(3)),
                    text(format::megabytes(f.bytes as f64)).size(theme::BODY).width(Length::FillPortion(1)),
                    text(state).size(theme::SMALL).width(Length::FillPortion(3)),
                    button(text(tr(lang, Text::Restore)).size(theme::BODY))
                        .padding([12, 20])
                        .style(theme::secondary)
                        .on_press_maybe((idle && !damaged).then(|| Message::AskRestore(f.file.clone()))),
                ]
                .spacing(12)
                .align_y(iced::Alignment::Center),
            );
        }
        if self.files.is_empty() {
            files = files.push(text(tr(lang, Text::BackupNone)).size(theme::SMALL));
        }
        let mut list = column![text(tr(lang, Text::BackupRuns)).size(theme::BODY)].spacing(6);
        if self.rows.is_empty() {
            list = list.push(text(format!("{}: {}", tr(lang, Text::LastBackup), tr(lang, Text::BackupNone))).size(theme::BODY));
        }
        for r in &self.rows {
            let when = format::date_time(lang, r.finished_at);
            let state = if r.is_ok() {
                trf(lang, Text::BackupOkAt, &[("when", &when)])
            } else {
                trf(lang, Text::BackupFailedAt, &[("when", &when)])
            };
            let size = r.bytes.map(|b| format::megabytes(b as f64)).unwrap_or_default();
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
        // Room on the right for the scroll bar, which would cover the Restore buttons.
        page = page.push(scrollable(column![files, list].spacing(20).padding(iced::Padding::ZERO.right(20))).height(Length::Fill));
        page = page.push(text(tr(lang, Text::BackupRestoreHint)).size(theme::SMALL));
        page.into()
    }
}

/// Newest dumps offered for a restore (older ones: `ombor restore FILE` at the console).
const FILES_SHOWN: usize = 30;

/// One line for the lock screen: the latest run and its result.
pub fn summary(lang: Language, latest: Option<&BackupRecord>) -> String {
    match latest {
        None => tr(lang, Text::BackupNone).to_string(),
        Some(r) => {
            let when = format::date_time(lang, r.finished_at);
            let key = if r.is_ok() { Text::BackupOkAt } else { Text::BackupFailedAt };
            trf(lang, key, &[("when", &when)])
        }
    }
}
