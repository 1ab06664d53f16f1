//! Face ID on real photographs (the AT&T/ORL faces that scripts/fetch-face-fixtures.sh caches, or
//! $OMBOR_TEST_FACES; ../shared/fixtures/faces as an extra set when present): enrolment,
//! identification, strangers, the model file, the quality gate, and the camera actor.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use actors::camera::{Camera, CameraEvent, CameraSettings, SubscribeCamera};
use actors::face_recognizer::{Backend, FaceHint, FaceService};
use futures::StreamExt;
use models::testing::{face_fixture_people, faces_dir};

fn people() -> Vec<(String, Vec<PathBuf>)> {
    let out = face_fixture_people();
    assert!(out.len() >= 5 && out.iter().all(|(_, p)| p.len() >= 6), "5 people × 6 photos expected in {}", faces_dir().display());
    out
}

fn config(data_dir: &Path, backend: &str) -> models::Config {
    let mut c = models::Config::default();
    c.general.data_dir = data_dir.display().to_string();
    c.face.backend = models::config::FaceBackend::parse(backend).expect("sface or lbph");
    c
}

/// A folder of links to the first five photos of a person: what `enroll --images DIR` reads.
fn first_five(dir: &Path, photos: &[PathBuf]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for p in &photos[..5] {
        std::os::unix::fs::symlink(p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir.to_path_buf()
}

fn image_files_under(dir: &Path) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let Ok(top) = std::fs::metadata(dir) else { return Vec::new() };
    let mut found = Vec::new();
    walk_images(dir, top.dev(), &mut found);
    found
}

/// Stays on `dev`'s filesystem: a proc or a /dev mounted somewhere under /tmp (a chroot) holds
/// "regular" files such as kmsg whose read never returns.
fn walk_images(dir: &Path, dev: u64, found: &mut Vec<PathBuf>) {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        // Other programs' files in /tmp may vanish while we walk: not ours, not a finding.
        let Ok(meta) = std::fs::symlink_metadata(&p) else { continue };
        if meta.dev() != dev {
            continue;
        }
        if meta.is_dir() {
            walk_images(&p, dev, found);
        } else if meta.is_file() {
            let ext = p.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
            // The magic bytes are enough: no need to read whole files of other programs.
            let mut head = [0u8; 8];
            let n = std::fs::File::open(&p).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
            let bytes = &head[..n];
            let magic = bytes.starts_with(&[0xff, 0xd8]) || bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"BM");
            if magic || ["jpg", "jpeg", "png", "bmp", "ppm", "pgm", "webp", "tif", "tiff"].contains(&ext.as_str()) {
                found.push(p);
            }
        }
    }
}

#[test]
fn sface_identifies_each_sixth_photo_and_rejects_a_stranger() {
    identifies_each_sixth_photo_and_rejects_a_stranger(&people());
}

/// The same on the optional extra photos beside the checkout (../shared/fixtures/faces: five
/// people, 150×150 colour crops), when they are there.
#[test]
fn sface_on_the_extra_photos_when_present() {
    let Some(dir) = models::testing::extra_faces_dir() else {
        eprintln!("skipped: no extra face photos in ../shared/fixtures/faces (optional)");
        return;
    };
    let people = models::testing::people_in(&dir);
    assert!(people.len() >= 2 && people.iter().all(|(_, p)| p.len() >= 6), "{}", dir.display());
    identifies_each_sixth_photo_and_rejects_a_stranger(&people);
}

/// Everyone but the last person enrolled from their first five photos: each one's sixth photo
/// names them, and none of the last person's photos is accepted.
fn identifies_each_sixth_photo_and_rejects_a_stranger(people: &[(String, Vec<PathBuf>)]) {
    let started = std::time::SystemTime::now();
    let data = tempfile::tempdir().unwrap();
    let links = tempfile::tempdir().unwrap();
    let mut face = FaceService::load(&config(data.path(), "sface")).expect("sface loads (run scripts/fetch-face-models.sh)");
    assert_eq!(face.backend(), Backend::SFace, "{:?}", face.warning());
    let (stranger, enrolled) = people.split_last().unwrap();
    for (i, (name, photos)) in enrolled.iter().enumerate() {
        let r = face.enrol_photos(i as i64 + 1, &first_five(&links.path().join(name), photos)).unwrap();
        assert_eq!(r.accepted, 5, "{name}: {:?}", r.rejected);
    }
    for (i, (name, photos)) in enrolled.iter().enumerate() {
        let id = face.identify_photo(&photos[5]).unwrap();
        assert_eq!(id.employee_id, Some(i as i64 + 1), "{name}'s 6th photo: {id:?}");
    }
    for p in &stranger.1 {
        let id = face.identify_photo(p).unwrap();
        assert_eq!(id.employee_id, None, "{} is not enrolled but was accepted: {id:?}", stranger.0);
    }
    // Numbers only: no picture anywhere under the data dir or the temp dir we used.
    assert_eq!(image_files_under(data.path()), Vec::<PathBuf>::new());
    let temp_images: Vec<PathBuf> = image_files_under(&std::env::temp_dir())
        .into_iter()
        .filter(|p| !p.starts_with(links.path()) && p.to_string_lossy().contains("ombor"))
        // Written while this test ran (leftovers of other runs are not this test's doing).
        .filter(|p| std::fs::metadata(p).and_then(|m| m.modified()).is_ok_and(|t| t >= started))
        .collect();
    assert_eq!(temp_images, Vec::<PathBuf>::new());
}

