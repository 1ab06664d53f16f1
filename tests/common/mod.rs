//! Helpers for driving the real `ombor` binary.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

pub fn ombor() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ombor"));
    // A test never reads the developer's own config or environment.
    for (k, _) in std::env::vars() {
        if k.starts_with("OMBOR_") {
            c.env_remove(k);
        }
    }
    c.env("XDG_CONFIG_HOME", "/nonexistent-ombor-test").env("OMBOR_LOG", "warn");
    c
}

/// A temp data dir the `postgres` user can enter (tests run as root here).
pub fn data_dir() -> tempfile::TempDir {
    let d = tempfile::Builder::new().prefix("ombor-data-").tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run ombor");
    assert!(out.status.success(), "ombor failed: {}\nstderr: {}", out.status, String::from_utf8_lossy(&out.stderr));
    out
}

pub fn run_err(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run ombor");
    assert!(!out.status.success(), "ombor should have failed; stdout: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).to_string()
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// postgres processes whose command line names `dir`.
pub fn postgres_processes_under(dir: &Path) -> Vec<String> {
    let out = Command::new("pgrep").args(["-a", "-f", &format!("postgres.*{}", dir.display())]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect()
}

/// An Xvfb display with a window manager (keys typed by xdotool only arrive with one).
pub struct XDisplay {
    pub name: String,
    xvfb: std::process::Child,
    wm: std::process::Child,
}

impl XDisplay {
    pub fn start() -> XDisplay {
        Self::start_sized(1280, 800)
    }

    /// A display (and so a kiosk window, which the window manager fills it with) of this size.
    pub fn start_sized(width: u32, height: u32) -> XDisplay {
        let mut failures = vec![];
        for _ in 0..5 {
            match Self::try_start(&format!("{width}x{height}x24")) {
                Ok(display) => return display,
                Err(why) => failures.push(why),
            }
        }
        panic!("no X display with a window manager: {failures:?}");
    }

    fn try_start(screen: &str) -> Result<XDisplay, String> {
        // A display number of this process's own: Xvfbs started at once with -displayfd's free
        // number search could report the same one, and the window manager then found no display.
        // Kept below 59536: X clients (x11rb, in iced's clipboard) add the number to TCP port 6000
        // in a u16 and panic on overflow, which a pid above 4000 reached in CI.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = 1000 + (std::process::id() % 3000) * 16 + NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % 16;
        assert!(n + 6000 <= u16::MAX as u32);
        let name = format!(":{n}");
        // -displayfd: Xvfb writes the number once it accepts connections. -noreset: without it, a
        // loaded machine saw the window manager's first connection refused now and then (the
        // server resets when its last client leaves): 5 of 75 starts, none of 150 with it.
        let mut xvfb = Command::new("Xvfb")
            .args([name.as_str(), "-displayfd", "1", "-screen", "0", screen, "-nolisten", "tcp", "-noreset"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("Xvfb is installed (the README's test command installs it)");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(xvfb.stdout.take().unwrap()), &mut line).unwrap();
        if line.trim() != n.to_string() {
            let _ = xvfb.kill();
            let _ = xvfb.wait();
            return Err(format!("Xvfb did not start on {name}"));
        }
        let wm = Command::new("matchbox-window-manager")
            .args(["-use_titlebar", "no"])
            .env("DISPLAY", &name)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("matchbox-window-manager is installed");
        let mut display = XDisplay { name, xvfb, wm };
        // A window mapped before the window manager has taken the screen may never get keyboard
        // focus (then no typed key reaches it): start the kiosk only once the manager answers.
        let start = std::time::Instant::now();
        while !display.cmd("wmctrl").arg("-m").output().is_ok_and(|o| o.status.success()) {
            if let Ok(Some(status)) = display.wm.try_wait() {
                return Err(format!("the window manager on {} exited: {status}", display.name));
            }
            if start.elapsed() > std::time::Duration::from_secs(20) {
                return Err(format!("the window manager on {} did not answer", display.name));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(display)
    }

    pub fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DISPLAY", &self.name);
        c
    }

    /// Waits until a window with this title is mapped and has the keyboard focus (a scanner's
    /// keys go to the focused window only).
    pub fn wait_for_window(&self, title: &str, timeout: std::time::Duration) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < timeout {
            let out = self.cmd("xdotool").args(["getwindowfocus", "getwindowname"]).output().unwrap();
            if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == title {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        false
    }

    /// Types like a USB scanner: fast keys, then Enter.
    pub fn scan(&self, code: &str) {
        assert!(self.cmd("xdotool").args(["type", "--delay", "8", code]).status().unwrap().success());
        assert!(self.cmd("xdotool").args(["key", "Return"]).status().unwrap().success());
    }

    /// A tap on the touch screen at window coordinates (the window fills the 1280×800 screen).
    pub fn tap(&self, x: u32, y: u32) {
        let ok = self.cmd("xdotool").args(["mousemove", &x.to_string(), &y.to_string(), "click", "1"]).status().unwrap().success();
        assert!(ok, "xdotool click");
    }

    /// Types like a person at a keyboard (slow keys: the scanner does not take them as a scan).
    pub fn type_slowly(&self, text: &str) {
        assert!(self.cmd("xdotool").args(["type", "--delay", "60", text]).status().unwrap().success());
    }

    /// Sends key codes through XTest the way a USB scanner does: the physical keys of `code` on
    /// a US keyboard (Shift held for capitals and symbols), then Enter. The active XKB layout
    /// decides what characters they make, as on a real PC (`xdotool type` maps characters to
    /// keys and would hide that).
    pub fn scan_keycodes(&self, code: &str) {
        let mut events = Vec::new();
        for c in code.chars() {
            let (keycode, shift) = us_keycode(c).unwrap_or_else(|| panic!("no US key for {c:?}"));
            if shift {
                events.push(format!("+{SHIFT_L}"));
            }
            events.push(format!("+{keycode}"));
            events.push(format!("-{keycode}"));
            if shift {
                events.push(format!("-{SHIFT_L}"));
            }
        }
        events.extend([format!("+{RETURN}"), format!("-{RETURN}")]);
        self.xtest(&events);
    }

    /// Presses and releases one X key code (Caps Lock is 66).
    pub fn tap_keycode(&self, keycode: u8) {
        self.xtest(&[format!("+{keycode}"), format!("-{keycode}")]);
    }

    /// Key presses (`+N`) and releases (`-N`) through XTest, 3 ms apart (a scanner's pace).
    pub fn xtest(&self, events: &[String]) {
        const SCRIPT: &str = "import sys, time\nfrom Xlib import X, display\nfrom Xlib.ext import xtest\nd = display.Display()\nfor e in sys.argv[1:]:\n    xtest.fake_input(d, X.KeyPress if e[0] == '+' else X.KeyRelease, int(e[1:]))\n    d.sync()\n    time.sleep(0.003)\n";
        let out = self
            .cmd("/usr/bin/python3")
            .arg("-c")
            .arg(SCRIPT)
            .args(events)
            .output()
            .expect("python3 with python3-xlib (scripts/setup.sh --test)");
        assert!(out.status.success(), "xtest: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Switches the X server's keyboard layout (`ru`, `uz`, `us`).
    pub fn set_layout(&self, layout: &str) {
        let ok = self.cmd("setxkbmap").arg(layout).status().expect("setxkbmap (x11-xkb-utils)").success();
        assert!(ok, "setxkbmap {layout}");
    }

    pub fn key(&self, key: &str) {
        assert!(self.cmd("xdotool").args(["key", key]).status().unwrap().success());
    }

    pub fn screenshot(&self, path: &Path) {
        let _ = self.cmd("import").args(["-window", "root"]).arg(path).status();
    }
}

impl Drop for XDisplay {
    fn drop(&mut self) {
        // SIGTERM: Xvfb removes its lock file and socket (SIGKILL would leave them behind).
        for child in [&mut self.wm, &mut self.xvfb] {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM);
        }
        for child in [&mut self.wm, &mut self.xvfb] {
            if wait_with_deadline(child, std::time::Duration::from_secs(5)).is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// Waits for a child with a deadline; kills it if it overstays.
pub fn wait_with_deadline(child: &mut std::process::Child, timeout: std::time::Duration) -> Option<std::process::ExitStatus> {
    let start = std::time::Instant::now();
    while start.elapsed() < timeout {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    None
}

/// Runs `cmd` with `stdin` piped in; returns (success, stdout, stderr).
pub fn run_with_stdin(mut cmd: Command, stdin: impl AsRef<[u8]>) -> (bool, String, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // The program may stop reading early (a 2 MB "password"): a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_ref());
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// An installation in a temp data dir with its embedded cluster running (stopped on drop),
/// driven through the real binary as a script or a person at a terminal would.
pub struct Kiosk {
    pub data: tempfile::TempDir,
    /// Extra environment for every command (configuration overrides).
    pub env: Vec<(String, String)>,
}

impl Kiosk {
    pub fn new() -> Kiosk {
        let k = Kiosk { data: data_dir(), env: Vec::new() };
        run_ok(&mut k.cmd(&["db", "start"]));
        k
    }

    pub fn path(&self) -> &Path {
        self.data.path()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = ombor();
        c.args(args)
            .env("OMBOR_DATA_DIR", self.data.path())
            .env("OMBOR_GENERAL_STATION", "dock-1")
            .env("OPENCV_LOG_LEVEL", "ERROR")
            .envs(self.env.iter().map(|(a, b)| (a, b)));
        c
    }

    /// Runs with `stdin` piped in; returns (success, stdout, stderr).
    pub fn with_stdin(&self, args: &[&str], stdin: impl AsRef<[u8]>) -> (bool, String, String) {
        run_with_stdin(self.cmd(args), stdin)
    }

    pub fn ok_json(&self, args: &[&str], stdin: &str) -> serde_json::Value {
        let (ok, out, err) = self.with_stdin(args, stdin);
        assert!(ok, "{args:?} failed: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
    }

    pub fn err(&self, args: &[&str], stdin: &str) -> String {
        let (ok, out, err) = self.with_stdin(args, stdin);
        assert!(!ok, "{args:?} should fail: {out}");
        err
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        let _ = self.cmd(&["db", "stop"]).output();
    }
}

/// X key codes of a US keyboard under Xvfb (evdev numbering).
pub const SHIFT_L: u8 = 50;
pub const RETURN: u8 = 36;
pub const CAPS_LOCK: u8 = 66;

/// The X key code that types `c` on a US keyboard, and whether Shift is needed.
pub fn us_keycode(c: char) -> Option<(u8, bool)> {
    const ROWS: [(&str, &str, u8); 4] = [
        ("1234567890-=", "!@#$%^&*()_+", 10),
        ("qwertyuiop[]", "QWERTYUIOP{}", 24),
        ("asdfghjkl;'", "ASDFGHJKL:\"", 38),
        ("zxcvbnm,./", "ZXCVBNM<>?", 52),
    ];
    for (plain, shifted, first) in ROWS {
        if let Some(i) = plain.chars().position(|p| p == c) {
            return Some((first + i as u8, false));
        }
        if let Some(i) = shifted.chars().position(|p| p == c) {
            return Some((first + i as u8, true));
        }
    }
    match c {
        ' ' => Some((65, false)),
        _ => None,
    }
}
