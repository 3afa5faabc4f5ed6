//! Template rules: status, quality, `{{n}}` parameters, and the picker.

use crate::catalog::{self, Reason};
use crate::eligibility::{self, finding, from_entry};
use crate::error::InputError;
use crate::model::{Finding, Message, PickRequest, Quality, SendRequest, Template, TemplateOption};

/// Status-specific guidance for a template that is not `APPROVED`. A status with a Meta code
/// reads exactly like the classifier's entry for that code.
struct StatusGuidance {
    statuses: &'static [&'static str],
    meta_code: Option<u32>,
    explains: &'static str,
    resolution: &'static [&'static str],
}

const STATUS_GUIDANCE: &[StatusGuidance] = &[
    StatusGuidance {
        statuses: &["DRAFT"],
        meta_code: None,
        explains: "is a draft saved only in the platform; Meta has never seen it",
        resolution: &[
            "Open Templates → [Template Name] and submit it for approval.",
            "Wait for Meta's review (usually minutes, at most 24 hours) before scheduling the send.",
        ],
    },
    StatusGuidance {
        statuses: &["PENDING_APPROVAL", "PENDING", "IN_APPEAL"],
        meta_code: None,
        explains: "is still under review by Meta",
        resolution: &[
            "Wait for Meta's review to finish (usually minutes, at most 24 hours); the status changes to APPROVED or REJECTED on its own.",
            "Schedule the campaign or activate the automation only once the template is APPROVED.",
        ],
    },
    StatusGuidance {
        statuses: &["REJECTED"],
        meta_code: None,
        explains: "was rejected by Meta's review",
        resolution: &[
            "Read the rejection reason in Templates → [Template Name] → Status.",
            "Fix the content (see the Template Rejection guide) and resubmit, or appeal if the rejection is wrong.",
        ],
    },
    StatusGuidance {
        statuses: &["PAUSED"],
        meta_code: Some(132015),
        explains: "was approved but Meta paused it for low quality",
        resolution: &[],
    },
    StatusGuidance {
        statuses: &["DISABLED"],
        meta_code: Some(132016),
        explains: "was disabled by Meta after repeated quality pauses",
        resolution: &[],
    },
    StatusGuidance {
        statuses: &["PENDING_DELETION", "DELETED", "ARCHIVED"],
        meta_code: None,
        explains: "was deleted or archived",
        resolution: &[
            "Pick another APPROVED template, or create and submit a new one (a deleted name cannot be reused for 30 days).",
        ],
    },
    StatusGuidance {
        statuses: &["LIMIT_EXCEEDED"],
        meta_code: None,
        explains: "could not be created because the WhatsApp Business Account reached its template limit",
        resolution: &["Delete templates you no longer use in WhatsApp Manager, then submit this one again."],
    },
    StatusGuidance {
        statuses: &["FLAGGED", "LOCKED"],
        meta_code: None,
        explains: "is flagged or locked by Meta and not in APPROVED status",
        resolution: &[
            "Check the template in WhatsApp Manager; improve its content so quality recovers, or use another APPROVED template.",
        ],
    },
];

/// Normalised status: upper case, trimmed, spaces and dashes as underscores.
pub fn normalize_status(status: &str) -> String {
    status
        .trim()
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

pub fn validate_template(template: &Template, path: &str) -> Result<(), InputError> {
    if template.name.trim().is_empty() {
        return Err(InputError::new(
            format!("{path}.name"),
            "a template needs a name",
        ));
    }
    Ok(())
}

pub fn validate(request: &PickRequest) -> Result<(), InputError> {
    if let Some(credits) = &request.credits {
        eligibility::validate_credits(credits, "credits")?;
    }
    for (i, t) in request.templates.iter().enumerate() {
        validate_template(t, &format!("templates[{i}]"))?;
    }
    Ok(())
}

/// `TEMPLATE_NOT_APPROVED` with status-specific guidance, or `None` when `APPROVED`.
pub fn status_finding(template: &Template) -> Option<Finding> {
    let status = normalize_status(&template.status);
    if status == "APPROVED" {
        return None;
    }
    let shown = crate::model::clip(template.status.trim(), 40);
    let guidance = STATUS_GUIDANCE
        .iter()
        .find(|g| g.statuses.contains(&status.as_str()));
    let field = Some("message.template.status");
    let finding = match guidance {
        Some(g) => {
            let message = format!("The template `{}` {} (status {shown}).", template.name, g.explains);
            match g.meta_code.and_then(catalog::for_meta_code) {
                Some(entry) => from_entry(entry, message, field),
                None => {
                    let mut f = finding(Reason::TemplateNotApproved, message, field);
                    f.resolution = g.resolution.iter().map(|s| s.to_string()).collect();
                    f
                }
            }
        }
        None => finding(
            Reason::TemplateNotApproved,
            format!(
                "The template `{}` has status `{shown}`, which is not APPROVED; only APPROVED templates can be sent.",
                template.name
            ),
            field,
        ),
    };
    Some(finding)
}

pub fn quality_finding(template: &Template) -> Option<Finding> {
    let level = match template.quality? {
        Quality::Yellow => "YELLOW (medium)",
        Quality::Red => "RED (low): Meta pauses templates at this level",
        Quality::Green | Quality::Unknown => return None,
    };
    Some(finding(
        Reason::TemplateQualityLow,
        format!(
            "The template `{}` has quality {level}. It can be sent, but may be paused soon.",
            template.name
        ),
        Some("message.template.quality"),
    ))
}

/// Distinct `{{n}}` (or `{{name}}`) placeholders in the header plus those in the body; Meta
/// numbers each component's parameters separately.
pub fn parameter_count(template: &Template) -> usize {
    placeholders(template.header.as_deref().unwrap_or("")).len()
        + placeholders(template.body.as_deref().unwrap_or("")).len()
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !found.contains(&name)
        {
            found.push(name);
        }
        rest = &after[end + 2..];
    }
    found
}

