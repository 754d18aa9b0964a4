//! `/graphql/ws`: GraphQL over WebSocket (`graphql-transport-ws`, and the legacy `graphql-ws`
//! that async-graphql calls `SubscriptionsTransportWS`), held as strictly as HTTP.
//!
//! async-graphql speaks the protocol; this module owns the socket around it:
//!
//! - `connection_init` must come within [`INIT_TIMEOUT`], or the socket closes 4408;
//! - every operation a client starts is checked first: the token must not have expired and the
//!   user must still be active with the rights the connection was opened with (one database
//!   read, as for an HTTP request); otherwise the socket closes 4401 and nothing runs. The
//!   token's expiry closes an idle socket 4401 too;
//! - a connection runs at most [`MAX_OPERATIONS`] operations at once (one more is refused
//!   `RATE_LIMITED`, the others go on), and one login holds at most
//!   [`MAX_CONNECTIONS_PER_LOGIN`] sockets per instance (one more is refused at init);
//! - a ping every [`KEEPALIVE`]; a peer silent for three of them is dropped;
//! - when the server shuts down ([`Drain`]), every running operation gets its `complete` and
//!   the socket closes 1001 (going away) at once: a subscription has no end to wait for.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use async_graphql::http::{WebSocketProtocols, WsMessage};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::{Notify, mpsc, watch};

use crate::auth::{Principal, refusal_reason};
use crate::error::AppError;
use crate::graphql::AppSchema;
use crate::graphql::context::{AppState, RequestCtx};
use crate::graphql::loaders::Loaders;
use crate::http::rate_limit::{Caller, Limited, RateLimiter};
use crate::metrics::Metrics;

/// How long a socket may stay open without `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Operations one connection runs at once (subscriptions, and queries until they answer).
pub const MAX_OPERATIONS: usize = 32;
/// Sockets one login holds on one instance.
pub const MAX_CONNECTIONS_PER_LOGIN: usize = 32;
/// How often the server pings.
pub const KEEPALIVE: Duration = Duration::from_secs(30);
/// How long after the token's expiry an idle socket closes (4401).
pub const EXPIRY_GRACE: Duration = Duration::from_secs(1);
/// The largest message a client may send.
pub const MAX_MESSAGE_BYTES: usize = 256 << 10;

/// The sockets each login holds on this instance.
#[derive(Default)]
pub struct Connections {
    by_login: Mutex<HashMap<String, usize>>,
}

/// One counted socket: uncounted when dropped.
struct Held {
    connections: Arc<Connections>,
    login: String,
}

impl Connections {
    fn hold(self: &Arc<Self>, login: &str) -> Option<Held> {
        let mut map = self.by_login.lock().unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(login.to_string()).or_default();
        if *n >= MAX_CONNECTIONS_PER_LOGIN {
            return None;
        }
        *n += 1;
        Some(Held { connections: Arc::clone(self), login: login.to_string() })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut map = self.connections.by_login.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.login) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.login);
            }
        }
    }
}

/// Where a shutdown stands: the phases only move forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Serving,
    /// A signal came: sockets end their operations and close 1001, requests in flight finish.
    Draining,
    /// The grace is over: what still runs is dropped (and counted as cut).
    Cut,
}

/// What a shutdown tells the server's sockets and requests, and what they tell it back: how
/// many are still open, and how many had to be cut. `app` drives it; the sockets (here) and the
/// request counter around every handler (`app`) report to it.
pub struct Drain {
    phase: watch::Sender<Phase>,
    /// Open sockets plus HTTP requests being handled; the drain is over at 0. An atomic, not
    /// a channel: every request counts itself in and out, and only the last one out wakes.
    busy: AtomicUsize,
    idle: Notify,
    requests_cut: AtomicUsize,
    sockets_cut: AtomicUsize,
}

impl Default for Drain {
    fn default() -> Self {
        Self {
            phase: watch::Sender::new(Phase::Serving),
            busy: AtomicUsize::new(0),
            idle: Notify::new(),
            requests_cut: AtomicUsize::new(0),
            sockets_cut: AtomicUsize::new(0),
        }
    }
}

