//! `checkSend`: will this send fail, and why? Every SPEC decision lives here, in the order a
//! merchant should fix things: the phone, consent, message type and window, template,
//! Meta-side signals about the recipient, then credits.

use chrono::Duration;

use crate::catalog::{self, Entry, Reason};
use crate::error::InputError;
use crate::model::{
    ConsentPolicy, Contact, Finding, MarketingState, Message, SendRequest, Source,
    TemplateCategory, Timestamp, Verdict, Window,
};
use crate::phone::{self, PhoneInput, PhoneReport};
use crate::templates;

/// The customer-service window Meta opens on every inbound message.
pub const WINDOW_HOURS: i64 = 24;
/// How long a 131049 (per-user marketing limit) keeps a recipient blocked: Meta says ≥ 24 h.
pub const MARKETING_LIMIT_HOURS: i64 = 24;
/// How long a 131026 (undeliverable) is trusted before trying the number again.
pub const UNDELIVERABLE_DAYS: i64 = 7;
/// Meta stopped delivering marketing templates to US numbers on this date.
pub const US_MARKETING_PAUSE_SINCE: &str = "2025-04-01";
/// Meta's limit for a text message body.
const MAX_TEXT_CHARS: usize = 4096;

/// A finding with the catalog's title, category and resolution for `reason`.
pub fn finding(reason: Reason, message: String, field: Option<&'static str>) -> Finding {
    from_entry(catalog::for_reason(reason), message, field)
}

/// A finding with the guidance of a specific catalog entry (e.g. Meta 132015 for a paused
/// template), so the gate's prediction reads like the classifier's explanation.
pub fn from_entry(entry: &'static Entry, message: String, field: Option<&'static str>) -> Finding {
    Finding {
        reason: entry.reason,
        title: entry.title,
        category: entry.category,
        message,
        resolution: entry.resolution.iter().map(|s| s.to_string()).collect(),
        field,
        suggested: None,
        meta_code: entry.meta_code,
    }
}

/// Checks serde cannot express (numbers in range, non-empty text).
pub fn validate(request: &SendRequest) -> Result<(), InputError> {
    if let Some(credits) = &request.credits {
        validate_credits(credits, "credits")?;
    }
    if let Message::Text { text } = &request.message {
        if text.trim().is_empty() {
            return Err(InputError::new(
                "message.text",
                "a text message needs a non-empty text",
            ));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(InputError::new(
                "message.text",
                format!("WhatsApp text messages are limited to {MAX_TEXT_CHARS} characters"),
            ));
        }
    }
    if let Message::Template { template, .. } = &request.message {
        templates::validate_template(template, "message.template")?;
    }
    Ok(())
}

pub fn validate_credits(credits: &crate::model::Credits, path: &str) -> Result<(), InputError> {
    if !credits.balance.is_finite() {
        return Err(InputError::new(
            format!("{path}.balance"),
            "must be a finite number",
        ));
    }
    if let Some(cost) = credits.cost {
        if !cost.is_finite() || cost < 0.0 {
            return Err(InputError::new(
                format!("{path}.cost"),
                "must be a number ≥ 0",
            ));
        }
    }
    Ok(())
}

/// The current time, unless the request fixes it.
pub fn now_or_clock(now: Option<Timestamp>) -> Timestamp {
    now.unwrap_or_else(|| Timestamp(chrono::Utc::now()))
}

pub fn phone_input(contact: &Contact) -> PhoneInput {
    PhoneInput {
        phone: contact.phone.clone(),
        phone_country_code: contact.phone_country_code.clone(),
        phone_calling_code: contact.phone_calling_code.clone(),
    }
}

/// The 24-hour window as of `now`.
pub fn window(contact: &Contact, now: Timestamp) -> Window {
    match contact.last_inbound_at {
        Some(last) => {
            let closes = Timestamp(last.0 + Duration::hours(WINDOW_HOURS));
            Window {
                open: now < closes,
                closes_at: Some(closes),
            }
        }
        None => Window {
            open: false,
            closes_at: None,
        },
    }
}

