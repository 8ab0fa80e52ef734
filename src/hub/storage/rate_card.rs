//! The network's settings behind the storage interface (issue 15): print
//! templates, products, the rate card (lines, their history, the
//! spreadsheet import) and what a quote or an issued waybill is read
//! with, on either engine.

use std::sync::Arc;

use axum::http::StatusCode;

use super::Storage;
use crate::api::print::PrintTemplate;
use crate::api::{RateLineList, Waybill};
use crate::domain::pricing::{PriceParams, Product, RateCard, RateLine};
use crate::domain::print::Layout;
use crate::domain::{Order, OutletTree};
use crate::hub::error::ApiError;
use crate::hub::{HubState, orders, pricing_store, print_templates};

/// What pricing a draft reads, from one snapshot.
pub struct PriceInputs {
    /// The network (the caller's outlet prices the draft).
    pub tree: Arc<OutletTree>,
    pub products: Vec<Product>,
    /// The lines of the draft's route (and a partner line's trunks).
    pub card: RateCard,
    pub params: PriceParams,
}

/// One step of a rate card import, planned before anything is written.
#[derive(Debug, Clone)]
pub enum ImportStep {
    /// A new line.
    Add(RateLine),
    /// Line `.0.id`, stored at version `.1`, replaced.
    Replace(RateLine, i64),
}

/// Plans an import against the card in use and the products; `Err`
/// refuses the whole file.
pub type ImportPlan =
    Box<dyn FnOnce(&[RateLine], &[Product]) -> Result<Vec<ImportStep>, ApiError> + Send>;

/// Checks `line` alone and against the lines of its route (every line
/// but itself).
pub fn check_line(
    line: &RateLine,
    products: &[Product],
    same_route: &[RateLine],
) -> Result<(), ApiError> {
    line.check(products)?;
    line.check_against(same_route)?;
    Ok(())
}

/// 412 `version_moved` with what is stored now.
pub(super) fn moved<T: serde::Serialize>(current: &T) -> ApiError {
    let mut e = ApiError::new(StatusCode::PRECONDITION_FAILED, "version_moved");
    e.current = serde_json::to_value(current).ok();
    e
}

fn sqlite_check_line(c: &rusqlite::Connection, line: &RateLine) -> Result<(), ApiError> {
    let same_route = pricing_store::rate_lines(
        c,
        Some(&line.product_code),
        Some(&line.dest_province),
        false,
    )?;
    check_line(line, &pricing_store::products(c)?, &same_route)
}

