//! A reqwest client for API.md. Every call returns either the decoded
//! answer or a [`ClientError`] that says whether the server was reached.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api::feed::RawChangesPage;
use crate::api::{
    Action, ChangesPage, ErrorBody, ErrorDetail, LoginRequest, Order, OrderEvent, OrderSummary,
    Outlet, OutletList, Parameter, ParameterUpdate, SessionResponse, Staff, StaffWrite, etag,
};
use crate::i18n::Lang;

/// `GET /api/v1/orders/{order_no}`: the whole order inside the user's
/// view, only where it stands outside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OrderAnswer {
    Full(Box<Order>),
    Summary(OrderSummary),
}

impl OrderAnswer {
    /// Where the order stands, whichever answer came.
    pub fn summary(&self) -> OrderSummary {
        match self {
            OrderAnswer::Full(o) => OrderSummary {
                order_no: o.order_no.clone(),
                status: o.status,
                current_outlet_code: o.current_outlet_code.clone(),
                accepting_outlet_code: o.accepting_outlet_code.clone(),
            },
            OrderAnswer::Summary(s) => s.clone(),
        }
    }
}

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// No answer: connection refused, DNS, timeout, TLS.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an error status.
    #[error("{status}: {}", detail.message)]
    Http {
        status: u16,
        detail: Box<ErrorDetail>,
        /// Seconds from a `Retry-After` header.
        retry_after: Option<u64>,
    },
    /// A 2xx answer that did not parse.
    #[error("unreadable answer: {0}")]
    Decode(String),
}

impl ClientError {
    /// What to tell the user: the server's own message (already in the
    /// user's language), or ours. The raw error is for the log.
    pub fn user_message(&self, lang: Lang) -> String {
        match self {
            ClientError::Http { detail, .. } if !detail.message.trim().is_empty() => {
                detail.message.clone()
            }
            ClientError::Http { status, .. } => {
                crate::i18n::tf(lang, "net.http_error", &[("status", &status.to_string())])
            }
            ClientError::Unreachable(_) => crate::i18n::t(lang, "net.unreachable_action"),
            ClientError::Decode(_) => crate::i18n::t(lang, "net.bad_answer"),
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The error code, when the server answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Http { detail, .. } => Some(&detail.code),
            _ => None,
        }
    }

    /// The server's error detail, when it answered.
    pub fn detail(&self) -> Option<&ErrorDetail> {
        match self {
            ClientError::Http { detail, .. } => Some(detail),
            _ => None,
        }
    }

    /// After a 412 (someone else saved first): the server's record as it
    /// is now, so the user can redo the edit on it.
    pub fn current<T: DeserializeOwned>(&self) -> Option<T> {
        if self.status() != Some(412) {
            return None;
        }
        let v = self.detail()?.current.clone()?;
        serde_json::from_value(v).ok()
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ClientError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the server could not be reached at all.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ClientError::Unreachable(_))
    }
}

/// How the client may reach a hub (RELIABILITY G6: no password over plain
/// http to another machine unless an administrator said so).
#[derive(Debug, Clone, Default)]
pub struct Transport {
    /// Allow `http://` to hosts other than loopback (the settings file's
    /// `allow_insecure_http`).
    pub allow_insecure_http: bool,
    /// Extra trusted roots (PEM), e.g. the company's own CA.
    pub ca_pem: Option<Vec<u8>>,
}

/// Why [`Transport::check`] refused an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportRefusal {
    #[error(
        "plain http:// to {0} is not allowed (use https://, or set allow_insecure_http = true)"
    )]
    InsecureHttp(String),
    #[error("not an http:// or https:// address: {0}")]
    BadAddress(String),
}

impl Transport {
    /// Whether `base` may be used: https anywhere, http only to loopback
    /// unless allowed.
    pub fn check(&self, base: &str) -> Result<(), TransportRefusal> {
        let url = reqwest::Url::parse(base.trim())
            .map_err(|_| TransportRefusal::BadAddress(base.to_owned()))?;
        let host = url.host_str().unwrap_or_default();
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_insecure_http => Ok(()),
            "http" => {
                let bare = host.trim_start_matches('[').trim_end_matches(']');
                let loopback = match bare.parse::<std::net::IpAddr>() {
                    Ok(ip) => ip.is_loopback(),
                    Err(_) => bare.eq_ignore_ascii_case("localhost"),
                };
                if loopback {
                    Ok(())
                } else {
                    Err(TransportRefusal::InsecureHttp(
                        url.host_str().unwrap_or_default().to_owned(),
                    ))
                }
            }
            _ => Err(TransportRefusal::BadAddress(base.to_owned())),
        }
    }
}