/// `checkSend`. `request` must have passed [`validate`].
pub fn check_send(request: &SendRequest) -> Verdict {
    let phone = phone::analyze(&phone_input(&request.contact));
    check_send_with_phone(request, &phone)
}

/// `checkSend` with the phone already analysed (the audience check reuses one analysis).
pub fn check_send_with_phone(request: &SendRequest, phone: &PhoneReport) -> Verdict {
    let now = now_or_clock(request.now);
    let contact = &request.contact;
    let window = window(contact, now);
    let mut blockers = Vec::new();
    let mut warnings = Vec::new();

    // 1. The phone: without an address nothing else matters, but keep checking so the merchant
    //    sees every problem at once.
    for f in &phone.findings {
        if PhoneReport::is_blocking(f.reason) {
            blockers.push(f.clone());
        } else {
            warnings.push(f.clone());
        }
    }

    // 2. Consent.
    let marketing_template = matches!(
        &request.message,
        Message::Template { template, .. } if template.category == TemplateCategory::Marketing
    );
    if let Some(f) = consent(request, marketing_template) {
        blockers.push(f);
    }

    // 3. Message type, source and window.
    match &request.message {
        Message::Text { .. } => {
            if request.source != Source::Inbox {
                blockers.push(finding(
                    Reason::SessionMessageNotAllowed,
                    format!(
                        "A {} cannot send free-form text: campaigns and automations send approved templates only.",
                        request.source.as_str()
                    ),
                    Some("message.type"),
                ));
            } else if !window.open {
                blockers.push(outside_window(contact, &window, now));
            }
        }
        Message::Template {
            template,
            parameters,
        } => {
            // 4. The template itself.
            if let Some(f) = templates::status_finding(template) {
                blockers.push(f);
            }
            if let Some(f) = templates::parameter_finding(template, parameters.as_deref()) {
                blockers.push(f);
            }
            if let Some(f) = templates::quality_finding(template) {
                warnings.push(f);
            }
        }
    }

    // 5. What Meta told us about this recipient.
    blockers.extend(signal_findings(request, phone, marketing_template, now));

    // 6. Credits: template sends cost, session messages are free.
    let cost = match &request.message {
        Message::Template { .. } => request.credits.and_then(|c| c.cost).unwrap_or(1.0),
        Message::Text { .. } => 0.0,
    };
    if let Some(credits) = request.credits {
        if credits.balance < cost {
            blockers.push(finding(
                Reason::InsufficientCredits,
                format!(
                    "This send costs {} credit{} and the workspace balance is {}.",
                    fmt_number(cost),
                    if cost == 1.0 { "" } else { "s" },
                    fmt_number(credits.balance)
                ),
                Some("credits.balance"),
            ));
        }
    }

    let phone_ok = !phone
        .findings
        .iter()
        .any(|f| PhoneReport::is_blocking(f.reason));
    Verdict {
        eligible: blockers.is_empty(),
        to: if phone_ok { phone.e164.clone() } else { None },
        blockers,
        warnings,
        window,
        cost,
    }
}

fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// SPEC consent decisions. `REDACTED` blocks everything, always.
fn consent(request: &SendRequest, marketing_template: bool) -> Option<Finding> {
    let state = request.contact.marketing_state;
    if state == MarketingState::Redacted {
        return Some(finding(
            Reason::CustomerIsNotOptedIn,
            "This customer's data was erased on request (REDACTED, from Shopify's customers/redact). \
             They are permanently excluded from every message, whatever the source."
                .to_string(),
            Some("contact.marketing_state"),
        ));
    }
    if state == MarketingState::Subscribed {
        return None;
    }
    let policy = request.policy.and_then(|p| p.consent).unwrap_or_default();
    let needs_subscription = match (&request.message, request.source) {
        // The customer wrote first: a session reply needs no marketing consent.
        (Message::Text { .. }, Source::Inbox) => false,
        // An agent's template: marketing needs consent, utility and authentication do not.
        (Message::Template { .. }, Source::Inbox) => marketing_template,
        (Message::Template { .. }, _) => policy == ConsentPolicy::Strict || marketing_template,
        // Campaign or automation text is blocked anyway; it is promotional, so consent applies.
        (Message::Text { .. }, _) => true,
    };
    if !needs_subscription {
        return None;
    }
    let why = match state {
        MarketingState::Unsubscribed => {
            "had opted in but has since opted out (for example by replying STOP), so marketing_state is UNSUBSCRIBED"
        }
        MarketingState::NotSubscribed => "never gave WhatsApp marketing consent (marketing_state is NOT_SUBSCRIBED)",
        MarketingState::Unknown => "never gave consent that the platform knows of (marketing_state is UNKNOWN)",
        MarketingState::Pending => "gave consent that is not confirmed yet (marketing_state is PENDING, e.g. double opt-in)",
        MarketingState::Invalid => "has consent data that cannot be verified (marketing_state is INVALID)",
        MarketingState::Subscribed | MarketingState::Redacted => "",
    };
    let what = match &request.message {
        Message::Template { template, .. } => format!(
            "a {} template from a {}",
            category_name(template.category),
            request.source.as_str()
        ),
        Message::Text { .. } => format!("a message from a {}", request.source.as_str()),
    };
    Some(finding(
        Reason::CustomerIsNotOptedIn,
        format!("This customer {why}. Sending {what} requires SUBSCRIBED."),
        Some("contact.marketing_state"),
    ))
}

fn category_name(category: TemplateCategory) -> &'static str {
    match category {
        TemplateCategory::Marketing => "MARKETING",
        TemplateCategory::Utility => "UTILITY",
        TemplateCategory::Authentication => "AUTHENTICATION",
    }
}

fn outside_window(contact: &Contact, window: &Window, now: Timestamp) -> Finding {
    let message = match (contact.last_inbound_at, window.closes_at) {
        (Some(last), Some(closed)) => format!(
            "The customer last wrote at {} ({} ago); the 24-hour window closed at {}. Free-form text is only allowed while it is open.",
            last.to_rfc3339(),
            fmt_duration(now.0 - last.0),
            closed.to_rfc3339()
        ),
        _ => "The customer has never written to this number, so there is no open 24-hour window for free-form text."
            .to_string(),
    };
    let entry = catalog::for_meta_code(131047)
        .unwrap_or(catalog::for_reason(Reason::OutsideConversationWindow));
    let mut f = from_entry(entry, message, Some("contact.last_inbound_at"));
    // The base entry carries the seed page's wording; keep its resolution.
    f.resolution = catalog::for_reason(Reason::OutsideConversationWindow)
        .resolution
        .iter()
        .map(|s| s.to_string())
        .collect();
    f
}

