//! The root of the kiosk: holds the screens, turns keyboard events into Scanner messages and
//! actor events into screen changes. It never runs SQL or OpenCV: it sends messages to actors
//! (always inside `Task::perform`, so the window never waits for them).

use std::time::{Duration, Instant};

use actix::Addr;
use actors::ledger::{self, Ledger, PostRequest, Posted};
use actors::scanner::{self, GarbledReason, Scanner, ScannerEvent};
use actors::session::{self, AuthContext, Session, SessionEvent, Verification};
use actors::system::{ShutdownSignal, SubscribeShutdown};
use actors::Handles;
use futures::channel::mpsc;
use futures::StreamExt;
use iced::keyboard::{self, key::Named, Key};
use iced::widget::{button, column, container, row, space, text};
use iced::{event, Alignment, Element, Event, Length, Subscription, Task, Theme};
use models::permissions::{allowed, Action};
use models::{Error, Product, Role};

use crate::face_link::{FaceLink, FaceUpdate};
use crate::i18n::{error_text, failed_backup_reason, problem_text, role_text, tr, trf, Language, Text};
use crate::link::{ask, mailbox};
use crate::screen::admin::{self, Admin};
use crate::screen::confirm::{self, Confirm};
use crate::screen::face::{self, FaceScreen};
use crate::screen::first_run::{self, FirstRun};
use crate::screen::help::{self, Help};
use crate::screen::lock::Lock;
use crate::screen::login::{self, Login};
use crate::screen::product::{self, Confirmed, Permit, ProductScreen};
use crate::status::{Health, LastScan, Problem, SystemStatus};
use crate::theme::{self, Fit};

/// How often the database is asked whether it is there (and retried when it is not).
const DATABASE_CHECK_EVERY: u32 = 5;
/// Seconds between looks at the backups table (another station may have taken the backup).
const BACKUP_CHECK_EVERY: u32 = 60;

#[derive(Debug, Clone)]
pub enum Message {
    /// A key reached the window (wherever the focus was), stamped on arrival.
    Key(scanner::Key),
    /// A physical Backspace: it edits the login fields, and is never part of a code.
    Erase,
    Scanner(ScannerEvent),
    ShutdownRequested,
    LookedUp {
        code: String,
        asked: Instant,
        result: Result<Option<Product>, Error>,
    },
    Product(product::Message),
    Face(face::Message),
    Confirm(confirm::Message),
    Login(login::Message),
    FirstRun(first_run::Message),
    Admin(admin::Message),
    Help(help::Message),
    FaceUpdate(FaceUpdate),
    Session(SessionEvent),
    SessionState(Option<AuthContext>, Option<Verification>),
    LoggedIn(Result<AuthContext, Error>),
    AdminCreated {
        username: String,
        password: String,
        result: Result<i64, Error>,
    },
    AdminExists(Result<bool, Error>),
    Posted(Result<Posted, Error>),
    DatabaseChecked(Result<(), Error>),
    /// The latest backup runs (of any station), for the lock screen and the failure banner.
    BackupsChecked(Result<Vec<models::backups::BackupRecord>, Error>),
    Tick,
    /// The texts on screen and where (only with `OMBOR_UI_TEXT_MAP`, for the window tests).
    TextMap(Vec<(String, iced::Rectangle)>),
    SetLanguage(Language),
    ToggleTheme,
    OpenLogin,
    OpenAdmin,
    OpenHelp,
    Logout,
    DismissError,
}

impl Message {
    /// A person did something: the session stays alive.
    fn is_interaction(&self) -> bool {
        matches!(
            self,
            Message::Key(_)
                | Message::Erase
                | Message::Product(_)
                | Message::Face(_)
                | Message::Confirm(_)
                | Message::Login(_)
                | Message::FirstRun(_)
                | Message::Admin(_)
                | Message::SetLanguage(_)
                | Message::ToggleTheme
                | Message::OpenLogin
                | Message::OpenAdmin
                | Message::OpenHelp
                | Message::Help(_)
                | Message::DismissError
        )
    }
}

pub enum Screen {
    Lock,
    Product(ProductScreen),
    Face(FaceScreen),
    Confirm(Confirm),
    Login(Login),
    FirstRun(FirstRun),
    Admin(Admin),
    Help(Help),
}

impl Screen {
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Lock => "lock",
            Screen::Product(_) => "product",
            Screen::Face(_) => "face",
            Screen::Confirm(_) => "confirm",
            Screen::Login(_) => "login",
            Screen::FirstRun(_) => "first_run",
            Screen::Admin(_) => "admin",
            Screen::Help(_) => "help",
        }
    }
}

/// One frame at 60 Hz: an update or a view taking longer holds the window up.
const SLOW_UI_WORK: std::time::Duration = std::time::Duration::from_millis(16);

