//! One module per screen; each owns its State, Message, update and view,
//! and an `Event`: the only way it speaks to the app above it.

#[cfg(test)]
mod fixture;
pub mod form;
pub mod login;
pub mod orders;
pub mod outlets;
pub mod print;
pub mod rates;
pub mod report;
pub mod staff;
pub mod system;
pub mod waybill;

use crate::api::SessionUser;
use crate::domain::OutletTree;
use crate::i18n::Lang;
use crate::store::Store;
use crate::sync::HubClient;

/// What every screen may read while updating or drawing.
#[derive(Clone)]
pub struct Ctx<'a> {
    pub lang: Lang,
    /// Logged-in client (carries the token).
    pub client: &'a HubClient,
    pub store: &'a Store,
    /// The cached network.
    pub tree: &'a OutletTree,
    pub user: &'a SessionUser,
    /// Whether the server answers; offline screens are read-only.
    pub online: bool,
    /// The server's clock now (this PC's clock plus the learned offset).
    pub now: chrono::DateTime<chrono::Utc>,
    /// The server's parameters the client acts on.
    pub params: &'a crate::domain::params::ClientParams,
    /// Where and how list exports were last saved on this PC.
    pub export: crate::config::ExportPrefs,
}

impl Ctx<'_> {
    /// Text for `key` in the current language.
    pub fn t(&self, key: &str) -> String {
        crate::i18n::t(self.lang, key)
    }

    /// Whether the user may change base data right now.
    pub fn can_write(&self) -> bool {
        self.online && self.user.role.can_write_base_data()
    }

    /// "扬州办事处 (JS-YZ)", or the bare code when unknown.
    pub fn outlet_label(&self, code: &str) -> String {
        self.tree
            .get(code)
            .map_or_else(|| code.to_owned(), |o| format!("{} ({})", o.name, o.code))
    }
}

/// What a failed server call means beyond the screen that made it; part
/// of the `Event` of every screen that calls the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// The server could not be reached.
    Unreachable,
    /// The session is no longer valid: log in again.
    SessionExpired,
}
