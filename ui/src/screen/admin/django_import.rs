//! The products tab's "move in from the old system": a Django warehouse database
//! (`db.sqlite3`) on a USB stick imported whole, as `ombor import django` does.
//!
//! Pick a file (found on removable media, no typing) → a dry run shows what the file holds and
//! every row that cannot come over → "Import" → a progress bar → the report: what came over,
//! who must enrol their face again, who needs a new password. A file that cannot be read is
//! said in one sentence and nothing is written. The work is the Ledger actor's (`ImportDjango`);
//! this screen never reads the file itself beyond listing it.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use futures::StreamExt;
use iced::widget::{button, column, container, progress_bar, row, scrollable, text};
use iced::{Alignment, Element, Length, Task};
use models::django::{ImportReport, RowNote};
use models::Error;

use crate::i18n::{error_text, tr, trf, Language, Text};
use crate::link::ledger::{ImportDjango, ImportPhase, ImportProgress};
use crate::link::{ask, AuthContext, Handles};
use crate::{format, theme};

/// Rows of problems or notes listed (the rest are counted; `ombor import django --json` has all).
const ROWS_SHOWN: usize = 200;
/// How deep under a search folder a file is looked for (/media/<user>/<stick>/db.sqlite3 is 3).
const SEARCH_DEPTH: usize = 3;
/// At most this many files are offered.
const FILES_SHOWN: usize = 40;
/// A file row's height: a finger hits it (at least theme::MIN_TOUCH).
const ROW_HEIGHT: f32 = 72.0;

/// A Django database found on removable media.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundFile {
    pub path: PathBuf,
    pub bytes: u64,
    pub modified: Option<chrono::NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub enum Message {
    FilesFound(Vec<FoundFile>),
    /// Look again (a stick was just put in).
    Search,
    /// A file was tapped: its dry run starts.
    Pick(PathBuf),
    Progress(ImportProgress),
    /// The dry run's answer.
    Checked(Result<ImportReport, Error>),
    /// "Import" after the dry run.
    Confirm,
    Imported(Result<ImportReport, Error>),
    /// Back to the list of files.
    Back,
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Close,
    /// Something was imported: the product list and the categories are new.
    Imported,
}

enum Stage {
    Pick,
    Running { file: PathBuf, dry_run: bool, progress: Option<ImportProgress>, started: Instant },
    Checked { file: PathBuf, report: Box<ImportReport> },
    Done { file: PathBuf, report: Box<ImportReport>, secs: f64 },
    Failed { file: PathBuf, error: Error },
}

pub struct DjangoImport {
    handles: Handles,
    auth: AuthContext,
    files: Vec<FoundFile>,
    searching: bool,
    stage: Stage,
}

impl DjangoImport {
    pub fn new(handles: Handles, auth: AuthContext) -> (Self, Task<Message>) {
        let mut screen = DjangoImport { handles, auth, files: vec![], searching: false, stage: Stage::Pick };
        let task = screen.search();
        (screen, task)
    }

    /// The folders searched: the configured ones, then data_dir/import.
    fn search_dirs(&self) -> Vec<PathBuf> {
        let config = &self.handles.config;
        let mut dirs: Vec<PathBuf> = config.import.search_dirs.iter().map(PathBuf::from).collect();
        dirs.push(config.data_dir().join("import"));
        dirs
    }

    fn search(&mut self) -> Task<Message> {
        self.searching = true;
        let dirs = self.search_dirs();
        Task::perform(
            async move { tokio::task::spawn_blocking(move || django_files(&dirs)).await.unwrap_or_default() },
            Message::FilesFound,
        )
    }

    /// Is an import (or its dry run) running? Admin mode keeps the tab open meanwhile.
    pub fn busy(&self) -> bool {
        matches!(self.stage, Stage::Running { .. })
    }