/// The message's kind, for the slow-update warning (never its data: passwords, camera frames).
fn message_kind(message: &Message) -> &'static str {
    match message {
        Message::Key(_) => "key",
        Message::Erase => "erase",
        Message::Scanner(_) => "scanner",
        Message::ShutdownRequested => "shutdown",
        Message::LookedUp { .. } => "looked_up",
        Message::Product(_) => "product",
        Message::Face(_) => "face",
        Message::Confirm(_) => "confirm",
        Message::Login(_) => "login",
        Message::FirstRun(_) => "first_run",
        Message::Admin(_) => "admin",
        Message::Help(_) => "help",
        Message::FaceUpdate(_) => "face_update",
        Message::Session(_) | Message::SessionState(..) => "session",
        Message::LoggedIn(_) => "logged_in",
        Message::AdminCreated { .. } | Message::AdminExists(_) => "first_admin",
        Message::Posted(_) => "posted",
        Message::DatabaseChecked(_) => "database_checked",
        Message::BackupsChecked(_) => "backups_checked",
        Message::Tick => "tick",
        Message::TextMap(_) => "text_map",
        Message::SetLanguage(_) | Message::ToggleTheme => "appearance",
        Message::OpenLogin | Message::OpenAdmin | Message::OpenHelp | Message::Logout | Message::DismissError => "navigation",
    }
}

/// A movement chosen on the product screen, waiting for the face or the ledger.
struct Pending {
    card: ProductScreen,
    kind: models::MovementKind,
    quantity: rust_decimal::Decimal,
}

pub struct Kiosk {
    handles: Handles,
    face: FaceLink,
    pub language: Language,
    theme: Theme,
    pub screen: Screen,
    lock: Lock,
    pub auth: Option<AuthContext>,
    pub verification: Option<Verification>,
    pub status: SystemStatus,
    pending: Option<Pending>,
    /// The product card to return to after logging in from it.
    resume: Option<ProductScreen>,
    /// An error to show once, in the user's language.
    pub error: Option<String>,
    /// Good news to show once (a finished restore), in the user's language.
    pub notice: Option<String>,
    ticks: u32,
    database_check_in_flight: bool,
    /// The newest backup run, once asked (Some(None): there is none yet).
    latest_backup: Option<Option<models::backups::BackupRecord>>,
    /// Milliseconds from the scanned code to the product card, for the log and the figures.
    pub last_scan_to_card_ms: Option<f64>,
    /// `OMBOR_UI_TEXT_MAP`: a file that gets every text on screen with its place, so a test in
    /// the real window can tap what a person sees (a touch screen has no other way in).
    text_map: Option<std::path::PathBuf>,
    last_text_map: Vec<(String, iced::Rectangle)>,
}

impl Kiosk {
    pub fn new(handles: Handles) -> (Self, Task<Message>) {
        let language = Language::from_code(handles.config.general.locale.code());
        let theme = theme::from_config(handles.config.ui.theme);
        let face = FaceLink::new(handles.clone());
        let camera = if face.installed() { Health::Checking } else { Health::Down(Problem::CameraNotInstalled) };
        let kiosk = Kiosk {
            handles,
            face,
            language,
            theme,
            screen: Screen::Lock,
            lock: Lock::new(),
            auth: None,
            verification: None,
            status: SystemStatus { database: Health::Checking, camera, last_backup: None },
            pending: None,
            resume: None,
            error: None,
            notice: None,
            ticks: 0,
            database_check_in_flight: false,
            latest_backup: None,
            last_scan_to_card_ms: None,
            text_map: std::env::var_os("OMBOR_UI_TEXT_MAP").map(std::path::PathBuf::from),
            last_text_map: Vec::new(),
        };
        let boot =
            Task::batch([kiosk.check_database_task(), kiosk.admin_exists_task(), kiosk.session_state_task(), kiosk.check_backups_task()]);
        (kiosk, boot)
    }

    pub fn title(&self) -> String {
        tr(self.language, Text::AppTitle).to_string()
    }

    pub fn theme(&self) -> Theme {
        self.theme.clone()
    }

    fn ledger(&self) -> Addr<Ledger> {
        self.handles.ledger.clone()
    }

    fn session(&self) -> Addr<Session> {
        self.handles.session.clone()
    }

    fn check_database_task(&self) -> Task<Message> {
        let ledger = self.ledger();
        Task::perform(async move { ask(ledger, ledger::Ping).await }, Message::DatabaseChecked)
    }

    /// Expires the face confirmation and checks the database: every tick while it is down.
    fn tick_database(&mut self) -> Task<Message> {
        if self.verification.as_ref().is_some_and(|v| v.remaining().is_zero()) {
            self.verification = None;
        }
        let down = matches!(self.status.database, Health::Down(_));
        if !self.database_check_in_flight && (down || self.ticks % DATABASE_CHECK_EVERY == 0) {
            self.database_check_in_flight = true;
            return self.check_database_task();
        }
        Task::none()
    }

    fn check_backups_task(&self) -> Task<Message> {
        let backup = self.handles.backup.clone();
        Task::perform(async move { ask(backup, actors::backup::ListBackups).await }, Message::BackupsChecked)
    }

