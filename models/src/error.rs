//! Typed errors of the domain. The database raises SQLSTATEs of class OM (see the migrations);
//! they arrive here as the variants the actors and the UI translate for the user.

use rust_decimal::Decimal;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("the login session has ended; log in again")]
    SessionEnded,
    #[error("your role may not {action}")]
    Forbidden { action: String },
    #[error("no valid face confirmation for this employee")]
    NoFaceVerification,
    #[error("not enough stock: {available} available")]
    InsufficientStock { available: Decimal },
    #[error("invalid quantity: {0}")]
    InvalidQuantity(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already reversed: {0}")]
    AlreadyReversed(String),
    #[error("not active: {0}")]
    Inactive(String),
    /// Also a locked or disabled account: the database gives one answer for all (V12).
    #[error("wrong username or password")]
    BadCredentials,
    #[error("history cannot be changed: {0}")]
    AppendOnly(String),
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("the last active admin cannot be demoted or disabled")]
    LastAdmin,
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(String),
    /// The Django database to import cannot be read (missing, not SQLite, locked, damaged,
    /// not Django's).
    #[error("{0}")]
    ImportSource(crate::django::SourceProblem),
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            return Error::Unavailable(e.to_string());
        };
        let msg = db.message().to_string();
        match db.code().code() {
            "OMB01" => Error::SessionEnded,
            "OMB02" => Error::Forbidden { action: db.detail().unwrap_or("this").to_string() },
            "OMB03" => Error::NoFaceVerification,
            "OMB04" => Error::InsufficientStock { available: db.detail().and_then(|d| d.parse().ok()).unwrap_or_default() },
            "OMB05" => Error::InvalidQuantity(msg),
            "OMB06" => Error::NotFound(msg),
            "OMB07" => Error::AlreadyReversed(msg),
            "OMB08" => Error::Inactive(msg),
            "OMB09" => Error::BadCredentials,
            "OMB10" => Error::AppendOnly(msg),
            "OMB11" => Error::Duplicate(msg),
            "OMB12" => Error::LastAdmin,
            "23505" => Error::Duplicate(db.constraint().unwrap_or(&msg).to_string()),
            "23514" | "23502" | "22001" | "22P02" | "23503" | "22021" => Error::Invalid(db.constraint().map(str::to_string).unwrap_or(msg)),
            "22003" => Error::InvalidQuantity(msg),
            "42501" => Error::Forbidden { action: msg },
            c if c.starts_with("08") || c.starts_with("57") => Error::Unavailable(msg),
            _ => Error::Database(msg),
        }
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => Error::Unavailable(other.to_string()),
        }
    }
}

impl Error {
    /// Refused by a rule (role, stock, verification…), as opposed to a fault.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Error::Unavailable(_) | Error::Database(_))
    }
}
