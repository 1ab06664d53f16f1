//! Reads the Django database through a mapping into rows ready for the import, and finds every
//! row problem on the way, each with its table and id. Nothing here writes anywhere.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::mapping::{self, Mapping};
use super::source::Source;
use crate::error::Result;
use crate::products::MAX_CODE_LEN;
use crate::types::MovementKind;

/// A row the import refuses (or, as a warning, takes with a remark): table, old id, what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowNote {
    pub table: String,
    pub id: String,
    pub message: String,
}

impl std::fmt::Display for RowNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} id {}: {}", self.table, self.id, self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub decimals: i16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub source_id: String,
    pub name: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub source_id: String,
    pub sku: String,
    pub qr_code: String,
    pub name: String,
    pub category: Option<String>,
    pub unit: String,
    pub min_stock: Decimal,
    pub active: bool,
    /// The old system's stock; None: it had no stock row (the history's sum counts).
    pub stock: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Employee {
    pub source_id: String,
    pub full_name: String,
    pub personnel_no: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub source_id: String,
    pub username: String,
    pub role: String,
    pub active: bool,
    /// The Django hasher when it is one the database verifies, with the encoded hash.
    #[serde(skip)]
    pub legacy: Option<(String, String)>,
    /// The hasher named in the old hash (`argon2`, `scrypt`, `!` for no usable password…).
    pub hasher: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub source_id: String,
    pub product: String,
    pub kind: MovementKind,
    pub quantity: Decimal,
    pub at: DateTime<Utc>,
    pub employee: Option<String>,
    pub user: Option<String>,
    pub reverses: Option<String>,
    pub note: Option<String>,
    pub legacy: serde_json::Value,
}

/// How many rows each mapped table had.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableCount {
    pub what: String,
    pub table: String,
    pub rows: u64,
}

#[derive(Debug, Default)]
pub struct SourceData {
    pub units: Vec<Unit>,
    pub categories: Vec<Category>,
    pub products: Vec<Product>,
    pub employees: Vec<Employee>,
    pub users: Vec<User>,
    pub movements: Vec<Movement>,
    pub counts: Vec<TableCount>,
    /// What was guessed that the user should know (unit matches, renamed categories…).
    pub guesses: Vec<String>,
    pub problems: Vec<RowNote>,
    pub warnings: Vec<RowNote>,
}

/// Our unit for a unit code or name in uz/ru/en, or None.
pub fn known_unit(s: &str) -> Option<&'static str> {
    let v = s.trim().to_lowercase().replace(['.', ' '], "");
    const UNITS: &[(&str, &[&str])] = &[
        ("pcs", &["pcs", "pc", "dona", "шт", "штук", "штука", "piece", "pieces", "ea", "each", "dan", "ta", "units", "unit"]),
        ("box", &["box", "boxes", "quti", "коробка", "короб", "кор", "yashik", "ящик"]),
        ("pack", &["pack", "package", "qadoq", "упаковка", "уп", "упак", "pachka", "пачка"]),
        ("kg", &["kg", "кг", "kilogramm", "kilogram", "килограмм", "kilo"]),
        ("g", &["g", "gr", "gramm", "gram", "г", "гр", "грамм"]),
        ("t", &["t", "tonna", "тонна", "ton", "tonne", "т", "tn"]),
        ("m", &["m", "metr", "метр", "м", "meter", "metre", "mtr"]),
        ("m2", &["m2", "м2", "m²", "м²", "квм", "kvm", "kvmetr", "kvadratmetr", "sqm"]),
        ("l", &["l", "litr", "литр", "л", "liter", "litre", "lt", "ltr"]),
    ];
    UNITS.iter().find(|(_, names)| names.contains(&v.as_str())).map(|(code, _)| *code)
}

fn parse_decimal(s: &str) -> Option<Decimal> {
    let t = s.trim().replace(',', ".");
    Decimal::from_str(&t).or_else(|_| Decimal::from_scientific(&t)).ok().map(|d| d.normalize())
}

