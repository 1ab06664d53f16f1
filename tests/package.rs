//! The Debian package: built with cargo-deb from the test build's own binary
//! (`scripts/build-deb.sh --profile dev --no-build`), then its contents, its control fields,
//! its maintainer scripts and units checked, and installed, removed and purged in a throwaway
//! root (`dpkg --root DIR --force-script-chrootless`: the scripts honour $DPKG_ROOT).
//! Skipped with the reason printed when cargo-deb is not installed (scripts/setup.sh --test
//! installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn have(program: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {program}")]).output().is_ok_and(|o| o.status.success())
}

fn cargo_deb_installed() -> bool {
    let home = std::env::var("HOME").unwrap_or_default();
    have("cargo-deb") || Path::new(&home).join(".cargo/bin/cargo-deb").exists()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "{cmd:?} failed:\n{stdout}\n{stderr}");
    stdout + &stderr
}

/// The cargo target dir this test binary was built in (…/target/debug/ombor → …/target).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_ombor")).parent().unwrap().parent().unwrap().to_path_buf()
}

fn build_deb(out: &Path) -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    let path = format!("{home}/.cargo/bin:{}", std::env::var("PATH").unwrap_or_default());
    run(Command::new("scripts/build-deb.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target_dir())
        .env("PATH", path)
        .args(["--profile", "dev", "--no-build", "--fast", "-Z", "gz", "--compress-system", "--no-strip", "--no-separate-debug-symbols", "-o"])
        .arg(out));
    let debs: Vec<PathBuf> = std::fs::read_dir(out).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "deb")).collect();
    assert_eq!(debs.len(), 1, "{debs:?}");
    let name = debs[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("ombor-nazorat_") && name.ends_with("_amd64.deb"), "{name}");
    debs[0].clone()
}

#[test]
fn the_package_installs_an_unprivileged_kiosk_and_purge_keeps_the_data() {
    if !cargo_deb_installed() {
        eprintln!("skipped: cargo-deb is not installed (scripts/setup.sh --test installs it: cargo install cargo-deb --locked)");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let deb = build_deb(work.path());

    // The layout.
    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for want in [
        "./usr/bin/ombor",
        "./etc/ombor-nazorat/ombor.toml",
        "./lib/systemd/system/ombor-kiosk.service",
        "./lib/systemd/system/ombor-db.service",
        "./usr/share/ombor-nazorat/models/centerface.onnx",
        "./usr/share/ombor-nazorat/models/face_recognition_sface_2021dec.onnx",
        "./usr/share/doc/ombor-nazorat/install.md",
        "./usr/share/doc/ombor-nazorat/THIRD_PARTY_NOTICES.md",
        "./usr/share/doc/ombor-nazorat/copyright",
        "./usr/share/doc/ombor-nazorat/changelog.Debian.gz",
        "./usr/share/man/man1/ombor.1.gz",
    ] {
        assert!(contents.lines().any(|l| l.ends_with(want)), "{want} in the package:\n{contents}");
    }
    assert!(contents.lines().any(|l| l.starts_with("-rwxr-xr-x") && l.ends_with("./usr/bin/ombor")), "{contents}");
    assert!(!contents.contains("target/"), "nothing of cargo's target dir: {contents}");

    // Control fields and conffiles.
    let field = |f: &str| run(Command::new("dpkg-deb").arg("--field").arg(&deb).arg(f)).trim().to_string();
    assert_eq!(field("Package"), "ombor-nazorat");
    assert_eq!(field("Architecture"), "amd64");
    assert!(field("Depends").contains("postgresql"), "{}", field("Depends"));
    assert!(field("Recommends").contains("cage") && field("Recommends").contains("xwayland"), "{}", field("Recommends"));
    let control = work.path().join("control");
    run(Command::new("dpkg-deb").arg("--control").arg(&deb).arg(&control));
    let conffiles = std::fs::read_to_string(control.join("conffiles")).unwrap();
    assert!(conffiles.lines().any(|l| l == "/etc/ombor-nazorat/ombor.toml"), "{conffiles}");
    for script in ["postinst", "prerm", "postrm"] {
        run(Command::new("sh").arg("-n").arg(control.join(script)));
    }

    // The installed configuration is the documented one with the package's paths, and loads.
    let files = work.path().join("files");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&files));
    // The changelog names the package's version (a version bump without an entry is caught).
    let changelog = run(Command::new("zcat").arg(files.join("usr/share/doc/ombor-nazorat/changelog.Debian.gz")));
    let version = field("Version");
    assert!(changelog.starts_with(&format!("ombor-nazorat ({version}) ")), "changelog.Debian for {version}:\n{changelog}");
    let man = run(Command::new("zcat").arg(files.join("usr/share/man/man1/ombor.1.gz")));
    assert!(man.contains(".TH ombor 1") && man.contains("migrate") && man.contains("doctor"), "ombor(1):\n{man}");
    let copyright = std::fs::read_to_string(files.join("usr/share/doc/ombor-nazorat/copyright")).unwrap();
    assert!(copyright.starts_with("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"), "{copyright}");
    let toml = std::fs::read_to_string(files.join("etc/ombor-nazorat/ombor.toml")).unwrap();
    assert!(toml.contains("data_dir = \"/var/lib/ombor-nazorat\"") && toml.contains("models_dir = \"/usr/share/ombor-nazorat/models\""));
    run(Command::new(env!("CARGO_BIN_EXE_ombor")).args(["config", "show", "--config"]).arg(files.join("etc/ombor-nazorat/ombor.toml")));

    // The units: an unprivileged user, cage on tty1, /usr/bin/ombor — never root, never a
    // display of someone else, never cargo's target dir.
    let kiosk = std::fs::read_to_string(files.join("lib/systemd/system/ombor-kiosk.service")).unwrap();
    let db = std::fs::read_to_string(files.join("lib/systemd/system/ombor-db.service")).unwrap();
    for want in ["User=ombor", "PAMName=login", "TTYPath=/dev/tty1", "ExecStart=/usr/bin/cage -d -s -- /usr/bin/ombor run", "Conflicts=getty@tty1.service"] {
        assert!(kiosk.contains(want), "{want} in\n{kiosk}");
    }
    for want in ["User=ombor", "ExecStart=/usr/bin/ombor db start", "Environment=OMBOR_CONFIG=/etc/ombor-nazorat/ombor.toml"] {
        assert!(db.contains(want), "{want} in\n{db}");
    }
    for unit in [&kiosk, &db] {
        assert!(!unit.contains("DISPLAY=") && !unit.contains("XAUTHORITY") && !unit.contains("User=root"), "{unit}");
    }

    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped the throwaway-root installation: it needs root (dpkg --root, chown)");
        return;
    }
    let root = work.path().join("root");
    install_remove_purge(&root, &deb);
}

