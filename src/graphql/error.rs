//! How an error reaches a GraphQL client: its message, `extensions.code` (api.md) and, for
//! bad input, `extensions.field`, spelled one way whoever raised it.
//!
//! `extensions.field` is the path of the offending input as the client wrote it: inside a
//! mutation's `input` argument, the path in the input (`fineAmount`, `party.idNumber`,
//! `officerIds`), never `input.fineAmount`; for any other argument, its name and the path in it
//! (`first`, `after`, `filter.departmentId`, `year`, `inputs.3.content`). Services and
//! async-graphql's coercion errors spell it either way; `field` below is the one place that
//! settles it, for `AppError::BadInput` and for every error of a response (`ErrorCodes`).
//! No query or subscription has an argument named `input`, so `input.` is a mutation's input.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use super::context::AppState;
use crate::error::AppError;

/// The one spelling of `extensions.field`: `input.fineAmount` → `fineAmount`,
/// `input.party.idNumber` → `party.idNumber`; anything else as it is.
pub fn field(path: &str) -> &str {
    path.strip_prefix("input.").filter(|rest| !rest.is_empty()).unwrap_or(path)
}

/// An error decided by one of the schema's extensions (before any resolver), with its
/// `extensions.code` set.
pub fn coded(message: impl Into<String>, code: &str) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", code);
    err.extensions = Some(ext);
    err
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let message = match &err {
            AppError::BadInput { field: path, message } => format!("{}: {message}", field(path)),
            other => other.message(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", err.code());
            if let AppError::BadInput { field: path, .. } = &err {
                ext.set("field", field(path));
            }
        })
    }
}

/// Sets `extensions.code` on errors that lack one (async-graphql leaves parse, validation and
/// coercion errors without one), names the field of bad input in its one spelling, and
/// records metrics.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

fn tag(err: &mut ServerError, code: &str) {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
}

/// `Invalid value for argument "input.fineAmount", expected type "Decimal"` → `input.fineAmount`.
fn argument_of(message: &str) -> Option<&str> {
    let start = message.find("argument \"")? + "argument \"".len();
    let rest = &message[start..];
    Some(&rest[..rest.find('"')?])
}

/// A value a scalar, an enum or an input type refuses (as opposed to a query that is not
/// well formed: an unknown field, a missing required argument or input field). The first
/// three are async-graphql's messages for a value of the wrong type, the fourth its message
/// when a variable's value does not fit the variable's type.
fn is_bad_value(message: &str) -> bool {
    let refused_value = message.contains("expected type \"")
        || message.contains("enumeration type \"")
        || message.contains("Expected input type")
        || message.starts_with("Failed to parse");
    let structural = message.contains("is required but not provided") || message.contains("unknown field");
    refused_value && !structural
}

/// `field`, when the message names an argument and the error has none.
fn name_the_field(err: &mut ServerError) {
    let named = argument_of(&err.message).map(str::to_string);
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("field").is_none()
        && let Some(path) = named
    {
        ext.set("field", path);
    }
}

/// Rewrites `extensions.field` of an error into its one spelling.
fn normalise_field(err: &mut ServerError) {
    let Some(ext) = err.extensions.as_mut() else { return };
    if let Some(Value::String(path)) = ext.get("field") {
        let one = field(path).to_string();
        if one != *path {
            err.message = err.message.replacen(path.as_str(), &one, 1);
            ext.set("field", one);
        }
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for err in response.errors.iter_mut() {
            let has_code = err.extensions.as_ref().and_then(|e| e.get("code")).is_some();
            if !has_code {
                if is_bad_value(&err.message) {
                    name_the_field(err);
                    tag(err, "BAD_USER_INPUT");
                } else {
                    tracing::error!(message = %err.message, "untagged GraphQL error");
                    err.message = "internal error".into();
                    tag(err, "INTERNAL");
                }
            }
            normalise_field(err);
        }
        if let Some(metrics) = ctx.data_opt::<AppState>().map(|s| s.metrics.clone()) {
            for err in &response.errors {
                let code = err
                    .extensions
                    .as_ref()
                    .and_then(|e| e.get("code"))
                    .and_then(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "INTERNAL".into());
                metrics.error(&code);
            }
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut e| {
            tag(&mut e, "GRAPHQL_PARSE_FAILED");
            e
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut e| {
                    if e.message.contains("too complex") || e.message.contains("nested too deep") {
                        tag(&mut e, "QUERY_TOO_COMPLEX");
                    } else if is_bad_value(&e.message) && argument_of(&e.message).is_some() {
                        // A value of the wrong type for an argument (a string for an `Int`,
                        // an unknown enum value): bad input naming the field, per api.md.
                        name_the_field(&mut e);
                        tag(&mut e, "BAD_USER_INPUT");
                    } else {
                        tag(&mut e, "GRAPHQL_VALIDATION_FAILED");
                    }
                    e
                })
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let started = Instant::now();
        let response = next.run(ctx, operation_name).await;
        if let Some(state) = ctx.data_opt::<AppState>() {
            state.metrics.request(operation_name.unwrap_or("anonymous"), started.elapsed());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutations_input_is_named_inside_the_input() {
        assert_eq!(field("input.fineAmount"), "fineAmount");
        assert_eq!(field("input.party.idNumber"), "party.idNumber");
        assert_eq!(field("fineAmount"), "fineAmount");
        assert_eq!(field("inputs.3.content"), "inputs.3.content");
        assert_eq!(field("filter.departmentId"), "filter.departmentId");
        assert_eq!(field("input"), "input");
        assert_eq!(field("input."), "input.");
    }

    #[test]
    fn argument_names_come_out_of_async_graphqls_messages() {
        let m = r#"Invalid value for argument "input.fineAmount", expected type "Decimal""#;
        assert_eq!(argument_of(m), Some("input.fineAmount"));
        assert!(is_bad_value(m));
        let missing =
            r#"Invalid value for argument "input", field "title" of type "String!" is required but not provided"#;
        assert!(!is_bad_value(missing));
    }
}
