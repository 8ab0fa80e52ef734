//! The network's print templates through the client's data path (issue
//! 13): the sync engine keeps a copy in the cache, fetches it again only
//! when an administrator changed one, and printing reads it offline.

use crate::common;
use crate::proxy;

use common::sync::{cache, client};
use common::{DEMO_PW, Engine as Db, TestHub};
use outlet_desk::domain::print::{Document, Field, Layout};
use outlet_desk::sync::engine::Engine;
use proxy::Proxy;

on_both_engines!(the_cache_follows_the_networks_templates_and_answers_offline);

async fn the_cache_follows_the_networks_templates_and_answers_offline(db: Db) {
    let Some(h) = TestHub::start_on(db, true, |_| {}).await else {
        return;
    };
    let p = Proxy::start(&h.hub.url()).await;
    let (_dir, store) = cache();
    store.claim("yz.clerk").expect("claim");
    let c = client(&h, &p.url(), "yz.clerk", DEMO_PW).await;
    let mut engine = Engine::new(c, store.clone(), 100);

    let r = engine.sync_once().await;
    assert!(r.error.is_none() && r.templates_refreshed, "{r:?}");
    let setup = store.print_setup().expect("setup");
    assert_eq!(
        setup.network_of(Document::Label),
        (Layout::default_for(Document::Label), 1)
    );
    assert!(
        !engine.sync_once().await.templates_refreshed,
        "unchanged: not fetched again"
    );

    // An administrator changes the packing list.
    let admin = client(&h, &h.hub.url(), "admin", common::ADMIN_PW).await;
    let mut packing = Layout::default_for(Document::PackingList);
    packing.toggle(Field::Product);
    packing.font_size_pt = 12.0;
    admin
        .put_print_template(&packing, 1)
        .await
        .expect("admin saves");
    let r = engine.sync_once().await;
    assert!(r.templates_refreshed, "the change is fetched: {r:?}");

    // Offline, printing starts from the copy.
    p.set_offline(true);
    let r = engine.sync_once().await;
    assert!(!r.online, "{r:?}");
    let setup = store.print_setup().expect("setup");
    assert_eq!(
        setup.network_of(Document::PackingList),
        (packing.clone(), 2)
    );
    assert_eq!(setup.layout(Document::PackingList), packing);
    assert_eq!(setup.network_of(Document::Label).1, 1);
}