/// One open socket or request being handled: counted until dropped.
pub struct Busy(Arc<Drain>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Drain {
    pub fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// Moves to `phase` (never back).
    pub fn enter(&self, phase: Phase) {
        self.phase.send_if_modified(|now| {
            let forward = phase > *now;
            if forward {
                *now = phase;
            }
            forward
        });
    }

    /// Counts a socket or request until the guard is dropped.
    pub fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::AcqRel);
        Busy(Arc::clone(self))
    }

    /// Sockets and requests still open.
    pub fn open(&self) -> usize {
        self.busy.load(Ordering::Acquire)
    }

    /// Resolves when nothing is open any more.
    pub async fn idle(&self) {
        loop {
            let woken = self.idle.notified();
            tokio::pin!(woken);
            // Registered before the check: a last one out in between still wakes this.
            woken.as_mut().enable();
            if self.open() == 0 {
                return;
            }
            woken.await;
        }
    }

    /// Resolves once the shutdown has reached `phase` (never, while serving).
    pub async fn reached(&self, phase: Phase) {
        let mut rx = self.phase.subscribe();
        if rx.wait_for(|now| *now >= phase).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// A request was dropped at the end of the grace.
    pub fn request_cut(&self) {
        self.requests_cut.fetch_add(1, Ordering::Relaxed);
    }

    /// (requests, sockets) cut so far.
    pub fn cut(&self) -> (usize, usize) {
        (self.requests_cut.load(Ordering::Relaxed), self.sockets_cut.load(Ordering::Relaxed))
    }
}

/// The operations running on one connection, gauged in `/metrics` as they start and end.
struct Running {
    ids: HashSet<String>,
    metrics: Arc<Metrics>,
}

impl Running {
    fn insert(&mut self, id: String) {
        if self.ids.insert(id) {
            self.metrics.subscriptions(1);
        }
    }

    fn remove(&mut self, id: &str) {
        if self.ids.remove(id) {
            self.metrics.subscriptions(-1);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for _ in self.ids.drain() {
            self.metrics.subscriptions(-1);
        }
    }
}

/// An open socket, gauged in `/metrics` until dropped.
struct Gauged(Arc<Metrics>);

impl Gauged {
    fn new(metrics: &Arc<Metrics>) -> Self {
        metrics.ws_connections(1);
        Self(Arc::clone(metrics))
    }
}

impl Drop for Gauged {
    fn drop(&mut self) {
        self.0.ws_connections(-1);
    }
}

/// Who the connection was opened for (set by `connection_init`).
struct Opened {
    principal: Arc<Principal>,
    expires_at: DateTime<Utc>,
    _held: Held,
}

type Shared = Arc<Mutex<Option<Opened>>>;

fn close(code: u16, why: &str) -> Option<CloseReason> {
    Some(CloseReason { code: CloseCode::Other(code), description: Some(why.to_string()) })
}

/// The protocol the client asked for, as async-graphql names it.
fn protocol(req: &HttpRequest) -> Option<WebSocketProtocols> {
    let asked = req.headers().get(header::SEC_WEBSOCKET_PROTOCOL)?.to_str().ok()?;
    asked.split(',').find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
}

/// `connection_init`: `{"Authorization": "Bearer …"}` as over HTTP. A missing or bad token, or
/// a login already holding its share of sockets, refuses the connection.
async fn init(
    state: AppState,
    connections: Arc<Connections>,
    opened: Shared,
    payload: serde_json::Value,
    addr: Option<String>,
) -> async_graphql::Result<async_graphql::Data> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
        .map(str::to_string);
    let Some(header) = header else {
        state.metrics.auth_refused("missing");
        return Err(AppError::unauthenticated().into());
    };
    let token = header.trim().strip_prefix("Bearer ").unwrap_or(header.trim()).trim().to_string();
    let refused = |err: AppError| {
        // A database that did not answer is no refused token, but the handshake still fails.
        state.metrics.auth_refused(refusal_reason(&err).unwrap_or("unavailable"));
        err
    };
    let claims = state.settings.jwt.verify_fresh(&token).await.map_err(refused)?;
    let principal = super::principal_of(&state, &claims, addr.clone()).await.map_err(refused)?;
    let held = connections.hold(&principal.login).ok_or_else(|| {
        AppError::RateLimited(format!("{} sockets are open for this login already", MAX_CONNECTIONS_PER_LOGIN))
    })?;
    let today = crate::calendar::today();
    let expires_at = DateTime::from_timestamp(claims.exp, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut data = async_graphql::Data::default();
    data.insert(Loaders::new(&state.db, Some(&principal), today));
    data.insert(RequestCtx { principal: Some(Arc::clone(&principal)), today, client_addr: addr });
    data.insert(crate::events::subscriptions::Session { expires_at });
    *opened.lock().unwrap_or_else(PoisonError::into_inner) = Some(Opened { principal, expires_at, _held: held });
    Ok(data)
}

/// Whether the connection's user may still start an operation: `Err` is why not.
async fn still_allowed(state: &AppState, opened: &Shared) -> Result<(), &'static str> {
    let (login, was, expires_at) = {
        let guard = opened.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(o) = guard.as_ref() else { return Ok(()) };
        (o.principal.login.clone(), Arc::clone(&o.principal), o.expires_at)
    };
    if Utc::now() >= expires_at {
        state.metrics.auth_refused("expired");
        return Err("the token has expired");
    }
    // Through the instance's principal cache: every change of a user's access empties it.
    match state.principals.get(&state.db, &login).await {
        Ok(now) if now.roles == was.roles && now.department_id == was.department_id && now.town == was.town => Ok(()),
        Ok(_) => {
            state.metrics.auth_refused("rights_changed");
            Err("the user's rights changed: connect again")
        }
        Err(err @ AppError::Unauthenticated(_)) => {
            state.metrics.auth_refused(refusal_reason(&err).unwrap_or("unavailable"));
            Err("the user is deactivated or unknown")
        }
        // The database did not answer: refuse this operation, keep the socket.
        Err(_) => Ok(()),
    }
}

