//! Every sentence the kiosk shows, looked up by language: the UI never holds a literal sentence.
//! Uzbek (Latin) is the default; Russian and English answer the same keys (the compiler checks
//! that each language answers every key). `{name}` placeholders are filled by `trf`.

mod en;
mod ru;
mod uz;

use actors::backup::BackupRunError;
use actors::camera::CameraProblem;
use actors::face_recognizer::FaceProblem;
use models::backups::{BackupProblem, BackupRecord};
use models::import::{RowError, RowProblem};
use models::Error;

use crate::format;
use crate::status::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Uzbek,
    Russian,
    English,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Uzbek, Language::Russian, Language::English];

    /// "uz", "ru", "en" (the config's `general.locale`); anything else is Uzbek.
    pub fn from_code(code: &str) -> Language {
        match code.trim().to_ascii_lowercase().as_str() {
            "ru" => Language::Russian,
            "en" => Language::English,
            _ => Language::Uzbek,
        }
    }

    /// The language's own name.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::Uzbek => "O'zbekcha",
            Language::Russian => "Русский",
            Language::English => "English",
        }
    }

    /// The switcher's label.
    pub fn short_name(self) -> &'static str {
        match self {
            Language::Uzbek => "UZ",
            Language::Russian => "RU",
            Language::English => "EN",
        }
    }
}

/// The keys of every text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppTitle,
    ScanPrompt,
    ScanHint,
    LastScan,
    UnknownCode,
    GarbledTooShort,
    GarbledTooLong,
    DatabaseOk,
    Station,
    Checking,
    Ok,
    Database,
    Camera,
    LastBackup,
    BackupUnknown,
    CameraNotInstalled,
    HintNoFace,
    HintTwoFaces,
    HintTooSmall,
    HintTooDark,
    HintBlurry,
    CamNotConfigured,
    CamNotFound,
    CamDeviceUnavailable,
    CamNotAVideo,
    CamStopped,
    CamFailed,
    FaceNoPicture,
    FaceNoCamera,
    FaceNotReady,
    FaceWeakerBackend,
    FaceLbphCannotConfirm,
    FaceTooFewFrames,
    FaceNotShared,
    FaceEngine,
    CameraBanner,
    DatabaseDown,
    Sku,
    QrCode,
    Name,
    Category,
    Unit,
    Stock,
    MinStock,
    LowStockWarning,
    FaceStillValid,
    ReadOnlyRole,
    LoginToRecord,
    LogIn,
    LogOut,
    MovementsBlocked,
    In,
    Out,
    Cancel,
    QuantityIn,
    QuantityOut,
    Back,
    Continue,
    EnterQuantity,
    NotEnoughStock,
    FaceTitle,
    LookAtCamera,
    WaitingForCamera,
    FaceNotRecognised,
    FaceFailed,
    TryAgain,
    Saved,
    NewStock,
    SavedBy,
    LowStockAfter,
    Done,
    LoginTitle,
    Username,
    Password,
    RepeatPassword,
    PasswordsDiffer,
    FirstRunTitle,
    FirstRunHint,
    CreateAdmin,
    AdminMode,
    BackToKiosk,
    LightTheme,
    DarkTheme,
    Close,
    Help,
    RoleAdmin,
    RoleOperator,
    RoleViewer,
    TabProducts,
    TabReports,
    TabUsers,
    TabEmployees,
    TabBackups,
    BackupsNotInstalled,
    BackupRunNow,
    BackupRunning,
    BackupSaved,
    BackupNone,
    BackupOkAt,
    BackupFailedAt,
    BackupFailedBanner,
    BkFolderNotWritable,
    BkNotEnoughSpace,
    BkClientMissing,
    BkNoStationTookIt,
    BkTakenElsewhere,
    BkPgDumpFailed,
    BkDatabaseLocked,
    BkIncompleteDump,
    BkDatabaseUnavailable,
    BkDamagedFile,
    BkRestoreFailed,
    BkOther,
    BkBusy,
    BkWithDetail,
    BackupFiles,
    BackupRuns,
    Restore,
    RestoreConfirm,
    RestoreYes,
    Restoring,
    RestoreDone,
    RestoreFailedBanner,
    QrLabels,
    LabelsRunning,
    LabelsSaved,
    NoProductsToLabel,
    BackupRestoreHint,
    SearchProducts,
    LowOnly,
    AllProducts,
    AddProduct,
    ProductAdded,
    Edit,
    Save,
    PageOf,
    MovementsReport,
    OwnHistory,
    All,
    DailyChart,
    Reverse,
    ReverseWhich,
    Reason,
    ReasonNeeded,
    ConfirmReverse,
    Reversed,
    ReversedBy,
    ExportCsvXlsx,
    Exported,
    ExportFailed,
    AddUser,
    ResetPassword,
    ResetPasswordHint,
    TypeNewPassword,
    Disable,
    Enable,
    SavedShort,
    FullName,
    AddEmployee,
    FaceEnrolled,
    FaceNotEnrolled,
    EnrolFace,
    Enrolling,
    EnrolDone,
    Deactivate,
    Inactive,
    Categories,
    NewCategoryName,
    AddCategory,
    CategoryAdded,
    Rename,
    CategoryRenamed,
    NoCategories,
    NoCategory,
    ImportCsv,
    ImportPath,
    ImportFilesIn,
    ImportNoFiles,
    ImportUpdateExisting,
    ImportKeepExisting,
    ImportRun,
    Importing,
    ImportChooseFile,
    ImportDone,
    ImportRefused,
    ImportLine,
    ImportMoreErrors,
    StockReport,
    LowStockReport,
    NoLowStock,
    PeriodToday,
    Period7Days,
    Period30Days,
    PeriodAll,
    RowEmptyFile,
    RowMissingColumn,
    RowEmpty,
    RowTooLong,
    RowControlCharacters,
    RowBadMinStock,
    RowBadBarcode,
    RowDuplicateSku,
    RowDuplicateQrCode,
    RowUnknownUnit,
    RowSkuExists,
    RowQrCodeTaken,
    ErrSessionEnded,
    ErrForbidden,
    ErrNoFace,
    ErrInsufficient,
    ErrInvalidQuantity,
    ErrNotFound,
    ErrAlreadyReversed,
    ErrInactive,
    ErrBadCredentials,
    ErrAppendOnly,
    ErrDuplicate,
    ErrLastAdmin,
    ErrInvalid,
    ErrUnavailable,
    ErrDatabase,
    DjOpen,
    DjTitle,
    DjFilesIn,
    DjNoFiles,
    DjSearchAgain,
    DjChecking,
    DjImporting,
    DjReading,
    DjWriting,
    DjFinished,
    DjRefused,
    DjRow,
    DjMoreRows,
    DjNotes,
    DjWouldImport,
    DjImported,
    DjImportNow,
    DjWhat,
    DjTable,
    DjRows,
    DjAlready,
    DjMustEnrol,
    DjNewPassword,
    DjNoSuchFile,
    DjNotSqlite,
    DjLocked,
    DjDamagedTable,
    DjDamagedRows,
    DjDamaged,
    DjNotDjango,
    DjNoAuthUser,
    DjUnits,
    DjCategories,
    DjStock,
    DjProducts,
    DjEmployees,
    DjUsers,
    DjMovements,
    DjFolder,
}

