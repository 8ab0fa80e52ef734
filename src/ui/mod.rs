//! All iced code: the application, its screens, shared widgets and theme.
//! The only module that imports iced.

pub mod alert;
pub mod app;
pub mod bench_start;
pub mod export;
pub mod export_lists;
pub mod fetch;
pub mod file_dialog;
pub mod font;
pub mod format;
pub mod network_data;
pub mod notice;
pub mod screen;
pub mod sync_sub;
pub mod theme;
pub mod tray;
pub mod warm;
pub mod widget;

pub use app::{App, Boot, Message, ServerChoice, application};

/// An element drawn with the client's own theme.
pub type Element<'a, M> = iced::Element<'a, M, theme::AppTheme>;
