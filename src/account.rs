//! Account readiness: what Meta says about the sending account (health, bans, restrictions,
//! payment, phone quality) turned into blockers and warnings for one send. The edge keeps
//! these facts from Meta's webhooks and `health_status`; without them nothing is checked.

use crate::billing::SERVICE_BILLABLE_SINCE;
use crate::catalog::Reason;
use crate::finding::{finding, meta_finding, Finding};
use crate::model::{
    clip, AccountState, Billing, CanSendMessage, HealthEntity, Quality, Restriction, Template,
    Timestamp,
};

/// What readiness needs to know about the send itself.
pub struct Send<'a> {
    /// The template, for a template send.
    pub template: Option<&'a Template>,
    /// The customer-service window is open (the send is a reply, not business-initiated).
    pub window_open: bool,
    pub billing: &'a Billing,
    pub now: Timestamp,
}

/// The restriction types Meta sends in `account_update` ACCOUNT_RESTRICTION.
const BIZ_INITIATED: &str = "RESTRICTED_BIZ_INITIATED_MESSAGING";
const CUSTOMER_INITIATED: &str = "RESTRICTED_CUSTOMER_INITIATED_MESSAGING";
const ADD_PHONE_NUMBER: &str = "RESTRICTED_ADD_PHONE_NUMBER_ACTION";

pub fn check(
    account: &AccountState,
    send: &Send<'_>,
    blockers: &mut Vec<Finding>,
    warnings: &mut Vec<Finding>,
) {
    for entity in account.health.iter().flatten() {
        if !concerns(entity, send.template) {
            continue;
        }
        match entity.can_send_message {
            CanSendMessage::Blocked => blockers.push(health_finding(entity, "BLOCKED")),
            CanSendMessage::Limited => warnings.push(health_finding(entity, "LIMITED")),
            CanSendMessage::Available => {}
        }
    }
    if account.banned == Some(true) {
        blockers.push(finding(
            Reason::AccountRestricted,
            "Meta banned the WhatsApp Business Account (account_update DISABLED_UPDATE): no message can be sent until the ban is lifted on appeal."
                .to_string(),
            Some("account.banned"),
        ));
    }
    for r in account.restrictions() {
        if r.until.is_some_and(|until| send.now >= until) {
            continue;
        }
        restriction(r, send, blockers, warnings);
    }
    if account.payment_method == Some(false) && send.billing.billable {
        payment(send, blockers, warnings);
    }
    if account.phone_quality == Some(Quality::Red) {
        warnings.push(finding(
            Reason::QualityRestricted,
            "The sending phone number's quality rating is RED (low): recipients block or report its messages, and Meta may restrict it. Sends still go out for now."
                .to_string(),
            Some("account.phone_quality"),
        ));
    }
}

/// A MESSAGE_TEMPLATE entity concerns only template sends, and only its own template when both
/// ids are known; every other entity concerns every send.
fn concerns(entity: &HealthEntity, template: Option<&Template>) -> bool {
    if !entity
        .entity
        .trim()
        .eq_ignore_ascii_case("MESSAGE_TEMPLATE")
    {
        return true;
    }
    match (template, &entity.id) {
        (None, _) => false,
        (Some(t), Some(id)) => t.id.as_deref().is_none_or(|own| own == id),
        (Some(_), None) => true,
    }
}

fn health_finding(entity: &HealthEntity, state: &str) -> Finding {
    let name = clip(entity.entity.trim(), 40);
    let id = entity
        .id
        .as_deref()
        .map(|id| format!(" {}", clip(id, 64)))
        .unwrap_or_default();
    let mut message = if state == "BLOCKED" {
        format!("Meta's health status reports the {name}{id} as BLOCKED: it cannot send messages.")
    } else {
        format!(
            "Meta's health status reports the {name}{id} as LIMITED: some messages may not be sent."
        )
    };
    let mut solutions = Vec::new();
    for e in entity.errors.iter().flatten() {
        message.push_str(&format!(" Error {}", e.error_code));
        if let Some(d) = e
            .error_description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            message.push_str(&format!(": {}", clip(d.trim(), 300)));
        }
        message.push('.');
        if let Some(s) = e
            .possible_solution
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            solutions.push(format!("Meta's suggested fix: {}", clip(s.trim(), 300)));
        }
    }
    let mut f = finding(Reason::AccountRestricted, message, Some("account.health"));
    // Meta's own fix for this entity comes before the generic guidance.
    f.resolution.splice(0..0, solutions);
    f
}

