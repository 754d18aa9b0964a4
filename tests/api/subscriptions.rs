//! `caseEvents` over a real `graphql-transport-ws` client: what a subscriber may see, across
//! instances on PostgreSQL, and after the listener connection is killed.

use std::time::Duration;

use actix_codec::Framed;
use awc::BoxedSocket;
use awc::ws::{Codec, Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::support::TestApp;

type Socket = Framed<BoxedSocket, Codec>;

const FILE: &str = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { id caseNo } }"#;
const EVENTS: &str = "subscription { caseEvents { kind case { caseNo town party { name } } } }";

async fn send(ws: &mut Socket, msg: Value) {
    ws.send(Message::Text(msg.to_string().into())).await.expect("ws send");
}

/// The next text message, skipping pings; `None` on close or after `secs` of silence.
async fn next(ws: &mut Socket, secs: u64) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(secs), ws.next()).await.ok()??.ok()?;
        match frame {
            Frame::Text(bytes) => {
                let v: Value = serde_json::from_slice(&bytes).expect("json message");
                if v["type"] == "ping" || v["type"] == "ka" {
                    continue;
                }
                return Some(v);
            }
            Frame::Close(_) => return None,
            _ => continue,
        }
    }
}

/// Connects as `login` and subscribes to `query`.
async fn subscribe(app: &TestApp, token: &str, query: &str) -> Socket {
    let url = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
    let (_, mut ws) =
        awc::Client::new().ws(url).protocols(["graphql-transport-ws"]).connect().await.expect("websocket connects");
    send(&mut ws, json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}})).await;
    let ack = next(&mut ws, 10).await.expect("ack");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    send(&mut ws, json!({"id": "1", "type": "subscribe", "payload": {"query": query}})).await;
    // Let the subscription register before the test acts (the server sends nothing back).
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws
}

async fn file_in(app: &TestApp, login: &str, matter_filter: Value, title: &str) -> Value {
    let q = "query($f: MatterFilter) { matters(first: 1, filter: $f) { edges { node { code } } } }";
    let matter = app.data(login, q, json!({"f": matter_filter})).await["matters"]["edges"][0]["node"]["code"].clone();
    let input = json!({
        "title": title, "procedure": "GENERAL", "matterCode": matter,
        "party": {"kind": "PERSON", "name": "赵六"},
        "occurredAt": chrono::Utc::now().to_rfc3339(), "facts": "现场发现违法行为。"
    });
    let body = app.gql(Some(login), FILE, json!({"input": input})).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["fileCase"].clone()
}

#[actix_rt::test]
async fn subscribers_get_the_events_they_may_read_and_no_others() {
    let app = TestApp::spawn().await;
    let mut dongping = subscribe(&app, &app.token("town.dongping"), EVENTS).await;
    let mut bureau = subscribe(&app, &app.token("bureau.officer"), EVENTS).await;

    let b = file_in(&app, "bureau.officer", json!({"domain": "市容"}), "局立案").await;
    let t = file_in(&app, "town.beiao", json!({"town": "北岙街道"}), "北岙立案").await;
    let d = file_in(&app, "town.dongping", json!({"town": "东屏街道"}), "东屏立案").await;

    // The bureau sees its own filing, not the towns'.
    let got = next(&mut bureau, 10).await.expect("bureau event");
    assert_eq!(got["type"], "next", "{got}");
    assert_eq!(got["payload"]["data"]["caseEvents"]["kind"], "FILED");
    assert_eq!(got["payload"]["data"]["caseEvents"]["case"]["caseNo"], b["caseNo"]);

    // 东屏's first event is its own filing: the bureau's and 北岙's were never sent to it.
    let got = next(&mut dongping, 10).await.expect("dongping event");
    assert_eq!(got["payload"]["data"]["caseEvents"]["case"]["caseNo"], d["caseNo"], "{got}");
    assert_ne!(t["caseNo"], d["caseNo"]);
}

#[actix_rt::test]
async fn a_connection_without_a_valid_token_is_refused() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
    let (_, mut ws) = awc::Client::new().ws(url).protocols(["graphql-transport-ws"]).connect().await.expect("connects");
    send(&mut ws, json!({"type": "connection_init", "payload": {"Authorization": "Bearer nonsense"}})).await;
    let reply = next(&mut ws, 10).await;
    assert!(reply.as_ref().is_none_or(|m| m["type"] != "connection_ack"), "no ack without a valid token: {reply:?}");
}

#[actix_rt::test]
async fn a_deactivated_users_subscription_ends_with_unauthenticated() {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let app = TestApp::spawn().await;
    let mut ws = subscribe(&app, &app.token("town.beiao"), EVENTS).await;
    let user = entity::user::Entity::find()
        .filter(entity::user::Column::Login.eq("town.beiao"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("user");
    let mut active: entity::user::ActiveModel = user.into();
    active.active = Set(false);
    active.update(&app.db).await.expect("deactivate");
    // Any event wakes the subscription, which re-reads its user first.
    file_in(&app, "bureau.officer", json!({"domain": "市容"}), "唤醒").await;
    let msg = next(&mut ws, 40).await.expect("a closing message");
    assert_eq!(msg["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{msg}");
    let done = next(&mut ws, 10).await.expect("complete");
    assert_eq!(done["type"], "complete", "the subscription ends: {done}");
}

/// PostgreSQL only: a second instance on the same database, and a killed listener.
#[actix_rt::test]
async fn instances_on_one_postgresql_deliver_each_others_events_and_survive_a_lost_listener() {
    let app = TestApp::spawn().await;
    if !app.database_url.starts_with("postgres") {
        return; // In-process delivery on SQLite is covered above.
    }
    let other = TestApp::attach(&app.database_url).await;
    let mut ws = subscribe(&other, &other.token("bureau.officer"), EVENTS).await;
    let filed = file_in(&app, "bureau.officer", json!({"domain": "市容"}), "跨实例").await;
    let got = next(&mut ws, 15).await.expect("event from the other instance");
    assert_eq!(got["payload"]["data"]["caseEvents"]["case"]["caseNo"], filed["caseNo"], "{got}");

    // Kill every LISTEN connection on this database, then write at once: the notification is
    // lost, and the listener must replay it from the log after reconnecting.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
        )
        .await
        .expect("terminate listeners");
    let filed = file_in(&app, "bureau.officer", json!({"domain": "市容"}), "断线期间").await;
    let got = next(&mut ws, 30).await.expect("event after the listener recovered");
    assert_eq!(got["payload"]["data"]["caseEvents"]["case"]["caseNo"], filed["caseNo"], "{got}");
}
