//! Users and employees tabs (admin only): add, change role, disable, reset a password; add
//! and deactivate employees. Face enrolment waits for the face actors (see `face_link`).

use crate::link::{ledger, Handles};
use crate::link::{session, AuthContext};
use iced::widget::{button, column, container, progress_bar, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length, Task};
use models::permissions::{allowed, Action};
use models::{Employee, Error, Role, User};

use crate::face_link::{FaceLink, FaceUpdate};
use crate::i18n::{camera_problem_text, error_text, face_problem_text, role_text, tr, trf, Language, Text};
use crate::link::ask;
use crate::widget::preview::{self, Preview};
use crate::widget::touch_field;
use crate::{format, theme};

/// The tabs' text fields, for the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Username,
    Password,
    EmployeeName,
}

impl Field {
    /// The message the field's own input sends with its new text.
    pub fn input(self, value: String) -> Message {
        match self {
            Field::Username => Message::NewUsername(value),
            Field::Password => Message::NewPassword(value),
            Field::EmployeeName => Message::NewEmployee(value),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    /// A field was tapped: the on-screen keyboard types into it (admin mode handles it).
    Focus(Field),
    Users(Result<Vec<User>, Error>),
    Employees(Result<Vec<Employee>, Error>),
    NewUsername(String),
    NewPassword(String),
    NewRole(Role),
    AddUser,
    SetActive(String, bool),
    SetRole(String, Role),
    ResetPassword(String),
    Done(Result<(), Error>),
    NewEmployee(String),
    AddEmployee,
    Deactivate(i64),
    Enrol(i64),
    CancelEnrol,
}

/// A face enrolment in progress: whose, and how far.
struct Enrolment {
    employee_id: i64,
    done: u32,
    needed: u32,
    frame: Option<Preview>,
}

pub struct People {
    handles: Handles,
    auth: AuthContext,
    users: Vec<User>,
    employees: Vec<Employee>,
    username: String,
    password: String,
    role: Role,
    employee_name: String,
    error: Option<String>,
    notice: Option<String>,
    enrolment: Option<Enrolment>,
}

impl People {
    pub fn new(handles: Handles, auth: AuthContext) -> Self {
        People {
            handles,
            auth,
            users: Vec::new(),
            employees: Vec::new(),
            username: String::new(),
            password: String::new(),
            role: Role::Operator,
            employee_name: String::new(),
            error: None,
            notice: None,
            enrolment: None,
        }
    }

    pub fn face_update(&mut self, update: &FaceUpdate, lang: Language) -> Task<Message> {
        let Some(e) = &mut self.enrolment else { return Task::none() };
        match update {
            FaceUpdate::Progress { done, needed, .. } => {
                e.done = *done;
                e.needed = *needed;
            }
            FaceUpdate::Frame(f) => e.frame = Some(f.clone()),
            FaceUpdate::Enrolled { frames, .. } => {
                self.notice = Some(trf(lang, Text::EnrolDone, &[("frames", &frames.to_string())]));
                self.enrolment = None;
                return self.load_employees();
            }
            FaceUpdate::Failed(_) | FaceUpdate::CameraUnavailable(_) => {
                let why = match update {
                    FaceUpdate::Failed(p) => face_problem_text(lang, p),
                    FaceUpdate::CameraUnavailable(p) => camera_problem_text(lang, p),
                    _ => String::new(),
                };
                self.error = Some(trf(lang, Text::FaceFailed, &[("reason", &why)]));
                self.enrolment = None;
            }
            _ => {}
        }
        Task::none()
    }

    pub fn load_users(&self) -> Task<Message> {
        let (s, auth) = (self.handles.session.clone(), self.auth.clone());
        Task::perform(async move { ask(s, session::Users { auth }).await }, Message::Users)
    }

    pub fn load_employees(&self) -> Task<Message> {
        let (l, auth) = (self.handles.ledger.clone(), self.auth.clone());
        Task::perform(async move { ask(l, ledger::Employees { auth }).await }, Message::Employees)
    }

    fn change_user(&self, username: String, new_password: Option<String>, role: Option<Role>, active: Option<bool>) -> Task<Message> {
        let (s, auth) = (self.handles.session.clone(), self.auth.clone());
        Task::perform(
            async move { ask(s, session::ChangeUser { auth, username, new_password, role, active }).await.map(|_| ()) },
            Message::Done,
        )
    }

    /// What a field holds now.
    pub fn value(&self, field: Field) -> Option<String> {
        Some(match field {
            Field::Username => self.username.clone(),
            Field::Password => self.password.clone(),
            Field::EmployeeName => self.employee_name.clone(),
        })
    }

    pub fn update(&mut self, message: Message, lang: Language) -> Task<Message> {
        if let Message::Focus(_) = message {
            return Task::none();
        }
        self.error = None;
        match message {
            Message::Focus(_) => Task::none(),
            Message::Users(Ok(u)) => {
                self.users = u;
                Task::none()
            }
            Message::Employees(Ok(e)) => {
                self.employees = e;
                Task::none()
            }
            Message::Users(Err(e)) | Message::Employees(Err(e)) | Message::Done(Err(e)) => {
                self.error = Some(error_text(lang, &e));
                Task::none()
            }
            Message::NewUsername(v) => {
                self.username = v;
                Task::none()
            }
            Message::NewPassword(v) => {
                self.password = v;
                Task::none()
            }
            Message::NewRole(r) => {
                self.role = r;
                Task::none()
            }
            Message::AddUser => {
                let (s, auth) = (self.handles.session.clone(), self.auth.clone());
                let (username, password, role) = (self.username.trim().to_string(), self.password.clone(), self.role);
                self.password.clear();
                Task::perform(
                    async move { ask(s, session::CreateUser { auth: Some(auth), username, password, role }).await.map(|_| ()) },
                    Message::Done,
                )
            }
            Message::SetActive(u, active) => self.change_user(u, None, None, Some(active)),
            Message::SetRole(u, role) => self.change_user(u, None, Some(role), None),
            Message::ResetPassword(u) => {
                if self.password.is_empty() {
                    self.error = Some(tr(lang, Text::TypeNewPassword).to_string());
                    return Task::none();
                }
                let pw = std::mem::take(&mut self.password);
                self.change_user(u, Some(pw), None, None)
            }
            Message::Done(Ok(())) => {
                self.notice = Some(tr(lang, Text::SavedShort).to_string());
                self.username.clear();
                Task::batch([self.load_users(), self.load_employees()])
            }
            Message::NewEmployee(v) => {
                self.employee_name = v;
                Task::none()
            }
            Message::AddEmployee => {
                let (l, auth, full_name) = (self.handles.ledger.clone(), self.auth.clone(), self.employee_name.trim().to_string());
                self.employee_name.clear();
                Task::perform(async move { ask(l, ledger::AddEmployee { auth, full_name }).await.map(|_| ()) }, Message::Done)
            }
            Message::Enrol(employee_id) => {
                self.notice = None;
                self.enrolment = Some(Enrolment { employee_id, done: 0, needed: 0, frame: None });
                FaceLink::new(self.handles.clone()).start_enrolment(&self.auth, employee_id);
                Task::none()
            }
            Message::CancelEnrol => {
                self.enrolment = None;
                FaceLink::new(self.handles.clone()).cancel();
                Task::none()
            }
            Message::Deactivate(employee_id) => {
                let (l, auth) = (self.handles.ledger.clone(), self.auth.clone());
                Task::perform(async move { ask(l, ledger::DeactivateEmployee { auth, employee_id }).await.map(|_| ()) }, Message::Done)
            }
        }
    }

    fn messages(&self) -> Element<'_, Message> {
        let mut col = column![].spacing(8);
        if let Some(e) = &self.error {
            col = col.push(container(text(e).size(theme::BODY)).padding(10).style(container::danger));
        }
        if let Some(n) = &self.notice {
            col = col.push(container(text(n).size(theme::BODY)).padding(10).style(container::success));
        }
        col.into()
    }

    pub fn users_view(&self, lang: Language, active: Option<Field>) -> Element<'_, Message> {
        let role_button = |r: Role, current: Role, on: Message| {
            let b = button(text(tr(lang, role_text(r))).size(theme::SMALL)).padding([12, 14]).on_press(on);
            if r == current {
                b.style(theme::primary)
            } else {
                b.style(theme::secondary)
            }
        };
        let mut add = row![
            container(touch_field(
                text_input(tr(lang, Text::Username), &self.username).on_input(Message::NewUsername).padding(12),
                active == Some(Field::Username),
                Message::Focus(Field::Username)
            ))
            .width(Length::Fixed(220.0)),
            container(touch_field(
                text_input(tr(lang, Text::Password), &self.password).on_input(Message::NewPassword).secure(true).padding(12),
                active == Some(Field::Password),
                Message::Focus(Field::Password)
            ))
            .width(Length::Fixed(220.0)),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        for r in [Role::Admin, Role::Operator, Role::Viewer] {
            add = add.push(role_button(r, self.role, Message::NewRole(r)));
        }
        add = add.push(button(text(tr(lang, Text::AddUser))).padding([14, 18]).on_press(Message::AddUser));
        let mut table = column![].spacing(8);
        for u in &self.users {
            let mut line = row![text(&u.username).size(theme::BODY).width(Length::Fixed(200.0))].spacing(8).align_y(Alignment::Center);
            for r in [Role::Admin, Role::Operator, Role::Viewer] {
                line = line.push(role_button(r, u.role, Message::SetRole(u.username.clone(), r)));
            }
            line = line.push(space::horizontal());
            line = line.push(
                button(text(tr(lang, Text::ResetPassword)).size(theme::SMALL))
                    .padding([12, 14])
                    .style(theme::secondary)
                    .on_press(Message::ResetPassword(u.username.clone())),
            );
            line = line.push(if u.active {
                button(text(tr(lang, Text::Disable)).size(theme::SMALL))
                    .padding([12, 14])
                    .style(theme::danger)
                    .on_press(Message::SetActive(u.username.clone(), false))
            } else {
                button(text(tr(lang, Text::Enable)).size(theme::SMALL))
                    .padding([12, 14])
                    .style(theme::primary)
                    .on_press(Message::SetActive(u.username.clone(), true))
            });
            table = table.push(line);
        }
        column![text(tr(lang, Text::ResetPasswordHint)).size(theme::SMALL), add, self.messages(), scrollable(table).height(Length::Fill)]
            .spacing(12)
            .into()
    }

    pub fn employees_view(&self, lang: Language, active: Option<Field>) -> Element<'_, Message> {
        let add = row![
            container(touch_field(
                text_input(tr(lang, Text::FullName), &self.employee_name).on_input(Message::NewEmployee).padding(12),
                active == Some(Field::EmployeeName),
                Message::Focus(Field::EmployeeName)
            ))
            .width(Length::Fixed(360.0)),
            button(text(tr(lang, Text::AddEmployee))).padding([14, 18]).on_press(Message::AddEmployee),
        ]
        .spacing(8);
        let mut table = column![].spacing(8);
        for e in &self.employees {
            let enrolled = match e.face_enrolled_at {
                Some(at) => format!("{}: {}", tr(lang, Text::FaceEnrolled), format::date_time(lang, at)),
                None => tr(lang, Text::FaceNotEnrolled).to_string(),
            };
            let mut line = row![
                text(&e.full_name).size(theme::BODY).width(Length::Fixed(320.0)),
                text(enrolled).size(theme::SMALL),
                space::horizontal()
            ]
            .spacing(8)
            .align_y(Alignment::Center);
            if e.active && allowed(self.auth.role, Action::EnrollFaces) && self.enrolment.is_none() {
                line =
                    line.push(button(text(tr(lang, Text::EnrolFace)).size(theme::SMALL)).padding([12, 14]).on_press(Message::Enrol(e.id)));
            }
            line = line.push(if e.active {
                button(text(tr(lang, Text::Deactivate)).size(theme::SMALL))
                    .padding([12, 14])
                    .style(theme::danger)
                    .on_press(Message::Deactivate(e.id))
            } else {
                button(text(tr(lang, Text::Inactive)).size(theme::SMALL)).padding([12, 14]).style(theme::secondary)
            });
            table = table.push(line);
        }
        let mut col = column![add, self.messages()].spacing(12);
        if let Some(en) = &self.enrolment {
            let name = self.employees.iter().find(|e| e.id == en.employee_id).map(|e| e.full_name.clone()).unwrap_or_default();
            col = col.push(
                container(
                    row![
                        preview::view(en.frame.as_ref(), 320.0, tr(lang, Text::WaitingForCamera)),
                        column![
                            text(trf(lang, Text::Enrolling, &[("name", &name)])).size(theme::BODY),
                            progress_bar(0.0..=en.needed.max(1) as f32, en.done as f32).girth(20),
                            text(format!("{} / {}", en.done, en.needed)).size(theme::SMALL),
                            button(text(tr(lang, Text::Cancel))).padding([12, 18]).style(theme::secondary).on_press(Message::CancelEnrol),
                        ]
                        .spacing(12)
                        .width(Length::Fill),
                    ]
                    .spacing(16),
                )
                .padding(12)
                .style(container::bordered_box),
            );
        }
        col.push(scrollable(table).height(Length::Fill)).into()
    }
}
