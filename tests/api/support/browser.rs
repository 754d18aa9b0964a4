//! A headless Chromium (Debian's `chromium`) driven over the Chrome DevTools Protocol, for the
//! pages' tests (the dashboard, GraphiQL). Without Chromium these tests fail (CI installs it);
//! `CASEBRIDGE_SKIP_BROWSER=1` skips them, each saying `SKIPPED: …` on the test output.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_codec::Framed;
use awc::BoxedSocket;
use awc::ws::{Codec, Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::support;

/// The flags, exactly; the tests add a fresh `--user-data-dir` and the debugging port.
pub const FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--remote-debugging-port=0",
];

/// How long the page may take to show what a step expects. Generous: CI machines are small and
/// busy, and a deadline is a failure bound, never an expectation of speed.
pub const DEADLINE: Duration = Duration::from_secs(30);

type Socket = Framed<BoxedSocket, Codec>;

/// A headless Chromium with a fresh profile, killed when dropped.
pub struct Browser {
    child: Child,
    socket: Socket,
    next_id: u64,
    /// Exceptions, console and log lines of every page, for failure messages and the CSP check.
    pub log: Vec<String>,
    /// The profile and Chromium's own output; removed after the browser is killed.
    _dir: tempfile::TempDir,
}

/// One tab, attached over a flat DevTools session.
pub struct Page {
    pub session: String,
    pub name: String,
}

/// Chromium, or `None` (said on the test output as `SKIPPED: <test>: …`) when
/// `CASEBRIDGE_SKIP_BROWSER=1`.
pub fn chromium(test: &str) -> Option<PathBuf> {
    if std::env::var("CASEBRIDGE_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        support::skipped(test, "CASEBRIDGE_SKIP_BROWSER=1, the page was not loaded in Chromium: nothing checked");
        return None;
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|dir| dir.join("chromium")).collect::<Vec<_>>())
        .unwrap_or_default();
    let found = [PathBuf::from("/usr/bin/chromium")].into_iter().chain(on_path).find(|p| p.is_file());
    match found {
        Some(path) => Some(path),
        None => panic!(
            "Chromium is not installed, and the browser tests need it: install Debian's `chromium` \
             (`apt-get install chromium`; .ci/run does this), or set CASEBRIDGE_SKIP_BROWSER=1 to skip"
        ),
    }
}

impl Browser {
    /// Starts Chromium for `test`, or `None` when the browser tests are skipped (and says so).
    pub async fn launch(test: &str) -> Option<Browser> {
        Self::launch_with(test, &[]).await
    }

