//! `ombor face identify`, `ombor employee enroll`, `ombor bench face`, and
//! `ombor movement in|out … --face IMAGE` — the kiosk's face path, from the command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use actors::face_recognizer::{self as face, BenchReport, FaceError, FaceEvent, FaceService};
use actors::ledger::{self, PostRequest};
use anyhow::Context as _;
use clap::Subcommand;
use models::{Config, MovementKind};
use rust_decimal::Decimal;
use serde::Serialize;

use super::access::{Db, Login};
use super::catalog::resolve_product;
use super::print;

#[derive(Subcommand, Debug)]
pub enum FaceCommand {
    /// Who is on this photo: employee id, name and confidence, or `unknown`. Records nothing.
    Identify {
        image: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum FaceBenchCommand {
    /// Both face backends side by side: accuracy, wrong identities, strangers, speed.
    Face {
        /// One sub-folder of photos per person to enrol.
        #[arg(long)]
        enroll: PathBuf,
        /// One sub-folder per person to probe; folders of people not enrolled are strangers.
        #[arg(long)]
        probe: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

fn load(config: &Config) -> anyhow::Result<FaceService> {
    let service = FaceService::load(config)?;
    if let Some(w) = service.warning() {
        eprintln!("warning: {w}");
    }
    Ok(service)
}

#[derive(Serialize)]
struct IdentifyOutput {
    #[serde(flatten)]
    identification: face::Identification,
    known: bool,
}

pub fn run(config: &Config, cmd: FaceCommand) -> anyhow::Result<()> {
    let FaceCommand::Identify { image, json } = cmd;
    // The shared model first (other stations' enrolments); the local model.yml when the server is away.
    if let Ok(db) = Db::open(config) {
        if let Err(e) = db.run(face::refresh_model_file(&db.pool, config)) {
            eprintln!("warning: the shared face model could not be read, using the local one: {e}");
        }
    }
    let mut service = load(config)?;
    let mut id = service.identify_photo(&image)?;
    if let Some(e) = id.employee_id {
        let db = Db::open(config)?;
        id.employee_name = Some(db.run(async { models::employees::get(&**db.pool.get().await?, e).await })?.full_name);
    }
    let out = IdentifyOutput { known: id.employee_id.is_some(), identification: id };
    print(json, &out, || {
        let i = &out.identification;
        match (i.employee_id, &i.employee_name, i.confidence) {
            (Some(e), Some(n), Some(c)) => format!("employee {e} {n} (confidence {c:.3}, {})", i.backend),
            _ => match i.confidence {
                Some(c) => format!("unknown (closest match {c:.3}, below the {} threshold)", i.backend),
                None => format!("unknown ({:?})", i.hint),
            },
        }
    });
    Ok(())
}

/// `ombor employee enroll ID --images DIR | --camera`.
pub fn enroll(db: &Db, employee_id: i64, images: Option<&Path>, camera: bool, login: &Login, json: bool) -> anyhow::Result<()> {
    if images.is_some() == camera {
        anyhow::bail!("give either --images DIR or --camera");
    }
    let auth = db.login(login)?;
    let result = (|| -> anyhow::Result<EnrolOutput> {
        let employee = db.run(face::check_enrolment(&db.pool, &auth, employee_id))?;
        let out = match images {
            Some(dir) => {
                let mut service = load(&db.config)?;
                let r = service.enrol_photos(employee_id, dir)?;
                let rejected = r.rejected.iter().map(|(n, h)| format!("{n}: {h:?}")).collect();
                EnrolOutput { employee_id, name: employee.full_name, backend: r.backend.as_str().into(), frames: r.accepted, rejected }
            }
            None => {
                let frames = enrol_from_camera(db, &auth, employee_id)?;
                EnrolOutput { employee_id, name: employee.full_name, backend: db.config.face.backend.as_str().into(), frames, rejected: vec![] }
            }
        };
        if images.is_some() {
            // Shares the new face with every station and marks the employee enrolled.
            db.run(face::publish_from_model(&db.pool, &auth, &db.config, employee_id))?;
        }
        Ok(out)
    })();
    db.logout(&auth);
    let out = result?;
    print(json, &out, || {
        let mut s = format!("enrolled employee {} {} from {} frames ({})", out.employee_id, out.name, out.frames, out.backend);
        for r in &out.rejected {
            s.push_str(&format!("\n  refused {r}"));
        }
        s
    });
    Ok(())
}

#[derive(Serialize)]
struct EnrolOutput {
    employee_id: i64,
    name: String,
    backend: String,
    frames: usize,
    rejected: Vec<String>,
}

/// Runs the camera and recognizer actors for the length of an enrolment, printing progress.
fn enrol_from_camera(db: &Db, auth: &actors::session::AuthContext, employee_id: i64) -> anyhow::Result<usize> {
    use actix::Actor;
    use futures::StreamExt;
    let (config, pool, auth) = (db.config.clone(), db.pool.clone(), auth.clone());
    if config.camera.source.trim().is_empty() {
        anyhow::bail!("no camera is configured (camera.source is empty)");
    }
    let system = actix::System::new();
    system.block_on(async move {
        let camera = actors::camera::Camera::new(actors::camera::CameraSettings::from_config(&config));
        let frames = camera.latest_frame();
        let camera = camera.start();
        let recognizer = face::FaceRecognizer::new(pool, config, Some((camera.clone(), frames))).start();
        let (tx, mut rx) = futures::channel::mpsc::channel(64);
        recognizer.send(face::SubscribeFace(actors::subscribers::forward_to_channel(tx))).await?;
        recognizer.send(face::StartEnrolment { auth, employee_id }).await??;
        loop {
            let event = tokio::time::timeout(Duration::from_secs(120), rx.next()).await.context("no answer from the face recognizer")?;
            match event {
                Some(FaceEvent::Progress { done, needed, hint }) => eprintln!("frame {done} of {needed} ({hint:?})"),
                Some(FaceEvent::Enrolled { frames, .. }) => return Ok(frames),
                Some(FaceEvent::Failed(why)) => anyhow::bail!(why),
                Some(_) => {}
                None => anyhow::bail!("the face recognizer stopped"),
            }
        }
    })
}

pub fn bench(config: &Config, cmd: FaceBenchCommand) -> anyhow::Result<()> {
    let FaceBenchCommand::Face { enroll, probe, json } = cmd;
    let report = face::bench(config, &enroll, &probe)?;
    print(json, &report, || bench_text(&report));
    Ok(())
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "–".into()
    } else {
        format!("{n}/{of} ({:.0}%)", 100.0 * n as f64 / of as f64)
    }
}

fn range(v: &[f64]) -> String {
    if v.is_empty() {
        return "–".into();
    }
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    format!("{min:.3} … {max:.3} (mean {mean:.3})")
}

fn bench_text(r: &BenchReport) -> String {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |name: &str, f: &dyn Fn(&face::BackendFigures) -> String| rows.push((name.into(), r.backends.iter().map(f).collect()));
    row("threshold", &|f| format!("{:.3}", f.threshold));
    row("people / photos enrolled", &|f| {
        format!("{} / {} ({} refused)", f.people_enrolled, f.photos_enrolled, f.photos_refused_at_enrolment)
    });
    row("identified correctly", &|f| pct(f.identified, f.genuine_probes));
    row("wrong identity accepted", &|f| pct(f.wrong_identity_accepted, f.genuine_probes));
    row("no usable face (gate)", &|f| pct(f.no_usable_face, f.genuine_probes));
    row("strangers accepted", &|f| pct(f.strangers_accepted, f.stranger_probes));
    row("genuine scores", &|f| range(&f.genuine_scores));
    row("best impostor scores", &|f| range(&f.impostor_scores));
    row("ms per 640x480 frame (1 core)", &|f| format!("{:.1}", f.ms_per_frame_640x480));
    row("  CPU ms per frame (1 thread)", &|f| format!("{:.1}", f.cpu_ms_per_frame_640x480));
    row("  of which detection", &|f| format!("{:.1}", f.ms_detect_640x480));
    row("  of which the template", &|f| format!("{:.1}", f.ms_template_640x480));
    row("ms to enrol 30 frames", &|f| format!("{:.0}", f.ms_enrol_30_frames));
    row("ms to load model, 100 employees", &|f| {
        format!("{:.0} ({} KB)", f.ms_load_model_100_employees, f.model_bytes_100_employees / 1024)
    });
    row("ms to load networks", &|f| format!("{:.0}", f.ms_load_networks));
    let mut s = format!("enrol: {}\nprobe: {}\n", r.enroll_dir, r.probe_dir);
    for f in &r.backends {
        if let Some(why) = &f.unavailable {
            s.push_str(&format!("{}: unavailable — {why}\n", f.backend));
        }
    }
    let names: Vec<Vec<String>> = rows.iter().map(|(n, v)| std::iter::once(n.clone()).chain(v.iter().cloned()).collect()).collect();
    let headers: Vec<&str> = std::iter::once("").chain(r.backends.iter().map(|f| f.backend.as_str())).collect();
    s.push_str(&super::table::render(&headers, &names));
    s
}

#[derive(Serialize)]
struct MovementOutput {
    #[serde(flatten)]
    movement: models::Movement,
    employee_name: String,
    face_confidence: f64,
    stock_after: Decimal,
}

/// `ombor movement in|out CODE QTY --user U --face IMAGE`: the kiosk's path — the user's role,
/// the face checked like a camera frame, its embedding judged and recorded by the database
/// (`face_verify`, in the user's session), then the ledger post.
pub fn post_movement(
    db: &Db,
    kind: MovementKind,
    code: &str,
    quantity: &str,
    image: &Path,
    login: &Login,
    json: bool,
) -> anyhow::Result<()> {
    let product = resolve_product(db, code)?;
    // Before the password and the face: a mistyped quantity costs neither.
    let quantity = models::quantity::parse(quantity, Some(product.unit_decimals.max(0) as u32))
        .map_err(|e| anyhow::anyhow!("invalid quantity: {e}; nothing was posted"))?;
    let auth = db.login(login)?;
    let result = (|| -> anyhow::Result<(ledger::Posted, String, f64)> {
        auth.require(models::permissions::Action::PostMovement)?;
        db.run(face::refresh_model_file(&db.pool, &db.config))?;
        let mut service = load(&db.config)?;
        let (verification, name) = match db.run(face::verify_photo(&mut service, &db.pool, &db.config, &auth, image)) {
            Ok(v) => v,
            Err(FaceError::NotRecognised(hint)) => anyhow::bail!("face not recognised ({hint:?}): the movement was not posted"),
            Err(e) => return Err(e.into()),
        };
        let request = PostRequest {
            product_id: product.id,
            kind,
            quantity,
            employee_id: verification.employee_id,
            verification_id: verification.id,
            note: None,
        };
        let posted = db.run(ledger::post(&db.pool, db.station(), &auth, &request))?;
        Ok((posted, name, verification.confidence))
    })();
    db.logout(&auth);
    let (posted, employee_name, face_confidence) = result?;
    let out = MovementOutput { stock_after: posted.product.stock, movement: posted.movement, employee_name, face_confidence };
    print(json, &out, || {
        format!(
            "movement #{} {:?} {} of {} by {} (face {:.3}); stock now {}",
            out.movement.id,
            out.movement.kind,
            out.movement.quantity,
            product.name,
            out.employee_name,
            out.face_confidence,
            out.stock_after
        )
    });
    Ok(())
}
