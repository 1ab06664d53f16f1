//! Scanner actor: turns keystrokes from the USB scanner (a keyboard that types fast and
//! presses Enter) into whole codes. Slow keystrokes are a person typing and are dropped, so the
//! operator never enters a code by hand.
//!
//! A scanner presses the physical keys of its own layout (US unless programmed otherwise); the
//! operating system's layout then makes characters of them — Cyrillic ones under `ru` or `uz`.
//! So a code is read from the physical keys and Shift, in the scanner's layout
//! ([`ScannerLayout`]): the same code whatever layout is active and whether Caps Lock is on.
//! What a person types into a text field is not read here and keeps following the OS layout.

use std::time::{Duration, Instant};

use actix::prelude::*;
use futures::channel::mpsc;
use models::keyboard::{numpad_digit, ScannerLayout, Terminator};

use crate::subscribers::Subscribers;

/// The GS1 group separator (ASCII 29) inside GS1-128 / GS1 DataMatrix codes.
pub const GROUP_SEPARATOR: char = '\u{1d}';

/// Modifier keys held with a key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Modifiers {
    pub shift: bool,
    pub ctrl: bool,
    pub alt: bool,
}

/// One key from the keyboard, stamped when it arrived in the window.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub enum Key {
    /// A key that may be part of a code. `code` is the physical key's W3C name ("KeyQ",
    /// "Digit1", "Minus", "Numpad7"), `text` what the OS layout made of it (if one character).
    Press {
        code: Option<String>,
        text: Option<char>,
        modifiers: Modifiers,
        at: Instant,
    },
    Enter {
        at: Instant,
    },
    Tab {
        at: Instant,
    },
}

impl Key {
    /// A key known only by the character it made (a paste, a test): no physical key.
    pub fn typed(ch: char, at: Instant) -> Key {
        Key::Press { code: None, text: Some(ch), modifiers: Modifiers::default(), at }
    }

