//! Print templates, products, the rate card and the reads of a quote or
//! an issued waybill on PostgreSQL (issue 15). A write that changes what
//! every client's feed reports (a template: `params_revision`; a line:
//! `rate_revision`) raises its revision in the same transaction and tells
//! every hub when it commits.

use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;
use tokio_postgres::{GenericClient, IsolationLevel, Row, Transaction};

use super::pg_outlets_write::notify_everyone;
use super::postgres::{BUMP_PARAMS_REVISION, Postgres, meta_int};
use super::rate_card::{ImportPlan, ImportStep, PriceInputs, check_line, moved};
use crate::api::RateLineList;
use crate::api::print::PrintTemplate;
use crate::domain::pricing::{
    Haul, Mode, PARTNER_TRUNK, Product, RateCard, RateLine, Waybill, place_key,
};
use crate::domain::print::{Document, Layout};
use crate::domain::{Order, OutletTree};
use crate::hub::error::ApiError;
use crate::hub::{orders, pricing_store, print_templates};

/// Rate card writes take turns (across hubs): each checks a line against
/// the others of its route before it writes. Reads go on.
const LOCK_CARD: &str = "LOCK TABLE rate_lines IN SHARE ROW EXCLUSIVE MODE";

fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(ApiError::internal)
}

fn json<T: serde::Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(ApiError::internal)
}

fn line_row(r: &Row) -> Result<RateLine, ApiError> {
    let mut l: RateLine = parse(r.get(0))?;
    l.id = r.get(1);
    l.version = r.get(2);
    l.retired = r.get(3);
    Ok(l)
}

/// As `pricing_store::rate_lines`: lines by product and destination
/// province (either may be empty = any), oldest first.
async fn rate_lines(
    c: &impl GenericClient,
    product: Option<&str>,
    dest_province: Option<&str>,
    retired: bool,
) -> Result<Vec<RateLine>, ApiError> {
    let product = product.map(str::trim).filter(|s| !s.is_empty());
    let dest = dest_province.map(place_key).filter(|s| !s.is_empty());
    c.query(
        "SELECT body::text, id, version, retired FROM rate_lines
         WHERE ($1::text IS NULL OR product_code = $1) AND ($2::text IS NULL OR dest_key = $2)
           AND ($3 OR NOT retired)
         ORDER BY id",
        &[&product, &dest, &retired],
    )
    .await?
    .iter()
    .map(line_row)
    .collect()
}

async fn rate_line(tx: &Transaction<'_>, id: i64) -> Result<Option<RateLine>, ApiError> {
    tx.query_opt(
        "SELECT body::text, id, version, retired FROM rate_lines WHERE id = $1 FOR UPDATE",
        &[&id],
    )
    .await?
    .as_ref()
    .map(line_row)
    .transpose()
}

pub(super) async fn products(c: &impl GenericClient) -> Result<Vec<Product>, ApiError> {
    let rows = c
        .query(
            "SELECT code, name, mode, haul FROM products ORDER BY position, code COLLATE \"C\"",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Product {
            code: r.get(0),
            name: r.get(1),
            mode: Mode::parse(r.get(2)).unwrap_or(Mode::Ltl),
            haul: Haul::parse(r.get(3)).unwrap_or(Haul::Long),
        })
        .collect())
}

/// The lines in force a quote for `product` to `dest_province` can need
/// (as `pricing_store::route_card`).
pub(super) async fn route_card(
    c: &impl GenericClient,
    product: &str,
    dest_province: &str,
) -> Result<RateCard, ApiError> {
    let mut lines = rate_lines(c, Some(product), Some(dest_province), false).await?;
    for via in pricing_store::trunk_provinces(product, &lines) {
        lines.extend(rate_lines(c, Some(PARTNER_TRUNK), Some(&via), false).await?);
    }
    Ok(RateCard::new(lines))
}

/// Keeps version `l.version` of line `l.id` in its history.
async fn keep_version(tx: &Transaction<'_>, l: &RateLine, by: &str) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO rate_line_history(id, version, body, at, by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id, version) DO UPDATE SET body = excluded.body, at = excluded.at,
             by = excluded.by",
        &[&l.id, &l.version, &json(l)?, &Utc::now(), &by],
    )
    .await?;
    Ok(())
}

/// The card changed: its revision rises and every hub hears of it.
async fn card_changed(tx: &Transaction<'_>) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('rate_revision', '1')
         ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text",
        &[],
    )
    .await?;
    notify_everyone(tx).await
}

