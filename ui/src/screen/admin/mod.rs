//! Admin mode behind login: one tab per task, shown only when the role may use it (Viewer:
//! read only; Operator: the kiosk and their own history; Admin: all). The actors refuse anyway.

pub mod backups;
pub mod django_import;
pub mod people;
pub mod products;
pub mod reports;
mod stock_list;

use crate::link::AuthContext;
use crate::link::Handles;
use iced::widget::{button, column, container, row, space, text};
use iced::{Element, Length, Task};
use models::permissions::{allowed, Action};
use models::Role;

use crate::i18n::{tr, Language, Text};
use crate::theme::{self, Fit};
use crate::widget::keyboard::{KeyboardKey, Keys};
use crate::widget::keypad::{self, KeypadKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Products,
    Reports,
    Users,
    Employees,
    Backups,
}

impl Tab {
    const ALL: [Tab; 5] = [Tab::Products, Tab::Reports, Tab::Users, Tab::Employees, Tab::Backups];

    /// The action a role needs to see this tab.
    fn needs(self, role: Role) -> bool {
        match self {
            Tab::Products => allowed(role, Action::ViewStock),
            // Operators see their own history here; everyone else the reports.
            Tab::Reports => allowed(role, Action::ViewReports) || allowed(role, Action::ViewOwnHistory),
            Tab::Users => allowed(role, Action::ManageUsers),
            Tab::Employees => allowed(role, Action::ManageEmployees),
            Tab::Backups => allowed(role, Action::Backup),
        }
    }

    fn label(self) -> Text {
        match self {
            Tab::Products => Text::TabProducts,
            Tab::Reports => Text::TabReports,
            Tab::Users => Text::TabUsers,
            Tab::Employees => Text::TabEmployees,
            Tab::Backups => Text::TabBackups,
        }
    }
}

/// The tabs this role may open.
pub fn tabs_for(role: Role) -> Vec<Tab> {
    Tab::ALL.into_iter().filter(|t| t.needs(role)).collect()
}

pub fn has_any_screen(role: Role) -> bool {
    !tabs_for(role).is_empty()
}

/// A text field of a tab that the on-screen keyboard types into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Products(products::Field),
    People(people::Field),
    Reports(reports::Field),
}

#[derive(Debug, Clone)]
pub enum Message {
    Open(Tab),
    Close,
    /// A key of the on-screen keyboard (into the field last tapped).
    Keyboard(KeyboardKey),
    /// A key of the numeric pad (a number field).
    Keypad(KeypadKey),
    Products(products::Message),
    Reports(reports::Message),
    People(people::Message),
    Backups(backups::Message),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Close,
    /// A backup replaced the live database: the kiosk logs out and shows this notice.
    Restored(String),
}

pub struct Admin {
    pub auth: AuthContext,
    pub tab: Tab,
    products: products::Products,
    reports: reports::Reports,
    people: people::People,
    backups: backups::Backups,
    /// The field the on-screen keyboard types into (None: the keyboard is hidden).
    typing: Option<Field>,
    keys: Keys,
}

impl Admin {
    pub fn new(handles: Handles, auth: AuthContext) -> (Self, Task<Message>) {
        let tab = tabs_for(auth.role).first().copied().unwrap_or(Tab::Products);
        let mut admin = Admin {
            products: products::Products::new(handles.clone(), auth.clone()),
            reports: reports::Reports::new(handles.clone(), auth.clone()),
            people: people::People::new(handles.clone(), auth.clone()),
            backups: backups::Backups::new(handles.clone(), auth.clone()),
            auth,
            tab,
            typing: None,
            keys: Keys::default(),
        };
        let task = admin.open(tab);
        (admin, task)
    }

    fn open(&mut self, tab: Tab) -> Task<Message> {
        if !tab.needs(self.auth.role) {
            return Task::none();
        }
        self.tab = tab;
        self.typing = None;
        match tab {
            Tab::Products => self.products.open().map(Message::Products),
            Tab::Reports => self.reports.load().map(Message::Reports),
            Tab::Users => self.people.load_users().map(Message::People),
            Tab::Employees => self.people.load_employees().map(Message::People),
            Tab::Backups => self.backups.load().map(Message::Backups),
        }
    }

    pub fn update(&mut self, message: Message, lang: Language) -> (Task<Message>, Option<Event>) {
        let answer = self.handle(message, lang);
        // A saved form closes its fields: the keyboard goes with them and the list comes back.
        let still_there = match self.typing {
            Some(Field::Products(f)) => self.products.value(f).is_some(),
            Some(Field::People(f)) => self.people.value(f).is_some(),
            Some(Field::Reports(f)) => self.reports.value(f).is_some(),
            None => true,
        };
        if !still_there {
            self.typing = None;
        }
        answer
    }

