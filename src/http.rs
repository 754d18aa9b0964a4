//! Routes: `POST`/`GET /graphql`, GraphiQL at `/` ([`graphiql`]), `/healthz`, `/readyz`,
//! `/metrics` (GET and HEAD), the dashboard page at `/dashboard`.
//!
//! `/graphql` follows the GraphQL over HTTP spec (graphql-http's audit passes clean,
//! tests/api/conformance.rs): the response is `application/graphql-response+json` when the
//! client prefers it, and then a request error (no `data`: the document does not parse or
//! validate, or its variables do not coerce) is 400 without a `data` key; `application/json`
//! (asked for, `*/*`, or no `Accept`) keeps 200 for every GraphQL result. A POST must be JSON
//! in UTF-8 (415 otherwise); malformed parameters are 400; a mutation over GET is 405.
//! Persisted documents (APQ, trusted documents) are resolved first ([`persisted`]).
//!
//! Files are uploaded with the GraphQL multipart request spec (`multipart/form-data`,
//! [`multipart`]): its `operations` part goes through the same steps as a JSON body. An
//! upload needs a bearer token, checked before the files are read; an anonymous one is
//! refused (`UNAUTHENTICATED`). That also answers cross-site request forgery, which
//! `multipart/form-data` (a type a browser's form may send to any site) would otherwise
//! allow: a browser never adds an `Authorization` header by itself.

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, guard, web};
use async_graphql::parser::types::OperationType;
use entity::enums::Role;

pub mod edge;
pub mod embedded;
pub mod exports;
pub mod files;
pub mod graphiql;
pub mod multipart;
pub mod observe;
pub mod persisted;
pub mod rate_limit;
pub mod renew;
pub mod response_cache;
pub mod uploads;
pub mod ws;

use self::edge::Media;
use self::persisted::Persisted;
use self::response_cache::ResponseCache;
use crate::auth::{Claims, Principal, refusal_reason};
use crate::error::AppError;
use crate::graphql::AppSchema;
use crate::graphql::context::AppState;
use crate::graphql::context::RequestCtx;
use crate::graphql::loaders::Loaders;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql_post))
        .route("/graphql", web::get().to(graphql_get))
        .route("/graphql", web::route().to(graphql_other_method))
        .route("/graphql/ws", web::get().to(ws::graphql_ws))
        .configure(graphiql::routes)
        .route("/healthz", read().to(healthz))
        .route("/readyz", read().to(readyz))
        .route("/metrics", read().to(metrics))
        .route("/exports/{id}", web::get().to(exports::download))
        .route("/auth/renew", web::post().to(renew::renew))
        .configure(crate::dashboard::routes)
        .configure(uploads::routes)
        .configure(files::routes);
}

/// GET, and HEAD for probes and monitors (actix sends the headers without the body).
fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The largest response body sent (a ceiling behind the cost model).
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;

/// An error body of api.md's shape; `extensions.requestId` names the request in the logs.
fn error_body(code: &str, message: &str) -> serde_json::Value {
    let mut body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    if let Some(id) = crate::telemetry::current_request_id() {
        body["errors"][0]["extensions"]["requestId"] = id.as_ref().into();
    }
    body
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    json_as(Media::Json, status, body)
}

fn json_as(media: Media, status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    match serde_json::to_vec(body) {
        Ok(bytes) => HttpResponse::build(status).content_type(media.content_type()).body(bytes),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// An error answered before (or instead of) execution, counted under its code. `status` is
/// the one of `application/graphql-response+json`; `application/json` keeps 200 where it
/// always had it (`json_status`).
fn refuse(
    state: &AppState,
    media: Media,
    json_status: StatusCode,
    status: StatusCode,
    code: &str,
    message: &str,
) -> HttpResponse {
    state.metrics.error(code);
    let status = if media == Media::Json { json_status } else { status };
    json_as(media, status, &error_body(code, message))
}

/// The verified claims of an `Authorization` header: `None` without one; a header that is not
/// `Bearer <token>`, or a token that fails, is an error.
pub async fn verify_header(state: &AppState, authorization: Option<&str>) -> Result<Option<Claims>, AppError> {
    let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into()))?;
    // A key identity provider's new `kid` re-reads its key set once (`JwtConfig::verify_fresh`).
    state.settings.jwt.verify_fresh(token.trim()).await.map(Some)
}