async fn insert_line(tx: &Transaction<'_>, l: &RateLine, by: &str) -> Result<RateLine, ApiError> {
    let mut l = l.clone();
    l.version = 1;
    l.retired = false;
    l.id = tx
        .query_one(
            "INSERT INTO rate_lines(product_code, dest_key, retired, version, body, updated_at)
             VALUES ($1, $2, false, 1, $3, $4) RETURNING id",
            &[
                &l.product_code,
                &place_key(&l.dest_province),
                &json(&l)?,
                &Utc::now(),
            ],
        )
        .await?
        .get(0);
    keep_version(tx, &l, by).await?;
    card_changed(tx).await?;
    Ok(l)
}

async fn update_line(
    tx: &Transaction<'_>,
    l: &RateLine,
    expected: i64,
    by: &str,
) -> Result<Option<RateLine>, ApiError> {
    let mut l = l.clone();
    l.version = expected + 1;
    l.retired = false;
    let n = tx
        .execute(
            "UPDATE rate_lines SET product_code = $2, dest_key = $3, version = $4, body = $5,
                 updated_at = $6
             WHERE id = $1 AND version = $7 AND NOT retired",
            &[
                &l.id,
                &l.product_code,
                &place_key(&l.dest_province),
                &l.version,
                &json(&l)?,
                &Utc::now(),
                &expected,
            ],
        )
        .await?;
    if n == 0 {
        return Ok(None);
    }
    keep_version(tx, &l, by).await?;
    card_changed(tx).await?;
    Ok(Some(l))
}

async fn check(tx: &Transaction<'_>, line: &RateLine) -> Result<(), ApiError> {
    let same_route = rate_lines(
        tx,
        Some(&line.product_code),
        Some(&line.dest_province),
        false,
    )
    .await?;
    check_line(line, &products(tx).await?, &same_route)
}

async fn order(c: &impl GenericClient, order_no: &str) -> Result<Option<Order>, ApiError> {
    let row = c
        .query_opt(
            "SELECT body::text FROM orders WHERE order_no = $1",
            &[&order_no],
        )
        .await?;
    row.map(|r| orders::parse(r.get(0)).map_err(ApiError::from))
        .transpose()
}

