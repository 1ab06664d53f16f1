//! One small function per line of the hand-over sheet: facts in, a line out, in the chosen
//! language. No I/O here: `facts` gathered everything.

use std::str::FromStr;

use chrono::Local;
use models::Config;
use ui::i18n::Language;

use super::facts::{CameraFacts, Connected, DbFacts, Facts, NotWritable, Scan};
use super::{Group, Line};

/// Three translations of one sentence; each may use `{variables}` in scope.
macro_rules! tr {
    ($lang:expr, $uz:literal, $ru:literal, $en:literal) => {
        match $lang {
            Language::Uzbek => format!($uz),
            Language::Russian => format!($ru),
            Language::English => format!($en),
        }
    };
}

const GB: f64 = 1024.0 * 1024.0 * 1024.0;
/// A kiosk PC "with 8 GB" reports a little less to the OS.
const MIN_MEMORY_GB: f64 = 7.5;
/// Nightly backups: the newest good one may be this old (a missed night is already a failure).
const MAX_BACKUP_AGE_HOURS: i64 = 36;
const MIN_FREE_DISK_GB: f64 = 2.0;

pub fn all(config: &Config, f: &Facts, lang: Language) -> Vec<Line> {
    let db = match &f.db {
        DbFacts::Connected(c) => Some(&**c),
        _ => None,
    };
    vec![
        program_version(lang),
        data_dir_writable(config, f, lang),
        autostart(f, lang),
        postgres_reachable(f, lang),
        database_name(f, lang),
        migrations_current(db, lang),
        no_sqlite(f, lang),
        admin_exists(db, lang),
        other_roles(db, lang),
        catalogue_counts(db, lang),
        stock_rows(db, lang),
        scanner(f, lang),
        camera(f, lang),
        face_model(config, lang),
        employees_enrolled(db, lang),
        ledger_intact(db, lang),
        backup_dir_writable(f, lang),
        pg_dump_compatible(f, db, lang),
        backup_login(db, lang),
        single_login(db, lang),
        signing_key(config, lang),
        last_backup(f, lang),
        kept_databases(db, lang),
        nightly_schedule(config, lang),
        memory(f, lang),
        ssd(f, lang),
        free_disk(f, lang),
        session_timeout(config, lang),
        config_ranges(config, lang),
        face_decision(config, db, lang),
        no_network(config, lang),
    ]
}

fn no_database(lang: Language) -> (String, String) {
    (
        tr!(lang, "baza ulanmagan", "база недоступна", "no database connection"),
        tr!(lang, "Avval bazani tuzating", "Сначала исправьте базу", "Fix the database first"),
    )
}

// ---------------------------------------------------------------- system

fn program_version(lang: Language) -> Line {
    let v = env!("CARGO_PKG_VERSION");
    Line::new("system.version", Group::System, true, tr!(lang, "Dastur versiyasi", "Версия программы", "Program version"))
        .pass(format!("ombor {v}"))
}

fn data_dir_writable(config: &Config, f: &Facts, lang: Language) -> Line {
    let dir = config.data_dir().display().to_string();
    let line = Line::new("system.data_dir", Group::System, true, tr!(lang, "Ma'lumotlar papkasi", "Папка данных", "Data folder"));
    match &f.data_dir_writable {
        Ok(()) => line.pass(tr!(lang, "{dir} — yozish mumkin", "{dir} — запись возможна", "{dir} — writable")),
        Err(e) => line.fail(
            not_writable(lang, &dir, e),
            tr!(
                lang,
                "Papkani yarating yoki general.data_dir ni o'zgartiring",
                "Создайте папку или измените general.data_dir",
                "Create the folder or change general.data_dir"
            ),
        ),
    }
}

fn not_writable(lang: Language, dir: &str, why: &NotWritable) -> String {
    match why {
        NotWritable::Missing => tr!(lang, "{dir} — bunday papka yo'q", "{dir} — такой папки нет", "{dir} does not exist"),
        NotWritable::Refused(os) => tr!(
            lang,
            "{dir} ga yozib bo'lmadi (tizim javobi: {os})",
            "в {dir} нельзя записать (ответ системы: {os})",
            "{dir} cannot be written (the system said: {os})"
        ),
    }
}

fn autostart(f: &Facts, lang: Language) -> Line {
    let line = Line::new("system.autostart", Group::System, false, tr!(lang, "Avtomatik ishga tushish", "Автозапуск", "Start on boot"));
    match &f.autostart {
        Some(unit) => {
            let unit = unit.display();
            line.pass(tr!(lang, "yoqilgan ({unit})", "включён ({unit})", "enabled ({unit})"))
        }
        None => line.fail(
            tr!(lang, "yoqilmagan", "не включён", "not enabled"),
            tr!(lang, "`ombor service install` buyrug'ini bajaring", "Выполните `ombor service install`", "Run `ombor service install`"),
        ),
    }
}

// ---------------------------------------------------------------- database

