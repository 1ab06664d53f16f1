//! Backups tab.
//!
//! ADAPTER — the Backup actor (list, run now, restore) lands on branch `backup`. Until it is
//! merged this tab says so; wiring it means sending `List`/`RunNow`/`Restore` here and showing
//! the answers (a restore asks for a second confirmation).

use iced::widget::{column, container, text};
use iced::Element;

use crate::i18n::{tr, Language, Text};
use crate::theme;

#[derive(Debug, Clone)]
pub enum Message {}

pub struct Backups;

impl Backups {
    pub fn new() -> Self {
        Backups
    }

    pub fn update(&mut self, message: Message) {
        match message {}
    }

    pub fn view(&self, lang: Language) -> Element<'_, Message> {
        column![container(text(tr(lang, Text::BackupsNotInstalled)).size(theme::BODY)).padding(16).style(container::bordered_box)].into()
    }
}
