//! Every sentence the kiosk shows, looked up by language: the UI never holds a literal sentence.
//! Uzbek (Latin) is the default; Russian and English follow the same keys.

mod en;
mod ru;
mod uz;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Uzbek,
    Russian,
    English,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Uzbek, Language::Russian, Language::English];

    /// "uz", "ru", "en" (the config's `general.locale`); anything else is Uzbek.
    pub fn from_code(code: &str) -> Language {
        match code.trim().to_ascii_lowercase().as_str() {
            "ru" => Language::Russian,
            "en" => Language::English,
            _ => Language::Uzbek,
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::Uzbek => "O'zbekcha",
            Language::Russian => "Русский",
            Language::English => "English",
        }
    }
}

/// The keys of every text; each language module answers all of them (the compiler checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppTitle,
    ScanPrompt,
    ScanHint,
    LastScan,
    GarbledTooShort,
    GarbledTooLong,
    DatabaseOk,
    Station,
}

pub fn tr(lang: Language, key: Text) -> &'static str {
    match lang {
        Language::Uzbek => uz::text(key),
        Language::Russian => ru::text(key),
        Language::English => en::text(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_answers_every_key_differently_from_empty() {
        for lang in Language::ALL {
            for key in [
                Text::AppTitle,
                Text::ScanPrompt,
                Text::ScanHint,
                Text::LastScan,
                Text::GarbledTooShort,
                Text::GarbledTooLong,
                Text::DatabaseOk,
                Text::Station,
            ] {
                assert!(!tr(lang, key).trim().is_empty(), "{lang:?} {key:?}");
            }
        }
        assert_eq!(Language::from_code("RU"), Language::Russian);
        assert_eq!(Language::from_code("xx"), Language::Uzbek);
    }
}
