//! Template rules: status, quality, and the `{{n}}` parameter slots of header and body. The
//! slots are the one reading of placeholders in the project: the parameter count, the picker's
//! `TemplateOption.slots` and Meta's request body (`meta_request`) all come from [`slots`].

use crate::catalog::{self, Reason};
use crate::error::InputError;
use crate::finding::{finding, from_entry, Finding};
use crate::model::{Part, Quality, Slot, Template};

/// Longest placeholder name Meta accepts (`{{first_name}}`); longer text between braces is not
/// a placeholder.
const MAX_PLACEHOLDER_CHARS: usize = 64;

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

/// `TEMPLATE_NOT_APPROVED` with status-specific guidance, or `None` when `APPROVED`.
pub fn status_finding(template: &Template) -> Option<Finding> {
    let status = normalize_status(&template.status);
    if status == "APPROVED" {
        return None;
    }
    let shown = crate::model::clip(template.status.trim(), 40);
    let field = Some("message.template.status");
    let finding = match catalog::status_guidance(&status) {
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

/// The template's parameter slots in the order a send supplies their values: the header's,
/// then the body's (Meta numbers each component separately). Within a component each distinct
/// placeholder counts once; numbered ones in number order (`{{1}}` takes the first value of
/// its component), named ones in order of first appearance.
pub fn slots(template: &Template) -> Vec<Slot> {
    let mut out = Vec::new();
    for (part, text) in [
        (Part::Header, &template.header),
        (Part::Body, &template.body),
    ] {
        for name in placeholders(text.as_deref().unwrap_or("")) {
            out.push(Slot {
                part,
                name: name.to_string(),
            });
        }
    }
    out
}

/// How many of the template's slots belong to the header (the rest are the body's).
pub fn header_slot_count(template: &Template) -> usize {
    placeholders(template.header.as_deref().unwrap_or("")).len()
}

/// Number of parameter values a send of the template needs.
pub fn parameter_count(template: &Template) -> usize {
    header_slot_count(template) + placeholders(template.body.as_deref().unwrap_or("")).len()
}

/// The distinct placeholders of one component's text, ordered as [`slots`] describes.
fn placeholders(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = find_pair(rest, b'{') {
        let after = &rest[start + 2..];
        let Some(end) = find_pair(after, b'}') else {
            break;
        };
        let name = after[..end].trim();
        if !name.is_empty()
            && name.len() <= MAX_PLACEHOLDER_CHARS
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !found.contains(&name)
        {
            found.push(name);
        }
        rest = &after[end + 2..];
    }
    if found.iter().all(|n| n.bytes().all(|b| b.is_ascii_digit())) {
        // Numbered: by value (`{{2}} … {{1}}` still takes values 1, 2), leading zeros aside.
        // An insertion sort: a template has a handful of placeholders, and a slice sort would
        // bring a large generic sort routine into the Wasm for them.
        for i in 1..found.len() {
            let mut j = i;
            while j > 0 && numeric_order(found[j - 1]) > numeric_order(found[j]) {
                found.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    found
}

/// Where `{{` (or `}}`) starts in `text`: a byte scan, since a template is parsed on every
/// check and `str::find` sets up a substring searcher for each call.
fn find_pair(text: &str, brace: u8) -> Option<usize> {
    text.as_bytes()
        .windows(2)
        .position(|w| w[0] == brace && w[1] == brace)
}

/// A digit string's sort key by value: longer (without leading zeros) is larger.
fn numeric_order(digits: &str) -> (usize, &str) {
    let significant = digits.trim_start_matches('0');
    (significant.len(), significant)
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
            id: None,
            pending_category: None,
        }
    }

    fn names(template: &Template) -> Vec<(Part, String)> {
        slots(template)
            .into_iter()
            .map(|s| (s.part, s.name))
            .collect()
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
    fn slots_list_the_header_first_and_numbered_placeholders_by_number() {
        let mut template = t("Order {{2}} for {{1}}, again {{2}}; {{10}}");
        template.header = Some("Hi {{ 1 }}".into());
        assert_eq!(
            names(&template),
            vec![
                (Part::Header, "1".to_string()),
                (Part::Body, "1".to_string()),
                (Part::Body, "2".to_string()),
                (Part::Body, "10".to_string()),
            ]
        );
        assert_eq!(header_slot_count(&template), 1);
        // Named placeholders keep the order they first appear in.
        assert_eq!(
            names(&t("{{order_id}} for {{first_name}} ({{order_id}})")),
            vec![
                (Part::Body, "order_id".to_string()),
                (Part::Body, "first_name".to_string())
            ]
        );
        let json = serde_json::to_value(&slots(&template)[0]).unwrap();
        assert_eq!(json, serde_json::json!({"part": "header", "name": "1"}));
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
