//! The GraphQL face of case-file evaluations and their findings.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{evaluation_finding, file_evaluation};

use super::service::{self, Evaluation};
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime};
use crate::oversight::list::Paging;
use crate::oversight::schema::{id_of, nodes, store};

/// A problem found by a case-file evaluation, and its rectification.
#[derive(SimpleObject)]
pub struct EvaluationFinding {
    pub id: ID,
    pub description: String,
    pub rectified_at: Option<DateTime>,
    pub rectification_note: Option<String>,
}

impl From<evaluation_finding::Model> for EvaluationFinding {
    fn from(m: evaluation_finding::Model) -> Self {
        EvaluationFinding {
            id: id_of(Kind::EvaluationFinding, m.id),
            description: m.description,
            rectified_at: m.rectified_at.map(Into::into),
            rectification_note: m.rectification_note,
        }
    }
}

/// 案卷评查: one check of a case file with its findings.
#[derive(SimpleObject)]
pub struct FileEvaluation {
    pub id: ID,
    pub case_id: ID,
    pub evaluated_on: Date,
    pub scope: String,
    pub findings: Vec<EvaluationFinding>,
}

impl From<Evaluation> for FileEvaluation {
    fn from((m, findings): Evaluation) -> Self {
        FileEvaluation {
            id: id_of(Kind::FileEvaluation, m.id),
            case_id: id_of(Kind::Case, m.case_id),
            evaluated_on: m.evaluated_on.into(),
            scope: m.scope,
            findings: findings.into_iter().map(Into::into).collect(),
        }
    }
}

crate::connection!(
    FileEvaluationConnection,
    FileEvaluationEdge,
    FileEvaluation,
    file_evaluation::Entity,
    "Case-file evaluations, newest first."
);

#[derive(Default)]
pub struct EvaluationQuery;

#[Object]
impl EvaluationQuery {
    /// Case-file evaluations with their findings, newest first (the findings of a page come
    /// from one query).
    async fn file_evaluations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<FileEvaluationConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::list(&state(ctx)?.db, p, paging).await?;
        Ok(FileEvaluationConnection::new(nodes(rows, FileEvaluation::from), info, cond))
    }
}

#[derive(InputObject)]
pub struct RecordFileEvaluationInput {
    pub case_id: ID,
    pub evaluated_on: Date,
    pub scope: String,
    /// Problems found; none when the file passed.
    pub findings: Vec<String>,
}

#[derive(Default)]
pub struct EvaluationMutation;

#[Object]
impl EvaluationMutation {
    /// 案卷评查: records a check of a case file and the problems found.
    async fn record_file_evaluation(
        &self,
        ctx: &Context<'_>,
        input: RecordFileEvaluationInput,
    ) -> Result<FileEvaluation> {
        let p = principal(ctx)?;
        let case_id = ids::decode(&input.case_id, Kind::Case, "input.caseId")?;
        let on = input.evaluated_on.get("input.evaluatedOn")?;
        let row = service::record(store(ctx)?, p, case_id, on, input.scope, input.findings).await?;
        Ok(row.into())
    }

    /// A finding rectified by the case file's department.
    async fn rectify_finding(&self, ctx: &Context<'_>, id: ID, note: String) -> Result<EvaluationFinding> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::EvaluationFinding, "id")?;
        let row = service::rectify_finding(store(ctx)?, p, id, note).await?;
        Ok(row.into())
    }
}
