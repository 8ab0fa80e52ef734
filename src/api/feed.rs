//! The change feed as the client stores it: each order's JSON kept exactly
//! as the hub sent it, with only the fields the cache indexes read out. A
//! cold sync of a million orders then neither builds every `Order` nor
//! writes it back out as text (issue 11).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use super::ChangesPage;
use crate::domain::{Order, Status};

/// The fields of an order the cache indexes and compares versions by.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderKeys {
    pub order_no: String,
    #[serde(default)]
    pub version: i64,
    pub status: Status,
    #[serde(default)]
    pub current_outlet_code: Option<String>,
    #[serde(default)]
    pub billing_outlet_code: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub contacted_at: Option<DateTime<Utc>>,
}

impl OrderKeys {
    /// The keys of a decoded order.
    pub fn of(o: &Order) -> OrderKeys {
        OrderKeys {
            order_no: o.order_no.clone(),
            version: o.version,
            status: o.status,
            current_outlet_code: o.current_outlet_code.clone(),
            billing_outlet_code: o.billing_outlet_code.clone(),
            created_at: o.created_at,
            contacted_at: o.contacted_at,
        }
    }
}

/// One order of a feed page: its keys and its body as sent.
#[derive(Debug, Clone)]
pub struct RawOrder {
    pub keys: OrderKeys,
    pub body: Box<RawValue>,
}

impl RawOrder {
    /// A decoded order, encoded once (pages built in code, tests).
    pub fn of(o: &Order) -> serde_json::Result<RawOrder> {
        Ok(RawOrder {
            keys: OrderKeys::of(o),
            body: serde_json::value::to_raw_value(o)?,
        })
    }
}

impl<'de> Deserialize<'de> for RawOrder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let body = Box::<RawValue>::deserialize(d)?;
        // A body without readable keys fails the whole page, as a
        // malformed order always did: nothing of it is stored.
        let keys = serde_json::from_str(body.get()).map_err(serde::de::Error::custom)?;
        Ok(RawOrder { keys, body })
    }
}

/// [`ChangesPage`]'s JSON with its orders as `O`: the hub sends stored
/// bodies as they are (`Box<RawValue>`), the client keeps them as sent
/// ([`RawChangesPage`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedPage<O> {
    pub orders: Vec<O>,
    pub removed: Vec<String>,
    pub cursor: String,
    pub more: bool,
    pub server_time: DateTime<Utc>,
    #[serde(default)]
    pub params_revision: i64,
    #[serde(default)]
    pub rate_revision: i64,
}

/// A feed page as the client reads it: each order's body kept as sent.
pub type RawChangesPage = FeedPage<RawOrder>;

impl RawChangesPage {
    /// A decoded page, each order encoded once.
    pub fn of(p: &ChangesPage) -> serde_json::Result<RawChangesPage> {
        Ok(RawChangesPage {
            orders: p
                .orders
                .iter()
                .map(RawOrder::of)
                .collect::<Result<_, _>>()?,
            removed: p.removed.clone(),
            cursor: p.cursor.clone(),
            more: p.more,
            server_time: p.server_time,
            params_revision: p.params_revision,
            rate_revision: p.rate_revision,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys read from the body as sent are the order's own, and the
    /// body decodes back to the same order.
    #[test]
    fn a_page_keeps_each_body_as_sent_and_reads_its_keys() {
        let mut o = crate::domain::order::tests::sample("o-1", Some("A1"));
        o.billing_outlet_code = Some("B2".into());
        o.version = 7;
        let page = ChangesPage {
            orders: vec![o.clone()],
            removed: vec!["o-9".into()],
            cursor: "5.t".into(),
            more: true,
            server_time: o.created_at,
            params_revision: 3,
            rate_revision: 4,
        };
        let text = serde_json::to_string(&page).expect("json");
        let raw: RawChangesPage = serde_json::from_str(&text).expect("raw page");
        assert_eq!(raw.orders[0].keys, OrderKeys::of(&o));
        let back: Order = serde_json::from_str(raw.orders[0].body.get()).expect("body");
        assert_eq!(back, o);
        assert_eq!((raw.removed, raw.more), (vec!["o-9".to_owned()], true));
    }

    #[test]
    fn an_order_without_its_keys_fails_the_page() {
        let text = r#"{"orders":[{"order_no":"o-1"}],"removed":[],"cursor":"1.t","more":false,
                       "server_time":"2026-01-01T00:00:00Z"}"#;
        assert!(serde_json::from_str::<RawChangesPage>(text).is_err());
    }
}
