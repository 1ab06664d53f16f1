//! `ombor doctor`: prints the hand-over checklist; exits 1 unless every required line passes.

use models::Config;
use ui::i18n::Language;

use crate::doctor::{self, Options};

pub fn run(config: &Config, non_interactive: bool, json: bool, lang: Option<&str>) -> anyhow::Result<()> {
    let lang = Language::from_code(lang.unwrap_or(config.general.locale.code()));
    let report = doctor::run(config, &Options { lang, interactive: !non_interactive });
    super::print(json, &report, || report.to_text(lang));
    if !report.ok {
        std::process::exit(1);
    }
    Ok(())
}