    fn run(&mut self, file: PathBuf, dry_run: bool) -> Task<Message> {
        let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
        let location = file.display().to_string();
        self.stage = Stage::Running { file, dry_run, progress: None, started: Instant::now() };
        let (tx, rx) = futures::channel::mpsc::unbounded();
        let answer = async move { ask(ledger, ImportDjango { auth, location, dry_run, progress: tx }).await };
        let answer = futures::stream::once(answer).map(move |r| if dry_run { Message::Checked(r) } else { Message::Imported(r) });
        // The progress reports end when the actor drops their sender, with its answer.
        Task::stream(futures::stream::select(rx.map(Message::Progress), answer))
    }

    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        match message {
            Message::FilesFound(files) => {
                self.searching = false;
                self.files = files;
            }
            Message::Search => {
                if !self.busy() {
                    return (self.search(), None);
                }
            }
            Message::Pick(file) => {
                if !self.busy() {
                    return (self.run(file, true), None);
                }
            }
            Message::Progress(p) => {
                if let Stage::Running { progress, .. } = &mut self.stage {
                    *progress = Some(p);
                }
            }
            Message::Checked(result) => {
                if let Stage::Running { file, dry_run: true, .. } = &self.stage {
                    let file = file.clone();
                    self.stage = match result {
                        Ok(report) => Stage::Checked { file, report: Box::new(report) },
                        Err(error) => Stage::Failed { file, error },
                    };
                }
            }
            Message::Confirm => {
                if let Stage::Checked { file, report } = &self.stage {
                    if !report.is_refused() {
                        let file = file.clone();
                        return (self.run(file, false), None);
                    }
                }
            }
            Message::Imported(result) => {
                if let Stage::Running { file, dry_run: false, started, .. } = &self.stage {
                    let (file, secs) = (file.clone(), started.elapsed().as_secs_f64());
                    match result {
                        Ok(report) => {
                            let written = !report.is_refused();
                            self.stage = Stage::Done { file, report: Box::new(report), secs };
                            return (Task::none(), written.then_some(Event::Imported));
                        }
                        Err(error) => self.stage = Stage::Failed { file, error },
                    }
                }
            }
            Message::Back => {
                if !self.busy() {
                    self.stage = Stage::Pick;
                    return (self.search(), None);
                }
            }
            Message::Close => {
                if !self.busy() {
                    return (Task::none(), Some(Event::Close));
                }
            }
        }
        (Task::none(), None)
    }

    pub fn view(&self, lang: Language) -> Element<'_, Message> {
        let close = small_button(tr(lang, Text::Close), false, (!self.busy()).then_some(Message::Close));
        let title = row![text(tr(lang, Text::DjTitle)).size(theme::BODY).width(Length::Fill), close].spacing(12).align_y(Alignment::Center);
        let body: Element<'_, Message> = match &self.stage {
            Stage::Pick => self.pick_view(lang),
            Stage::Running { file, dry_run, progress, .. } => running_view(lang, file, *dry_run, progress.as_ref()),
            Stage::Checked { file, report } => checked_view(lang, file, report),
            Stage::Done { file, report, secs } => done_view(lang, file, report, *secs),
            Stage::Failed { file, error } => column![
                text(file_name(file)).size(theme::SMALL),
                container(text(error_text(lang, error)).size(theme::BODY)).padding(12).width(Length::Fill).style(container::danger),
                row![small_button(tr(lang, Text::Back), false, Some(Message::Back))],
            ]
            .spacing(12)
            .into(),
        };
        container(column![title, body].spacing(12)).padding(12).height(Length::Fill).style(container::bordered_box).into()
    }

    fn pick_view(&self, lang: Language) -> Element<'_, Message> {
        let dirs: Vec<String> = self.search_dirs().iter().map(|d| d.display().to_string()).collect();
        let dirs = dirs.join(", ");
        let again = small_button(tr(lang, Text::DjSearchAgain), false, (!self.searching).then_some(Message::Search));
        let mut col = column![].spacing(10);
        if self.files.is_empty() {
            let hint = if self.searching { tr(lang, Text::Checking).to_string() } else { trf(lang, Text::DjNoFiles, &[("dirs", &dirs)]) };
            col = col.push(row![text(hint).size(theme::BODY).width(Length::Fill), again].spacing(12).align_y(Alignment::Center));
            return col.into();
        }
        col = col.push(
            row![text(trf(lang, Text::DjFilesIn, &[("dirs", &dirs)])).size(theme::SMALL).width(Length::Fill), again]
                .spacing(12)
                .align_y(Alignment::Center),
        );
        let mut list = column![].spacing(8).padding(iced::Padding::ZERO.right(20));
        for f in &self.files {
            let when = f.modified.map(|m| format::naive_date_time(lang, m)).unwrap_or_default();
            let name = f.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let folder = f.path.parent().map(|d| d.display().to_string()).unwrap_or_default();
            let line = row![
                column![text(name).size(theme::BODY), text(trf(lang, Text::DjFolder, &[("dir", &folder)])).size(theme::SMALL)]
                    .width(Length::FillPortion(5)),
                text(format::megabytes(f.bytes as f64)).size(theme::SMALL).width(Length::FillPortion(1)),
                text(when).size(theme::SMALL).width(Length::FillPortion(2)),
            ]
            .spacing(12)
            .align_y(Alignment::Center);
            list = list.push(
                button(container(line).center_y(Length::Fill))
                    .width(Length::Fill)
                    .height(ROW_HEIGHT)
                    .padding([0, 16])
                    .style(theme::secondary)
                    .on_press(Message::Pick(f.path.clone())),
            );
        }
        col.push(scrollable(list).height(Length::Fill)).into()
    }
}

