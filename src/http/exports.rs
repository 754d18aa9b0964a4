//! `GET /exports/{id}`: an export's file, streamed from the store. The link's `key` opens it
//! for whoever holds the link until it expires; without `key`, the exporter's own bearer
//! token does. Anything else is `404` (api.md: an export the caller may not read). Every
//! download is audited (`exports::service::open`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use crate::exports::service;
use crate::graphql::context::AppState;

#[derive(serde::Deserialize)]
pub struct Params {
    key: Option<String>,
}

/// `attachment; filename="cases-2026-12-02.xlsx"`, with the RFC 5987 UTF-8 form beside it
/// should a name ever leave ASCII.
fn disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect();
    let mut value = format!("attachment; filename=\"{ascii}\"");
    if !name.is_ascii() {
        let encoded: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        value.push_str(&format!("; filename*=UTF-8''{encoded}"));
    }
    value
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({"errors": [{"message": "export not found", "extensions": {"code": "NOT_FOUND"}}]}))
}

pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    params: web::Query<Params>,
) -> HttpResponse {
    let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    // A token that does not verify opens nothing, like no token: the answer stays 404.
    let caller = match super::verify_header(&state, authorization).await {
        Ok(Some(claims)) => super::principal_of(&state, &claims, super::client_addr(&req)).await.ok(),
        _ => None,
    };
    let opened = match service::open(&state.db, &state.files, &id, params.key.as_deref(), caller.as_deref()).await {
        Ok(o) => o,
        Err(crate::error::AppError::NotFound(_)) => return not_found(),
        Err(e) => {
            tracing::error!(error = ?e, "export download failed");
            return HttpResponse::InternalServerError().finish();
        }
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(opened.format.media_type())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .no_chunking(opened.reading.size);
    if let Ok(value) = HeaderValue::from_str(&disposition(&opened.export.file_name)) {
        response.insert_header((header::CONTENT_DISPOSITION, value));
    }
    let bytes = opened.reading.bytes.map(|chunk| chunk.map_err(actix_web::error::ErrorInternalServerError));
    response.streaming(bytes)
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn a_file_name_is_quoted_and_a_chinese_one_carries_its_utf8_form() {
        assert_eq!(disposition("cases-2026-12-02.xlsx"), "attachment; filename=\"cases-2026-12-02.xlsx\"");
        assert_eq!(disposition("案件.csv"), "attachment; filename=\"__.csv\"; filename*=UTF-8''%E6%A1%88%E4%BB%B6.csv");
    }
}