fn postgres_reachable(f: &Facts, lang: Language) -> Line {
    let line = Line::new(
        "database.reachable",
        Group::Database,
        true,
        tr!(lang, "PostgreSQL ulanishi", "Подключение к PostgreSQL", "PostgreSQL reachable"),
    );
    match &f.db {
        DbFacts::Connected(c) => {
            let (v, kind) = (&c.version, if c.embedded { "embedded" } else { "server" });
            line.pass(tr!(lang, "PostgreSQL {v} ({kind})", "PostgreSQL {v} ({kind})", "PostgreSQL {v} ({kind})"))
        }
        // The server answered: it is reachable; the database line says what is missing.
        DbFacts::Refused(_) => line.pass(tr!(lang, "server javob berdi", "сервер отвечает", "the server answers")),
        DbFacts::NotInitialised => line.fail(
            tr!(lang, "ichki klaster hali yaratilmagan", "встроенный кластер ещё не создан", "the embedded cluster was never created"),
            tr!(lang, "`ombor migrate` ni bajaring", "Выполните `ombor migrate`", "Run `ombor migrate`"),
        ),
        DbFacts::NotConfigured(e) | DbFacts::Unreachable(e) => line.fail(
            e.clone(),
            tr!(
                lang,
                "PostgreSQL ishlayotganini va database.url to'g'riligini tekshiring (`ombor db status`)",
                "Проверьте, что PostgreSQL запущен и database.url верен (`ombor db status`)",
                "Check that PostgreSQL runs and database.url is right (`ombor db status`)"
            ),
        ),
    }
}

fn database_name(f: &Facts, lang: Language) -> Line {
    let expected = models::cluster::DATABASE_NAME;
    let line = Line::new("database.name", Group::Database, true, tr!(lang, "{expected} bazasi", "База {expected}", "Database {expected}"));
    match &f.db {
        DbFacts::Connected(c) if c.database == expected => line.pass(tr!(lang, "mavjud", "существует", "present")),
        DbFacts::Connected(c) => {
            let name = &c.database;
            line.fail(
                tr!(lang, "ulanish {name} bazasiga", "подключение к базе {name}", "connected to {name}"),
                tr!(
                    lang,
                    "database.url da /{expected} ni ko'rsating",
                    "Укажите /{expected} в database.url",
                    "Point database.url at /{expected}"
                ),
            )
        }
        DbFacts::Refused(e) => {
            line.fail(e.clone(), tr!(lang, "`ombor migrate` ni bajaring", "Выполните `ombor migrate`", "Run `ombor migrate`"))
        }
        _ => {
            let (d, h) = no_database(lang);
            line.fail(d, h)
        }
    }
}

fn migrations_current(db: Option<&Connected>, lang: Language) -> Line {
    let latest = models::db::latest_migration();
    let line = Line::new("database.migrations", Group::Database, true, tr!(lang, "Migratsiyalar", "Миграции", "Migrations"));
    let Some(c) = db else {
        let (d, h) = no_database(lang);
        return line.fail(d, h);
    };
    let current = c.migration.unwrap_or(0);
    if current == latest {
        line.pass(tr!(lang, "{current}-versiya (oxirgisi)", "версия {current} (последняя)", "at {current} (latest)"))
    } else if current > latest {
        line.fail(
            tr!(
                lang,
                "baza {current}-versiyada, dastur faqat {latest} ni biladi",
                "база в версии {current}, программа знает только {latest}",
                "the database is at {current}, this program knows {latest}"
            ),
            tr!(lang, "Dasturni yangilang", "Обновите программу", "Update the program"),
        )
    } else {
        line.fail(
            tr!(lang, "{current}-versiya, {latest} kerak", "версия {current}, нужна {latest}", "at {current} of {latest}"),
            tr!(lang, "`ombor migrate` ni bajaring", "Выполните `ombor migrate`", "Run `ombor migrate`"),
        )
    }
}

fn no_sqlite(f: &Facts, lang: Language) -> Line {
    let line = Line::new(
        "database.no_sqlite",
        Group::Database,
        true,
        tr!(lang, "SQLite fayli ishlatilmaydi", "Файл SQLite не используется", "No SQLite file in use"),
    );
    if f.sqlite_files.is_empty() {
        return line.pass(tr!(lang, "faqat PostgreSQL", "только PostgreSQL", "PostgreSQL only"));
    }
    let files = f.sqlite_files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    line.fail(
        files,
        tr!(
            lang,
            "Ma'lumotlarni import qilib, faylni boshqa joyga olib qo'ying; database.url faqat PostgreSQL bo'lsin",
            "Импортируйте данные и уберите файл; database.url должен указывать на PostgreSQL",
            "Import its data and move the file away; database.url must point at PostgreSQL"
        ),
    )
}

// ---------------------------------------------------------------- roles

fn admin_exists(db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new(
        "roles.admin",
        Group::Roles,
        true,
        tr!(lang, "Kamida bitta administrator", "Хотя бы один администратор", "At least one admin"),
    );
    let Some(Ok(counts)) = db.map(|c| &c.counts) else {
        let (d, h) = no_database(lang);
        return line.fail(d, h);
    };
    let n = counts.active_admins;
    if n >= 1 {
        line.pass(tr!(lang, "{n} ta faol administrator", "активных администраторов: {n}", "{n} active admin(s)"))
    } else {
        line.fail(
            tr!(lang, "faol administrator yo'q", "нет активного администратора", "no active admin"),
            tr!(
                lang,
                "`ombor user add --username admin --role admin` bilan yarating",
                "Создайте: `ombor user add --username admin --role admin`",
                "Create one: `ombor user add --username admin --role admin`"
            ),
        )
    }
}

