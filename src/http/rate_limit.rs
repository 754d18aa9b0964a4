//! Rate limits of `/graphql`, decided before a request is authenticated or run:
//!
//! - a token bucket per caller: a signed-in login (keyed by the token's verified `sub`), or,
//!   without a valid token, the client address (the peer's; the proxy-named one only with
//!   `CASEBRIDGE_TRUST_FORWARDED`, since anyone can write `X-Forwarded-For`). IPv6 addresses
//!   are keyed by their /64, which one host usually holds whole;
//! - a cap on expensive operations (the cost model's fields of cost at least
//!   [`EXPENSIVE_FIELD_COST`]: `annualReport`, `statistics`, `verifyRecordChain`) one caller
//!   runs at once, so one caller cannot hold the database while others wait.
//!
//! Over a limit: HTTP 429, `Retry-After`, and `RATE_LIMITED` with `extensions.retryAfter` in
//! seconds.
//!
//! The buckets are a hand-written GCRA (generic cell rate algorithm): one instant per caller,
//! the "theoretical arrival time". A caller whose instant has passed has a full bucket, the
//! same as one never seen, so forgetting it loses nothing: idle callers are swept every
//! [`SWEEP_EVERY`], and a full shard first drops every idle caller, then the caller closest to
//! idle. The map never holds more than the capacity (by default [`MAX_KEYS`]), whatever a
//! flood of new addresses does. (`governor` does the same with more machinery than two
//! quotas and a sweep need.)

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::config::{Quota, RateLimits};

/// Callers remembered at most (over all shards).
pub const MAX_KEYS: usize = 65_536;
/// Shards of the bucket map (each its own lock).
pub const SHARDS: usize = 16;
/// How often a shard forgets its idle callers.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// A root field whose cost-model cost is at least this makes an operation expensive.
pub const EXPENSIVE_FIELD_COST: u64 = 500;
/// What a caller refused for running too many expensive operations is told to wait.
pub const EXPENSIVE_RETRY: Duration = Duration::from_secs(1);

/// Who a bucket belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    Login(String),
    Address(String),
}

/// A refusal: when to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
}

impl Limited {
    /// Whole seconds to wait (rounded up, at least 1): `Retry-After` and `retryAfter`.
    pub fn seconds(&self) -> u64 {
        let d = self.retry_after;
        (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
    }
}

struct Shard {
    /// Each caller's theoretical arrival time; one in the past is a full bucket.
    tat: HashMap<Caller, Instant>,
    swept: Instant,
}

pub struct RateLimiter {
    limits: RateLimits,
    hasher: RandomState,
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
    /// Expensive operations running, per caller (an entry lives while one runs).
    running: Mutex<HashMap<Caller, usize>>,
}

/// One running expensive operation: uncounted when dropped.
pub struct Running {
    limiter: Arc<RateLimiter>,
    caller: Caller,
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = self.limiter.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = running.get_mut(&self.caller) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                running.remove(&self.caller);
            }
        }
    }
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self::with_capacity(limits, MAX_KEYS)
    }

    /// A limiter that remembers at most about `max_keys` callers (rounded up to the shards).
    pub fn with_capacity(limits: RateLimits, max_keys: usize) -> Self {
        let now = Instant::now();
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard { tat: HashMap::new(), swept: now })).collect();
        Self {
            limits,
            hasher: RandomState::new(),
            shards,
            per_shard: max_keys.div_ceil(SHARDS).max(1),
            running: Mutex::new(HashMap::new()),
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    fn quota(&self, caller: &Caller) -> Quota {
        match caller {
            Caller::Login(_) => self.limits.signed,
            Caller::Address(_) => self.limits.anonymous,
        }
    }

    /// Callers remembered now (all shards).
    pub fn remembered(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).tat.len()).sum()
    }

    /// Takes a token from the caller's bucket, or says how long until there is one.
    pub fn check(&self, caller: &Caller) -> Result<(), Limited> {
        self.check_at(caller, Instant::now())
    }

    /// [`check`](Self::check) at `now` (tests pass their own clock).
    pub fn check_at(&self, caller: &Caller, now: Instant) -> Result<(), Limited> {
        let quota = self.quota(caller);
        if quota.is_off() {
            return Ok(());
        }
        let interval = Duration::from_secs(1) / quota.per_second;
        let tolerance = interval * quota.burst.max(1);
        let index = (self.hasher.hash_one(caller) % SHARDS as u64) as usize;
        let mut shard = self.shards[index].lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(shard.swept) >= SWEEP_EVERY {
            shard.tat.retain(|_, tat| *tat > now);
            shard.swept = now;
        }
        let known = shard.tat.get(caller).copied();
        let tat = known.filter(|tat| *tat > now).unwrap_or(now);
        let next = tat + interval;
        let ahead = next - now;
        if ahead > tolerance {
            return Err(Limited { retry_after: ahead - tolerance });
        }
        if known.is_none() && shard.tat.len() >= self.per_shard {
            shard.tat.retain(|_, tat| *tat > now);
            shard.swept = now;
            if shard.tat.len() >= self.per_shard {
                // Every caller here is mid-burst: forget the one closest to a full bucket.
                let oldest = shard.tat.iter().min_by_key(|(_, tat)| **tat).map(|(c, _)| c.clone());
                if let Some(oldest) = oldest {
                    shard.tat.remove(&oldest);
                }
            }
        }
        shard.tat.insert(caller.clone(), next);
        Ok(())
    }

    /// Counts one expensive operation of `caller`, or refuses it when the caller already runs
    /// as many as allowed. `None` when there is no cap.
    pub fn start_expensive(self: &Arc<Self>, caller: &Caller) -> Result<Option<Running>, Limited> {
        let cap = self.limits.expensive_concurrency;
        if cap == 0 {
            return Ok(None);
        }
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let n = running.entry(caller.clone()).or_default();
        if *n >= cap {
            return Err(Limited { retry_after: EXPENSIVE_RETRY });
        }
        *n += 1;
        Ok(Some(Running { limiter: Arc::clone(self), caller: caller.clone() }))
    }
}

