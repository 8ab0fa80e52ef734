//! order-hub's storage of products, rate lines (with every version kept)
//! and issued waybills, plus the fee parameters pricing reads.

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::db;
use crate::domain::pricing::{
    DEFAULT_NUMBER_PATTERN, Haul, Mode, PARTNER_PRODUCT, PARTNER_TRUNK, PriceParams, Product,
    RateCard, RateLine, Waybill, WaybillPattern, given, place_key,
};

fn json<T: serde::Serialize>(v: &T) -> rusqlite::Result<String> {
    serde_json::to_string(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The products, in menu order.
pub fn products(c: &Connection) -> rusqlite::Result<Vec<Product>> {
    let mut st =
        c.prepare_cached("SELECT code, name, mode, haul FROM products ORDER BY position, code")?;
    let rows = st.query_map([], |r| {
        let mode: String = r.get(2)?;
        let haul: String = r.get(3)?;
        Ok(Product {
            code: r.get(0)?,
            name: r.get(1)?,
            mode: Mode::parse(&mode).unwrap_or(Mode::Ltl),
            haul: Haul::parse(&haul).unwrap_or(Haul::Long),
        })
    })?;
    rows.collect()
}

/// Grows with every change to the card; clients refetch it when it moves.
pub fn rate_revision(c: &Connection) -> rusqlite::Result<i64> {
    Ok(db::meta_get(c, "rate_revision")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

fn bump(c: &Connection) -> rusqlite::Result<()> {
    // Every client's feed carries the new revision: wake them all.
    super::wake::network_changed();
    let next = rate_revision(c)? + 1;
    db::meta_set(c, "rate_revision", &next.to_string())
}

fn row_line(r: &rusqlite::Row<'_>) -> rusqlite::Result<RateLine> {
    let body: String = r.get(0)?;
    let mut l: RateLine = parse(&body)?;
    l.id = r.get(1)?;
    l.version = r.get(2)?;
    l.retired = r.get(3)?;
    Ok(l)
}

/// Lines in force or not, filtered by product and destination province
/// (either may be empty = any), oldest first. Retired lines only when
/// asked.
pub fn rate_lines(
    c: &Connection,
    product: Option<&str>,
    dest_province: Option<&str>,
    retired: bool,
) -> rusqlite::Result<Vec<RateLine>> {
    let product = product.map(str::trim).filter(|s| !s.is_empty());
    let dest = dest_province
        .map(place_key)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let mut st = c.prepare_cached(
        "SELECT body, id, version, retired FROM rate_lines
         WHERE (?1 IS NULL OR product_code = ?1) AND (?2 IS NULL OR dest_key = ?2)
           AND (?3 OR retired = 0)
         ORDER BY id",
    )?;
    let rows = st.query_map(params![product, dest, retired], row_line)?;
    rows.collect()
}

/// One line (retired or not).
pub fn rate_line(c: &Connection, id: i64) -> rusqlite::Result<Option<RateLine>> {
    c.query_row(
        "SELECT body, id, version, retired FROM rate_lines WHERE id = ?1",
        [id],
        row_line,
    )
    .optional()
}

fn keep_version(c: &Connection, l: &RateLine, by: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO rate_line_history(id, version, body, at, by) VALUES (?1,?2,?3,?4,?5)",
        params![l.id, l.version, json(l)?, Utc::now().to_rfc3339(), by],
    )?;
    Ok(())
}

/// Adds a line at version 1; returns it with its id.
pub fn insert_rate_line(c: &Connection, l: &RateLine, by: &str) -> rusqlite::Result<RateLine> {
    let mut l = l.clone();
    l.version = 1;
    l.retired = false;
    c.execute(
        "INSERT INTO rate_lines(product_code, dest_key, retired, version, body, updated_at)
         VALUES (?1, ?2, 0, 1, ?3, ?4)",
        params![
            l.product_code,
            place_key(&l.dest_province),
            json(&l)?,
            Utc::now().to_rfc3339()
        ],
    )?;
    l.id = c.last_insert_rowid();
    keep_version(c, &l, by)?;
    bump(c)?;
    Ok(l)
}

/// Overwrites line `l.id` if still at `expected`; returns the new line.
pub fn update_rate_line(
    c: &Connection,
    l: &RateLine,
    expected: i64,
    by: &str,
) -> rusqlite::Result<Option<RateLine>> {
    let mut l = l.clone();
    l.version = expected + 1;
    l.retired = false;
    let n = c.execute(
        "UPDATE rate_lines SET product_code=?2, dest_key=?3, version=?4, body=?5, updated_at=?6
         WHERE id=?1 AND version=?7 AND retired=0",
        params![
            l.id,
            l.product_code,
            place_key(&l.dest_province),
            l.version,
            json(&l)?,
            Utc::now().to_rfc3339(),
            expected
        ],
    )?;
    if n == 0 {
        return Ok(None);
    }
    keep_version(c, &l, by)?;
    bump(c)?;
    Ok(Some(l))
}

/// Retires a line: it prices nothing new; its versions stay for the
/// waybills priced with them. Returns whether it was in use.
pub fn retire_rate_line(c: &Connection, id: i64) -> rusqlite::Result<bool> {
    let n = c.execute(
        "UPDATE rate_lines SET retired=1, version=version+1, updated_at=?2 WHERE id=?1 AND retired=0",
        params![id, Utc::now().to_rfc3339()],
    )?;
    if n > 0 {
        bump(c)?;
    }
    Ok(n > 0)
}

/// The lines a quote for `product` to `dest_province` can need: that
/// product's lines to the province, and for a partner line the trunk
/// lines to its transfer provinces.
pub fn route_card(
    c: &Connection,
    product: &str,
    dest_province: &str,
) -> rusqlite::Result<RateCard> {
    let mut lines = rate_lines(c, Some(product), Some(dest_province), false)?;
    for via in trunk_vias(product, &lines) {
        lines.extend(rate_lines(c, Some(PARTNER_TRUNK), Some(&via), false)?);
    }
    Ok(RateCard::new(lines))
}

/// The transfer provinces whose trunk lines (`PARTNER_TRUNK`) a quote
/// for `product` on `lines` also needs: those of a partner line's lines.
pub fn trunk_vias(product: &str, lines: &[RateLine]) -> Vec<String> {
    if product != PARTNER_PRODUCT {
        return Vec::new();
    }
    let mut vias: Vec<String> = lines
        .iter()
        .filter_map(|l| given(&l.via_province).map(|p| place_key(p).to_owned()))
        .collect();
    vias.sort();
    vias.dedup();
    vias
}

/// The fee parameters as stored (defaults for any not stored).
pub fn price_params(c: &Connection) -> rusqlite::Result<PriceParams> {
    let stored = db::parameters(c)?;
    let values: Vec<(String, serde_json::Value)> = stored
        .into_iter()
        .filter_map(|(k, v, _, _)| serde_json::from_str(&v).ok().map(|v| (k, v)))
        .collect();
    Ok(PriceParams::from_values(
        values.iter().map(|(k, v)| (k.as_str(), v)),
    ))
}

/// Parameter `waybill.number_pattern`, compiled (the default if unset or
/// unusable).
pub fn number_pattern(c: &Connection) -> rusqlite::Result<WaybillPattern> {
    let stored: Option<String> = c
        .query_row(
            "SELECT value FROM parameters WHERE key = 'waybill.number_pattern'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let pattern = stored
        .and_then(|v| serde_json::from_str::<String>(&v).ok())
        .unwrap_or_else(|| DEFAULT_NUMBER_PATTERN.to_owned());
    Ok(WaybillPattern::new(&pattern).unwrap_or_default())
}

/// Whether a waybill already has this number.
pub fn waybill_no_taken(c: &Connection, no: &str) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT EXISTS(SELECT 1 FROM waybills WHERE waybill_no = ?1)",
        [no],
        |r| r.get(0),
    )
}

/// Stores an issued waybill.
pub fn insert_waybill(c: &Connection, w: &Waybill) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO waybills(waybill_no, order_no, billing_outlet_code, billed_by, billed_at,
           rate_line_id, rate_line_version, params_revision, published_fen, discount_fen, total_fen, body)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        params![
            w.draft.waybill_no,
            w.order_no,
            w.billing_outlet_code,
            w.billed_by,
            w.billed_at.to_rfc3339(),
            w.quote.rate_line_id,
            w.quote.rate_line_version,
            w.params_revision,
            w.quote.published_fen,
            w.quote.discount_fen,
            w.quote.total_fen,
            json(w)?
        ],
    )?;
    Ok(())
}

/// One waybill by number.
pub fn waybill(c: &Connection, no: &str) -> rusqlite::Result<Option<Waybill>> {
    let body: Option<String> = c
        .query_row(
            "SELECT body FROM waybills WHERE waybill_no = ?1",
            [no],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| parse(&b)).transpose()
}