fn other_roles(db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new(
        "roles.users",
        Group::Roles,
        false,
        tr!(lang, "Operatorlar va kuzatuvchilar", "Операторы и наблюдатели", "Operators and viewers"),
    );
    let Some(Ok(c)) = db.map(|c| &c.counts) else {
        let (d, h) = no_database(lang);
        return line.fail(d, h);
    };
    let (o, v) = (c.active_operators, c.active_viewers);
    let detail = tr!(lang, "{o} operator, {v} kuzatuvchi", "операторов: {o}, наблюдателей: {v}", "{o} operator(s), {v} viewer(s)");
    if o == 0 {
        line.warn(
            detail,
            tr!(
                lang,
                "Omborchilar uchun operator foydalanuvchi yarating",
                "Создайте пользователя-оператора для кладовщиков",
                "Create an operator user for the storekeepers"
            ),
        )
    } else {
        line.pass(detail)
    }
}

// ---------------------------------------------------------------- products

fn catalogue_counts(db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new(
        "products.counts",
        Group::Products,
        false,
        tr!(lang, "Kategoriyalar va mahsulotlar", "Категории и товары", "Categories and products"),
    );
    let Some(Ok(c)) = db.map(|c| &c.counts) else {
        let (d, h) = no_database(lang);
        return line.fail(d, h);
    };
    let (cats, products) = (c.categories, c.products);
    let detail = tr!(
        lang,
        "{cats} kategoriya, {products} mahsulot",
        "категорий: {cats}, товаров: {products}",
        "{cats} categories, {products} products"
    );
    if products == 0 {
        line.fail(
            detail,
            tr!(
                lang,
                "Mahsulotlarni import qiling (`ombor product import`) yoki sinov uchun `ombor demo`",
                "Импортируйте товары (`ombor product import`) или для пробы `ombor demo`",
                "Import products (`ombor product import`) or try `ombor demo`"
            ),
        )
    } else {
        line.pass(detail)
    }
}

fn stock_rows(db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new(
        "products.stock_rows",
        Group::Products,
        true,
        tr!(lang, "Har bir mahsulotda qoldiq qatori", "Строка остатка у каждого товара", "A stock row per product"),
    );
    let Some(Ok(c)) = db.map(|c| &c.counts) else {
        let (d, h) = no_database(lang);
        return line.fail(d, h);
    };
    let missing = c.products_without_stock_row;
    if missing == 0 {
        line.pass(tr!(lang, "hammasida bor", "у всех есть", "all present"))
    } else {
        line.fail(
            tr!(lang, "{missing} ta mahsulotda yo'q", "нет у {missing} товаров", "{missing} product(s) without one"),
            tr!(
                lang,
                "Bazaga qo'lda aralashilgan: zaxiradan tiklang",
                "Базу меняли вручную: восстановите из резервной копии",
                "The database was changed by hand: restore a backup"
            ),
        )
    }
}

// ---------------------------------------------------------------- scanner

fn scanner(f: &Facts, lang: Language) -> Line {
    let line = Line::new("scanner.scan", Group::Scanner, true, tr!(lang, "Skaner sinovi", "Проверка сканера", "Scanner test"));
    match &f.scan {
        Scan::NotAsked => line.skipped(tr!(
            lang,
            "o'tkazib yuborildi (--non-interactive)",
            "пропущено (--non-interactive)",
            "skipped (--non-interactive)"
        )),
        Scan::Scanned { code, product: Some(p) } => line.pass(tr!(lang, "{code} → {p}", "{code} → {p}", "{code} → {p}")),
        Scan::Scanned { code, product: None } => line.pass(tr!(
            lang,
            "{code} o'qildi (mahsulot topilmadi)",
            "прочитан {code} (товар не найден)",
            "read {code} (no such product)"
        )),
        Scan::NothingScanned => line.fail(
            tr!(lang, "10 soniyada kod kelmadi", "за 10 секунд код не пришёл", "no code within 10 s"),
            tr!(
                lang,
                "Skaner USB ga ulanganini va Enter yuborishini tekshiring",
                "Проверьте, что сканер подключён по USB и отправляет Enter",
                "Check the scanner is plugged in over USB and sends Enter"
            ),
        ),
    }
}

// ---------------------------------------------------------------- face

fn camera(f: &Facts, lang: Language) -> Line {
    let line = Line::new("face.camera", Group::Face, true, tr!(lang, "Kamera", "Камера", "Camera"));
    match &f.camera {
        CameraFacts::Found { source, width, height } => line.pass(tr!(
            lang,
            "{source} ochildi, {width}×{height}",
            "{source} открыта, {width}×{height}",
            "{source} opens, {width}×{height}"
        )),
        CameraFacts::Missing { source, reason } => line.fail(
            {
                let reason = ui::i18n::camera_problem_text(lang, reason);
                tr!(lang, "«{source}»: {reason}", "«{source}»: {reason}", "“{source}”: {reason}")
            },
            tr!(
                lang,
                "Kamerani ulang yoki camera.source ni to'g'rilang (masalan \"0\" yoki \"/dev/video0\")",
                "Подключите камеру или исправьте camera.source (например \"0\" или \"/dev/video0\")",
                "Plug the camera in or fix camera.source (e.g. \"0\" or \"/dev/video0\")"
            ),
        ),
    }
}

