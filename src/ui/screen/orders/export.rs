//! 导出 of 阿里订单受理: every order the list holds under its current
//! 网点选项, status and order (not only the page), read from the cache a
//! chunk at a time on the export's thread. Phones are as the list shows
//! them: the clerk sees only orders in their own view, in full.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::params::ClientParams;
use crate::domain::{Order, OutletTree};
use crate::export::{Cell, Kind, Rows};
use crate::i18n::{self, Lang};
use crate::store::{After, PageQuery, Store};
use crate::ui::export::Request;
use crate::ui::format::cst;
use crate::ui::screen::Ctx;

/// Orders read from the cache per chunk.
pub const CHUNK: i64 = 1000;

/// The export's columns, in the clerk's language.
pub fn columns(lang: Lang) -> Vec<(String, Kind)> {
    use Kind::*;
    [
        ("order_no", Text),
        ("logistics_no", Text),
        ("waybill_no", Text),
        ("status", Text),
        ("created_at", Text),
        ("contacted_at", Text),
        ("current_outlet", Text),
        ("accepting_outlet", Text),
        ("billing_outlet", Text),
        ("shipper", Text),
        ("shipper_phone", Text),
        ("shipper_address", Text),
        ("consignee", Text),
        ("consignee_phone", Text),
        ("consignee_address", Text),
        ("cargo", Text),
        ("pieces", Int),
        ("weight", Kg),
        ("volume", M3),
        ("declared", Money),
        ("pickup", Text),
        ("pickup_time", Text),
        ("reason", Text),
        ("prints", Int),
    ]
    .into_iter()
    .map(|(k, kind)| (i18n::t(lang, &format!("export.col.{k}")), kind))
    .collect()
}

/// The list `q` read from `store`, as rows of [`columns`].
pub struct OrderRows {
    store: Store,
    q: PageQuery,
    after: Option<After>,
    done: bool,
    lang: Lang,
    /// Outlet code → name, taken when the export started.
    names: HashMap<String, String>,
    params: ClientParams,
}

impl OrderRows {
    /// The list `q` in `store`; outlets are named from `tree`, reasons
    /// from `params`, in `lang`.
    pub fn new(
        store: Store,
        q: PageQuery,
        lang: Lang,
        tree: &OutletTree,
        params: &ClientParams,
    ) -> OrderRows {
        OrderRows {
            store,
            q,
            after: None,
            done: false,
            lang,
            names: tree
                .outlets()
                .map(|o| (o.code.clone(), o.name.clone()))
                .collect(),
            params: params.clone(),
        }
    }

    fn outlet(&self, code: Option<&str>) -> String {
        match code.filter(|c| !c.is_empty()) {
            Some(c) => self.names.get(c).cloned().unwrap_or_else(|| c.to_owned()),
            None => String::new(),
        }
    }

    /// One order as a row.
    pub fn cells(&self, o: &Order) -> Vec<Cell> {
        let lang = self.lang;
        let mut status = i18n::t(lang, &format!("status.{}", o.status.as_str()));
        if o.trade_status.as_deref() == Some("refunding") {
            status.push_str(&format!(" · {}", i18n::t(lang, "orders.refunding")));
        }
        let place = |p: &crate::domain::order::Party| {
            [&p.province, &p.city, &p.district, &p.address]
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let yes_no = |b: bool| i18n::t(lang, if b { "export.yes" } else { "export.no" });
        vec![
            Cell::Text(o.order_no.clone()),
            Cell::Text(o.logistics_no.clone()),
            Cell::Text(o.waybill_no.clone().unwrap_or_default()),
            Cell::Text(status),
            Cell::Text(china_time(Some(o.created_at))),
            Cell::Text(china_time(o.contacted_at)),
            Cell::Text(self.outlet(o.current_outlet_code.as_deref())),
            Cell::Text(self.outlet(o.accepting_outlet_code.as_deref())),
            Cell::Text(self.outlet(o.billing_outlet_code.as_deref())),
            Cell::Text(o.shipper.name.clone()),
            Cell::Text(o.shipper.phone.clone()),
            Cell::Text(place(&o.shipper)),
            Cell::Text(o.consignee.name.clone()),
            Cell::Text(o.consignee.phone.clone()),
            Cell::Text(place(&o.consignee)),
            Cell::Text(o.cargo.name.clone()),
            Cell::Int(o.cargo.pieces),
            Cell::Grams(o.cargo.weight_g),
            Cell::Cm3(o.cargo.volume_cm3),
            Cell::Fen(o.declared_value),
            Cell::Text(yes_no(o.pickup_required)),
            Cell::Text(china_time(o.pickup_time)),
            Cell::Text(
                o.last_reason_code
                    .as_deref()
                    .map(|c| self.params.reason_label(c, lang))
                    .unwrap_or_default(),
            ),
            Cell::Int(o.print_count),
        ]
    }
}

/// "2026-11-29 14:05:09" in China time; empty when there is no time.
fn china_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&cst())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
    .unwrap_or_default()
}

impl Rows for OrderRows {
    fn next_chunk(&mut self) -> Result<Vec<Vec<Cell>>, String> {
        // A chunk of only unreadable orders is passed over, not taken for
        // the end.
        while !self.done {
            let (orders, last) = self
                .store
                .export_chunk(&self.q, self.after.as_ref(), CHUNK)
                .map_err(|e| e.user_message(self.lang))?;
            match last {
                Some(a) => self.after = Some(a),
                None => self.done = true,
            }
            if !orders.is_empty() {
                return Ok(orders.iter().map(|o| self.cells(o)).collect());
            }
        }
        Ok(Vec::new())
    }
}

/// The export of the list `q` (`total`: the list's count, for the bar).
pub fn request(q: PageQuery, total: i64, ctx: &Ctx<'_>) -> Request {
    Request {
        title: ctx.t("export.orders_title"),
        columns: columns(ctx.lang),
        rows: Box::new(OrderRows::new(
            ctx.store.clone(),
            q,
            ctx.lang,
            ctx.tree,
            ctx.params,
        )),
        total: u64::try_from(total).ok(),
    }
}

/// The export of one order found by 查询 (in the user's view, so with its
/// customer data): the list's columns, one row.
pub fn one(order: Order, ctx: &Ctx<'_>) -> Request {
    // The query is never read: the row comes from the order at hand.
    let q = PageQuery {
        filter: crate::store::ListFilter::All,
        status: None,
        sort: crate::store::SortOrder::NewestFirst,
        offset: 0,
        limit: 0,
    };
    let rows = OrderRows::new(ctx.store.clone(), q, ctx.lang, ctx.tree, ctx.params);
    Request {
        title: ctx.t("export.query_title"),
        columns: columns(ctx.lang),
        rows: Box::new(crate::export::Mapped::new(vec![order], move |o: Order| {
            rows.cells(&o)
        })),
        total: Some(1),
    }
}
