//! Which table of the Django database is what, and which column holds what: guessed from the
//! tables' columns and foreign keys (Uzbek, Russian and English spellings), printed as TOML the
//! user can correct (`--print-mapping`) and read back (`--mapping FILE`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::source::Schema;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// What the old ids belong to: running the import again with the same source imports
    /// nothing twice. Default `django:<app of the product table>`.
    pub source: String,
    pub product: ProductMap,
    pub category: Option<CategoryMap>,
    pub unit: Option<UnitMap>,
    pub stock: Option<StockMap>,
    pub movement: Option<MovementMap>,
    pub employee: Option<EmployeeMap>,
    /// Django group name → role here (admin, operator, viewer). is_superuser is always admin;
    /// a user in no mapped group becomes a viewer.
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductMap {
    pub table: String,
    pub id: String,
    pub sku: String,
    pub name: String,
    pub qr_code: Option<String>,
    /// The foreign key to the category table.
    pub category: Option<String>,
    /// The foreign key to the unit table, or a text column holding the unit itself.
    pub unit: Option<String>,
    pub min_stock: Option<String>,
    pub active: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryMap {
    pub table: String,
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitMap {
    pub table: String,
    pub id: String,
    pub code: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockMap {
    pub table: String,
    pub id: String,
    pub product: String,
    pub quantity: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovementMap {
    pub table: String,
    pub id: String,
    pub product: String,
    pub quantity: String,
    /// The IN/OUT column; without one, the quantity's sign says it.
    pub kind: Option<String>,
    #[serde(default)]
    pub in_values: Vec<String>,
    #[serde(default)]
    pub out_values: Vec<String>,
    pub time: String,
    pub employee: Option<String>,
    pub user: Option<String>,
    /// The foreign key of a cancelling movement to the movement it cancels.
    pub reverses: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeeMap {
    pub table: String,
    pub id: String,
    /// One column, or several joined by a space (e.g. last_name, first_name).
    pub name: Vec<String>,
    pub personnel_no: Option<String>,
    pub active: Option<String>,
}

// ---------------------------------------------------------------- spellings

const SKU: &[&str] = &["sku", "artikul", "article", "articul", "art", "code", "kod", "kodi", "артикул", "код", "part_number", "vendor_code"];
const NAME: &[&str] = &["name", "nomi", "nom", "title", "nomlanishi", "naimenovanie", "nazvanie", "наименование", "название", "имя"];
const QR: &[&str] = &["qr_code", "qr", "qrcode", "shtrix_kod", "shtrixkod", "shtrix", "barcode", "bar_code", "ean", "штрихкод", "штрих_код", "shtrih_kod"];
const UNIT: &[&str] = &["unit", "olchov", "o_lchov", "birlik", "olchov_birligi", "uom", "measure", "edinica", "единица", "ед_изм", "ed_izm"];
const CATEGORY: &[&str] = &["category", "bolim", "kategoriya", "turkum", "group", "gruppa", "razdel", "section", "категория", "группа", "раздел"];
const MIN: &[&str] = &["min_stock", "min_qoldiq", "min_qty", "min_quantity", "minimum", "min_ostatok", "reorder_level", "минимум", "мин_остаток"];
const ACTIVE: &[&str] = &["is_active", "active", "faol", "aktiv", "enabled", "активен", "активный"];
const QUANTITY: &[&str] = &["quantity", "qty", "miqdor", "miqdori", "soni", "amount", "kolichestvo", "количество", "ostatok", "остаток", "qoldiq", "count"];
const KIND: &[&str] = &["kind", "type", "turi", "tur", "movement_type", "direction", "operation", "yonalish", "vid", "тип", "вид", "операция", "harakat_turi"];
const TIME: &[&str] = &["created_at", "vaqt", "time", "timestamp", "date", "sana", "created", "moment", "datetime", "vaqti", "дата", "время", "data"];
const PARENT: &[&str] = &["parent", "ota", "roditel", "родитель", "yuqori", "parent_category"];
const REVERSES: &[&str] = &["reverses", "reversal_of", "reversed", "cancels", "bekor_qilingan", "original", "storno", "cancel_of", "сторно", "отмена"];
const NOTE: &[&str] = &["note", "izoh", "comment", "description", "remark", "primechanie", "комментарий", "примечание", "sabab", "reason"];
const PERSONNEL: &[&str] = &["personnel_no", "personnel_number", "tabel_raqami", "tabel", "tab_nomer", "employee_no", "staff_no", "табельный_номер", "number"];
const FULL_NAME: &[&str] = &["full_name", "fio", "ism_familiya", "фио", "name", "nomi", "ism"];
const IN: &[&str] = &["in", "kirim", "kirish", "prixod", "prihod", "приход", "incoming", "receipt", "income", "+", "i", "поступление"];
const OUT: &[&str] = &["out", "chiqim", "chiqish", "rasxod", "rashod", "расход", "outgoing", "issue", "expense", "-", "o", "списание"];

/// Django's own apps: never a warehouse table.
const DJANGO_PREFIXES: &[&str] = &["auth_", "django_", "sqlite_", "authtoken_", "admin_", "sessions_", "contenttypes_"];

fn norm(s: &str) -> String {
    let s = s.to_lowercase().replace(['\'', '`', 'ʻ', 'ʼ'], "");
    s.strip_suffix("_id").map(str::to_string).unwrap_or(s)
}

/// The first column of `table` spelled like one of `names` (exact, then as a word of it).
fn find(schema: &Schema, table: &str, names: &[&str], skip: &[&str]) -> Option<String> {
    let cols: Vec<&str> = schema.columns(table).iter().map(|c| c.name.as_str()).filter(|c| !skip.contains(c) && *c != "id").collect();
    for n in names {
        if let Some(c) = cols.iter().find(|c| norm(c) == *n) {
            return Some(c.to_string());
        }
    }
    for n in names.iter().filter(|n| n.chars().count() > 2) {
        if let Some(c) = cols.iter().find(|c| norm(c).split('_').any(|w| w == *n)) {
            return Some(c.to_string());
        }
    }
    None
}

fn id_column(schema: &Schema, table: &str) -> String {
    if schema.has_column(table, "id") {
        "id".into()
    } else {
        schema.columns(table).first().map(|c| c.name.clone()).unwrap_or_else(|| "id".into())
    }
}

/// The foreign keys of `table` pointing at `target`.
fn fks_to(schema: &Schema, table: &str, target: &str) -> Vec<String> {
    schema.columns(table).iter().filter(|c| c.references.as_deref() == Some(target)).map(|c| c.name.clone()).collect()
}

/// Guesses the mapping of a Django database. Refuses a database that is not Django's.
pub fn guess(schema: &Schema) -> Result<Mapping> {
    let all: Vec<&String> = schema.tables.keys().collect();
    let listing = || if all.is_empty() { "no tables".to_string() } else { all.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ") };
    if !schema.tables.contains_key("django_migrations") {
        return Err(super::source::SourceProblem::NotDjango { tables: listing() }.into());
    }
    if !schema.tables.contains_key("auth_user") {
        return Err(super::source::SourceProblem::NoAuthUser { tables: listing() }.into());
    }
    let models: Vec<&str> =
        all.iter().map(|s| s.as_str()).filter(|t| !DJANGO_PREFIXES.iter().any(|p| t.starts_with(p))).collect();

    // The product table: an SKU-like and a name-like column; a unit or a category is a plus.
    let score = |t: &str| {
        let has = |names| find(schema, t, names, &[]).is_some();
        let mut s = 0;
        if has(SKU) {
            s += 4;
        }
        if has(NAME) {
            s += 2;
        }
        if has(UNIT) {
            s += 2;
        }
        if has(QR) || has(MIN) {
            s += 1;
        }
        let min = find(schema, t, MIN, &[]);
        if has(KIND) || find(schema, t, QUANTITY, &[min.as_deref().unwrap_or("")]).is_some() {
            s -= 3;
        }
        // Movements and stock point at the products with a quantity of their own.
        if models.iter().any(|o| *o != t && !fks_to(schema, o, t).is_empty() && find(schema, o, QUANTITY, &[]).is_some()) {
            s += 3;
        }
        s
    };
    let product_table = models
        .iter()
        .copied()
        .filter(|t| find(schema, t, SKU, &[]).is_some() && find(schema, t, NAME, &[]).is_some())
        .max_by_key(|t| (score(t), std::cmp::Reverse(t.to_string())))
        .ok_or_else(|| {
            Error::Invalid(format!(
                "no product table found: none of {} has a code column ({}) and a name column ({}); write a mapping (--print-mapping shows the format)",
                models.join(", "),
                SKU.join("/"),
                NAME.join("/")
            ))
        })?
        .to_string();
    let p = product_table.as_str();
    let sku = find(schema, p, SKU, &[]).unwrap_or_default();
    let qr = find(schema, p, QR, &[&sku]);
    let name = find(schema, p, NAME, &[&sku]).unwrap_or_default();

    // Category: the product's foreign key to a table with a name (and usually a parent).
    let mut category = None;
    let mut category_fk = None;
    let mut unit = None;
    let mut unit_col = None;
    for c in schema.columns(p) {
        let Some(target) = c.references.as_deref() else { continue };
        if target == p || DJANGO_PREFIXES.iter().any(|x| target.starts_with(x)) {
            continue;
        }
        let self_fk = fks_to(schema, target, target).into_iter().next();
        let named_category = CATEGORY.contains(&norm(&c.name).as_str()) || CATEGORY.iter().any(|n| norm(target).ends_with(n));
        let named_unit = UNIT.contains(&norm(&c.name).as_str()) || UNIT.iter().any(|n| norm(target).contains(n));
        if category.is_none() && (named_category || (self_fk.is_some() && !named_unit)) {
            let tname = find(schema, target, NAME, &[]).unwrap_or_else(|| "name".into());
            category = Some(CategoryMap {
                table: target.into(),
                id: id_column(schema, target),
                name: tname,
                parent: self_fk.or_else(|| find(schema, target, PARENT, &[])),
            });
            category_fk = Some(c.name.clone());
        } else if unit.is_none() && named_unit {
            let code = find(schema, target, &["code", "kod", "kodi", "short", "qisqa", "abbr", "symbol", "belgi", "обозначение", "код"], &[]);
            let uname = find(schema, target, NAME, &[code.as_deref().unwrap_or("")]);
            unit = Some(UnitMap { table: target.into(), id: id_column(schema, target), code, name: uname });
            unit_col = Some(c.name.clone());
        }
    }
    if unit_col.is_none() {
        unit_col = find(schema, p, UNIT, &[]).filter(|c| schema.references(p, c).is_none());
    }

    let product = ProductMap {
        table: p.into(),
        id: id_column(schema, p),
        qr_code: qr,
        category: category_fk,
        unit: unit_col,
        min_stock: find(schema, p, MIN, &[]),
        active: find(schema, p, ACTIVE, &[]),
        sku,
        name,
    };

    // Movements and stock: tables with a foreign key to the product and a quantity.
    let mut movement = None;
    let mut stock = None;
    for t in models.iter().copied().filter(|t| *t != p) {
        let Some(product_fk) = fks_to(schema, t, p).into_iter().next() else { continue };
        let Some(quantity) = find(schema, t, QUANTITY, &[&product_fk]) else { continue };
        let kind = find(schema, t, KIND, &[&product_fk, &quantity]);
        let time = find(schema, t, TIME, &[&product_fk, &quantity]);
        if movement.is_none() && (kind.is_some() || fks_to(schema, t, t).len() == 1) && time.is_some() {
            let users = fks_to(schema, t, "auth_user");
            let employee = schema
                .columns(t)
                .iter()
                .filter_map(|c| c.references.as_deref().map(|r| (c.name.clone(), r)))
                .find(|(_, r)| *r != p && *r != t && *r != "auth_user" && !DJANGO_PREFIXES.iter().any(|x| r.starts_with(x)));
            movement = Some((
                MovementMap {
                    table: t.into(),
                    id: id_column(schema, t),
                    product: product_fk.clone(),
                    note: find(schema, t, NOTE, &[&product_fk, &quantity]),
                    reverses: fks_to(schema, t, t).into_iter().next().or_else(|| find(schema, t, REVERSES, &[&product_fk, &quantity])),
                    employee: employee.as_ref().map(|(c, _)| c.clone()),
                    user: users.into_iter().next(),
                    in_values: vec![],
                    out_values: vec![],
                    time: time.unwrap_or_default(),
                    kind,
                    quantity,
                },
                employee.map(|(_, r)| r.to_string()),
            ));
        } else if stock.is_none() && kind.is_none() {
            stock = Some(StockMap { table: t.into(), id: id_column(schema, t), product: product_fk, quantity });
        }
    }

    // Employees: the table the movements point at, else one with a full name and a personnel
    // number or an active flag.
    let employee_table = movement.as_ref().and_then(|(_, e)| e.clone()).or_else(|| {
        models
            .iter()
            .copied()
            .filter(|t| *t != p && Some(*t) != category.as_ref().map(|c| c.table.as_str()) && Some(*t) != unit.as_ref().map(|u| u.table.as_str()))
            .find(|t| {
                let n = norm(t);
                ["employee", "xodim", "worker", "sotrudnik", "ishchi", "staff", "сотрудник"].iter().any(|w| n.contains(w))
            })
            .map(str::to_string)
    });
    let employee = employee_table.map(|t| {
        let mut name: Vec<String> = find(schema, &t, FULL_NAME, &[]).into_iter().collect();
        if name.is_empty() {
            name = ["last_name", "first_name", "familiya", "ism", "middle_name", "otasining_ismi"]
                .iter()
                .filter(|c| schema.has_column(&t, c))
                .map(|c| c.to_string())
                .collect();
        }
        EmployeeMap { id: id_column(schema, &t), name, personnel_no: find(schema, &t, PERSONNEL, &[]), active: find(schema, &t, ACTIVE, &[]), table: t }
    });

    let app = p.split_once('_').map(|(a, _)| a).unwrap_or(p);
    Ok(Mapping {
        source: format!("django:{app}"),
        product,
        category,
        unit,
        stock,
        movement: movement.map(|(m, _)| m),
        employee,
        groups: BTreeMap::new(),
    })
}

/// The role a Django group's name suggests, if any.
pub fn role_of_group(name: &str) -> Option<&'static str> {
    let n = name.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if any(&["admin", "админ", "rahbar", "boshqaruv", "manager", "menejer", "менеджер", "direktor", "директор", "superuser"]) {
        Some("admin")
    } else if any(&["operator", "оператор", "omborchi", "kladovshik", "кладовщик", "kassir", "кассир", "ishchi", "worker", "staff", "sotuvchi"]) {
        Some("operator")
    } else if any(&["viewer", "kuzatuv", "наблюдат", "просмотр", "readonly", "read_only", "auditor", "аудитор", "hisobchi", "бухгалтер", "accountant"]) {
        Some("viewer")
    } else {
        None
    }
}

/// IN or OUT for a kind value: the mapping's lists first, then the usual spellings.
pub fn kind_of(value: &str, m: &MovementMap) -> Option<crate::types::MovementKind> {
    use crate::types::MovementKind;
    let v = value.trim().to_lowercase();
    if m.in_values.iter().any(|x| x.to_lowercase() == v) {
        return Some(MovementKind::In);
    }
    if m.out_values.iter().any(|x| x.to_lowercase() == v) {
        return Some(MovementKind::Out);
    }
    if IN.contains(&v.as_str()) {
        Some(MovementKind::In)
    } else if OUT.contains(&v.as_str()) {
        Some(MovementKind::Out)
    } else {
        None
    }
}

impl Mapping {
    /// Every table and column the mapping names must exist in the source.
    pub fn check(&self, schema: &Schema) -> Result<()> {
        let mut missing = vec![];
        let mut need = |table: &str, cols: Vec<&Option<String>>, required: Vec<&String>| {
            if !schema.tables.contains_key(table) {
                missing.push(format!("table {table}"));
                return;
            }
            for c in cols.into_iter().flatten().chain(required) {
                if !schema.has_column(table, c) {
                    missing.push(format!("{table}.{c}"));
                }
            }
        };
        let p = &self.product;
        need(&p.table, vec![&p.qr_code, &p.category, &p.unit, &p.min_stock, &p.active], vec![&p.id, &p.sku, &p.name]);
        if let Some(c) = &self.category {
            need(&c.table, vec![&c.parent], vec![&c.id, &c.name]);
        }
        if let Some(u) = &self.unit {
            need(&u.table, vec![&u.code, &u.name], vec![&u.id]);
        }
        if let Some(s) = &self.stock {
            need(&s.table, vec![], vec![&s.id, &s.product, &s.quantity]);
        }
        if let Some(m) = &self.movement {
            need(&m.table, vec![&m.kind, &m.employee, &m.user, &m.reverses, &m.note], vec![&m.id, &m.product, &m.quantity, &m.time]);
        }
        if let Some(e) = &self.employee {
            need(&e.table, vec![&e.personnel_no, &e.active], e.name.iter().chain([&e.id]).collect());
        }
        for (group, role) in &self.groups {
            if !["admin", "operator", "viewer"].contains(&role.as_str()) {
                missing.push(format!("group {group}: role `{role}` (admin, operator or viewer)"));
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(format!("the mapping names what the source does not have: {}", missing.join(", "))))
        }
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).expect("a mapping serialises");
        format!(
            "# ombor import django: what was found where. Correct it and pass it back with --mapping FILE.\n\
             # Columns left out are not read. groups: Django group → admin | operator | viewer.\n\n{body}"
        )
    }

    pub fn from_toml(text: &str) -> Result<Mapping> {
        toml::from_str(text).map_err(|e| Error::Invalid(format!("the mapping file: {e}")))
    }
}
