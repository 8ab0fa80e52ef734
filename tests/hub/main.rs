//! order-hub's HTTP API, driven over real sockets against a real hub on
//! 127.0.0.1:0, on each engine: SQLite in a temp dir, and PostgreSQL in a
//! throw-away cluster (`common::pg`; skipped where none can run).
//!
//! One test binary per area, not per file: each binary links the whole
//! crate (iced included), and linking twenty of them was most of CI's test
//! build, worst on the Windows cross-build.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod abuse;
mod api;
mod conformance;
mod conformance_network;
mod conformance_orders;
mod conformance_reads;
mod lists;
mod orders;
mod pg_changes;
mod pg_migrate;
mod pg_two_hubs;
mod print_templates;
mod report;
mod secrets;
mod tls;
mod waybill;
