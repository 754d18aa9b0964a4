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

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest, NextRequest,
    NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::registry::MetaType;
use async_graphql::{
    ErrorExtensions, Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};
use tracing::Instrument;
use tracing::field::Empty;

use super::context::{AppState, RequestCtx};
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
/// coercion errors without one), names the field of bad input in its one spelling, adds
/// `extensions.requestId`, records metrics, and traces the operation.
///
/// Tracing: one `graphql` span per operation (operation name, the caller's login, outcome
/// code, duration) and, while traces are exported, one `resolve` span per resolver that may
/// read the database: every field
/// of `Query`, `Mutation` and `Subscription`, and every field that returns an object, an
/// interface, a union or a list of them (scalars and enums are read from their parent's row,
/// so they get none). Internal errors that reach this extension untagged are logged here once,
/// inside these spans, so the log line carries the request id, the operation and the login.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        let span = tracing::info_span!(
            "graphql",
            otel.name = Empty,
            otel.status_code = Empty,
            operation = Empty,
            login = Empty,
            outcome = Empty,
            duration_ms = Empty,
        );
        Arc::new(ErrorCodesExtension { span, operation: Mutex::default() })
    }
}

/// One request's extension: its span and its operation's name (for the errors' metrics).
struct ErrorCodesExtension {
    span: tracing::Span,
    operation: Mutex<Option<String>>,
}

impl ErrorCodesExtension {
    /// The operation's name for the metrics: the request's `operationName`, else the name of
    /// the document's only operation, else `anonymous`.
    fn operation(&self) -> String {
        self.operation.lock().ok().and_then(|op| op.clone()).unwrap_or_else(|| "anonymous".into())
    }

    fn set_operation(&self, name: &str) {
        self.span.record("operation", name);
        crate::telemetry::rename(&self.span, format!("graphql {name}"));
        crate::telemetry::record_operation(name);
        if let Ok(mut op) = self.operation.lock() {
            *op = Some(name.to_string());
        }
    }

    /// Names the operation after the document's only named operation when the request named none.
    fn name_the_operation(&self, document: &ExecutableDocument) {
        let unnamed = self.operation.lock().map(|op| op.is_none()).unwrap_or(false);
        if !unnamed {
            return;
        }
        let mut names = document.operations.iter().filter_map(|(name, _)| name);
        if let (Some(name), None) = (names.next(), names.next()) {
            self.set_operation(name.as_str());
        } else {
            self.set_operation("anonymous");
        }
    }
}

/// An error's `extensions.code`, `INTERNAL` when it has none.
fn code_of(err: &ServerError) -> String {
    match err.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(Value::String(s)) => s.clone(),
        _ => "INTERNAL".into(),
    }
}

/// Whether the field may read the database (see [`ErrorCodes`]): a root field, or one whose
/// type is an object, an interface, a union or a list.
fn reads_database(ctx: &ExtensionContext<'_>, info: &ResolveInfo<'_>) -> bool {
    if info.is_for_introspection {
        return false;
    }
    if matches!(info.parent_type, "Query" | "Mutation" | "Subscription") || info.return_type.contains('[') {
        return true;
    }
    let base = info.return_type.trim_end_matches('!');
    matches!(
        ctx.schema_env.registry.types.get(base),
        Some(MetaType::Object { .. } | MetaType::Interface { .. } | MetaType::Union { .. })
    )
}

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
        let started = Instant::now();
        let mut response = next.run(ctx).instrument(self.span.clone()).await;
        let _inside = self.span.enter();
        let request_id = crate::telemetry::current_request_id();
        for err in response.errors.iter_mut() {
            let has_code = err.extensions.as_ref().and_then(|e| e.get("code")).is_some();
            if !has_code {
                if is_bad_value(&err.message) {
                    name_the_field(err);
                    tag(err, "BAD_USER_INPUT");
                } else {
                    tracing::error!(error = %err.message, "internal error: untagged GraphQL error");
                    err.message = "internal error".into();
                    tag(err, "INTERNAL");
                }
            }
            normalise_field(err);
            if let Some(id) = &request_id {
                err.extensions.get_or_insert_with(Default::default).set("requestId", id.as_ref());
            }
        }
        let operation = self.operation();
        if let Some(metrics) = ctx.data_opt::<AppState>().map(|s| s.metrics.clone()) {
            for err in &response.errors {
                metrics.error_in(&code_of(err), &operation);
            }
        }
        let outcome = response.errors.first().map_or_else(|| "OK".to_string(), code_of);
        if outcome == "INTERNAL" {
            self.span.record("otel.status_code", "ERROR");
        }
        self.span.record("outcome", outcome.as_str());
        self.span.record("duration_ms", started.elapsed().as_secs_f64() * 1e3);
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Some(name) = &request.operation_name {
            self.set_operation(name);
        }
        next.run(ctx, request).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if !crate::telemetry::exporting() || !reads_database(ctx, &info) {
            return next.run(ctx, info).await;
        }
        let span = tracing::info_span!(
            "resolve",
            otel.name = %format!("{}.{}", info.parent_type, info.name),
            graphql.field.path = %info.path_node,
            graphql.field.type = %info.return_type,
        );
        next.run(ctx, info).instrument(span).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // The request's data is attached by now (not yet in `prepare_request`).
        let login = ctx.data_opt::<RequestCtx>().and_then(|r| r.principal.as_ref()).map(|p| p.login.as_str());
        if let Some(login) = login {
            self.span.record("login", login);
            crate::telemetry::record_login(login);
        }
        let document = next.run(ctx, query, variables).await.map_err(|mut e| {
            tag(&mut e, "GRAPHQL_PARSE_FAILED");
            e
        })?;
        self.name_the_operation(&document);
        Ok(document)
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