fn face_model(config: &Config, lang: Language) -> Line {
    let line =
        Line::new("face.model", Group::Face, true, tr!(lang, "Yuz modeli (model.yml)", "Модель лиц (model.yml)", "Face model (model.yml)"));
    let path = config.face_model_path();
    let shown = path.display();
    match std::fs::metadata(&path) {
        Ok(m) if m.len() > 0 => {
            let kb = m.len() / 1024;
            line.pass(tr!(lang, "{shown} ({kb} KB)", "{shown} ({kb} КБ)", "{shown} ({kb} KB)"))
        }
        _ => line.fail(
            tr!(lang, "{shown} yo'q", "{shown} нет", "{shown} missing"),
            tr!(
                lang,
                "Administrator rejimida xodimlarning yuzini ro'yxatga oling",
                "Зарегистрируйте лица сотрудников в режиме администратора",
                "Enroll the employees' faces in admin mode"
            ),
        ),
    }
}

fn employees_enrolled(db: Option<&Connected>, lang: Language) -> Line {
    let line =
        Line::new("face.enrolled", Group::Face, false, tr!(lang, "Yuzi ro'yxatdagi xodimlar", "Сотрудники с лицом", "Employees enrolled"));
    let Some(Ok(c)) = db.map(|c| &c.counts) else {
        let (d, h) = no_database(lang);
        return line.fail(d, h);
    };
    let (n, of) = (c.enrolled_employees, c.active_employees);
    let detail = tr!(lang, "{of} ta faol xodimdan {n} tasi", "{n} из {of} активных", "{n} of {of} active");
    if n == 0 || n < of {
        line.fail(
            detail,
            tr!(
                lang,
                "Qolgan xodimlarning yuzini ro'yxatga oling",
                "Зарегистрируйте лица остальных сотрудников",
                "Enroll the remaining employees' faces"
            ),
        )
    } else {
        line.pass(detail)
    }
}

// ---------------------------------------------------------------- movements

fn ledger_intact(db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new(
        "movements.ledger",
        Group::Movements,
        true,
        tr!(lang, "Harakatlar zanjiri va qoldiqlar", "Цепочка движений и остатки", "Movement chain and stock"),
    );
    let Some(c) = db else {
        let (d, h) = no_database(lang);
        return line.fail(d, h);
    };
    match &c.ledger {
        Ok(r) if r.is_ok() => {
            let n = r.movements;
            line.pass(tr!(lang, "{n} ta harakat, butun", "движений: {n}, всё сходится", "{n} movements, intact"))
        }
        Ok(r)
            if r.first_broken_link.is_none() && r.stock_mismatches.is_empty() && (r.hash_function_replaced || r.since_anchor.is_some()) =>
        {
            let lost = r.since_anchor.as_ref().map_or(0, |s| s.lost_count);
            line.fail(
                tr!(
                    lang,
                    "tarix o'zgartirilgan: {lost} mahsulot zanjiri oxirgi nazorat nuqtasidan farq qiladi yoki movement_hash() almashtirilgan",
                    "история переписана: у {lost} товаров цепочка расходится с последней контрольной точкой, или заменена movement_hash()",
                    "history rewritten: {lost} product chain(s) differ from the last anchor (checkpoint), or movement_hash() was replaced"
                ),
                tr!(
                    lang,
                    "`ombor ledger verify` bilan ko'ring va zaxiradan tiklang",
                    "Смотрите `ombor ledger verify`, восстановите из копии",
                    "See `ombor ledger verify` and restore a backup"
                ),
            )
        }
        Ok(r) => {
            let (broken, mismatches) = (r.first_broken_link.as_ref().map(|b| b.movement_id).unwrap_or(0), r.stock_mismatches.len());
            line.fail(
                tr!(
                    lang,
                    "buzilgan: harakat #{broken}, {mismatches} qoldiq mos emas",
                    "нарушено: движение #{broken}, расхождений остатков: {mismatches}",
                    "broken: movement #{broken}, {mismatches} stock mismatch(es)"
                ),
                tr!(
                    lang,
                    "`ombor ledger verify` bilan ko'ring va zaxiradan tiklang",
                    "Смотрите `ombor ledger verify`, восстановите из копии",
                    "See `ombor ledger verify` and restore a backup"
                ),
            )
        }
        Err(e) => line.fail(e.clone(), no_database(lang).1),
    }
}

// ---------------------------------------------------------------- backup

fn backup_dir_writable(f: &Facts, lang: Language) -> Line {
    let line = Line::new("backup.dir", Group::Backup, true, tr!(lang, "Zaxira papkasi", "Папка резервных копий", "Backup folder"));
    let dir = f.backups.dir.display().to_string();
    match &f.backups.writable {
        Ok(()) => line.pass(tr!(lang, "{dir} — yozish mumkin", "{dir} — запись возможна", "{dir} — writable")),
        Err(e) => line.fail(
            not_writable(lang, &dir, e),
            tr!(
                lang,
                "Papkani yarating (mkdir -p {dir}) yoki backup.dir ni o'zgartiring",
                "Создайте папку (mkdir -p {dir}) или измените backup.dir",
                "Create it (mkdir -p {dir}) or change backup.dir"
            ),
        ),
    }
}

