//! Many subscribers at once: each a task holding one WebSocket, timestamping every `next`
//! message as it arrives and keeping its raw bytes to be read after the run.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::client::{Incoming, Ws};

/// Connections opened at the same time.
const CONNECTING: usize = 128;
/// Connections per loopback source address (each has about 28,000 ephemeral ports).
const PER_SOURCE: usize = 20_000;

/// What one subscriber saw.
pub struct Receipts {
    /// Which instance it was connected to (index into the targets).
    pub instance: usize,
    pub messages: Vec<(Instant, Vec<u8>)>,
    /// Why it ended before being told to stop.
    pub ended: Option<String>,
}

#[derive(Default)]
pub struct Crowd {
    tasks: Vec<JoinHandle<Receipts>>,
    received: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
    /// Why the first subscription that ended on its own ended.
    first_end: Arc<Mutex<Option<String>>>,
    stop: Option<watch::Sender<bool>>,
    /// The first connection error, if any.
    pub first_error: Option<String>,
    pub connect_errors: usize,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// An event, not a `next` that carries the error ending the subscription.
fn is_event(message: &[u8]) -> bool {
    contains(message, b"\"type\":\"next\"") && !contains(message, b"\"errors\"")
}

/// The counters every subscriber of a crowd shares.
#[derive(Clone)]
struct Shared {
    received: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
    first_end: Arc<Mutex<Option<String>>>,
}

async fn hold(mut ws: Ws, instance: usize, mut stop: watch::Receiver<bool>, shared: Shared) -> Receipts {
    let mut receipts = Receipts { instance, messages: Vec::new(), ended: None };
    loop {
        tokio::select! {
            _ = stop.changed() => return receipts,
            incoming = ws.next() => {
                let why = match incoming {
                    Ok(Incoming::Text(t)) => {
                        let at = Instant::now();
                        if is_event(&t) {
                            receipts.messages.push((at, t));
                            shared.received.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        String::from_utf8_lossy(&t).into_owned()
                    }
                    Ok(Incoming::Closed) => "closed by the server".to_string(),
                    Err(e) => e.to_string(),
                };
                shared.failed.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut first) = shared.first_end.lock() {
                    first.get_or_insert_with(|| why.clone());
                }
                receipts.ended = Some(why);
                return receipts;
            }
        }
    }
}

impl Crowd {
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }

    /// Subscribers that ended on their own (closed, refused, an error message).
    pub fn failed(&self) -> usize {
        self.failed.load(Ordering::Relaxed)
    }

    /// How many ended on their own, and why the first did.
    pub fn endings(&self) -> String {
        let first = self.first_end.lock().ok().and_then(|f| f.clone()).unwrap_or_default();
        format!("{} subscriptions ended on their own (first: {first})", self.failed())
    }

    fn shared(&self) -> Shared {
        Shared {
            received: Arc::clone(&self.received),
            failed: Arc::clone(&self.failed),
            first_end: Arc::clone(&self.first_end),
        }
    }

    /// Connects `count` more subscribers to `target` (instance `instance`), with the tokens in
    /// turn, each subscribing to `query`. Returns how many connected.
    pub async fn join(
        &mut self,
        target: SocketAddr,
        instance: usize,
        count: usize,
        tokens: &[String],
        query: &str,
    ) -> usize {
        let stop = self.stop.get_or_insert_with(|| watch::channel(false).0).clone();
        let gate = Arc::new(Semaphore::new(CONNECTING));
        let mut opening = Vec::with_capacity(count);
        for i in 0..count {
            let n = self.tasks.len() + i;
            // The first addresses' worth connect from wherever the kernel picks (which may reuse
            // a port in TIME_WAIT towards another server); the rest from further loopback ones.
            let source = (n >= PER_SOURCE).then(|| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (n / PER_SOURCE) as u8)));
            let token = tokens[n % tokens.len()].clone();
            let query = query.to_string();
            let gate = Arc::clone(&gate);
            opening.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.map_err(|e| e.to_string())?;
                let mut ws = Ws::connect(target, source, &token).await.map_err(|e| e.to_string())?;
                ws.subscribe("1", &query).await.map_err(|e| e.to_string())?;
                Ok::<Ws, String>(ws)
            }));
        }
        let mut joined = 0;
        for task in opening {
            match task.await {
                Ok(Ok(ws)) => {
                    self.tasks.push(tokio::spawn(hold(ws, instance, stop.subscribe(), self.shared())));
                    joined += 1;
                }
                Ok(Err(e)) => {
                    self.connect_errors += 1;
                    self.first_error.get_or_insert(e);
                }
                Err(e) => {
                    self.connect_errors += 1;
                    self.first_error.get_or_insert(e.to_string());
                }
            }
        }
        joined
    }

    /// Waits until `total` `next` messages have arrived in all, or `timeout` passed.
    pub async fn wait_for(&self, total: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.received() < total {
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        true
    }

    /// Closes every connection and hands back what each subscriber saw.
    pub async fn finish(mut self) -> Vec<Receipts> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        let mut out = Vec::with_capacity(self.tasks.len());
        for task in self.tasks.drain(..) {
            if let Ok(r) = task.await {
                out.push(r);
            }
        }
        out
    }
}
