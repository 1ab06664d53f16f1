//! The help screen: the worker's part of the guide (docs/guide.{uz,ru,en}.md) in the current
//! language. The text is the guide itself, cut between its `worker-help` markers at compile time,
//! so the screen and the printed guide can never disagree.

use iced::widget::{button, column, container, row, scrollable, space, text};
use iced::{Element, Length};

use crate::i18n::{tr, Language, Text};
use crate::theme::{self, Fit};

const GUIDE_UZ: &str = include_str!("../../../docs/guide.uz.md");
const GUIDE_RU: &str = include_str!("../../../docs/guide.ru.md");
const GUIDE_EN: &str = include_str!("../../../docs/guide.en.md");

const START: &str = "<!-- worker-help:start -->";
const END: &str = "<!-- worker-help:end -->";

#[derive(Debug, Clone)]
pub enum Message {
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Close,
}

/// One piece of the guide as the screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    Heading(String),
    /// A paragraph or a list item (items keep their "1." or get a "•").
    Paragraph(String),
}

/// The worker's part of the guide in `lang`, as written in the markdown file.
pub fn worker_section(lang: Language) -> &'static str {
    let guide = match lang {
        Language::Uzbek => GUIDE_UZ,
        Language::Russian => GUIDE_RU,
        Language::English => GUIDE_EN,
    };
    let from = guide.find(START).map(|i| i + START.len()).expect("the guide has a worker-help start marker");
    let to = guide[from..].find(END).map(|i| from + i).expect("the guide has a worker-help end marker");
    guide[from..to].trim()
}

/// The section read as simple markdown: headings, list items, paragraphs (wrapped lines joined).
pub fn blocks(lang: Language) -> Vec<Block> {
    let mut out = Vec::new();
    let mut paragraph: Option<String> = None;
    let flush = |p: &mut Option<String>, out: &mut Vec<Block>| {
        if let Some(s) = p.take() {
            out.push(Block::Paragraph(s));
        }
    };
    for line in worker_section(lang).lines() {
        let line = line.trim().replace("**", "");
        if line.is_empty() {
            flush(&mut paragraph, &mut out);
        } else if let Some(h) = line.strip_prefix("### ") {
            flush(&mut paragraph, &mut out);
            out.push(Block::Heading(h.to_string()));
        } else if let Some(h) = line.strip_prefix("## ") {
            flush(&mut paragraph, &mut out);
            out.push(Block::Title(h.to_string()));
        } else if let Some(item) = line.strip_prefix("- ") {
            flush(&mut paragraph, &mut out);
            paragraph = Some(format!("• {item}"));
        } else if line.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())) {
            flush(&mut paragraph, &mut out);
            paragraph = Some(line);
        } else {
            paragraph = Some(match paragraph.take() {
                Some(p) => format!("{p} {line}"),
                None => line,
            });
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

/// No state: the text follows the language switcher while the screen is open.
pub struct Help;

impl Help {
    pub fn new() -> Self {
        Help
    }

    pub fn update(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Close => Some(Event::Close),
        }
    }

    pub fn view(&self, lang: Language, fit: &Fit) -> Element<'_, Message> {
        let mut page = column![].spacing(12).padding([0, 16]);
        for b in blocks(lang) {
            page = page.push(match b {
                Block::Title(t) => text(t).size(fit.title()),
                Block::Heading(t) => text(t).size(fit.body() + 4.0),
                Block::Paragraph(t) => text(t).size(fit.body()),
            });
        }
        column![
            container(scrollable(page).height(Length::Fill)).height(Length::Fill),
            row![
                space::horizontal(),
                button(container(text(tr(lang, Text::Close)).size(theme::BODY)).center_y(Length::Fill))
                    .height(theme::TOUCH_TARGET)
                    .padding([0, 22])
                    .style(theme::secondary)
                    .on_press(Message::Close)
            ],
        ]
        .spacing(theme::SPACING)
        .into()
    }
}

impl Default for Help {
    fn default() -> Self {
        Self::new()
    }
}