    /// [`Browser::launch`] with more flags (e.g. to block the network).
    pub async fn launch_with(test: &str, extra: &[&str]) -> Option<Browser> {
        let binary = chromium(test)?;
        let dir = tempfile::tempdir().expect("temp dir");
        let profile = dir.path().join("profile");
        let log = std::fs::File::create(dir.path().join("chromium.log")).expect("log file");
        let mut child = Command::new(&binary)
            .args(FLAGS)
            .args(extra)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));

        // Chromium writes its port and browser endpoint here once it listens.
        let port_file = profile.join("DevToolsActivePort");
        let started = Instant::now();
        let endpoint = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file)
                && let Some((port, path)) = text.split_once('\n')
                && !path.trim().is_empty()
            {
                break format!("ws://127.0.0.1:{}{}", port.trim(), path.trim());
            }
            if let Ok(Some(status)) = child.try_wait() {
                let output = std::fs::read_to_string(dir.path().join("chromium.log")).unwrap_or_default();
                panic!("chromium exited with {status} before listening:\n{output}");
            }
            if started.elapsed() > Duration::from_secs(60) {
                child.kill().ok();
                panic!("chromium did not write {} within 60 s", port_file.display());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let (_, socket) = awc::Client::new()
            .ws(endpoint.as_str())
            .max_frame_size(64 << 20)
            .connect()
            .await
            .unwrap_or_else(|e| panic!("DevTools socket {endpoint}: {e}"));
        Some(Browser { child, socket, next_id: 0, log: Vec::new(), _dir: dir })
    }

    /// Sends one DevTools command and returns its result; events read meanwhile are logged.
    pub async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket.send(Message::Text(message.to_string().into())).await.expect("send to chromium");
        loop {
            let reply = self.receive().await;
            if reply["id"] == id {
                return match reply.get("error") {
                    Some(error) => Err(format!("{method}: {error}")),
                    None => Ok(reply["result"].clone()),
                };
            }
            self.note(&reply);
        }
    }

    /// The next message from Chromium (which sends each one in a single frame).
    async fn receive(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(60), self.socket.next())
                .await
                .expect("chromium answers within 60 s")
                .expect("chromium's DevTools socket is open")
                .expect("a DevTools frame");
            match frame {
                Frame::Text(bytes) => return serde_json::from_slice(&bytes).expect("DevTools JSON"),
                Frame::Ping(bytes) => self.socket.send(Message::Pong(bytes)).await.expect("pong"),
                Frame::Close(reason) => panic!("chromium closed its DevTools socket: {reason:?}"),
                other => panic!("unexpected DevTools frame: {other:?}"),
            }
        }
    }

    fn note(&mut self, event: &Value) {
        let params = &event["params"];
        let line = match event["method"].as_str() {
            Some("Runtime.exceptionThrown") => {
                let details = &params["exceptionDetails"];
                let text = details["exception"]["description"].as_str().or(details["text"].as_str()).unwrap_or("?");
                format!("exception: {text}")
            }
            Some("Runtime.consoleAPICalled") => {
                let args: Vec<String> = params["args"]
                    .as_array()
                    .map(|a| a.iter().map(|v| v["value"].to_string()).collect())
                    .unwrap_or_default();
                format!("console.{}: {}", params["type"].as_str().unwrap_or("log"), args.join(" "))
            }
            Some("Log.entryAdded") => {
                let entry = &params["entry"];
                format!("log {}: {}", entry["level"].as_str().unwrap_or("?"), entry["text"].as_str().unwrap_or(""))
            }
            _ => return,
        };
        let session = event["sessionId"].as_str().unwrap_or("browser");
        self.log.push(format!("[{session}] {line}"));
    }

    /// A new window on `url`, with exceptions and console output recorded from the start.
    pub async fn open(&mut self, name: &str, url: &str) -> Page {
        let created = self
            .call(None, "Target.createTarget", json!({ "url": "about:blank", "newWindow": true }))
            .await
            .expect("new tab");
        let attached = self
            .call(None, "Target.attachToTarget", json!({ "targetId": created["targetId"], "flatten": true }))
            .await
            .expect("attach to tab");
        let session = attached["sessionId"].as_str().expect("sessionId").to_string();
        for domain in ["Runtime.enable", "Log.enable", "Page.enable"] {
            self.call(Some(&session), domain, json!({})).await.expect(domain);
        }
        self.call(Some(&session), "Page.navigate", json!({ "url": url })).await.expect("navigate");
        Page { session, name: name.to_string() }
    }

    /// The value of `expression` in the page (e.g. a page's state); an error while the page
    /// is between documents.
    pub async fn evaluate(&mut self, page: &Page, expression: &str) -> Result<Value, String> {
        let result = self
            .call(
                Some(&page.session),
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await?;
        if let Some(details) = result.get("exceptionDetails") {
            return Err(details.to_string());
        }
        Ok(result["result"]["value"].clone())
    }

    /// Polls the page until `ready` holds of the value of `expression` (its state), and
    /// returns that value; fails after [`DEADLINE`] with the last value seen and the page's log.
    pub async fn wait_for(
        &mut self,
        page: &Page,
        expression: &str,
        what: &str,
        ready: impl Fn(&Value) -> bool,
    ) -> Value {
        let started = Instant::now();
        let mut last = Err("not read yet".to_string());
        while started.elapsed() < DEADLINE {
            last = self.evaluate(page, expression).await;
            if let Ok(state) = &last
                && ready(state)
            {
                return state.clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let last = match last {
            Ok(state) => state.to_string(),
            Err(error) => format!("unreadable: {error}"),
        };
        panic!(
            "{}: {what} did not happen within {DEADLINE:?}\nlast state: {last}\npage log:\n{}",
            page.name,
            self.log.join("\n")
        );
    }

    /// Lines showing the page broke: an uncaught exception, or something its own policy blocked.
    pub fn faults(&self) -> Vec<&String> {
        self.log.iter().filter(|l| l.contains("exception:") || l.contains("Content Security Policy")).collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
