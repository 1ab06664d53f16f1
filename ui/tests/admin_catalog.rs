//! Admin mode's catalogue and stock reports on the iced simulator, with real actors and a real
//! (throwaway) database: categories, the product form's category, CSV import from the screen,
//! the low-stock report, and what a viewer does not get.

mod common;

use common::Harness;
use models::import::{RowError, RowProblem};
use models::Role;
use ui::i18n::{trf, Text};
use ui::screen::admin::{self, products, reports};
use ui::Message;

fn products_msg(m: products::Message) -> Message {
    Message::Admin(admin::Message::Products(m))
}

/// Taps the text field showing `placeholder` and types `text` into it, as a person at the
/// admin desk's keyboard does.
async fn type_into(h: &mut Harness, placeholder: &str, text: &str) {
    let messages: Vec<Message> = {
        let mut ui = h.simulator();
        ui.click(placeholder).unwrap_or_else(|e| panic!("no field {placeholder:?}: {e:?}"));
        ui.typewrite(text);
        ui.into_messages().collect()
    };
    assert!(!messages.is_empty(), "typing into {placeholder:?} did nothing");
    for m in messages {
        h.send(m).await;
    }
}

fn data_dir(h: &Harness) -> std::path::PathBuf {
    h.system.as_ref().unwrap().handles.config.data_dir()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_adds_a_category_and_a_product_in_it() {
    let mut h = Harness::new(|_| {}).await;
    h.log_in(Role::Admin).await;
    assert!(h.shows(h.t(Text::SearchProducts)), "admin mode opens on the products tab");

    h.tap(h.t(Text::Categories)).await;
    assert!(h.shows(h.t(Text::NoCategories)));
    let field = h.t(Text::NewCategoryName);
    type_into(&mut h, field, "Asboblar").await;
    h.tap(h.t(Text::AddCategory)).await;
    let lang = h.kiosk.language;
    assert!(h.shows(&trf(lang, Text::CategoryAdded, &[("name", "Asboblar")])), "the admin is told");
    assert!(h.shows("Asboblar"), "the list shows it");

    // The product form offers the category.
    h.tap(h.t(Text::AddProduct)).await;
    for (field, value) in [(0, "SKU-BOLG"), (1, "QR-BOLG"), (2, "Bolg'a 500 g"), (3, "pcs"), (4, "3")] {
        h.send(products_msg(products::Message::Field(field, value.into()))).await;
    }
    h.tap("Asboblar").await;
    h.tap(h.t(Text::Save)).await;
    assert!(h.shows(&trf(lang, Text::ProductAdded, &[("name", "Bolg'a 500 g")])));
    assert!(h.shows("Asboblar") && h.shows("Bolg'a 500 g"), "the table shows the product with its category");

    let row =
        h.db.owner_client()
            .await
            .query_one("SELECT c.name FROM products p JOIN categories c ON c.id = p.category_id WHERE p.sku = 'SKU-BOLG'", &[])
            .await
            .expect("the product is saved in its category");
    assert_eq!(row.get::<_, String>(0), "Asboblar");

    // Renaming the category renames it everywhere the product shows it.
    h.tap(h.t(Text::Categories)).await;
    h.tap(h.t(Text::Rename)).await;
    h.send(products_msg(products::Message::RenameText("Qo'l asboblari".into()))).await;
    h.tap(h.t(Text::Save)).await;
    assert!(h.shows(&trf(lang, Text::CategoryRenamed, &[("name", "Qo'l asboblari")])));
    let p = models::products::lookup(&h.db.owner_client().await, "QR-BOLG").await.unwrap().unwrap();
    assert_eq!(p.category.as_deref(), Some("Qo'l asboblari"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_from_the_screen_shows_its_count_and_the_products_exist() {
    let mut h = Harness::new(|_| {}).await;
    let dir = data_dir(&h).join("import");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("yangi-mahsulotlar.csv");
    std::fs::write(
        &file,
        "sku;name;category;unit;min_stock\nIMP-1;Sement M400;Qurilish;kg;50\nIMP-2;Gips;Qurilish;kg;\nIMP-3;Mix 80 mm;;;\n",
    )
    .unwrap();
    h.log_in(Role::Admin).await;

    h.tap(h.t(Text::ImportCsv)).await;
    let shown = file.display().to_string();
    assert!(h.shows(&shown), "the file in data_dir/import is offered");
    h.tap(&shown).await;
    h.tap(h.t(Text::ImportRun)).await;
    let lang = h.kiosk.language;
    let done = trf(lang, Text::ImportDone, &[("rows", "3"), ("new", "3"), ("updated", "0"), ("categories", "1")]);
    assert!(h.shows(&done), "the count is shown: {done}");
    assert!(h.shows("Sement M400"), "the table shows the new products");

    for code in ["IMP-1", "IMP-2", "IMP-3"] {
        let p = h.system.as_ref().unwrap().handles.ledger.send(actors::ledger::Lookup(code.into())).await.unwrap().unwrap();
        assert!(p.is_some(), "{code} exists after the import");
    }
    let cement = models::products::lookup(&h.db.owner_client().await, "IMP-1").await.unwrap().unwrap();
    assert_eq!((cement.category.as_deref(), cement.unit.as_str()), (Some("Qurilish"), "kg"));

    // A file with a bad line: nothing is imported and the line is named.
    let bad = dir.join("xato.csv");
    std::fs::write(&bad, "sku,name,min_stock\nIMP-9,Fine,1\nIMP-10,,-2\n").unwrap();
    h.send(products_msg(products::Message::ImportPath(bad.display().to_string()))).await;
    h.tap(h.t(Text::ImportRun)).await;
    assert!(h.shows(&trf(lang, Text::ImportRefused, &[("count", "1")])));
    let line3 = ui::i18n::row_error_text(
        lang,
        &RowError::new(3, vec![RowProblem::BadMinStock { value: "-2".into() }, RowProblem::Empty { column: "name".into() }]),
    );
    assert!(line3.starts_with("3-qator: min_stock “-2”"), "in Uzbek: {line3}");
    assert!(h.shows(&line3), "line 3 is named: {line3}");
    let none = h.system.as_ref().unwrap().handles.ledger.send(actors::ledger::Lookup("IMP-9".into())).await.unwrap().unwrap();
    assert!(none.is_none(), "all rows or none");
    let _ = std::fs::remove_dir_all(data_dir(&h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_low_stock_report_lists_exactly_the_product_under_its_minimum() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-LOW", "Kam qolgan bo'yoq", 2, 5).await;
    h.product("QR-ENOUGH", "Yetarli mix", 10, 5).await;
    h.product("QR-ZERO", "Minimumsiz lenta", 0, 0).await;
    h.log_in(Role::Admin).await;
    h.tap(h.t(Text::TabReports)).await;

    h.tap(h.t(Text::LowStockReport)).await;
    assert!(h.shows("Kam qolgan bo'yoq"));
    assert!(!h.shows("Yetarli mix") && !h.shows("Minimumsiz lenta"), "only the product under its minimum");

    h.tap(h.t(Text::ExportCsvXlsx)).await;
    let exports = data_dir(&h).join("exports");
    let files: Vec<_> = std::fs::read_dir(&exports).expect("an exports folder").map(|e| e.unwrap().path()).collect();
    let csv = files.iter().find(|p| p.extension().is_some_and(|e| e == "csv")).expect("a CSV file");
    assert!(csv.file_name().unwrap().to_string_lossy().starts_with("low-stock-"));
    assert!(files.iter().any(|p| p.extension().is_some_and(|e| e == "xlsx")), "an XLSX file beside it");
    let text = std::fs::read_to_string(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines, vec!["sku,qr_code,name,category,stock,unit,min_stock", "SKU-QR-LOW,QR-LOW,Kam qolgan bo'yoq,,2,pcs,5"]);

    // The stock report lists them all.
    h.tap(h.t(Text::StockReport)).await;
    assert!(h.shows("Kam qolgan bo'yoq") && h.shows("Yetarli mix") && h.shows("Minimumsiz lenta"));

    // Movements by period: today's INs are there today and in "all time".
    h.tap(h.t(Text::MovementsReport)).await;
    h.tap(h.t(Text::PeriodToday)).await;
    assert!(h.shows("SKU-QR-LOW — Kam qolgan bo'yoq"));
    h.tap(h.t(Text::PeriodAll)).await;
    assert!(h.shows("SKU-QR-ENOUGH — Yetarli mix"));
    let _ = std::fs::remove_dir_all(data_dir(&h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_sees_no_import_or_category_controls_and_is_refused_anyway() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-V1", "Ko'rish uchun", 1, 0).await;
    h.log_in(Role::Viewer).await;
    assert!(h.shows(h.t(Text::SearchProducts)), "a viewer opens the products tab");
    assert!(h.shows("Ko'rish uchun"));
    for hidden in [Text::Categories, Text::ImportCsv, Text::AddProduct, Text::Edit] {
        assert!(!h.shows(h.t(hidden)), "a viewer does not see {hidden:?}");
    }
    // The reports (read only) are there.
    h.tap(h.t(Text::TabReports)).await;
    h.tap(h.t(Text::LowStockReport)).await;
    assert!(h.shows(h.t(Text::NoLowStock)));

    // Even a message the screen never offers is refused by the Ledger.
    let file = std::env::temp_dir().join(format!("ombor-viewer-import-{}.csv", std::process::id()));
    std::fs::write(&file, "sku,name\nV-9,Should not exist\n").unwrap();
    h.tap(h.t(Text::TabProducts)).await;
    h.send(products_msg(products::Message::ImportPath(file.display().to_string()))).await;
    h.send(products_msg(products::Message::Import)).await;
    assert!(h.shows(h.t(Text::ErrForbidden)), "the refusal is shown in the user's language");
    let found = h.system.as_ref().unwrap().handles.ledger.send(actors::ledger::Lookup("V-9".into())).await.unwrap().unwrap();
    assert!(found.is_none());
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_labels_of_the_listed_products_are_saved_as_a_pdf_even_by_a_viewer() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-LBL-1", "Mix 1", 1, 0).await;
    h.product("QR-LBL-2", "Mix 2", 1, 0).await;
    h.product("QR-OTHER", "Bolt", 1, 0).await;
    // Labels are read-only output: a viewer may print them too.
    h.log_in(Role::Viewer).await;
    let lang = h.kiosk.language;
    let field = h.t(Text::SearchProducts);
    type_into(&mut h, field, "Mix").await;
    h.tap(h.t(Text::QrLabels)).await;
    let pdfs: Vec<std::path::PathBuf> = std::fs::read_dir(data_dir(&h).join("exports"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    assert_eq!(pdfs.len(), 1, "{pdfs:?}");
    let said = trf(lang, Text::LabelsSaved, &[("count", "2"), ("path", &pdfs[0].display().to_string())]);
    assert!(h.shows(&said), "the two products the search lists, and where the file is");
    assert!(std::fs::read(&pdfs[0]).unwrap().starts_with(b"%PDF"));

    // A search that lists nothing makes no file.
    type_into(&mut h, "Mix", "zzz").await;
    h.tap(h.t(Text::QrLabels)).await;
    assert!(h.shows(h.t(Text::NoProductsToLabel)));
    assert_eq!(std::fs::read_dir(data_dir(&h).join("exports")).unwrap().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_to_an_earlier_search_does_not_replace_the_newer_list() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-ABR", "Abraziv disk", 0, 0).await;
    h.product("QR-ABC", "Abc sement", 0, 0).await;
    h.log_in(Role::Admin).await;
    // "ab" is typed, then "abc"; the answer to "ab" (a slow search over a big catalogue) only
    // arrives after the one to "abc".
    let slow = h.kiosk.update(products_msg(products::Message::Search("ab".into())));
    h.send(products_msg(products::Message::Search("abc".into()))).await;
    assert!(h.shows("Abc sement") && !h.shows("Abraziv disk"));
    h.run(slow).await;
    assert!(h.shows("Abc sement"));
    assert!(!h.shows("Abraziv disk"), "the list is still the one for what the search box says");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_history_answer_for_an_earlier_filter_is_dropped() {
    let mut h = Harness::new(|_| {}).await;
    h.product("QR-KECH", "Kechikkan javob", 3, 0).await;
    h.log_in(Role::Admin).await;
    h.tap(h.t(Text::TabReports)).await;
    h.tap(h.t(Text::MovementsReport)).await;
    let line = "SKU-QR-KECH — Kechikkan javob";
    assert!(h.shows(line), "its IN is in the history");
    // "All kinds" is asked, then "OUT" (there is none); the first answer comes last.
    let kind = |k| Message::Admin(admin::Message::Reports(reports::Message::Kind(k)));
    let slow = h.kiosk.update(kind(None));
    h.send(kind(Some(models::MovementKind::Out))).await;
    assert!(!h.shows(line));
    h.run(slow).await;
    assert!(!h.shows(line), "the list is still the OUT-only one the filter shows");
}