/// The caller of a request: the verified login, else the client address.
pub fn caller(req: &HttpRequest, login: Option<&str>, trust_forwarded: bool) -> Caller {
    if let Some(login) = login {
        return Caller::Login(login.to_string());
    }
    let address = if trust_forwarded {
        req.connection_info().realip_remote_addr().map(str::to_string)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    };
    Caller::Address(address.map(|a| address_key(&a)).unwrap_or_default())
}

/// An address as a bucket key: no port, an IPv6 address as its /64, and anything that is not
/// an address cut short (a proxy's header can say anything).
pub fn address_key(raw: &str) -> String {
    let raw = raw.trim();
    let ip = raw
        .parse::<SocketAddr>()
        .map(|a| a.ip())
        .or_else(|_| raw.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>());
    match ip {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => raw.chars().take(64).collect(),
    }
}

/// Whether a query selects, at the root of any of its operations, a field the cost model
/// prices at [`EXPENSIVE_FIELD_COST`] or more. A query that does not parse is not: the schema
/// refuses it without running anything.
pub fn is_expensive(query: &str) -> bool {
    // Most requests name none of the fields: they are not parsed a second time here.
    let named = crate::graphql::cost::EXPENSIVE
        .iter()
        .any(|(_, field, cost)| *cost >= EXPENSIVE_FIELD_COST && query.contains(field));
    if !named {
        return false;
    }
    selects_at_root(query, |name| {
        crate::graphql::cost::EXPENSIVE.iter().any(|(_, field, cost)| *field == name && *cost >= EXPENSIVE_FIELD_COST)
    })
}

/// The root fields that write a spreadsheet (they run under the export timeout).
const EXPORTS: [&str; 3] = ["exportCases", "exportTransfers", "exportStatistics"];

/// Whether a query writes an export: one of [`EXPORTS`] at the root of any operation.
pub fn writes_export(query: &str) -> bool {
    EXPORTS.iter().any(|field| query.contains(field)) && selects_at_root(query, |name| EXPORTS.contains(&name))
}

/// Whether any operation of `query` selects, at its root (through fragments too), a field
/// whose name `wanted` accepts. A query that does not parse does not.
fn selects_at_root(query: &str, wanted: impl Fn(&str) -> bool) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else { return false };
    doc.operations.iter().any(|(_, op)| roots_select(&doc, &op.node.selection_set.node, &wanted, &mut Vec::new()))
}

