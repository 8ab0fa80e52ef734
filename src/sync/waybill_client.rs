//! The 开单 calls of API.md: products, the rate card, quotes, waybills.

use reqwest::Method;

use super::client::{ClientError, HubClient, enc};
use crate::api::{
    ImportResult, Product, Quote, QuoteRequest, RateLine, RateLineList, Waybill, WaybillDraft,
};

/// A rate-card file's kind, for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Xlsx,
    Csv,
}

impl SheetFormat {
    /// By the file name's extension (`.csv` is CSV, anything else .xlsx).
    pub fn of_path(path: &std::path::Path) -> SheetFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => SheetFormat::Csv,
            _ => SheetFormat::Xlsx,
        }
    }
}

impl HubClient {
    /// The products (运输性质).
    pub async fn products(&self) -> Result<Vec<Product>, ClientError> {
        self.call::<(), _>(Method::GET, "/api/v1/products", None, None)
            .await
    }

    /// Rate lines in use, optionally only of a product and to a province.
    pub async fn rate_lines(
        &self,
        product: Option<&str>,
        dest_province: Option<&str>,
    ) -> Result<RateLineList, ClientError> {
        let mut q = Vec::new();
        if let Some(p) = product.filter(|p| !p.is_empty()) {
            q.push(format!("product={}", enc(p)));
        }
        if let Some(d) = dest_province.filter(|d| !d.is_empty()) {
            q.push(format!("dest_province={}", enc(d)));
        }
        let path = if q.is_empty() {
            "/api/v1/rate_lines".to_owned()
        } else {
            format!("/api/v1/rate_lines?{}", q.join("&"))
        };
        self.call::<(), _>(Method::GET, &path, None, None).await
    }

    /// Adds a rate line (admin).
    pub async fn create_rate_line(&self, l: &RateLine) -> Result<RateLine, ClientError> {
        self.call(Method::POST, "/api/v1/rate_lines", Some(l), None)
            .await
    }

    /// Replaces a rate line seen at `version` (admin).
    pub async fn update_rate_line(
        &self,
        l: &RateLine,
        version: i64,
    ) -> Result<RateLine, ClientError> {
        self.call(
            Method::PUT,
            &format!("/api/v1/rate_lines/{}", l.id),
            Some(l),
            Some(version),
        )
        .await
    }

    /// Retires a rate line (admin).
    pub async fn retire_rate_line(&self, id: i64) -> Result<(), ClientError> {
        let req = self.request(Method::DELETE, &format!("/api/v1/rate_lines/{id}"));
        HubClient::send(req).await.map(|_| ())
    }

    /// Imports a rate-card file's bytes (admin): all or nothing; a 422
    /// carries every bad cell in its detail's `rows`.
    pub async fn import_rate_card(
        &self,
        bytes: Vec<u8>,
        format: SheetFormat,
    ) -> Result<ImportResult, ClientError> {
        let ty = match format {
            SheetFormat::Xlsx => crate::api::XLSX_MIME,
            SheetFormat::Csv => "text/csv; charset=utf-8",
        };
        let req = self
            .request(Method::POST, "/api/v1/rate_lines/import")
            .header(reqwest::header::CONTENT_TYPE, ty)
            .body(bytes);
        let answer = HubClient::send(req).await?;
        serde_json::from_slice(&answer).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// The whole card as a file's bytes.
    pub async fn export_rate_card(&self, format: SheetFormat) -> Result<Vec<u8>, ClientError> {
        let f = match format {
            SheetFormat::Xlsx => "xlsx",
            SheetFormat::Csv => "csv",
        };
        let req = self.request(
            Method::GET,
            &format!("/api/v1/rate_lines/export?format={f}"),
        );
        HubClient::send(req).await
    }

    /// The server's price for a draft (billing outlet = the user's).
    pub async fn quote(&self, order_no: &str, draft: &WaybillDraft) -> Result<Quote, ClientError> {
        let body = QuoteRequest {
            order_no: order_no.to_owned(),
            waybill: draft.clone(),
        };
        self.call(Method::POST, "/api/v1/waybills/quote", Some(&body), None)
            .await
    }

    /// An issued waybill.
    pub async fn waybill(&self, waybill_no: &str) -> Result<Waybill, ClientError> {
        self.call::<(), _>(
            Method::GET,
            &format!("/api/v1/waybills/{}", enc(waybill_no)),
            None,
            None,
        )
        .await
    }
}

/// Fetches the card and its fee parameters into the cache when `key`
/// ("rate revision.parameter revision" from the feed) is not the cached
/// one. Returns whether it did; a failure keeps the old copy (quotes go
/// on from it) and is logged.
pub async fn refresh_rate_card(
    client: &HubClient,
    store: &crate::store::Store,
    key: String,
) -> bool {
    let cached = store.run(|s| s.rate_card_key()).await.ok().flatten();
    if cached.as_deref() == Some(key.as_str()) {
        return false;
    }
    let fetched = async {
        let lines = client.rate_lines(None, None).await?;
        let products = client.products().await?;
        let params = client.parameters().await?;
        Ok::<_, ClientError>((lines, products, params))
    }
    .await;
    let (lines, products, params) = match fetched {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!("rate card not refreshed: {e}");
            return false;
        }
    };
    let card = crate::store::CachedCard {
        key,
        revision: lines.revision,
        products,
        lines: lines.lines,
        params: params
            .into_iter()
            .filter(|p| {
                p.key.starts_with("price.")
                    || p.key.starts_with("discount.")
                    || p.key.starts_with("waybill.")
            })
            .map(|p| (p.key, p.value))
            .collect(),
    };
    match store.run(move |s| s.replace_rate_card(&card)).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("rate card not cached: {e}");
            false
        }
    }
}
