//! `ombor demo`: a living kiosk at once — an empty database filled with a realistic Uzbek
//! warehouse catalogue (categories and 10,000 products). Refuses a database that has any.

use std::io::Write;

use clap::Args;
use models::demo::DemoProduct;
use rust_decimal::Decimal;

use super::access::{Db, Login};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many products.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub products: u32,
    #[command(flatten)]
    pub login: Login,
    #[arg(long)]
    pub json: bool,
}

/// A category: its name, SKU prefix, unit, and the goods it holds.
struct Shelf {
    name: &'static str,
    prefix: &'static str,
    unit: &'static str,
    goods: &'static [&'static str],
    /// Sizes, grades or packings the goods come in.
    variants: &'static [&'static str],
}

const SHELVES: &[Shelf] = &[
    Shelf {
        name: "Qurilish materiallari",
        prefix: "QUR",
        unit: "pcs",
        goods: &[
            "Sement M400",
            "Sement M500",
            "G'isht qizil",
            "Gazoblok",
            "Shpaklyovka",
            "Gips suvoq",
            "Qum-sement aralashmasi",
            "Plitka yelimi",
            "Gidroizolyatsiya",
            "Armatura",
        ],
        variants: &["25 kg", "50 kg", "A sinf", "B sinf", "Qizilqum", "Ohangaron", "Bekobod", "Knauf", "Ceresit", "Euro"],
    },
    Shelf {
        name: "Elektr jihozlari",
        prefix: "ELK",
        unit: "pcs",
        goods: &[
            "Kabel VVG 3×2,5",
            "Avtomat o'chirgich",
            "Rozetka",
            "Kalit (viklyuchatel)",
            "LED lampa",
            "Uzaytirgich",
            "Schetchik",
            "Klemma",
            "Gofra truba",
            "Projektor",
        ],
        variants: &["10 A", "16 A", "25 A", "9 W", "12 W", "20 W", "oq", "qora", "IP44", "IP65"],
    },
    Shelf {
        name: "Santexnika",
        prefix: "SAN",
        unit: "pcs",
        goods: &[
            "PPR truba",
            "Mufta",
            "Burchak (ugolnik)",
            "Kran sharli",
            "Smesitel",
            "Sifon",
            "Unitaz bachogi",
            "Rakovina",
            "Shlang",
            "Filtr",
        ],
        variants: &["20 mm", "25 mm", "32 mm", "40 mm", "1/2\"", "3/4\"", "1\"", "Vesta", "Valtec", "Hansgrohe"],
    },
    Shelf {
        name: "Bo'yoqlar va laklar",
        prefix: "BOY",
        unit: "pcs",
        goods: &[
            "Emal PF-115",
            "Suv emulsiya bo'yoq",
            "Lak parket",
            "Grunt",
            "Olifa",
            "Rastvoritel 646",
            "Koler",
            "Fasad bo'yog'i",
            "Antikor",
            "Mo'yqalam",
        ],
        variants: &["0,9 kg", "2,7 kg", "10 l", "oq", "ko'k", "yashil", "sariq", "jigarrang", "Tikkurila", "Caparol"],
    },
    Shelf {
        name: "Asbob-uskunalar",
        prefix: "ASB",
        unit: "pcs",
        goods: &[
            "Drel",
            "Perforator",
            "Bolgarka",
            "Shurupvyort",
            "Bolg'a",
            "Ombur",
            "Ruletka",
            "Daraja (uroven)",
            "Arra",
            "Kalitlar to'plami",
        ],
        variants: &["Bosch", "Makita", "DeWalt", "Stanley", "Ingco", "Total", "600 W", "850 W", "18 V", "5 m"],
    },
    Shelf {
        name: "Mahkamlash buyumlari",
        prefix: "MAH",
        unit: "pack",
        goods: &["Shurup", "Mix", "Bolt", "Gayka", "Shayba", "Dyubel", "Anker", "Samorez", "Zaklyopka", "Xomut"],
        variants: &["M6", "M8", "M10", "M12", "3,5×25", "4×40", "5×60", "6×80", "rux", "qora"],
    },
    Shelf {
        name: "Oziq-ovqat",
        prefix: "OZI",
        unit: "kg",
        goods: &[
            "Guruch lazer",
            "Guruch devzira",
            "Un oliy nav",
            "Shakar",
            "Osh tuzi",
            "No'xat",
            "Mosh",
            "Makaron",
            "Grechka",
            "Choy ko'k",
        ],
        variants: &["1 kg", "5 kg", "10 kg", "25 kg", "50 kg", "Farg'ona", "Samarqand", "Xorazm", "qadoqlangan", "to'kma"],
    },
    Shelf {
        name: "Ichimliklar",
        prefix: "ICH",
        unit: "box",
        goods: &[
            "Mineral suv",
            "Gazlangan suv",
            "Sharbat olma",
            "Sharbat o'rik",
            "Kompot",
            "Ayron",
            "Qatiq",
            "Limonad",
            "Sovuq choy",
            "Energetik",
        ],
        variants: &["0,5 l", "1 l", "1,5 l", "5 l", "Hydrolife", "Nestle", "Bonaqua", "Chortoq", "6 dona", "12 dona"],
    },
    Shelf {
        name: "Maishiy kimyo",
        prefix: "KIM",
        unit: "pcs",
        goods: &[
            "Kir yuvish kukuni",
            "Idish yuvish vositasi",
            "Sovun",
            "Oqartiruvchi",
            "Shisha tozalagich",
            "Pol yuvish vositasi",
            "Dezinfeksiya",
            "Konditsioner",
            "Chiqindi paketi",
            "Gubka",
        ],
        variants: &["400 g", "1 kg", "3 kg", "500 ml", "1 l", "5 l", "Ariel", "Tide", "Fairy", "Domestos"],
    },
    Shelf {
        name: "Kanselyariya",
        prefix: "KAN",
        unit: "pack",
        goods: &["Qog'oz A4", "Ruchka", "Qalam", "Daftar", "Papka", "Stepler", "Skotch", "Marker", "Konvert", "Yorliq qog'ozi"],
        variants: &["ko'k", "qora", "qizil", "48 varaq", "96 varaq", "500 varaq", "Svetocopy", "Erich Krause", "Berlingo", "10 dona"],
    },
    Shelf {
        name: "Avtoehtiyot qismlar",
        prefix: "AVT",
        unit: "pcs",
        goods: &[
            "Moy filtri",
            "Havo filtri",
            "Tormoz kolodkasi",
            "Svecha",
            "Motor moyi",
            "Antifriz",
            "Akkumulyator",
            "Dvornik",
            "Remen",
            "Lampochka H4",
        ],
        variants: &["Nexia", "Cobalt", "Gentra", "Spark", "Damas", "Lacetti", "Malibu", "4 l", "5W-30", "10W-40"],
    },
    Shelf {
        name: "Qadoqlash",
        prefix: "QAD",
        unit: "pcs",
        goods: &[
            "Karton quti",
            "Stretch plyonka",
            "Skotch qadoqlash",
            "Polietilen qop",
            "Pufakli plyonka",
            "Yorliq rulon",
            "Paddon",
            "Lenta PP",
            "Burchak himoya",
            "Qog'oz to'ldirgich",
        ],
        variants: &["kichik", "o'rta", "katta", "20 mkm", "23 mkm", "50 m", "100 m", "300 m", "1200×800", "oq"],
    },
];

