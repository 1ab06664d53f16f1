//! Scanner actor: turns keystrokes from the USB scanner (a keyboard that types fast and
//! presses Enter) into whole codes. Slow keystrokes are a person typing and are dropped, so the
//! operator never enters a code by hand.

use std::time::{Duration, Instant};

use actix::prelude::*;
use futures::channel::mpsc;

use crate::subscribers::Subscribers;

/// One key from the keyboard, stamped when it arrived in the window.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub enum Key {
    Char { ch: char, at: Instant },
    Enter { at: Instant },
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
}

impl From<&models::config::Scanner> for ScannerSettings {
    fn from(c: &models::config::Scanner) -> Self {
        ScannerSettings {
            max_key_interval: Duration::from_millis(c.max_key_interval_ms),
            min_length: c.min_length,
            max_length: c.max_length,
            prefix: c.prefix.clone(),
            suffix: c.suffix.clone(),
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
}

impl CodeAssembler {
    pub fn new(settings: ScannerSettings) -> Self {
        CodeAssembler { settings, buffer: String::new(), chars: 0, overflow: false, last_key: None }
    }

    fn is_burst(&self, at: Instant) -> bool {
        matches!(self.last_key, Some(prev) if at.saturating_duration_since(prev) <= self.settings.max_key_interval)
    }

    fn reset(&mut self) {
        self.buffer.clear();
        self.chars = 0;
        self.overflow = false;
    }

    /// Feeds one key; returns an event when Enter closes a fast burst.
    pub fn key(&mut self, key: Key) -> Option<ScannerEvent> {
        match key {
            Key::Char { ch, at } => {
                if !self.is_burst(at) {
                    // A pause: whatever was typed before belongs to someone's fingers, not the scanner.
                    self.reset();
                }
                self.last_key = Some(at);
                if ch.is_control() {
                    return None;
                }
                self.chars += 1;
                // Bounded: a stuck key or a 10,000-character "code" never grows memory.
                if self.buffer.len() < self.settings.max_length * 4 + 64 {
                    self.buffer.push(ch);
                } else {
                    self.overflow = true;
                }
                None
            }
            Key::Enter { at } => {
                let burst = self.is_burst(at) && self.chars > 0;
                self.last_key = Some(at);
                let event = if burst { Some(self.finish()) } else { None };
                self.reset();
                event
            }
        }
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
        }
    }

    fn type_at(a: &mut CodeAssembler, text: &str, start: Instant, gap_ms: u64) -> (Option<ScannerEvent>, Instant) {
        let mut t = start;
        for ch in text.chars() {
            a.key(Key::Char { ch, at: t });
            t += Duration::from_millis(gap_ms);
        }
        (a.key(Key::Enter { at: t }), t)
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
        a.key(Key::Char { ch: 'x', at: t0 });
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