/// A client of one order-hub, optionally logged in.
#[derive(Debug, Clone)]
pub struct HubClient {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
    lang: Lang,
}

/// How much longer than its `wait` a long poll may take before it counts
/// as unanswered (the hub answers at `wait`; the rest is the network).
const LONG_POLL_GRACE: Duration = Duration::from_secs(15);

impl HubClient {
    /// A client for `base` (e.g. `http://127.0.0.1:8080`) under the
    /// default transport policy (plain http to loopback only).
    pub fn new(base: &str, lang: Lang) -> Result<HubClient, ClientError> {
        Self::with_transport(base, lang, &Transport::default())
    }

    /// A client for `base` under `transport`: refused (before anything is
    /// sent) when the policy forbids the address.
    pub fn with_transport(
        base: &str,
        lang: Lang,
        transport: &Transport,
    ) -> Result<HubClient, ClientError> {
        transport
            .check(base)
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            // order-hub closes a keep-alive connection after 20 s without a
            // request; dropping ours first avoids sending on one it closes.
            .pool_idle_timeout(Duration::from_secs(15))
            // A redirect must not carry the password to another place.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &transport.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Unreachable(format!("CA file: {e}")))?;
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        Ok(HubClient {
            base: base.trim_end_matches('/').to_owned(),
            http,
            token: None,
            lang,
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A copy using `token` for every call.
    pub fn with_token(&self, token: Option<String>) -> HubClient {
        HubClient {
            token,
            ..self.clone()
        }
    }

    /// The language its requests ask messages in.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// A copy asking for messages in `lang`.
    pub fn with_lang(&self, lang: Lang) -> HubClient {
        HubClient {
            lang,
            ..self.clone()
        }
    }

    /// The bearer token, if logged in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub(crate) async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        if_match: Option<i64>,
    ) -> Result<T, ClientError> {
        let text = self.call_raw(method, path, body, if_match).await?;
        let text = if text.is_empty() {
            "null".to_owned()
        } else {
            text
        };
        serde_json::from_str(&text).map_err(|e| ClientError::Decode(e.to_string()))
    }

    async fn call_raw<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        if_match: Option<i64>,
    ) -> Result<String, ClientError> {
        self.call_with(method, path, body, if_match, None).await
    }

    async fn call_with<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        if_match: Option<i64>,
        idempotency_key: Option<&str>,
    ) -> Result<String, ClientError> {
        let mut req = self.request(method, path);
        if let Some(v) = if_match {
            req = req.header(reqwest::header::IF_MATCH, etag(v));
        }
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let bytes = Self::send(req).await?;
        String::from_utf8(bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// A request to `path` asking for messages in the client's language,
    /// with the token.
    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT_LANGUAGE, self.lang.tag());
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        req
    }

