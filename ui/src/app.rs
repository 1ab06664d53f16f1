//! The root of the kiosk: holds the screens, turns keyboard events into Scanner messages and
//! actor events into screen changes. It never runs SQL or OpenCV: it sends messages to actors.

use std::time::Instant;

use actix::Addr;
use actors::scanner::{self, GarbledReason, Scanner, ScannerEvent};
use actors::system::{ShutdownSignal, SubscribeShutdown};
use actors::Handles;
use futures::channel::mpsc;
use futures::StreamExt;
use iced::keyboard::{self, key::Named, Key};
use iced::widget::{column, container, row, text};
use iced::{event, Element, Event, Length, Subscription, Task, Theme};

use crate::i18n::{tr, Language, Text};
use crate::screen::lock::{LastScan, Lock};
use crate::theme;

#[derive(Debug, Clone)]
pub enum Message {
    /// A key reached the window (wherever the focus was), stamped on arrival.
    Key(scanner::Key),
    Scanner(ScannerEvent),
    ShutdownRequested,
}

pub struct Kiosk {
    handles: Handles,
    language: Language,
    theme: Theme,
    lock: Lock,
}

impl Kiosk {
    pub fn new(handles: Handles) -> Self {
        let language = Language::from_code(&handles.config.general.locale);
        let theme = theme::from_name(&handles.config.ui.theme);
        Kiosk { handles, language, theme, lock: Lock::new() }
    }

    pub fn title(&self) -> String {
        tr(self.language, Text::AppTitle).to_string()
    }

    pub fn theme(&self) -> Theme {
        self.theme.clone()
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Key(key) => {
                self.handles.scanner.do_send(key);
                Task::none()
            }
            Message::Scanner(ScannerEvent::Scanned(code)) => {
                self.lock.last_scan = LastScan::Code(code);
                Task::none()
            }
            Message::Scanner(ScannerEvent::Garbled(reason)) => {
                self.lock.last_scan = LastScan::Garbled(match reason {
                    GarbledReason::TooShort { .. } => Text::GarbledTooShort,
                    GarbledReason::TooLong { .. } => Text::GarbledTooLong,
                });
                Task::none()
            }
            Message::ShutdownRequested => iced::exit(),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let header = row![
            text(tr(self.language, Text::AppTitle)).size(theme::TITLE),
            iced::widget::space::horizontal(),
            text(format!("{}: {}", tr(self.language, Text::Station), self.handles.config.general.station)).size(theme::SMALL),
        ]
        .align_y(iced::Alignment::Center);
        let footer = text(tr(self.language, Text::DatabaseOk)).size(theme::SMALL);
        container(column![header, self.lock.view(self.language), footer].spacing(theme::SPACING))
            .padding(theme::PADDING)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }

    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            event::listen_with(keyboard_to_scanner),
            Subscription::run_with(self.handles.scanner.clone(), scanner_events),
            Subscription::run_with(self.handles.shutdown.clone(), shutdown_events),
        ])
    }
}

/// Every key press goes to the Scanner actor, captured by a widget or not: the scanner is a
/// keyboard, and focus must never decide whether a scan arrives.
fn keyboard_to_scanner(event: Event, _status: event::Status, _window: iced::window::Id) -> Option<Message> {
    let Event::Keyboard(keyboard::Event::KeyPressed { key, text, .. }) = event else { return None };
    let at = Instant::now();
    match key {
        Key::Named(Named::Enter) => Some(Message::Key(scanner::Key::Enter { at })),
        _ => {
            let ch = text.and_then(|t| {
                let mut chars = t.chars();
                let c = chars.next()?;
                chars.next().is_none().then_some(c)
            })?;
            Some(Message::Key(scanner::Key::Char { ch, at }))
        }
    }
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
