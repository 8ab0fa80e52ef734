//! The client's cache, its sync engine, its file export and its printing, against a real
//! order-hub on 127.0.0.1:0 and real SQLite files in temp dirs (the
//! RELIABILITY.md fault scenarios live here).
//!
//! One binary for the area (see tests/hub/main.rs for why).

#[macro_use]
#[path = "../common/mod.rs"]
mod common;
#[path = "../common/crash.rs"]
mod crash;
#[path = "../common/proxy.rs"]
mod proxy;

mod export_files;
mod outlet_views;
mod print_pdf;
mod print_spool;
mod store_cache;
mod store_lists;
mod sync_faults;
mod sync_reliability;
mod sync_templates;
mod sync_waybill;