    /// Sends `req`: the body of a 2xx answer, or why not.
    pub(crate) async fn send(req: reqwest::RequestBuilder) -> Result<Vec<u8>, ClientError> {
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let detail = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|b| b.error)
            .unwrap_or_else(|_| ErrorDetail {
                code: format!("http_{}", status.as_u16()),
                message: format!("HTTP {status}"),
                ..ErrorDetail::default()
            });
        Err(ClientError::Http {
            status: status.as_u16(),
            detail: Box::new(detail),
            retry_after,
        })
    }

    /// `GET /healthz`.
    pub async fn health(&self) -> Result<(), ClientError> {
        self.call_raw::<()>(Method::GET, "/healthz", None, None)
            .await
            .map(|_| ())
    }

    /// Logs in; the answer carries the token to use with [`with_token`].
    ///
    /// [`with_token`]: HubClient::with_token
    pub async fn login(&self, login: &str, password: &str) -> Result<SessionResponse, ClientError> {
        let body = LoginRequest {
            login: login.to_owned(),
            password: password.to_owned(),
        };
        self.call(Method::POST, "/api/v1/session", Some(&body), None)
            .await
    }

    /// Ends the session.
    pub async fn logout(&self) -> Result<(), ClientError> {
        self.call_raw::<()>(Method::DELETE, "/api/v1/session", None, None)
            .await
            .map(|_| ())
    }

    /// The whole network.
    pub async fn outlets(&self) -> Result<OutletList, ClientError> {
        self.outlets_since(None).await
    }

    /// What changed in the network after revision `since` (API.md
    /// `?since=`); the whole list without one, or when the hub cannot
    /// answer incrementally (`full`).
    pub async fn outlets_since(&self, since: Option<i64>) -> Result<OutletList, ClientError> {
        let path = match since {
            Some(rev) => format!("/api/v1/outlets?since={rev}"),
            None => "/api/v1/outlets".to_owned(),
        };
        self.call::<(), _>(Method::GET, &path, None, None).await
    }

    /// Creates an outlet.
    pub async fn create_outlet(&self, o: &Outlet) -> Result<Outlet, ClientError> {
        self.call(Method::POST, "/api/v1/outlets", Some(o), None)
            .await
    }

    /// Updates an outlet the user saw at `version`.
    pub async fn update_outlet(&self, o: &Outlet, version: i64) -> Result<Outlet, ClientError> {
        self.call(
            Method::PUT,
            &format!("/api/v1/outlets/{}", enc(&o.code)),
            Some(o),
            Some(version),
        )
        .await
    }

    /// Deletes an outlet.
    pub async fn delete_outlet(&self, code: &str) -> Result<(), ClientError> {
        self.call_raw::<()>(
            Method::DELETE,
            &format!("/api/v1/outlets/{}", enc(code)),
            None,
            None,
        )
        .await
        .map(|_| ())
    }

    /// Staff by outlet (optionally with its subtree) and name substring.
    pub async fn staff(
        &self,
        outlet_code: Option<&str>,
        include_sub: bool,
        name: &str,
    ) -> Result<Vec<Staff>, ClientError> {
        let mut q = vec![format!("name={}", enc(name))];
        if let Some(code) = outlet_code {
            q.push(format!("outlet_code={}", enc(code)));
            if include_sub {
                q.push("include_sub=true".into());
            }
        }
        self.call::<(), _>(
            Method::GET,
            &format!("/api/v1/staff?{}", q.join("&")),
            None,
            None,
        )
        .await
    }

    /// Creates a staff member.
    pub async fn create_staff(&self, w: &StaffWrite) -> Result<Staff, ClientError> {
        self.call(Method::POST, "/api/v1/staff", Some(w), None)
            .await
    }

    /// Updates a staff member seen at `version`.
    pub async fn update_staff(&self, w: &StaffWrite, version: i64) -> Result<Staff, ClientError> {
        self.call(
            Method::PUT,
            &format!("/api/v1/staff/{}", enc(&w.staff.login)),
            Some(w),
            Some(version),
        )
        .await
    }

    /// Every server parameter.
    pub async fn parameters(&self) -> Result<Vec<Parameter>, ClientError> {
        self.call::<(), _>(Method::GET, "/api/v1/parameters", None, None)
            .await
    }

    /// Changes one parameter.
    pub async fn set_parameter(
        &self,
        key: &str,
        value: serde_json::Value,
    ) -> Result<Parameter, ClientError> {
        self.call(
            Method::PUT,
            &format!("/api/v1/parameters/{}", enc(key)),
            Some(&ParameterUpdate { value }),
            None,
        )
        .await
    }
}

