//! Talking to order-hub: the HTTP client of API.md (and, later, the pull
//! loop and the outbox push).

pub mod client;
pub mod engine;
pub mod waybill_client;

pub use client::{ClientError, HubClient};
pub use waybill_client::SheetFormat;