/// What the client's message asks for, as far as this layer cares.
enum Asked {
    Init,
    Start(String),
    Stop(String),
    Other,
}

fn asked(text: &str) -> Asked {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else { return Asked::Other };
    let id = || v.get("id").and_then(|i| i.as_str()).unwrap_or_default().to_string();
    match v.get("type").and_then(|t| t.as_str()) {
        Some("connection_init") => Asked::Init,
        Some("subscribe" | "start") => Asked::Start(id()),
        Some("complete" | "stop") => Asked::Stop(id()),
        _ => Asked::Other,
    }
}

/// The id of an operation the server ended (its `complete` or `error`).
fn ended(text: &str) -> Option<String> {
    let v = serde_json::from_str::<serde_json::Value>(text).ok()?;
    matches!(v.get("type")?.as_str()?, "complete" | "error").then(|| v.get("id")?.as_str().map(str::to_string))?
}

fn refused(protocol: WebSocketProtocols, id: &str, code: &str, message: &str) -> String {
    refused_with(protocol, id, serde_json::json!({ "code": code }), message)
}

fn refused_with(protocol: WebSocketProtocols, id: &str, extensions: serde_json::Value, message: &str) -> String {
    let error = serde_json::json!([{ "message": message, "extensions": extensions }]);
    match protocol {
        WebSocketProtocols::GraphQLWS => serde_json::json!({ "type": "error", "id": id, "payload": error }),
        WebSocketProtocols::SubscriptionsTransportWS => {
            serde_json::json!({ "type": "error", "id": id, "payload": error[0] })
        }
    }
    .to_string()
}

