//! Triage reports (stub until the classification work lands).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriageReport {
    pub total: usize,
}

pub fn triage(items: &[serde_json::Value]) -> TriageReport {
    TriageReport { total: items.len() }
}