impl HubClient {
    /// One page of the change feed after `cursor`.
    pub async fn changes(
        &self,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<ChangesPage, ClientError> {
        self.feed_page(cursor, limit, None).await
    }

    /// One page of the change feed after `cursor`, each order's body kept
    /// as sent (what the cache stores); with `wait`, a long poll (API.md
    /// `wait=`): at the head the hub answers as soon as something in view
    /// changes, or empty after `wait` (whole seconds, 1..30).
    pub async fn changes_waiting(
        &self,
        cursor: Option<&str>,
        limit: i64,
        wait: Option<Duration>,
    ) -> Result<RawChangesPage, ClientError> {
        self.feed_page(cursor, limit, wait).await
    }

    /// One page of the change feed after `cursor` as the hub sent it,
    /// undecoded (see [`crate::api::feed::peek_next`]).
    pub async fn changes_bytes(
        &self,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Vec<u8>, ClientError> {
        self.feed_bytes(cursor, limit, None).await
    }

    async fn feed_page<T: DeserializeOwned>(
        &self,
        cursor: Option<&str>,
        limit: i64,
        wait: Option<Duration>,
    ) -> Result<T, ClientError> {
        let bytes = self.feed_bytes(cursor, limit, wait).await?;
        decode_feed(&bytes)
    }

    async fn feed_bytes(
        &self,
        cursor: Option<&str>,
        limit: i64,
        wait: Option<Duration>,
    ) -> Result<Vec<u8>, ClientError> {
        let mut path = format!("/api/v1/orders/changes?limit={limit}");
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={}", enc(c)));
        }
        let secs = wait.map(|w| w.as_secs().clamp(1, 30));
        if let Some(s) = secs {
            path.push_str(&format!("&wait={s}"));
        }
        let mut req = self.request(Method::GET, &path);
        if let Some(s) = secs {
            // The client-wide 30 s limit would cut a full wait short.
            req = req.timeout(Duration::from_secs(s) + LONG_POLL_GRACE);
        }
        Self::send(req).await
    }

    /// Sends one action with its idempotency key.
    pub async fn act(
        &self,
        order_no: &str,
        key: &str,
        action: &Action,
    ) -> Result<Order, ClientError> {
        let text = self
            .call_with(
                Method::POST,
                &format!("/api/v1/orders/{}/actions", enc(order_no)),
                Some(action),
                None,
                Some(key),
            )
            .await?;
        serde_json::from_str(&text).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// An order by number: full inside the user's view, else a summary.
    pub async fn order(&self, order_no: &str) -> Result<OrderAnswer, ClientError> {
        self.call::<(), _>(
            Method::GET,
            &format!("/api/v1/orders/{}", enc(order_no)),
            None,
            None,
        )
        .await
    }

    /// An order's history.
    pub async fn events(&self, order_no: &str) -> Result<Vec<OrderEvent>, ClientError> {
        self.call::<(), _>(
            Method::GET,
            &format!("/api/v1/orders/{}/events", enc(order_no)),
            None,
            None,
        )
        .await
    }
}

/// Percent-encodes a path segment or query value.
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `status` means "try again later" rather than a verdict.
pub fn is_transient(status: u16) -> bool {
    StatusCode::from_u16(status).is_ok_and(|s| {
        s.is_server_error()
            || s == StatusCode::REQUEST_TIMEOUT
            || s == StatusCode::TOO_MANY_REQUESTS
    })
}

/// A feed page's JSON, decoded.
pub fn decode_feed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| ClientError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        let strict = Transport::default();
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.0.0.9",
            "http://[::1]:80",
            "http://localhost:1",
            "https://hub.example.cn",
            "https://10.1.2.3:8443",
        ] {
            assert_eq!(strict.check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://10.1.2.3:8080",
            "http://hub.example.cn",
            "http://127.0.0.1.evil.cn",
        ] {
            assert!(
                matches!(strict.check(bad), Err(TransportRefusal::InsecureHttp(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            strict.check("ftp://x"),
            Err(TransportRefusal::BadAddress(_))
        ));
        let lax = Transport {
            allow_insecure_http: true,
            ..Transport::default()
        };
        assert_eq!(lax.check("http://10.1.2.3:8080"), Ok(()));
    }

    #[test]
    fn encoding() {
        assert_eq!(enc("JS-YZ_01"), "JS-YZ_01");
        assert_eq!(enc("系统"), "%E7%B3%BB%E7%BB%9F");
        assert_eq!(enc("a b&c"), "a%20b%26c");
    }

    #[test]
    fn transient_statuses() {
        assert!(is_transient(500) && is_transient(503) && is_transient(429) && is_transient(408));
        assert!(!is_transient(409) && !is_transient(422) && !is_transient(401));
    }
}