/// Upgrades the request and runs the connection on this worker until either side closes.
pub async fn graphql_ws(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    connections: web::Data<Arc<Connections>>,
    drain: web::Data<Arc<Drain>>,
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let Some(protocol) = protocol(&req) else {
        return Ok(HttpResponse::BadRequest()
            .content_type("text/plain")
            .body("ask for the graphql-transport-ws (or graphql-ws) subprotocol\n"));
    };
    // A socket asked for on a kept-alive connection after the signal: it would close at once.
    if drain.phase() != Phase::Serving {
        return Ok(HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "1"))
            .content_type("text/plain")
            .body("the server is shutting down\n"));
    }
    let (mut response, session, messages) = actix_ws::handle(&req, body)?;
    response
        .headers_mut()
        .insert(header::SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(protocol.sec_websocket_protocol()));
    let addr = req.connection_info().realip_remote_addr().map(str::to_string);
    let limiter = req.app_data::<web::Data<RateLimiter>>().map(|l| l.clone().into_inner());
    let run = Connection {
        limiter,
        state: state.get_ref().clone(),
        schema: AppSchema::clone(&schema),
        connections: Arc::clone(connections.get_ref()),
        protocol,
        addr,
    };
    let drain = Arc::clone(drain.get_ref());
    let busy = drain.busy();
    actix_web::rt::spawn(async move {
        // The socket answers the drain itself (complete, 1001); one still running when the
        // grace is over (a peer that reads nothing, say) is dropped here, and counted.
        tokio::select! {
            () = run.serve(session, messages, &drain) => {}
            () = drain.reached(Phase::Cut) => {
                drain.sockets_cut.fetch_add(1, Ordering::Relaxed);
            }
        }
        drop(busy);
    });
    Ok(response)
}

struct Connection {
    /// The HTTP rate limits apply to each operation sent over the socket too, in the same
    /// per-login bucket (a socket is not a way around them).
    limiter: Option<Arc<RateLimiter>>,
    state: AppState,
    schema: AppSchema,
    connections: Arc<Connections>,
    protocol: WebSocketProtocols,
    addr: Option<String>,
}