fn until_text(r: &Restriction) -> String {
    match r.until {
        Some(t) => format!("until {}", t.to_rfc3339()),
        None => "until Meta lifts it".to_string(),
    }
}

fn restriction(
    r: &Restriction,
    send: &Send<'_>,
    blockers: &mut Vec<Finding>,
    warnings: &mut Vec<Finding>,
) {
    let kind = r.kind.trim();
    let business_initiated = send.template.is_some() && !send.window_open;
    let (covered, what) = match kind {
        BIZ_INITIATED => (
            business_initiated,
            "business-initiated messaging (templates outside a customer-service window); replies inside an open window are still allowed",
        ),
        CUSTOMER_INITIATED => (
            send.window_open,
            "replies to customers inside the customer-service window; templates outside a window are still allowed",
        ),
        ADD_PHONE_NUMBER => return,
        _ => {
            warnings.push(finding(
                Reason::AccountRestricted,
                format!(
                    "Meta restricted the account ({}) {}; sendgate does not know which sends this covers.",
                    clip(kind, 60),
                    until_text(r)
                ),
                Some("account.restriction"),
            ));
            return;
        }
    };
    let message = format!("Meta restricted {what} ({kind}) {}.", until_text(r));
    let f = finding(
        Reason::AccountRestricted,
        message,
        Some("account.restriction"),
    );
    if covered {
        blockers.push(f);
    } else {
        warnings.push(f);
    }
}