fn pg_dump_compatible(f: &Facts, db: Option<&Connected>, lang: Language) -> Line {
    let line =
        Line::new("backup.pg_dump", Group::Backup, true, tr!(lang, "pg_dump mosligi", "Совместимость pg_dump", "pg_dump compatible"));
    let Some((path, major)) = &f.pg_dump else {
        return line.fail(
            tr!(lang, "pg_dump topilmadi", "pg_dump не найден", "pg_dump not found"),
            tr!(lang, "postgresql-client ni o'rnating", "Установите postgresql-client", "Install postgresql-client"),
        );
    };
    let path = path.display();
    let Some(server) = db.map(|c| c.server_major) else {
        return line.fail(
            tr!(
                lang,
                "{path} ({major}); server versiyasi noma'lum",
                "{path} ({major}); версия сервера неизвестна",
                "{path} ({major}); server version unknown"
            ),
            no_database(lang).1,
        );
    };
    if *major >= server {
        line.pass(tr!(lang, "{path} {major} ≥ server {server}", "{path} {major} ≥ сервер {server}", "{path} {major} ≥ server {server}"))
    } else {
        line.fail(
            tr!(lang, "pg_dump {major} < server {server}", "pg_dump {major} < сервер {server}", "pg_dump {major} < server {server}"),
            tr!(
                lang,
                "postgresql-client-{server} ni o'rnating yoki database.pg_bin_dir ni ko'rsating",
                "Установите postgresql-client-{server} или укажите database.pg_bin_dir",
                "Install postgresql-client-{server} or set database.pg_bin_dir"
            ),
        )
    }
}

/// Whether this station takes the backups: decided by what its backup login may do.
fn backup_login(db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new("backup.login", Group::Backup, false, tr!(lang, "Zaxira logini", "Логин для копий", "Backup login"));
    let Some(db) = db else {
        let (detail, hint) = no_database(lang);
        return line.warn(detail, hint);
    };
    match &db.dump_rights {
        Err(e) => line.warn(e.clone(), String::new()),
        Ok(r) if r.can_dump() => {
            let user = &r.user;
            let why = match (r.superuser, r.owns_database) {
                (true, _) => tr!(lang, "superuser", "суперпользователь", "superuser"),
                (false, true) => tr!(lang, "baza egasi", "владелец базы", "owns the database"),
                _ => tr!(lang, "barcha jadvallarni o'qiy oladi", "читает все таблицы", "reads every table"),
            };
            line.pass(tr!(
                lang,
                "{user} ({why}): bu stansiya zaxira oladi",
                "{user} ({why}): эта станция снимает копии",
                "{user} ({why}): this station takes the backups"
            ))
        }
        Ok(r) => {
            let user = &r.user;
            line.warn(
                tr!(
                    lang,
                    "{user} bazani to'liq o'qiy olmaydi yoki zaxirani qayd eta olmaydi: bu stansiya zaxira olmaydi",
                    "{user} не может прочитать всю базу или записать запуск копии: эта станция копий не снимает",
                    "{user} may not read the whole database or record a backup run: this station takes no backups"
                ),
                tr!(
                    lang,
                    "Zaxirani database.owner_url bor stansiya oladi (docs/stations.md, 5)",
                    "Копии снимает станция с database.owner_url (docs/stations.md, 5)",
                    "A station with database.owner_url takes them (docs/stations.md, 5)"
                ),
            )
        }
    }
}

/// One login for the program and its backups: it works, but the database's own refusals
/// (the app role's missing rights) no longer hold; only the triggers do.
fn single_login(db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new("database.login", Group::Backup, false, tr!(lang, "Alohida loginlar", "Раздельные логины", "Separate logins"));
    match db {
        Some(db) if db.single_login => line.warn(
            tr!(
                lang,
                "Dastur baza egasining huquqlari bilan ishlaydi: bazadagi taqiqlar faqat triggerlarga tayanadi",
                "Программа работает с правами владельца базы: запреты в базе держатся только на триггерах",
                "The application runs with the database owner's rights: the database's refusals then rest on triggers alone"
            ),
            tr!(
                lang,
                "ombor_owner va ombor_app rollarini yarating (docs/stations.md, 2B), database.url = ombor_app, database.owner_url = ombor_owner",
                "Создайте роли ombor_owner и ombor_app (docs/stations.md, 2B): database.url = ombor_app, database.owner_url = ombor_owner",
                "Create the roles ombor_owner and ombor_app (docs/stations.md, 2B): database.url as ombor_app, database.owner_url as ombor_owner"
            ),
        ),
        Some(_) => line.pass(tr!(lang, "dastur va zaxira alohida", "программа и копии раздельно", "program and backups apart")),
        None => {
            let (detail, hint) = no_database(lang);
            line.warn(detail, hint)
        }
    }
}

