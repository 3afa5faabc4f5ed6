//! `pickTemplates`: every template for a contact and source, pickable first, each judged by
//! the same gate as `checkSend` (one send per template, without its parameter values).

use crate::billing;
use crate::catalog::Reason;
use crate::eligibility;
use crate::error::InputError;
use crate::finding::Finding;
use crate::model::{Message, PickRequest, SendRequest, TemplateOption};
use crate::phone::{self, PhoneReport};
use crate::templates;

pub fn validate(request: &PickRequest) -> Result<(), InputError> {
    if let Some(credits) = &request.credits {
        billing::validate_credits(credits, "credits")?;
    }
    for (i, t) in request.templates.iter().enumerate() {
        templates::validate_template(t, &format!("templates[{i}]"))?;
    }
    Ok(())
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

/// `pickTemplates`. `request` must have passed [`validate`].
pub fn pick_templates(request: &PickRequest) -> Vec<TemplateOption> {
    let phone: PhoneReport = phone::analyze(&eligibility::phone_input(&request.contact));
    let Some(first) = request.templates.first() else {
        return Vec::new();
    };
    // One request, its template swapped per option.
    let mut send = SendRequest {
        contact: request.contact.clone(),
        source: request.source,
        message: Message::Template {
            template: first.clone(),
            parameters: None,
        },
        credits: request.credits,
        now: request.now,
        policy: request.policy,
        signals: request.signals,
        account: request.account.clone(),
        biz_opaque_callback_data: None,
    };
    let mut options: Vec<TemplateOption> = request
        .templates
        .iter()
        .map(|template| {
            if let Message::Template { template: t, .. } = &mut send.message {
                t.clone_from(template);
            }
            let verdict = eligibility::check_send_with_phone(&send, &phone);
            let mut findings: Vec<Finding> = verdict
                .blockers
                .into_iter()
                .filter(|f| concerns_template_choice(f.reason))
                .collect();
            let pickable = findings.is_empty();
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
                parameter_count: templates::parameter_count(template),
                slots: templates::slots(template),
            }
        })
        .collect();
    options.sort_by_key(|o| !o.pickable);
    options
}