    /// The lock screen's backup line, in the current language.
    fn phrase_last_backup(&mut self) {
        self.status.last_backup =
            self.latest_backup.as_ref().map(|latest| crate::screen::admin::backups::summary(self.language, latest.as_ref()));
    }

    fn admin_exists_task(&self) -> Task<Message> {
        let session = self.session();
        Task::perform(async move { ask(session, session::AdminExists).await }, Message::AdminExists)
    }

    fn session_state_task(&self) -> Task<Message> {
        let session = self.session();
        Task::perform(async move { session.send(session::Current).await.unwrap_or((None, None)) }, |(a, v)| Message::SessionState(a, v))
    }

    /// A face confirmation that still holds, if any.
    pub fn valid_verification(&self) -> Option<&Verification> {
        self.verification.as_ref().filter(|v| !v.remaining().is_zero())
    }

    pub fn permit(&self) -> Permit {
        let Some(auth) = &self.auth else { return Permit::NeedLogin };
        if !allowed(auth.role, Action::PostMovement) {
            return Permit::ReadOnly;
        }
        if let Health::Down(why) = &self.status.database {
            return Permit::Blocked(problem_text(self.language, why));
        }
        if self.valid_verification().is_none() {
            if let Health::Down(why) = &self.status.camera {
                return Permit::Blocked(problem_text(self.language, why));
            }
        }
        Permit::Allowed
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        let before = self.screen.name();
        let started = std::time::Instant::now();
        let kind = message_kind(&message);
        let task = self.handle(message);
        let took = started.elapsed();
        if took > SLOW_UI_WORK {
            // Slow work belongs in an actor: this names what held a frame up.
            tracing::warn!(ms = format!("{:.1}", took.as_secs_f64() * 1e3), message = kind, "slow UI update");
        }
        if self.screen.name() != before {
            // The log says what the worker saw, for support and for the window smoke test.
            tracing::info!(screen = self.screen.name(), "screen shown");
        }
        if self.text_map.is_some() && kind != "text_map" {
            return Task::batch([task, map_texts()]);
        }
        task
    }

