//! The guides never name a command that does not exist: every `ombor ...` inside a code block or
//! backticks of the guides, the install doc and the README is walked down clap's own help
//! (`ombor --help`, `ombor backup --help`, `ombor backup now --help`) and each step must be listed.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const DOCS: [&str; 6] = ["docs/guide.uz.md", "docs/guide.ru.md", "docs/guide.en.md", "docs/install.md", "docs/windows.md", "README.md"];

#[test]
fn every_command_in_the_guides_exists() {
    let mut help = HelpCache::default();
    let mut failures = Vec::new();
    let mut checked = BTreeSet::new();
    for doc in DOCS {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(doc)).unwrap();
        let commands = commands_in(&text);
        if doc.contains("guide.") {
            assert!(commands.len() >= 25, "{doc}: only {} commands found — is the extractor broken?", commands.len());
        }
        for words in commands {
            match help.walk(&words) {
                Ok(path) => {
                    checked.insert(path.join(" "));
                }
                Err(why) => failures.push(format!("{doc}: `ombor {}`: {why}", words.join(" "))),
            }
        }
    }
    assert!(failures.is_empty(), "commands named in the docs that ombor does not have:\n{}", failures.join("\n"));
    // The paths that were checked, for the test log.
    eprintln!("checked with --help: {checked:#?}");
}

#[test]
fn a_made_up_command_is_caught() {
    let mut help = HelpCache::default();
    let text = "Run `ombor backup nowx --user admin` and then\n```sh\nsudo ombor doctorr --json\n```\n";
    let commands = commands_in(text);
    assert_eq!(commands.len(), 2, "{commands:?}");
    for words in commands {
        assert!(help.walk(&words).is_err(), "`ombor {}` should be refused", words.join(" "));
    }
    assert_eq!(help.walk(&words("backup now --user admin")), Ok(vec!["backup".to_string(), "now".to_string()]));
}

#[test]
fn the_extractor_reads_code_blocks_and_backticks_only() {
    let text = "Plain ombor doctorr prose is not a command.\n`ombor_nazorat` and `ombor.toml` are not either.\n\
                ```sh\nombor db status|start|stop  # comment\n$CARGO_TARGET_DIR/release/ombor run\nsudo -u ombor ombor doctor\n```\n`ombor labels --out x.pdf`";
    let found: Vec<String> = commands_in(text).into_iter().map(|w| w.join(" ")).collect();
    assert_eq!(found, ["db status", "db start", "db stop", "doctor", "labels --out x.pdf"]);
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// The words after each `ombor` in code blocks and inline code (a `a|b` word gives one command
/// per alternative). `ombor` must stand alone: not `ombor.exe`, `ombor_app` or `…/release/ombor`.
fn commands_in(markdown: &str) -> Vec<Vec<String>> {
    let mut code = Vec::new();
    let mut in_fence = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            code.push(line.split(" #").next().unwrap_or("").to_string());
        } else {
            code.extend(line.split('`').skip(1).step_by(2).map(str::to_string));
        }
    }
    let mut commands = Vec::new();
    for snippet in code {
        let tokens: Vec<&str> = snippet.split_whitespace().collect();
        // `sudo -u ombor ombor doctor`: the first `ombor` is the system user, not the program.
        let is_user_name = |i: usize| i > 0 && matches!(tokens[i - 1], "-u" | "--user" | "-g" | "--group");
        for (i, _) in tokens.iter().enumerate().filter(|(i, t)| **t == "ombor" && !is_user_name(*i)) {
            let rest: Vec<&str> = tokens[i + 1..].iter().take_while(|t| !matches!(**t, "&&" | "||" | ";" | "|")).copied().collect();
            // Expand `status|start|stop` in the first word-like positions.
            let mut variants: Vec<Vec<String>> = vec![Vec::new()];
            for t in rest {
                let alternatives: Vec<&str> = t.split('|').collect();
                if alternatives.len() > 1 && alternatives.iter().all(|a| is_word(a)) {
                    variants = variants
                        .into_iter()
                        .flat_map(|v| alternatives.iter().map(move |a| [v.clone(), vec![a.to_string()]].concat()))
                        .collect();
                } else {
                    variants.iter_mut().for_each(|v| v.push(t.to_string()));
                }
            }
            commands.extend(variants);
        }
    }
    commands
}

fn is_word(t: &str) -> bool {
    t.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `ombor <path> --help` answers, and the subcommands each one lists.
#[derive(Default)]
struct HelpCache(BTreeMap<Vec<String>, Result<Vec<String>, String>>);

impl HelpCache {
    /// The subcommands listed by `ombor <path> --help` (empty for a leaf), or why it failed.
    fn subcommands(&mut self, path: &[String]) -> Result<Vec<String>, String> {
        self.0
            .entry(path.to_vec())
            .or_insert_with(|| {
                let out = common::ombor().args(path).arg("--help").output().expect("run ombor");
                if !out.status.success() {
                    return Err(format!("`ombor {} --help` failed: {}", path.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
                }
                let stdout = String::from_utf8_lossy(&out.stdout).to_string();
                let listed = stdout
                    .lines()
                    .skip_while(|l| l.trim() != "Commands:")
                    .skip(1)
                    .take_while(|l| l.starts_with("  "))
                    .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                    .filter(|name| name != "help")
                    .collect();
                Ok(listed)
            })
            .clone()
    }

    /// Walks the words down the subcommands; every step's `--help` must succeed. A word where a
    /// subcommand is expected must be one of them; the walk ends at a leaf (the rest are
    /// arguments) or at the first flag or placeholder.
    fn walk(&mut self, words: &[String]) -> Result<Vec<String>, String> {
        let mut path: Vec<String> = Vec::new();
        loop {
            let listed = self.subcommands(&path)?;
            let Some(next) = words.get(path.len()) else { return Ok(path) };
            if listed.is_empty() || !is_word(next) {
                return Ok(path);
            }
            if !listed.contains(next) {
                return Err(format!("`ombor {}` has no subcommand `{next}` (it has: {})", path.join(" "), listed.join(", ")));
            }
            path.push(next.clone());
        }
    }
}
