//! Products and the rate card (价格方案): everyone reads, administrators
//! write; spreadsheets in and out (SPEC 3.5, API.md).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::{ErrorBody, ImportResult, Product, RateLine, RateLineList, XLSX_MIME as XLSX};
use crate::domain::RuleError;
use crate::domain::pricing::place_key;
use crate::hub::HubState;
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, IfMatch, etag_header};
use crate::hub::rate_sheet::{self, CellProblem, SheetLine};
use crate::hub::storage::rate_card::ImportStep;

/// The products (运输性质).
#[utoipa::path(get, path = "/api/v1/products", security(("bearer" = [])),
    responses((status = 200, body = [Product]), (status = 401, body = ErrorBody)))]
pub async fn products(
    State(state): State<Arc<HubState>>,
    _user: AuthUser,
) -> Result<Json<Vec<Product>>, ApiError> {
    let p = state.products().await?;
    Ok(Json(p))
}

/// Filters of `GET /api/v1/rate_lines`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LineQuery {
    /// Only this product code.
    pub product: Option<String>,
    /// Only lines to this province (北京 = 北京市).
    pub dest_province: Option<String>,
    /// Extension: also retired lines.
    #[serde(default)]
    pub retired: bool,
}

/// The rate card (lines in use), with its revision.
#[utoipa::path(get, path = "/api/v1/rate_lines", security(("bearer" = [])), params(LineQuery),
    responses((status = 200, body = RateLineList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<HubState>>,
    _user: AuthUser,
    Query(q): Query<LineQuery>,
) -> Result<Json<RateLineList>, ApiError> {
    let list = state
        .rate_line_list(q.product, q.dest_province, q.retired)
        .await?;
    Ok(Json(list))
}

/// Adds a line (admin).
#[utoipa::path(post, path = "/api/v1/rate_lines", request_body = RateLine, security(("bearer" = [])),
    responses((status = 201, body = RateLine), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "fields: negative price, tiers not ascending, unknown product, overlapping line")))]
pub async fn create(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Body(mut new): Body<RateLine>,
) -> Result<(StatusCode, HeaderMap, Json<RateLine>), ApiError> {
    user.require_admin()?;
    new.id = 0;
    let saved = state.rate_line_create(new, user.staff.login).await?;
    Ok((StatusCode::CREATED, etag_header(saved.version), Json(saved)))
}

/// Replaces a line if `If-Match` still names its version (admin). Waybills
/// already priced keep the version they were priced with.
#[utoipa::path(put, path = "/api/v1/rate_lines/{id}", request_body = RateLine, security(("bearer" = [])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "\"<version>\"")),
    responses((status = 200, body = RateLine), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Path(id): Path<i64>,
    IfMatch(expected): IfMatch,
    Body(mut new): Body<RateLine>,
) -> Result<(HeaderMap, Json<RateLine>), ApiError> {
    user.require_admin()?;
    new.id = id;
    let saved = state
        .rate_line_update(new, expected, user.staff.login)
        .await?;
    Ok((etag_header(saved.version), Json(saved)))
}