impl Postgres {
    async fn snapshot<'a>(
        c: &'a mut deadpool_postgres::Object,
    ) -> Result<deadpool_postgres::Transaction<'a>, ApiError> {
        Ok(c.build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?)
    }

    /// See [`crate::hub::HubState::print_templates`].
    pub async fn print_templates(&self) -> Result<Vec<(Layout, i64)>, ApiError> {
        let c = self.conn().await?;
        let rows = c
            .query(
                "SELECT document, body::text, version FROM print_templates",
                &[],
            )
            .await?;
        Ok(Document::ALL
            .into_iter()
            .map(|d| {
                let row = rows
                    .iter()
                    .find(|r| r.get::<_, &str>(0) == d.as_str())
                    .map(|r| (r.get(1), r.get(2)));
                print_templates::stored(d, row)
            })
            .collect())
    }

    /// See [`crate::hub::HubState::print_template_put`].
    pub async fn print_template_put(
        &self,
        layout: &Layout,
        expected: i64,
        by: &str,
    ) -> Result<PrintTemplate, ApiError> {
        let document = layout.document;
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let current = |row: Option<Row>| {
            let (now, version) = print_templates::stored(
                document,
                row.map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1))),
            );
            PrintTemplate::of(&now, version)
        };
        let stored = tx
            .query_opt(
                "SELECT body::text, version FROM print_templates WHERE document = $1 FOR UPDATE",
                &[&document.as_str()],
            )
            .await?;
        let now = current(stored);
        if now.version != expected {
            return Err(moved(&now));
        }
        // A first write of the document that another hub makes at the
        // same moment finds the row there and this version gone.
        let written = tx
            .query_opt(
                "INSERT INTO print_templates(document, body, version, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (document) DO UPDATE SET body = excluded.body,
                     version = excluded.version, updated_by = excluded.updated_by,
                     updated_at = excluded.updated_at
                 WHERE print_templates.version = $6
                 RETURNING body::text, version",
                &[
                    &document.as_str(),
                    &json(layout)?,
                    &(expected + 1),
                    &by,
                    &Utc::now(),
                    &expected,
                ],
            )
            .await?;
        let Some(row) = written else {
            drop(tx);
            return Err(moved(&self.print_template(document).await?));
        };
        tx.execute(BUMP_PARAMS_REVISION, &[]).await?;
        notify_everyone(&tx).await?;
        let saved = current(Some(row));
        tx.commit().await?;
        Ok(saved)
    }

    async fn print_template(&self, document: Document) -> Result<PrintTemplate, ApiError> {
        let all = self.print_templates().await?;
        let (layout, version) = all
            .iter()
            .find(|(l, _)| l.document == document)
            .ok_or_else(ApiError::not_found)?;
        Ok(PrintTemplate::of(layout, *version))
    }

    /// See [`crate::hub::HubState::products`].
    pub async fn products(&self) -> Result<Vec<Product>, ApiError> {
        products(&**self.conn().await?).await
    }

    /// See [`crate::hub::HubState::rate_line_list`].
    pub async fn rate_line_list(
        &self,
        product: Option<&str>,
        dest_province: Option<&str>,
        retired: bool,
    ) -> Result<RateLineList, ApiError> {
        let mut c = self.conn().await?;
        let tx = Self::snapshot(&mut c).await?;
        let list = RateLineList {
            revision: meta_int(&*tx, "rate_revision").await?,
            lines: rate_lines(&*tx, product, dest_province, retired).await?,
        };
        tx.commit().await?;
        Ok(list)
    }

    /// See [`crate::hub::HubState::rate_line_create`].
    pub async fn rate_line_create(&self, line: &RateLine, by: &str) -> Result<RateLine, ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        tx.batch_execute(LOCK_CARD).await?;
        check(&tx, line).await?;
        let saved = insert_line(&tx, line, by).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// See [`crate::hub::HubState::rate_line_update`].
    pub async fn rate_line_update(
        &self,
        line: &RateLine,
        expected: i64,
        by: &str,
    ) -> Result<RateLine, ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        tx.batch_execute(LOCK_CARD).await?;
        let current = rate_line(&tx, line.id)
            .await?
            .filter(|l| !l.retired)
            .ok_or_else(ApiError::not_found)?;
        if current.version != expected {
            return Err(moved(&current));
        }
        check(&tx, line).await?;
        let saved = update_line(&tx, line, expected, by)
            .await?
            .ok_or_else(|| moved(&current))?;
        tx.commit().await?;
        Ok(saved)
    }

    /// See [`crate::hub::HubState::rate_line_retire`].
    pub async fn rate_line_retire(&self, id: i64) -> Result<(), ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let n = tx
            .execute(
                "UPDATE rate_lines SET retired = true, version = version + 1, updated_at = $2
                 WHERE id = $1 AND NOT retired",
                &[&id, &Utc::now()],
            )
            .await?;
        if n == 0 {
            return Err(ApiError::not_found());
        }
        card_changed(&tx).await?;
        Ok(tx.commit().await?)
    }

    /// See [`crate::hub::HubState::rate_import`].
    pub async fn rate_import(
        &self,
        plan: ImportPlan,
        by: &str,
    ) -> Result<Vec<ImportStep>, ApiError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        tx.batch_execute(LOCK_CARD).await?;
        let existing = rate_lines(&*tx, None, None, false).await?;
        let steps = plan(&existing, &products(&*tx).await?)?;
        for step in &steps {
            match step {
                ImportStep::Add(l) => {
                    insert_line(&tx, l, by).await?;
                }
                ImportStep::Replace(l, version) => {
                    update_line(&tx, l, *version, by).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(steps)
    }

    /// See [`crate::hub::HubState::price_inputs`].
    pub async fn price_inputs(
        &self,
        order_no: &str,
        product: &str,
        dest_province: &str,
        state: &crate::hub::HubState,
    ) -> Result<PriceInputs, ApiError> {
        let mut c = self.conn().await?;
        let tx = Self::snapshot(&mut c).await?;
        let exists = tx
            .query_opt("SELECT 1 FROM orders WHERE order_no = $1", &[&order_no])
            .await?;
        exists.ok_or_else(ApiError::not_found)?;
        let params = tx
            .query("SELECT key, value::text FROM parameters", &[])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), None, None))
            .collect();
        let inputs = PriceInputs {
            tree: state.pg_tree(&*tx).await?,
            products: products(&*tx).await?,
            card: route_card(&*tx, product, dest_province).await?,
            params: pricing_store::price_params_of(params),
        };
        tx.commit().await?;
        Ok(inputs)
    }

    /// See [`crate::hub::HubState::waybill_with_order`].
    pub async fn waybill_with_order(
        &self,
        no: &str,
        state: &crate::hub::HubState,
    ) -> Result<(Waybill, Order, Arc<OutletTree>), ApiError> {
        let mut c = self.conn().await?;
        let tx = Self::snapshot(&mut c).await?;
        let body = tx
            .query_opt(
                "SELECT body::text FROM waybills WHERE waybill_no = $1",
                &[&no],
            )
            .await?
            .ok_or_else(ApiError::not_found)?;
        let w: Waybill = parse(body.get(0))?;
        let o = order(&*tx, &w.order_no)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let t = state.pg_tree(&*tx).await?;
        tx.commit().await?;
        Ok((w, o, t))
    }
}
