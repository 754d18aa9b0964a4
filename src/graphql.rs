//! The GraphQL schema: the merged roots of every room, limits, and the extension
//! (`error::ErrorCodes`) that gives every error an `extensions.code` and one spelling of
//! `extensions.field`, and feeds the metrics.

use async_graphql::{MergedObject, MergedSubscription, SDLExportOptions, Schema};

pub mod connection;
pub mod context;
pub mod cost;
pub mod error;
pub mod hygiene;
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
    crate::exports::schema::ExportQuery,
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
    crate::org::mutations::OrgMutation,
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
    crate::events::feed::subscriptions::FeedSubscription,
);

/// The schema with the configured limits (`Settings.limits`; the defaults without a state):
/// depth, and async-graphql's own complexity as a backstop behind the cost model
/// (`cost::CostLimits`), where a connection counts `first` times its children.
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    let limits = state.as_ref().map(|s| s.settings.limits).unwrap_or_default();
    let complexity = usize::try_from(limits.signed.cost.max(limits.anonymous.cost)).unwrap_or(usize::MAX);
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(limits.depth)
        .limit_complexity(complexity)
        .extension(error::ErrorCodes)
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