    /// The character a person sees typed (the OS layout's), for text fields.
    pub fn text(&self) -> Option<char> {
        match self {
            Key::Press { text, modifiers, .. } if !modifiers.ctrl => text.filter(|c| !c.is_control()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    /// A whole code, prefix/suffix and control characters removed.
    Scanned(String),
    /// Something fast ended with Enter but is not a usable code.
    Garbled(GarbledReason),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GarbledReason {
    TooShort { len: usize, min: usize },
    TooLong { max: usize },
}

/// Subscribe to scanner events (the UI keeps the receiving end).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe(pub mpsc::Sender<ScannerEvent>);

#[derive(Debug, Clone)]
pub struct ScannerSettings {
    pub max_key_interval: Duration,
    pub min_length: usize,
    pub max_length: usize,
    pub prefix: String,
    pub suffix: String,
    pub layout: ScannerLayout,
    pub terminator: Terminator,
}

impl From<&models::config::Scanner> for ScannerSettings {
    fn from(c: &models::config::Scanner) -> Self {
        ScannerSettings {
            max_key_interval: Duration::from_millis(c.max_key_interval_ms),
            min_length: c.min_length,
            max_length: c.max_length,
            prefix: c.prefix.clone(),
            suffix: c.suffix.clone(),
            layout: c.layout,
            terminator: c.terminator,
        }
    }
}

/// The keystroke → code logic, without an actor, so it can be tested directly.
#[derive(Debug)]
pub struct CodeAssembler {
    settings: ScannerSettings,
    buffer: String,
    chars: usize,
    overflow: bool,
    last_key: Option<Instant>,
    /// Digits typed on the numeric keypad with Alt held (Alt+029 is a group separator).
    alt_code: Option<u32>,
    /// A scan just ended with Enter: an LF (Ctrl+J) right after it belongs to it.
    ended_at: Option<Instant>,
}

impl CodeAssembler {
    pub fn new(settings: ScannerSettings) -> Self {
        CodeAssembler { settings, buffer: String::new(), chars: 0, overflow: false, last_key: None, alt_code: None, ended_at: None }
    }

    fn is_burst(&self, at: Instant) -> bool {
        matches!(self.last_key, Some(prev) if at.saturating_duration_since(prev) <= self.settings.max_key_interval)
    }

    fn reset(&mut self) {
        self.buffer.clear();
        self.chars = 0;
        self.overflow = false;
        self.alt_code = None;
    }

    fn push(&mut self, ch: char) {
        if ch.is_control() && ch != GROUP_SEPARATOR {
            return;
        }
        self.chars += 1;
        // Bounded: a stuck key or a 10,000-character "code" never grows memory.
        if self.buffer.len() < self.settings.max_length * 4 + 64 {
            self.buffer.push(ch);
        } else {
            self.overflow = true;
        }
    }

    /// An Alt+numpad code ends when a key comes without Alt (or the scan ends).
    fn flush_alt_code(&mut self) {
        if let Some(n) = self.alt_code.take() {
            if let Some(c) = char::from_u32(n) {
                self.push(c);
            }
        }
    }

    /// Feeds one key; returns an event when the terminator closes a fast burst.
    pub fn key(&mut self, key: Key) -> Option<ScannerEvent> {
        let at = match &key {
            Key::Press { at, .. } | Key::Enter { at } | Key::Tab { at } => *at,
        };
        if !self.is_burst(at) {
            // A pause: whatever was typed before belongs to someone's fingers, not the scanner.
            self.reset();
        }
        let after_end = self.ended_at.take().is_some_and(|t| at.saturating_duration_since(t) <= self.settings.max_key_interval);
        self.last_key = Some(at);
        let ends = match key {
            Key::Press { code, text, modifiers, .. } => {
                let code = code.as_deref().unwrap_or("");
                if modifiers.ctrl {
                    // Ctrl+] is how a US-keyboard scanner sends GS; Ctrl+J is an LF.
                    if code == "BracketRight" || text == Some(GROUP_SEPARATOR) {
                        self.flush_alt_code();
                        self.push(GROUP_SEPARATOR);
                        return None;
                    }
                    let lf = code == "KeyJ" || text == Some('\n');
                    if !(lf && self.settings.terminator == Terminator::Crlf && !after_end) {
                        return None;
                    }
                    true
                } else if let (true, Some(d)) = (modifiers.alt, numpad_digit(code)) {
                    self.alt_code = Some(self.alt_code.unwrap_or(0).saturating_mul(10).saturating_add(d).min(0x10_FFFF));
                    return None;
                } else {
                    self.flush_alt_code();
                    let ch = self.settings.layout.char_for(code, modifiers.shift).or(text);
                    if let Some(ch) = ch {
                        self.push(ch);
                    }
                    return None;
                }
            }
            Key::Enter { .. } => matches!(self.settings.terminator, Terminator::Enter | Terminator::Crlf | Terminator::Any),
            Key::Tab { .. } => matches!(self.settings.terminator, Terminator::Tab | Terminator::Any),
        };
        if !ends {
            return None;
        }
        self.flush_alt_code();
        let event = (self.chars > 0).then(|| self.finish());
        self.reset();
        self.ended_at = event.is_some().then_some(at);
        event
    }

    fn finish(&self) -> ScannerEvent {
        let mut code = self.buffer.trim();
        if !self.settings.prefix.is_empty() {
            code = code.strip_prefix(self.settings.prefix.as_str()).unwrap_or(code);
        }
        if !self.settings.suffix.is_empty() {
            code = code.strip_suffix(self.settings.suffix.as_str()).unwrap_or(code);
        }
        let code = code.trim();
        let len = code.chars().count();
        if self.overflow || len > self.settings.max_length {
            ScannerEvent::Garbled(GarbledReason::TooLong { max: self.settings.max_length })
        } else if len < self.settings.min_length {
            ScannerEvent::Garbled(GarbledReason::TooShort { len, min: self.settings.min_length })
        } else {
            ScannerEvent::Scanned(code.to_string())
        }
    }
}

pub struct Scanner {
    assembler: CodeAssembler,
    subscribers: Subscribers<ScannerEvent>,
}

impl Scanner {
    pub fn new(settings: ScannerSettings) -> Self {
        Scanner { assembler: CodeAssembler::new(settings), subscribers: Subscribers::default() }
    }
}

impl Actor for Scanner {
    type Context = Context<Self>;
}

impl Handler<Key> for Scanner {
    type Result = ();
    fn handle(&mut self, key: Key, _: &mut Context<Self>) {
        if let Some(event) = self.assembler.key(key) {
            match &event {
                ScannerEvent::Scanned(code) => tracing::info!(len = code.len(), "code scanned"),
                ScannerEvent::Garbled(reason) => tracing::warn!(?reason, "garbled scan"),
            }
            self.subscribers.publish(event);
        }
    }
}

impl Handler<Subscribe> for Scanner {
    type Result = ();
    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) {
        self.subscribers.add(msg.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ScannerSettings {
        ScannerSettings {
            max_key_interval: Duration::from_millis(50),
            min_length: 3,
            max_length: 32,
            prefix: String::new(),
            suffix: String::new(),
            layout: ScannerLayout::Us,
            terminator: Terminator::Enter,
        }
    }

    fn type_at(a: &mut CodeAssembler, text: &str, start: Instant, gap_ms: u64) -> (Option<ScannerEvent>, Instant) {
        let mut t = start;
        for ch in text.chars() {
            a.key(Key::typed(ch, t));
            t += Duration::from_millis(gap_ms);
        }
        (a.key(Key::Enter { at: t }), t)
    }

    /// A physical key as X delivers it: `text` is what the active OS layout made of it.
    fn press(code: &str, text: char, shift: bool, at: Instant) -> Key {
        Key::Press { code: Some(code.into()), text: Some(text), modifiers: Modifiers { shift, ..Default::default() }, at }
    }

    /// The keys of `QR-0001` as they arrive under `ru` (ЙК-0001), `uz` (ЙКғ0001) or with Caps
    /// Lock on (the scanner still holds Shift for capitals, so X gives `qr-0001`).
    fn qr_0001(a: &mut CodeAssembler, os_text: [char; 3], t0: Instant) -> Option<ScannerEvent> {
        let keys = [
            ("KeyQ", os_text[0], true),
            ("KeyR", os_text[1], true),
            ("Minus", os_text[2], false),
            ("Digit0", '0', false),
            ("Digit0", '0', false),
            ("Digit0", '0', false),
            ("Digit1", '1', false),
        ];
        let mut t = t0;
        for (code, text, shift) in keys {
            a.key(press(code, text, shift, t));
            t += Duration::from_millis(4);
        }
        a.key(Key::Enter { at: t })
    }

    #[test]
    fn the_code_is_read_from_physical_keys_whatever_the_os_layout() {
        let t0 = Instant::now();
        let mut a = CodeAssembler::new(settings());
        let scanned = Some(ScannerEvent::Scanned("QR-0001".into()));
        assert_eq!(qr_0001(&mut a, ['Q', 'R', '-'], t0), scanned, "us");
        assert_eq!(qr_0001(&mut a, ['Й', 'К', '-'], t0 + Duration::from_secs(1)), scanned, "ru");
        assert_eq!(qr_0001(&mut a, ['Й', 'К', 'ғ'], t0 + Duration::from_secs(2)), scanned, "uz");
        assert_eq!(qr_0001(&mut a, ['q', 'r', '-'], t0 + Duration::from_secs(3)), scanned, "Caps Lock on");
        // "os": the characters of the active layout, as they came.
        let mut os = CodeAssembler::new(ScannerSettings { layout: ScannerLayout::Os, ..settings() });
        assert_eq!(qr_0001(&mut os, ['Й', 'К', '-'], t0), Some(ScannerEvent::Scanned("ЙК-0001".into())));
    }

    #[test]
    fn gs1_group_separators_are_kept() {
        let t0 = Instant::now();
        let mut a = CodeAssembler::new(settings());
        let ctrl = Modifiers { ctrl: true, ..Default::default() };
        let alt = Modifiers { alt: true, ..Default::default() };
        let mut t = t0;
        let mut next = || {
            t += Duration::from_millis(3);
            t
        };
        for c in "0109".chars() {
            a.key(Key::typed(c, next()));
        }
        // Ctrl+] (US keyboard mode), then Alt+0029 on the numeric keypad.
        a.key(Key::Press { code: Some("BracketRight".into()), text: None, modifiers: ctrl, at: next() });
        a.key(Key::typed('1', next()));
        for d in ["Numpad0", "Numpad0", "Numpad2", "Numpad9"] {
            a.key(Key::Press { code: Some(d.into()), text: None, modifiers: alt, at: next() });
        }
        a.key(Key::typed('7', next()));
        let e = a.key(Key::Enter { at: next() });
        assert_eq!(e, Some(ScannerEvent::Scanned("0109\u{1d}1\u{1d}7".into())));
    }

    #[test]
    fn the_terminator_is_configurable() {
        let t0 = Instant::now();
        let mut tab = CodeAssembler::new(ScannerSettings { terminator: Terminator::Tab, ..settings() });
        for (i, c) in "AB-12".chars().enumerate() {
            tab.key(Key::typed(c, t0 + Duration::from_millis(i as u64)));
        }
        assert_eq!(tab.key(Key::Enter { at: t0 + Duration::from_millis(6) }), None, "Enter does not end a scan here");
        assert_eq!(tab.key(Key::Tab { at: t0 + Duration::from_millis(7) }), Some(ScannerEvent::Scanned("AB-12".into())));

        // CR/LF: the code ends at the CR; the LF (Ctrl+J) after it starts nothing; an LF alone ends one too.
        let mut crlf = CodeAssembler::new(ScannerSettings { terminator: Terminator::Crlf, ..settings() });
        let ctrl_j =
            |at| Key::Press { code: Some("KeyJ".into()), text: None, modifiers: Modifiers { ctrl: true, ..Default::default() }, at };
        let (e, t) = type_at(&mut crlf, "AB-12", t0, 2);
        assert_eq!(e, Some(ScannerEvent::Scanned("AB-12".into())));
        assert_eq!(crlf.key(ctrl_j(t + Duration::from_millis(2))), None);
        let t = t + Duration::from_secs(1);
        for (i, c) in "CD-34".chars().enumerate() {
            crlf.key(Key::typed(c, t + Duration::from_millis(i as u64)));
        }
        assert_eq!(crlf.key(ctrl_j(t + Duration::from_millis(6))), Some(ScannerEvent::Scanned("CD-34".into())));
        // Under "enter", Tab is not an end and not part of the code.
        let mut enter = CodeAssembler::new(settings());
        for (i, c) in "EF-56".chars().enumerate() {
            enter.key(Key::typed(c, t0 + Duration::from_millis(i as u64)));
        }
        assert_eq!(enter.key(Key::Tab { at: t0 + Duration::from_millis(6) }), None);
        assert_eq!(enter.key(Key::Enter { at: t0 + Duration::from_millis(7) }), Some(ScannerEvent::Scanned("EF-56".into())));
    }

    #[test]
    fn fast_burst_is_a_code() {
        let mut a = CodeAssembler::new(settings());
        let (e, _) = type_at(&mut a, "QR-000123", Instant::now(), 5);
        assert_eq!(e, Some(ScannerEvent::Scanned("QR-000123".into())));
    }

    #[test]
    fn slow_typing_is_ignored() {
        let mut a = CodeAssembler::new(settings());
        let (e, _) = type_at(&mut a, "QR-000123", Instant::now(), 300);
        assert_eq!(e, None);
    }

    #[test]
    fn a_pause_before_the_scan_drops_earlier_keys() {
        let mut a = CodeAssembler::new(settings());
        let t0 = Instant::now();
        a.key(Key::typed('x', t0));
        let (e, _) = type_at(&mut a, "ABC-1", t0 + Duration::from_secs(2), 3);
        assert_eq!(e, Some(ScannerEvent::Scanned("ABC-1".into())));
    }

    #[test]
    fn prefix_suffix_and_lengths() {
        let mut s = settings();
        s.prefix = "]Q1".into();
        s.suffix = "#".into();
        let mut a = CodeAssembler::new(s);
        let (e, t) = type_at(&mut a, "]Q1SKU-77#", Instant::now(), 2);
        assert_eq!(e, Some(ScannerEvent::Scanned("SKU-77".into())));
        let (e, t) = type_at(&mut a, "ab", t + Duration::from_secs(1), 2);
        assert_eq!(e, Some(ScannerEvent::Garbled(GarbledReason::TooShort { len: 2, min: 3 })));
        let long = "9".repeat(10_000);
        let (e, _) = type_at(&mut a, &long, t + Duration::from_secs(1), 0);
        assert_eq!(e, Some(ScannerEvent::Garbled(GarbledReason::TooLong { max: 32 })));
        assert!(a.buffer.capacity() < 1024, "the buffer stays bounded");
    }

    #[test]
    fn lone_enter_does_nothing() {
        let mut a = CodeAssembler::new(settings());
        assert_eq!(a.key(Key::Enter { at: Instant::now() }), None);
    }
}