#[test]
fn model_file_is_private_reloads_and_forgets_a_removed_employee() {
    for backend in ["sface", "lbph"] {
        let data = tempfile::tempdir().unwrap();
        let links = tempfile::tempdir().unwrap();
        let cfg = config(data.path(), backend);
        let people = people();
        let mut face = FaceService::load(&cfg).unwrap();
        face.enrol_photos(1, &first_five(&links.path().join("a"), &people[0].1)).unwrap();
        face.enrol_photos(2, &first_five(&links.path().join("b"), &people[1].1)).unwrap();
        let model = cfg.face_model_path();
        assert_eq!(std::fs::metadata(&model).unwrap().permissions().mode() & 0o777, 0o600, "{backend}");
        let text = std::fs::read_to_string(&model).unwrap();
        assert!(text.contains(&format!("{backend}_1")) && text.contains(&format!("{backend}_2")), "{backend}");

        let mut again = FaceService::load(&cfg).unwrap();
        assert_eq!(again.enrolled(), vec![1, 2], "{backend}: reloaded");
        assert!(again.remove(1).unwrap());
        let text = std::fs::read_to_string(&model).unwrap();
        assert!(!text.contains(&format!("{backend}_1")) && text.contains(&format!("{backend}_2")), "{backend}: removed from the file");
        assert_eq!(FaceService::load(&cfg).unwrap().enrolled(), vec![2]);
        // Adding someone does not touch the others' numbers.
        let before = std::fs::read_to_string(&model).unwrap();
        let kept = before.split(&format!("{backend}_2")).nth(1).unwrap().to_string();
        again.enrol_photos(3, &first_five(&links.path().join("c"), &people[2].1)).unwrap();
        assert!(std::fs::read_to_string(&model).unwrap().contains(kept.trim_end()), "{backend}");
        assert_eq!(image_files_under(data.path()), Vec::<PathBuf>::new());
    }
}

/// (width, height) of a photo, as ImageMagick's identify reads it.
fn image_size(photo: &Path) -> (u32, u32) {
    let out = std::process::Command::new("identify").args(["-format", "%w %h"]).arg(photo).output().expect("ImageMagick's identify");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (w, h) = text.split_once(' ').unwrap_or_else(|| panic!("identify {}: {text}", photo.display()));
    (w.parse().unwrap(), h.parse().unwrap())
}

fn convert(args: &[&str]) {
    let ok = std::process::Command::new("convert").args(args).status().expect("ImageMagick's convert (scripts/setup.sh --test)");
    assert!(ok.success());
}

#[test]
fn quality_gate_names_no_face_and_two_faces() {
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let people = people();
    for backend in ["sface", "lbph"] {
        let mut face = FaceService::load(&config(data.path(), backend)).unwrap();
        let blank = work.path().join("blank.png");
        convert(&["-size", "300x300", "xc:gray60", blank.to_str().unwrap()]);
        assert_eq!(face.identify_photo(&blank).unwrap().hint, FaceHint::NoFace, "{backend}");
        let two = work.path().join("two.png");
        let (a, b) = (people[0].1[0].to_str().unwrap(), people[1].1[0].to_str().unwrap());
        convert(&[a, b, "+append", two.to_str().unwrap()]);
        assert_eq!(face.identify_photo(&two).unwrap().hint, FaceHint::TwoFaces, "{backend}");
        let dark = work.path().join("dark.png");
        convert(&[a, "-brightness-contrast", "-55x0", dark.to_str().unwrap()]);
        let hint = face.identify_photo(&dark).unwrap().hint;
        // Haar cannot find a face that dark at all; either way the frame is not used.
        assert!(hint == FaceHint::TooDark || (backend == "lbph" && hint == FaceHint::NoFace), "{backend}: {hint:?}");
        let one = face.identify_photo(&people[0].1[0]).unwrap();
        assert_eq!(one.hint, FaceHint::Good, "{backend}");
    }
}

