//! The plan: every row of the demo, decided in memory before anything is written. Later
//! generators (rectification notices, publications, reconsiderations …) add their own vectors
//! here and a line to the writer.

use std::collections::HashMap;

use chrono::Datelike;
use entity::enums::CaseEventKind;
use entity::{
    activity, case, case_event, case_officer, certificate, compliance_guidance_item, counter, credit_repair,
    department, evaluation_finding, exemption, file_evaluation, follow_enrollment, legal_review, matter, matter_claim,
    matter_empowerment, party, patrol_action, payment, publication, reconsideration, record, rectification_notice,
    review_meeting, three_document_delivery, training, training_attendee, transfer, user, user_role,
};
use uuid::Uuid;

use super::DemoSummary;
use crate::calendar::local_date;
use crate::events::EventDetail;

#[derive(Debug, Default)]
pub(super) struct Plan {
    pub departments: Vec<department::Model>,
    pub users: Vec<user::Model>,
    pub certificates: Vec<certificate::Model>,
    pub user_roles: Vec<user_role::Model>,
    pub matters: Vec<matter::Model>,
    pub empowerments: Vec<matter_empowerment::Model>,
    pub parties: Vec<party::Model>,
    pub cases: Vec<case::Model>,
    /// One receipt per paid fine (R15).
    pub payments: Vec<payment::Model>,
    pub case_officers: Vec<case_officer::Model>,
    pub transfers: Vec<transfer::Model>,
    pub records: Vec<record::Model>,
    pub case_events: Vec<case_event::Model>,
    pub follow_enrollments: Vec<follow_enrollment::Model>,
    pub counters: Vec<counter::Model>,
    pub review_meetings: Vec<review_meeting::Model>,
    pub legal_reviews: Vec<legal_review::Model>,
    pub rectification_notices: Vec<rectification_notice::Model>,
    pub exemptions: Vec<exemption::Model>,
    pub reconsiderations: Vec<reconsideration::Model>,
    pub file_evaluations: Vec<file_evaluation::Model>,
    pub evaluation_findings: Vec<evaluation_finding::Model>,
    pub credit_repairs: Vec<credit_repair::Model>,
    pub three_document_deliveries: Vec<three_document_delivery::Model>,
    pub compliance_guidance_items: Vec<compliance_guidance_item::Model>,
    pub publications: Vec<publication::Model>,
    pub trainings: Vec<training::Model>,
    pub training_attendees: Vec<training_attendee::Model>,
    pub patrol_actions: Vec<patrol_action::Model>,
    pub matter_claims: Vec<matter_claim::Model>,
    /// Study, legal education, outreach, document review and the street campaign.
    pub activities: Vec<activity::Model>,
}

impl Plan {
    /// Numbers every case `{prefix}罚〔{year}〕{seq:04}号` in filing order per department and
    /// Shanghai year, continuing from the numbers `numbering` already gave (a chunked seed
    /// numbers each chunk after the ones before), and fills `search_text`.
    pub fn number_cases(&mut self, numbering: &mut Numbering) {
        let mut order: Vec<usize> = (0..self.cases.len()).collect();
        order.sort_by_key(|&i| {
            let c = &self.cases[i];
            (c.department_id, c.filed_at, c.id)
        });

        let mut numbers = vec![String::new(); self.cases.len()];
        for i in order {
            let c = &self.cases[i];
            let year = local_date(c.filed_at).year();
            let seq = numbering.last.entry((c.department_id, year)).or_insert(0);
            *seq += 1;
            let prefix = numbering.prefixes.get(&c.department_id).map_or("", String::as_str);
            numbers[i] = format!("{prefix}罚〔{year}〕{:04}号", *seq);
        }
        for (c, no) in self.cases.iter_mut().zip(numbers) {
            c.search_text = format!("{no} {}", c.title).to_lowercase();
            c.case_no = no;
        }
        // Each filing names its case number, as `fileCase` writes it.
        let numbered: HashMap<Uuid, &str> = self.cases.iter().map(|c| (c.id, c.case_no.as_str())).collect();
        for e in self.case_events.iter_mut().filter(|e| e.kind == CaseEventKind::Filed) {
            if let (Some(no), Ok(mut detail)) = (numbered.get(&e.case_id), EventDetail::read(e.kind, &e.detail)) {
                detail.set_case_no(no);
                e.detail = detail.to_json();
            }
        }
    }

    pub fn summary(&self) -> DemoSummary {
        DemoSummary {
            departments: self.departments.len(),
            users: self.users.len(),
            matters: self.matters.len(),
            cases: self.cases.len(),
            transfers: self.transfers.len(),
            records: self.records.len(),
        }
    }
}

/// Multiplies the report's volumes by `DemoOptions::scale`: rounded, and at least one of each
/// kind that exists at full scale (a non-finite or negative scale counts as the minimum).
#[derive(Debug, Clone, Copy)]
pub(super) struct Scale(pub f64);

impl Scale {
    pub fn of(self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let scaled = n as f64 * self.0;
        if scaled.is_finite() && scaled >= 1.0 { scaled.round() as usize } else { 1 }
    }

    pub fn is_full(self) -> bool {
        self.0 == 1.0
    }
}

/// The case numbers given so far, per department and Shanghai year: each chunk of a large seed
/// continues them, and the counters end at the last (so the next case the API files continues
/// the sequence without a gap).
#[derive(Debug, Default)]
pub(super) struct Numbering {
    prefixes: HashMap<Uuid, String>,
    codes: HashMap<Uuid, String>,
    last: HashMap<(Uuid, i32), i64>,
}

impl Numbering {
    pub fn new(departments: &[department::Model]) -> Self {
        Numbering {
            prefixes: departments.iter().map(|d| (d.id, d.case_prefix.clone())).collect(),
            codes: departments.iter().map(|d| (d.id, d.code.clone())).collect(),
            last: HashMap::new(),
        }
    }

    /// Each counter at its last number, ordered by scope and year.
    pub fn counters(&self) -> Vec<counter::Model> {
        let mut counters: Vec<counter::Model> = self
            .last
            .iter()
            .map(|(&(dept, year), &value)| counter::Model {
                scope: self.codes.get(&dept).cloned().unwrap_or_default(),
                year,
                value,
            })
            .collect();
        counters.sort_by(|a, b| (&a.scope, a.year).cmp(&(&b.scope, b.year)));
        counters
    }
}
