//! The GraphQL multipart request spec (<https://github.com/jaydenseric/graphql-multipart-request-spec>)
//! on `POST /graphql`: an `operations` part (the JSON request, read like a JSON body), a `map`
//! part (which file goes to which variable: `{"0": ["variables.input.file"]}`) and the files.
//!
//! The parts are read as they arrive (the request body is never held whole): `operations`
//! and `map` up to the request body limit (`max_body_bytes`), each file up to the largest
//! file the settings accept, written to a temporary file. async-graphql's own reader
//! (`receive_body`) is not used: it bounds `operations` only by the file limit (and holds it
//! in memory), and it would build the request itself, around the parameter checks and
//! persisted documents every JSON request goes through. The files end up in the request as
//! async-graphql's [`UploadValue`]s (`Request::set_upload`), read by the `Upload` scalar
//! (`graphql::scalars::Upload`).

use std::collections::HashMap;
use std::io::Seek;

use actix_web::web;
use async_graphql::UploadValue;
use bytes::Bytes;
use futures_util::StreamExt;
use multer::{Constraints, Multipart, SizeLimit};
use tokio::io::AsyncWriteExt;

/// The most files one request carries.
pub const MAX_FILES: usize = 10;
/// Room for the parts' boundaries and headers in the whole body's limit.
const OVERHEAD_BYTES: u64 = 64 << 10;

/// A multipart request as read: the `operations` JSON and each file with the variable path
/// it goes to (`variables.input.file`).
pub struct Form {
    pub operations: serde_json::Value,
    pub uploads: Vec<(String, UploadValue)>,
}

