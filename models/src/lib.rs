//! Everything of Ombor Nazorat that is not drawing and not an actor: configuration, the
//! embedded PostgreSQL cluster, migrations, domain types and every SQL statement.

pub mod audit;
pub mod backups;
pub mod bench;
pub mod chain;
pub mod cluster;
pub mod config;
pub mod db;
pub mod demo;
pub mod django;
pub mod employees;
pub mod error;
pub mod face_templates;
pub mod health;
pub mod import;
pub mod keyboard;
pub mod movements;
pub mod password;
pub mod permissions;
pub mod products;
pub mod quantity;
pub mod session;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod text;
pub mod tls;
pub mod types;
pub mod users;

pub use config::Config;
pub use db::{DbError, Target};
pub use error::{Error, Result};
pub use session::SessionToken;
pub use types::*;