impl Connection {
    /// The caller's rate-limit bucket, as for an HTTP request by the same login.
    fn admit(&self, opened: &Shared) -> Result<(), Limited> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        let login = opened.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|o| o.principal.login.clone());
        match login {
            Some(login) => limiter.check(&Caller::Login(login)),
            None => Ok(()),
        }
    }

    async fn serve(self, mut session: actix_ws::Session, messages: actix_ws::MessageStream, drain: &Drain) {
        let _gauged = Gauged::new(&self.state.metrics);
        let mut messages = messages.max_frame_size(MAX_MESSAGE_BYTES).aggregate_continuations();
        let opened: Shared = Arc::default();
        let (to_graphql, inbox) = mpsc::channel::<String>(64);
        let inbox = futures_util::stream::unfold(inbox, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
        let on_init = {
            let (state, connections, opened, addr) =
                (self.state.clone(), Arc::clone(&self.connections), Arc::clone(&opened), self.addr.clone());
            move |payload| init(state, connections, opened, payload, addr)
        };
        let mut graphql = Box::pin(
            async_graphql::http::WebSocket::new(self.schema.clone(), Box::pin(inbox), self.protocol)
                .on_connection_init(on_init),
        );
        let mut running = Running { ids: HashSet::new(), metrics: Arc::clone(&self.state.metrics) };
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let mut expiry = Box::pin(tokio::time::sleep(Duration::from_secs(86_400 * 365)));
        let mut expiry_set = false;
        let mut keepalive = tokio::time::interval(KEEPALIVE);
        keepalive.tick().await;
        let mut silent_rounds = 0u32;

        let reason = loop {
            let initialised = opened.lock().unwrap_or_else(PoisonError::into_inner).is_some();
            if initialised && !expiry_set {
                let at = opened.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|o| o.expires_at);
                // A moment after the expiry, so that the subscriptions' own UNAUTHENTICATED
                // errors and completions reach the client before the socket closes.
                let left = at.and_then(|at| (at - Utc::now()).to_std().ok()).unwrap_or(Duration::ZERO) + EXPIRY_GRACE;
                expiry.as_mut().reset(tokio::time::Instant::now() + left);
                expiry_set = true;
            }
            tokio::select! {
                () = drain.reached(Phase::Draining) => {
                    // Each operation ends as if the client had stopped it, then the socket
                    // goes away (both protocols end an operation with `complete`).
                    let ids: Vec<String> = running.ids.iter().cloned().collect();
                    for id in ids {
                        running.remove(&id);
                        let done = serde_json::json!({ "id": id, "type": "complete" }).to_string();
                        if session.text(done).await.is_err() {
                            break;
                        }
                    }
                    break Some(CloseReason {
                        code: CloseCode::Away,
                        description: Some("the server is shutting down".into()),
                    });
                }
                () = &mut init_deadline, if !initialised => {
                    break close(4408, "Connection initialisation timeout");
                }
                () = &mut expiry, if expiry_set => {
                    self.state.metrics.auth_refused("expired");
                    break close(4401, "the token has expired");
                }
                _ = keepalive.tick() => {
                    silent_rounds += 1;
                    if silent_rounds > 3 {
                        break None;
                    }
                    if session.ping(b"").await.is_err() {
                        break None;
                    }
                }
                out = graphql.next() => match out {
                    Some(WsMessage::Text(text)) => {
                        if let Some(id) = ended(&text) {
                            running.remove(&id);
                        }
                        if session.text(text).await.is_err() {
                            break None;
                        }
                    }
                    Some(WsMessage::Close(code, why)) => break close(code, &why),
                    None => break None,
                },
                incoming = messages.next() => {
                    silent_rounds = 0;
                    let text = match incoming {
                        Some(Ok(AggregatedMessage::Text(text))) => text.to_string(),
                        Some(Ok(AggregatedMessage::Binary(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            if session.pong(&bytes).await.is_err() {
                                break None;
                            }
                            continue;
                        }
                        Some(Ok(AggregatedMessage::Pong(_))) => continue,
                        Some(Ok(AggregatedMessage::Close(_))) | None => break None,
                        Some(Err(_)) => break close(1009, "message too large or malformed"),
                    };
                    match asked(&text) {
                        Asked::Init => {}
                        Asked::Start(id) => {
                            if !initialised {
                                break close(4401, "Unauthorized");
                            }
                            if running.ids.contains(&id) {
                                break close(4409, &format!("Subscriber for {id} already exists"));
                            }
                            if let Err(why) = still_allowed(&self.state, &opened).await {
                                let _ = session.text(refused(self.protocol, &id, "UNAUTHENTICATED", why)).await;
                                break close(4401, why);
                            }
                            if let Err(limited) = self.admit(&opened) {
                                let extensions = serde_json::json!({
                                    "code": "RATE_LIMITED", "retryAfter": limited.seconds()
                                });
                                let why = "too many requests";
                                if session.text(refused_with(self.protocol, &id, extensions, why)).await.is_err() {
                                    break None;
                                }
                                continue;
                            }
                            if running.ids.len() >= MAX_OPERATIONS {
                                let why = format!("at most {MAX_OPERATIONS} operations run at once on one connection");
                                if session.text(refused(self.protocol, &id, "RATE_LIMITED", &why)).await.is_err() {
                                    break None;
                                }
                                continue;
                            }
                            running.insert(id);
                        }
                        Asked::Stop(id) => {
                            running.remove(&id);
                        }
                        Asked::Other => {}
                    }
                    if to_graphql.send(text).await.is_err() {
                        break None;
                    }
                }
            }
        };
        let _ = session.close(reason).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_counted_under_their_fixed_reason() {
        let config = |secret: &[u8]| {
            crate::auth::JwtConfig::new(
                crate::auth::JwtKey::Hs256(secret.to_vec()),
                "casebridge".into(),
                "casebridge-api".into(),
            )
            .expect("jwt")
        };
        let jwt = config(b"0123456789abcdef0123456789abcdef");
        let reason =
            |token: &str| jwt.verify(token).map_or_else(|e| refusal_reason(&e).unwrap_or("none"), |_| "accepted");
        assert_eq!(reason(&jwt.sign("someone", chrono::Duration::hours(-2)).expect("sign")), "expired");
        assert_eq!(reason("not.a.token"), "malformed");
        let other = config(b"another-secret-another-secret-0123");
        assert_eq!(reason(&other.sign("someone", chrono::Duration::hours(1)).expect("sign")), "bad_signature");
        assert_eq!(reason(&jwt.sign("someone", chrono::Duration::hours(1)).expect("sign")), "accepted");
        assert_eq!(refusal_reason(&AppError::Unauthenticated("unknown user".into())), Some("unknown_user"));
        assert_eq!(refusal_reason(&AppError::Unauthenticated("the user is deactivated".into())), Some("inactive"));
    }
}