/// A throwaway root with just what dpkg, useradd and systemd-analyze need: a merged /usr (as
/// Debian 12 has), the dpkg database, the host's account files and the host's systemd units
/// (standing in for the `systemd` package the .deb depends on: sysinit.target, getty@.service…).
fn throwaway_root(root: &Path) {
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc", "usr/bin", "usr/sbin", "usr/lib", "var/lib"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for (link, to) in [("lib", "usr/lib"), ("bin", "usr/bin"), ("sbin", "usr/sbin")] {
        std::os::unix::fs::symlink(to, root.join(link)).unwrap();
    }
    let units = Path::new("/usr/lib/systemd/system");
    assert!(units.is_dir(), "systemd's units in {} (package systemd)", units.display());
    std::fs::create_dir_all(root.join("usr/lib/systemd")).unwrap();
    run(Command::new("cp").arg("-a").arg(units).arg(root.join("usr/lib/systemd/")));
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    std::fs::write(root.join("var/lib/dpkg/available"), "").unwrap();
    for f in ["passwd", "group", "shadow", "gshadow", "login.defs"] {
        if Path::new("/etc").join(f).exists() {
            std::fs::copy(Path::new("/etc").join(f), root.join("etc").join(f)).unwrap();
        }
    }
    // The host may already have an `ombor` user (an installed package): start without it.
    for f in ["passwd", "group", "shadow", "gshadow"] {
        let p = root.join("etc").join(f);
        if let Ok(text) = std::fs::read_to_string(&p) {
            let kept: String = text.lines().filter(|l| !l.starts_with("ombor:")).map(|l| format!("{l}\n")).collect();
            std::fs::write(&p, kept).unwrap();
        }
    }
}