/// The key that signs each backup: outside the backup folder, readable by the program only.
fn signing_key(config: &Config, lang: Language) -> Line {
    let line = Line::new("backup.key", Group::Backup, false, tr!(lang, "Zaxira imzo kaliti", "Ключ подписи копий", "Backup signing key"));
    let path = config.data_dir().join(models::backups::KEY_FILE);
    let shown = path.display();
    match models::backups::SigningKey::load(&path) {
        Ok(_) => line.pass(tr!(lang, "{shown} (0600)", "{shown} (0600)", "{shown} (0600)")),
        Err(models::backups::BackupError::NoSigningKey { .. }) => line.warn(
            tr!(lang, "{shown} hali yo'q", "{shown} ещё нет", "{shown} not there yet"),
            tr!(
                lang,
                "Birinchi zaxirada yaratiladi; zaxira oladigan yoki tiklaydigan har bir stansiyaga shu faylni nusxalang (chmod 600)",
                "Создаётся при первой копии; скопируйте этот файл на каждую станцию, которая снимает или восстанавливает копии (chmod 600)",
                "Made by the first backup; copy this file to every station that takes or restores backups (chmod 600)"
            ),
        ),
        Err(e) => line.fail(e.to_string(), tr!(lang, "chmod 600 {shown}", "chmod 600 {shown}", "chmod 600 {shown}")),
    }
}

fn last_backup(f: &Facts, lang: Language) -> Line {
    let line =
        Line::new("backup.last", Group::Backup, true, tr!(lang, "Oxirgi yaxshi zaxira", "Последняя исправная копия", "Last good backup"));
    let take_one = tr!(
        lang,
        "Administrator rejimida zaxira oling va jadvalni tekshiring",
        "Сделайте копию в режиме администратора и проверьте расписание",
        "Take a backup in admin mode and check the schedule"
    );
    let bad = f.backups.bad_newer.len();
    let Some((name, taken)) = &f.backups.newest_good else {
        let detail = if bad > 0 {
            tr!(
                lang,
                "{bad} ta fayl nazorat summasidan o'tmadi",
                "{bad} файл(ов) не прошли проверку суммы",
                "{bad} file(s) fail their checksum"
            )
        } else {
            tr!(lang, "zaxira yo'q", "копий нет", "no backup yet")
        };
        return line.fail(detail, take_one);
    };
    let hours = (Local::now() - *taken).num_hours();
    let days = hours / 24;
    let age = if hours < 48 {
        tr!(lang, "{hours} soat oldin", "{hours} ч назад", "{hours} h ago")
    } else {
        tr!(lang, "{days} kun oldin", "{days} дн. назад", "{days} days ago")
    };
    if hours > MAX_BACKUP_AGE_HOURS {
        line.fail(tr!(lang, "{name}, {age} — eskirgan", "{name}, {age} — устарела", "{name}, {age} — stale"), take_one)
    } else if bad > 0 {
        line.warn(
            tr!(
                lang,
                "{name}, {age}; {bad} ta yangiroq fayl buzilgan",
                "{name}, {age}; повреждено более новых: {bad}",
                "{name}, {age}; {bad} newer file(s) damaged"
            ),
            tr!(lang, "Diskni tekshiring", "Проверьте диск", "Check the disk"),
        )
    } else {
        line.pass(tr!(lang, "{name}, {age}", "{name}, {age}", "{name}, {age}"))
    }
}

/// A restore keeps the replaced database, as big as the live one: on a small SSD a few of them
/// fill the disk. Not an error: a reminder to drop them once the restored data is right.
fn kept_databases(db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new(
        "backup.kept",
        Group::Backup,
        false,
        tr!(lang, "Tiklashdan qolgan bazalar", "Базы, оставшиеся после восстановления", "Databases kept by restores"),
    );
    let Some(db) = db else {
        let (detail, hint) = no_database(lang);
        return line.warn(detail, hint);
    };
    match &db.kept {
        Err(e) => line.warn(e.clone(), String::new()),
        Ok(kept) if kept.is_empty() => line.pass(tr!(lang, "yo'q", "нет", "none")),
        Ok(kept) => {
            let count = kept.len();
            let bytes = kept.iter().map(|k| k.bytes.max(0) as f64).sum::<f64>();
            let (gb, mb) = (bytes / GB, bytes / (1024.0 * 1024.0));
            let size = match (lang, gb >= 1.0) {
                (Language::Russian, true) => format!("{gb:.1} ГБ"),
                (Language::Russian, false) => format!("{mb:.0} МБ"),
                (_, true) => format!("{gb:.1} GB"),
                (_, false) => format!("{mb:.0} MB"),
            };
            let names = kept.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join(", ");
            line.warn(
                tr!(lang, "{count} ta ({size}): {names}", "{count} ({size}): {names}", "{count} ({size}): {names}"),
                tr!(
                    lang,
                    "Tiklangan ma'lumotlar to'g'ri bo'lsa, o'chiring: ombor backup drop-kept NOMI --user ADMIN",
                    "Если восстановленные данные верны, удалите: ombor backup drop-kept ИМЯ --user ADMIN",
                    "Once the restored data is right, drop them: ombor backup drop-kept NAME --user ADMIN"
                ),
            )
        }
    }
}