#[actix::test]
async fn camera_streams_an_image_sequence() {
    let frames = tempfile::tempdir().unwrap();
    let photos: Vec<PathBuf> = people().iter().flat_map(|(_, ps)| ps.iter().cloned()).take(12).collect();
    let ext = photos[0].extension().unwrap().to_string_lossy().into_owned();
    for (i, p) in photos.iter().enumerate() {
        std::fs::copy(p, frames.path().join(format!("{i:03}.{ext}"))).unwrap();
    }
    let source = frames.path().join(format!("%03d.{ext}")).display().to_string();
    let camera = actix::Actor::start(Camera::new(CameraSettings { source, width: 1280, height: 720 }));
    let (tx, mut rx) = futures::channel::mpsc::channel(64);
    camera.send(SubscribeCamera(actors::subscribers::forward_to_channel(tx))).await.unwrap();
    let mut connected = Vec::new();
    let mut previews = 0;
    // More previews than the sequence has frames: it plays again without a failure, which
    // would otherwise interrupt a face check in progress.
    while previews < 20 {
        match tokio::time::timeout(Duration::from_secs(10), rx.next()).await.expect("camera events").unwrap() {
            CameraEvent::Connected { width, height } => connected.push((width, height)),
            CameraEvent::Frame(f) => {
                assert_eq!(f.rgba.len(), (f.width * f.height * 4) as usize);
                previews += 1;
            }
            CameraEvent::Unavailable(why) => panic!("the sequence's end is not a camera failure: {why}"),
        }
    }
    assert_eq!(connected, vec![image_size(&photos[0])]);

    let missing = actix::Actor::start(Camera::new(CameraSettings { source: "/nonexistent/video.mp4".into(), width: 1280, height: 720 }));
    let (tx, mut rx) = futures::channel::mpsc::channel(8);
    missing.send(SubscribeCamera(actors::subscribers::forward_to_channel(tx))).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(10), rx.next()).await.unwrap().unwrap() {
        CameraEvent::Unavailable(why) => {
            assert_eq!(why, actors::camera::CameraProblem::NotFound { at: "/nonexistent/video.mp4".into() });
            assert!(why.to_string().contains("no such camera or file"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    assert!(actors::camera::probe("/nonexistent/video.mp4").is_err());
}

mod with_database {
    use super::*;
    use actix::Actor;
    use actors::face_recognizer::{FaceEvent, FaceRecognizer, StartEnrolment, StartVerification, SubscribeFace};
    use actors::session::{self, AuthContext, SessionSettings};
    use models::testing::{TestDb, TEST_STATION};
    use models::Role;

    async fn login(db: &TestDb, role: Role, name: &str) -> AuthContext {
        let s = SessionSettings::from_config(&models::Config::default());
        if session::login(&db.pool, &s, "boss", "boss-password-1").await.is_err() {
            session::create_user(&db.pool, TEST_STATION, None, "boss", "boss-password-1", Role::Admin).await.unwrap();
        }
        if role == Role::Admin {
            return session::login(&db.pool, &s, "boss", "boss-password-1").await.unwrap();
        }
        let admin = session::login(&db.pool, &s, "boss", "boss-password-1").await.unwrap();
        session::create_user(&db.pool, TEST_STATION, Some(&admin), name, "a-good-password", role).await.unwrap();
        session::login(&db.pool, &s, name, "a-good-password").await.unwrap()
    }

    /// Photos as camera frames (an image sequence), each with a plain border like a room
    /// around the face: what the camera actor reads.
    fn sequence(dir: &Path, photos: &[PathBuf]) -> String {
        std::fs::create_dir_all(dir).unwrap();
        for (i, p) in photos.iter().enumerate() {
            let out = dir.join(format!("{i:03}.png"));
            convert(&[p.to_str().unwrap(), "-bordercolor", "gray55", "-border", "60", out.to_str().unwrap()]);
        }
        dir.join("%03d.png").display().to_string()
    }

    /// A camera on `source` and a recognizer on it; events come through the returned channel.
    async fn kiosk(
        pool: deadpool_postgres::Pool,
        cfg: models::Config,
        source: String,
    ) -> (actix::Addr<FaceRecognizer>, futures::channel::mpsc::Receiver<FaceEvent>) {
        let camera = Camera::new(CameraSettings { source, width: 1280, height: 720 });
        let frames = camera.latest_frame();
        let camera = camera.start();
        let face = FaceRecognizer::new(pool, cfg, Some((camera, frames))).start();
        let (tx, rx) = futures::channel::mpsc::channel(256);
        face.send(SubscribeFace(actors::subscribers::forward_to_channel(tx))).await.unwrap();
        (face, rx)
    }

    async fn until_final(rx: &mut futures::channel::mpsc::Receiver<FaceEvent>) -> (FaceEvent, Vec<FaceHint>) {
        let mut hints = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_secs(60), rx.next()).await.expect("a face event").expect("channel open") {
                FaceEvent::Progress { hint, .. } => hints.push(hint),
                other => return (other, hints),
            }
        }
    }

    #[actix::test]
    async fn camera_frames_verify_an_employee_and_record_it_and_refuse_a_stranger() {
        let db = TestDb::new().await;
        let admin = login(&db, Role::Admin, "boss").await;
        let op = login(&db, Role::Operator, "op").await;
        let data = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let mut cfg = config(data.path(), "sface");
        cfg.face.verify_timeout_secs = 4;
        cfg.face.enroll_frames = 10;
        let people = people();
        let mut ids = Vec::new();
        let mut face = FaceService::load(&cfg).unwrap();
        for (name, photos) in &people[..3] {
            let e = actors::ledger::add_employee(&db.pool, &admin, name, None).await.unwrap();
            face.enrol_photos(e.id, &first_five(&work.path().join(name), photos)).unwrap();
            // The database judges faces by its own copy of the templates (as `employee enroll` does).
            actors::face_recognizer::publish_from_model(&db.pool, &admin, &cfg, e.id).await.unwrap();
            ids.push(e.id);
        }

        // The 6th photo of person 0, seen by the camera for a few frames: the station's model
        // agrees, its embedding goes to face_verify, the DATABASE names the employee → Verified.
        let source = sequence(&work.path().join("seq0"), &vec![people[0].1[5].clone(); 6]);
        let (rec, mut rx) = kiosk(db.pool.clone(), cfg.clone(), source).await;
        rec.send(StartVerification { auth: op.clone(), station: "dock-1".into() }).await.unwrap().unwrap();
        match until_final(&mut rx).await {
            (FaceEvent::Verified { verification, employee_name }, _) => {
                assert_eq!(verification.employee_id, ids[0]);
                assert_eq!(employee_name, people[0].0);
                assert!(verification.confidence >= cfg.face.sface_threshold);
                assert_eq!(verification.station, "dock-1");
                let ttl = verification.expires_at - verification.created_at;
                assert_eq!(ttl, chrono::Duration::minutes(5), "fixed by the database");
                // Recorded by face_verify in the operator's session, and it posts an IN.
                let owner = db.owner_client().await;
                let r = owner
                    .query_one("SELECT user_id, employee_id FROM face_verifications WHERE id = $1", &[&verification.id])
                    .await
                    .unwrap();
                assert_eq!((r.get::<_, Option<i64>>(0), r.get::<_, i64>(1)), (Some(op.user_id), ids[0]));
                let audited: i64 = owner
                    .query_one(
                        "SELECT count(*) FROM audit_log WHERE action = 'face.verified' AND (detail->>'verification')::bigint = $1",
                        &[&verification.id],
                    )
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(audited, 1);
                let product = actors::ledger::add_product(
                    &db.pool,
                    &admin,
                    &models::products::NewProduct {
                        sku: "FACE-1".into(),
                        qr_code: "QR-FACE-1".into(),
                        name: "Sement".into(),
                        unit: "pcs".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                let req = actors::ledger::PostRequest {
                    product_id: product.id,
                    kind: models::MovementKind::In,
                    quantity: 4.into(),
                    employee_id: verification.employee_id,
                    verification_id: verification.id,
                    note: None,
                };
                let posted = actors::ledger::post(&db.pool, "dock-1", &op, &req).await.unwrap();
                assert_eq!((posted.movement.employee_id, posted.product.stock), (Some(ids[0]), 4.into()));
            }
            other => panic!("expected Verified, got {other:?}"),
        }

        // The same face on an LBPH station: recognised maybe, but never a confirmation.
        let mut lbph = config(data.path(), "lbph");
        lbph.face.verify_timeout_secs = 4;
        let source = sequence(&work.path().join("seq-lbph"), &vec![people[0].1[5].clone(); 6]);
        let (rec, mut rx) = kiosk(db.pool.clone(), lbph, source).await;
        rec.send(StartVerification { auth: op.clone(), station: "dock-1".into() }).await.unwrap().unwrap();
        let (event, _) = until_final(&mut rx).await;
        assert_eq!(event, FaceEvent::Failed(actors::face_recognizer::FaceProblem::LbphCannotConfirm));

        // A stranger (never enrolled) in front of the camera → NotRecognised after the timeout.
        let stranger = people.last().unwrap();
        let source = sequence(&work.path().join("seq1"), &stranger.1);
        let (rec, mut rx) = kiosk(db.pool.clone(), cfg.clone(), source).await;
        rec.send(StartVerification { auth: op.clone(), station: "dock-1".into() }).await.unwrap().unwrap();
        let (event, hints) = until_final(&mut rx).await;
        assert_eq!(event, FaceEvent::NotRecognised, "{hints:?}");
        assert!(hints.contains(&FaceHint::Good), "the stranger's face was seen: {hints:?}");

        // Enrolment from the camera: an operator may not; an admin gets 10 good frames.
        let new = actors::ledger::add_employee(&db.pool, &admin, &people[3].0, None).await.unwrap();
        let source = sequence(&work.path().join("seq2"), &people[3].1);
        let (rec, mut rx) = kiosk(db.pool.clone(), cfg.clone(), source).await;
        let refused = rec.send(StartEnrolment { auth: op.clone(), employee_id: new.id }).await.unwrap();
        assert!(refused.unwrap_err().to_string().contains("enroll_faces"));
        let _ = until_final(&mut rx).await; // the Failed event of the refusal
        rec.send(StartEnrolment { auth: admin.clone(), employee_id: new.id }).await.unwrap().unwrap();
        match until_final(&mut rx).await {
            (FaceEvent::Enrolled { employee_id, frames }, hints) => {
                assert_eq!((employee_id, frames), (new.id, 10));
                assert!(hints.len() >= 10);
            }
            other => panic!("expected Enrolled, got {other:?}"),
        }
        let c = db.pool.get().await.unwrap();
        assert!(models::employees::get(&**c, new.id).await.unwrap().face_enrolled_at.is_some());
        assert!(FaceService::load(&cfg).unwrap().enrolled().contains(&new.id));
        assert_eq!(image_files_under(data.path()), Vec::<PathBuf>::new());
    }

    #[actix::test]
    async fn no_camera_is_said_plainly() {
        let db = TestDb::new().await;
        let op = login(&db, Role::Operator, "op2").await;
        let data = tempfile::tempdir().unwrap();
        let rec = FaceRecognizer::new(db.pool.clone(), config(data.path(), "sface"), None).start();
        let e = rec.send(StartVerification { auth: op, station: "dock-1".into() }).await.unwrap().unwrap_err();
        assert!(e.to_string().contains("no camera"), "{e}");
    }
}

/// Several processes enrol and read at once (the kiosk, `ombor employee enroll`, `ombor
/// movement ... --face`): every write goes through a temporary file of its own, so no writer
/// loses its rename and no reader ever finds model.yml missing or half-written.
#[test]
fn model_file_survives_parallel_writers_and_readers() {
    let data = tempfile::tempdir().unwrap();
    let links = tempfile::tempdir().unwrap();
    let cfg = config(data.path(), "lbph");
    let people = people();
    let dirs: Vec<PathBuf> = (0..4).map(|i| first_five(&links.path().join(format!("p{i}")), &people[i].1)).collect();
    // Seed the file so readers always have one to read.
    FaceService::load(&cfg).unwrap().enrol_photos(100, &dirs[0]).unwrap();
    std::thread::scope(|s| {
        for (w, dir) in dirs.iter().enumerate() {
            let cfg = cfg.clone();
            s.spawn(move || {
                for round in 0..6 {
                    let mut face = FaceService::load(&cfg).unwrap_or_else(|e| panic!("writer {w}, round {round}: {e}"));
                    face.enrol_photos(w as i64 + 1, dir).unwrap_or_else(|e| panic!("writer {w}, round {round}: {e}"));
                }
            });
        }
        for r in 0..4 {
            let cfg = cfg.clone();
            s.spawn(move || {
                for round in 0..40 {
                    let face = FaceService::load(&cfg).unwrap_or_else(|e| panic!("reader {r}, round {round}: {e}"));
                    assert!(face.enrolled().contains(&100), "reader {r}, round {round}: {:?}", face.enrolled());
                }
            });
        }
    });
    let leftovers: Vec<_> = std::fs::read_dir(data.path()).unwrap().flatten().map(|e| e.file_name()).filter(|n| n.to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}