fn fmt_duration(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes >= 48 * 60 {
        format!("{} days", minutes / (24 * 60))
    } else if minutes >= 60 {
        format!("{} h {} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

/// Recipient facts Meta reported (via the worker), and the US marketing pause.
fn signal_findings(
    request: &SendRequest,
    phone: &PhoneReport,
    marketing: bool,
    now: Timestamp,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let signals = request.signals.unwrap_or_default();
    if marketing {
        if let Some(at) = signals.marketing_opted_out_at {
            out.push(meta_finding(
                131050,
                Reason::RecipientStoppedMarketing,
                format!(
                    "On {} the customer told WhatsApp to stop marketing messages from this business. Only the customer can resume them.",
                    at.to_rfc3339()
                ),
                "signals.marketing_opted_out_at",
            ));
        }
    }
    if let Some(at) = signals.undeliverable_at {
        if now.0 - at.0 < Duration::days(UNDELIVERABLE_DAYS) {
            out.push(meta_finding(
                131026,
                Reason::RecipientNotOnWhatsapp,
                format!(
                    "Meta reported this number undeliverable on {} (not on WhatsApp, outdated app, or terms not accepted).",
                    at.to_rfc3339()
                ),
                "signals.undeliverable_at",
            ));
        }
    }
    if marketing {
        let us = phone.region.as_deref() == Some("US") && phone.e164.is_some();
        if us {
            out.push(meta_finding(
                131049,
                Reason::MarketingLimitReached,
                format!(
                    "{} is a US number: Meta has not delivered marketing templates to US numbers since {US_MARKETING_PAUSE_SINCE} (they fail with 131049).",
                    phone.e164.as_deref().unwrap_or("")
                ),
                "contact.phone",
            ));
        } else if let Some(at) = signals.marketing_limited_at {
            let until = Timestamp(at.0 + Duration::hours(MARKETING_LIMIT_HOURS));
            if now < until {
                out.push(meta_finding(
                    131049,
                    Reason::MarketingLimitReached,
                    format!(
                        "Meta withheld a marketing message to this customer on {} (per-user marketing limit). A resend before {} fails again.",
                        at.to_rfc3339(),
                        until.to_rfc3339()
                    ),
                    "signals.marketing_limited_at",
                ));
            }
        }
    }
    out
}

fn meta_finding(code: u32, reason: Reason, message: String, field: &'static str) -> Finding {
    let entry = catalog::for_meta_code(code)
        .filter(|e| e.reason == reason)
        .unwrap_or(catalog::for_reason(reason));
    let mut f = from_entry(entry, message, Some(field));
    f.meta_code = Some(code);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Credits, Policy, Quality, Signals, Template};

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn contact(state: MarketingState) -> Contact {
        Contact {
            id: None,
            phone: Some("+447911123456".into()),
            phone_country_code: Some("GB".into()),
            phone_calling_code: None,
            marketing_state: state,
            last_inbound_at: None,
        }
    }

    fn template(category: TemplateCategory, status: &str) -> Template {
        Template {
            name: "spring_sale".into(),
            language: "en".into(),
            category,
            status: status.into(),
            quality: None,
            body: Some("Hi {{1}}, {{2}} off today".into()),
            header: None,
        }
    }

    fn send(source: Source, message: Message, state: MarketingState) -> SendRequest {
        SendRequest {
            contact: contact(state),
            source,
            message,
            credits: None,
            now: Some(ts("2026-11-28T12:00:00Z")),
            policy: None,
            signals: None,
        }
    }

    fn campaign(state: MarketingState, category: TemplateCategory, status: &str) -> SendRequest {
        send(
            Source::Campaign,
            Message::Template {
                template: template(category, status),
                parameters: Some(vec!["Ana".into(), "20%".into()]),
            },
            state,
        )
    }

    fn reasons(v: &Verdict) -> Vec<Reason> {
        v.blockers.iter().map(|f| f.reason).collect()
    }

    #[test]
    fn subscribed_approved_campaign_is_eligible() {
        let v = check_send(&campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        ));
        assert!(v.eligible, "{:?}", v.blockers);
        assert_eq!(v.to.as_deref(), Some("+447911123456"));
        assert_eq!(v.cost, 1.0);
    }

    #[test]
    fn strict_policy_needs_subscribed_for_every_state_but_subscribed() {
        for state in MarketingState::ALL {
            let v = check_send(&campaign(state, TemplateCategory::Utility, "APPROVED"));
            assert_eq!(v.eligible, state == MarketingState::Subscribed, "{state:?}");
            if state != MarketingState::Subscribed {
                assert_eq!(reasons(&v), vec![Reason::CustomerIsNotOptedIn]);
                assert_eq!(v.blockers[0].field, Some("contact.marketing_state"));
            }
        }
    }

    #[test]
    fn by_category_lets_utility_through_but_not_redacted_or_marketing() {
        let policy = Some(Policy {
            consent: Some(ConsentPolicy::ByCategory),
        });
        for state in MarketingState::ALL {
            let mut utility = campaign(state, TemplateCategory::Utility, "APPROVED");
            utility.policy = policy;
            assert_eq!(
                check_send(&utility).eligible,
                state != MarketingState::Redacted,
                "{state:?}"
            );
            let mut marketing = campaign(state, TemplateCategory::Marketing, "APPROVED");
            marketing.policy = policy;
            assert_eq!(
                check_send(&marketing).eligible,
                state == MarketingState::Subscribed,
                "{state:?}"
            );
        }
    }

    #[test]
    fn consent_message_tells_opted_out_from_never_consented() {
        let out = check_send(&campaign(
            MarketingState::Unsubscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        ));
        assert!(out.blockers[0].message.contains("opted out"));
        for state in [MarketingState::NotSubscribed, MarketingState::Unknown] {
            let v = check_send(&campaign(state, TemplateCategory::Marketing, "APPROVED"));
            assert!(
                v.blockers[0].message.contains("never"),
                "{}",
                v.blockers[0].message
            );
        }
    }

    #[test]
    fn inbox_text_needs_open_window_but_no_consent() {
        let text = Message::Text {
            text: "Your order shipped".into(),
        };
        let mut r = send(Source::Inbox, text.clone(), MarketingState::NotSubscribed);
        r.contact.last_inbound_at = Some(ts("2026-11-28T01:00:00Z"));
        let v = check_send(&r);
        assert!(v.eligible, "{:?}", v.blockers);
        assert!(v.window.open);
        assert_eq!(v.window.closes_at, Some(ts("2026-11-29T01:00:00Z")));
        assert_eq!(v.cost, 0.0);

        r.contact.last_inbound_at = Some(ts("2026-11-27T11:00:00Z")); // 25 h ago
        let v = check_send(&r);
        assert_eq!(reasons(&v), vec![Reason::OutsideConversationWindow]);
        assert!(!v.window.open);
        assert!(
            v.blockers[0].message.contains("25 h"),
            "{}",
            v.blockers[0].message
        );

        r.contact.last_inbound_at = None;
        assert_eq!(
            reasons(&check_send(&r)),
            vec![Reason::OutsideConversationWindow]
        );

        r.contact.marketing_state = MarketingState::Redacted;
        r.contact.last_inbound_at = Some(ts("2026-11-28T11:00:00Z"));
        assert_eq!(reasons(&check_send(&r)), vec![Reason::CustomerIsNotOptedIn]);
    }

    #[test]
    fn campaigns_and_automations_cannot_send_text_even_in_window() {
        for source in [Source::Campaign, Source::Automation] {
            let mut r = send(
                source,
                Message::Text { text: "hi".into() },
                MarketingState::Subscribed,
            );
            r.contact.last_inbound_at = Some(ts("2026-11-28T11:00:00Z"));
            assert_eq!(
                reasons(&check_send(&r)),
                vec![Reason::SessionMessageNotAllowed]
            );
        }
    }

    #[test]
    fn every_non_approved_status_blocks_and_paused_reads_like_132015() {
        for status in [
            "DRAFT",
            "PENDING_APPROVAL",
            "REJECTED",
            "PENDING",
            "PAUSED",
            "DISABLED",
            "IN_APPEAL",
            "PENDING_DELETION",
            "DELETED",
            "LIMIT_EXCEEDED",
            "ARCHIVED",
            "FLAGGED",
            "LOCKED",
            "whatever",
        ] {
            let v = check_send(&campaign(
                MarketingState::Subscribed,
                TemplateCategory::Marketing,
                status,
            ));
            assert_eq!(reasons(&v), vec![Reason::TemplateNotApproved], "{status}");
            assert_eq!(v.blockers[0].field, Some("message.template.status"));
        }
        let paused = check_send(&campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "PAUSED",
        ));
        assert_eq!(paused.blockers[0].meta_code, Some(132015));
        let approved_lower = check_send(&campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            " approved ",
        ));
        assert!(approved_lower.eligible);
    }

    #[test]
    fn low_quality_warns_without_blocking() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        if let Message::Template { template, .. } = &mut r.message {
            template.quality = Some(Quality::Red);
        }
        let v = check_send(&r);
        assert!(v.eligible);
        assert_eq!(v.warnings[0].reason, Reason::TemplateQualityLow);
    }

    #[test]
    fn parameter_count_mismatch_blocks() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        if let Message::Template { parameters, .. } = &mut r.message {
            *parameters = Some(vec!["Ana".into()]);
        }
        let v = check_send(&r);
        assert_eq!(reasons(&v), vec![Reason::TemplateParameterMismatch]);
        assert!(
            v.blockers[0].message.contains('2'),
            "{}",
            v.blockers[0].message
        );
    }

    #[test]
    fn credits_balance_below_cost_blocks_and_text_is_free() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.credits = Some(Credits {
            balance: 0.0,
            cost: None,
        });
        assert_eq!(reasons(&check_send(&r)), vec![Reason::InsufficientCredits]);
        r.credits = Some(Credits {
            balance: 2.0,
            cost: Some(3.0),
        });
        assert_eq!(reasons(&check_send(&r)), vec![Reason::InsufficientCredits]);
        r.credits = Some(Credits {
            balance: 1.0,
            cost: None,
        });
        assert!(check_send(&r).eligible);

        let mut t = send(
            Source::Inbox,
            Message::Text { text: "hi".into() },
            MarketingState::Subscribed,
        );
        t.contact.last_inbound_at = Some(ts("2026-11-28T11:00:00Z"));
        t.credits = Some(Credits {
            balance: 0.0,
            cost: None,
        });
        assert!(check_send(&t).eligible);
    }

    #[test]
    fn signals_block_marketing_only_where_they_apply() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.signals = Some(Signals {
            marketing_opted_out_at: Some(ts("2026-11-20T00:00:00Z")),
            undeliverable_at: None,
            marketing_limited_at: Some(ts("2026-11-28T00:00:00Z")),
        });
        assert_eq!(
            reasons(&check_send(&r)),
            vec![
                Reason::RecipientStoppedMarketing,
                Reason::MarketingLimitReached
            ]
        );
        // Utility templates are not subject to either.
        let mut u = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Utility,
            "APPROVED",
        );
        u.signals = r.signals;
        assert!(check_send(&u).eligible);
        // The marketing limit lapses after 24 h.
        r.signals = Some(Signals {
            marketing_limited_at: Some(ts("2026-11-27T11:00:00Z")),
            ..Default::default()
        });
        assert!(check_send(&r).eligible);
        // Undeliverable blocks any send for a while.
        u.signals = Some(Signals {
            undeliverable_at: Some(ts("2026-11-27T00:00:00Z")),
            ..Default::default()
        });
        assert_eq!(
            reasons(&check_send(&u)),
            vec![Reason::RecipientNotOnWhatsapp]
        );
    }

    #[test]
    fn us_marketing_is_blocked_but_canada_is_not() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.contact.phone = Some("+1 650-253-0000".into());
        r.contact.phone_country_code = None;
        let v = check_send(&r);
        assert_eq!(reasons(&v), vec![Reason::MarketingLimitReached]);
        assert_eq!(v.blockers[0].meta_code, Some(131049));
        r.contact.phone = Some("+1 416-555-0123".into()); // Toronto
        let v = check_send(&r);
        assert!(
            !reasons(&v).contains(&Reason::MarketingLimitReached),
            "{:?}",
            v.blockers
        );
    }

    #[test]
    fn several_problems_are_all_reported_most_fundamental_first() {
        let mut r = campaign(
            MarketingState::Unsubscribed,
            TemplateCategory::Marketing,
            "PAUSED",
        );
        r.contact.phone = Some("5512345678".into());
        r.contact.phone_country_code = Some("MX".into());
        r.credits = Some(Credits {
            balance: 0.0,
            cost: None,
        });
        let v = check_send(&r);
        assert_eq!(
            reasons(&v),
            vec![
                Reason::CustomerIsMissingCallingCode,
                Reason::CustomerIsNotOptedIn,
                Reason::TemplateNotApproved,
                Reason::InsufficientCredits
            ]
        );
        assert_eq!(v.to, None);
        assert_eq!(v.blockers[0].suggested.as_deref(), Some("+525512345678"));
    }
}