fn payment(send: &Send<'_>, blockers: &mut Vec<Finding>, warnings: &mut Vec<Finding>) {
    let category = send.billing.category.as_str();
    if send.now >= SERVICE_BILLABLE_SINCE {
        let consequence = if send.template.is_some() {
            "Meta refuses it with 131042"
        } else {
            "Meta silently does not deliver service messages without one"
        };
        let message = format!(
            "The WhatsApp Business Account has no payment method on file, and this {category} message is billable: {consequence}."
        );
        let mut f = meta_finding(
            131042,
            Reason::MetaBillingIssue,
            message,
            "account.payment_method",
        );
        if send.template.is_none() {
            f.meta_code = None;
        }
        blockers.push(f);
    } else {
        warnings.push(finding(
            Reason::MetaBillingIssue,
            format!(
                "The WhatsApp Business Account has no payment method on file and this {category} message is billable: Meta may refuse it (131042). From {} every billable send without one is blocked.",
                SERVICE_BILLABLE_SINCE.to_rfc3339()
            ),
            Some("account.payment_method"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ts;
    use crate::model::{BillingCategory, HealthError, TemplateCategory};

    fn template(id: Option<&str>) -> Template {
        Template {
            name: "promo".into(),
            language: "en".into(),
            category: TemplateCategory::Marketing,
            status: "APPROVED".into(),
            quality: None,
            body: None,
            header: None,
            id: id.map(str::to_string),
            pending_category: None,
        }
    }

    const NOW: &str = "2026-11-28T12:00:00Z";

    const BILLABLE: Billing = Billing {
        category: BillingCategory::Marketing,
        billable: true,
        free_because: None,
    };

    /// A billable send of `template` (none: a text) at `now`.
    fn send<'a>(template: Option<&'a Template>, window_open: bool, now: &str) -> Send<'a> {
        Send {
            template,
            window_open,
            billing: &BILLABLE,
            now: ts(now),
        }
    }

    fn run(account: &AccountState, send: &Send<'_>) -> (Vec<Reason>, Vec<Reason>, Vec<Finding>) {
        let (mut b, mut w) = (Vec::new(), Vec::new());
        check(account, send, &mut b, &mut w);
        let reasons = |v: &[Finding]| v.iter().map(|f| f.reason).collect();
        (reasons(&b), reasons(&w), b.into_iter().chain(w).collect())
    }

    fn entity(entity: &str, id: Option<&str>, can: CanSendMessage) -> HealthEntity {
        HealthEntity {
            entity: entity.into(),
            id: id.map(str::to_string),
            can_send_message: can,
            errors: Some(vec![HealthError {
                error_code: 141_006,
                error_description: Some("There is an error with the payment method.".into()),
                possible_solution: Some("Add a valid payment method in Business Settings.".into()),
            }]),
        }
    }

    #[test]
    fn a_blocked_entity_blocks_naming_it_and_metas_fix_and_limited_warns() {
        let t = template(None);
        let send = send(Some(&t), false, "2026-11-28T12:00:00Z");
        let account = AccountState {
            health: Some(vec![
                entity("WABA", Some("102290129340398"), CanSendMessage::Blocked),
                entity("PHONE_NUMBER", None, CanSendMessage::Limited),
                entity("BUSINESS", None, CanSendMessage::Available),
            ]),
            ..Default::default()
        };
        let (blockers, warnings, all) = run(&account, &send);
        assert_eq!(blockers, vec![Reason::AccountRestricted]);
        assert_eq!(warnings, vec![Reason::AccountRestricted]);
        assert!(
            all[0].message.contains("WABA 102290129340398") && all[0].message.contains("141006"),
            "{}",
            all[0].message
        );
        assert!(
            all[0].resolution[0].contains("Add a valid payment method"),
            "{:?}",
            all[0].resolution
        );
        assert!(all[1].message.contains("LIMITED"));
    }

    #[test]
    fn a_blocked_template_entity_concerns_only_its_own_template_sends() {
        let account = AccountState {
            health: Some(vec![entity(
                "MESSAGE_TEMPLATE",
                Some("111"),
                CanSendMessage::Blocked,
            )]),
            ..Default::default()
        };
        for (id, blocked) in [(Some("111"), true), (Some("222"), false), (None, true)] {
            let t = template(id);
            let send = send(Some(&t), false, NOW);
            assert_eq!(!run(&account, &send).0.is_empty(), blocked, "{id:?}");
        }
        let text = send(None, true, NOW);
        assert!(run(&account, &text).0.is_empty());
    }

    #[test]
    fn biz_initiated_restriction_blocks_templates_outside_the_window_until_it_expires() {
        let account = AccountState {
            restriction: Some(Restriction {
                kind: BIZ_INITIATED.into(),
                until: Some(ts("2026-12-01T00:00:00Z")),
            }),
            restrictions: Some(vec![Restriction {
                kind: ADD_PHONE_NUMBER.into(),
                until: None,
            }]),
            ..Default::default()
        };
        let t = template(None);
        let outside = send(Some(&t), false, NOW);
        let (blockers, warnings, all) = run(&account, &outside);
        assert_eq!(
            (blockers, warnings),
            (vec![Reason::AccountRestricted], vec![])
        );
        assert!(
            all[0].message.contains("2026-12-01T00:00:00Z"),
            "{}",
            all[0].message
        );
        // A reply inside an open window is not covered: a warning only.
        let reply = send(None, true, NOW);
        assert_eq!(run(&account, &reply).0, vec![]);
        assert_eq!(run(&account, &reply).1, vec![Reason::AccountRestricted]);
        // A template inside the window is a reply too.
        let in_window = send(Some(&t), true, NOW);
        assert!(run(&account, &in_window).0.is_empty());
        // Expired: nothing.
        let later = send(Some(&t), false, "2026-12-01T00:00:00Z");
        assert_eq!(
            run(&account, &later).0.len() + run(&account, &later).1.len(),
            0
        );
    }

    #[test]
    fn a_restriction_given_as_restriction_and_in_restrictions_is_reported_once() {
        let r = Restriction {
            kind: BIZ_INITIATED.into(),
            until: None,
        };
        let account = AccountState {
            restriction: Some(r.clone()),
            restrictions: Some(vec![r]),
            ..Default::default()
        };
        let t = template(None);
        let (blockers, warnings, _) = run(&account, &send(Some(&t), false, NOW));
        assert_eq!(
            (blockers, warnings),
            (vec![Reason::AccountRestricted], vec![])
        );
    }

    #[test]
    fn customer_initiated_restriction_blocks_replies_and_unknown_types_warn() {
        let account = AccountState {
            restrictions: Some(vec![Restriction {
                kind: CUSTOMER_INITIATED.into(),
                until: None,
            }]),
            ..Default::default()
        };
        let reply = send(None, true, NOW);
        assert_eq!(run(&account, &reply).0, vec![Reason::AccountRestricted]);
        let t = template(None);
        let outside = send(Some(&t), false, NOW);
        assert!(run(&account, &outside).0.is_empty());
        let odd = AccountState {
            restriction: Some(Restriction {
                kind: "RESTRICTED_SOMETHING_NEW".into(),
                until: None,
            }),
            ..Default::default()
        };
        assert_eq!(run(&odd, &outside).1, vec![Reason::AccountRestricted]);
    }

    #[test]
    fn a_ban_blocks_every_send() {
        let account = AccountState {
            banned: Some(true),
            ..Default::default()
        };
        let reply = send(None, true, NOW);
        assert_eq!(run(&account, &reply).0, vec![Reason::AccountRestricted]);
    }

    #[test]
    fn no_payment_method_blocks_billable_sends_from_2026_10_01_and_warns_before() {
        let account = AccountState {
            payment_method: Some(false),
            ..Default::default()
        };
        let t = template(None);
        let before = send(Some(&t), false, "2026-09-30T23:59:59Z");
        assert_eq!(run(&account, &before).0, vec![]);
        assert_eq!(run(&account, &before).1, vec![Reason::MetaBillingIssue]);
        let from = send(Some(&t), false, "2026-10-01T00:00:00Z");
        let (blockers, _, all) = run(&account, &from);
        assert_eq!(blockers, vec![Reason::MetaBillingIssue]);
        assert_eq!(all[0].meta_code, Some(131042));
        // A service message is not refused with a code: it is silently not delivered.
        let service = Billing {
            category: BillingCategory::Service,
            billable: true,
            free_because: None,
        };
        let reply = Send {
            template: None,
            window_open: true,
            billing: &service,
            now: ts("2026-10-01T00:00:00Z"),
        };
        let (blockers, _, all) = run(&account, &reply);
        assert_eq!(blockers, vec![Reason::MetaBillingIssue]);
        assert_eq!(all[0].meta_code, None);
        assert!(all[0].message.contains("silently"));
        // A free send is not concerned.
        let free = Billing {
            category: BillingCategory::Marketing,
            billable: false,
            free_because: Some(crate::model::FreeBecause::FreeEntryPoint),
        };
        let fep = Send {
            template: Some(&t),
            window_open: false,
            billing: &free,
            now: ts("2026-10-01T00:00:00Z"),
        };
        assert_eq!(run(&account, &fep).0.len() + run(&account, &fep).1.len(), 0);
    }

    #[test]
    fn a_red_phone_number_warns() {
        let account = AccountState {
            phone_quality: Some(Quality::Red),
            ..Default::default()
        };
        let t = template(None);
        let send = send(Some(&t), false, "2026-11-28T12:00:00Z");
        assert_eq!(
            run(&account, &send),
            (
                vec![],
                vec![Reason::QualityRestricted],
                run(&account, &send).2
            )
        );
        let yellow = AccountState {
            phone_quality: Some(Quality::Yellow),
            ..Default::default()
        };
        assert!(run(&yellow, &send).1.is_empty());
    }
}
