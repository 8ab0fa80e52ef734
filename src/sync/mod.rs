//! Talking to order-hub: the HTTP client of API.md (`client`) and the sync
//! engine that pulls the change feed into the cache and pushes the outbox
//! (`engine`), and the engine's loop with its long poll (`runner`).

pub mod client;
pub mod engine;
pub mod pc_clock;
pub mod print_client;
pub mod report_client;
pub mod runner;
pub mod waybill_client;

pub use client::{ClientError, HubClient, OrderAnswer, Transport};
pub use waybill_client::SheetFormat;
