//! The portfolio messaging limit: Meta caps how many *different* customers a business
//! portfolio reaches with business-initiated messages (templates outside a customer-service
//! window) in a rolling 24 hours, by tier. Meta returns no error past it (sends just fail), so
//! the gate counts. One send checks against the count it is given; a batch (the audience
//! check) carries the count forward with [`Counter`].

use serde::Serialize;

use crate::catalog::Reason;
use crate::finding::{finding, Finding};
use crate::model::{AccountState, Message, MessagingTier, SendRequest, Verdict};

/// A send that counts toward the limit: a template outside the customer-service window.
pub fn business_initiated(message: &Message, window_open: bool) -> bool {
    matches!(message, Message::Template { .. }) && !window_open
}

/// `MESSAGING_LIMIT_REACHED` when this send would be a new recipient past the tier's limit.
pub fn finding_for(request: &SendRequest, window_open: bool) -> Option<Finding> {
    let limit = request.account.as_ref()?.messaging_limit?;
    let max = limit.tier.limit()?;
    let counted = request
        .signals
        .and_then(|s| s.messaged_in_last_24h)
        .unwrap_or(false);
    if counted
        || !business_initiated(&request.message, window_open)
        || limit.unique_recipients_24h < max
    {
        return None;
    }
    Some(finding(
        Reason::MessagingLimitReached,
        format!(
            "The business portfolio's messaging limit is {} ({max} different customers per rolling 24 hours) and {} were already messaged: this customer would be number {}. Customers already messaged in the last 24 hours and replies inside an open window still go through.",
            limit.tier.as_str(),
            limit.unique_recipients_24h,
            limit.unique_recipients_24h + 1
        ),
        Some("account.messaging_limit"),
    ))
}

/// What a batch did to the limit (`AudienceReport.messaging_limit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct LimitReport {
    pub tier: MessagingTier,
    /// Different customers per rolling 24 hours; null for TIER_UNLIMITED.
    pub limit: Option<u64>,
    /// Recipients the portfolio had already reached before this batch.
    pub unique_recipients_24h: u64,
    /// Eligible contacts that count as new recipients, in file order.
    pub new_recipients: u64,
    /// Contacts blocked because the limit was reached.
    pub over_limit: u64,
    /// The line of the first contact past the limit.
    pub first_line_over_limit: Option<usize>,
}

/// The limit carried through a batch of sends in order: each eligible business-initiated send
/// is one more recipient for the next.
pub struct Counter {
    report: Option<LimitReport>,
}

impl Counter {
    pub fn new(account: Option<&AccountState>) -> Counter {
        Counter {
            report: account
                .and_then(|a| a.messaging_limit)
                .map(|l| LimitReport {
                    tier: l.tier,
                    limit: l.tier.limit(),
                    unique_recipients_24h: l.unique_recipients_24h,
                    new_recipients: 0,
                    over_limit: 0,
                    first_line_over_limit: None,
                }),
        }
    }

    /// Gives `request` the count so far (its account must be the one the counter started from).
    pub fn prepare(&self, request: &mut SendRequest) {
        if let (Some(r), Some(limit)) = (
            &self.report,
            request
                .account
                .as_mut()
                .and_then(|a| a.messaging_limit.as_mut()),
        ) {
            limit.unique_recipients_24h = r.unique_recipients_24h + r.new_recipients;
        }
    }

    /// Counts the verdict of the send `request` at `line`.
    pub fn record(&mut self, request: &SendRequest, verdict: &Verdict, line: usize) {
        let Some(r) = self.report.as_mut() else {
            return;
        };
        let counted = request
            .signals
            .and_then(|s| s.messaged_in_last_24h)
            .unwrap_or(false);
        if verdict.eligible && !counted && business_initiated(&request.message, verdict.window.open)
        {
            r.new_recipients += 1;
        } else if verdict
            .blockers
            .iter()
            .any(|f| f.reason == Reason::MessagingLimitReached)
        {
            r.over_limit += 1;
            r.first_line_over_limit.get_or_insert(line);
        }
    }

    pub fn report(self) -> Option<LimitReport> {
        self.report
    }
}