fn roots_select<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    wanted: &impl Fn(&str) -> bool,
    open: &mut Vec<&'a str>,
) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => wanted(f.node.name.node.as_str()),
        Selection::InlineFragment(f) => roots_select(doc, &f.node.selection_set.node, wanted, open),
        Selection::FragmentSpread(s) => {
            let name = s.node.fragment_name.node.as_str();
            if open.contains(&name) {
                return false;
            }
            let Some(def) = doc.fragments.get(&s.node.fragment_name.node) else { return false };
            open.push(name);
            let found = roots_select(doc, &def.node.selection_set.node, wanted, open);
            open.pop();
            found
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(signed: Quota, anonymous: Quota, expensive: usize) -> RateLimits {
        RateLimits { signed, anonymous, expensive_concurrency: expensive, trust_forwarded: false }
    }

    fn address(n: u32) -> Caller {
        Caller::Address(std::net::Ipv4Addr::from(n).to_string())
    }

    #[test]
    fn a_burst_passes_then_one_waits_one_interval() {
        let limiter = RateLimiter::new(limits(Quota { per_second: 10, burst: 3 }, Quota::OFF, 0));
        let me = Caller::Login("zhang".into());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at(&me, t0), Ok(()));
        }
        let refused = limiter.check_at(&me, t0).expect_err("the fourth at once is over the burst");
        assert_eq!(refused.retry_after, Duration::from_millis(100));
        assert_eq!(refused.seconds(), 1);
        // Another login has its own bucket; an address without a token is not limited here.
        assert_eq!(limiter.check_at(&Caller::Login("li".into()), t0), Ok(()));
        assert_eq!(limiter.check_at(&address(1), t0), Ok(()));
        // After the wait it is served again, and only one more.
        let later = t0 + refused.retry_after;
        assert_eq!(limiter.check_at(&me, later), Ok(()));
        assert!(limiter.check_at(&me, later).is_err());
        // A second later the whole burst is back.
        let idle = later + Duration::from_secs(1);
        for _ in 0..3 {
            assert_eq!(limiter.check_at(&me, idle), Ok(()));
        }
    }

    #[test]
    fn zero_turns_a_bucket_off() {
        let limiter = RateLimiter::new(RateLimits::OFF);
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert_eq!(limiter.check_at(&address(7), t0), Ok(()));
        }
        assert_eq!(limiter.remembered(), 0);
    }

    #[test]
    fn an_address_spraying_flood_keeps_the_map_bounded() {
        let anonymous = Quota { per_second: 1, burst: 5 };
        let limiter = RateLimiter::with_capacity(limits(Quota::OFF, anonymous, 0), 1024);
        let bound = 1024usize.div_ceil(SHARDS) * SHARDS;
        let t0 = Instant::now();
        // All at one instant: nobody is idle, so full shards drop their closest-to-idle callers.
        for n in 0..100_000 {
            assert_eq!(limiter.check_at(&address(n), t0), Ok(()));
            if n % 997 == 0 {
                assert!(limiter.remembered() <= bound);
            }
        }
        assert!(limiter.remembered() <= bound, "{} callers remembered", limiter.remembered());
        // A flooding address that keeps sending stays limited meanwhile.
        let flooder = address(u32::MAX);
        for _ in 0..5 {
            assert_eq!(limiter.check_at(&flooder, t0), Ok(()));
        }
        assert!(limiter.check_at(&flooder, t0).is_err());
        // Once their buckets have refilled, the sweep forgets every idle caller.
        let later = t0 + SWEEP_EVERY + Duration::from_secs(10);
        for shard in 0..SHARDS as u32 * 64 {
            let _ = limiter.check_at(&address(shard), later);
        }
        assert!(limiter.remembered() <= SHARDS * 64, "{} callers remembered", limiter.remembered());
    }

    #[test]
    fn expensive_operations_are_capped_per_caller() {
        let limiter = Arc::new(RateLimiter::new(limits(Quota::OFF, Quota::OFF, 2)));
        let me = Caller::Login("zhang".into());
        let first = limiter.start_expensive(&me).expect("first").expect("counted");
        let second = limiter.start_expensive(&me).expect("second").expect("counted");
        let refused = limiter.start_expensive(&me).err().expect("a third at once is refused");
        assert_eq!(refused.seconds(), 1);
        assert!(limiter.start_expensive(&Caller::Login("li".into())).is_ok(), "another caller runs");
        drop(first);
        let third = limiter.start_expensive(&me).expect("one finished: room again");
        drop((second, third));
        assert!(limiter.running.lock().expect("lock").is_empty(), "finished callers are forgotten");
        let uncapped = Arc::new(RateLimiter::new(RateLimits::OFF));
        assert!(uncapped.start_expensive(&me).expect("no cap").is_none());
    }

    #[test]
    fn expensive_is_read_from_the_root_fields() {
        assert!(is_expensive("{ annualReport(year: 2023) { markdown } }"));
        assert!(is_expensive("query { me { login } statistics(year: 2023) { finesTotal } }"));
        assert!(is_expensive("query { ...F } fragment F on Query { verifyRecordChain(caseId: \"x\") { ok } }"));
        assert!(is_expensive("{ ... on Query { x: annualReport(year: 2023) { markdown } } }"));
        assert!(!is_expensive("{ me { login } }"));
        assert!(!is_expensive("{ auditLog(first: 5) { totalCount } }"), "cheaper than the threshold");
        assert!(!is_expensive("{ not graphql"));
        assert!(!is_expensive("query { ...F } fragment F on Query { ...F }"));
        assert!(is_expensive("{ exportCases(format: CSV) { url } }"), "exports are expensive");
    }

    #[test]
    fn exports_are_told_from_queries_that_only_name_them() {
        assert!(writes_export("{ exportCases(format: XLSX) { url } }"));
        assert!(writes_export(
            "query { ...F } fragment F on Query { x: exportStatistics(year: 2023, format: CSV) { url } }"
        ));
        assert!(!writes_export("{ me { login } }"));
        assert!(!writes_export("{ cases(filter: { search: \"exportCases\" }) { totalCount } }"));
    }

    #[test]
    fn addresses_are_keyed_without_ports_and_ipv6_by_slash_64() {
        assert_eq!(address_key("10.0.0.1:4567"), "10.0.0.1");
        assert_eq!(address_key("10.0.0.1"), "10.0.0.1");
        assert_eq!(address_key("[2001:db8::1]:443"), "2001:db8:0:0::/64");
        assert_eq!(address_key("2001:db8:0:0:ffff::9"), "2001:db8:0:0::/64");
        assert_eq!(address_key("::ffff:10.0.0.2"), "10.0.0.2");
        assert_eq!(address_key(&"x".repeat(500)).len(), 64);
    }
}
