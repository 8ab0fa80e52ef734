//! Printing (SPEC 5.1): documents laid out into a page model of our own,
//! written to PDF and drawn in the preview from the same pages.

pub mod barcode;
pub mod calibration_page;
pub mod cups;
pub mod documents;
pub mod font;
pub mod page;
pub mod pdf;
pub mod spooler;
pub mod text;
#[cfg(windows)]
pub mod windows;
