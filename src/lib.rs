//! outlet-desk: the desktop client for Ali pickup orders and the order-hub
//! server it talks to. Both binaries and the tests share this library.
//!
//! `domain`, `api`, `i18n`, `store`, `sync` and `hub` never import iced; only
//! `ui` does.

pub mod api;
pub mod config;
pub mod domain;
pub mod export;
pub mod hub;
pub mod i18n;
pub mod instance;
pub mod memory;
pub mod print;
pub mod private_files;
pub mod scope_index;
pub mod scope_sorted;
pub mod store;
pub mod sync;
pub mod ui;
