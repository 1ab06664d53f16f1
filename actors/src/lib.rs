//! The actix actors of Ombor Nazorat, one per file, each with its messages beside it.

pub mod backup;
pub mod camera;
mod face;
pub mod face_recognizer;
pub mod ledger;
pub mod memory;
pub mod scanner;
pub mod session;
pub mod subscribers;
pub mod system;

pub use system::{Handles, RunningSystem};
