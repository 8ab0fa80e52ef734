//! The desk's screens driven like a user with iced_test: clicks and keys by
//! visible text, against the embedded order-hub.
//!
//! One binary for the area (see tests/hub/main.rs for why).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/ui.rs"]
mod ui;

mod base_data;
mod orders;
mod print;
mod report;
mod system;
mod waybill;
