//! Products tab: search and page through the catalogue (pages of 50, so 10,000+ rows never
//! load at once) and, for an admin, add or edit a product (with its category), manage the
//! categories and import a CSV/XLSX file the way `ombor product import` does.

use std::path::{Path, PathBuf};

use crate::link::ledger;
use crate::link::AuthContext;
use crate::link::Handles;
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length, Task};
use models::import::ImportReport;
use models::permissions::{allowed, Action};
use models::products::{NewProduct, ProductChange, ProductQuery};
use models::{Category, Error, Product};

use super::django_import::{self, DjangoImport};
use super::stock_list::{self, PAGE};
use crate::i18n::{error_text, row_error_text, tr, trf, Language, Text};
use crate::labels::{Label, Sheet};
use crate::link::ask;
use crate::theme::{self, Fit};
use crate::widget::touch_field;

/// Row errors of a refused import shown on screen (the rest are counted).
const IMPORT_ERRORS_SHOWN: usize = 8;
/// The Edit button column of the table (room for "Tahrirlash" / "Изменить").
const EDIT_WIDTH: f32 = 170.0;

/// What is open above the product table besides the product form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Categories,
    Import,
}

/// The tab's text fields, for the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Search,
    /// The product form's fields: sku, qr code, name, unit, min stock.
    Form(usize),
    NewCategory,
    Rename,
    ImportPath,
}

impl Field {
    /// Typed on the numeric pad.
    pub fn is_number(self) -> bool {
        self == Field::Form(4)
    }