fn running_view<'a>(lang: Language, file: &'a Path, dry_run: bool, progress: Option<&'a ImportProgress>) -> Element<'a, Message> {
    let what = trf(lang, if dry_run { Text::DjChecking } else { Text::DjImporting }, &[("file", &file_name(file))]);
    let fraction = progress.map(|p| p.fraction).unwrap_or(0.0);
    let step = match progress.map(|p| &p.phase) {
        None => tr(lang, Text::Checking).to_string(),
        Some(ImportPhase::Reading(table)) => trf(lang, Text::DjReading, &[("table", table)]),
        Some(ImportPhase::Writing) => tr(lang, Text::DjWriting).to_string(),
        Some(ImportPhase::Done) => tr(lang, Text::DjFinished).to_string(),
    };
    let percent = format!("{} %", (fraction * 100.0).round() as u32);
    column![
        text(what).size(theme::BODY),
        progress_bar(0.0..=1.0, fraction).girth(36),
        row![text(step).size(theme::SMALL).width(Length::Fill), text(percent).size(theme::BODY)].spacing(12),
    ]
    .spacing(12)
    .into()
}

fn checked_view<'a>(lang: Language, file: &'a Path, report: &'a ImportReport) -> Element<'a, Message> {
    let mut col = column![text(file_name(file)).size(theme::SMALL)].spacing(10);
    let mut list = column![].spacing(6).padding(iced::Padding::ZERO.right(20));
    if report.is_refused() {
        let refused = trf(lang, Text::DjRefused, &[("count", &report.problems.len().to_string())]);
        col = col.push(container(text(refused).size(theme::BODY)).padding(12).width(Length::Fill).style(container::danger));
        list = rows(lang, list, &report.problems);
    } else {
        col = col.push(container(text(summary(lang, report, None)).size(theme::BODY)).padding(12).width(Length::Fill).style(container::success));
        list = list.push(counts(lang, report));
        list = already(lang, list, report);
        if !report.warnings.is_empty() {
            list = list.push(text(tr(lang, Text::DjNotes)).size(theme::BODY));
            list = rows(lang, list, &report.warnings);
        }
        list = people(lang, list, report);
    }
    col = col.push(scrollable(list).height(Length::Fill));
    let mut buttons = row![].spacing(12);
    if !report.is_refused() {
        buttons = buttons.push(
            button(container(text(tr(lang, Text::DjImportNow)).size(theme::BODY)).center_y(Length::Fill))
                .height(theme::TOUCH_TARGET)
                .padding([0, 28])
                .style(theme::primary)
                .on_press(Message::Confirm),
        );
    }
    buttons = buttons.push(small_button(tr(lang, Text::Back), false, Some(Message::Back)));
    col.push(buttons).into()
}