impl HubState {
    /// Every document's template with its version, in menu order.
    pub async fn print_templates(&self) -> Result<Vec<(Layout, i64)>, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => self.read(|c| Ok(print_templates::all(c)?)).await,
            Storage::Postgres(p) => p.print_templates().await,
        }
    }

    /// Replaces `layout`'s document's template if it is still at
    /// `expected` (412 with the template now otherwise); raises the
    /// settings revision and wakes every feed.
    pub async fn print_template_put(
        &self,
        layout: Layout,
        expected: i64,
        by: String,
    ) -> Result<PrintTemplate, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    let document = layout.document;
                    if !print_templates::put(&tx, &layout, expected, &by)? {
                        let (now, version) = print_templates::get(&tx, document)?;
                        return Err(moved(&PrintTemplate::of(&now, version)));
                    }
                    let (now, version) = print_templates::get(&tx, document)?;
                    tx.commit()?;
                    Ok(PrintTemplate::of(&now, version))
                })
                .await
            }
            Storage::Postgres(p) => {
                self.woke_everyone(p.print_template_put(&layout, expected, &by).await)
            }
        }
    }

    /// The products, in menu order.
    pub async fn products(&self) -> Result<Vec<Product>, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => self.read(|c| Ok(pricing_store::products(c)?)).await,
            Storage::Postgres(p) => p.products().await,
        }
    }

    /// The card's revision and its lines by product and destination
    /// province (retired ones too when asked), oldest first.
    pub async fn rate_line_list(
        &self,
        product: Option<String>,
        dest_province: Option<String>,
        retired: bool,
    ) -> Result<RateLineList, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.read(move |c| {
                    Ok(RateLineList {
                        revision: pricing_store::rate_revision(c)?,
                        lines: pricing_store::rate_lines(
                            c,
                            product.as_deref(),
                            dest_province.as_deref(),
                            retired,
                        )?,
                    })
                })
                .await
            }
            Storage::Postgres(p) => {
                p.rate_line_list(product.as_deref(), dest_province.as_deref(), retired)
                    .await
            }
        }
    }

    /// Adds a line at version 1 if it keeps the rules and overlaps no
    /// line of its route.
    pub async fn rate_line_create(&self, line: RateLine, by: String) -> Result<RateLine, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    sqlite_check_line(&tx, &line)?;
                    let saved = pricing_store::insert_rate_line(&tx, &line, &by)?;
                    tx.commit()?;
                    Ok(saved)
                })
                .await
            }
            Storage::Postgres(p) => self.woke_everyone(p.rate_line_create(&line, &by).await),
        }
    }

    /// Replaces line `line.id` (in use, 404 otherwise) if it is still at
    /// `expected` (412 otherwise); the old version stays in its history.
    pub async fn rate_line_update(
        &self,
        line: RateLine,
        expected: i64,
        by: String,
    ) -> Result<RateLine, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    let current = pricing_store::rate_line(&tx, line.id)?
                        .filter(|l| !l.retired)
                        .ok_or_else(ApiError::not_found)?;
                    if current.version != expected {
                        return Err(moved(&current));
                    }
                    sqlite_check_line(&tx, &line)?;
                    let saved = pricing_store::update_rate_line(&tx, &line, expected, &by)?
                        .ok_or_else(|| moved(&current))?;
                    tx.commit()?;
                    Ok(saved)
                })
                .await
            }
            Storage::Postgres(p) => {
                self.woke_everyone(p.rate_line_update(&line, expected, &by).await)
            }
        }
    }

    /// Retires line `id` (404 when it is not in use).
    pub async fn rate_line_retire(&self, id: i64) -> Result<(), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    if !pricing_store::retire_rate_line(c, id)? {
                        return Err(ApiError::not_found());
                    }
                    Ok(())
                })
                .await
            }
            Storage::Postgres(p) => self.woke_everyone(p.rate_line_retire(id).await),
        }
    }

    /// Runs `plan` against the card in use and writes its steps, all or
    /// nothing; returns the steps written.
    pub async fn rate_import(
        &self,
        plan: ImportPlan,
        by: String,
    ) -> Result<Vec<ImportStep>, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                self.db(move |c| {
                    let tx = c.transaction()?;
                    let existing = pricing_store::rate_lines(&tx, None, None, false)?;
                    let products = pricing_store::products(&tx)?;
                    let steps = plan(&existing, &products)?;
                    for step in &steps {
                        match step {
                            ImportStep::Add(l) => {
                                pricing_store::insert_rate_line(&tx, l, &by)?;
                            }
                            ImportStep::Replace(l, version) => {
                                pricing_store::update_rate_line(&tx, l, *version, &by)?;
                            }
                        }
                    }
                    tx.commit()?;
                    Ok(steps)
                })
                .await
            }
            Storage::Postgres(p) => {
                let steps = p.rate_import(plan, &by).await?;
                if !steps.is_empty() {
                    self.woke_everyone(Ok(()))?;
                }
                Ok(steps)
            }
        }
    }

    /// What pricing a draft of `product` to `dest_province` for order
    /// `order_no` (404 when there is none) reads.
    pub async fn price_inputs(
        self: &Arc<Self>,
        order_no: String,
        product: String,
        dest_province: String,
    ) -> Result<PriceInputs, ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.read(move |c| {
                    orders::get(c, &order_no)?.ok_or_else(ApiError::not_found)?;
                    Ok(PriceInputs {
                        tree: st.tree(c)?,
                        products: pricing_store::products(c)?,
                        card: pricing_store::route_card(c, &product, &dest_province)?,
                        params: pricing_store::price_params(c)?,
                    })
                })
                .await
            }
            Storage::Postgres(p) => {
                p.price_inputs(&order_no, &product, &dest_province, self)
                    .await
            }
        }
    }

    /// Issued waybill `no` with its order and the network (to decide who
    /// sees it); 404 when there is none.
    pub async fn waybill_with_order(
        self: &Arc<Self>,
        no: String,
    ) -> Result<(Waybill, Order, Arc<OutletTree>), ApiError> {
        match &self.storage {
            Storage::Sqlite(_) => {
                let st = self.clone();
                self.read(move |c| {
                    let w = pricing_store::waybill(c, &no)?.ok_or_else(ApiError::not_found)?;
                    let o = orders::get(c, &w.order_no)?.ok_or_else(ApiError::not_found)?;
                    Ok((w, o, st.tree(c)?))
                })
                .await
            }
            Storage::Postgres(p) => p.waybill_with_order(&no, self).await,
        }
    }
}
