//! One screen, one module: each has its Message, an Event for the parent, update and view.

pub mod admin;
pub mod confirm;
pub mod face;
pub mod first_run;
pub mod help;
pub mod lock;
pub mod login;
pub mod product;
