//! Audience check of a customers CSV (stub until the audience work lands).

use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::model::{Credits, Policy, Source, Template, Timestamp};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AudienceOptions {
    pub source: Source,
    #[serde(default)]
    pub template: Option<Template>,
    #[serde(default)]
    pub now: Option<Timestamp>,
    #[serde(default)]
    pub policy: Option<Policy>,
    #[serde(default)]
    pub credits: Option<Credits>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudienceReport {
    pub rows: usize,
}

pub fn validate(_options: &AudienceOptions) -> Result<(), InputError> {
    Ok(())
}

pub fn check_audience(csv: &str, _options: &AudienceOptions) -> AudienceReport {
    AudienceReport {
        rows: csv.lines().count(),
    }
}
