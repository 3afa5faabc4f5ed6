//! `checkSend`: will this send fail, and why? Every SPEC decision lives here or in the rule
//! modules it calls, in the order a merchant should fix things: the recipient, consent, message
//! type and window, template, Meta-side signals about the recipient, the account, then
//! credits. The same pass decides the recipient, the billing and the endpoint, so the verdict
//! and Meta's request (`meta_request`) cannot disagree.

use chrono::Duration;

use crate::account;
use crate::billing;
use crate::catalog::{self, Reason};
use crate::error::InputError;
use crate::finding::{finding, from_entry, meta_finding, Finding};
use crate::messaging_limit;
use crate::model::{
    clip, ConsentPolicy, Contact, MarketingState, Message, Recipient, RecipientKind, SendRequest,
    Source, Template, TemplateCategory, Timestamp, Verdict, Window,
};
use crate::phone::{self, PhoneInput, PhoneReport};
use crate::routing;
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
/// Meta's limit for `biz_opaque_callback_data`.
pub const MAX_CALLBACK_DATA_CHARS: usize = 512;

/// Checks serde cannot express (numbers in range, non-empty text, lengths).
pub fn validate(request: &SendRequest) -> Result<(), InputError> {
    if let Some(credits) = &request.credits {
        billing::validate_credits(credits, "credits")?;
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
    if let Some(data) = &request.biz_opaque_callback_data {
        let chars = data.chars().count();
        if chars > MAX_CALLBACK_DATA_CHARS {
            return Err(InputError::new(
                "biz_opaque_callback_data",
                format!(
                    "Meta accepts at most {MAX_CALLBACK_DATA_CHARS} characters; this is {chars}"
                ),
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
    let template = match &request.message {
        Message::Template { template, .. } => Some(template),
        Message::Text { .. } => None,
    };
    let mut blockers = Vec::new();
    let mut warnings = Vec::new();

    // 1. The recipient: without one nothing else matters, but keep checking so the merchant
    //    sees every problem at once.
    let recipient = recipient(contact, phone, &mut blockers, &mut warnings);

    // 2. Consent.
    if let Some(f) = consent(request, template.map(|t| t.category)) {
        blockers.push(f);
    }

    // 3. Message type, source and window.
    let billing = billing::billing(
        billing::category_of(&request.message),
        contact,
        window.open,
        now,
    );
    let route = routing::route(
        template.map(|t| t.category),
        request.account.as_deref(),
        now,
    );
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
            if template.category == TemplateCategory::Authentication
                && recipient
                    .as_ref()
                    .is_some_and(|r| r.kind == RecipientKind::UserId)
            {
                blockers.push(meta_finding(
                    131062,
                    Reason::AuthenticationNeedsPhone,
                    format!(
                        "The authentication template `{}` would go to the business-scoped user ID {}: Meta only delivers authentication templates to a phone number (131062).",
                        template.name,
                        contact.user_id.as_ref().map_or("", |u| u.as_str())
                    ),
                    "contact.user_id",
                ));
            }
            if let Some(f) = category_change(request, template, window.open, now) {
                warnings.push(f);
            }
            if route.not_onboarded {
                warnings.push(finding(
                    Reason::MarketingApiNotOnboarded,
                    format!(
                        "The MARKETING template `{}` goes through /messages because the account is not onboarded to the Marketing Messages API (/marketing_messages).",
                        template.name
                    ),
                    Some("account.marketing_messages_api"),
                ));
            }
        }
    }

    // 5. What Meta told us about this recipient.
    let marketing = template.is_some_and(|t| t.category == TemplateCategory::Marketing);
    signal_findings(
        request,
        phone,
        recipient.as_ref(),
        marketing,
        now,
        &mut blockers,
        &mut warnings,
    );

    // 6. The sending account and the portfolio's messaging limit.
    if let Some(state) = &request.account {
        let send = account::Send {
            template,
            window_open: window.open,
            billing: &billing,
            now,
        };
        account::check(state, &send, &mut blockers, &mut warnings);
        blockers.extend(messaging_limit::finding_for(request, window.open));
    }

    // 7. Credits: what Meta bills, at the workspace's prices.
    let cost = billing::cost(&billing, request.credits.as_ref());
    if let Some(credits) = request.credits {
        if credits.balance < cost {
            blockers.push(finding(
                Reason::InsufficientCredits,
                format!(
                    "This {} send costs {} credit{} and the workspace balance is {}.",
                    billing.category.as_str(),
                    fmt_number(cost),
                    if cost == 1.0 { "" } else { "s" },
                    fmt_number(credits.balance)
                ),
                Some("credits.balance"),
            ));
        }
    }

    let to = recipient
        .as_ref()
        .filter(|r| r.kind == RecipientKind::Phone)
        .map(|r| r.id.clone());
    let eligible = blockers.is_empty();
    Verdict {
        eligible,
        to,
        blockers,
        warnings,
        window,
        cost,
        recipient,
        billing,
        endpoint: eligible.then_some(route.endpoint),
    }
}

/// The valid phone, else the BSUID. With a BSUID the phone's problems only warn (the send goes
/// to the BSUID); with neither, the missing phone says so.
fn recipient(
    contact: &Contact,
    phone: &PhoneReport,
    blockers: &mut Vec<Finding>,
    warnings: &mut Vec<Finding>,
) -> Option<Recipient> {
    let phone_ok = !phone
        .findings
        .iter()
        .any(|f| PhoneReport::is_blocking(f.reason));
    for f in &phone.findings {
        if !PhoneReport::is_blocking(f.reason) {
            warnings.push(f.clone());
            continue;
        }
        let mut f = f.clone();
        match &contact.user_id {
            Some(user_id) => {
                f.message.push_str(&format!(
                    " The send goes to the customer's business-scoped user ID {} instead.",
                    user_id.as_str()
                ));
                warnings.push(f);
            }
            None => {
                if f.reason == Reason::CustomerIsMissingPhone {
                    f.message = "The customer has neither a phone number nor a business-scoped user ID (contact.user_id), so there is nothing to send to.".to_string();
                }
                blockers.push(f);
            }
        }
    }
    match (phone_ok, &phone.e164, &contact.user_id) {
        (true, Some(e164), _) => Some(Recipient {
            kind: RecipientKind::Phone,
            id: e164.clone(),
        }),
        (_, _, Some(user_id)) => Some(Recipient {
            kind: RecipientKind::UserId,
            id: user_id.as_str().to_string(),
        }),
        _ => None,
    }
}

fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Whether the send needs `SUBSCRIBED` (SPEC consent decisions), for a template of `category`
/// (`None`: free-form text). `REDACTED` is handled apart: it blocks everything.
fn needs_subscription(request: &SendRequest, category: Option<TemplateCategory>) -> bool {
    let marketing = category == Some(TemplateCategory::Marketing);
    let policy = request.policy.and_then(|p| p.consent).unwrap_or_default();
    match (category, request.source) {
        // The customer wrote first: a session reply needs no marketing consent.
        (None, Source::Inbox) => false,
        // An agent's template: marketing needs consent, utility and authentication do not.
        (Some(_), Source::Inbox) => marketing,
        (Some(_), _) => policy == ConsentPolicy::Strict || marketing,
        // Campaign or automation text is blocked anyway; it is promotional, so consent applies.
        (None, _) => true,
    }
}

/// SPEC consent decisions. `REDACTED` blocks everything, always.
fn consent(request: &SendRequest, category: Option<TemplateCategory>) -> Option<Finding> {
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
    if state == MarketingState::Subscribed || !needs_subscription(request, category) {
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
    let what = match category {
        Some(c) => format!(
            "a {} template from a {}",
            category_name(c),
            request.source.as_str()
        ),
        None => format!("a message from a {}", request.source.as_str()),
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

/// `TEMPLATE_CATEGORY_CHANGING`: Meta announced a new category for the template. Says what the
/// change does to this send, by running the same rules with the new category.
fn category_change(
    request: &SendRequest,
    template: &Template,
    window_open: bool,
    now: Timestamp,
) -> Option<Finding> {
    let pending = template.pending_category?;
    if pending.category == template.category {
        return None;
    }
    let (old, new) = (template.category, pending.category);
    let price = |category| {
        let b = billing::billing(
            billing::billing_category(category),
            &request.contact,
            window_open,
            now,
        );
        billing::cost(&b, request.credits.as_ref())
    };
    let edge = |category| match routing::route(
        Some(category),
        request.account.as_deref(),
        now.max(pending.at),
    )
    .endpoint
    {
        crate::model::Endpoint::Messages => "/messages",
        crate::model::Endpoint::MarketingMessages => "/marketing_messages",
    };
    let mut changes = Vec::new();
    let (old_cost, new_cost) = (price(old), price(new));
    if old_cost != new_cost {
        changes.push(format!(
            "it costs {} credit{} instead of {}",
            fmt_number(new_cost),
            if new_cost == 1.0 { "" } else { "s" },
            fmt_number(old_cost)
        ));
    }
    if edge(old) != edge(new) {
        changes.push(format!(
            "it is sent to {} instead of {}",
            edge(new),
            edge(old)
        ));
    }
    if needs_subscription(request, Some(old)) != needs_subscription(request, Some(new)) {
        changes.push(if needs_subscription(request, Some(new)) {
            "it needs SUBSCRIBED consent".to_string()
        } else {
            "it no longer needs SUBSCRIBED consent".to_string()
        });
    }
    let when = if pending.at > now {
        "will move"
    } else {
        "was due to move"
    };
    let effect = if changes.is_empty() {
        "Its cost, endpoint and consent rule stay the same for this send.".to_string()
    } else {
        format!("From then {}.", changes.join(", "))
    };
    Some(finding(
        Reason::TemplateCategoryChanging,
        format!(
            "Meta announced that the template `{}` {when} from {} to {} on {}. {effect}",
            clip(&template.name, 80),
            category_name(old),
            category_name(new),
            pending.at.to_rfc3339()
        ),
        Some("message.template.pending_category"),
    ))
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
    recipient: Option<&Recipient>,
    marketing: bool,
    now: Timestamp,
    blockers: &mut Vec<Finding>,
    warnings: &mut Vec<Finding>,
) {
    let signals = request.signals.unwrap_or_default();
    if marketing {
        if let Some(at) = signals.marketing_opted_out_at {
            blockers.push(meta_finding(
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
            blockers.push(meta_finding(
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
    if !marketing {
        return;
    }
    let to_phone = recipient.is_some_and(|r| r.kind == RecipientKind::Phone);
    if to_phone && phone.region.as_deref() == Some("US") {
        blockers.push(meta_finding(
            131049,
            Reason::MarketingLimitReached,
            format!(
                "{} is a US number: Meta has not delivered marketing templates to US numbers since {US_MARKETING_PAUSE_SINCE} (they fail with 131049).",
                phone.e164.as_deref().unwrap_or("")
            ),
            "contact.phone",
        ));
        return;
    }
    if let Some(at) = signals.marketing_limited_at {
        let until = Timestamp(at.0 + Duration::hours(MARKETING_LIMIT_HOURS));
        if now < until {
            blockers.push(meta_finding(
                131049,
                Reason::MarketingLimitReached,
                format!(
                    "Meta withheld a marketing message to this customer on {} (per-user marketing limit). A resend before {} fails again.",
                    at.to_rfc3339(),
                    until.to_rfc3339()
                ),
                "signals.marketing_limited_at",
            ));
            return;
        }
    }
    // A BSUID names the user's country: a US one is most likely a US number, which Meta does
    // not deliver marketing to, but the number itself is not known.
    if let (Some(r), Some(user_id)) = (recipient, &request.contact.user_id) {
        if r.kind == RecipientKind::UserId && user_id.country() == "US" {
            warnings.push(meta_finding(
                131049,
                Reason::MarketingLimitReached,
                format!(
                    "The business-scoped user ID {} is a US user's: if their number is a US number, Meta does not deliver this marketing template (131049, since {US_MARKETING_PAUSE_SINCE}).",
                    user_id.as_str()
                ),
                "contact.user_id",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ts;
    use crate::model::{
        AccountState, BillingCategory, CostByCategory, Credits, Endpoint, FreeBecause,
        MarketingMessagesApi, MessagingLimit, MessagingTier, PendingCategory, Policy, Quality,
        Signals, Template, UserId,
    };

    fn contact(state: MarketingState) -> Contact {
        Contact {
            id: None,
            phone: Some("+447911123456".into()),
            phone_country_code: Some("GB".into()),
            phone_calling_code: None,
            marketing_state: state,
            last_inbound_at: None,
            user_id: None,
            free_entry_point_until: None,
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
            id: None,
            pending_category: None,
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
            account: None,
            biz_opaque_callback_data: None,
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
        // A service message since 2026-10-01: billed like any other.
        assert_eq!(v.cost, 1.0);
        assert_eq!(v.billing.category, BillingCategory::Service);

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
    fn credits_balance_below_cost_blocks() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.credits = Some(Credits {
            balance: 0.0,
            cost: None,
            cost_by_category: None,
        });
        assert_eq!(reasons(&check_send(&r)), vec![Reason::InsufficientCredits]);
        r.credits = Some(Credits {
            balance: 2.0,
            cost: Some(3.0),
            cost_by_category: None,
        });
        assert_eq!(reasons(&check_send(&r)), vec![Reason::InsufficientCredits]);
        r.credits = Some(Credits {
            balance: 1.0,
            cost: None,
            cost_by_category: None,
        });
        assert!(check_send(&r).eligible);
    }

    /// An inbox reply in an open window: free before 2026-10-01, billed from then on, and the
    /// credits gate follows.
    #[test]
    fn a_service_reply_is_free_before_2026_10_01_and_billed_from_then() {
        let mut t = send(
            Source::Inbox,
            Message::Text { text: "hi".into() },
            MarketingState::Subscribed,
        );
        t.credits = Some(Credits {
            balance: 0.0,
            cost: None,
            cost_by_category: Some(CostByCategory {
                service: Some(0.25),
                ..Default::default()
            }),
        });
        for (now, billable) in [
            ("2026-09-30T23:00:00Z", false),
            ("2026-10-01T01:00:00Z", true),
        ] {
            t.now = Some(ts(now));
            t.contact.last_inbound_at = Some(Timestamp(ts(now).0 - Duration::minutes(30)));
            let v = check_send(&t);
            assert_eq!(v.billing.billable, billable, "{now}");
            if billable {
                assert_eq!(v.cost, 0.25);
                assert_eq!(reasons(&v), vec![Reason::InsufficientCredits]);
                assert!(
                    v.blockers[0].message.contains("service"),
                    "{}",
                    v.blockers[0].message
                );
            } else {
                assert_eq!(v.billing.free_because, Some(FreeBecause::ServiceWindow));
                assert_eq!(v.cost, 0.0);
                assert!(v.eligible, "{:?}", v.blockers);
            }
        }
    }

    #[test]
    fn an_in_window_utility_template_is_free_before_2026_10_01_and_billed_from_then() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Utility,
            "APPROVED",
        );
        r.credits = Some(Credits {
            balance: 0.5,
            cost: None,
            cost_by_category: Some(CostByCategory {
                utility: Some(0.5),
                marketing: Some(2.0),
                ..Default::default()
            }),
        });
        for (now, cost) in [("2026-09-30T12:00:00Z", 0.0), ("2026-10-01T12:00:00Z", 0.5)] {
            r.now = Some(ts(now));
            r.contact.last_inbound_at = Some(Timestamp(ts(now).0 - Duration::hours(1)));
            let v = check_send(&r);
            assert_eq!(v.cost, cost, "{now}");
            assert!(v.eligible, "{now}: {:?}", v.blockers);
            // Outside the window it was always billed.
            r.contact.last_inbound_at = None;
            assert_eq!(check_send(&r).cost, 0.5, "{now}");
        }
        // Marketing is billed in the window too, at its own price: 2 > 0.5.
        if let Message::Template { template, .. } = &mut r.message {
            template.category = TemplateCategory::Marketing;
        }
        r.now = Some(ts("2026-09-30T12:00:00Z"));
        r.contact.last_inbound_at = Some(ts("2026-09-30T11:00:00Z"));
        let v = check_send(&r);
        assert_eq!(
            (v.cost, reasons(&v)),
            (2.0, vec![Reason::InsufficientCredits])
        );
    }

    #[test]
    fn the_free_entry_point_window_makes_a_send_free_on_both_sides_of_2026_10_01() {
        for now in ["2026-09-30T12:00:00Z", "2026-11-28T12:00:00Z"] {
            let mut r = campaign(
                MarketingState::Subscribed,
                TemplateCategory::Marketing,
                "APPROVED",
            );
            r.now = Some(ts(now));
            r.contact.free_entry_point_until = Some(Timestamp(ts(now).0 + Duration::hours(2)));
            r.credits = Some(Credits {
                balance: 0.0,
                cost: Some(3.0),
                cost_by_category: None,
            });
            let v = check_send(&r);
            assert!(v.eligible, "{now}: {:?}", v.blockers);
            assert_eq!(v.cost, 0.0);
            assert_eq!(v.billing.free_because, Some(FreeBecause::FreeEntryPoint));
            // Past its end the send is billed again.
            r.contact.free_entry_point_until = Some(ts(now));
            assert_eq!(reasons(&check_send(&r)), vec![Reason::InsufficientCredits]);
        }
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
            messaged_in_last_24h: None,
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
            cost_by_category: None,
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

    fn user_id(text: &str) -> UserId {
        UserId::parse(text).unwrap()
    }

    #[test]
    fn bsuids_are_cc_dot_up_to_128_letters_or_digits_and_parents_have_ent() {
        for ok in [
            "US.13491208655302741918",
            "BR.ENT.a1B2",
            "GB.x",
            &format!("MX.{}", "9".repeat(128)),
        ] {
            assert!(UserId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "US 13491208655302741918",
            "US.1349 1208",
            " US.1",
            "US.1 ",
            "us.123",
            "USA.123",
            "U.123",
            "US.",
            "US.ENT.",
            "US.12-34",
            "US.é1",
            "13491208655302741918",
            "",
            &format!("MX.{}", "9".repeat(129)),
        ] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(user_id("BR.ENT.a1").country(), "BR");
    }

    #[test]
    fn a_valid_phone_is_the_recipient_even_with_a_bsuid() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.contact.user_id = Some(user_id("GB.1349120865"));
        let v = check_send(&r);
        assert!(v.eligible);
        assert_eq!(v.to.as_deref(), Some("+447911123456"));
        assert_eq!(
            v.recipient,
            Some(Recipient {
                kind: RecipientKind::Phone,
                id: "+447911123456".into()
            })
        );
    }

    #[test]
    fn without_a_usable_phone_the_bsuid_is_the_recipient_and_phone_findings_only_warn() {
        for (phone, country, reason) in [
            (None, None, Reason::CustomerIsMissingPhone),
            (
                Some("5512345678"),
                Some("MX"),
                Reason::CustomerIsMissingCallingCode,
            ),
            (Some("+44 12"), None, Reason::CustomerPhoneInvalid),
        ] {
            let mut r = campaign(
                MarketingState::Subscribed,
                TemplateCategory::Marketing,
                "APPROVED",
            );
            r.contact.phone = phone.map(str::to_string);
            r.contact.phone_country_code = country.map(str::to_string);
            let v = check_send(&r);
            assert_eq!(reasons(&v), vec![reason], "{phone:?} without a BSUID");
            assert_eq!((v.recipient.clone(), v.endpoint), (None, None));
            r.contact.user_id = Some(user_id("MX.13491208655302741918"));
            let v = check_send(&r);
            assert!(v.eligible, "{phone:?}: {:?}", v.blockers);
            assert_eq!(v.to, None);
            assert_eq!(
                v.recipient,
                Some(Recipient {
                    kind: RecipientKind::UserId,
                    id: "MX.13491208655302741918".into()
                })
            );
            let warning = v
                .warnings
                .iter()
                .find(|w| w.reason == reason)
                .expect("warning");
            assert!(
                warning.message.contains("MX.13491208655302741918"),
                "{}",
                warning.message
            );
        }
    }

    #[test]
    fn neither_phone_nor_bsuid_says_so() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Utility,
            "APPROVED",
        );
        r.contact.phone = None;
        let v = check_send(&r);
        assert_eq!(reasons(&v), vec![Reason::CustomerIsMissingPhone]);
        assert!(
            v.blockers[0].message.contains("neither"),
            "{}",
            v.blockers[0].message
        );
    }

    #[test]
    fn an_authentication_template_to_a_bsuid_is_blocked_with_131062() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Authentication,
            "APPROVED",
        );
        r.contact.phone = None;
        r.contact.user_id = Some(user_id("IN.5544"));
        let v = check_send(&r);
        assert_eq!(reasons(&v), vec![Reason::AuthenticationNeedsPhone]);
        assert_eq!(v.blockers[0].meta_code, Some(131062));
        assert_eq!(v.blockers[0].field, Some("contact.user_id"));
        // With a usable phone the code goes to the phone.
        r.contact.phone = Some("+447911123456".into());
        assert!(check_send(&r).eligible);
    }

    #[test]
    fn marketing_to_a_us_bsuid_warns() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.contact.phone = None;
        r.contact.user_id = Some(user_id("US.13491208655302741918"));
        let v = check_send(&r);
        assert!(v.eligible);
        assert!(v
            .warnings
            .iter()
            .any(|w| w.reason == Reason::MarketingLimitReached && w.meta_code == Some(131049)));
    }

    #[test]
    fn marketing_routes_to_marketing_messages_and_the_rest_to_messages() {
        let v = check_send(&campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        ));
        assert_eq!(v.endpoint, Some(Endpoint::MarketingMessages));
        assert_eq!(v.billing.category, BillingCategory::Marketing);
        let v = check_send(&campaign(
            MarketingState::Subscribed,
            TemplateCategory::Utility,
            "APPROVED",
        ));
        assert_eq!(v.endpoint, Some(Endpoint::Messages));
        // Before Meta's routing change, marketing went to /messages too.
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.now = Some(ts("2026-09-20T12:00:00Z"));
        assert_eq!(check_send(&r).endpoint, Some(Endpoint::Messages));
        // Blocked: no endpoint.
        let v = check_send(&campaign(
            MarketingState::Unsubscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        ));
        assert_eq!(v.endpoint, None);
    }

    #[test]
    fn an_account_not_onboarded_to_the_mm_api_sends_marketing_to_messages_with_a_warning() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.account = Some(Box::new(AccountState {
            marketing_messages_api: Some(MarketingMessagesApi::NotOnboarded),
            ..Default::default()
        }));
        let v = check_send(&r);
        assert!(v.eligible);
        assert_eq!(v.endpoint, Some(Endpoint::Messages));
        assert_eq!(v.warnings[0].reason, Reason::MarketingApiNotOnboarded);
        assert_eq!(v.warnings[0].field, Some("account.marketing_messages_api"));
    }

    #[test]
    fn an_impending_category_change_warns_with_what_changes() {
        let mut r = campaign(
            MarketingState::NotSubscribed,
            TemplateCategory::Utility,
            "APPROVED",
        );
        r.policy = Some(Policy {
            consent: Some(ConsentPolicy::ByCategory),
        });
        r.credits = Some(Credits {
            balance: 10.0,
            cost: None,
            cost_by_category: Some(CostByCategory {
                utility: Some(0.5),
                marketing: Some(2.0),
                ..Default::default()
            }),
        });
        if let Message::Template { template, .. } = &mut r.message {
            template.pending_category = Some(PendingCategory {
                category: TemplateCategory::Marketing,
                at: ts("2026-12-01T00:00:00Z"),
            });
        }
        let v = check_send(&r);
        assert!(v.eligible, "{:?}", v.blockers);
        let w = v
            .warnings
            .iter()
            .find(|w| w.reason == Reason::TemplateCategoryChanging)
            .expect("warning");
        for part in [
            "UTILITY to MARKETING",
            "2026-12-01T00:00:00Z",
            "2 credits instead of 0.5",
            "/marketing_messages instead of /messages",
            "needs SUBSCRIBED",
        ] {
            assert!(w.message.contains(part), "{part}: {}", w.message);
        }
        // A "change" to the same category is none.
        if let Message::Template { template, .. } = &mut r.message {
            template.pending_category = Some(PendingCategory {
                category: TemplateCategory::Utility,
                at: ts("2026-12-01T00:00:00Z"),
            });
        }
        assert!(check_send(&r)
            .warnings
            .iter()
            .all(|w| w.reason != Reason::TemplateCategoryChanging));
    }

    #[test]
    fn account_readiness_blocks_and_clears_the_endpoint() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Marketing,
            "APPROVED",
        );
        r.account = Some(Box::new(AccountState {
            banned: Some(true),
            ..Default::default()
        }));
        let v = check_send(&r);
        assert_eq!(reasons(&v), vec![Reason::AccountRestricted]);
        assert_eq!(v.endpoint, None);
    }

    #[test]
    fn the_messaging_limit_blocks_the_next_new_business_initiated_recipient() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Utility,
            "APPROVED",
        );
        let account = |used| AccountState {
            messaging_limit: Some(MessagingLimit {
                tier: MessagingTier::Tier250,
                unique_recipients_24h: used,
            }),
            ..Default::default()
        };
        r.account = Some(Box::new(account(249)));
        assert!(check_send(&r).eligible, "the 250th is allowed");
        r.account = Some(Box::new(account(250)));
        let v = check_send(&r);
        assert_eq!(reasons(&v), vec![Reason::MessagingLimitReached]);
        assert!(
            v.blockers[0].message.contains("TIER_250") && v.blockers[0].message.contains("251"),
            "{}",
            v.blockers[0].message
        );
        // Already counted in the last 24 h: not a new recipient.
        r.signals = Some(Signals {
            messaged_in_last_24h: Some(true),
            ..Default::default()
        });
        assert!(check_send(&r).eligible);
        r.signals = None;
        // A reply inside an open window is not business-initiated.
        r.contact.last_inbound_at = Some(ts("2026-11-28T11:00:00Z"));
        assert!(check_send(&r).eligible);
        // Unlimited has no limit.
        r.contact.last_inbound_at = None;
        r.account = Some(Box::new(AccountState {
            messaging_limit: Some(MessagingLimit {
                tier: MessagingTier::TierUnlimited,
                unique_recipients_24h: 9_000_000,
            }),
            ..Default::default()
        }));
        assert!(check_send(&r).eligible);
    }

    #[test]
    fn callback_data_over_512_characters_is_an_input_error() {
        let mut r = campaign(
            MarketingState::Subscribed,
            TemplateCategory::Utility,
            "APPROVED",
        );
        r.biz_opaque_callback_data = Some("é".repeat(512));
        assert!(validate(&r).is_ok());
        r.biz_opaque_callback_data = Some("x".repeat(513));
        assert_eq!(validate(&r).unwrap_err().path, "biz_opaque_callback_data");
    }
}
