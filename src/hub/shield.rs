//! Per-request limits in front of every route: URI and header sizes, body
//! size per route (413), body-read and whole-request deadlines, and every
//! error axum or a rejected extractor answers in plain text turned into
//! API.md's JSON error body.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Size and time limits of one request.
#[derive(Debug, Clone)]
pub struct RequestLimits {
    /// Longest URI (path and query) in bytes; 414 beyond.
    pub max_uri: usize,
    /// All header names and values together, in bytes; 431 beyond.
    pub max_headers: usize,
    /// Body of an order action or a login: small JSON.
    pub action_body: usize,
    /// Body of any other write (outlets, staff, inbound orders…).
    pub write_body: usize,
    /// Body of a bulk import (`…/import`).
    pub import_body: usize,
    /// The whole body must arrive within this (a trickled body is cut).
    pub body_timeout: Duration,
    /// The handler must answer within this, else 503 (the client retries
    /// with the same idempotency key).
    pub request_timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_uri: 4096,
            max_headers: 16 * 1024,
            action_body: 16 * 1024,
            write_body: 256 * 1024,
            import_body: 8 * 1024 * 1024,
            body_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl RequestLimits {
    /// The body limit of a route: small where only a few fields belong.
    pub fn body_limit(&self, path: &str) -> usize {
        if path.ends_with("/actions") || path == "/api/v1/session" {
            self.action_body
        } else if path.ends_with("/import") {
            self.import_body
        } else {
            self.write_body
        }
    }
}

/// Middleware: the limits of [`RequestLimits`].
pub async fn limit(limits: RequestLimits, req: Request, next: Next) -> Response {
    if req.uri().to_string().len() > limits.max_uri {
        return ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long").into_response();
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if header_bytes > limits.max_headers {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
        )
        .into_response();
    }
    let req = if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        req
    } else {
        let max = limits.body_limit(req.uri().path());
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > max as u64) {
            return too_large();
        }
        let (parts, body) = req.into_parts();
        match tokio::time::timeout(limits.body_timeout, axum::body::to_bytes(body, max)).await {
            Err(_) => {
                return ApiError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout")
                    .into_response();
            }
            // `to_bytes` fails on the limit or a broken connection; either
            // way nothing reached a handler.
            Ok(Err(_)) => return too_large(),
            Ok(Ok(bytes)) => Request::from_parts(parts, Body::from(bytes)),
        }
    };
    match tokio::time::timeout(limits.request_timeout, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => super::guard::busy(
            StatusCode::SERVICE_UNAVAILABLE,
            "request_timeout",
            Duration::from_secs(1),
        )
        .into_response(),
    }
}

fn too_large() -> Response {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").into_response()
}

/// Middleware: an error answer that is not already ours (axum's 405, a
/// query string that did not parse, …) gets the JSON error body.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    // Ours already: an ApiError, or a stored answer replayed as JSON.
    if !(status.is_client_error() || status.is_server_error())
        || json
        || resp.extensions().get::<ApiError>().is_some()
    {
        return resp;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "json_required",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "invalid_query",
    };
    let (parts, body) = resp.into_parts();
    // axum's own text says what was wrong (which parameter); keep it.
    let detail = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut err = ApiError::new(status, code);
    if !detail.trim().is_empty() && status == StatusCode::BAD_REQUEST {
        err = err.detail(detail.trim().to_owned());
    }
    let mut out = err.into_response();
    for (k, v) in &parts.headers {
        if k == header::ALLOW || k == header::RETRY_AFTER {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}
