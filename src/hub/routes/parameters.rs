use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::api::{ErrorBody, Parameter, ParameterUpdate};
use crate::domain::params::{self, ParamDef};
use crate::hub::HubState;
use crate::hub::error::ApiError;
use crate::hub::http::{AuthUser, Body, ReqLang};
use crate::i18n::{self, Lang};

use crate::hub::db::StoredParam as Stored;

fn build(
    lang: Lang,
    d: &ParamDef,
    stored: Option<&Stored>,
    defaults: &[(&str, Value)],
) -> Parameter {
    let default = defaults
        .iter()
        .find(|(k, _)| *k == d.key)
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null);
    let value = stored
        .and_then(|s| serde_json::from_str(&s.1).ok())
        .unwrap_or_else(|| default.clone());
    Parameter {
        key: d.key.to_owned(),
        category: d.category.to_owned(),
        value,
        ty: d.ty,
        min: d.min,
        max: d.max,
        description: i18n::t(lang, &format!("param.{}", d.key)),
        default,
        choices: d.choices.iter().map(|c| (*c).to_owned()).collect(),
        updated_by: stored.and_then(|s| s.2.clone()),
        updated_at: stored
            .and_then(|s| s.3.as_deref())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
    }
}

/// Every parameter with its value; everyone may read.
#[utoipa::path(get, path = "/api/v1/parameters", security(("bearer" = [])),
    responses((status = 200, body = [Parameter]), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<HubState>>,
    _user: AuthUser,
    ReqLang(lang): ReqLang,
) -> Result<Json<Vec<Parameter>>, ApiError> {
    let stored = state.parameters().await?;
    let defaults = params::defaults().map_err(ApiError::internal)?;
    Ok(Json(
        params::DEFS
            .iter()
            .map(|d| build(lang, d, stored.iter().find(|s| s.0 == d.key), &defaults))
            .collect(),
    ))
}

/// Changes one parameter (admin); a bad value is 422 and the old one stays.
#[utoipa::path(put, path = "/api/v1/parameters/{key}", request_body = ParameterUpdate, security(("bearer" = [])),
    params(("key" = String, Path)),
    responses((status = 200, body = Parameter), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<Arc<HubState>>,
    user: AuthUser,
    ReqLang(lang): ReqLang,
    Path(key): Path<String>,
    Body(req): Body<ParameterUpdate>,
) -> Result<Json<Parameter>, ApiError> {
    user.require_admin()?;
    let def = params::def(&key).ok_or_else(ApiError::not_found)?;
    let by = user.staff.login.clone();
    let stored = state.set_parameter(def, req.value, by).await?;
    let defaults = params::defaults().map_err(ApiError::internal)?;
    Ok(Json(build(
        lang,
        def,
        stored.iter().find(|s| s.0 == def.key),
        &defaults,
    )))
}
