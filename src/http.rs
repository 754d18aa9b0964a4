//! Routes: `POST`/`GET /graphql`, GraphiQL at `/`, `/healthz`, `/readyz`, `/metrics`, the
//! dashboard page at `/dashboard`.

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use entity::enums::Role;

pub mod observe;
pub mod rate_limit;
pub mod response_cache;
pub mod ws;

use self::response_cache::ResponseCache;
use crate::auth::{Claims, Principal};
use crate::error::AppError;
use crate::graphql::AppSchema;
use crate::graphql::context::AppState;
use crate::graphql::context::RequestCtx;
use crate::graphql::loaders::Loaders;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql_post))
        .route("/graphql", web::get().to(graphql_get))
        .route("/graphql/ws", web::get().to(ws::graphql_ws))
        .route("/", web::get().to(graphiql))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .configure(crate::dashboard::routes);
}

/// The largest response body sent (a ceiling behind the cost model).
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;

fn error_body(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code, "requestId": crate::telemetry::current_request_id().as_deref() } }] })
}

fn json(status: actix_web::http::StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    match serde_json::to_vec(body) {
        Ok(bytes) => HttpResponse::build(status).content_type("application/json").body(bytes),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// The verified claims of an `Authorization` header: `None` without one; a header that is not
/// `Bearer <token>`, or a token that fails, is an error.
pub fn verify_header(state: &AppState, authorization: Option<&str>) -> Result<Option<Claims>, AppError> {
    let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into()))?;
    state.settings.jwt.verify(token.trim()).map(Some)
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

/// `429 Too Many Requests` with `Retry-After` and `RATE_LIMITED` (`extensions.retryAfter`).
fn rate_limited(state: &AppState, message: &str, limited: rate_limit::Limited) -> HttpResponse {
    state.metrics.error("RATE_LIMITED");
    let seconds = limited.seconds();
    let mut body = error_body("RATE_LIMITED", &format!("{message}; try again in {seconds} s"));
    body["errors"][0]["extensions"]["retryAfter"] = seconds.into();
    let mut response = json(actix_web::http::StatusCode::TOO_MANY_REQUESTS, &body);
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

async fn execute(
    state: &AppState,
    schema: &AppSchema,
    req: &HttpRequest,
    mut gql: async_graphql::Request,
) -> HttpResponse {
    let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    // Verified once: a token that does not verify counts against its address, like no token.
    let verified = verify_header(state, auth);
    let login = verified.as_ref().ok().and_then(|c| c.as_ref()).map(|c| c.sub.as_str());
    let _running = match admit(state, req, login, &gql.query) {
        Ok(running) => running,
        Err(refused) => return *refused,
    };
    let principal = match verified {
        Ok(None) => Ok(None),
        Ok(Some(claims)) => principal_of(state, &claims, client_addr(req)).await.map(Some),
        Err(e) => Err(e),
    };
    let principal = match principal {
        Ok(p) => p,
        Err(err) => {
            state.metrics.error(err.code());
            return json(actix_web::http::StatusCode::OK, &error_body(err.code(), &err.message()));
        }
    };
    let today = crate::calendar::today();
    let slot = cache_slot(state, req, &mut gql, principal.as_deref(), today).await;
    if let Some((cache, key, snapshot)) = &slot {
        let started = Instant::now();
        let hit = cache.get(key, snapshot);
        state.metrics.response_cache(hit.is_some());
        if let Some(body) = hit {
            state.metrics.request(gql.operation_name.as_deref().unwrap_or("anonymous"), started.elapsed());
            return HttpResponse::Ok().content_type("application/json").body(body);
        }
    }
    let loaders = Loaders::new(&state.db, principal.as_ref(), today);
    let gql = gql.data(RequestCtx { principal, today, client_addr: client_addr(req) }).data(loaders);
    let response = schema.execute(gql).await;
    let Ok(bytes) = serde_json::to_vec(&response) else {
        return HttpResponse::InternalServerError().finish();
    };
    if bytes.len() > MAX_RESPONSE_BYTES {
        // The cost model bounds what a query may ask for; this is the last line behind it.
        state.metrics.error("QUERY_TOO_COMPLEX");
        let message = format!("the response would exceed {MAX_RESPONSE_BYTES} bytes; ask for fewer rows or fields");
        let mut body = error_body("QUERY_TOO_COMPLEX", &message);
        body["errors"][0]["extensions"]["limit"] = "responseBytes".into();
        return json(actix_web::http::StatusCode::OK, &body);
    }
    let bytes = web::Bytes::from(bytes);
    if let Some((cache, key, snapshot)) = slot
        && response.is_ok()
    {
        cache.put(key, snapshot, bytes.clone());
    }
    HttpResponse::Ok().content_type("application/json").body(bytes)
}

async fn graphql_post(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let gql: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            state.metrics.error("GRAPHQL_PARSE_FAILED");
            let message = format!("the body is not a GraphQL request in JSON: {e}");
            return json(actix_web::http::StatusCode::BAD_REQUEST, &error_body("GRAPHQL_PARSE_FAILED", &message));
        }
    };
    execute(&state, &schema, &req, gql).await
}

/// `GET /graphql?query=…`: queries only; a mutation over GET could be triggered by a link.
async fn graphql_get(state: web::Data<AppState>, schema: web::Data<AppSchema>, req: HttpRequest) -> HttpResponse {
    let gql = match async_graphql::http::parse_query_string(req.query_string()) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("bad query string: {e}");
            return json(actix_web::http::StatusCode::BAD_REQUEST, &error_body("GRAPHQL_PARSE_FAILED", &message));
        }
    };
    if let Ok(doc) = async_graphql::parser::parse_query(&gql.query) {
        let mutation = doc.operations.iter().any(|(name, op)| {
            let selected = match (&gql.operation_name, name) {
                (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
                _ => true,
            };
            selected && op.node.ty != OperationType::Query
        });
        if mutation {
            return json(
                actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                &error_body("BAD_USER_INPUT", "only queries may be sent with GET; use POST"),
            );
        }
    }
    execute(&state, &schema, &req, gql).await
}

async fn graphiql(state: web::Data<AppState>) -> HttpResponse {
    if !state.settings.introspection {
        return HttpResponse::NotFound()
            .content_type("text/plain")
            .body("GraphiQL is off on this server (CASEBRIDGE_INTROSPECTION=true turns it on)\n");
    }
    let html =
        GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").title("casebridge").finish();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html)
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