/// The demo catalogue: every shelf's goods in each variant, round after round, until `count`.
pub fn catalogue(count: usize) -> (Vec<String>, Vec<DemoProduct>) {
    let categories = SHELVES.iter().map(|s| s.name.to_string()).collect();
    let mut products = Vec::with_capacity(count);
    let mut per_shelf = vec![0usize; SHELVES.len()];
    for i in 0..count {
        let shelf_index = i % SHELVES.len();
        let shelf = &SHELVES[shelf_index];
        let n = per_shelf[shelf_index];
        per_shelf[shelf_index] += 1;
        let good = shelf.goods[n % shelf.goods.len()];
        let variant = shelf.variants[(n / shelf.goods.len()) % shelf.variants.len()];
        // After goods × variants, a batch number keeps names apart.
        let round = n / (shelf.goods.len() * shelf.variants.len());
        let name = if round == 0 { format!("{good} {variant}") } else { format!("{good} {variant} (partiya {})", round + 1) };
        products.push(DemoProduct {
            sku: format!("{}-{:05}", shelf.prefix, n + 1),
            qr_code: format!("QR-{:06}", i + 1),
            name,
            category: shelf_index,
            unit: shelf.unit.to_string(),
            min_stock: Decimal::from((n % 7) as i64 * 5),
        });
    }
    (categories, products)
}

pub fn run(db: &Db, args: DemoArgs) -> anyhow::Result<()> {
    // Refuse before asking for a password.
    if !db.run(async { models::health::catalogue_is_empty(&**db.pool.get().await?).await })? {
        anyhow::bail!("the database already has categories or products: `ombor demo` only fills an empty one");
    }
    let (categories, products) = catalogue(args.products as usize);
    let auth = db.login(&args.login)?;
    let started = std::time::Instant::now();
    let total = products.len();
    let result = db.run(async {
        auth.require(models::permissions::Action::ManageProducts)?;
        let mut c = db.pool.get().await?;
        let tx = models::session::begin(&mut c, Some(&auth.token)).await?;
        models::demo::fill_catalogue(&tx, &categories, &products, |n| {
            eprint!("\rdemo: {n} / {total} products");
            let _ = std::io::stderr().flush();
        })
        .await?;
        tx.commit().await?;
        Ok::<_, models::Error>(())
    });
    eprintln!();
    db.logout(&auth);
    result?;
    let secs = started.elapsed().as_secs_f64();
    super::print(args.json, &serde_json::json!({"categories": categories.len(), "products": total, "seconds": secs}), || {
        format!("demo catalogue: {} categories, {total} products in {secs:.1} s (QR codes QR-000001 … QR-{total:06})", categories.len())
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_thousand_distinct_products() {
        let (cats, products) = catalogue(10_000);
        assert_eq!(cats.len(), SHELVES.len());
        let skus: std::collections::HashSet<_> = products.iter().map(|p| &p.sku).collect();
        let codes: std::collections::HashSet<_> = products.iter().map(|p| &p.qr_code).collect();
        let names: std::collections::HashSet<_> = products.iter().map(|p| (&p.name, p.category)).collect();
        assert_eq!((skus.len(), codes.len(), names.len()), (10_000, 10_000, 10_000));
    }
}
