//! The cached rate card (products, lines, fee parameters, the waybill
//! number pattern), so the 开单 screen quotes instantly and offline with
//! the same domain function the hub uses.

use rusqlite::{TransactionBehavior, params};

use super::{Store, StoreError, get_meta, set_meta};
use crate::domain::pricing::{PriceParams, Product, RateCard, RateLine};

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// What the cache holds of the card.
#[derive(Debug, Clone, Default)]
pub struct CachedCard {
    /// "rate revision.parameter revision" it was fetched at.
    pub key: String,
    /// The server's rate revision it was fetched at (0 = never).
    pub revision: i64,
    pub products: Vec<Product>,
    pub lines: Vec<RateLine>,
    /// `price.*` and `discount.*` parameter values by key.
    pub params: Vec<(String, serde_json::Value)>,
}

impl CachedCard {
    /// The fee parameters (defaults for any the server did not send).
    pub fn price_params(&self) -> PriceParams {
        PriceParams::from_values(self.params.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// `waybill.number_pattern` as last seen, if the server has one.
    pub fn number_pattern(&self) -> Option<String> {
        self.params
            .iter()
            .find(|(k, _)| k == "waybill.number_pattern")
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
    }

    /// The lines indexed for quoting.
    pub fn card(&self) -> RateCard {
        RateCard::new(self.lines.iter().cloned())
    }
}

impl Store {
    /// Replaces the cached card with the server's, at `revision`.
    pub fn replace_rate_card(&self, card: &CachedCard) -> Result<(), StoreError> {
        let products = serde_json::to_string(&card.products).map_err(json_err)?;
        let params = serde_json::to_string(&card.params).map_err(json_err)?;
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM rate_lines", [])?;
            {
                let mut ins = tx.prepare("INSERT INTO rate_lines(id, body) VALUES (?1, ?2)")?;
                for l in &card.lines {
                    ins.execute(params![l.id, serde_json::to_string(l).map_err(json_err)?])?;
                }
            }
            set_meta(&tx, "rate_revision", &card.revision.to_string())?;
            set_meta(&tx, "rate_card_key", &card.key)?;
            set_meta(&tx, "products", &products)?;
            set_meta(&tx, "price_params", &params)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The cached card (empty before the first fetch).
    pub fn rate_card(&self) -> Result<CachedCard, StoreError> {
        self.with(|c| {
            let revision = get_meta(c, "rate_revision")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let products = get_meta(c, "products")?
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default();
            let params = get_meta(c, "price_params")?
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default();
            let mut st = c.prepare("SELECT body FROM rate_lines ORDER BY id")?;
            let lines = st
                .query_map([], |r| r.get::<_, String>(0))?
                .filter_map(|b| b.ok().and_then(|b| serde_json::from_str(&b).ok()))
                .collect();
            Ok(CachedCard {
                key: get_meta(c, "rate_card_key")?.unwrap_or_default(),
                revision,
                products,
                lines,
                params,
            })
        })
    }

    /// The key the cached card was fetched at (None = never).
    pub fn rate_card_key(&self) -> Result<Option<String>, StoreError> {
        self.with(|c| get_meta(c, "rate_card_key"))
    }
}
