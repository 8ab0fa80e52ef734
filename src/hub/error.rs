//! The one error type of every route, rendered as API.md's error body in
//! the request's language.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::{Attached, ErrorBody, ErrorDetail, FieldError};
use crate::domain::RuleError;
use crate::i18n::{self, Lang};

/// An error answer. The message is rendered late, by [`localize`], once
/// the request's language is known. Boxed: it rides in every `Result`.
#[derive(Debug, Clone)]
pub struct ApiError(Box<ErrorInner>);

impl std::ops::Deref for ApiError {
    type Target = ErrorInner;
    fn deref(&self) -> &ErrorInner {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorInner {
        &mut self.0
    }
}

/// What an [`ApiError`] carries.
#[derive(Debug, Clone)]
pub struct ErrorInner {
    pub status: StatusCode,
    pub code: String,
    /// `{name}` fillers for the message.
    pub args: Vec<(String, String)>,
    pub fields: Vec<FieldError>,
    pub attached: Option<Attached>,
    pub current: Option<serde_json::Value>,
    /// The current order (409 `state_conflict`).
    pub order: Option<serde_json::Value>,
    /// Extra detail for logs and 400s (not translated).
    pub detail: Option<String>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
    /// Bad cells of an import: (row, column, i18n key of the message).
    pub rows: Vec<(usize, String, String)>,
}

impl ApiError {
    /// An error with a status and a code whose text is `err.<code>`.
    pub fn new(status: StatusCode, code: &str) -> Self {
        ApiError(Box::new(ErrorInner {
            status,
            code: code.to_owned(),
            args: Vec::new(),
            fields: Vec::new(),
            attached: None,
            current: None,
            order: None,
            detail: None,
            retry_after: None,
            rows: Vec::new(),
        }))
    }

    /// Adds a `{name}` filler.
    pub fn arg(mut self, name: &str, value: impl Into<String>) -> Self {
        self.args.push((name.to_owned(), value.into()));
        self
    }

    /// Adds detail text shown after the message.
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden")
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found")
    }

    /// An internal failure; logged, reported without internals.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {e}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }

    /// The body in `lang`.
    pub fn body(&self, lang: Lang) -> ErrorBody {
        let what = self
            .attached
            .as_ref()
            .map(|a| i18n::describe_attached(lang, a))
            .unwrap_or_default();
        // An argument written `@key` is itself a text to translate.
        let translated: Vec<(String, String)> = self
            .args
            .iter()
            .map(|(a, b)| match b.strip_prefix('@') {
                Some(key) => (a.clone(), i18n::t(lang, key)),
                None => (a.clone(), b.clone()),
            })
            .collect();
        let mut args: Vec<(&str, &str)> = translated
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        args.push(("what", &what));
        let mut message = i18n::tf(lang, &format!("err.{}", self.code), &args);
        if let Some(first) = self.fields.first() {
            message = format!(
                "{message}: {} — {}",
                field_label(lang, &first.field),
                i18n::rule(lang, &first.code)
            );
        }
        if let Some(d) = &self.detail {
            message = format!("{message} ({d})");
        }
        ErrorBody {
            error: ErrorDetail {
                code: self.code.clone(),
                message,
                fields: self.fields.clone(),
                attached: self.attached.clone(),
                current: self.current.clone(),
                order: self.order.clone(),
                rows: self
                    .rows
                    .iter()
                    .map(|(row, column, key)| crate::api::RowError {
                        row: *row,
                        column: column.clone(),
                        message: i18n::t(lang, key),
                    })
                    .collect(),
            },
        }
    }

    /// The finished response in `lang`.
    pub fn render(&self, lang: Lang) -> Response {
        let mut resp = (self.status, Json(self.body(lang))).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        resp
    }
}

fn field_label(lang: Lang, field: &str) -> String {
    let key = format!("field.{field}");
    if i18n::has(&key) {
        i18n::t(lang, &key)
    } else {
        field.to_owned()
    }
}

impl From<RuleError> for ApiError {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::Fields(fields) => {
                let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_fields");
                err.fields = fields;
                err
            }
            RuleError::Duplicate { field } => {
                let mut err = ApiError::new(StatusCode::CONFLICT, &format!("duplicate_{field}"));
                err.fields = vec![FieldError::new(&field, &format!("duplicate_{field}"))];
                err
            }
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            // Not a bug to retry blindly: the operator must make room. The
            // client keeps the action queued and retries later.
            tracing::error!("hub.db cannot grow: {e}");
            let mut err = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_full");
            err.retry_after = Some(60);
            return err;
        }
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Rendered in zh-CN now; `localize` re-renders it for other
        // languages from the copy kept in the extensions.
        let mut resp = self.render(Lang::ZhCn);
        resp.extensions_mut().insert(self);
        resp
    }
}

/// Middleware: re-renders error bodies in the request's Accept-Language.
pub async fn localize(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = Lang::from_accept_language(
        req.headers()
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut resp = next.run(req).await;
    match resp.extensions_mut().remove::<ApiError>() {
        Some(err) if lang != Lang::ZhCn => err.render(lang),
        _ => resp,
    }
}
