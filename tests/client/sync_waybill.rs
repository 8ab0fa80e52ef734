//! 开单 through the client's data path: the cached rate card quotes
//! offline exactly as the hub prices, and an import made offline waits in
//! the outbox and is applied exactly once after reconnecting.

use crate::common;
use crate::proxy;

use common::sync::client;
use common::{DEMO_PW, Engine as Db, TestHub, inbound};
use outlet_desk::domain::pricing::{self, WaybillDraft};
use outlet_desk::domain::{Action, Outlet, Status};
use outlet_desk::i18n::Lang;
use outlet_desk::store::Store;
use outlet_desk::sync::HubClient;
use outlet_desk::sync::engine::Engine;
use proxy::{Fault, Proxy};

on_both_engines!(offline_import_is_queued_and_applied_once_with_the_cached_quote);

const ACTIONS: &str = "/actions";

async fn offline_import_is_queued_and_applied_once_with_the_cached_quote(db: Db) {
    let Some(h) = TestHub::start_on(db, true, |_| {}).await else {
        return;
    };
    let (s, v) = h
        .inbound(inbound("s-1", "acct-1", "扬州", Some("JS-YZ-01")))
        .await;
    assert_eq!(s, 201, "{v}");
    let p = Proxy::start(&h.hub.url()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = Store::open(&dir.path().join("cache.db")).expect("cache");
    store.claim("yz.clerk").expect("claim");
    let c = client(&h, &p.url(), "yz.clerk", DEMO_PW).await;
    let mut engine = Engine::new(c.clone(), store.clone(), 100);
    let r = engine.sync_once().await;
    assert!(r.error.is_none() && r.card_refreshed, "{r:?}");
    let card = store.rate_card().expect("card");
    assert!(card.lines.len() > 100, "the demo card is cached");
    assert!(
        !engine.sync_once().await.card_refreshed,
        "unchanged: not fetched again"
    );

    // Offline now: the quote comes from the cache, as the hub would price.
    p.set_offline(true);
    let order = store.order("s-1").expect("read").expect("cached").order;
    let mut draft = WaybillDraft::from_order(&order);
    draft.waybill_no = "90000001".into();
    draft.product_code = "JZKH".into();
    draft.cargo.weight_g = 600_000;
    draft.pickup_required = true;
    draft.pickup_distance_m = 12_000;
    let outlets = HubClient::new(&h.hub.url(), Lang::default())
        .expect("client")
        .with_token(c.token().map(str::to_owned))
        .outlets()
        .await
        .expect("outlets");
    let yz: &Outlet = outlets
        .outlets
        .iter()
        .find(|o| o.code == "JS-YZ")
        .expect("JS-YZ");
    let local = pricing::quote(
        &draft,
        yz,
        &card.card(),
        &card.products,
        &card.price_params(),
        pricing::pricing_day(chrono::Utc::now()),
    )
    .expect("local quote");
    assert!(local.discount(pricing::DiscountCode::AliFreePickup) > 0);

    let key = store
        .enqueue(
            "s-1",
            &Action::ImportWaybill {
                waybill: Box::new(draft),
                logistics_no: None,
                accept: None,
            },
        )
        .expect("queued");
    for _ in 0..2 {
        let r = engine.sync_once().await;
        assert!(!r.online && r.pending == 1, "{r:?}");
    }
    // Back online, and the first reply is lost after the hub committed.
    p.set_offline(false);
    p.push_for(ACTIONS, Fault::CutAfterForward);
    let _ = engine.sync_once().await;
    let r = engine.sync_once().await;
    assert_eq!((r.pending, r.rejected), (0, 0), "{r:?}");

    let t = h.login("yz.clerk", DEMO_PW).await;
    let (s, ev) = h.get("/api/v1/orders/s-1/events", &t).await;
    assert_eq!(s, 200);
    let actions: Vec<&str> = ev
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["created", "accept", "import_waybill"],
        "applied once"
    );
    let sent = p
        .seen_for(ACTIONS)
        .iter()
        .filter(|s| s.key.as_deref() == Some(key.as_str()) && s.fault != Fault::Refuse)
        .count();
    assert_eq!(sent, 2, "resent after the lost reply, with the same key");
    // The cache shows it billed, with the server's waybill.
    let row = store.order("s-1").expect("read").expect("cached");
    assert_eq!(row.order.status, Status::Billed);
    let w = row.order.waybill.expect("waybill cached");
    assert_eq!(w.draft.waybill_no, "90000001");
    assert_eq!(w.quote.charges, local.charges, "server and local agree");
    assert_eq!(w.quote.total_fen, local.total_fen);
}