/// Why a multipart request was refused.
#[derive(Debug)]
pub enum Refusal {
    /// A part is larger than its limit (413): the part's name and the message.
    TooLarge { part: String, message: String },
    /// A malformed request (400): the part at fault (`operations`, `map`) and the message.
    Bad { part: &'static str, message: String },
}

fn bad(part: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Bad { part, message: message.into() }
}

fn from_multer(e: multer::Error, max_body: usize, max_file: u64) -> Refusal {
    match e {
        multer::Error::FieldSizeExceeded { field_name, .. } => {
            let part = field_name.unwrap_or_default();
            let message = if part == "operations" || part == "map" {
                format!("the `{part}` part is larger than the request body limit of {max_body} bytes")
            } else {
                format!("the file in part `{part}` is larger than the largest file accepted ({max_file} bytes)")
            };
            Refusal::TooLarge { part, message }
        }
        multer::Error::StreamSizeExceeded { limit } => Refusal::TooLarge {
            part: "operations".into(),
            message: format!("the request is larger than {limit} bytes"),
        },
        other => bad("operations", format!("the body is not a GraphQL multipart request: {other}")),
    }
}

fn io(e: std::io::Error) -> Refusal {
    tracing::warn!(error = %e, "a multipart upload could not be written to a temporary file");
    bad("operations", "the upload could not be received; try again")
}

/// Reads a multipart request from `payload`: `operations` and `map` of at most `max_body`
/// bytes, at most [`MAX_FILES`] files of at most `max_file` bytes each.
pub async fn read(payload: web::Payload, boundary: String, max_body: usize, max_file: u64) -> Result<Form, Refusal> {
    // The request's payload lives on this worker's thread; multer wants a stream it may move,
    // so the chunks are handed over through a short channel (back-pressure: at most four wait).
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    actix_web::rt::spawn(async move {
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let body_limit = max_body as u64;
    let whole = body_limit
        .saturating_mul(2)
        .saturating_add(max_file.saturating_mul(MAX_FILES as u64))
        .saturating_add(OVERHEAD_BYTES);
    let limits = SizeLimit::new()
        .whole_stream(whole)
        .per_field(max_file)
        .for_field("operations", body_limit)
        .for_field("map", body_limit);
    let mut multipart = Multipart::with_constraints(stream, boundary, Constraints::new().size_limit(limits));
    let refused = |e| from_multer(e, max_body, max_file);

    let mut operations: Option<serde_json::Value> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files: HashMap<String, UploadValue> = HashMap::new();
    while let Some(mut field) = multipart.next_field().await.map_err(refused)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "operations" => {
                let bytes = field.bytes().await.map_err(refused)?;
                let value = serde_json::from_slice(&bytes)
                    .map_err(|e| bad("operations", format!("the `operations` part is not JSON: {e}")))?;
                operations = Some(value);
            }
            "map" => {
                let bytes = field.bytes().await.map_err(refused)?;
                let value = serde_json::from_slice::<HashMap<String, Vec<String>>>(&bytes).map_err(|_| {
                    bad("map", "`map` must be a JSON object of the file parts' names to lists of variable paths")
                })?;
                map = Some(value);
            }
            _ => {
                if map.as_ref().is_some_and(|m| !m.contains_key(&name)) {
                    return Err(bad("map", format!("the part `{name}` is not named in `map`")));
                }
                if files.contains_key(&name) {
                    return Err(bad("map", format!("the part `{name}` is sent twice")));
                }
                if files.len() >= MAX_FILES {
                    return Err(bad("map", format!("at most {MAX_FILES} files per request")));
                }
                let filename = field.file_name().unwrap_or_default().to_string();
                let content_type = field.content_type().map(ToString::to_string);
                let mut file = tokio::fs::File::from_std(tempfile::tempfile().map_err(io)?);
                while let Some(chunk) = field.chunk().await.map_err(refused)? {
                    file.write_all(&chunk).await.map_err(io)?;
                }
                file.flush().await.map_err(io)?;
                let mut content = file.into_std().await;
                content.rewind().map_err(io)?;
                files.insert(name, UploadValue { filename, content_type, content });
            }
        }
    }
    let operations = operations.ok_or_else(|| bad("operations", "a multipart request needs an `operations` part"))?;
    let map = map.ok_or_else(|| bad("map", "a multipart request needs a `map` part"))?;
    if let Some(name) = files.keys().find(|name| !map.contains_key(*name)) {
        return Err(bad("map", format!("the part `{name}` is not named in `map`")));
    }
    let mut uploads = Vec::new();
    for (name, paths) in map {
        let file = files
            .remove(&name)
            .ok_or_else(|| bad("map", format!("`map` names the part `{name}`, which was not sent")))?;
        for path in paths {
            if !names_a_null_variable(&operations, &path) {
                return Err(bad("map", format!("`{path}` is not a variable of `operations` set to null")));
            }
            uploads.push((path, file.try_clone().map_err(io)?));
        }
    }
    Ok(Form { operations, uploads })
}

/// Whether `path` (`variables.input.file`, `variables.files.0`) names a `null` in the
/// operations' variables: the spec's placeholder for a file.
fn names_a_null_variable(operations: &serde_json::Value, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("variables.") else { return false };
    let mut at = operations.get("variables");
    for part in rest.split('.') {
        at = match at {
            Some(serde_json::Value::Object(map)) => map.get(part),
            Some(serde_json::Value::Array(list)) => part.parse::<usize>().ok().and_then(|i| list.get(i)),
            _ => None,
        };
    }
    matches!(at, Some(serde_json::Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_path_names_a_null_variable() {
        let ops = serde_json::json!({ "variables": { "input": { "file": null, "n": 1 }, "files": [null, 2] } });
        assert!(names_a_null_variable(&ops, "variables.input.file"));
        assert!(names_a_null_variable(&ops, "variables.files.0"));
        assert!(!names_a_null_variable(&ops, "variables.files.1"));
        assert!(!names_a_null_variable(&ops, "variables.input.n"));
        assert!(!names_a_null_variable(&ops, "variables.input.other"));
        assert!(!names_a_null_variable(&ops, "input.file"));
    }
}
