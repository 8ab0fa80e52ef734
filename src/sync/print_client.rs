//! The network's print templates (API.md "Print templates"): read into
//! the cache when the feed's settings revision moves, so printing works
//! offline; written by administrators from the preview.

use reqwest::Method;

use super::client::{ClientError, HubClient, enc};
use crate::api::print::{PrintTemplate, PrintTemplateWrite};
use crate::domain::print::Layout;

impl HubClient {
    /// Every document's network template.
    pub async fn print_templates(&self) -> Result<Vec<PrintTemplate>, ClientError> {
        self.call::<(), _>(Method::GET, "/api/v1/print_templates", None, None)
            .await
    }

    /// Makes `layout` its document's network template, if the template is
    /// still at `version` (412 `version_moved` with the newer one if not).
    pub async fn put_print_template(
        &self,
        layout: &Layout,
        version: i64,
    ) -> Result<PrintTemplate, ClientError> {
        self.call(
            Method::PUT,
            &format!("/api/v1/print_templates/{}", enc(layout.document.as_str())),
            Some(&PrintTemplateWrite::of(layout)),
            Some(version),
        )
        .await
    }
}

/// Fetches the templates into the cache when `key` (the feed's parameter
/// revision, which every template change raises) is not the cached one.
/// Returns whether it did; a failure keeps the old copy (printing goes on
/// from it) and is logged.
pub async fn refresh_print_templates(
    client: &HubClient,
    store: &crate::store::Store,
    key: String,
) -> bool {
    let cached = store.run(|s| s.print_templates_key()).await.ok().flatten();
    if cached.as_deref() == Some(key.as_str()) {
        return false;
    }
    let templates = match client.print_templates().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("print templates not refreshed: {e}");
            return false;
        }
    };
    match store
        .run(move |s| s.keep_print_templates(&templates, Some(&key)))
        .await
    {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("print templates not cached: {e}");
            false
        }
    }
}