fn nightly_schedule(config: &Config, lang: Language) -> Line {
    let line = Line::new("backup.schedule", Group::Backup, true, tr!(lang, "Tungi jadval", "Ночное расписание", "Nightly schedule"));
    let expr = config.backup.schedule.trim();
    let hint = tr!(
        lang,
        "backup.schedule ni belgilang, masalan \"0 0 2 * * *\" (har kuni 02:00)",
        "Задайте backup.schedule, например \"0 0 2 * * *\" (каждый день в 02:00)",
        "Set backup.schedule, e.g. \"0 0 2 * * *\" (every day at 02:00)"
    );
    let schedule = match cron::Schedule::from_str(expr) {
        Ok(s) if !expr.is_empty() => s,
        Ok(_) => return line.fail(tr!(lang, "belgilanmagan", "не задано", "not set"), hint),
        Err(e) => return line.fail(format!("\"{expr}\": {e}"), hint),
    };
    let mut next = schedule.upcoming(Local).take(2);
    let (Some(first), Some(second)) = (next.next(), next.next()) else {
        return line
            .fail(tr!(lang, "\"{expr}\" hech qachon ishlamaydi", "\"{expr}\" никогда не сработает", "\"{expr}\" never fires"), hint);
    };
    let when = first.format("%Y-%m-%d %H:%M");
    if (second - first).num_hours() > 24 {
        line.fail(tr!(lang, "\"{expr}\" har kuni emas", "\"{expr}\" не каждый день", "\"{expr}\" is not daily"), hint)
    } else {
        line.pass(tr!(lang, "\"{expr}\", keyingisi {when}", "\"{expr}\", следующая {when}", "\"{expr}\", next {when}"))
    }
}

// ---------------------------------------------------------------- hardware

fn memory(f: &Facts, lang: Language) -> Line {
    let line = Line::new(
        "hardware.memory",
        Group::Hardware,
        true,
        tr!(lang, "Operativ xotira ≥ 8 GB", "Оперативная память ≥ 8 ГБ", "Memory ≥ 8 GB"),
    );
    let Some(bytes) = f.host.memory_bytes else {
        return line.warn(tr!(lang, "aniqlab bo'lmadi", "не удалось определить", "cannot tell"), String::new());
    };
    let gb = format!("{:.1}", bytes as f64 / GB);
    if bytes as f64 / GB >= MIN_MEMORY_GB {
        line.pass(tr!(lang, "{gb} GB", "{gb} ГБ", "{gb} GB"))
    } else {
        line.fail(
            tr!(lang, "{gb} GB", "{gb} ГБ", "{gb} GB"),
            tr!(lang, "Kamida 8 GB o'rnating", "Установите не меньше 8 ГБ", "Fit at least 8 GB"),
        )
    }
}

fn ssd(f: &Facts, lang: Language) -> Line {
    let line =
        Line::new("hardware.ssd", Group::Hardware, false, tr!(lang, "Tizim diski SSD", "Системный диск — SSD", "System disk is an SSD"));
    match &f.host.disk {
        Some((dev, false)) => line.pass(tr!(lang, "{dev}: SSD", "{dev}: SSD", "{dev}: SSD")),
        Some((dev, true)) => line.fail(
            tr!(lang, "{dev}: aylanuvchi disk (HDD)", "{dev}: жёсткий диск (HDD)", "{dev}: a spinning disk (HDD)"),
            tr!(lang, "Baza uchun SSD qo'ying", "Поставьте SSD для базы", "Put the database on an SSD"),
        ),
        None => line.warn(tr!(lang, "aniqlab bo'lmadi", "не удалось определить", "cannot tell"), String::new()),
    }
}

fn free_disk(f: &Facts, lang: Language) -> Line {
    let line = Line::new("hardware.disk_free", Group::Hardware, true, tr!(lang, "Bo'sh disk joyi", "Свободное место", "Free disk space"));
    let (Some(free), Some(total)) = (f.host.disk_free_bytes, f.host.disk_total_bytes) else {
        return line.warn(tr!(lang, "aniqlab bo'lmadi", "не удалось определить", "cannot tell"), String::new());
    };
    let (free_gb, total_gb) = (free as f64 / GB, total as f64 / GB);
    let detail = tr!(
        lang,
        "{free_gb:.1} GB / {total_gb:.0} GB bo'sh",
        "свободно {free_gb:.1} ГБ из {total_gb:.0} ГБ",
        "{free_gb:.1} GB free of {total_gb:.0} GB"
    );
    if free_gb < MIN_FREE_DISK_GB {
        line.fail(detail, tr!(lang, "Eski fayllarni o'chiring", "Освободите место", "Free some space"))
    } else if free_gb < 10.0 {
        line.warn(detail, tr!(lang, "Joy kam qolmoqda", "Места становится мало", "Space is running low"))
    } else {
        line.pass(detail)
    }
}

// ---------------------------------------------------------------- security