/// The principal of verified claims, read from the database or the instance's cache of it,
/// which every change of a user's access empties (roles and department are never taken from
/// the token).
pub async fn principal_of(
    state: &AppState,
    claims: &Claims,
    client_addr: Option<String>,
) -> Result<Arc<Principal>, AppError> {
    let cached = state.principals.get(&state.db, &claims.sub).await?;
    if client_addr.is_none() {
        return Ok(cached);
    }
    let mut principal = Principal::clone(&cached);
    principal.client_addr = client_addr;
    Ok(Arc::new(principal))
}

// The plain-HTTP routes beside /graphql (files, uploads, token renewal) authenticate and
// answer errors alike.

/// The caller of a request that needs a token: 401 without a valid one.
async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Arc<Principal>, Box<HttpResponse>> {
    let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let principal = match verify_header(state, auth).await {
        Ok(Some(claims)) => principal_of(state, &claims, client_addr(req)).await,
        Ok(None) => Err(AppError::unauthenticated()),
        Err(e) => Err(e),
    };
    principal.map_err(|err| {
        if let Some(reason) = refusal_reason(&err) {
            state.metrics.auth_refused(reason);
        }
        Box::new(app_error(state, &err))
    })
}

/// An `AppError` as api.md's JSON error body with its HTTP status.
fn app_error(state: &AppState, err: &AppError) -> HttpResponse {
    let code = err.code();
    state.metrics.error(code);
    let status = match code {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "CONFLICT" => StatusCode::CONFLICT,
        "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
        "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut body = error_body(code, &err.message());
    if let AppError::BadInput { field, .. } = err {
        body["errors"][0]["extensions"]["field"] = field.as_str().into();
    }
    let mut response = json(status, &body);
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    }
    response
}

/// `429 Too Many Requests` with `Retry-After` and `RATE_LIMITED` (`extensions.retryAfter`).
fn rate_limited(state: &AppState, message: &str, limited: rate_limit::Limited) -> HttpResponse {
    state.metrics.error("RATE_LIMITED");
    let seconds = limited.seconds();
    let mut body = error_body("RATE_LIMITED", &format!("{message}; try again in {seconds} s"));
    body["errors"][0]["extensions"]["retryAfter"] = seconds.into();
    let mut response = json(StatusCode::TOO_MANY_REQUESTS, &body);
    if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The rate limits (see [`rate_limit`]), before anything is read from the database: the
/// caller's bucket, then the cap on expensive operations. What is returned is held while the
/// request runs.
fn admit(
    state: &AppState,
    req: &HttpRequest,
    login: Option<&str>,
    query: &str,
) -> Result<Option<rate_limit::Running>, Box<HttpResponse>> {
    let Some(limiter) = req.app_data::<web::Data<rate_limit::RateLimiter>>() else { return Ok(None) };
    let caller = rate_limit::caller(req, login, limiter.limits().trust_forwarded);
    if let Err(limited) = limiter.check(&caller) {
        return Err(Box::new(rate_limited(state, "too many requests", limited)));
    }
    if limiter.limits().expensive_concurrency == 0 || !rate_limit::is_expensive(query) {
        return Ok(None);
    }
    let limiter = limiter.clone().into_inner();
    limiter.start_expensive(&caller).map_err(|limited| {
        let message = format!(
            "at most {} expensive operations (annualReport, statistics, verifyRecordChain) run at once per caller",
            limiter.limits().expensive_concurrency
        );
        Box::new(rate_limited(state, &message, limited))
    })
}

fn client_addr(req: &HttpRequest) -> Option<String> {
    req.connection_info().realip_remote_addr().map(str::to_string)
}

/// Where a query's answer may come from the response cache: its key and the snapshot it is
/// checked (or stored) under. `None`: execute without it (no cache, not a pure query, a
/// trainee's audited read, or no snapshot).
async fn cache_slot(
    state: &AppState,
    req: &HttpRequest,
    gql: &mut async_graphql::Request,
    principal: Option<&Principal>,
    today: chrono::NaiveDate,
) -> Option<(web::Data<ResponseCache>, response_cache::Key, String)> {
    let cache = req.app_data::<web::Data<ResponseCache>>()?.clone();
    if principal.is_some_and(|p| p.has(Role::CourtTrainee)) || !ResponseCache::is_pure_query(gql) {
        return None;
    }
    let key = response_cache::Key::new(principal.map(|p| p.user_id), today, gql)?;
    match cache.snapshot(&state.db).await {
        Ok(snapshot) => Some((cache, key, snapshot)),
        Err(e) => {
            tracing::warn!(error = %e, "response cache: no snapshot; executing");
            None
        }
    }
}

/// A request's parameters as sent (GraphQL over HTTP): checked for their types before
/// anything runs.
#[derive(Debug, Default)]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    extensions: serde_json::Map<String, serde_json::Value>,
    /// `documentId` (trusted documents) or `id` (Relay).
    document_id: Option<String>,
}

