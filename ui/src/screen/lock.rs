//! The lock screen: what the kiosk shows while waiting for a scan, with the state of the
//! database, the camera and the last backup.

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Element, Length};

use crate::i18n::{problem_text, tr, trf, Language, Text};
use crate::status::{Health, LastScan, SystemStatus};
use crate::theme::{self, Fit};

pub struct Lock {
    pub last_scan: LastScan,
}

impl Lock {
    pub fn new() -> Self {
        Lock { last_scan: LastScan::None }
    }

    /// `on_help` opens the worker's guide (the "? Yordam" button).
    pub fn view<'a, M: Clone + 'a>(&'a self, lang: Language, fit: &Fit, status: &SystemStatus, on_help: M) -> Element<'a, M> {
        let last: Element<'a, M> = match &self.last_scan {
            LastScan::None => text(tr(lang, Text::ScanHint)).size(fit.body()).into(),
            LastScan::Unknown(code) => container(text(trf(lang, Text::UnknownCode, &[("code", code)])).size(theme::BODY))
                .padding(16)
                .style(container::warning)
                .into(),
            LastScan::Garbled(key) => text(tr(lang, *key)).size(theme::BODY).into(),
        };
        let health = |label: Text, h: &Health| -> Element<'a, M> {
            let (mark, detail, style): (&str, String, fn(&iced::Theme) -> container::Style) = match h {
                Health::Checking => ("…", tr(lang, Text::Checking).to_string(), container::bordered_box),
                Health::Ok => ("✓", tr(lang, Text::Ok).to_string(), container::success),
                Health::Down(why) => ("✗", problem_text(lang, why), container::danger),
            };
            container(text(format!("{mark} {}: {detail}", tr(lang, label))).size(theme::SMALL)).padding([8, 14]).style(style).into()
        };
        let backup = status.last_backup.clone().unwrap_or_else(|| tr(lang, Text::BackupUnknown).to_string());
        let statuses = row![
            health(Text::Database, &status.database),
            health(Text::Camera, &status.camera),
            container(text(format!("{}: {backup}", tr(lang, Text::LastBackup))).size(theme::SMALL))
                .padding([8, 14])
                .style(container::bordered_box),
        ]
        .spacing(12)
        // A long reason (a camera error) moves the next status to a second line instead of
        // squeezing it under the help button.
        .wrap()
        .vertical_spacing(12);
        column![
            container(
                column![text(tr(lang, Text::ScanPrompt)).size(fit.prompt()).align_x(Alignment::Center), last]
                    .spacing(theme::SPACING)
                    .align_x(Alignment::Center)
            )
            .center(Length::Fill),
            row![
                container(statuses).width(Length::Fill),
                button(container(text(help_label(lang)).size(fit.body())).center_y(Length::Fill))
                    .height(theme::TOUCH_TARGET)
                    .padding([0, 22])
                    .style(theme::secondary)
                    .on_press(on_help),
            ]
            .spacing(theme::SPACING)
            .align_y(Alignment::End),
        ]
        .into()
    }
}

/// The label of the lock screen's help button.
pub fn help_label(lang: Language) -> String {
    format!("? {}", tr(lang, Text::Help))
}

impl Default for Lock {
    fn default() -> Self {
        Self::new()
    }
}