fn session_timeout(config: &Config, lang: Language) -> Line {
    let line = Line::new(
        "security.session_timeout",
        Group::Security,
        true,
        tr!(lang, "Sessiya vaqti tugashi", "Тайм-аут сессии", "Session timeout"),
    );
    let secs = config.session.timeout_secs;
    let hint = tr!(
        lang,
        "session.timeout_secs ni 60–1800 oralig'ida belgilang",
        "Задайте session.timeout_secs от 60 до 1800",
        "Set session.timeout_secs between 60 and 1800"
    );
    match secs {
        0 => line.fail(tr!(lang, "o'chirilgan", "выключен", "disabled"), hint),
        1..=1800 => line.pass(tr!(lang, "{secs} s", "{secs} с", "{secs} s")),
        _ => line.warn(tr!(lang, "{secs} s — juda uzoq", "{secs} с — слишком долго", "{secs} s — too long"), hint),
    }
}

/// Every security-relevant value with its allowed range (`models::config::RANGES`).
fn config_ranges(config: &Config, lang: Language) -> Line {
    let line = Line::new(
        "security.config_ranges",
        Group::Security,
        true,
        tr!(lang, "Xavfsizlik sozlamalari chegarasi", "Границы настроек безопасности", "Security settings within range"),
    );
    let problems = config.range_problems();
    let shown: Vec<String> = models::config::RANGES
        .iter()
        .map(|(key, _, range)| {
            let value = models::config::range_value(config, key);
            let mark = if problems.iter().any(|p| p.key == *key) { "✗ " } else { "" };
            format!("{mark}{key} = {value} {range}")
        })
        .collect();
    let detail = shown.join("; ");
    if problems.is_empty() {
        return line.pass(detail);
    }
    let keys = problems.iter().map(|p| p.key).collect::<Vec<_>>().join(", ");
    line.fail(
        detail,
        tr!(
            lang,
            "Sozlamalar faylida {keys} qiymatini ko'rsatilgan chegaraga keltiring",
            "Исправьте в файле настроек {keys}: значение должно быть в указанных границах",
            "Bring {keys} within the range shown, in the configuration file"
        ),
    )
}

/// Who decides a face: the database's threshold, replay limit, tries and validity (owner-only
/// settings), beside this station's own pre-check; an LBPH station cannot confirm movements.
fn face_decision(config: &Config, db: Option<&Connected>, lang: Language) -> Line {
    let line = Line::new(
        "security.face_check",
        Group::Security,
        false,
        tr!(lang, "Yuzni baza tasdiqlaydi", "Лицо подтверждает база", "The database confirms faces"),
    );
    let Some(c) = db else {
        let (d, h) = no_database(lang);
        return line.fail(d, h);
    };
    let p = match &c.face_policy {
        Ok(p) => p,
        Err(e) => {
            return line.fail(e.clone(), tr!(lang, "`ombor migrate` ni bajaring", "Выполните `ombor migrate`", "Run `ombor migrate`"))
        }
    };
    let (t, r, n, m, own) = (p.threshold, p.replay_limit, p.tries_per_minute, p.validity_secs / 60, config.face.sface_threshold);
    let detail = tr!(
        lang,
        "baza: chegara {t}, nusxa > {r}, daqiqada {n} urinish, {m} daqiqa; stansiya oldindan tekshiruvi {own}",
        "база: порог {t}, копия > {r}, {n} попыток в минуту, {m} мин; предварительная проверка станции {own}",
        "database: threshold {t}, copy > {r}, {n} tries a minute, {m} min; this station's pre-check {own}"
    );
    if config.face.backend == models::config::FaceBackend::Lbph {
        return line.fail(
            detail,
            tr!(
                lang,
                "LBPH tovar harakatini tasdiqlay olmaydi: SFace modellarini o'rnating va face.backend = \"sface\" qiling",
                "LBPH не подтверждает движения товара: установите модели SFace и задайте face.backend = \"sface\"",
                "LBPH cannot confirm movements: install the SFace models and set face.backend = \"sface\""
            ),
        );
    }
    line.pass(detail)
}

fn no_network(config: &Config, lang: Language) -> Line {
    let line =
        Line::new("security.offline", Group::Security, false, tr!(lang, "Internet kerak emas", "Интернет не нужен", "No network needed"));
    if config.uses_embedded_database() {
        return line.pass(tr!(
            lang,
            "baza shu kompyuterda (unix soket)",
            "база на этом компьютере (unix-сокет)",
            "database on this PC (unix socket)"
        ));
    }
    let host = database_host(&config.database.url);
    if host.as_deref().is_none_or(|h| h.starts_with('/') || h == "localhost" || h.starts_with("127.") || h == "::1") {
        line.pass(tr!(lang, "baza shu kompyuterda", "база на этом компьютере", "database on this PC"))
    } else {
        let h = host.unwrap_or_default();
        line.warn(
            tr!(
                lang,
                "baza {h} da: mahalliy tarmoq kerak",
                "база на {h}: нужна локальная сеть",
                "database on {h}: needs the local network"
            ),
            tr!(lang, "Tarmoq uzilsa kiosk ishlamaydi", "Без сети киоск не работает", "The kiosk stops when that link is down"),
        )
    }
}

/// The host part of a PostgreSQL URL or key=value string.
fn database_host(url: &str) -> Option<String> {
    let cfg = tokio_postgres::Config::from_str(url).ok()?;
    cfg.get_hosts().first().map(|h| match h {
        tokio_postgres::config::Host::Tcp(s) => s.clone(),
        tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
    })
}