    fn handle(&mut self, message: Message, lang: Language) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Open(tab) => (self.open(tab), None),
            Message::Close => (Task::none(), Some(Event::Close)),
            Message::Products(products::Message::Focus(f)) => self.focus(Field::Products(f)),
            Message::People(people::Message::Focus(f)) => self.focus(Field::People(f)),
            Message::Reports(reports::Message::Focus(f)) => self.focus(Field::Reports(f)),
            Message::Keyboard(KeyboardKey::Hide) => {
                self.typing = None;
                (Task::none(), None)
            }
            Message::Keyboard(key) => {
                let mut keys = self.keys;
                let task = self.edit(lang, |value| keys.apply(value, key));
                self.keys = keys;
                (task, None)
            }
            Message::Keypad(key) => (self.edit(lang, |value| keypad::apply(value, key, 3)), None),
            Message::Products(m) => (self.products.update(m, lang).map(Message::Products), None),
            Message::Reports(m) => (self.reports.update(m, lang).map(Message::Reports), None),
            Message::People(m) => (self.people.update(m, lang).map(Message::People), None),
            Message::Backups(m) => {
                let (task, event) = self.backups.update(m, lang);
                (task.map(Message::Backups), event.map(|backups::Event::Restored(notice)| Event::Restored(notice)))
            }
        }
    }

    fn focus(&mut self, field: Field) -> (Task<Message>, Option<Event>) {
        self.typing = Some(field);
        (Task::none(), None)
    }

    /// Is the on-screen keyboard open (a field was tapped)?
    pub fn typing(&self) -> bool {
        self.typing.is_some()
    }

    /// Edits the chosen field's text the way its own input would (a search still searches).
    fn edit(&mut self, lang: Language, change: impl FnOnce(&mut String)) -> Task<Message> {
        let Some(field) = self.typing else { return Task::none() };
        let value = match field {
            Field::Products(f) => self.products.value(f),
            Field::People(f) => self.people.value(f),
            Field::Reports(f) => self.reports.value(f),
        };
        let Some(mut value) = value else {
            // The field has gone (its form closed): nothing to type into.
            self.typing = None;
            return Task::none();
        };
        change(&mut value);
        match field {
            Field::Products(f) => self.products.update(f.input(value), lang).map(Message::Products),
            Field::People(f) => self.people.update(f.input(value), lang).map(Message::People),
            Field::Reports(f) => self.reports.update(f.input(value), lang).map(Message::Reports),
        }
    }

    /// Camera and recognizer reports while admin mode is open (enrolment progress).
    pub fn face_update(&mut self, update: &crate::face_link::FaceUpdate, lang: Language) -> Task<Message> {
        self.people.face_update(update, lang).map(Message::People)
    }

    pub fn view(&self, lang: Language, fit: &Fit) -> Element<'_, Message> {
        let size = if fit.compact() { theme::SMALL } else { theme::BODY };
        let tab_button = |label: &str, on: Message, chosen: bool| {
            button(container(text(label.to_string()).size(size)).center_y(Length::Fill))
                .height(theme::MIN_TOUCH)
                .padding([0, if fit.compact() { 14 } else { 22 }])
                .style(if chosen { theme::primary } else { theme::secondary })
                .on_press(on)
        };
        let mut tabs = row![].spacing(8);
        for tab in tabs_for(self.auth.role) {
            tabs = tabs.push(tab_button(tr(lang, tab.label()), Message::Open(tab), tab == self.tab));
        }
        tabs = tabs.push(space::horizontal());
        tabs = tabs.push(tab_button(tr(lang, Text::BackToKiosk), Message::Close, false));
        let active = |f: Field| self.typing == Some(f);
        let products = [products::Field::Search, products::Field::NewCategory, products::Field::Rename, products::Field::ImportPath]
            .into_iter()
            .chain((0..5).map(products::Field::Form))
            .find(|f| active(Field::Products(*f)));
        let people =
            [people::Field::Username, people::Field::Password, people::Field::EmployeeName].into_iter().find(|f| active(Field::People(*f)));
        let reports = [reports::Field::Reason].into_iter().find(|f| active(Field::Reports(*f)));
        let body = match self.tab {
            Tab::Products => self.products.view(lang, fit, products).map(Message::Products),
            Tab::Reports => self.reports.view(lang, reports).map(Message::Reports),
            Tab::Users => self.people.users_view(lang, people).map(Message::People),
            Tab::Employees => self.people.employees_view(lang, people).map(Message::People),
            Tab::Backups => self.backups.view(lang).map(Message::Backups),
        };
        let mut page = column![tabs.wrap().vertical_spacing(8), container(body).height(Length::Fill)].spacing(fit.spacing());
        if let Some(field) = self.typing {
            let number = matches!(field, Field::Products(f) if f.is_number());
            let keys: Element<'_, Message> = if number {
                row![
                    keypad::view(fit, true, Message::Keypad),
                    button(container(text("⌨↓").size(theme::BODY)).center(Length::Fill))
                        .width(110)
                        .height(theme::MIN_TOUCH)
                        .style(theme::key)
                        .on_press(Message::Keyboard(KeyboardKey::Hide))
                ]
                .spacing(theme::KEY_GAP)
                .align_y(iced::Alignment::End)
                .into()
            } else {
                self.keys.view(fit, true, Message::Keyboard)
            };
            page = page.push(container(keys).center_x(Length::Fill));
        }
        page.into()
    }
}
