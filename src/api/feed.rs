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

/// [`FeedPage`]'s fields other than its orders, in their JSON order.
#[derive(Serialize)]
struct PageRest<'a> {
    removed: &'a [String],
    cursor: &'a str,
    more: bool,
    server_time: DateTime<Utc>,
    params_revision: i64,
    rate_revision: i64,
}

impl FeedPage<String> {
    /// The page's JSON, each order's stored JSON text written into it as
    /// it is: the hub wrote that text itself, so it is not read again on
    /// the way out (a backlog page is a megabyte of it).
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let rest = serde_json::to_vec(&PageRest {
            removed: &self.removed,
            cursor: &self.cursor,
            more: self.more,
            server_time: self.server_time,
            params_revision: self.params_revision,
            rate_revision: self.rate_revision,
        })?;
        let bodies: usize = self.orders.iter().map(|o| o.len() + 1).sum();
        let mut out = Vec::with_capacity(bodies + rest.len() + 16);
        out.extend_from_slice(br#"{"orders":["#);
        for (i, o) in self.orders.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(o.as_bytes());
        }
        out.extend_from_slice(b"],");
        // `rest` is an object: its fields follow the orders'.
        out.extend_from_slice(rest.get(1..).unwrap_or_default());
        Ok(out)
    }
}

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

/// Where the page after this one starts — (cursor, more) — read off the
/// end of a page's JSON without decoding its orders, so a backlog's next
/// page can be asked for while this one is decoded. The hub writes those
/// fields after the orders ([`FeedPage::to_json`]); `None` for any other
/// layout, and the caller compares with the decoded page anyway.
pub fn peek_next(json: &[u8]) -> Option<(String, bool)> {
    let at = rfind(json, br#""cursor":"#)?;
    let mut de = serde_json::Deserializer::from_slice(json.get(at + 9..)?);
    let cursor = String::deserialize(&mut de).ok()?;
    let more = rfind(json, br#""more":"#)?;
    let rest = json.get(more + 7..)?;
    let more = if rest.starts_with(b"true") {
        true
    } else if rest.starts_with(b"false") {
        false
    } else {
        return None;
    };
    Some((cursor, more))
}

/// The last place `needle` starts in `hay`. A page's fields other than
/// its orders are its last few hundred bytes: only those are searched.
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let from = hay.len().saturating_sub(4096);
    hay.get(from..)?
        .windows(needle.len())
        .rposition(|w| w == needle)
        .map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cursor read off the end of a page is the decoded page's, even
    /// when an order's text looks like those fields; text that is not a
    /// page reads as unknown.
    #[test]
    fn the_next_cursor_is_read_off_the_end_of_a_page() {
        let mut o = crate::domain::order::tests::sample("o-1", Some("A1"));
        // A remark that looks like the fields, inside an order.
        o.remark = r#""cursor":"9.x","more":false"#.into();
        let page = FeedPage {
            orders: vec![serde_json::to_string(&o).expect("json")],
            removed: vec!["o-9".into()],
            cursor: "5.\"t".into(),
            more: true,
            server_time: o.created_at,
            params_revision: 3,
            rate_revision: 4,
        };
        let json = page.to_json().expect("json");
        assert_eq!(peek_next(&json), Some(("5.\"t".to_owned(), true)));
        let last = FeedPage {
            more: false,
            ..page.clone()
        };
        assert_eq!(
            peek_next(&last.to_json().expect("json")),
            Some(("5.\"t".to_owned(), false))
        );
        assert_eq!(peek_next(b"not json"), None);
    }

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

    /// The hub's page with its stored bodies written in as they are reads
    /// back as the same page, orders and all.
    #[test]
    fn a_page_of_stored_bodies_is_the_page_as_json() {
        let mut o = crate::domain::order::tests::sample("o-1", Some("A1"));
        o.version = 3;
        let o2 = crate::domain::order::tests::sample("o-2", None);
        let page = FeedPage::<String> {
            orders: [&o, &o2]
                .iter()
                .map(|o| serde_json::to_string(o).expect("body"))
                .collect(),
            removed: vec!["o-9".into()],
            cursor: "5.t".into(),
            more: true,
            server_time: o.created_at,
            params_revision: 3,
            rate_revision: 4,
        };
        let json = page.to_json().expect("json");
        let back: ChangesPage = serde_json::from_slice(&json).expect("a page");
        assert_eq!(back.orders, vec![o.clone(), o2]);
        assert_eq!(back.removed, vec!["o-9".to_owned()]);
        assert_eq!(
            (back.cursor.as_str(), back.more, back.server_time),
            ("5.t", true, o.created_at)
        );
        assert_eq!((back.params_revision, back.rate_revision), (3, 4));
        let empty = FeedPage::<String> {
            orders: Vec::new(),
            ..page
        };
        let back: ChangesPage =
            serde_json::from_slice(&empty.to_json().expect("json")).expect("an empty page");
        assert!(back.orders.is_empty());
    }

    #[test]
    fn an_order_without_its_keys_fails_the_page() {
        let text = r#"{"orders":[{"order_no":"o-1"}],"removed":[],"cursor":"1.t","more":false,
                       "server_time":"2026-01-01T00:00:00Z"}"#;
        assert!(serde_json::from_str::<RawChangesPage>(text).is_err());
    }
}