/// `TEMPLATE_PARAMETER_MISMATCH` when the supplied values do not match the placeholders.
/// Without a body the count is unknown and nothing is checked.
pub fn parameter_finding(template: &Template, parameters: Option<&[String]>) -> Option<Finding> {
    if template.body.is_none() && template.header.is_none() {
        return None;
    }
    let expected = parameter_count(template);
    let given = parameters.map_or(0, |p| p.len());
    let empty: Vec<usize> = parameters
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|(_, p)| p.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    let message = if expected != given {
        format!(
            "The template `{}` has {expected} placeholder{} but {given} value{} {} supplied.",
            template.name,
            if expected == 1 { "" } else { "s" },
            if given == 1 { "" } else { "s" },
            if given == 1 { "was" } else { "were" }
        )
    } else if !empty.is_empty() {
        format!(
            "Parameter value {} of template `{}` is empty; Meta rejects empty values.",
            empty
                .iter()
                .map(|i| format!("{{{{{i}}}}}"))
                .collect::<Vec<_>>()
                .join(", "),
            template.name
        )
    } else {
        return None;
    };
    let entry = catalog::for_meta_code(132000)
        .unwrap_or(catalog::for_reason(Reason::TemplateParameterMismatch));
    Some(from_entry(entry, message, Some("message.parameters")))
}

/// Reasons that concern the contact or the workspace rather than the choice of template; the
/// picker leaves them to the contact check.
fn concerns_template_choice(reason: Reason) -> bool {
    !crate::phone::PhoneReport::concerns_the_phone(reason)
        && !matches!(
            reason,
            Reason::RecipientNotOnWhatsapp
                | Reason::InsufficientCredits
                | Reason::TemplateParameterMismatch
        )
}

/// `pickTemplates`: every template for this contact and source, pickable first.
pub fn pick_templates(request: &PickRequest) -> Vec<TemplateOption> {
    let phone = crate::phone::analyze(&eligibility::phone_input(&request.contact));
    let mut options: Vec<TemplateOption> = request
        .templates
        .iter()
        .map(|template| {
            let send = SendRequest {
                contact: request.contact.clone(),
                source: request.source,
                message: Message::Template {
                    template: template.clone(),
                    parameters: None,
                },
                credits: request.credits,
                now: request.now,
                policy: request.policy,
                signals: request.signals,
            };
            let verdict = eligibility::check_send_with_phone(&send, &phone);
            let blockers: Vec<Finding> = verdict
                .blockers
                .into_iter()
                .filter(|f| concerns_template_choice(f.reason))
                .collect();
            let pickable = blockers.is_empty();
            let mut findings = blockers;
            findings.extend(
                verdict
                    .warnings
                    .into_iter()
                    .filter(|f| concerns_template_choice(f.reason)),
            );
            TemplateOption {
                template: template.clone(),
                pickable,
                findings,
                parameter_count: parameter_count(template),
            }
        })
        .collect();
    options.sort_by_key(|o| !o.pickable);
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TemplateCategory;

    fn t(body: &str) -> Template {
        Template {
            name: "t".into(),
            language: "en".into(),
            category: TemplateCategory::Utility,
            status: "APPROVED".into(),
            quality: None,
            body: Some(body.into()),
            header: None,
        }
    }

    #[test]
    fn counts_distinct_placeholders() {
        assert_eq!(
            parameter_count(&t("Hi {{1}}, your order {{2}} ships {{2}}")),
            2
        );
        assert_eq!(parameter_count(&t("Hi {{ first_name }}")), 1);
        assert_eq!(parameter_count(&t("No params {{}} {{ not valid! }}")), 0);
        assert_eq!(parameter_count(&t("unclosed {{1")), 0);
        let mut with_header = t("Body {{1}}");
        with_header.header = Some("Hello {{1}}".into());
        assert_eq!(parameter_count(&with_header), 2);
    }

    #[test]
    fn empty_values_are_reported() {
        let f = parameter_finding(&t("Hi {{1}}"), Some(&["  ".to_string()])).unwrap();
        assert!(f.message.contains("empty"));
        assert!(parameter_finding(&t("Hi {{1}}"), Some(&["Ana".to_string()])).is_none());
    }

    #[test]
    fn status_normalisation() {
        assert_eq!(normalize_status(" pending approval "), "PENDING_APPROVAL");
        assert_eq!(normalize_status("in-appeal"), "IN_APPEAL");
    }
}
