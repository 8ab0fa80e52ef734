//! Talking to order-hub: the HTTP client of API.md (and, later, the pull
//! loop and the outbox push).

pub mod client;
pub mod engine;

pub use client::{ClientError, HubClient, Transport};
