//! The network's print templates (API.md "Print templates"): everyone
//! reads them, administrators change them with `If-Match`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use crate::api::ErrorBody;
use crate::api::print::{PrintTemplate, PrintTemplateWrite};
use crate::domain::print::Document;
use crate::hub::HubState;
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, IfMatch, etag_header};

/// Every document's template (a document no administrator changed comes
/// with its built-in layout at version 1). Every logged-in user may read
/// them; clients keep a copy for printing offline.
#[utoipa::path(get, path = "/api/v1/print_templates", security(("bearer" = [])),
    responses((status = 200, body = [PrintTemplate]), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<HubState>>,
    _user: AuthUser,
) -> Result<Json<Vec<PrintTemplate>>, ApiError> {
    let all = state.print_templates().await?;
    Ok(Json(
        all.iter()
            .map(|(layout, version)| PrintTemplate::of(layout, *version))
            .collect(),
    ))
}

/// Replaces one document's template if `If-Match` still names its version
/// (admin); the answer is the new template with the next version.
#[utoipa::path(put, path = "/api/v1/print_templates/{document}", request_body = PrintTemplateWrite,
    security(("bearer" = [])),
    params(("document" = String, Path, description = "label, delivery_note or packing_list"),
        ("If-Match" = String, Header, description = "\"<version>\"")),
    responses((status = 200, body = PrintTemplate), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such document"),
        (status = 412, body = ErrorBody, description = "version_moved: `current` is the template now"),
        (status = 422, body = ErrorBody, description = "unknown paper or field, font size or copies out of range")))]
pub async fn update(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Path(document): Path<String>,
    IfMatch(expected): IfMatch,
    Body(body): Body<PrintTemplateWrite>,
) -> Result<(HeaderMap, Json<PrintTemplate>), ApiError> {
    user.require_admin()?;
    let document = Document::parse(&document).ok_or_else(ApiError::not_found)?;
    let layout = body.layout(document)?;
    let by = user.staff.login.clone();
    let saved = state.print_template_put(layout, expected, by).await?;
    Ok((etag_header(saved.version), Json(saved)))
}