/// A parameter of the wrong type: `(parameter, message)`, answered 400.
type BadParam = (&'static str, String);

impl Params {
    fn from_json(body: serde_json::Value) -> Result<Self, BadParam> {
        let serde_json::Value::Object(mut map) = body else {
            return Err(("query", "the body must be a JSON object".into()));
        };
        let mut text = |name: &'static str| match map.remove(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err((name, format!("`{name}` must be a string"))),
        };
        let query = text("query")?;
        let operation_name = text("operationName")?;
        let document_id = match text("documentId")? {
            Some(id) => Some(id),
            None => text("id")?,
        };
        let variables = match map.remove("variables") {
            None | Some(serde_json::Value::Null) => None,
            Some(v @ serde_json::Value::Object(_)) => Some(v),
            Some(_) => return Err(("variables", "`variables` must be a map".into())),
        };
        let extensions = match map.remove("extensions") {
            None | Some(serde_json::Value::Null) => serde_json::Map::new(),
            Some(serde_json::Value::Object(m)) => m,
            Some(_) => return Err(("extensions", "`extensions` must be a map".into())),
        };
        Ok(Self { query, operation_name, variables, extensions, document_id })
    }

    /// A GET's query string: `variables` and `extensions` are URL-encoded JSON.
    fn from_query_string(query_string: &str) -> Result<Self, BadParam> {
        let pairs = web::Query::<std::collections::HashMap<String, String>>::from_query(query_string)
            .map_err(|e| ("query", format!("bad query string: {e}")))?
            .into_inner();
        let mut object = serde_json::Map::new();
        for (name, value) in pairs {
            let value = match name.as_str() {
                "variables" | "extensions" if !value.is_empty() => {
                    let field: &'static str = if name == "variables" { "variables" } else { "extensions" };
                    serde_json::from_str(&value).map_err(|e| (field, format!("`{name}` is not JSON: {e}")))?
                }
                _ => serde_json::Value::String(value),
            };
            object.insert(name, value);
        }
        Self::from_json(serde_json::Value::Object(object))
    }

    /// Apollo's `extensions.persistedQuery`: `(version, sha256Hash)`.
    fn persisted_query(&self) -> Result<Option<(u64, String)>, BadParam> {
        let Some(pq) = self.extensions.get("persistedQuery") else { return Ok(None) };
        let version = pq.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        let hash = pq
            .get("sha256Hash")
            .and_then(|h| h.as_str())
            .ok_or_else(|| ("extensions", "`extensions.persistedQuery` needs a string `sha256Hash`".to_string()))?;
        Ok(Some((version, hash.to_string())))
    }
}

/// What handles a request once its parameters are read.
struct Call<'a> {
    state: &'a AppState,
    schema: &'a AppSchema,
    req: &'a HttpRequest,
    media: Media,
}

