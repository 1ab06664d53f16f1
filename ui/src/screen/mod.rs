//! One screen, one module: each has its Message, an Event for the parent, update and view.

pub mod lock;