pub const ALL_TEXTS: &[Text] = &[
    Text::AppTitle,
    Text::ScanPrompt,
    Text::ScanHint,
    Text::LastScan,
    Text::UnknownCode,
    Text::GarbledTooShort,
    Text::GarbledTooLong,
    Text::DatabaseOk,
    Text::Station,
    Text::Checking,
    Text::Ok,
    Text::Database,
    Text::Camera,
    Text::LastBackup,
    Text::BackupUnknown,
    Text::CameraNotInstalled,
    Text::HintNoFace,
    Text::HintTwoFaces,
    Text::HintTooSmall,
    Text::HintTooDark,
    Text::HintBlurry,
    Text::CamNotConfigured,
    Text::CamNotFound,
    Text::CamDeviceUnavailable,
    Text::CamNotAVideo,
    Text::CamStopped,
    Text::CamFailed,
    Text::FaceNoPicture,
    Text::FaceNoCamera,
    Text::FaceNotReady,
    Text::FaceWeakerBackend,
    Text::FaceLbphCannotConfirm,
    Text::FaceTooFewFrames,
    Text::FaceNotShared,
    Text::FaceEngine,
    Text::CameraBanner,
    Text::DatabaseDown,
    Text::Sku,
    Text::QrCode,
    Text::Name,
    Text::Category,
    Text::Unit,
    Text::Stock,
    Text::MinStock,
    Text::LowStockWarning,
    Text::FaceStillValid,
    Text::ReadOnlyRole,
    Text::LoginToRecord,
    Text::LogIn,
    Text::LogOut,
    Text::MovementsBlocked,
    Text::In,
    Text::Out,
    Text::Cancel,
    Text::QuantityIn,
    Text::QuantityOut,
    Text::Back,
    Text::Continue,
    Text::EnterQuantity,
    Text::NotEnoughStock,
    Text::FaceTitle,
    Text::LookAtCamera,
    Text::WaitingForCamera,
    Text::FaceNotRecognised,
    Text::FaceFailed,
    Text::TryAgain,
    Text::Saved,
    Text::NewStock,
    Text::SavedBy,
    Text::LowStockAfter,
    Text::Done,
    Text::LoginTitle,
    Text::Username,
    Text::Password,
    Text::RepeatPassword,
    Text::PasswordsDiffer,
    Text::FirstRunTitle,
    Text::FirstRunHint,
    Text::CreateAdmin,
    Text::AdminMode,
    Text::BackToKiosk,
    Text::LightTheme,
    Text::DarkTheme,
    Text::Close,
    Text::RoleAdmin,
    Text::RoleOperator,
    Text::RoleViewer,
    Text::TabProducts,
    Text::TabReports,
    Text::TabUsers,
    Text::TabEmployees,
    Text::TabBackups,
    Text::BackupsNotInstalled,
    Text::BackupRunNow,
    Text::BackupRunning,
    Text::BackupSaved,
    Text::BackupNone,
    Text::BackupOkAt,
    Text::BackupFailedAt,
    Text::BackupFailedBanner,
    Text::BkFolderNotWritable,
    Text::BkNotEnoughSpace,
    Text::BkClientMissing,
    Text::BkNoStationTookIt,
    Text::BkTakenElsewhere,
    Text::BkPgDumpFailed,
    Text::BkDatabaseLocked,
    Text::BkIncompleteDump,
    Text::BkDatabaseUnavailable,
    Text::BkDamagedFile,
    Text::BkRestoreFailed,
    Text::BkOther,
    Text::BkBusy,
    Text::BkWithDetail,
    Text::BackupFiles,
    Text::BackupRuns,
    Text::Restore,
    Text::RestoreConfirm,
    Text::RestoreYes,
    Text::Restoring,
    Text::RestoreDone,
    Text::RestoreFailedBanner,
    Text::QrLabels,
    Text::LabelsRunning,
    Text::LabelsSaved,
    Text::NoProductsToLabel,
    Text::BackupRestoreHint,
    Text::SearchProducts,
    Text::LowOnly,
    Text::AllProducts,
    Text::AddProduct,
    Text::ProductAdded,
    Text::Edit,
    Text::Save,
    Text::PageOf,
    Text::MovementsReport,
    Text::OwnHistory,
    Text::All,
    Text::DailyChart,
    Text::Reverse,
    Text::ReverseWhich,
    Text::Reason,
    Text::ReasonNeeded,
    Text::ConfirmReverse,
    Text::Reversed,
    Text::ReversedBy,
    Text::ExportCsvXlsx,
    Text::Exported,
    Text::ExportFailed,
    Text::AddUser,
    Text::ResetPassword,
    Text::ResetPasswordHint,
    Text::TypeNewPassword,
    Text::Disable,
    Text::Enable,
    Text::SavedShort,
    Text::FullName,
    Text::AddEmployee,
    Text::FaceEnrolled,
    Text::FaceNotEnrolled,
    Text::EnrolFace,
    Text::Enrolling,
    Text::EnrolDone,
    Text::Deactivate,
    Text::Inactive,
    Text::Categories,
    Text::NewCategoryName,
    Text::AddCategory,
    Text::CategoryAdded,
    Text::Rename,
    Text::CategoryRenamed,
    Text::NoCategories,
    Text::NoCategory,
    Text::ImportCsv,
    Text::ImportPath,
    Text::ImportFilesIn,
    Text::ImportNoFiles,
    Text::ImportUpdateExisting,
    Text::ImportKeepExisting,
    Text::ImportRun,
    Text::Importing,
    Text::ImportChooseFile,
    Text::ImportDone,
    Text::ImportRefused,
    Text::ImportLine,
    Text::ImportMoreErrors,
    Text::StockReport,
    Text::LowStockReport,
    Text::NoLowStock,
    Text::PeriodToday,
    Text::Period7Days,
    Text::Period30Days,
    Text::PeriodAll,
    Text::RowEmptyFile,
    Text::RowMissingColumn,
    Text::RowEmpty,
    Text::RowTooLong,
    Text::RowControlCharacters,
    Text::RowBadMinStock,
    Text::RowBadBarcode,
    Text::RowDuplicateSku,
    Text::RowDuplicateQrCode,
    Text::RowUnknownUnit,
    Text::RowSkuExists,
    Text::RowQrCodeTaken,
    Text::ErrSessionEnded,
    Text::ErrForbidden,
    Text::ErrNoFace,
    Text::ErrInsufficient,
    Text::ErrInvalidQuantity,
    Text::ErrNotFound,
    Text::ErrAlreadyReversed,
    Text::ErrInactive,
    Text::ErrBadCredentials,
    Text::ErrAppendOnly,
    Text::ErrDuplicate,
    Text::ErrLastAdmin,
    Text::ErrInvalid,
    Text::ErrUnavailable,
    Text::ErrDatabase,
    Text::DjOpen,
    Text::DjTitle,
    Text::DjFilesIn,
    Text::DjNoFiles,
    Text::DjSearchAgain,
    Text::DjChecking,
    Text::DjImporting,
    Text::DjReading,
    Text::DjWriting,
    Text::DjFinished,
    Text::DjRefused,
    Text::DjRow,
    Text::DjMoreRows,
    Text::DjNotes,
    Text::DjWouldImport,
    Text::DjImported,
    Text::DjImportNow,
    Text::DjWhat,
    Text::DjTable,
    Text::DjRows,
    Text::DjAlready,
    Text::DjMustEnrol,
    Text::DjNewPassword,
    Text::DjNoSuchFile,
    Text::DjNotSqlite,
    Text::DjLocked,
    Text::DjDamagedTable,
    Text::DjDamagedRows,
    Text::DjDamaged,
    Text::DjNotDjango,
    Text::DjNoAuthUser,
    Text::DjUnits,
    Text::DjCategories,
    Text::DjStock,
    Text::DjProducts,
    Text::DjEmployees,
    Text::DjUsers,
    Text::DjMovements,
    Text::DjFolder,
];