impl Call<'_> {
    fn bad_param(&self, (field, message): BadParam) -> HttpResponse {
        self.state.metrics.error("BAD_USER_INPUT");
        let mut body = error_body("BAD_USER_INPUT", &message);
        body["errors"][0]["extensions"]["field"] = field.into();
        json_as(self.media, StatusCode::BAD_REQUEST, &body)
    }

    /// The document (a persisted one, or the query sent), the GET rule, then execution.
    async fn run(&self, params: Params, get: bool, uploads: Vec<(String, async_graphql::UploadValue)>) -> HttpResponse {
        let apq = match params.persisted_query() {
            Ok(apq) => apq,
            Err(bad) => return self.bad_param(bad),
        };
        if params.query.is_none() && apq.is_none() && params.document_id.is_none() {
            return self.bad_param(("query", "a request needs `query` (or a persisted document's hash)".into()));
        }
        let persisted = self.req.app_data::<web::Data<Persisted>>();
        let (query, trusted) = match persisted {
            Some(p) => {
                let apq = apq.as_ref().map(|(v, h)| (*v, h.as_str()));
                match p.resolve(params.query, apq, params.document_id.as_deref()) {
                    Ok(resolved) => (resolved.query, resolved.trusted),
                    Err(refusal) => return self.persisted_refusal(refusal),
                }
            }
            None if apq.is_some() || params.document_id.is_some() => {
                return self.persisted_refusal(persisted::Refusal::NotFound);
            }
            None => (params.query.unwrap_or_default(), false),
        };
        if get && is_mutation(&query, params.operation_name.as_deref()) {
            let mut refused = json_as(
                self.media,
                StatusCode::METHOD_NOT_ALLOWED,
                &error_body("BAD_USER_INPUT", "only queries may be sent with GET; use POST"),
            );
            refused.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("POST"));
            return refused;
        }
        let mut gql = async_graphql::Request::new(query);
        gql.operation_name = params.operation_name;
        if let Some(variables) = params.variables {
            gql.variables = async_graphql::Variables::from_json(variables);
        }
        for (path, upload) in uploads {
            gql.set_upload(&path, upload);
        }
        let trusted_only = persisted.is_some_and(|p| p.trusted_only());
        self.execute(gql, trusted_only && !trusted).await
    }

    /// A GraphQL multipart request: the caller's token first (no file is read for an
    /// anonymous or refused caller), then the parts ([`multipart::read`]), then the
    /// `operations` part as a JSON body, with the files set into its variables.
    async fn multipart(&self, payload: web::Payload, boundary: String) -> HttpResponse {
        let state = self.state;
        let auth = self.req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let refused = match verify_header(state, auth).await {
            Ok(Some(_)) => None,
            Ok(None) => Some(AppError::Unauthenticated("uploading files needs a bearer token".into())),
            Err(err) => {
                if let Some(reason) = refusal_reason(&err) {
                    state.metrics.auth_refused(reason);
                }
                Some(err)
            }
        };
        if let Some(err) = refused {
            let status = if err.code() == "UNAUTHENTICATED" {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            return refuse(state, self.media, StatusCode::OK, status, err.code(), &err.message());
        }
        let largest = state.settings.files.limits.largest();
        match multipart::read(payload, boundary, state.settings.max_body_bytes, largest).await {
            Ok(form) => match Params::from_json(form.operations) {
                Ok(params) => self.run(params, false, form.uploads).await,
                Err(bad) => self.bad_param(bad),
            },
            Err(multipart::Refusal::Bad { part, message }) => self.bad_param((part, message)),
            Err(multipart::Refusal::TooLarge { part, message }) => {
                state.metrics.error("BAD_USER_INPUT");
                let mut body = error_body("BAD_USER_INPUT", &message);
                body["errors"][0]["extensions"]["field"] = part.into();
                json_as(self.media, StatusCode::PAYLOAD_TOO_LARGE, &body)
            }
        }
    }

    fn persisted_refusal(&self, refusal: persisted::Refusal) -> HttpResponse {
        use persisted::Refusal;
        match refusal {
            // Apollo's clients look for this code and message, then send the query with the hash.
            Refusal::NotFound => refuse(
                self.state,
                self.media,
                StatusCode::OK,
                StatusCode::OK,
                "PERSISTED_QUERY_NOT_FOUND",
                "PersistedQueryNotFound",
            ),
            Refusal::HashMismatch => {
                self.bad_param(("extensions", "provided sha256Hash does not match the query".into()))
            }
            Refusal::Version => self.bad_param(("extensions", "only persistedQuery version 1 is supported".into())),
        }
    }

    /// Verifies the caller, admits the request (rate limits, trusted documents), and runs it
    /// within the request timeout.
    async fn execute(&self, mut gql: async_graphql::Request, untrusted: bool) -> HttpResponse {
        let (state, req, media) = (self.state, self.req, self.media);
        let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        // Verified once: a token that does not verify counts against its address, like no token.
        let verified = verify_header(state, auth).await;
        let login = verified.as_ref().ok().and_then(|c| c.as_ref()).map(|c| c.sub.as_str());
        let _running = match admit(state, req, login, &gql.query) {
            Ok(running) => running,
            Err(refused) => return *refused,
        };
        let addr = client_addr(req);
        let principal = match verified {
            Ok(None) => Ok(None),
            Ok(Some(claims)) => principal_of(state, &claims, addr.clone()).await.map(Some),
            Err(e) => Err(e),
        };
        let principal = match principal {
            Ok(p) => p,
            Err(err) => {
                if let Some(reason) = refusal_reason(&err) {
                    state.metrics.auth_refused(reason);
                }
                let status = if err.code() == "UNAUTHENTICATED" {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                };
                return refuse(state, media, StatusCode::OK, status, err.code(), &err.message());
            }
        };
        if untrusted && !principal.as_ref().is_some_and(|p| p.has(Role::Admin)) {
            return refuse(
                state,
                media,
                StatusCode::FORBIDDEN,
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "this server runs only its trusted documents; send a known document or its hash",
            );
        }
        let today = crate::calendar::today();
        let slot = cache_slot(state, req, &mut gql, principal.as_deref(), today).await;
        if let Some((cache, key, snapshot)) = &slot {
            let started = Instant::now();
            let hit = cache.get(key, snapshot);
            state.metrics.response_cache(hit.is_some());
            if let Some(body) = hit {
                state.metrics.request(gql.operation_name.as_deref().unwrap_or("anonymous"), started.elapsed());
                return HttpResponse::Ok().content_type(media.content_type()).body(body);
            }
        }
        let loaders = Loaders::new(&state.db, principal.as_ref(), today);
        let gql = gql.data(RequestCtx { principal, today, client_addr: addr }).data(loaders);
        // An export writes up to a million rows before it answers: it has a timeout of its own.
        let limit = if rate_limit::writes_export(&gql.query) {
            state.settings.exports.timeout
        } else {
            state.settings.limits.request_timeout
        };
        let Some(response) = within(limit, self.schema.execute(gql)).await else {
            state.metrics.error("QUERY_TOO_COMPLEX");
            let status = if media == Media::Json { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
            return json_as(media, status, &timed_out(limit));
        };
        // A request error (parse, validation, variable coercion): no data, nothing executed.
        let request_error = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty());
        if request_error && media == Media::GraphqlResponse {
            let body = serde_json::json!({ "errors": response.errors });
            return json_as(media, StatusCode::BAD_REQUEST, &body);
        }
        let Ok(bytes) = serde_json::to_vec(&response) else {
            return HttpResponse::InternalServerError().finish();
        };
        if bytes.len() > MAX_RESPONSE_BYTES {
            // The cost model bounds what a query may ask for; this is the last line behind it.
            state.metrics.error("QUERY_TOO_COMPLEX");
            let message = format!("the response would exceed {MAX_RESPONSE_BYTES} bytes; ask for fewer rows or fields");
            let mut body = error_body("QUERY_TOO_COMPLEX", &message);
            body["errors"][0]["extensions"]["limit"] = "responseBytes".into();
            let status = if media == Media::Json { StatusCode::OK } else { StatusCode::BAD_REQUEST };
            return json_as(media, status, &body);
        }
        let bytes = web::Bytes::from(bytes);
        if let Some((cache, key, snapshot)) = slot
            && response.is_ok()
        {
            cache.put(key, snapshot, bytes.clone());
        }
        HttpResponse::Ok().content_type(media.content_type()).body(bytes)
    }
}

