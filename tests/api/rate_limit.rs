//! Rate limits: a token bucket per login and per client address, and a cap on expensive
//! operations per caller. Each test configures small limits on its own server; nothing here
//! asserts how fast anything runs (a burst is sent many times over its size, so a refusal comes
//! however slow the machine).

use std::time::Duration;

use casebridge::config::{Quota, RateLimits};
use serde_json::{Value, json};

use crate::support::{TestApp, code};

const ME: &str = "{ me { login } }";
const PUBLICATIONS: &str = "{ publications(first: 5) { edges { node { title } } } }";
const REPORT: &str = "{ annualReport(year: 2023) }";

/// Requests sent to find a refusal: far more than any burst here, so the bucket cannot refill
/// fast enough to let them all through unless they took many seconds each.
const FLOOD: usize = 40;

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

impl Answer {
    fn served(&self) -> bool {
        self.status == 200 && self.body.get("errors").is_none()
    }

    /// A refusal as the contract has it: 429, `Retry-After`, `RATE_LIMITED` with the same
    /// `retryAfter`. Returns the seconds to wait.
    fn refusal(&self) -> Option<u64> {
        if self.status != 429 {
            return None;
        }
        assert_eq!(code(&self.body), "RATE_LIMITED", "{}", self.body);
        let seconds = self.body["errors"][0]["extensions"]["retryAfter"].as_u64().expect("retryAfter");
        assert!(seconds >= 1, "{}", self.body);
        assert_eq!(self.retry_after, Some(seconds), "Retry-After matches retryAfter");
        assert!(self.body.get("data").is_none(), "nothing ran: {}", self.body);
        Some(seconds)
    }
}

async fn send(app: &TestApp, token: Option<&str>, forwarded_for: Option<&str>, query: &str) -> Answer {
    let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
    let mut req = client.post(format!("{}/graphql", app.address));
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    if let Some(addr) = forwarded_for {
        req = req.insert_header(("X-Forwarded-For", addr.to_string()));
    }
    let mut resp = req.send_json(&json!({ "query": query })).await.expect("send");
    let retry_after = resp
        .headers()
        .get("Retry-After")
        .map(|v| v.to_str().expect("ascii").parse::<u64>().expect("Retry-After in seconds"));
    let body = resp.json::<Value>().limit(16 << 20).await.expect("json body");
    Answer { status: resp.status().as_u16(), retry_after, body }
}

/// Sends `query` until one is refused; every earlier one must have been served.
async fn flood_until_refused(app: &TestApp, token: Option<&str>, forwarded_for: Option<&str>, query: &str) -> u64 {
    for i in 0..FLOOD {
        let answer = send(app, token, forwarded_for, query).await;
        if let Some(seconds) = answer.refusal() {
            assert!(i >= 1, "the first request of a burst is served");
            return seconds;
        }
        assert!(answer.served(), "request {i}: {}", answer.body);
    }
    panic!("{FLOOD} requests in a row and none refused");
}

fn small(signed: Quota, anonymous: Quota) -> RateLimits {
    RateLimits { signed, anonymous, expensive_concurrency: 0, trust_forwarded: false }
}

#[actix_rt::test]
async fn a_login_over_its_burst_is_refused_until_retry_after_while_another_is_served() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = small(Quota { per_second: 1, burst: 3 }, Quota::OFF);
    })
    .await;
    let flooder = app.token("dashboard");
    let seconds = flood_until_refused(&app, Some(&flooder), None, ME).await;

    // Another login has its own bucket.
    let other = send(&app, Some(&app.token("town.beiao")), None, ME).await;
    assert!(other.served(), "{}", other.body);

    // After the wait it names, the caller is served again.
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let again = send(&app, Some(&flooder), None, ME).await;
    assert!(again.served(), "{}", again.body);

    let metrics = app.raw("GET", "/metrics", None).await.1;
    assert!(metrics.contains("RATE_LIMITED"), "refusals are counted");
}

