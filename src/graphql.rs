//! The GraphQL schema: the merged roots of every room, limits, and the extension that gives
//! every error an `extensions.code` (async-graphql leaves parse, validation and coercion
//! errors without one) and feeds the metrics.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    MergedObject, MergedSubscription, Response, SDLExportOptions, Schema, ServerError, ServerResult, ValidationResult,
    Variables,
};

pub mod connection;
pub mod context;
pub mod cost;
pub mod hygiene;
pub mod error;
pub mod ids;
pub mod loaders;
pub mod scalars;

use context::AppState;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

#[derive(MergedObject, Default)]
pub struct Query(
    crate::cases::schema::CaseQuery,
    crate::org::schema::OrgQuery,
    crate::transfers::schema::TransferQuery,
    crate::records::schema::RecordQuery,
    crate::follow_case::schema::FollowCaseQuery,
    crate::joint::schema::JointQuery,
    crate::audit::schema::AuditQuery,
    crate::statistics::schema::StatisticsQuery,
    crate::oversight::publications::schema::PublicationQuery,
    crate::oversight::notices::schema::NoticeQuery,
    crate::oversight::reviews::schema::ReviewQuery,
    crate::oversight::reconsiderations::schema::ReconsiderationQuery,
    crate::oversight::evaluations::schema::EvaluationQuery,
    crate::oversight::enterprise::schema::EnterpriseQuery,
    crate::oversight::people::schema::PeopleQuery,
    crate::oversight::patrols::schema::PatrolQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    crate::cases::mutations::CaseMutation,
    crate::transfers::mutations::TransferMutation,
    crate::records::mutations::RecordMutation,
    crate::follow_case::schema::FollowCaseMutation,
    crate::joint::schema::JointMutation,
    crate::oversight::notices::schema::NoticeMutation,
    crate::oversight::publications::schema::PublicationMutation,
    crate::oversight::reconsiderations::schema::ReconsiderationMutation,
    crate::oversight::evaluations::schema::EvaluationMutation,
    crate::oversight::enterprise::schema::EnterpriseMutation,
    crate::oversight::people::schema::PeopleMutation,
    crate::oversight::patrols::schema::PatrolMutation,
    crate::oversight::reviews::schema::ReviewMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    crate::events::subscriptions::EventSubscription,
    crate::statistics::live::StatisticsSubscription,
);

/// Depth and complexity limits: a connection counts `first` times its children, so one
/// query cannot ask for 100 × 100 × 100 rows.
pub const MAX_DEPTH: usize = 10;
pub const MAX_COMPLEXITY: usize = 20_000;

pub fn build_schema(state: Option<AppState>) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(ErrorCodes)
        .extension(cost::CostLimits)
        .extension(hygiene::InputHygiene)
        // The live statistics feeds of this instance (`statisticsUpdated`).
        .data(crate::statistics::live::LiveStats::default());
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL as `casebridge schema` prints it (and `schema.graphql` holds).
pub fn sdl() -> String {
    build_schema(None).sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

/// Sets `extensions.code` on errors that lack one, and records metrics.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

fn tag(mut err: ServerError, code: &str) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err
}

/// `Invalid value for argument "input.fineAmount"` → `input.fineAmount`.
fn argument_of(message: &str) -> Option<String> {
    let start = message.find("argument \"")? + "argument \"".len();
    let rest = &message[start..];
    Some(rest[..rest.find('"')?].to_string())
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for err in response.errors.iter_mut() {
            let has_code = err.extensions.as_ref().and_then(|e| e.get("code")).is_some();
            if has_code {
                continue;
            }
            let coercion = err.message.starts_with("Failed to parse")
                || err.message.starts_with("Invalid value")
                || err.message.contains("Expected input type");
            let code = if coercion { "BAD_USER_INPUT" } else { "INTERNAL" };
            if !coercion {
                tracing::error!(message = %err.message, "untagged GraphQL error");
                err.message = "internal error".into();
            }
            let field = argument_of(&err.message);
            let ext = err.extensions.get_or_insert_with(Default::default);
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        }
        if let Some(metrics) = ctx.data_opt::<AppState>().map(|s| s.metrics.clone()) {
            for err in &response.errors {
                let code = err
                    .extensions
                    .as_ref()
                    .and_then(|e| e.get("code"))
                    .and_then(|v| match v {
                        async_graphql::Value::String(s) => Some(s.clone()),
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
        next.run(ctx, query, variables).await.map_err(|e| tag(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let limit = e.message.contains("too complex") || e.message.contains("nested too deep");
                    tag(e, if limit { "QUERY_TOO_COMPLEX" } else { "GRAPHQL_VALIDATION_FAILED" })
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