    /// Writes the texts on screen and their places to the `OMBOR_UI_TEXT_MAP` file, when they
    /// changed: one "x y width height text" line each (window pixels), replaced atomically.
    fn write_text_map(&mut self, texts: Vec<(String, iced::Rectangle)>) {
        let Some(path) = &self.text_map else { return };
        if texts == self.last_text_map {
            return;
        }
        let mut out = format!("screen {}\n", self.screen.name());
        for (t, b) in &texts {
            out.push_str(&format!("{:.0} {:.0} {:.0} {:.0} {}\n", b.x, b.y, b.width, b.height, t.replace('\n', " ")));
        }
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, out).and_then(|_| std::fs::rename(&tmp, path)).is_err() {
            tracing::warn!(path = %path.display(), "cannot write the text map");
        }
        self.last_text_map = texts;
    }

    fn handle(&mut self, message: Message) -> Task<Message> {
        if message.is_interaction() && self.auth.is_some() {
            self.handles.session.do_send(session::Touch);
        }
        match message {
            Message::Key(key) => {
                // Login screens also take a physical keyboard (an admin desk has one); Enter submits.
                let follow_up = match (&key, key.text(), &mut self.screen) {
                    (_, Some(ch), Screen::Login(l)) => {
                        l.typed(ch);
                        None
                    }
                    (_, Some(ch), Screen::FirstRun(f)) => {
                        f.typed(ch);
                        None
                    }
                    (scanner::Key::Enter { .. }, _, Screen::Login(_)) => Some(Message::Login(login::Message::Submit)),
                    _ => None,
                };
                // Typed or not, the Scanner sees every key: a scan is recognised by its speed.
                self.handles.scanner.do_send(key);
                match follow_up {
                    Some(m) => self.handle(m),
                    None => Task::none(),
                }
            }
            Message::Erase => {
                match &mut self.screen {
                    Screen::Login(l) => l.typed('\u{8}'),
                    Screen::FirstRun(f) => f.typed('\u{8}'),
                    _ => {}
                }
                Task::none()
            }
            Message::Scanner(ScannerEvent::Scanned(code)) => self.scanned(code),
            Message::Scanner(ScannerEvent::Garbled(reason)) => {
                self.lock.last_scan = LastScan::Garbled(match reason {
                    GarbledReason::TooShort { .. } => Text::GarbledTooShort,
                    GarbledReason::TooLong { .. } => Text::GarbledTooLong,
                });
                Task::none()
            }
            Message::LookedUp { code, asked, result } => {
                match result {
                    Ok(Some(product)) => {
                        let ms = asked.elapsed().as_secs_f64() * 1000.0;
                        self.last_scan_to_card_ms = Some(ms);
                        tracing::info!(ms = format!("{ms:.1}"), sku = %product.sku, "product card shown");
                        self.lock.last_scan = LastScan::None;
                        self.screen = Screen::Product(ProductScreen::new(product));
                    }
                    Ok(None) => {
                        tracing::info!(code = %code, "unknown code");
                        self.lock.last_scan = LastScan::Unknown(code);
                        self.screen = Screen::Lock;
                    }
                    Err(e) => self.show_error(&e),
                }
                Task::none()
            }
            Message::Product(m) => {
                let Screen::Product(p) = &mut self.screen else { return Task::none() };
                match p.update(m, self.language) {
                    None => Task::none(),
                    Some(product::Event::Close) => {
                        self.screen = Screen::Lock;
                        Task::none()
                    }
                    Some(product::Event::Login) => {
                        if let Screen::Product(p) = std::mem::replace(&mut self.screen, Screen::Login(Login::new())) {
                            self.resume = Some(p);
                        }
                        Task::none()
                    }
                    Some(product::Event::Submit { kind, quantity }) => {
                        let Screen::Product(card) = std::mem::replace(&mut self.screen, Screen::Lock) else { unreachable!() };
                        self.pending = Some(Pending { card, kind, quantity });
                        self.continue_pending()
                    }
                }
            }
            Message::Face(m) => {
                let Screen::Face(f) = &mut self.screen else { return Task::none() };
                match f.update(m) {
                    Some(face::Event::Cancel) => {
                        self.face.cancel();
                        self.screen = match self.pending.take() {
                            Some(p) => Screen::Product(p.card),
                            None => Screen::Lock,
                        };
                    }
                    Some(face::Event::Retry) => {
                        if let Some(auth) = &self.auth {
                            self.face.start_verification(auth);
                        }
                    }
                    None => {}
                }
                Task::none()
            }
            Message::FaceUpdate(update) => self.face_update(update),
            Message::Posted(result) => self.posted(result),
            Message::Confirm(m) => {
                if let Screen::Confirm(c) = &mut self.screen {
                    if let Some(confirm::Event::Done) = c.update(m) {
                        self.screen = Screen::Lock;
                    }
                }
                Task::none()
            }
            Message::OpenLogin => {
                self.screen = Screen::Login(Login::new());
                Task::none()
            }
            Message::Login(m) => {
                let Screen::Login(l) = &mut self.screen else { return Task::none() };
                match l.update(m) {
                    Some(login::Event::Submit { username, password }) => {
                        let session = self.session();
                        Task::perform(async move { ask(session, session::Login { username, password }).await }, Message::LoggedIn)
                    }
                    Some(login::Event::Cancel) => {
                        self.screen = match self.resume.take() {
                            Some(p) => Screen::Product(p),
                            None => Screen::Lock,
                        };
                        Task::none()
                    }
                    None => Task::none(),
                }
            }
            Message::LoggedIn(Ok(auth)) => self.logged_in(auth),
            Message::LoggedIn(Err(e)) => {
                let why = error_text(self.language, &e);
                match &mut self.screen {
                    Screen::Login(l) => l.failed(why),
                    Screen::FirstRun(f) => f.failed(why),
                    _ => self.error = Some(why),
                }
                Task::none()
            }
            Message::FirstRun(m) => {
                let Screen::FirstRun(f) = &mut self.screen else { return Task::none() };
                match f.update(m, self.language) {
                    Some(first_run::Event::Create { username, password }) => {
                        let session = self.session();
                        Task::perform(
                            async move {
                                let result = ask(
                                    session,
                                    session::CreateUser {
                                        auth: None,
                                        username: username.clone(),
                                        password: password.clone(),
                                        role: Role::Admin,
                                    },
                                )
                                .await;
                                (username, password, result)
                            },
                            |(username, password, result)| Message::AdminCreated { username, password, result },
                        )
                    }
                    None => Task::none(),
                }
            }
            Message::AdminCreated { username, password, result } => match result {
                Ok(_) => {
                    tracing::info!("first admin created from the kiosk");
                    let session = self.session();
                    Task::perform(async move { ask(session, session::Login { username, password }).await }, Message::LoggedIn)
                }
                Err(e) => {
                    if let Screen::FirstRun(f) = &mut self.screen {
                        f.failed(error_text(self.language, &e));
                    }
                    Task::none()
                }
            },
            Message::AdminExists(Ok(false)) => {
                self.screen = Screen::FirstRun(FirstRun::new());
                Task::none()
            }
            Message::AdminExists(_) => Task::none(),
            Message::Session(SessionEvent::LoggedOut(reason)) => {
                tracing::info!(?reason, "session ended: back to the lock screen");
                self.logged_out();
                Task::none()
            }
            Message::Session(SessionEvent::LoggedIn(auth)) => {
                self.auth = Some(auth);
                Task::none()
            }
            Message::Session(SessionEvent::VerificationExpired) => {
                self.verification = None;
                Task::none()
            }
            Message::SessionState(auth, verification) => {
                if self.auth.is_none() {
                    self.auth = auth;
                }
                if verification.is_some() {
                    self.verification = verification;
                }
                Task::none()
            }
            Message::Logout => {
                self.handles.session.do_send(session::Logout);
                self.logged_out();
                Task::none()
            }
            Message::OpenAdmin => {
                let Some(auth) = self.auth.clone() else { return Task::none() };
                let (admin, task) = Admin::new(self.handles.clone(), auth);
                self.screen = Screen::Admin(admin);
                task.map(Message::Admin)
            }
            Message::Admin(m) => {
                let Screen::Admin(a) = &mut self.screen else {
                    // A restore's answer can come after admin mode closed (the session timed out
                    // during a long restore, or "back to the kiosk" was tapped): still say it.
                    return match m {
                        admin::Message::Backups(admin::backups::Message::Restored(Ok(notice))) => self.restored(notice),
                        admin::Message::Backups(admin::backups::Message::Restored(Err(why))) => {
                            self.error = Some(why);
                            Task::none()
                        }
                        _ => Task::none(),
                    };
                };
                let (task, event) = a.update(m, self.language);
                match event {
                    Some(admin::Event::Close) => self.screen = Screen::Lock,
                    Some(admin::Event::Restored(notice)) => return self.restored(notice),
                    None => {}
                }
                task.map(Message::Admin)
            }
            Message::OpenHelp => {
                self.screen = Screen::Help(Help::new());
                Task::none()
            }
            Message::Help(m) => {
                if let Screen::Help(h) = &mut self.screen {
                    if let Some(help::Event::Close) = h.update(m) {
                        self.screen = Screen::Lock;
                    }
                }
                Task::none()
            }
            Message::DatabaseChecked(result) => {
                self.database_check_in_flight = false;
                match result {
                    Ok(()) => {
                        if self.status.database != Health::Ok {
                            tracing::info!("database reachable");
                        }
                        self.status.database = Health::Ok;
                    }
                    Err(e) => {
                        if !matches!(self.status.database, Health::Down(_)) {
                            tracing::warn!(error = %e, "database unreachable; retrying");
                        }
                        self.status.database = Health::Down(Problem::Database(e));
                    }
                }
                Task::none()
            }
            Message::BackupsChecked(result) => {
                if let Ok(rows) = result {
                    self.latest_backup = Some(rows.into_iter().next());
                    self.phrase_last_backup();
                }
                Task::none()
            }
            Message::Tick => {
                self.ticks = self.ticks.wrapping_add(1);
                if self.ticks % BACKUP_CHECK_EVERY == 0 && !matches!(self.status.database, Health::Down(_)) {
                    return Task::batch([self.check_backups_task(), self.tick_database()]);
                }
                self.tick_database()
            }
            Message::SetLanguage(lang) => {
                self.language = lang;
                self.phrase_last_backup();
                Task::none()
            }
            Message::ToggleTheme => {
                self.theme = if theme::is_dark(&self.theme) { theme::light() } else { theme::dark() };
                Task::none()
            }
            Message::DismissError => {
                self.error = None;
                self.notice = None;
                Task::none()
            }
            Message::TextMap(texts) => {
                self.write_text_map(texts);
                Task::none()
            }
            Message::ShutdownRequested => iced::exit(),
        }
    }

    fn scanned(&mut self, code: String) -> Task<Message> {
        // While a password is typed or a face is checked, a stray scan changes nothing.
        if matches!(self.screen, Screen::Login(_) | Screen::FirstRun(_) | Screen::Face(_) | Screen::Admin(_)) {
            return Task::none();
        }
        if self.auth.is_some() {
            self.handles.session.do_send(session::Touch);
        }
        let (ledger, asked) = (self.ledger(), Instant::now());
        Task::perform(
            async move { ledger.send(ledger::Lookup(code.clone())).await.map_err(mailbox).and_then(|r| r).map(|p| (code, p)) },
            move |r| match r {
                Ok((code, p)) => Message::LookedUp { code, asked, result: Ok(p) },
                Err(e) => Message::LookedUp { code: String::new(), asked, result: Err(e) },
            },
        )
    }

    /// After IN/OUT and a quantity: post now if a face confirmation holds, else ask for a face.
    fn continue_pending(&mut self) -> Task<Message> {
        let Some(pending) = &self.pending else { return Task::none() };
        let Some(auth) = self.auth.clone() else {
            let p = self.pending.take().unwrap();
            self.screen = Screen::Login(Login::new());
            self.resume = Some(p.card);
            return Task::none();
        };
        if let Some(v) = self.valid_verification().cloned() {
            let request = PostRequest {
                product_id: pending.card.product.id,
                kind: pending.kind,
                quantity: pending.quantity,
                employee_id: v.employee_id,
                verification_id: v.verification_id,
                note: None,
            };
            let ledger = self.ledger();
            return Task::perform(async move { ask(ledger, ledger::Post { auth, request }).await }, Message::Posted);
        }
        let p = &pending.card.product;
        if let Health::Down(why) = &self.status.camera {
            let why = trf(self.language, Text::MovementsBlocked, &[("reason", &problem_text(self.language, why))]);
            let mut pending = self.pending.take().unwrap();
            pending.card.refused(pending.kind, why);
            self.screen = Screen::Product(pending.card);
            return Task::none();
        }
        self.screen = Screen::Face(FaceScreen::new(p.name.clone(), p.unit.clone(), pending.kind, pending.quantity));
        self.face.start_verification(&auth);
        Task::none()
    }

    fn face_update(&mut self, update: FaceUpdate) -> Task<Message> {
        match &update {
            FaceUpdate::CameraConnected { .. } | FaceUpdate::Frame(_) => self.status.camera = Health::Ok,
            FaceUpdate::CameraUnavailable(why) => {
                self.status.camera = Health::Down(Problem::Camera(why.clone()));
            }
            _ => {}
        }
        let mut admin_task = Task::none();
        match &mut self.screen {
            Screen::Face(f) => f.apply(&update, self.language),
            Screen::Admin(a) => admin_task = a.face_update(&update, self.language).map(Message::Admin),
            _ => {}
        }
        if let FaceUpdate::Verified(v) = update {
            tracing::info!(employee = v.employee_id, "face confirmed");
            self.handles.session.do_send(session::FaceVerified(v.clone()));
            self.verification = Some(v);
            if matches!(self.screen, Screen::Face(_)) {
                return self.continue_pending();
            }
        }
        admin_task
    }

    fn posted(&mut self, result: Result<Posted, Error>) -> Task<Message> {
        let Some(mut pending) = self.pending.take() else { return Task::none() };
        match result {
            Ok(posted) => {
                tracing::info!(movement = posted.movement.id, "movement saved");
                let employee_name = self.verification.as_ref().map(|v| v.employee_name.clone()).unwrap_or_default();
                self.screen = Screen::Confirm(Confirm { movement: posted.movement, product: posted.product, employee_name });
                Task::none()
            }
            Err(Error::InsufficientStock { available }) => {
                pending.card.product.stock = available;
                let why = product::not_enough(self.language, &pending.card.product, available);
                pending.card.refused(pending.kind, why);
                self.screen = Screen::Product(pending.card);
                Task::none()
            }
            Err(Error::NoFaceVerification) => {
                // The confirmation ran out between the card and the save: ask for the face again.
                self.verification = None;
                self.pending = Some(pending);
                self.continue_pending()
            }
            Err(Error::SessionEnded) => {
                self.auth = None;
                self.resume = Some(pending.card);
                self.screen = Screen::Login(Login::new());
                Task::none()
            }
            Err(e) => {
                pending.card.refused(pending.kind, error_text(self.language, &e));
                self.screen = Screen::Product(pending.card);
                Task::none()
            }
        }
    }

    /// After a login: back to the product card it was asked from, else admin mode for an
    /// administrator or viewer, else the lock screen (an operator works from scans).
    fn logged_in(&mut self, auth: AuthContext) -> Task<Message> {
        tracing::info!(role = auth.role.as_str(), "logged in on the kiosk");
        let role = auth.role;
        self.auth = Some(auth.clone());
        self.notice = None;
        match self.resume.take() {
            Some(p) => {
                self.screen = Screen::Product(p);
                Task::none()
            }
            None if role == Role::Admin || role == Role::Viewer => {
                let (admin, task) = Admin::new(self.handles.clone(), auth);
                self.screen = Screen::Admin(admin);
                task.map(Message::Admin)
            }
            None => {
                self.screen = Screen::Lock;
                Task::none()
            }
        }
    }

    /// A backup replaced the live database: the session and every screen's data belonged to the
    /// replaced one, so log out, say what happened, and read the backup state again.
    fn restored(&mut self, notice: String) -> Task<Message> {
        self.handles.session.do_send(session::Logout);
        self.logged_out();
        self.notice = Some(notice);
        self.latest_backup = None;
        self.check_backups_task()
    }

    fn logged_out(&mut self) {
        self.auth = None;
        // The database takes a face confirmation only in the session that saw the face.
        self.verification = None;
        self.pending = None;
        self.resume = None;
        self.face.cancel();
        self.screen = Screen::Lock;
    }

    fn show_error(&mut self, e: &Error) {
        tracing::warn!(error = %e, "actor error shown");
        self.error = Some(error_text(self.language, e));
    }

    pub fn view(&self) -> Element<'_, Message> {
        let started = std::time::Instant::now();
        let element = self.draw();
        let took = started.elapsed();
        if took > SLOW_UI_WORK {
            tracing::warn!(ms = format!("{:.1}", took.as_secs_f64() * 1e3), screen = self.screen.name(), "slow UI view");
        }
        element
    }

    fn draw(&self) -> Element<'_, Message> {
        // Every screen is laid out for the window it is in (1024×768 up to a portrait 1080×1920).
        iced::widget::responsive(move |size| self.draw_at(Fit::new(size))).into()
    }

    fn draw_at(&self, fit: Fit) -> Element<'_, Message> {
        let lang = self.language;
        let body: Element<'_, Message> = match &self.screen {
            Screen::Lock => self.lock.view(lang, &fit, &self.status, Message::OpenHelp),
            Screen::Product(p) => {
                let confirmed =
                    self.valid_verification().map(|v| Confirmed { employee_name: v.employee_name.clone(), left: v.remaining() });
                p.view(lang, &fit, &self.permit(), confirmed.as_ref()).map(Message::Product)
            }
            Screen::Face(f) => f.view(lang, &fit).map(Message::Face),
            Screen::Confirm(c) => c.view(lang, &fit).map(Message::Confirm),
            Screen::Login(l) => l.view(lang, &fit).map(Message::Login),
            Screen::FirstRun(f) => f.view(lang, &fit).map(Message::FirstRun),
            Screen::Admin(a) => a.view(lang, &fit).map(Message::Admin),
            Screen::Help(h) => h.view(lang, &fit).map(Message::Help),
        };
        let mut page = column![self.header(&fit)].spacing(fit.spacing());
        if let Health::Down(why) = &self.status.database {
            page = page.push(banner(trf(lang, Text::DatabaseDown, &[("reason", &problem_text(lang, why))]), container::danger));
        }
        if let Some(Some(failed)) = self.latest_backup.as_ref().map(|b| b.as_ref().filter(|r| !r.is_ok())) {
            let reason = failed_backup_reason(lang, failed);
            page = page.push(banner(trf(lang, Text::BackupFailedBanner, &[("reason", &reason)]), container::warning));
        }
        if let (Health::Down(why), Screen::Product(_) | Screen::Lock) = (&self.status.camera, &self.screen) {
            if self.auth.as_ref().is_some_and(|a| allowed(a.role, Action::PostMovement)) && self.valid_verification().is_none() {
                page = page.push(banner(trf(lang, Text::CameraBanner, &[("reason", &problem_text(lang, why))]), container::warning));
            }
        }
        for (said, style) in [(&self.notice, container::success as fn(&Theme) -> container::Style), (&self.error, container::danger)] {
            if let Some(said) = said {
                page = page.push(
                    container(
                        row![
                            text(said).size(theme::BODY).width(Length::Fill),
                            button(text(tr(lang, Text::Close)).size(theme::SMALL))
                                .on_press(Message::DismissError)
                                .padding([12, 20])
                                .style(theme::secondary)
                        ]
                        .align_y(Alignment::Center),
                    )
                    .padding([8, 16])
                    .style(style),
                );
            }
        }
        container(page.push(body)).padding(fit.padding()).width(Length::Fill).height(Length::Fill).into()
    }

    fn header(&self, fit: &Fit) -> Element<'_, Message> {
        let lang = self.language;
        let compact = fit.compact();
        let title = text(tr(lang, Text::AppTitle)).size(if compact { 24.0 } else { theme::TITLE });
        let station = text(format!("{}: {}", tr(lang, Text::Station), self.handles.config.general.station)).size(14.0);
        let mut bar = row![column![title, station], space::horizontal()].spacing(if compact { 8 } else { 14 }).align_y(Alignment::Center);
        let busy = matches!(self.screen, Screen::Login(_) | Screen::FirstRun(_));
        match &self.auth {
            Some(a) => {
                bar = bar.push(text(format!("{} · {}", a.username, tr(lang, role_text(a.role)))).size(theme::SMALL));
                if !matches!(self.screen, Screen::Admin(_)) && admin::has_any_screen(a.role) {
                    bar = bar.push(small_button(tr(lang, Text::AdminMode), Message::OpenAdmin));
                }
                bar = bar.push(session_button("⇦", tr(lang, Text::LogOut), Message::Logout));
            }
            None if !busy => bar = bar.push(session_button("⇨", tr(lang, Text::LogIn), Message::OpenLogin)),
            None => {}
        }
        let mut languages = row![].spacing(4);
        for l in Language::ALL {
            let b = button(container(text(l.short_name()).size(theme::SMALL)).center(Length::Fill))
                .width(52)
                .height(theme::MIN_TOUCH)
                .padding(0)
                .on_press(Message::SetLanguage(l));
            languages = languages.push(if l == lang { b.style(theme::chosen_on_header) } else { b.style(theme::secondary) });
        }
        bar = bar.push(languages);
        let theme_label = if theme::is_dark(&self.theme) { tr(lang, Text::LightTheme) } else { tr(lang, Text::DarkTheme) };
        bar = bar.push(small_button(theme_label, Message::ToggleTheme));
        container(bar).padding([6, 12]).style(theme::header_bar).into()
    }

    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            event::listen_with(keyboard_to_scanner),
            Subscription::run_with(self.handles.scanner.clone(), scanner_events),
            Subscription::run_with(self.handles.session.clone(), session_events),
            Subscription::run_with(self.handles.shutdown.clone(), shutdown_events),
            self.face.subscription().map(Message::FaceUpdate),
            iced::time::every(Duration::from_secs(1)).map(|_| Message::Tick),
        ])
    }
}

