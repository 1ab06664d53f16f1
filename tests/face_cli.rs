//! Face ID through the real `ombor` binary and its embedded cluster: enrolment from photos,
//! identification, movements confirmed by a face photo (and refused without one), and the
//! face leaving the model file when the employee is deactivated.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use models::testing::face_fixture_people;

const BOSS: &str = "boss-password-1\n";
const OP: &str = "op-password-1\n";

fn links_to_first_five(dir: &Path, photos: &[PathBuf]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    for p in &photos[..5] {
        std::os::unix::fs::symlink(p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir.display().to_string()
}

fn no_images_under(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            no_images_under(&p);
        } else if meta.is_file() && meta.len() >= 4 {
            let head = std::fs::read(&p).map(|b| b[..4].to_vec()).unwrap_or_default();
            assert!(!head.starts_with(&[0xff, 0xd8]) && !head.starts_with(b"\x89PNG"), "an image was written: {}", p.display());
        }
    }
}

#[test]
fn movements_need_a_recognised_face_end_to_end() {
    let k = Kiosk::new();
    let links = tempfile::tempdir().unwrap();
    let with = |args: &[&'static str]| -> Vec<&'static str> { [args, &["--user", "boss", "--password-stdin", "--json"][..]].concat() };
    k.ok_json(&["user", "add", "--username", "boss", "--role", "admin", "--password-stdin", "--json"], BOSS);
    k.ok_json(
        &["user", "add", "--username", "op", "--role", "operator", "--user", "boss", "--password-stdin", "--json"],
        &format!("{BOSS}{OP}"),
    );
    k.ok_json(
        &["user", "add", "--username", "look", "--role", "viewer", "--user", "boss", "--password-stdin", "--json"],
        &format!("{BOSS}viewer-pass-1\n"),
    );
    k.ok_json(&with(&["product", "add", "--sku", "CEM-50", "--qr", "QR-000123", "--name", "Sement 50 kg", "--unit", "box"]), BOSS);

    let people = face_fixture_people();
    let (stranger, enrolled) = people.split_last().unwrap();
    let mut ids = Vec::new();
    for (name, photos) in enrolled {
        let e = k.ok_json(&["employee", "add", "--name", name, "--user", "boss", "--password-stdin", "--json"], BOSS);
        let id = e["id"].as_i64().unwrap();
        let dir = links_to_first_five(&links.path().join(name), photos);
        let r = k.ok_json(&["employee", "enroll", &id.to_string(), "--images", &dir, "--user", "boss", "--password-stdin", "--json"], BOSS);
        assert_eq!(r["frames"], 5, "{name}: {r}");
        ids.push(id);
    }
    // An operator may not enrol faces.
    let dir = links_to_first_five(&links.path().join("again"), &enrolled[0].1);
    let e = k.err(&["employee", "enroll", &ids[0].to_string(), "--images", &dir, "--user", "op", "--password-stdin"], OP);
    assert!(e.contains("may not enroll_faces"), "{e}");

    let sixth = |i: usize| enrolled[i].1[5].display().to_string();
    let who = k.ok_json(&["face", "identify", &sixth(0), "--json"], "");
    assert_eq!(who["employee_id"].as_i64(), Some(ids[0]), "{who}");
    assert_eq!(who["employee_name"], enrolled[0].0.as_str());
    let nobody = k.ok_json(&["face", "identify", &stranger.1[0].display().to_string(), "--json"], "");
    assert_eq!(nobody["known"], false, "{nobody}");

    // The kiosk's path: role, face recorded as the verification, then the ledger.
    let m = k.ok_json(&["movement", "in", "QR-000123", "5", "--face", &sixth(1), "--user", "op", "--password-stdin", "--json"], OP);
    assert_eq!(m["employee_id"].as_i64(), Some(ids[1]), "{m}");
    assert_eq!(m["stock_after"], "5");
    assert!(m["verification_id"].as_i64().is_some());

    // Quantities are read strictly (models::quantity), before the password and the face:
    // rust_decimal alone would post 1,000 for `1e3` and `1_000`.
    for (q, says) in [
        ("1e3", "only the digits 0-9"),
        ("1_000", "only the digits 0-9"),
        ("+5", "has a sign"),
        (" 5", "spaces"),
        ("5.", "both sides of the decimal point"),
        (".5", "both sides of the decimal point"),
        ("1.5", "this unit allows 0"),
        ("0", "greater than zero"),
    ] {
        let e = k.err(&["movement", "in", "QR-000123", q, "--face", &sixth(1), "--user", "op", "--password-stdin"], OP);
        assert!(e.contains("invalid quantity") && e.contains(says) && e.contains("nothing was posted"), "{q:?}: {e}");
    }

    // Refused: a stranger's face, no face at all, a viewer's login.
    let e = k.err(
        &["movement", "out", "QR-000123", "1", "--face", &stranger.1[5].display().to_string(), "--user", "op", "--password-stdin"],
        OP,
    );
    assert!(e.contains("face not recognised"), "{e}");
    let blank = links.path().join("blank.png");
    let made = std::process::Command::new("convert").args(["-size", "320x240", "xc:gray60", blank.to_str().unwrap()]).status().unwrap();
    assert!(made.success());
    let e = k.err(&["movement", "out", "QR-000123", "1", "--face", blank.to_str().unwrap(), "--user", "op", "--password-stdin"], OP);
    assert!(e.contains("face not recognised (NoFace)"), "{e}");
    let e = k.err(&["movement", "out", "QR-000123", "1", "--face", &sixth(1), "--user", "look", "--password-stdin"], "viewer-pass-1\n");
    assert!(e.contains("may not post_movement"), "{e}");
    let s = k.ok_json(&["stock", "QR-000123", "--json"], "");
    assert_eq!(s["stock"], "5", "refused movements changed nothing");

    // A deactivated employee leaves the model file itself; their face no longer posts.
    k.ok_json(&["employee", "deactivate", &ids[1].to_string(), "--user", "boss", "--password-stdin", "--json"], BOSS);
    let model = std::fs::read_to_string(k.data.path().join("model.yml")).unwrap();
    assert!(!model.contains(&format!("sface_{}:", ids[1])) && model.contains(&format!("sface_{}:", ids[0])), "{model:.300}");
    let e = k.err(&["movement", "out", "QR-000123", "1", "--face", &sixth(1), "--user", "op", "--password-stdin"], OP);
    assert!(e.contains("face not recognised"), "{e}");

    no_images_under(k.data.path());
}