    /// The message the field's own input sends with its new text.
    pub fn input(self, value: String) -> Message {
        match self {
            Field::Search => Message::Search(value),
            Field::Form(i) => Message::Field(i, value),
            Field::NewCategory => Message::NewCategoryName(value),
            Field::Rename => Message::RenameText(value),
            Field::ImportPath => Message::ImportPath(value),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    /// A field was tapped: the on-screen keyboard types into it (admin mode handles it).
    Focus(Field),
    Search(String),
    Page(i64),
    /// The answer to load request number .0.
    Loaded(u64, Result<Vec<Product>, Error>),
    LowOnly(bool),
    OpenForm,
    Edit(i64),
    Field(usize, String),
    PickCategory(Option<i64>),
    Save,
    Saved(Result<Product, Error>),
    /// Opens a panel, or closes it when it is open.
    Toggle(Panel),
    CategoriesLoaded(Result<Vec<Category>, Error>),
    NewCategoryName(String),
    AddCategory,
    CategoryAdded(Result<Category, Error>),
    StartRename(i64),
    RenameText(String),
    SaveRename,
    CancelRename,
    CategoryRenamed(Result<Category, Error>),
    ImportPath(String),
    ImportUpdate(bool),
    ImportFilesFound(Vec<PathBuf>),
    Import,
    Imported(Result<ImportReport, Error>),
    /// QR labels (A4, 3×8) of the products the list shows (every page), as a PDF.
    Labels,
    /// The PDF written and how many labels, or why not (already worded).
    LabelsSaved(Result<(PathBuf, usize), String>),
    /// Opens the Django import (a USB stick's db.sqlite3) in place of the list.
    OpenDjango,
    Django(django_import::Message),
}

/// At most this many labels in one PDF (417 A4 sheets); more: `ombor labels` at the console.
pub const MAX_LABELS: usize = 10_000;

pub struct Products {
    handles: Handles,
    auth: AuthContext,
    search: String,
    low_only: bool,
    page: i64,
    /// The number of the latest load request: only its answer is shown.
    request: u64,
    rows: Vec<Product>,
    loading: bool,
    error: Option<String>,
    /// sku, qr code, name, unit, min stock — open while adding or editing.
    form: Option<[String; 5]>,
    /// The form's category (None: no category).
    form_category: Option<i64>,
    /// The product being edited (None: adding a new one).
    editing: Option<i64>,
    notice: Option<String>,
    categories: Vec<Category>,
    panel: Option<Panel>,
    new_category: String,
    /// The category being renamed and the name typed so far.
    renaming: Option<(i64, String)>,
    import_path: String,
    import_update: bool,
    /// CSV/XLSX files found where an admin drops them (data_dir/import, a USB stick).
    import_files: Vec<PathBuf>,
    importing: bool,
    import_report: Option<ImportReport>,
    labelling: bool,
    /// The Django import, while it is open (it takes the list's place).
    django: Option<DjangoImport>,
}

impl Products {
    pub fn new(handles: Handles, auth: AuthContext) -> Self {
        Products {
            handles,
            auth,
            search: String::new(),
            low_only: false,
            page: 0,
            request: 0,
            rows: Vec::new(),
            loading: false,
            error: None,
            form: None,
            form_category: None,
            editing: None,
            notice: None,
            categories: Vec::new(),
            panel: None,
            new_category: String::new(),
            renaming: None,
            import_path: String::new(),
            import_update: false,
            import_files: Vec::new(),
            importing: false,
            import_report: None,
            labelling: false,
            django: None,
        }
    }

    /// The tab is opened: the current page and the category list.
    pub fn open(&mut self) -> Task<Message> {
        Task::batch([self.load(), self.load_categories()])
    }

    pub fn load(&mut self) -> Task<Message> {
        self.loading = true;
        self.request += 1;
        let query = ProductQuery {
            search: Some(self.search.clone()).filter(|s| !s.trim().is_empty()),
            low_only: self.low_only,
            limit: PAGE,
            offset: self.page * PAGE,
            ..Default::default()
        };
        let (ledger, auth, request) = (self.handles.ledger.clone(), self.auth.clone(), self.request);
        Task::perform(async move { ask(ledger, ledger::Products { auth, query }).await }, move |r| Message::Loaded(request, r))
    }

    fn load_categories(&self) -> Task<Message> {
        let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
        Task::perform(async move { ask(ledger, ledger::Categories { auth }).await }, Message::CategoriesLoaded)
    }

    fn import_dir(&self) -> PathBuf {
        self.handles.config.data_dir().join("import")
    }

    fn may_manage(&self) -> bool {
        allowed(self.auth.role, Action::ManageProducts)
    }

    fn may_import(&self) -> bool {
        allowed(self.auth.role, Action::Import)
    }

    /// What a field holds now (None: it is not on screen).
    pub fn value(&self, field: Field) -> Option<String> {
        match field {
            Field::Search => Some(self.search.clone()),
            Field::Form(i) => self.form.as_ref().map(|f| f[i.min(4)].clone()),
            Field::NewCategory => (self.panel == Some(Panel::Categories)).then(|| self.new_category.clone()),
            Field::Rename => self.renaming.as_ref().map(|(_, typed)| typed.clone()),
            Field::ImportPath => (self.panel == Some(Panel::Import)).then(|| self.import_path.clone()),
        }
    }

    pub fn update(&mut self, message: Message, lang: Language) -> Task<Message> {
        match message {
            Message::Focus(_) => Task::none(),
            Message::OpenDjango => {
                if !self.may_import() || self.django.is_some() {
                    return Task::none();
                }
                self.panel = None;
                self.form = None;
                self.editing = None;
                let (screen, task) = DjangoImport::new(self.handles.clone(), self.auth.clone());
                self.django = Some(screen);
                task.map(Message::Django)
            }
            Message::Django(m) => {
                let Some(screen) = &mut self.django else { return Task::none() };
                let (task, event) = screen.update(m);
                let task = task.map(Message::Django);
                match event {
                    None => task,
                    Some(django_import::Event::Close) => {
                        self.django = None;
                        task
                    }
                    // New products, categories and stock.
                    Some(django_import::Event::Imported) => Task::batch([task, self.load(), self.load_categories()]),
                }
            }
            Message::Search(s) => {
                self.search = s;
                self.page = 0;
                self.load()
            }
            Message::LowOnly(on) => {
                self.low_only = on;
                self.page = 0;
                self.load()
            }
            Message::Page(p) => {
                self.page = p.max(0);
                self.load()
            }
            Message::Loaded(request, result) => {
                // An answer to an earlier search or page is dropped: a short search over a big
                // catalogue can answer after the longer one typed next.
                if request == self.request {
                    self.loading = false;
                    match result {
                        Ok(rows) => {
                            self.rows = rows;
                            self.error = None;
                        }
                        Err(e) => self.error = Some(error_text(lang, &e)),
                    }
                }
                Task::none()
            }
            Message::Edit(id) => {
                if let Some(p) = self.rows.iter().find(|p| p.id == id) {
                    self.form =
                        Some([p.sku.clone(), p.qr_code.clone(), p.name.clone(), p.unit.clone(), p.min_stock.normalize().to_string()]);
                    self.form_category = p.category_id;
                    self.editing = Some(id);
                    self.notice = None;
                    self.panel = None;
                }
                Task::none()
            }
            Message::OpenForm => {
                self.editing = None;
                self.form = Some(Default::default());
                self.form_category = None;
                self.notice = None;
                self.panel = None;
                Task::none()
            }
            Message::Field(i, v) => {
                if let Some(f) = &mut self.form {
                    f[i.min(4)] = v;
                }
                Task::none()
            }
            Message::PickCategory(id) => {
                self.form_category = id;
                Task::none()
            }
            Message::Save => {
                let Some(f) = &self.form else { return Task::none() };
                let Ok(min_stock) = models::quantity::parse_allowing_zero(if f[4].trim().is_empty() { "0" } else { f[4].trim() }, None) else {
                    self.error = Some(tr(lang, Text::EnterQuantity).to_string());
                    return Task::none();
                };
                let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
                if let Some(product_id) = self.editing {
                    // SKU and unit stay: the unit of a product with movements cannot change.
                    let change = ProductChange {
                        name: Some(f[2].trim().into()),
                        qr_code: Some(f[1].trim().into()),
                        category_id: Some(self.form_category),
                        min_stock: Some(min_stock),
                        ..Default::default()
                    };
                    return Task::perform(
                        async move { ask(ledger, ledger::EditProduct { auth, product_id, change }).await },
                        Message::Saved,
                    );
                }
                let product = NewProduct {
                    sku: f[0].trim().into(),
                    qr_code: f[1].trim().into(),
                    name: f[2].trim().into(),
                    category_id: self.form_category,
                    unit: if f[3].trim().is_empty() { "pcs".into() } else { f[3].trim().into() },
                    min_stock,
                    ..Default::default()
                };
                Task::perform(async move { ask(ledger, ledger::AddProduct { auth, product }).await }, Message::Saved)
            }
            Message::Saved(Ok(p)) => {
                self.form = None;
                self.editing = None;
                self.error = None;
                self.notice = Some(trf(lang, Text::ProductAdded, &[("name", &p.name)]));
                self.load()
            }
            Message::Saved(Err(e))
            | Message::CategoryAdded(Err(e))
            | Message::CategoryRenamed(Err(e))
            | Message::CategoriesLoaded(Err(e)) => {
                self.error = Some(error_text(lang, &e));
                Task::none()
            }
            Message::Toggle(panel) => {
                if self.panel == Some(panel) {
                    self.panel = None;
                    return Task::none();
                }
                self.panel = Some(panel);
                self.form = None;
                self.editing = None;
                self.notice = None;
                match panel {
                    Panel::Categories => self.load_categories(),
                    Panel::Import => {
                        let dir = self.import_dir();
                        Task::perform(
                            async move { tokio::task::spawn_blocking(move || importable_files(&dir)).await.unwrap_or_default() },
                            Message::ImportFilesFound,
                        )
                    }
                }
            }
            Message::CategoriesLoaded(Ok(list)) => {
                self.categories = list;
                Task::none()
            }
            Message::NewCategoryName(name) => {
                self.new_category = name;
                Task::none()
            }
            Message::AddCategory => {
                let name = self.new_category.trim().to_string();
                if name.is_empty() {
                    return Task::none();
                }
                let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
                Task::perform(async move { ask(ledger, ledger::AddCategory { auth, name }).await }, Message::CategoryAdded)
            }
            Message::CategoryAdded(Ok(c)) => {
                self.new_category.clear();
                self.error = None;
                self.notice = Some(trf(lang, Text::CategoryAdded, &[("name", &c.name)]));
                self.load_categories()
            }
            Message::StartRename(id) => {
                self.renaming = self.categories.iter().find(|c| c.id == id).map(|c| (c.id, c.name.clone()));
                Task::none()
            }
            Message::RenameText(name) => {
                if let Some((_, typed)) = &mut self.renaming {
                    *typed = name;
                }
                Task::none()
            }
            Message::CancelRename => {
                self.renaming = None;
                Task::none()
            }
            Message::SaveRename => {
                let Some((category_id, name)) = self.renaming.clone() else { return Task::none() };
                let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
                Task::perform(
                    async move { ask(ledger, ledger::RenameCategory { auth, category_id, name: name.trim().to_string() }).await },
                    Message::CategoryRenamed,
                )
            }
            Message::CategoryRenamed(Ok(c)) => {
                self.renaming = None;
                self.error = None;
                self.notice = Some(trf(lang, Text::CategoryRenamed, &[("name", &c.name)]));
                // The table shows category names.
                Task::batch([self.load_categories(), self.load()])
            }
            Message::ImportPath(path) => {
                self.import_path = path;
                Task::none()
            }
            Message::ImportUpdate(on) => {
                self.import_update = on;
                Task::none()
            }
            Message::ImportFilesFound(files) => {
                self.import_files = files;
                Task::none()
            }
            Message::Import => {
                let path = self.import_path.trim();
                if path.is_empty() {
                    self.error = Some(tr(lang, Text::ImportChooseFile).to_string());
                    return Task::none();
                }
                self.importing = true;
                self.import_report = None;
                self.error = None;
                let (ledger, auth, path, update) =
                    (self.handles.ledger.clone(), self.auth.clone(), PathBuf::from(path), self.import_update);
                Task::perform(async move { ask(ledger, ledger::ImportFile { auth, path, update }).await }, Message::Imported)
            }
            Message::Labels => {
                if self.labelling {
                    return Task::none();
                }
                self.labelling = true;
                self.notice = None;
                self.error = None;
                let (ledger, auth) = (self.handles.ledger.clone(), self.auth.clone());
                let (search, low_only) = (Some(self.search.clone()).filter(|s| !s.trim().is_empty()), self.low_only);
                let (dir, file) = (crate::export::dir(&self.handles.config), format!("{}.pdf", crate::export::stamped_name("qr-labels")));
                Task::perform(
                    async move {
                        let query = ProductQuery { search, low_only, ..Default::default() };
                        let all =
                            ask(ledger, ledger::AllProducts { auth, query, max: MAX_LABELS }).await.map_err(|e| error_text(lang, &e))?;
                        if all.is_empty() {
                            return Err(tr(lang, Text::NoProductsToLabel).to_string());
                        }
                        let labels: Vec<Label> = all.into_iter().map(|p| Label { code: p.qr_code, name: p.name, sku: p.sku }).collect();
                        tokio::task::spawn_blocking(move || {
                            let pdf = crate::labels::render(&labels, Sheet::Grid { cols: 3, rows: 8 }, "Ombor Nazorat — QR")?;
                            Ok((crate::export::write_file(&dir, &file, &pdf)?, labels.len()))
                        })
                        .await
                        .map_err(|e| e.to_string())?
                        .map_err(|why: String| trf(lang, Text::ExportFailed, &[("reason", &why)]))
                    },
                    Message::LabelsSaved,
                )
            }
            Message::LabelsSaved(result) => {
                self.labelling = false;
                match result {
                    Ok((path, count)) => {
                        self.notice =
                            Some(trf(lang, Text::LabelsSaved, &[("count", &count.to_string()), ("path", &path.display().to_string())]))
                    }
                    Err(why) => self.error = Some(why),
                }
                Task::none()
            }
            Message::Imported(result) => {
                self.importing = false;
                match result {
                    Ok(report) => {
                        let imported = report.errors.is_empty();
                        self.import_report = Some(report);
                        if imported {
                            // New products and maybe new categories.
                            return Task::batch([self.load(), self.load_categories()]);
                        }
                    }
                    Err(e) => self.error = Some(error_text(lang, &e)),
                }
                Task::none()
            }
        }
    }

    pub fn view(&self, lang: Language, fit: &Fit, active: Option<Field>) -> Element<'_, Message> {
        let mut tools = row![
            touch_field(
                text_input(tr(lang, Text::SearchProducts), &self.search).on_input(Message::Search).size(theme::BODY).padding(12),
                active == Some(Field::Search),
                Message::Focus(Field::Search)
            ),
            small_button(tr(lang, if self.low_only { Text::AllProducts } else { Text::LowOnly }), false, Message::LowOnly(!self.low_only)),
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        if self.may_manage() {
            tools = tools.push(small_button(
                tr(lang, Text::Categories),
                self.panel == Some(Panel::Categories),
                Message::Toggle(Panel::Categories),
            ));
            tools = tools.push(small_button(tr(lang, Text::ImportCsv), self.panel == Some(Panel::Import), Message::Toggle(Panel::Import)));
            tools = tools.push(small_button(tr(lang, Text::AddProduct), true, Message::OpenForm));
        }
        // The Django import takes the tab (it has its own Close).
        if let Some(screen) = &self.django {
            return screen.view(lang).map(Message::Django);
        }
        if self.may_import() {
            tools = tools.push(small_button(tr(lang, Text::DjOpen), false, Message::OpenDjango));
        }
        let mut col = column![tools].spacing(12);
        if let Some(n) = &self.notice {
            col = col.push(container(text(n).size(theme::BODY)).padding(10).style(container::success));
        }
        if let Some(e) = &self.error {
            col = col.push(container(text(e).size(theme::BODY)).padding(10).style(container::danger));
        }
        if self.may_manage() {
            match self.panel {
                Some(Panel::Categories) => col = col.push(self.categories_view(lang, active)),
                Some(Panel::Import) => col = col.push(self.import_view(lang, active)),
                None => {}
            }
        }
        if let Some(f) = &self.form {
            col = col.push(self.form_view(lang, f, active));
        }
        // While the on-screen keyboard types into a form or a panel, the list makes room for it
        // (a search keeps its list: that is what it is typed for).
        // What is left above the keyboard scrolls rather than squeezing the form (a banner, a
        // notice or a short screen take height from it).
        if active.is_some_and(|f| f != Field::Search) && fit.height < 1200.0 {
            return scrollable(col).height(Length::Fill).into();
        }
        let header = stock_list::header(lang);
        // The header keeps the Edit buttons' column free, so its titles stand over their values.
        let header = if self.may_manage() { header.push(space().width(EDIT_WIDTH)) } else { header };
        let mut table = column![header].spacing(6);
        for p in &self.rows {
            let mut line = stock_list::line(lang, p).align_y(Alignment::Center);
            if self.may_manage() {
                line = line.push(
                    button(text(tr(lang, Text::Edit)).size(theme::SMALL))
                        .width(EDIT_WIDTH)
                        .padding([14, 18])
                        .style(theme::secondary)
                        .on_press(Message::Edit(p.id)),
                );
            }
            table = table.push(if p.is_low() { container(line).style(container::warning) } else { container(line) });
        }
        // Under the list: labels of what it shows (every page), beside the pages.
        let labels = small_button(tr(lang, if self.labelling { Text::LabelsRunning } else { Text::QrLabels }), false, Message::Labels);
        let pager = row![stock_list::pager(lang, self.page, self.rows.len(), Message::Page), space::horizontal(), labels]
            .align_y(Alignment::Center);
        col.push(scrollable(table).height(Length::Fill)).push(pager).into()
    }

    fn form_view<'a>(&'a self, lang: Language, f: &'a [String; 5], active: Option<Field>) -> Element<'a, Message> {
        let labels = [Text::Sku, Text::QrCode, Text::Name, Text::Unit, Text::MinStock];
        let mut fields = row![].spacing(8).align_y(Alignment::End);
        for (i, label) in labels.iter().enumerate() {
            fields = fields.push(
                column![
                    text(tr(lang, *label)).size(theme::SMALL),
                    touch_field(
                        text_input(tr(lang, *label), &f[i]).on_input(move |v| Message::Field(i, v)).size(theme::SMALL).padding(13),
                        active == Some(Field::Form(i)),
                        Message::Focus(Field::Form(i))
                    )
                ]
                .spacing(4)
                .width(Length::FillPortion(if i == 2 { 3 } else { 2 })),
            );
        }
        fields = fields
            .push(button(text(tr(lang, Text::Save)).size(theme::SMALL)).padding([14, 20]).style(theme::primary).on_press(Message::Save));
        // The category picker: one button per category, so a finger can pick it.
        let mut picker =
            row![small_button(tr(lang, Text::NoCategory), self.form_category.is_none(), Message::PickCategory(None))].spacing(8);
        for c in &self.categories {
            picker = picker.push(small_button(&c.name, self.form_category == Some(c.id), Message::PickCategory(Some(c.id))));
        }
        let picker = column![text(tr(lang, Text::Category)).size(theme::SMALL), picker.wrap().vertical_spacing(8)].spacing(4);
        container(column![fields, picker].spacing(12)).padding(12).style(container::bordered_box).into()
    }

    fn categories_view(&self, lang: Language, active: Option<Field>) -> Element<'_, Message> {
        let add = row![
            container(touch_field(
                text_input(tr(lang, Text::NewCategoryName), &self.new_category)
                    .on_input(Message::NewCategoryName)
                    .on_submit(Message::AddCategory)
                    .size(theme::SMALL)
                    .padding(13),
                active == Some(Field::NewCategory),
                Message::Focus(Field::NewCategory)
            ))
            .width(Length::Fixed(420.0)),
            small_button(tr(lang, Text::AddCategory), true, Message::AddCategory),
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        let mut list = column![].spacing(6);
        if self.categories.is_empty() {
            list = list.push(text(tr(lang, Text::NoCategories)).size(theme::SMALL));
        }
        for c in &self.categories {
            let line: Element<'_, Message> = match &self.renaming {
                Some((id, typed)) if *id == c.id => row![
                    container(touch_field(
                        text_input("", typed).on_input(Message::RenameText).on_submit(Message::SaveRename).size(theme::SMALL).padding(13),
                        active == Some(Field::Rename),
                        Message::Focus(Field::Rename)
                    ))
                    .width(Length::Fixed(420.0)),
                    small_button(tr(lang, Text::Save), true, Message::SaveRename),
                    small_button(tr(lang, Text::Cancel), false, Message::CancelRename),
                ]
                .spacing(12)
                .align_y(Alignment::Center)
                .into(),
                _ => row![
                    text(&c.name).size(theme::BODY).width(Length::Fill),
                    small_button(tr(lang, Text::Rename), false, Message::StartRename(c.id))
                ]
                .spacing(12)
                .align_y(Alignment::Center)
                .into(),
            };
            list = list.push(line);
        }
        container(column![add, scrollable(list).height(Length::Fixed(220.0))].spacing(12)).padding(12).style(container::bordered_box).into()
    }

    fn import_view(&self, lang: Language, active: Option<Field>) -> Element<'_, Message> {
        let update_label = if self.import_update { Text::ImportUpdateExisting } else { Text::ImportKeepExisting };
        let run = button(text(tr(lang, Text::ImportRun)).size(theme::SMALL))
            .padding([14, 18])
            .on_press_maybe((!self.importing).then_some(Message::Import));
        let controls = row![
            touch_field(
                text_input(tr(lang, Text::ImportPath), &self.import_path)
                    .on_input(Message::ImportPath)
                    .on_submit(Message::Import)
                    .size(theme::SMALL)
                    .padding(13),
                active == Some(Field::ImportPath),
                Message::Focus(Field::ImportPath)
            ),
            small_button(tr(lang, update_label), self.import_update, Message::ImportUpdate(!self.import_update)),
            run,
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        let dir = self.import_dir().display().to_string();
        let mut col = column![controls].spacing(10);
        if self.import_files.is_empty() {
            col = col.push(text(trf(lang, Text::ImportNoFiles, &[("dir", &dir)])).size(theme::SMALL));
        } else {
            let mut files = row![].spacing(8);
            for f in &self.import_files {
                let shown = f.display().to_string();
                files = files.push(small_button(&shown, false, Message::ImportPath(shown.clone())));
            }
            col = col.push(text(trf(lang, Text::ImportFilesIn, &[("dir", &dir)])).size(theme::SMALL));
            col = col.push(files.wrap().vertical_spacing(8));
        }
        if self.importing {
            col = col.push(text(tr(lang, Text::Importing)).size(theme::BODY));
        }
        if let Some(report) = &self.import_report {
            col = col.push(import_result(lang, report));
        }
        container(col).padding(12).style(container::bordered_box).into()
    }
}

/// What an import did, or why nothing was imported (the first errors by line).
fn import_result(lang: Language, report: &ImportReport) -> Element<'_, Message> {
    if report.errors.is_empty() {
        let done = trf(
            lang,
            Text::ImportDone,
            &[
                ("rows", &report.rows.to_string()),
                ("new", &report.inserted.to_string()),
                ("updated", &report.updated.to_string()),
                ("categories", &report.categories_created.to_string()),
            ],
        );
        return container(text(done).size(theme::BODY)).padding(10).style(container::success).into();
    }
    let mut col =
        column![text(trf(lang, Text::ImportRefused, &[("count", &report.errors.len().to_string())])).size(theme::BODY)].spacing(4);
    for e in report.errors.iter().take(IMPORT_ERRORS_SHOWN) {
        col = col.push(text(row_error_text(lang, e)).size(theme::SMALL));
    }
    if report.errors.len() > IMPORT_ERRORS_SHOWN {
        let more = (report.errors.len() - IMPORT_ERRORS_SHOWN).to_string();
        col = col.push(text(trf(lang, Text::ImportMoreErrors, &[("count", &more)])).size(theme::SMALL));
    }
    container(col).padding(10).style(container::danger).into()
}

/// A button of at least 48 px height; `strong` draws it as the primary (chosen) one.
fn small_button<'a>(label: &str, strong: bool, on_press: Message) -> button::Button<'a, Message> {
    button(text(label.to_string()).size(theme::SMALL))
        .padding([14, 18])
        .style(if strong { theme::primary } else { theme::secondary })
        .on_press(on_press)
}

/// .csv and .xlsx files in `dir` and on removable media (`/media/<stick>/` or
/// `/media/<user>/<stick>/`), sorted; unreadable places are skipped.
pub fn importable_files(dir: &Path) -> Vec<PathBuf> {
    fn files_in(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if p.is_file() && (ext == "csv" || ext == "xlsx") {
                out.push(p);
            }
        }
    }
    fn subdirs(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir).map(|es| es.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect()).unwrap_or_default()
    }
    let mut out = vec![];
    files_in(dir, &mut out);
    for mount in subdirs(Path::new("/media")) {
        files_in(&mount, &mut out);
        for stick in subdirs(&mount) {
            files_in(&stick, &mut out);
        }
    }
    out.sort();
    out.truncate(50);
    out
}