fn done_view<'a>(lang: Language, file: &'a Path, report: &'a ImportReport, secs: f64) -> Element<'a, Message> {
    let mut col = column![text(file_name(file)).size(theme::SMALL)].spacing(10);
    if report.is_refused() {
        // The rows changed between the dry run and the import (the old system still running).
        let refused = trf(lang, Text::DjRefused, &[("count", &report.problems.len().to_string())]);
        col = col.push(container(text(refused).size(theme::BODY)).padding(12).width(Length::Fill).style(container::danger));
        let list = rows(lang, column![].spacing(6), &report.problems);
        return col.push(scrollable(list).height(Length::Fill)).push(small_button(tr(lang, Text::Back), false, Some(Message::Back))).into();
    }
    col = col.push(progress_bar(0.0..=1.0, 1.0).girth(12));
    col = col.push(container(text(summary(lang, report, Some(secs))).size(theme::BODY)).padding(12).width(Length::Fill).style(container::success));
    // Who must enrol again or needs a password first: that is the admin's next work.
    let mut list = people(lang, column![].spacing(6).padding(iced::Padding::ZERO.right(20)), report);
    list = list.push(counts(lang, report));
    list = already(lang, list, report);
    col.push(scrollable(list).height(Length::Fill)).push(small_button(tr(lang, Text::Done), true, Some(Message::Close))).into()
}

/// "It would import …" (a dry run) or "Imported in 2.1 s: …".
fn summary(lang: Language, report: &ImportReport, secs: Option<f64>) -> String {
    let n = |k: &str| report.applied.as_ref().and_then(|a| a.get(k)).and_then(|v| v.as_i64()).unwrap_or(0).to_string();
    let categories = report
        .applied
        .as_ref()
        .map(|a| a.get("categories_created").and_then(|v| v.as_i64()).unwrap_or(0) + a.get("categories_matched").and_then(|v| v.as_i64()).unwrap_or(0))
        .unwrap_or(0)
        .to_string();
    let secs = secs.map(|s| format!("{s:.1}")).unwrap_or_default();
    trf(
        lang,
        if report.dry_run { Text::DjWouldImport } else { Text::DjImported },
        &[
            ("secs", &secs),
            ("categories", &categories),
            ("products", &n("products_created")),
            ("units", &n("units_created")),
            ("employees", &n("employees_created")),
            ("users", &n("users_created")),
            ("movements", &n("movements_imported")),
            ("opening", &n("opening_balances")),
        ],
    )
}

/// What the file holds, table by table.
fn counts(lang: Language, report: &ImportReport) -> Element<'_, Message> {
    let head = |t: Text, portion| text(tr(lang, t)).size(theme::SMALL).width(Length::FillPortion(portion));
    let mut table = column![row![head(Text::DjWhat, 2), head(Text::DjTable, 3), head(Text::DjRows, 1)].spacing(12)].spacing(4);
    for c in &report.counts {
        table = table.push(
            row![
                text(entity_text(lang, &c.what)).size(theme::SMALL).width(Length::FillPortion(2)),
                text(c.table.clone()).size(theme::SMALL).width(Length::FillPortion(3)),
                text(c.rows.to_string()).size(theme::SMALL).width(Length::FillPortion(1)),
            ]
            .spacing(12),
        );
    }
    container(table).padding(10).style(container::bordered_box).into()
}

fn already<'a>(lang: Language, list: iced::widget::Column<'a, Message>, report: &ImportReport) -> iced::widget::Column<'a, Message> {
    if report.already_imported.is_empty() {
        return list;
    }
    let done: Vec<String> = report.already_imported.iter().map(|(k, v)| format!("{}: {v}", entity_text(lang, k))).collect();
    list.push(text(trf(lang, Text::DjAlready, &[("list", &done.join(", "))])).size(theme::SMALL))
}

/// Who must enrol again and who needs a new password.
fn people<'a>(lang: Language, mut list: iced::widget::Column<'a, Message>, report: &ImportReport) -> iced::widget::Column<'a, Message> {
    if !report.must_enrol.is_empty() {
        let names = report.must_enrol.join(", ");
        list = list.push(container(text(trf(lang, Text::DjMustEnrol, &[("names", &names)])).size(theme::SMALL)).padding(10).style(container::warning));
    }
    if !report.must_get_new_password.is_empty() {
        // Names only: the CLI's "(argon2 hash)" detail is English and means nothing at the counter.
        let names = report.must_get_new_password.iter().map(|u| u.username.as_str()).collect::<Vec<_>>().join(", ");
        list = list.push(
            container(text(trf(lang, Text::DjNewPassword, &[("names", &names)])).size(theme::SMALL)).padding(10).style(container::warning),
        );
    }
    list
}

