//! Numbers, quantities, dates and durations the way each language writes them.

use chrono::{DateTime, Local, Utc};
use rust_decimal::Decimal;

use crate::i18n::Language;

/// Thousands grouped, decimal separator by language: "12 345,5" (uz, ru), "12,345.5" (en).
pub fn number(lang: Language, value: Decimal) -> String {
    let (group, point) = match lang {
        Language::English => (',', '.'),
        Language::Uzbek | Language::Russian => ('\u{a0}', ','),
    };
    let text = value.normalize().to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(ch);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{point}{fraction}")
    }
}

/// A quantity with its unit: "1 250 dona".
pub fn quantity(lang: Language, value: Decimal, unit: &str) -> String {
    format!("{} {}", number(lang, value), unit_name(lang, unit))
}

/// The short name of a unit code from the units table ("pcs" → "dona", "шт."); an unknown
/// code is shown as it is.
pub fn unit_name(lang: Language, code: &str) -> String {
    let (uz, ru, en) = match code {
        "pcs" => ("dona", "шт.", "pcs"),
        "box" => ("quti", "кор.", "box"),
        "pack" => ("qadoq", "уп.", "pack"),
        "kg" => ("kg", "кг", "kg"),
        "g" => ("g", "г", "g"),
        "t" => ("t", "т", "t"),
        "m" => ("m", "м", "m"),
        "m2" => ("m²", "м²", "m²"),
        "l" => ("l", "л", "l"),
        other => return other.to_string(),
    };
    match lang {
        Language::Uzbek => uz,
        Language::Russian => ru,
        Language::English => en,
    }
    .to_string()
}

/// Local date and time: "25.11.2026 14:05" (uz, ru), "2026-11-25 14:05" (en).
pub fn date_time(lang: Language, at: DateTime<Utc>) -> String {
    naive_date_time(lang, at.with_timezone(&Local).naive_local())
}

/// A time that is already local (a backup file's name carries one).
pub fn naive_date_time(lang: Language, local: chrono::NaiveDateTime) -> String {
    match lang {
        Language::English => local.format("%Y-%m-%d %H:%M").to_string(),
        Language::Uzbek | Language::Russian => local.format("%d.%m.%Y %H:%M").to_string(),
    }
}

pub fn date(lang: Language, day: chrono::NaiveDate) -> String {
    match lang {
        Language::English => day.format("%Y-%m-%d").to_string(),
        Language::Uzbek | Language::Russian => day.format("%d.%m.%Y").to_string(),
    }
}

/// A countdown: "4:05".
pub fn countdown(left: std::time::Duration) -> String {
    let secs = left.as_secs();
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// A file's size as the Backups tab shows it: "0.1 MB".
pub fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1_048_576.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn numbers_are_grouped_by_language() {
        let d = Decimal::from_str("1234567.50").unwrap();
        assert_eq!(number(Language::English, d), "1,234,567.5");
        assert_eq!(number(Language::Russian, d), "1\u{a0}234\u{a0}567,5");
        assert_eq!(number(Language::Uzbek, Decimal::from(12)), "12");
        assert_eq!(number(Language::English, Decimal::from(-1000)), "-1,000");
        assert_eq!(quantity(Language::Russian, Decimal::from(5), "pcs"), "5 шт.");
        assert_eq!(countdown(std::time::Duration::from_secs(245)), "4:05");
    }
}