fn small_button(label: &str, message: Message) -> Element<'_, Message> {
    button(container(text(label).size(theme::SMALL)).center_y(Length::Fill))
        .height(theme::MIN_TOUCH)
        .padding([0, 14])
        .on_press(message)
        .style(theme::secondary)
        .into()
}

/// Log in / log out: a sideways arrow and the words, never like the IN/OUT movement buttons
/// (those are big, coloured and point down and up).
fn session_button<'a>(icon: &'a str, label: &'a str, message: Message) -> Element<'a, Message> {
    button(row![text(icon).size(theme::BODY), text(label).size(theme::SMALL)].spacing(8).align_y(Alignment::Center).height(Length::Fill))
        .height(theme::MIN_TOUCH)
        .padding([0, 14])
        .on_press(message)
        .style(theme::secondary)
        .into()
}

fn banner<'a>(line: String, style: fn(&Theme) -> container::Style) -> Element<'a, Message> {
    container(text(line).size(theme::BODY)).padding([10, 16]).width(Length::Fill).style(style).into()
}

/// Every key press goes to the Scanner actor, captured by a widget or not: the scanner is a
/// keyboard, and focus must never decide whether a scan arrives.
fn keyboard_to_scanner(event: Event, _status: event::Status, _window: iced::window::Id) -> Option<Message> {
    let Event::Keyboard(keyboard::Event::KeyPressed { key, physical_key, modifiers, text, .. }) = event else { return None };
    let at = Instant::now();
    match key {
        Key::Named(Named::Enter) => Some(Message::Key(scanner::Key::Enter { at })),
        Key::Named(Named::Tab) => Some(Message::Key(scanner::Key::Tab { at })),
        // Its text is a control character the login fields would drop, or none at all.
        Key::Named(Named::Backspace) => Some(Message::Erase),
        // Shift, Caps Lock, Alt... alone: their effect arrives with the next key's modifiers.
        Key::Named(_) if text.is_none() && !modifiers.control() && !modifiers.alt() => None,
        _ => {
            let text = text.and_then(|t| {
                let mut chars = t.chars();
                let c = chars.next()?;
                chars.next().is_none().then_some(c)
            });
            // The physical key's W3C name ("KeyQ", "Minus"): the Scanner reads codes from it.
            let code = match physical_key {
                keyboard::key::Physical::Code(code) => Some(format!("{code:?}")),
                keyboard::key::Physical::Unidentified(_) => None,
            };
            if text.is_none() && code.is_none() {
                return None;
            }
            let modifiers = scanner::Modifiers { shift: modifiers.shift(), ctrl: modifiers.control(), alt: modifiers.alt() };
            Some(Message::Key(scanner::Key::Press { code, text, modifiers, at }))
        }
    }
}