pub fn tr(lang: Language, key: Text) -> &'static str {
    match lang {
        Language::Uzbek => uz::text(key),
        Language::Russian => ru::text(key),
        Language::English => en::text(key),
    }
}

/// A text with its `{name}` placeholders filled.
pub fn trf(lang: Language, key: Text, args: &[(&str, &str)]) -> String {
    let mut s = tr(lang, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// An actor's error, in the user's language.
pub fn error_text(lang: Language, e: &Error) -> String {
    match e {
        Error::SessionEnded => tr(lang, Text::ErrSessionEnded).into(),
        Error::Forbidden { .. } => tr(lang, Text::ErrForbidden).into(),
        Error::NoFaceVerification => tr(lang, Text::ErrNoFace).into(),
        Error::InsufficientStock { available } => trf(lang, Text::ErrInsufficient, &[("available", &format::number(lang, *available))]),
        Error::InvalidQuantity(d) => trf(lang, Text::ErrInvalidQuantity, &[("detail", d)]),
        Error::NotFound(d) => trf(lang, Text::ErrNotFound, &[("detail", d)]),
        Error::AlreadyReversed(_) => tr(lang, Text::ErrAlreadyReversed).into(),
        Error::Inactive(d) => trf(lang, Text::ErrInactive, &[("detail", d)]),
        Error::BadCredentials => tr(lang, Text::ErrBadCredentials).into(),
        Error::AppendOnly(_) => tr(lang, Text::ErrAppendOnly).into(),
        Error::Duplicate(d) => trf(lang, Text::ErrDuplicate, &[("detail", d)]),
        Error::LastAdmin => tr(lang, Text::ErrLastAdmin).into(),
        Error::Invalid(d) => trf(lang, Text::ErrInvalid, &[("detail", d)]),
        Error::Unavailable(_) => tr(lang, Text::ErrUnavailable).into(),
        Error::Database(d) => trf(lang, Text::ErrDatabase, &[("detail", d)]),
        Error::ImportSource(p) => import_source_text(lang, p),
    }
}

/// Why a Django database cannot be imported, in one sentence of the user's language.
pub fn import_source_text(lang: Language, p: &models::django::SourceProblem) -> String {
    use models::django::SourceProblem as P;
    match p {
        P::NoSuchFile { file } => trf(lang, Text::DjNoSuchFile, &[("file", file)]),
        P::NotSqlite { file, .. } => trf(lang, Text::DjNotSqlite, &[("file", file)]),
        P::Locked { file, .. } => trf(lang, Text::DjLocked, &[("file", file)]),
        P::Damaged { file, table: Some(table), rows_read: Some(rows), .. } if *rows > 0 => {
            trf(lang, Text::DjDamagedRows, &[("file", file), ("table", table), ("rows", &rows.to_string())])
        }
        P::Damaged { file, table: Some(table), .. } => trf(lang, Text::DjDamagedTable, &[("file", file), ("table", table)]),
        P::Damaged { file, table: None, .. } => trf(lang, Text::DjDamaged, &[("file", file)]),
        P::NotDjango { tables } => trf(lang, Text::DjNotDjango, &[("tables", tables)]),
        P::NoAuthUser { tables } => trf(lang, Text::DjNoAuthUser, &[("tables", tables)]),
    }
}

/// Why the camera gives no picture, in the user's language.
/// The role's name on screen.
pub fn role_text(role: models::Role) -> Text {
    match role {
        models::Role::Admin => Text::RoleAdmin,
        models::Role::Operator => Text::RoleOperator,
        models::Role::Viewer => Text::RoleViewer,
    }
}

pub fn camera_problem_text(lang: Language, p: &CameraProblem) -> String {
    match p {
        CameraProblem::NotConfigured => tr(lang, Text::CamNotConfigured).into(),
        CameraProblem::NotFound { at } => trf(lang, Text::CamNotFound, &[("at", at)]),
        CameraProblem::DeviceUnavailable { at } => trf(lang, Text::CamDeviceUnavailable, &[("at", at)]),
        CameraProblem::NotAVideo { at } => trf(lang, Text::CamNotAVideo, &[("at", at)]),
        CameraProblem::Stopped { at } => trf(lang, Text::CamStopped, &[("at", at)]),
        CameraProblem::Failed { at, detail } => trf(lang, Text::CamFailed, &[("at", at), ("detail", detail)]),
    }
}

/// Why the database or the camera is down, in the user's language.
pub fn problem_text(lang: Language, p: &Problem) -> String {
    match p {
        Problem::Database(e) => error_text(lang, e),
        Problem::Camera(c) => camera_problem_text(lang, c),
        Problem::CameraNotInstalled => tr(lang, Text::CameraNotInstalled).into(),
    }
}

/// A failed backup's kind, in the user's language.
pub fn backup_problem_text(lang: Language, p: BackupProblem) -> &'static str {
    tr(
        lang,
        match p {
            BackupProblem::FolderNotWritable => Text::BkFolderNotWritable,
            BackupProblem::NotEnoughSpace => Text::BkNotEnoughSpace,
            BackupProblem::ClientMissing => Text::BkClientMissing,
            BackupProblem::NoStationTookIt => Text::BkNoStationTookIt,
            BackupProblem::TakenElsewhere => Text::BkTakenElsewhere,
            BackupProblem::PgDumpFailed => Text::BkPgDumpFailed,
            BackupProblem::DatabaseLocked => Text::BkDatabaseLocked,
            BackupProblem::IncompleteDump => Text::BkIncompleteDump,
            BackupProblem::DatabaseUnavailable => Text::BkDatabaseUnavailable,
            BackupProblem::DamagedFile => Text::BkDamagedFile,
            BackupProblem::RestoreFailed => Text::BkRestoreFailed,
            BackupProblem::Other => Text::BkOther,
        },
    )
}

/// Why a recorded run failed, for the banner: its kind in the user's language (a run recorded
/// before kinds were stored has only its English detail).
pub fn failed_backup_reason(lang: Language, r: &BackupRecord) -> String {
    match r.problem {
        Some(p) => backup_problem_text(lang, p).into(),
        None => r.error.clone().unwrap_or_default(),
    }
}

/// Why "take a backup now" did not, in the user's language.
pub fn backup_run_error_text(lang: Language, e: &BackupRunError) -> String {
    match e {
        BackupRunError::Refused(e) => error_text(lang, e),
        BackupRunError::Busy => tr(lang, Text::BkBusy).into(),
        BackupRunError::Failed(b) => backup_problem_text(lang, b.problem()).into(),
    }
}

/// Why a face check or enrolment cannot go on, in the user's language.
pub fn face_problem_text(lang: Language, p: &FaceProblem) -> String {
    match p {
        FaceProblem::NoPicture => tr(lang, Text::FaceNoPicture).into(),
        FaceProblem::NoCamera(d) => trf(lang, Text::FaceNoCamera, &[("detail", d)]),
        FaceProblem::NotReady(d) => trf(lang, Text::FaceNotReady, &[("detail", d)]),
        FaceProblem::WeakerBackend(d) => trf(lang, Text::FaceWeakerBackend, &[("detail", d)]),
        FaceProblem::TooFewGoodFrames { good, needed, secs } => {
            trf(lang, Text::FaceTooFewFrames, &[("good", &good.to_string()), ("needed", &needed.to_string()), ("secs", &secs.to_string())])
        }
        FaceProblem::LbphCannotConfirm => tr(lang, Text::FaceLbphCannotConfirm).into(),
        FaceProblem::NotShared(d) => trf(lang, Text::FaceNotShared, &[("detail", d)]),
        FaceProblem::Database(e) => error_text(lang, e),
        FaceProblem::Engine(d) => trf(lang, Text::FaceEngine, &[("detail", d)]),
    }
}

/// One problem of an imported row, in the user's language.
pub fn row_problem_text(lang: Language, p: &RowProblem) -> String {
    match p {
        RowProblem::EmptyFile => tr(lang, Text::RowEmptyFile).into(),
        RowProblem::MissingColumn { column } => trf(lang, Text::RowMissingColumn, &[("column", column)]),
        RowProblem::Empty { column } => trf(lang, Text::RowEmpty, &[("column", column)]),
        RowProblem::TooLong { column, max } => trf(lang, Text::RowTooLong, &[("column", column), ("max", &max.to_string())]),
        RowProblem::ControlCharacters { column } => trf(lang, Text::RowControlCharacters, &[("column", column)]),
        RowProblem::BadMinStock { value } => trf(lang, Text::RowBadMinStock, &[("value", value)]),
        RowProblem::BadBarcode => tr(lang, Text::RowBadBarcode).into(),
        RowProblem::DuplicateSku { sku, first_line } => {
            trf(lang, Text::RowDuplicateSku, &[("sku", sku), ("line", &first_line.to_string())])
        }
        RowProblem::DuplicateQrCode { qr_code, first_line } => {
            trf(lang, Text::RowDuplicateQrCode, &[("code", qr_code), ("line", &first_line.to_string())])
        }
        RowProblem::UnknownUnit { unit, known } => trf(lang, Text::RowUnknownUnit, &[("unit", unit), ("known", known)]),
        RowProblem::SkuExists { sku } => trf(lang, Text::RowSkuExists, &[("sku", sku), ("toggle", tr(lang, Text::ImportUpdateExisting))]),
        RowProblem::QrCodeTaken { qr_code, owner_sku } => trf(lang, Text::RowQrCodeTaken, &[("code", qr_code), ("owner", owner_sku)]),
    }
}

/// A refused import row: its line and every problem, in the user's language.
pub fn row_error_text(lang: Language, e: &RowError) -> String {
    let problems = if e.problems.is_empty() {
        e.message.clone()
    } else {
        e.problems.iter().map(|p| row_problem_text(lang, p)).collect::<Vec<_>>().join("; ")
    };
    trf(lang, Text::ImportLine, &[("line", &e.line.to_string()), ("message", &problems)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_answers_every_key_with_the_same_placeholders() {
        for key in ALL_TEXTS {
            let holes = |s: &str| {
                let mut v: Vec<String> = s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(h, _)| h.to_string())).collect();
                v.sort();
                v
            };
            let english = holes(tr(Language::English, *key));
            for lang in Language::ALL {
                assert!(!tr(lang, *key).trim().is_empty(), "{lang:?} {key:?}");
                assert_eq!(holes(tr(lang, *key)), english, "{lang:?} {key:?}");
            }
        }
        assert_eq!(Language::from_code("RU"), Language::Russian);
        assert_eq!(Language::from_code("xx"), Language::Uzbek);
        assert!(trf(Language::English, Text::UnknownCode, &[("code", "X-1")]).contains("X-1"));
    }
}