#[actix_rt::test]
async fn one_address_flooding_publications_does_not_stop_another_address_or_an_officer() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = RateLimits { trust_forwarded: true, ..small(Quota::OFF, Quota { per_second: 1, burst: 2 }) };
    })
    .await;
    flood_until_refused(&app, None, Some("203.0.113.7"), PUBLICATIONS).await;
    let neighbour = send(&app, None, Some("198.51.100.9"), PUBLICATIONS).await;
    assert!(neighbour.served(), "{}", neighbour.body);
    let officer = send(&app, Some(&app.token("dashboard")), Some("203.0.113.7"), PUBLICATIONS).await;
    assert!(officer.served(), "a signed caller is keyed by login, not address: {}", officer.body);
    // A token that does not verify counts as no token, against the address.
    let forged = send(&app, Some("not-a-token"), Some("203.0.113.7"), PUBLICATIONS).await;
    assert!(forged.refusal().is_some(), "{}", forged.body);
}

#[actix_rt::test]
async fn without_a_trusted_proxy_x_forwarded_for_does_not_buy_a_new_bucket() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = small(Quota::OFF, Quota { per_second: 1, burst: 2 });
    })
    .await;
    for i in 0..FLOOD {
        let spoofed = format!("192.0.2.{}", i % 250);
        let answer = send(&app, None, Some(&spoofed), PUBLICATIONS).await;
        if answer.refusal().is_some() {
            return;
        }
        assert!(answer.served(), "{}", answer.body);
    }
    panic!("every request had a new X-Forwarded-For, and the peer's bucket never ran out");
}

#[actix_rt::test]
async fn expensive_operations_beyond_the_cap_are_refused_while_cheap_ones_are_served() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = RateLimits { expensive_concurrency: 1, ..RateLimits::OFF };
    })
    .await;
    let token = app.token("dashboard");
    let reports = (0..6).map(|_| send(&app, Some(&token), None, REPORT));
    let (reports, me) =
        futures_util::future::join(futures_util::future::join_all(reports), send(&app, Some(&token), None, ME)).await;
    assert!(me.served(), "a cheap request is never capped: {}", me.body);
    let mut served = 0;
    for answer in &reports {
        if answer.served() {
            served += 1;
        } else {
            assert!(answer.refusal().is_some(), "served or refused RATE_LIMITED: {}", answer.body);
        }
    }
    assert!(served >= 1, "one at a time runs");
    // Whether the others overlapped depends on timing; the cap itself is tested in the unit
    // tests of `http::rate_limit`. What must hold: a finished report frees its place.
    let after = send(&app, Some(&token), None, REPORT).await;
    assert!(after.served(), "{}", after.body);
}

#[actix_rt::test]
async fn limits_that_are_off_let_everything_through() {
    let app = TestApp::spawn().await;
    for _ in 0..30 {
        let answer = send(&app, None, None, PUBLICATIONS).await;
        assert!(answer.served(), "{}", answer.body);
    }
}

/// Operations sent over a WebSocket take from the same per-login bucket as HTTP requests: a
/// socket is not a way around the limit. The refused operation gets RATE_LIMITED with
/// `retryAfter`; the socket stays open and another login is served.
#[actix_rt::test]
async fn operations_over_a_websocket_count_against_the_logins_bucket() {
    use crate::support::ws;

    let app = TestApp::spawn_with(|s| {
        s.rate_limits = small(Quota { per_second: 1, burst: 3 }, Quota::OFF);
    })
    .await;
    let mut socket = ws::connect(&app, &app.token("dashboard"), "graphql-transport-ws").await;
    let mut refused = None;
    for i in 0..FLOOD {
        let id = format!("q{i}");
        ws::send(&mut socket, json!({"id": id, "type": "subscribe", "payload": {"query": ME}})).await;
        let answer = loop {
            let msg = ws::next(&mut socket, 30).await.expect("an answer on the open socket");
            if msg["id"] == id.as_str() && msg["type"] != "complete" {
                break msg;
            }
        };
        if answer["type"] == "error" {
            refused = Some(answer);
            break;
        }
        assert_eq!(answer["payload"]["data"]["me"]["login"], "dashboard", "{answer}");
    }
    let refused = refused.expect("a refusal within the flood");
    let error = &refused["payload"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{refused}");
    assert!(error["extensions"]["retryAfter"].as_u64().is_some_and(|s| s >= 1), "{refused}");

    // Another login has its own bucket.
    let other = send(&app, Some(&app.token("town.beiao")), None, ME).await;
    assert!(other.served(), "{}", other.body);
}