/// Retires a line (admin): it prices nothing new, and stays for the
/// waybills priced with it.
#[utoipa::path(delete, path = "/api/v1/rate_lines/{id}", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn retire(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    user.require_admin()?;
    state.rate_line_retire(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn sheet_error(problems: Vec<CellProblem>) -> ApiError {
    let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_rate_card");
    e.rows = problems
        .into_iter()
        .map(|p| (p.row, p.column, p.key))
        .collect();
    e
}

/// The file's rows: .xlsx by its type or its zip signature, else UTF-8
/// CSV.
fn read_sheet(headers: &HeaderMap, body: &[u8]) -> Result<Vec<SheetLine>, ApiError> {
    let ty = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let unreadable =
        |d: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_file").detail(d);
    let (rows, first) = if ty.starts_with(XLSX) || body.starts_with(b"PK\x03\x04") {
        rate_sheet::xlsx_rows(body).map_err(unreadable)?
    } else {
        let text = std::str::from_utf8(body).map_err(|e| unreadable(e.to_string()))?;
        (rate_sheet::csv_rows(text), 1)
    };
    rate_sheet::parse_rows(&rows, first).map_err(sheet_error)
}

/// (product, destination province key): the lines that may overlap.
type RouteKey = (String, String);

/// Checks every line of a sheet against the rules and against the card
/// as it will be after the import; every problem is reported.
fn check_sheet(
    lines: &[SheetLine],
    existing: &[RateLine],
    products: &[Product],
) -> Vec<CellProblem> {
    let mut problems = Vec::new();
    let by_id: HashMap<i64, &RateLine> = existing.iter().map(|l| (l.id, l)).collect();
    for s in lines {
        if s.line.id != 0 && !by_id.contains_key(&s.line.id) {
            problems.push(CellProblem {
                row: s.row,
                column: "id".into(),
                key: "import.unknown_id".into(),
            });
        }
        if let Err(RuleError::Fields(f)) = s.line.check(products) {
            problems.extend(f.into_iter().map(|f| CellProblem {
                row: s.row,
                column: rate_sheet::column_of(&f.field),
                key: format!("rule.{}", f.code),
            }));
        }
    }
    // The card after the import: existing lines not replaced, plus the
    // file's (new ones under a provisional id of their own).
    let replaced: std::collections::HashSet<i64> = lines.iter().map(|s| s.line.id).collect();
    let mut after: HashMap<RouteKey, Vec<(Option<usize>, RateLine)>> = HashMap::new();
    for l in existing.iter().filter(|l| !replaced.contains(&l.id)) {
        after
            .entry((
                l.product_code.clone(),
                place_key(&l.dest_province).to_owned(),
            ))
            .or_default()
            .push((None, l.clone()));
    }
    for s in lines {
        let mut l = s.line.clone();
        if l.id == 0 {
            l.id = -(s.row as i64);
        }
        after
            .entry((
                l.product_code.clone(),
                place_key(&l.dest_province).to_owned(),
            ))
            .or_default()
            .push((Some(s.row), l));
    }
    for group in after.values() {
        for (i, (row, l)) in group.iter().enumerate() {
            let Some(row) = row else { continue };
            if group
                .iter()
                .enumerate()
                .any(|(j, (_, o))| i != j && l.overlaps(o))
            {
                problems.push(CellProblem {
                    row: *row,
                    column: "effective_from".into(),
                    key: "rule.overlapping_line".into(),
                });
            }
        }
    }
    problems.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    problems
}

/// The steps of an import of `lines` into the card `existing`: every
/// problem refuses the whole file; an unchanged row is no step.
fn plan(
    lines: Vec<SheetLine>,
    existing: &[RateLine],
    products: &[Product],
) -> Result<Vec<ImportStep>, ApiError> {
    let problems = check_sheet(&lines, existing, products);
    if !problems.is_empty() {
        return Err(sheet_error(problems));
    }
    let by_id: HashMap<i64, &RateLine> = existing.iter().map(|l| (l.id, l)).collect();
    let mut steps = Vec::new();
    for s in lines {
        match by_id.get(&s.line.id) {
            None => steps.push(ImportStep::Add(s.line)),
            Some(old) => {
                let mut same = s.line.clone();
                same.version = old.version;
                if same != **old {
                    steps.push(ImportStep::Replace(s.line, old.version));
                }
            }
        }
    }
    Ok(steps)
}

/// Imports a rate card from CSV text or .xlsx bytes (admin): all or
/// nothing. Rows with an `id` replace that line, rows without add one;
/// unchanged rows change nothing. Any bad cell → 422 with every one of
/// them in `error.rows`, and the card is as it was.
#[utoipa::path(post, path = "/api/v1/rate_lines/import", security(("bearer" = [])),
    request_body(content = String, description = "CSV text (UTF-8), or .xlsx bytes with Content-Type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", content_type = "text/csv"),
    responses((status = 200, body = ImportResult), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_rate_card with rows [{row, column, message}]")))]
pub async fn import(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportResult>, ApiError> {
    user.require_admin()?;
    let lines = read_sheet(&headers, &body)?;
    let steps = state
        .rate_import(
            Box::new(move |existing, products| plan(lines, existing, products)),
            user.staff.login,
        )
        .await?;
    let added = steps
        .iter()
        .filter(|s| matches!(s, ImportStep::Add(_)))
        .count();
    let result = ImportResult {
        added,
        updated: steps.len() - added,
    };
    Ok(Json(result))
}

/// Format of the export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// `xlsx` (default) or `csv`; without it, `Accept: text/csv` asks for
    /// CSV.
    pub format: Option<String>,
}

/// The card in the import's format: .xlsx (default) or CSV (`format=csv`
/// or `Accept: text/csv`), UTF-8 with a BOM.
#[utoipa::path(get, path = "/api/v1/rate_lines/export", security(("bearer" = [])), params(ExportQuery),
    responses((status = 200, description = "the card as .xlsx or CSV")))]
pub async fn export(
    State(state): State<Arc<HubState>>,
    _user: AuthUser,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let wants_csv = match q.format.as_deref() {
        Some(f) => f.eq_ignore_ascii_case("csv"),
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
    };
    let lines = state.rate_line_list(None, None, false).await?.lines;
    let (ty, name, bytes) = if wants_csv {
        (
            "text/csv; charset=utf-8",
            "rate_lines.csv",
            rate_sheet::to_csv(&lines).into_bytes(),
        )
    } else {
        (
            XLSX,
            "rate_lines.xlsx",
            rate_sheet::to_xlsx(&lines).map_err(ApiError::internal)?,
        )
    };
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((StatusCode::OK, h, bytes).into_response())
}
