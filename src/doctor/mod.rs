//! `ombor doctor`: the hand-over checklist, proved by the program itself.
//!
//! Facts are gathered once (database, files, host), then each small function of `checks` turns
//! them into one line: ✓ passed, ✗ failed (with a hint), ! a warning or a skipped line.
//! Only required lines decide the exit code; an optional line that fails is shown as "!".

mod checks;
mod facts;
pub mod host;

use serde::Serialize;
use ui::i18n::Language;

pub use facts::Facts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    System,
    Database,
    Roles,
    Products,
    Scanner,
    Face,
    Movements,
    Backup,
    Hardware,
    Security,
}

impl Group {
    pub const ALL: [Group; 10] = [
        Group::System,
        Group::Database,
        Group::Roles,
        Group::Products,
        Group::Scanner,
        Group::Face,
        Group::Movements,
        Group::Backup,
        Group::Hardware,
        Group::Security,
    ];

    pub fn title(self, lang: Language) -> &'static str {
        use Group::*;
        use Language::*;
        match (self, lang) {
            (System, Uzbek) => "Tizim",
            (System, Russian) => "Система",
            (System, English) => "System",
            (Database, Uzbek) => "Ma'lumotlar bazasi",
            (Database, Russian) => "База данных",
            (Database, English) => "Database",
            (Roles, Uzbek) => "Rollar",
            (Roles, Russian) => "Роли",
            (Roles, English) => "Roles",
            (Products, Uzbek) => "Mahsulotlar",
            (Products, Russian) => "Товары",
            (Products, English) => "Products",
            (Scanner, Uzbek) => "Skaner",
            (Scanner, Russian) => "Сканер",
            (Scanner, English) => "Scanner",
            (Face, Uzbek) => "Face ID",
            (Face, Russian) => "Face ID",
            (Face, English) => "Face ID",
            (Movements, Uzbek) => "Harakatlar",
            (Movements, Russian) => "Движения",
            (Movements, English) => "Movements",
            (Backup, Uzbek) => "Zaxira nusxa",
            (Backup, Russian) => "Резервные копии",
            (Backup, English) => "Backup",
            (Hardware, Uzbek) => "Uskuna",
            (Hardware, Russian) => "Оборудование",
            (Hardware, English) => "Hardware",
            (Security, Uzbek) => "Xavfsizlik",
            (Security, Russian) => "Безопасность",
            (Security, English) => "Security",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skipped,
}

impl Status {
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Warn | Status::Skipped => "!",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub id: &'static str,
    pub group: Group,
    pub status: Status,
    pub symbol: &'static str,
    /// A required line that does not pass makes the installation not ready.
    pub required: bool,
    pub title: String,
    pub detail: String,
    /// What to do about it (empty when the line passes).
    pub hint: String,
}

impl Line {
    pub fn new(id: &'static str, group: Group, required: bool, title: String) -> Line {
        Line { id, group, status: Status::Pass, symbol: "", required, title, detail: String::new(), hint: String::new() }
    }

    pub fn pass(mut self, detail: String) -> Line {
        self.status = Status::Pass;
        self.detail = detail;
        self
    }

    /// Fails a required line; an optional line only warns.
    pub fn fail(mut self, detail: String, hint: String) -> Line {
        self.status = if self.required { Status::Fail } else { Status::Warn };
        self.detail = detail;
        self.hint = hint;
        self
    }

    pub fn warn(mut self, detail: String, hint: String) -> Line {
        self.status = Status::Warn;
        self.detail = detail;
        self.hint = hint;
        self
    }

    pub fn skipped(mut self, detail: String) -> Line {
        self.status = Status::Skipped;
        self.detail = detail;
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub id: Group,
    pub title: &'static str,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Every required line passed.
    pub ok: bool,
    pub lang: &'static str,
    pub passed: usize,
    pub warnings: usize,
    pub failed: usize,
    pub groups: Vec<GroupReport>,
}

pub struct Options {
    pub lang: Language,
    /// Ask for a test scan on standard input.
    pub interactive: bool,
}

/// Runs every check against the installation `config` describes.
pub fn run(config: &models::Config, options: &Options) -> Report {
    let facts = Facts::gather(config, options);
    let lines = checks::all(config, &facts, options.lang);
    report(lines, options.lang)
}

fn report(mut lines: Vec<Line>, lang: Language) -> Report {
    for l in &mut lines {
        l.symbol = l.status.symbol();
    }
    let count = |s: &[Status]| lines.iter().filter(|l| s.contains(&l.status)).count();
    let (passed, warnings, failed) = (count(&[Status::Pass]), count(&[Status::Warn, Status::Skipped]), count(&[Status::Fail]));
    let ok = lines.iter().all(|l| !l.required || matches!(l.status, Status::Pass | Status::Skipped));
    let groups = Group::ALL
        .iter()
        .map(|&g| GroupReport { id: g, title: g.title(lang), lines: lines.iter().filter(|l| l.group == g).cloned().collect() })
        .collect();
    let lang = match lang {
        Language::Uzbek => "uz",
        Language::Russian => "ru",
        Language::English => "en",
    };
    Report { ok, lang, passed, warnings, failed, groups }
}

impl Report {
    pub fn to_text(&self, lang: Language) -> String {
        let heading = match lang {
            Language::Uzbek => "Ombor Nazorat — o'rnatishni tekshirish",
            Language::Russian => "Ombor Nazorat — проверка установки",
            Language::English => "Ombor Nazorat — installation check",
        };
        let mut s = format!("{heading}\n");
        for g in &self.groups {
            s += &format!("\n[{}]\n", g.title);
            for l in &g.lines {
                s += &format!("  {} {}", l.symbol, l.title);
                if !l.detail.is_empty() {
                    s += &format!(": {}", l.detail);
                }
                s += "\n";
                if !l.hint.is_empty() {
                    s += &format!("      → {}\n", l.hint);
                }
            }
        }
        let verdict = match (lang, self.ok) {
            (Language::Uzbek, true) => "topshirishga tayyor",
            (Language::Uzbek, false) => "topshirishga TAYYOR EMAS: ✗ qatorlarini tuzating",
            (Language::Russian, true) => "готово к сдаче",
            (Language::Russian, false) => "НЕ готово к сдаче: исправьте строки ✗",
            (Language::English, true) => "ready to hand over",
            (Language::English, false) => "NOT ready to hand over: fix the ✗ lines",
        };
        s += &format!("\n✓ {}  ! {}  ✗ {} — {verdict}", self.passed, self.warnings, self.failed);
        s
    }
}
