//! Admin mode behind login: one tab per task, shown only when the role may use it (Viewer:
//! read only; Operator: the kiosk and their own history; Admin: all). The actors refuse anyway.

pub mod backups;
pub mod people;
pub mod products;
pub mod reports;
mod stock_list;

use actors::session::AuthContext;
use actors::Handles;
use iced::widget::{button, column, row, space, text};
use iced::{Element, Task};
use models::permissions::{allowed, Action};
use models::Role;

use crate::i18n::{tr, Language, Text};
use crate::theme;

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

#[derive(Debug, Clone)]
pub enum Message {
    Open(Tab),
    Close,
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
        };
        let task = admin.open(tab);
        (admin, task)
    }

    fn open(&mut self, tab: Tab) -> Task<Message> {
        if !tab.needs(self.auth.role) {
            return Task::none();
        }
        self.tab = tab;
        match tab {
            Tab::Products => self.products.open().map(Message::Products),
            Tab::Reports => self.reports.load().map(Message::Reports),
            Tab::Users => self.people.load_users().map(Message::People),
            Tab::Employees => self.people.load_employees().map(Message::People),
            Tab::Backups => self.backups.load().map(Message::Backups),
        }
    }

    pub fn update(&mut self, message: Message, lang: Language) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Open(tab) => (self.open(tab), None),
            Message::Close => (Task::none(), Some(Event::Close)),
            Message::Products(m) => (self.products.update(m, lang).map(Message::Products), None),
            Message::Reports(m) => (self.reports.update(m, lang).map(Message::Reports), None),
            Message::People(m) => (self.people.update(m, lang).map(Message::People), None),
            Message::Backups(m) => {
                let (task, event) = self.backups.update(m, lang);
                (task.map(Message::Backups), event.map(|backups::Event::Restored(notice)| Event::Restored(notice)))
            }
        }
    }

    /// Camera and recognizer reports while admin mode is open (enrolment progress).
    pub fn face_update(&mut self, update: &crate::face_link::FaceUpdate, lang: Language) -> Task<Message> {
        self.people.face_update(update, lang).map(Message::People)
    }

    pub fn view(&self, lang: Language) -> Element<'_, Message> {
        let mut tabs = row![].spacing(8);
        for tab in tabs_for(self.auth.role) {
            let b = button(text(tr(lang, tab.label())).size(theme::BODY)).padding([14, 22]).on_press(Message::Open(tab));
            tabs = tabs.push(if tab == self.tab { b.style(button::primary) } else { b.style(button::secondary) });
        }
        tabs = tabs.push(space::horizontal());
        tabs = tabs.push(
            button(text(tr(lang, Text::BackToKiosk)).size(theme::BODY)).padding([14, 22]).style(button::secondary).on_press(Message::Close),
        );
        let body = match self.tab {
            Tab::Products => self.products.view(lang).map(Message::Products),
            Tab::Reports => self.reports.view(lang).map(Message::Reports),
            Tab::Users => self.people.users_view(lang).map(Message::People),
            Tab::Employees => self.people.employees_view(lang).map(Message::People),
            Tab::Backups => self.backups.view(lang).map(Message::Backups),
        };
        column![tabs, body].spacing(theme::SPACING).into()
    }
}