fn parse_bool(s: Option<&str>, default: bool) -> Option<bool> {
    match s.map(|s| s.trim().to_lowercase()) {
        None => Some(default),
        Some(v) => match v.as_str() {
            "1" | "t" | "true" | "yes" | "y" | "on" => Some(true),
            "0" | "f" | "false" | "no" | "n" | "off" => Some(false),
            _ => None,
        },
    }
}

/// Django's datetimes: SQLite keeps `2024-01-20 13:02:00.020679` (UTC under USE_TZ),
/// PostgreSQL gives `2024-01-20 13:02:00.020679+00`.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    for f in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%:z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

fn text_ok(v: &str, max: usize) -> std::result::Result<(), String> {
    if v.is_empty() {
        Err("is empty".into())
    } else if v.chars().count() > max {
        Err(format!("is longer than {max} characters"))
    } else if v.chars().any(char::is_control) {
        Err("contains control characters".into())
    } else {
        Ok(())
    }
}

/// `Some(col)` as a select list entry, `None` reads NULL.
fn col(c: &Option<String>) -> Option<&str> {
    c.as_deref()
}

/// Reads everything the mapping points at. Row problems are collected, not returned as errors;
/// an error is a source that cannot be read at all (damaged file, lost connection).
pub async fn read(source: &Source, m: &Mapping, progress: &(dyn Fn(&str) + Sync)) -> Result<SourceData> {
    let mut d = SourceData::default();
    let problem = |d: &mut SourceData, table: &str, id: &str, message: String| {
        d.problems.push(RowNote { table: table.into(), id: id.into(), message })
    };

    // ---------------------------------------------------------------- units
    // Old unit id → (code, name) as the old system wrote them.
    let mut old_units: HashMap<String, (String, String)> = HashMap::new();
    if let Some(u) = &m.unit {
        progress(&u.table);
        let n = source
            .each_row(&u.table, &[Some(&u.id), col(&u.code), col(&u.name)], |r| {
                let id = r[0].clone().unwrap_or_default();
                let code = r[1].clone().unwrap_or_default().trim().to_string();
                let name = r[2].clone().unwrap_or_default().trim().to_string();
                old_units.insert(id, (code, name));
                Ok(())
            })
            .await?;
        d.counts.push(TableCount { what: "units".into(), table: u.table.clone(), rows: n });
    }

    // ---------------------------------------------------------------- categories
    if let Some(c) = &m.category {
        progress(&c.table);
        let mut rows = vec![];
        let n = source
            .each_row(&c.table, &[Some(&c.id), Some(&c.name), col(&c.parent)], |r| {
                rows.push((r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default().trim().to_string(), r[2].clone()));
                Ok(())
            })
            .await?;
        d.counts.push(TableCount { what: "categories".into(), table: c.table.clone(), rows: n });
        let ids: HashSet<String> = rows.iter().map(|r| r.0.clone()).collect();
        let parent_of: HashMap<String, Option<String>> = rows.iter().map(|r| (r.0.clone(), r.2.clone())).collect();
        let name_of: HashMap<String, String> = rows.iter().map(|r| (r.0.clone(), r.1.clone())).collect();
        let mut seen_names: HashMap<String, usize> = HashMap::new();
        for (_, name, _) in &rows {
            *seen_names.entry(name.to_lowercase()).or_default() += 1;
        }
        let mut taken: HashSet<String> = HashSet::new();
        for (id, name, parent) in &rows {
            if let Err(e) = text_ok(name, 120) {
                problem(&mut d, &c.table, id, format!("{} {e}", c.name));
                continue;
            }
            if let Some(p) = parent.as_ref().filter(|p| !ids.contains(*p)) {
                problem(&mut d, &c.table, id, format!("{} {p} is not in {}", c.parent.as_deref().unwrap_or("parent"), c.table));
                continue;
            }
            // A loop of parents would never end.
            let mut at = parent.clone();
            let mut steps = 0;
            while let Some(p) = at {
                if p == *id || steps > rows.len() {
                    problem(&mut d, &c.table, id, "its parents form a loop".into());
                    break;
                }
                at = parent_of.get(&p).cloned().flatten();
                steps += 1;
            }
            // Names are unique here; the same name twice in the old tree gets its parent's name.
            let mut final_name = name.clone();
            if seen_names.get(&name.to_lowercase()).copied().unwrap_or(0) > 1 {
                if let Some(pn) = parent.as_ref().and_then(|p| name_of.get(p)) {
                    final_name = format!("{name} ({pn})");
                }
                if taken.contains(&final_name.to_lowercase()) {
                    final_name = format!("{final_name} #{id}");
                }
                d.guesses.push(format!("category {} id {id}: `{name}` is there more than once; imported as `{final_name}`", c.table));
            }
            final_name = final_name.chars().take(120).collect();
            taken.insert(final_name.to_lowercase());
            d.categories.push(Category { source_id: id.clone(), name: final_name, parent: parent.clone() });
        }
    }
    let category_ids: HashSet<String> = d.categories.iter().map(|c| c.source_id.clone()).collect();

    // ---------------------------------------------------------------- stock
    let mut stock: HashMap<String, (String, Decimal)> = HashMap::new();
    if let Some(s) = &m.stock {
        progress(&s.table);
        let mut rows = vec![];
        let n = source
            .each_row(&s.table, &[Some(&s.id), Some(&s.product), Some(&s.quantity)], |r| {
                rows.push((r[0].clone().unwrap_or_default(), r[1].clone(), r[2].clone()));
                Ok(())
            })
            .await?;
        d.counts.push(TableCount { what: "stock".into(), table: s.table.clone(), rows: n });
        for (id, product, q) in rows {
            let Some(product) = product else {
                problem(&mut d, &s.table, &id, format!("{} is empty", s.product));
                continue;
            };
            match q.as_deref().and_then(parse_decimal) {
                Some(q) if q >= Decimal::ZERO && q < Decimal::new(1_000_000_000_000, 0) && q.scale() <= 6 => {
                    if let Some((first, _)) = stock.get(&product) {
                        problem(&mut d, &s.table, &id, format!("a second stock row for {} {product} (the first is id {first})", s.product));
                    } else {
                        stock.insert(product, (id, q));
                    }
                }
                _ => problem(&mut d, &s.table, &id, format!("{} `{}` is not a quantity ≥ 0 with at most 6 decimals", s.quantity, q.unwrap_or_default())),
            }
        }
    }

    // ---------------------------------------------------------------- products
    let p = &m.product;
    progress(&p.table);
    let mut rows = vec![];
    let n = source
        .each_row(&p.table, &[Some(&p.id), Some(&p.sku), Some(&p.name), col(&p.qr_code), col(&p.category), col(&p.unit), col(&p.min_stock), col(&p.active)], |r| {
            rows.push(r.to_vec());
            Ok(())
        })
        .await?;
    d.counts.push(TableCount { what: "products".into(), table: p.table.clone(), rows: n });
    let all_product_ids: HashSet<String> = rows.iter().map(|r| r[0].clone().unwrap_or_default()).collect();
    let (mut skus, mut qrs): (HashMap<String, String>, HashMap<String, String>) = Default::default();
    // Our unit code for each old unit, and the decimals its quantities need.
    let mut unit_code: HashMap<String, String> = HashMap::new();
    let mut unit_decimals: BTreeMap<String, (String, i16)> = BTreeMap::new();
    let resolve_unit = |d: &mut SourceData,
                        unit_code: &mut HashMap<String, String>,
                        unit_decimals: &mut BTreeMap<String, (String, i16)>,
                        raw: &str|
     -> String {
        if let Some(c) = unit_code.get(raw) {
            return c.clone();
        }
        let (code, name) = match m.unit.as_ref().and_then(|_| old_units.get(raw)) {
            Some((code, name)) => (code.clone(), name.clone()),
            None => (raw.to_string(), raw.to_string()),
        };
        let ours = known_unit(&code).or_else(|| known_unit(&name)).map(str::to_string);
        let chosen = match ours {
            Some(c) => {
                d.guesses.push(format!("unit `{}` → {c}", if code.is_empty() { &name } else { &code }));
                c
            }
            None => {
                let base: String = if code.is_empty() { name.clone() } else { code.clone() };
                let c: String = base.to_lowercase().chars().filter(|c| !c.is_control() && !c.is_whitespace()).take(16).collect();
                let c = if c.is_empty() { format!("u{raw}") } else { c };
                d.guesses.push(format!("unit `{base}` is not one of ours: created as `{c}`"));
                c
            }
        };
        unit_decimals.entry(chosen.clone()).or_insert_with(|| (if name.is_empty() { chosen.clone() } else { name.clone() }, 0));
        unit_code.insert(raw.to_string(), chosen.clone());
        chosen
    };
    let mut product_unit: HashMap<String, String> = HashMap::new();
    for r in rows {
        let id = r[0].clone().unwrap_or_default();
        let get = |i: usize| r[i].as_deref().map(str::trim).unwrap_or("").to_string();
        let mut bad = vec![];
        let sku = get(1);
        let name = get(2);
        let qr = Some(get(3)).filter(|s| !s.is_empty()).unwrap_or_else(|| sku.clone());
        if let Err(e) = text_ok(&sku, 64) {
            bad.push(format!("{} {e}", p.sku));
        }
        if let Err(e) = text_ok(&name, 300) {
            bad.push(format!("{} {e}", p.name));
        }
        if !sku.is_empty() {
            if let Err(e) = text_ok(&qr, MAX_CODE_LEN) {
                bad.push(format!("{} {e}", p.qr_code.as_deref().unwrap_or("code")));
            }
            if let Some(first) = skus.insert(sku.to_lowercase(), id.clone()) {
                bad.push(format!("{} `{sku}` is also product id {first}'s", p.sku));
            }
            if let Some(first) = qrs.insert(qr.clone(), id.clone()) {
                bad.push(format!("code `{qr}` is also product id {first}'s (a product without a code of its own is found by its {})", p.sku));
            }
        }
        let category = r[4].clone().filter(|c| !c.trim().is_empty());
        if let Some(c) = category.as_ref().filter(|c| !category_ids.contains(*c)) {
            if m.category.is_some() {
                bad.push(format!("{} {c} is not among the categories", p.category.as_deref().unwrap_or("category")));
            }
        }
        let raw_unit = get(5);
        let unit = if raw_unit.is_empty() { "pcs".to_string() } else { resolve_unit(&mut d, &mut unit_code, &mut unit_decimals, &raw_unit) };
        let min_stock = match r[6].as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Decimal::ZERO,
            Some(s) => match parse_decimal(s) {
                Some(v) if v >= Decimal::ZERO && v < Decimal::new(1_000_000_000_000, 0) => v,
                _ => {
                    bad.push(format!("{} `{s}` is not a number ≥ 0", p.min_stock.as_deref().unwrap_or("min_stock")));
                    Decimal::ZERO
                }
            },
        };
        let Some(active) = parse_bool(r[7].as_deref(), true) else {
            bad.push(format!("{} `{}` is not true or false", p.active.as_deref().unwrap_or("active"), get(7)));
            continue;
        };
        if !bad.is_empty() {
            problem(&mut d, &p.table, &id, bad.join("; "));
            continue;
        }
        let stock_q = stock.remove(&id).map(|(_, q)| q);
        for q in [Some(min_stock), stock_q].into_iter().flatten() {
            let e = unit_decimals.get_mut(&unit).map(|e| &mut e.1);
            if let Some(e) = e {
                *e = (*e).max(q.scale() as i16);
            }
        }
        product_unit.insert(id.clone(), unit.clone());
        d.products.push(Product { source_id: id, sku, qr_code: qr, name, category: category.filter(|_| m.category.is_some()), unit, min_stock, active, stock: stock_q });
    }
    if let Some(s) = &m.stock {
        let mut left: Vec<_> = stock.into_iter().collect();
        left.sort();
        for (product, (id, _)) in left {
            if !all_product_ids.contains(&product) {
                problem(&mut d, &s.table, &id, format!("{} {product} is not in {}", s.product, p.table));
            }
        }
    }

    // ---------------------------------------------------------------- employees
    let mut employee_names: HashMap<String, String> = HashMap::new();
    if let Some(e) = &m.employee {
        progress(&e.table);
        let mut cols: Vec<Option<&str>> = vec![Some(&e.id), col(&e.personnel_no), col(&e.active)];
        cols.extend(e.name.iter().map(|c| Some(c.as_str())));
        let mut rows = vec![];
        let n = source.each_row(&e.table, &cols, |r| {
            rows.push(r.to_vec());
            Ok(())
        })
        .await?;
        d.counts.push(TableCount { what: "employees".into(), table: e.table.clone(), rows: n });
        let mut numbers: HashMap<String, String> = HashMap::new();
        for r in rows {
            let id = r[0].clone().unwrap_or_default();
            let name = r[3..].iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
            let personnel = r[1].as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
            let mut bad = vec![];
            if let Err(err) = text_ok(&name, 200) {
                bad.push(format!("{} {err}", e.name.join(" + ")));
            }
            if let Some(no) = &personnel {
                if no.chars().count() > 64 {
                    bad.push(format!("{} is longer than 64 characters", e.personnel_no.as_deref().unwrap_or("personnel_no")));
                } else if let Some(first) = numbers.insert(no.clone(), id.clone()) {
                    bad.push(format!("personnel number `{no}` is also employee id {first}'s"));
                }
            }
            let active = parse_bool(r[2].as_deref(), true);
            if active.is_none() {
                bad.push(format!("{} is not true or false", e.active.as_deref().unwrap_or("active")));
            }
            if !bad.is_empty() {
                problem(&mut d, &e.table, &id, bad.join("; "));
                continue;
            }
            employee_names.insert(id.clone(), name.clone());
            d.employees.push(Employee { source_id: id, full_name: name, personnel_no: personnel, active: active.unwrap_or(true) });
        }
    }

    // ---------------------------------------------------------------- users
    progress("auth_user");
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    let mut group_names: HashMap<String, String> = HashMap::new();
    source
        .each_row("auth_group", &[Some("id"), Some("name")], |r| {
            group_names.insert(r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default());
            Ok(())
        })
        .await?;
    source
        .each_row("auth_user_groups", &[Some("user_id"), Some("group_id")], |r| {
            let g = group_names.get(r[1].as_deref().unwrap_or("")).cloned().unwrap_or_default();
            groups.entry(r[0].clone().unwrap_or_default()).or_default().push(g);
            Ok(())
        })
        .await?;
    let mut group_roles: BTreeMap<String, Option<String>> = BTreeMap::new();
    for g in group_names.values() {
        let role = m.groups.get(g).cloned().or_else(|| mapping::role_of_group(g).map(str::to_string));
        group_roles.insert(g.clone(), role);
    }
    for (g, role) in &group_roles {
        match role {
            Some(r) => d.guesses.push(format!("group `{g}` → {r}")),
            None => d.guesses.push(format!("group `{g}` → no role (its members become viewers unless another group says more)")),
        }
    }
    let mut rows = vec![];
    let n = source
        .each_row("auth_user", &[Some("id"), Some("username"), Some("password"), Some("is_superuser"), Some("is_active")], |r| {
            rows.push(r.to_vec());
            Ok(())
        })
        .await?;
    d.counts.push(TableCount { what: "users".into(), table: "auth_user".into(), rows: n });
    let mut user_names: HashMap<String, String> = HashMap::new();
    let mut lower_names: HashMap<String, String> = HashMap::new();
    for r in rows {
        let id = r[0].clone().unwrap_or_default();
        let username = r[1].clone().unwrap_or_default().trim().to_string();
        let mut bad = vec![];
        if username.is_empty() || username.chars().count() > 64 || username.chars().any(|c| c.is_whitespace() || c.is_control()) {
            bad.push(format!("username `{username}` is not 1–64 characters without spaces"));
        } else if let Some(first) = lower_names.insert(username.to_lowercase(), id.clone()) {
            bad.push(format!("username `{username}` differs only in case from user id {first}'s"));
        }
        let superuser = parse_bool(r[3].as_deref(), false).unwrap_or(false);
        let active = parse_bool(r[4].as_deref(), true).unwrap_or(true);
        if !bad.is_empty() {
            problem(&mut d, "auth_user", &id, bad.join("; "));
            continue;
        }
        let rank = |r: &str| match r {
            "admin" => 3,
            "operator" => 2,
            _ => 1,
        };
        let role = if superuser {
            "admin".to_string()
        } else {
            groups
                .get(&id)
                .into_iter()
                .flatten()
                .filter_map(|g| group_roles.get(g).cloned().flatten())
                .max_by_key(|r| rank(r))
                .unwrap_or_else(|| "viewer".into())
        };
        let encoded = r[2].clone().unwrap_or_default();
        let hasher = if encoded.starts_with('!') || encoded.is_empty() { "!".to_string() } else { encoded.split('$').next().unwrap_or("").to_string() };
        let legacy = ["pbkdf2_sha256", "pbkdf2_sha1", "bcrypt_sha256"].contains(&hasher.as_str()).then(|| (hasher.clone(), encoded.clone()));
        user_names.insert(id.clone(), username.clone());
        d.users.push(User { source_id: id, username, role, active, legacy, hasher });
    }

    // ---------------------------------------------------------------- movements
    if let Some(mv) = &m.movement {
        progress(&mv.table);
        let mut reversed: HashMap<String, String> = HashMap::new();
        let mut all_ids: HashSet<String> = HashSet::new();
        let mut pending_reverses: Vec<(usize, String)> = vec![];
        let mut sums: HashMap<String, Decimal> = HashMap::new();
        let mut problems = vec![];
        let mut warnings = vec![];
        let n = source
            .each_row(
                &mv.table,
                &[Some(&mv.id), Some(&mv.product), Some(&mv.quantity), col(&mv.kind), Some(&mv.time), col(&mv.employee), col(&mv.user), col(&mv.reverses), col(&mv.note)],
                |r| {
                    let id = r[0].clone().unwrap_or_default();
                    let mut bad = vec![];
                    let product = r[1].clone().unwrap_or_default();
                    if !all_product_ids.contains(&product) {
                        bad.push(format!("{} {product} is not in {}", mv.product, p.table));
                    }
                    let raw_q = r[2].as_deref().and_then(parse_decimal);
                    let raw_kind = r[3].clone().unwrap_or_default();
                    let (kind, quantity) = match (&mv.kind, raw_q) {
                        (_, None) => {
                            bad.push(format!("{} `{}` is not a number", mv.quantity, r[2].clone().unwrap_or_default()));
                            (MovementKind::In, Decimal::ZERO)
                        }
                        (Some(kcol), Some(q)) => match mapping::kind_of(&raw_kind, mv) {
                            Some(k) if q > Decimal::ZERO => (k, q),
                            Some(k) => {
                                bad.push(format!("{} {q} is not greater than zero", mv.quantity));
                                (k, q)
                            }
                            None => {
                                bad.push(format!("{kcol} `{raw_kind}` is neither IN nor OUT (give in_values / out_values in the mapping)"));
                                (MovementKind::In, q)
                            }
                        },
                        (None, Some(q)) if q > Decimal::ZERO => (MovementKind::In, q),
                        (None, Some(q)) if q < Decimal::ZERO => (MovementKind::Out, -q),
                        (None, Some(_)) => {
                            bad.push(format!("{} is zero", mv.quantity));
                            (MovementKind::In, Decimal::ZERO)
                        }
                    };
                    if quantity >= Decimal::new(1_000_000_000_000, 0) || quantity.scale() > 6 {
                        bad.push(format!("{} {quantity} is too large or has more than 6 decimals", mv.quantity));
                    }
                    let at = r[4].as_deref().and_then(parse_time);
                    if at.is_none() {
                        bad.push(format!("{} `{}` is not a date and time", mv.time, r[4].clone().unwrap_or_default()));
                    }
                    let note: Option<String> = r[8].as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(500).collect());
                    let employee = r[5].clone();
                    let user = r[6].clone();
                    let mut reverses = r[7].clone();
                    if let Some(orig) = reverses.clone() {
                        if let Some(first) = reversed.get(&orig) {
                            warnings.push(RowNote {
                                table: mv.table.clone(),
                                id: id.clone(),
                                message: format!("cancels {orig} like {first} does: kept, the link only in its old data"),
                            });
                            reverses = None;
                        } else {
                            reversed.insert(orig, id.clone());
                        }
                    }
                    all_ids.insert(id.clone());
                    if !bad.is_empty() {
                        problems.push(RowNote { table: mv.table.clone(), id, message: bad.join("; ") });
                        return Ok(());
                    }
                    if let Some(e) = employee.as_ref().filter(|e| m.employee.is_some() && !employee_names.contains_key(*e)) {
                        warnings.push(RowNote { table: mv.table.clone(), id: id.clone(), message: format!("employee {e} is not in the employee table: imported without one") });
                    }
                    let signed = if kind == MovementKind::In { quantity } else { -quantity };
                    *sums.entry(product.clone()).or_default() += signed;
                    if let Some(u) = product_unit.get(&product) {
                        if let Some(e) = unit_decimals.get_mut(u) {
                            e.1 = e.1.max(quantity.scale() as i16);
                        }
                    }
                    let legacy = serde_json::json!({
                        "table": mv.table, "id": id, "kind": raw_kind,
                        "employee": employee.as_ref().map(|e| serde_json::json!({"id": e, "name": employee_names.get(e)})),
                        "user": user.as_ref().map(|u| serde_json::json!({"id": u, "username": user_names.get(u)})),
                        "reverses": r[7],
                    });
                    if let Some(orig) = &reverses {
                        pending_reverses.push((d.movements.len(), orig.clone()));
                    }
                    d.movements.push(Movement { source_id: id, product, kind, quantity, at: at.unwrap_or_default(), employee, user, reverses, note, legacy });
                    Ok(())
                },
            )
            .await?;
        d.counts.push(TableCount { what: "movements".into(), table: mv.table.clone(), rows: n });
        for (i, orig) in pending_reverses {
            if !all_ids.contains(&orig) {
                let mvm = &d.movements[i];
                problems.push(RowNote {
                    table: mv.table.clone(),
                    id: mvm.source_id.clone(),
                    message: format!("{} {orig} is not in {}", mv.reverses.as_deref().unwrap_or("reverses"), mv.table),
                });
            }
        }
        d.problems.extend(problems);
        d.warnings.extend(warnings);
        // Without a stock row the history's sum is the stock, and it cannot be below zero.
        for pr in &d.products {
            if pr.stock.is_none() && sums.get(&pr.source_id).is_some_and(|s| *s < Decimal::ZERO) {
                d.problems.push(RowNote {
                    table: p.table.clone(),
                    id: pr.source_id.clone(),
                    message: format!("has no stock row and its movements sum to {}", sums[&pr.source_id]),
                });
            }
        }
    }
    d.units = unit_decimals.into_iter().map(|(code, (name, decimals))| Unit { code, name, decimals: decimals.min(6) }).collect();
    Ok(d)
}