/// Every text visible in the window, with its place.
fn map_texts() -> Task<Message> {
    use iced::widget::selector::{find_all, Candidate};
    find_all(|c: Candidate<'_>| match c {
        Candidate::Text { content, visible_bounds: Some(b), .. } if !content.trim().is_empty() => Some((content.to_string(), b)),
        // A text field: its value, or its placeholder while empty.
        Candidate::TextInput { state, visible_bounds: Some(b), .. } => Some((format!("[input] {}", state.text()), b)),
        _ => None,
    })
    .map(Message::TextMap)
}

fn scanner_events(addr: &Addr<Scanner>) -> impl futures::Stream<Item = Message> + use<> {
    let addr = addr.clone();
    iced::stream::channel(16, async move |mut output| {
        let (tx, mut rx) = mpsc::channel(16);
        addr.do_send(scanner::Subscribe(tx));
        while let Some(event) = rx.next().await {
            let _ = futures::SinkExt::send(&mut output, Message::Scanner(event)).await;
        }
    })
}

fn session_events(addr: &Addr<Session>) -> impl futures::Stream<Item = Message> + use<> {
    let addr = addr.clone();
    iced::stream::channel(16, async move |mut output| {
        let (tx, mut rx) = mpsc::channel(16);
        addr.do_send(session::Subscribe(tx));
        while let Some(event) = rx.next().await {
            let _ = futures::SinkExt::send(&mut output, Message::Session(event)).await;
        }
    })
}

fn shutdown_events(addr: &Addr<ShutdownSignal>) -> impl futures::Stream<Item = Message> + use<> {
    let addr = addr.clone();
    iced::stream::channel(1, async move |mut output| {
        let (tx, mut rx) = mpsc::channel(1);
        addr.do_send(SubscribeShutdown(tx));
        if rx.next().await.is_some() {
            let _ = futures::SinkExt::send(&mut output, Message::ShutdownRequested).await;
        }
    })
}
