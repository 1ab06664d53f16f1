//! Everything of Ombor Nazorat that is not drawing and not an actor: configuration, the
//! embedded PostgreSQL cluster, migrations, domain types and every SQL statement.

pub mod cluster;
pub mod config;
pub mod db;
#[cfg(feature = "test-support")]
pub mod testing;

pub use config::Config;
pub use db::{DbError, Target};