/// Runs `execution` within `limit` (the request timeout): `None` when it did not finish, and
/// then it is dropped (a transaction in it rolls back).
async fn within<T>(limit: std::time::Duration, execution: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout(limit, execution).await.ok()
}

/// The answer to a request past its time: api.md has no TIMEOUT code, and a request that runs
/// too long is one that asks too much, so `QUERY_TOO_COMPLEX` with `limit: requestTimeout`.
fn timed_out(limit: std::time::Duration) -> serde_json::Value {
    let message = format!("the request did not finish within {} s; ask for less", limit.as_secs_f64());
    let mut body = error_body("QUERY_TOO_COMPLEX", &message);
    body["errors"][0]["extensions"]["limit"] = "requestTimeout".into();
    body
}

/// Whether the operation that would run is not a query (a mutation over GET could be
/// triggered by a link). A document that does not parse is left to execution to report.
fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else { return false };
    doc.operations.iter().any(|(name, op)| {
        let selected = match (operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            _ => true,
        };
        selected && op.node.ty != OperationType::Query
    })
}

/// `406 Not Acceptable` when `Accept` allows neither JSON media type.
fn not_acceptable(state: &AppState) -> HttpResponse {
    state.metrics.error("BAD_USER_INPUT");
    let body =
        error_body("BAD_USER_INPUT", "Accept allows neither application/graphql-response+json nor application/json");
    json(StatusCode::NOT_ACCEPTABLE, &body)
}

