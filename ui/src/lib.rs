//! The iced kiosk of Ombor Nazorat: screens, widgets, theme and translations. It draws and
//! sends messages to actors; it never touches the database or the camera itself.

pub mod app;
pub mod export;
pub mod face_link;
pub mod format;
pub mod i18n;
pub mod labels;
pub mod link;
pub mod screen;
pub mod status;
pub mod theme;
pub mod widget;

use actors::Handles;
use iced::{Font, Size};

pub use app::{Kiosk, Message};

/// Opens the kiosk window and returns when it is closed (or the process is asked to stop).
pub fn run(handles: Handles) -> iced::Result {
    let fullscreen = handles.config.ui.fullscreen;
    iced::application(move || Kiosk::new(handles.clone()), Kiosk::update, Kiosk::view)
        .title(Kiosk::title)
        .theme(Kiosk::theme)
        .subscription(Kiosk::subscription)
        .default_font(Font::with_name("Fira Sans"))
        .window(iced::window::Settings { size: Size::new(1280.0, 800.0), fullscreen, decorations: !fullscreen, ..Default::default() })
        .run()
}
