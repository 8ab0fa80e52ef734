//! For screen `update` tests: what a `Ctx` borrows, with a real cache in a
//! temp dir and a client of an address nothing answers on.

use super::Ctx;
use crate::api::SessionUser;
use crate::domain::params::ClientParams;
use crate::domain::{OutletTree, Role};
use crate::i18n::Lang;
use crate::store::Store;
use crate::sync::HubClient;

/// Owns what the context borrows.
pub struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    client: HubClient,
    tree: OutletTree,
    params: ClientParams,
    user: SessionUser,
}

impl Fixture {
    /// A `role` user at HQ, in Chinese.
    pub fn new(role: Role) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = Store::open(&dir.path().join("cache.db")).expect("cache");
        let client = HubClient::new("http://127.0.0.1:9", Lang::ZhCn).expect("client");
        Fixture {
            _dir: dir,
            store,
            client,
            tree: OutletTree::default(),
            params: ClientParams::default(),
            user: SessionUser {
                login: "tester".into(),
                name: "测试".into(),
                outlet_code: "HQ".into(),
                role,
            },
        }
    }

    /// The context, online, now.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            lang: Lang::ZhCn,
            client: &self.client,
            store: &self.store,
            tree: &self.tree,
            user: &self.user,
            online: true,
            now: chrono::Utc::now(),
            params: &self.params,
            export: crate::config::ExportPrefs::default(),
        }
    }
}
