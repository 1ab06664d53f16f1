//! One module per group of commands; each prints text or, with --json, JSON.

pub mod access;
pub mod backup;
pub mod bench;
pub mod catalog;
pub mod config;
pub mod db;
pub mod demo;
pub mod django;
pub mod doctor;
pub mod face;
pub mod labels;
pub mod ledger;
pub mod run;
pub mod service;
pub mod support;
pub mod table;
pub mod users;

use serde::Serialize;

/// Prints `value` as pretty JSON, or `text` otherwise.
pub fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).expect("serialisable"));
    } else {
        println!("{}", text());
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
}