async fn graphql_post(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(media) = edge::negotiate(&req) else { return not_acceptable(&state) };
    let kind = match edge::check_content_type(&req) {
        Ok(kind) => kind,
        Err(message) => {
            return refuse(
                &state,
                media,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "BAD_USER_INPUT",
                &message,
            );
        }
    };
    let call = Call { state: &state, schema: &schema, req: &req, media };
    if let edge::Body::Multipart(boundary) = kind {
        return call.multipart(payload, boundary).await;
    }
    // The body as the `Bytes` extractor reads it: within the request body limit
    // (`PayloadConfig`, 413 past it), decompressed as its `Content-Encoding` says.
    let body = match <web::Bytes as actix_web::FromRequest>::from_request(&req, &mut payload.into_inner()).await {
        Ok(body) => body,
        Err(e) => return e.error_response(),
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let message = if body.is_empty() {
                "a POST needs a body: a GraphQL request in JSON".to_string()
            } else {
                format!("the body is not a GraphQL request in JSON: {e}")
            };
            return refuse(
                &state,
                media,
                StatusCode::BAD_REQUEST,
                StatusCode::BAD_REQUEST,
                "GRAPHQL_PARSE_FAILED",
                &message,
            );
        }
    };
    match Params::from_json(value) {
        Ok(params) => call.run(params, false, Vec::new()).await,
        Err(bad) => call.bad_param(bad),
    }
}

/// `GET /graphql?query=…`: queries only (405 for a mutation).
async fn graphql_get(state: web::Data<AppState>, schema: web::Data<AppSchema>, req: HttpRequest) -> HttpResponse {
    let Some(media) = edge::negotiate(&req) else { return not_acceptable(&state) };
    let call = Call { state: &state, schema: &schema, req: &req, media };
    match Params::from_query_string(req.query_string()) {
        Ok(params) => call.run(params, true, Vec::new()).await,
        Err(bad) => call.bad_param(bad),
    }
}

/// Any other method on `/graphql`: 405 naming the two that work.
async fn graphql_other_method() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .content_type("text/plain; charset=utf-8")
        .body("/graphql takes GET (queries) and POST\n")
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// Ready when the database answers, within the database timeout (a frozen database makes
/// this fail, not hang).
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let answered = tokio::time::timeout(state.settings.db_timeout, state.db.ping())
        .await
        .unwrap_or_else(|_| Err(sea_orm::DbErr::Custom("no answer within the database timeout".into())));
    match answered {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            HttpResponse::ServiceUnavailable().content_type("text/plain").body("database unreachable\n")
        }
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn an_execution_past_the_limit_is_dropped_and_answered_query_too_complex() {
        assert_eq!(within(Duration::ZERO, std::future::pending::<()>()).await, None);
        assert_eq!(within(Duration::from_secs(60), async { 7 }).await, Some(7));
        let body = timed_out(Duration::from_secs(30));
        assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
        assert_eq!(body["errors"][0]["extensions"]["limit"], "requestTimeout");
    }

    #[test]
    fn refusals_have_fixed_reasons() {
        let reason = |m: &str| refusal_reason(&AppError::Unauthenticated(m.into()));
        assert_eq!(reason("the token has expired"), Some("expired"));
        assert_eq!(reason("the user is deactivated"), Some("inactive"));
        assert_eq!(reason("the Authorization header must be `Bearer <token>`"), Some("malformed"));
        assert_eq!(reason("the token's key (kid) is not in the identity provider's key set"), Some("unknown_key"));
        assert_eq!(refusal_reason(&AppError::Internal("x".into())), None);
    }

    #[test]
    fn a_mutation_is_told_from_a_query() {
        assert!(is_mutation("mutation { a }", None));
        assert!(!is_mutation("query A { a } mutation B { b }", Some("A")));
        assert!(!is_mutation("{ a", None));
    }
}
