//! The lock screen: what the kiosk shows while waiting for a scan.

use iced::widget::{column, container, text};
use iced::{Alignment, Element, Length};

use crate::i18n::{tr, Language, Text};
use crate::theme;

#[derive(Debug, Clone, PartialEq)]
pub enum LastScan {
    None,
    Code(String),
    Garbled(Text),
}

pub struct Lock {
    pub last_scan: LastScan,
}

impl Lock {
    pub fn new() -> Self {
        Lock { last_scan: LastScan::None }
    }

    pub fn view<'a, M: 'a>(&'a self, lang: Language) -> Element<'a, M> {
        let last: Element<'a, M> = match &self.last_scan {
            LastScan::None => text(tr(lang, Text::ScanHint)).size(theme::BODY).into(),
            LastScan::Code(code) => text(format!("{}: {code}", tr(lang, Text::LastScan))).size(theme::BODY).into(),
            LastScan::Garbled(key) => text(tr(lang, *key)).size(theme::BODY).into(),
        };
        container(column![text(tr(lang, Text::ScanPrompt)).size(theme::PROMPT), last].spacing(theme::SPACING).align_x(Alignment::Center))
            .center(Length::Fill)
            .into()
    }
}

impl Default for Lock {
    fn default() -> Self {
        Self::new()
    }
}
