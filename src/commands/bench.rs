//! `ombor bench ledger`: how fast the ledger is at warehouse scale, beside pgbench on the same
//! server. A benchmark prints figures; it asserts nothing.

use std::process::Command;
use std::time::{Duration, Instant};

use actix::Actor;
use actors::ledger::{AllProducts, Ledger, Lookup, Post, PostRequest, Products};
use actors::session::{self, SessionSettings};
use models::products::ProductQuery;
use models::{Config, MovementKind, Target};
use rust_decimal::Decimal;

#[derive(clap::Args, Debug)]
pub struct LedgerBench {
    #[arg(long, default_value_t = 1_000_000)]
    pub products: i64,
    #[arg(long, default_value_t = 10_000_000)]
    pub movements: i64,
    /// Lookups and posts measured one after another.
    #[arg(long, default_value_t = 5_000)]
    pub samples: usize,
    /// Seconds of 8 concurrent posters, and of pgbench.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Keep the bench database afterwards.
    #[arg(long)]
    pub keep: bool,
}

const PAGE_SAMPLES: usize = 10;

#[derive(Default)]
struct ProductListFigures {
    first_page: Vec<Duration>,
    middle_page: Vec<Duration>,
    search: Vec<Duration>,
    whole: (usize, Duration),
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A migrated database of the bench's own (`<prefix>_<pid>`) on the configured server: its
/// target and name. `models::bench::drop_database` removes it afterwards.
fn fresh_database(rt: &tokio::runtime::Runtime, base: &Target, prefix: &str) -> anyhow::Result<(Target, String)> {
    let db_name = format!("{prefix}_{}", std::process::id());
    let mut target = base.clone();
    target.owner.dbname(&db_name);
    target.app.dbname(&db_name);
    eprintln!("bench database {db_name} on {}", base.describe());
    rt.block_on(target.migrate())?;
    Ok((target, db_name))
}

pub fn ledger(config: &Config, args: LedgerBench) -> anyhow::Result<()> {
    let base = Target::from_config(config)?;
    let cluster = base.start_cluster()?;
    let result = run(config, &base, &args);
    drop(cluster);
    result
}

fn run(config: &Config, base: &Target, args: &LedgerBench) -> anyhow::Result<()> {
    let rt = super::runtime();
    let (target, db_name) = fresh_database(&rt, base, "ombor_bench")?;
    let (owner, conn) = rt.block_on(models::db::connect(&target.owner))?;
    rt.spawn(conn);

    let t = Instant::now();
    eprint!("products: {} … ", args.products);
    let credential = models::password::new_credential("bench-password-1")?;
    let (emp, ver) = rt.block_on(models::bench::seed_catalogue(&owner, args.products, &credential))?;
    eprintln!("{:.1} s", t.elapsed().as_secs_f64());
    let batch = 1_000_000.min(args.movements.max(1));
    let mut done = 0;
    let t = Instant::now();
    while done < args.movements {
        let n = batch.min(args.movements - done);
        rt.block_on(models::bench::append_movements(&owner, n, args.products, emp, ver))?;
        done += n;
        eprint!(
            "\rmovements: {done} / {} ({:.0}%) {:.0} s",
            args.movements,
            done as f64 * 100.0 / args.movements as f64,
            t.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    // VACUUM too: it empties the trigram indexes' pending lists, which after a bulk load made a
    // search 5 times slower until autovacuum came by.
    rt.block_on(owner.batch_execute("VACUUM ANALYZE"))?;

    let pool = target.pool(16);
    let settings = SessionSettings::from_config(config);
    let auth = rt.block_on(session::login(&pool, &settings, "bench", "bench-password-1"))?;
    let sys = actix::System::new();
    let (lookup, post, tput, mut pages) = sys.block_on(async {
        let ledger = Ledger::new(pool.clone(), "bench".into()).start();
        let mut x: u64 = 88172645463325252;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % args.products as u64) as i64 + 1
        };
        // Warm the pool and caches.
        for _ in 0..200 {
            let _ = ledger.send(Lookup(format!("QR-{:07}", next()))).await;
        }
        let mut lookups = Vec::with_capacity(args.samples);
        for _ in 0..args.samples {
            let code = format!("QR-{:07}", next());
            let t = Instant::now();
            let found = ledger.send(Lookup(code)).await.expect("actor alive")?;
            lookups.push(t.elapsed());
            assert!(found.is_some());
        }
        let first_product: i64 = pool.get().await?.query_one("SELECT min(id) FROM products", &[]).await?.get(0);
        let mut posts = Vec::with_capacity(args.samples);
        for _ in 0..args.samples {
            let request = PostRequest {
                product_id: first_product + next() - 1,
                kind: MovementKind::In,
                quantity: Decimal::ONE,
                employee_id: emp,
                verification_id: ver,
                note: None,
            };
            let t = Instant::now();
            ledger.send(Post { auth: auth.clone(), request }).await.expect("actor alive")?;
            posts.push(t.elapsed());
        }
        // The admin products tab: its first page, a page deep in the list, a search; and the
        // whole catalogue in one list (the stock report, the export, labels).
        let mut pages = ProductListFigures::default();
        for (offset, search, into) in [
            (0, None, &mut pages.first_page),
            (args.products / 2, None, &mut pages.middle_page),
            (0, Some("product 12345"), &mut pages.search),
        ] {
            for _ in 0..PAGE_SAMPLES {
                let query = ProductQuery { search: search.map(str::to_string), limit: 50, offset, ..Default::default() };
                let t = Instant::now();
                ledger.send(Products { auth: auth.clone(), query }).await.expect("actor alive")?;
                into.push(t.elapsed());
            }
        }
        let t = Instant::now();
        let all =
            ledger.send(AllProducts { auth: auth.clone(), query: ProductQuery::default(), max: usize::MAX }).await.expect("actor alive")?;
        pages.whole = (all.len(), t.elapsed());
        drop(all);
        // 8 concurrent posters for a fixed time.
        let deadline = Instant::now() + Duration::from_secs(args.seconds);
        let mut tasks = vec![];
        for w in 0..8u64 {
            let (ledger, auth) = (ledger.clone(), auth.clone());
            let products = args.products;
            tasks.push(actix::spawn(async move {
                let mut n = 0u64;
                let mut y = 0x2545F4914F6CDD1Du64 ^ (w + 1);
                while Instant::now() < deadline {
                    y ^= y << 13;
                    y ^= y >> 7;
                    y ^= y << 17;
                    let request = PostRequest {
                        product_id: first_product + (y % products as u64) as i64,
                        kind: MovementKind::In,
                        quantity: Decimal::ONE,
                        employee_id: emp,
                        verification_id: ver,
                        note: None,
                    };
                    if ledger.send(Post { auth: auth.clone(), request }).await.map(|r| r.is_ok()).unwrap_or(false) {
                        n += 1;
                    }
                }
                n
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap_or(0);
        }
        Ok::<_, anyhow::Error>((lookups, posts, total as f64 / args.seconds as f64, pages))
    })?;
    let (mut lookup, mut post) = (lookup, post);
    lookup.sort();
    post.sort();

    let pgbench = run_pgbench(base, args.seconds);
    println!(
        "ledger bench: {} products, {} movements, fsync {}",
        args.products,
        args.movements,
        rt.block_on(owner.query_one("SHOW fsync", &[]))?.get::<_, String>(0)
    );
    println!(
        "lookup through the actor: p50 {:.3} ms, p99 {:.3} ms ({} samples; target p99 <= 2 ms)",
        percentile(&lookup, 0.5),
        percentile(&lookup, 0.99),
        lookup.len()
    );
    println!(
        "post through the actor:   p50 {:.3} ms, p99 {:.3} ms ({} samples; target p99 <= 10 ms)",
        percentile(&post, 0.5),
        percentile(&post, 0.99),
        post.len()
    );
    for (what, samples) in [("first", &mut pages.first_page), ("middle", &mut pages.middle_page), ("search", &mut pages.search)] {
        samples.sort();
        println!("products tab, {what} page: p50 {:.1} ms, max {:.1} ms", percentile(samples, 0.5), percentile(samples, 1.0));
    }
    println!("whole product list:       {} products in {:.2} s", pages.whole.0, pages.whole.1.as_secs_f64());
    println!("8 concurrent posters:     {tput:.0} movements/s");
    match pgbench {
        Ok(tps) => println!("pgbench TPC-B, 8 clients: {tps:.0} tps; ours / pgbench = {:.2} (target >= 0.5)", tput / tps),
        Err(e) => println!("pgbench: not measured ({e})"),
    }
    drop(pool);
    drop(owner);
    if !args.keep {
        rt.block_on(models::bench::drop_database(&base.owner, &db_name))?;
    }
    Ok(())
}

/// pgbench's TPC-B on the same server: initialise a scratch database, run 8 clients.
fn run_pgbench(base: &Target, seconds: u64) -> anyhow::Result<f64> {
    let bins = match &base.cluster {
        Some(c) => c.bins.clone(),
        None => models::cluster::PgBinaries::find(None)?,
    };
    let cfg = &base.owner;
    let host = match cfg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        None => "localhost".into(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432).to_string();
    let user = cfg.get_user().unwrap_or("postgres").to_string();
    let db = format!("ombor_pgbench_{}", std::process::id());
    let pg = |program: &str, extra: &[&str]| -> anyhow::Result<String> {
        let mut c = Command::new(bins.path(program));
        c.args(["-h", &host, "-p", &port, "-U", &user]).args(extra);
        if let Some(pw) = cfg.get_password() {
            c.env("PGPASSWORD", String::from_utf8_lossy(pw).to_string());
        }
        let out = c.output()?;
        if !out.status.success() {
            anyhow::bail!("{program}: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&out.stdout).to_string())
    };
    pg("createdb", &[&db])?;
    let result = (|| {
        pg("pgbench", &["-i", "-q", "-s", "10", &db])?;
        let out = pg("pgbench", &["-c", "8", "-j", "2", "-T", &seconds.to_string(), &db])?;
        out.lines()
            .find(|l| l.starts_with("tps = "))
            .and_then(|l| l["tps = ".len()..].split_whitespace().next()?.parse::<f64>().ok())
            .ok_or_else(|| anyhow::anyhow!("no tps line in pgbench's output"))
    })();
    let _ = pg("dropdb", &[&db]);
    result
}

#[derive(clap::Args, Debug)]
pub struct ImportBench {
    #[arg(long, default_value_t = 100_000)]
    pub products: u64,
    #[arg(long, default_value_t = 1_000_000)]
    pub movements: u64,
    /// Keep the bench database and the synthetic SQLite file afterwards.
    #[arg(long)]
    pub keep: bool,
}

/// `ombor bench import`: a synthetic Django-shaped SQLite database imported into a fresh
/// database of the configured server (or embedded cluster); prints the times.
pub fn import(config: &Config, args: ImportBench) -> anyhow::Result<()> {
    let base = Target::from_config(config)?;
    // A cluster this command started is stopped when the guard goes, unless another uses it.
    let _cluster = base.start_cluster()?;
    run_import(config, &base, &args)
}

fn run_import(config: &Config, base: &Target, args: &ImportBench) -> anyhow::Result<()> {
    let rt = super::runtime();
    let (target, db_name) = fresh_database(&rt, base, "ombor_bench_import")?;
    let file = std::env::temp_dir().join(format!("ombor-bench-django-{}.sqlite3", std::process::id()));
    let t = Instant::now();
    models::django::synthetic::write(&file, args.products, args.movements)?;
    let make = t.elapsed();
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    eprintln!("synthetic Django SQLite: {} products, {} movements, {:.0} MB, made in {:.1} s", args.products, args.movements, size as f64 / 1e6, make.as_secs_f64());

    let pool = target.pool(2);
    let credential = models::password::new_credential("bench-password-1")?;
    rt.block_on(async { models::users::create(&**pool.get().await?, "bench", &credential, models::Role::Admin, "bench").await })?;
    let settings = SessionSettings::from_config(config);
    let auth = rt.block_on(session::login(&pool, &settings, "bench", "bench-password-1"))?;
    let phase = std::sync::Mutex::new((String::new(), Instant::now()));
    let progress = |what: &str, _f: f32| {
        let mut p = phase.lock().unwrap();
        if p.0 != what {
            if !p.0.is_empty() {
                eprintln!("  {:<28} {:>7.1} s", p.0, p.1.elapsed().as_secs_f64());
            }
            *p = (what.to_string(), Instant::now());
        }
    };
    let t = Instant::now();
    let report = rt.block_on(actors::ledger::import_django(&pool, &auth, file.to_str().unwrap(), None, "bench", false, &progress))?;
    let import = t.elapsed();
    anyhow::ensure!(!report.is_refused(), "the synthetic source was refused: {:?}", report.problems.first());
    let t = Instant::now();
    let verify = rt.block_on(actors::ledger::verify(&pool, &auth))?;
    let verify_time = t.elapsed();
    let applied = report.applied.unwrap_or_default();
    println!(
        "import django: {} products, {} movements ({} opening balances) in {:.1} s ({:.0} movements/s)",
        applied["products_created"],
        applied["movements_imported"],
        applied["opening_balances"],
        import.as_secs_f64(),
        args.movements as f64 / import.as_secs_f64()
    );
    println!("ledger verify afterwards: {} in {:.1} s", if verify.is_ok() { "holds" } else { "BROKEN" }, verify_time.as_secs_f64());
    drop(pool);
    if !args.keep {
        let _ = std::fs::remove_file(&file);
        rt.block_on(models::bench::drop_database(&base.owner, &db_name))?;
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct FaceVerifyBench {
    /// Active employees with SFace templates.
    #[arg(long, default_value_t = 100)]
    pub employees: usize,
    /// Templates per employee (an enrolment keeps 20 camera frames by default, at most 30).
    #[arg(long, default_value_t = 20)]
    pub templates: usize,
    /// face_verify calls measured, half of them an enrolled face, half a stranger's.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
}

/// `ombor bench face-verify`: what the database's face check costs (one `face_verify` call in a
/// session, committed) with `employees × templates` SFace templates stored. Synthetic unit
/// vectors: the cost does not depend on whose face they are.
pub fn face_verify(config: &Config, args: FaceVerifyBench) -> anyhow::Result<()> {
    let base = Target::from_config(config)?;
    // A cluster this command started is stopped when the guard goes, unless another uses it.
    let _cluster = base.start_cluster()?;
    run_face_verify(config, &base, &args)
}

fn run_face_verify(config: &Config, base: &Target, args: &FaceVerifyBench) -> anyhow::Result<()> {
    const DIMS: usize = models::employees::SFACE_DIMS;
    let rt = super::runtime();
    let (target, db_name) = fresh_database(&rt, base, "ombor_bench_face")?;
    let (owner, conn) = rt.block_on(models::db::connect(&target.owner))?;
    rt.spawn(conn);
    let credential = models::password::new_credential("bench-password-1")?;
    rt.block_on(models::bench::seed_catalogue(&owner, 1, &credential))?;

    let mut x: u64 = 0x9E3779B97F4A7C15;
    let mut unit = move || {
        let v: Vec<f32> = (0..DIMS)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect();
        let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
        v.into_iter().map(|a| a / n).collect::<Vec<f32>>()
    };
    // A face: its centre; its templates and probes are the centre moved by noise (cosine ≈ 0.9).
    let near = |c: &[f32], noise: Vec<f32>| -> Vec<f32> { c.iter().zip(&noise).map(|(a, b)| a + 0.48 * b).collect() };
    let mut probes = Vec::new();
    let mut templates = Vec::with_capacity(args.employees);
    for _ in 0..args.employees {
        let centre = unit();
        templates.push((0..args.templates.max(1)).flat_map(|_| near(&centre, unit())).collect::<Vec<f32>>());
        if probes.len() < args.samples / 2 {
            probes.push((true, near(&centre, unit())));
        }
    }
    let t = Instant::now();
    rt.block_on(models::bench::seed_face_templates(&owner, &templates, DIMS as i32))?;
    eprintln!("{} employees × {} templates stored in {:.1} s", args.employees, args.templates, t.elapsed().as_secs_f64());
    while probes.len() < args.samples {
        probes.push((false, unit()));
    }

    let pool = target.pool(2);
    let settings = SessionSettings::from_config(config);
    let auth = rt.block_on(session::login(&pool, &settings, "bench", "bench-password-1"))?;
    let (mut genuine, mut stranger, mut accepted) = (Vec::new(), Vec::new(), 0);
    rt.block_on(async {
        let mut c = pool.get().await?;
        for (known, probe) in &probes {
            let t = Instant::now();
            let tx = models::session::begin(&mut c, Some(&auth.token)).await?;
            let v = models::employees::face_verify(&*tx, probe, "bench").await?;
            tx.commit().await?;
            let took = t.elapsed();
            if *known {
                accepted += v.is_some() as usize;
                genuine.push(took);
            } else {
                stranger.push(took);
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    genuine.sort();
    stranger.sort();
    println!(
        "face_verify bench: {} employees × {} templates × {DIMS} numbers ({} templates)",
        args.employees,
        args.templates,
        args.employees * args.templates
    );
    for (what, s) in [("enrolled face", &genuine), ("stranger", &stranger)] {
        if !s.is_empty() {
            println!(
                "{what:>13}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} calls)",
                percentile(s, 0.5),
                percentile(s, 0.95),
                percentile(s, 1.0),
                s.len()
            );
        }
    }
    println!("enrolled faces accepted: {accepted} of {}", genuine.len());
    drop(pool);
    drop(owner);
    rt.block_on(models::bench::drop_database(&base.owner, &db_name))?;
    Ok(())
}