fn dpkg(root: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> String {
    let mut c = Command::new("dpkg");
    c.arg(format!("--root={}", root.display()))
        .args(["--force-script-chrootless", "--force-depends", "--force-not-root", "--log=/dev/null"])
        .args(args)
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (k, v) in extra_env {
        c.env(k, v);
    }
    run(&mut c)
}

fn install_remove_purge(root: &Path, deb: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    throwaway_root(root);
    let deb = deb.to_str().unwrap();
    dpkg(root, &["-i", deb], &[]);
    assert!(root.join("usr/bin/ombor").exists());
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    let entry = passwd.lines().find(|l| l.starts_with("ombor:")).unwrap_or_else(|| panic!("no ombor user:\n{passwd}"));
    let fields: Vec<&str> = entry.split(':').collect();
    let uid: u32 = fields[2].parse().unwrap();
    assert!(uid > 0 && uid < 1000, "a system user: {entry}");
    assert_eq!((fields[5], fields[6]), ("/var/lib/ombor-nazorat", "/usr/sbin/nologin"), "{entry}");
    let data = root.join("var/lib/ombor-nazorat");
    let meta = std::fs::metadata(&data).unwrap();
    assert_eq!((meta.permissions().mode() & 0o777, meta.uid()), (0o750, uid), "data dir 0750, owned by ombor");
    let backups = std::fs::metadata(data.join("backups")).unwrap();
    assert_eq!((backups.permissions().mode() & 0o777, backups.uid()), (0o700, uid), "backup folder 0700, owned by ombor");
    let wants = root.join("etc/systemd/system/graphical.target.wants/ombor-kiosk.service");
    let db_wants = root.join("etc/systemd/system/multi-user.target.wants/ombor-db.service");
    assert!(have("deb-systemd-helper"), "deb-systemd-helper (package init-system-helpers)");
    assert!(std::fs::symlink_metadata(&wants).is_ok() && std::fs::symlink_metadata(&db_wants).is_ok(), "both units enabled");

    // The units as installed, checked by systemd itself inside the root: the referenced units
    // and the ExecStart binaries are looked up there (/usr/bin/ombor is the package's; cage, a
    // dependency not installed in this root, gets a stand-in for the check only).
    std::fs::write(root.join("usr/bin/cage"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(root.join("usr/bin/cage"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let verify = |units: &[&str]| {
        let out = Command::new("systemd-analyze")
            .arg(format!("--root={}", root.display()))
            .arg("verify")
            .args(units)
            .output()
            .expect("systemd-analyze (package systemd)");
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, stderr) = verify(&["ombor-kiosk.service", "ombor-db.service"]);
    assert!(ok && !stderr.contains("ombor-"), "systemd-analyze verify --root:\n{stderr}");
    // The check can fail: a unit whose ExecStart is missing from the root is named.
    let broken = root.join("etc/systemd/system/ombor-broken.service");
    std::fs::write(&broken, "[Service]\nType=bogus\nExecStart=/usr/bin/ombor-missing\n").unwrap();
    let (ok, stderr) = verify(&["ombor-broken.service"]);
    assert!(!ok && stderr.contains("ombor-broken.service") && stderr.contains("bogus"), "a broken unit is reported:\n{stderr}");
    std::fs::remove_file(&broken).unwrap();

    // An admin who turned the kiosk off keeps it off through an upgrade (here: the same
    // package installed again, which runs postinst with the old version).
    run(Command::new("systemctl").arg(format!("--root={}", root.display())).args(["disable", "ombor-kiosk.service"]));
    assert!(std::fs::symlink_metadata(&wants).is_err());
    dpkg(root, &["-i", deb], &[]);
    assert!(std::fs::symlink_metadata(&wants).is_err(), "the kiosk stays disabled after an upgrade");
    assert!(std::fs::symlink_metadata(&db_wants).is_ok(), "the database unit stays enabled");
    run(Command::new("systemctl").arg(format!("--root={}", root.display())).args(["enable", "ombor-kiosk.service"]));

    // Data the program made stays through remove and purge.
    std::fs::write(data.join("model.yml"), "numbers").unwrap();
    dpkg(root, &["-r", "ombor-nazorat"], &[]);
    assert!(!root.join("usr/bin/ombor").exists(), "the program is removed");
    assert!(root.join("etc/ombor-nazorat/ombor.toml").exists(), "remove keeps the configuration");
    // As debhelper's scripts do: remove masks the units, purge forgets them.
    let mask = |unit: &str| std::fs::read_link(root.join("etc/systemd/system").join(unit)).ok();
    for unit in ["ombor-kiosk.service", "ombor-db.service"] {
        assert_eq!(mask(unit), Some(PathBuf::from("/dev/null")), "remove masks {unit}");
    }
    dpkg(root, &["--purge", "ombor-nazorat"], &[]);
    assert!(!root.join("etc/ombor-nazorat").exists(), "purge removes the configuration");
    for unit in ["ombor-kiosk.service", "ombor-db.service"] {
        assert_eq!(mask(unit), None, "purge unmasks {unit}");
    }
    assert!(std::fs::symlink_metadata(&wants).is_err() && std::fs::symlink_metadata(&db_wants).is_err(), "purge removes the enabled links");
    assert!(data.join("model.yml").exists(), "purge keeps the data unless asked");

    // Asked: OMBOR_PURGE_DATA=yes removes the data and the user too.
    dpkg(root, &["-i", deb], &[]);
    dpkg(root, &["--purge", "ombor-nazorat"], &[("OMBOR_PURGE_DATA", "yes")]);
    assert!(!data.exists(), "OMBOR_PURGE_DATA=yes purges the data");
    assert!(!std::fs::read_to_string(root.join("etc/passwd")).unwrap().contains("ombor:"), "and the user");
}