fn rows<'a>(lang: Language, mut list: iced::widget::Column<'a, Message>, notes: &[RowNote]) -> iced::widget::Column<'a, Message> {
    for n in notes.iter().take(ROWS_SHOWN) {
        list = list.push(
            text(trf(lang, Text::DjRow, &[("table", &n.table), ("id", &n.id), ("message", &n.message)])).size(theme::SMALL),
        );
    }
    if notes.len() > ROWS_SHOWN {
        list = list.push(text(trf(lang, Text::DjMoreRows, &[("count", &(notes.len() - ROWS_SHOWN).to_string())])).size(theme::SMALL));
    }
    list
}

/// What a table holds ("products", or "product" in the list of earlier imports), in words.
fn entity_text(lang: Language, what: &str) -> String {
    let key = match what.trim_end_matches('s') {
        "unit" => Text::DjUnits,
        "categorie" | "category" => Text::DjCategories,
        "stock" => Text::DjStock,
        "product" => Text::DjProducts,
        "employee" => Text::DjEmployees,
        "user" => Text::DjUsers,
        "movement" => Text::DjMovements,
        _ => return what.to_string(),
    };
    tr(lang, key).to_string()
}

fn file_name(path: &Path) -> String {
    path.display().to_string()
}

/// A button at least theme::MIN_TOUCH high; `strong` draws it as the primary one.
fn small_button<'a>(label: &str, strong: bool, on_press: Option<Message>) -> Element<'a, Message> {
    button(container(text(label.to_string()).size(theme::SMALL)).center_y(Length::Fill))
        .height(theme::MIN_TOUCH)
        .padding([0, 18])
        .style(if strong { theme::primary } else { theme::secondary })
        .on_press_maybe(on_press)
        .into()
}

/// Django databases (`db.sqlite3`, `*.sqlite3`, `*.sqlite`) in `dirs`, up to 3 folders deep,
/// newest first; unreadable folders are skipped and symbolic links are not followed (a stick
/// can hold a loop).
pub fn django_files(dirs: &[PathBuf]) -> Vec<FoundFile> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<FoundFile>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let path = e.path();
            if kind.is_dir() && depth < SEARCH_DEPTH {
                walk(&path, depth + 1, out);
            } else if kind.is_file() && is_django_file(&path) {
                let meta = e.metadata().ok();
                out.push(FoundFile {
                    bytes: meta.as_ref().map(|m| m.len()).unwrap_or(0),
                    modified: meta
                        .and_then(|m| m.modified().ok())
                        .map(|t: SystemTime| chrono::DateTime::<chrono::Local>::from(t).naive_local()),
                    path,
                });
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        walk(d, 1, &mut out);
    }
    out.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| a.path.cmp(&b.path)));
    out.dedup_by(|a, b| a.path == b.path);
    out.truncate(FILES_SHOWN);
    out
}

fn is_django_file(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    ext == "sqlite3" || ext == "sqlite"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_found_three_folders_deep_and_no_deeper() {
        let root = tempfile::tempdir().unwrap();
        let put = |rel: &str| {
            let p = root.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, b"x").unwrap();
        };
        put("top.sqlite3");
        put("user/STICK/db.sqlite3");
        put("user/STICK/old.SQLITE");
        put("user/STICK/deeper/too-deep.sqlite3");
        put("user/STICK/notes.txt");
        let found: Vec<String> = django_files(&[root.path().to_path_buf()])
            .into_iter()
            .map(|f| f.path.strip_prefix(root.path()).unwrap().display().to_string())
            .collect();
        let mut found = found;
        found.sort();
        assert_eq!(found, ["top.sqlite3", "user/STICK/db.sqlite3", "user/STICK/old.SQLITE"]);
    }
}
