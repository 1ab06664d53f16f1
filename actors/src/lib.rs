//! The actix actors of Ombor Nazorat, one per file, each with its messages beside it.

pub mod scanner;
pub mod subscribers;
pub mod system;

pub use system::{Handles, RunningSystem};
