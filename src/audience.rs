//! `checkAudience`: run the gate over a customers CSV — Shopify's customer export (or its import
//! template) or the platform's contact export — and say how many a send would reach, why the
//! others would not, and which phones can be fixed in Shopify.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::billing::validate_credits;
use crate::catalog::Reason;
use crate::eligibility::{self, now_or_clock};
use crate::error::InputError;
use crate::messaging_limit::{self, LimitReport};
use crate::model::{
    AccountState, Contact, Credits, MarketingState, Message, Policy, SendRequest, Source, Template,
    TemplateCategory, Timestamp,
};
use crate::phone;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(remote = "Self")]
pub struct AudienceOptions {
    pub source: Source,
    /// The template to send. Without one, each contact is checked for a generic approved
    /// MARKETING template (campaign, automation) or a session text (inbox).
    #[serde(default)]
    pub template: Option<Template>,
    #[serde(default)]
    pub now: Option<Timestamp>,
    #[serde(default)]
    pub policy: Option<Policy>,
    /// Spent in file order, like a real send: contacts after the balance runs out are blocked
    /// with `INSUFFICIENT_CREDITS`.
    #[serde(default)]
    pub credits: Option<Credits>,
    /// The sending account; its `messaging_limit` is spent in file order, like credits.
    #[serde(default)]
    pub account: Option<Box<AccountState>>,
}

crate::wire::objects_only!(AudienceOptions);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonCount {
    pub reason: Reason,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Malformed {
    pub line: usize,
    pub error: String,
}

/// A contact whose phone lacks its calling code, with the E.164 number to save in Shopify.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fixable {
    pub line: usize,
    pub phone: String,
    pub suggested: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudienceReport {
    /// Data rows read (malformed ones included).
    pub rows: usize,
    pub eligible: usize,
    /// Contacts with at least one blocker.
    pub blocked_contacts: usize,
    /// Per reason, how many contacts it blocks (a contact may count under several), largest first.
    pub blocked: Vec<ReasonCount>,
    pub malformed: Vec<Malformed>,
    pub fixable: Vec<Fixable>,
    /// Credits the eligible sends cost.
    pub cost: f64,
    /// Which kind of export the header was recognised as: `shopify` or `platform`.
    pub format: &'static str,
    /// With `options.account.messaging_limit`: new recipients counted in file order and the
    /// contacts blocked past the limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messaging_limit: Option<LimitReport>,
}

pub fn validate(options: &AudienceOptions) -> Result<(), InputError> {
    if let Some(t) = &options.template {
        crate::templates::validate_template(t, "options.template")?;
    }
    if let Some(c) = &options.credits {
        validate_credits(c, "options.credits")?;
    }
    Ok(())
}

/// Column positions, found by header name (case-insensitive, surrounding space ignored).
#[derive(Default)]
struct Columns {
    phone: Option<usize>,
    fallback_phone: Option<usize>,
    country: Option<usize>,
    fallback_country: Option<usize>,
    calling_code: Option<usize>,
    marketing_state: Option<usize>,
    accepts_sms: Option<usize>,
    last_inbound_at: Option<usize>,
    customer_id: Option<usize>,
    email: Option<usize>,
    first_name: Option<usize>,
    last_name: Option<usize>,
}

impl Columns {
    fn from_header(header: &[String]) -> Columns {
        let find = |names: &[&str]| {
            header.iter().position(|h| {
                names.iter().any(|n| {
                    h.trim()
                        .trim_start_matches('\u{feff}')
                        .eq_ignore_ascii_case(n)
                })
            })
        };
        Columns {
            phone: find(&["phone"]),
            fallback_phone: find(&["default address phone"]),
            country: find(&["phone_country_code"]),
            fallback_country: find(&["default address country code", "country code"]),
            calling_code: find(&["phone_calling_code"]),
            marketing_state: find(&["marketing_state"]),
            accepts_sms: find(&["accepts sms marketing"]),
            last_inbound_at: find(&["last_inbound_at"]),
            customer_id: find(&["customer id", "id", "shopify_customer_id"]),
            email: find(&["email"]),
            first_name: find(&["first name", "first_name"]),
            last_name: find(&["last name", "last_name"]),
        }
    }
}

fn field(row: &[String], col: Option<usize>) -> Option<&str> {
    col.and_then(|i| row.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// Shopify writes a leading apostrophe in front of phones to keep spreadsheets from eating the `+`.
fn strip_spreadsheet_quote(phone: &str) -> &str {
    phone.strip_prefix('\'').unwrap_or(phone)
}

/// The contact a row describes, or why the row is malformed.
fn contact_of(row: &[String], cols: &Columns) -> Result<Contact, String> {
    let marketing_state = match (
        field(row, cols.marketing_state),
        field(row, cols.accepts_sms),
    ) {
        (Some(state), _) => MarketingState::parse_loose(state).ok_or_else(|| {
            format!(
                "marketing_state `{}` is not one of {}",
                crate::model::clip(state, 40),
                MarketingState::ALL.map(|s| s.as_str()).join(", ")
            )
        })?,
        (None, Some(accepts)) => match accepts.to_ascii_lowercase().as_str() {
            "yes" | "true" | "1" | "subscribed" => MarketingState::Subscribed,
            "no" | "false" | "0" | "not_subscribed" | "unsubscribed" => {
                MarketingState::NotSubscribed
            }
            "pending" => MarketingState::Pending,
            other => {
                return Err(format!(
                    "Accepts SMS Marketing `{}` is neither yes nor no",
                    crate::model::clip(other, 40)
                ))
            }
        },
        (None, None) => MarketingState::Unknown,
    };
    let last_inbound_at = match field(row, cols.last_inbound_at) {
        Some(text) => Some(Timestamp::parse(text).map_err(|e| format!("last_inbound_at: {e}"))?),
        None => None,
    };
    let phone = field(row, cols.phone)
        .or_else(|| field(row, cols.fallback_phone))
        .map(|p| strip_spreadsheet_quote(p).to_string());
    Ok(Contact {
        id: field(row, cols.customer_id).map(str::to_string),
        phone,
        phone_country_code: field(row, cols.country)
            .or_else(|| field(row, cols.fallback_country))
            .map(str::to_string),
        phone_calling_code: field(row, cols.calling_code)
            .map(|c| strip_spreadsheet_quote(c).to_string()),
        marketing_state,
        last_inbound_at,
        user_id: None,
        free_entry_point_until: None,
    })
}

/// `checkAudience`. `options` must have passed [`validate`].
pub fn check_audience(csv: &str, options: &AudienceOptions) -> AudienceReport {
    let now = now_or_clock(options.now);
    let message = match (&options.template, options.source) {
        (Some(t), _) => Message::Template {
            template: t.clone(),
            parameters: None,
        },
        (None, Source::Inbox) => Message::Text {
            text: "(session message)".into(),
        },
        (None, _) => Message::Template {
            template: Template {
                name: "(any approved marketing template)".into(),
                language: "en".into(),
                category: TemplateCategory::Marketing,
                status: "APPROVED".into(),
                quality: None,
                body: None,
                header: None,
                id: None,
                pending_category: None,
            },
            parameters: None,
        },
    };
    // Parameters are filled per send; the audience check is about who can receive it.
    let mut balance = options.credits.map(|c| c.balance);
    let mut report = AudienceReport {
        rows: 0,
        eligible: 0,
        blocked_contacts: 0,
        blocked: Vec::new(),
        malformed: Vec::new(),
        fixable: Vec::new(),
        cost: 0.0,
        format: "shopify",
        messaging_limit: None,
    };
    let mut counts: BTreeMap<Reason, usize> = BTreeMap::new();
    let mut rows = CsvRows::new(csv);
    let header = match rows.next() {
        Some((_, Ok(h))) => h,
        Some((line, Err(e))) => {
            report.malformed.push(Malformed {
                line,
                error: format!("header: {e}"),
            });
            return report;
        }
        None => return report,
    };
    let cols = Columns::from_header(&header);
    if cols.marketing_state.is_some() || cols.calling_code.is_some() || cols.country.is_some() {
        report.format = "platform";
    }
    if cols.phone.is_none() && cols.fallback_phone.is_none() {
        report.malformed.push(Malformed {
            line: 1,
            error: "the header has no Phone column (expected `Phone`, `Default Address Phone` or `phone`)".into(),
        });
    }

    let mut request = SendRequest {
        contact: Contact {
            id: None,
            phone: None,
            phone_country_code: None,
            phone_calling_code: None,
            marketing_state: MarketingState::Unknown,
            last_inbound_at: None,
            user_id: None,
            free_entry_point_until: None,
        },
        source: options.source,
        message,
        credits: None,
        now: Some(now),
        policy: options.policy,
        signals: None,
        account: options.account.clone(),
        biz_opaque_callback_data: None,
    };
    let mut limit = messaging_limit::Counter::new(options.account.as_deref());
    for (line, row) in rows {
        report.rows += 1;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                report.malformed.push(Malformed { line, error: e });
                continue;
            }
        };
        if row.len() > header.len() {
            report.malformed.push(Malformed {
                line,
                error: format!("{} fields, but the header has {}", row.len(), header.len()),
            });
            continue;
        }
        request.contact = match contact_of(&row, &cols) {
            Ok(c) => c,
            Err(e) => {
                report.malformed.push(Malformed { line, error: e });
                continue;
            }
        };
        request.credits = options
            .credits
            .zip(balance)
            .map(|(c, balance)| Credits { balance, ..c });
        limit.prepare(&mut request);
        let phone = phone::analyze(&eligibility::phone_input(&request.contact));
        let verdict = eligibility::check_send_with_phone(&request, &phone);
        limit.record(&request, &verdict, line);
        if verdict.eligible {
            report.eligible += 1;
            report.cost += verdict.cost;
            if let Some(b) = balance.as_mut() {
                *b -= verdict.cost;
            }
        } else {
            report.blocked_contacts += 1;
            for f in &verdict.blockers {
                *counts.entry(f.reason).or_default() += 1;
            }
        }
        if let (Some(suggested), Some(original)) = (&phone.suggested, &request.contact.phone) {
            report.fixable.push(Fixable {
                line,
                phone: original.clone(),
                suggested: suggested.clone(),
                customer_id: request.contact.id.clone(),
                email: field(&row, cols.email).map(str::to_string),
                first_name: field(&row, cols.first_name).map(str::to_string),
                last_name: field(&row, cols.last_name).map(str::to_string),
            });
        }
    }
    report.blocked = counts
        .into_iter()
        .map(|(reason, count)| ReasonCount { reason, count })
        .collect();
    report.blocked.sort_by_key(|c| std::cmp::Reverse(c.count));
    report.messaging_limit = limit.report();
    report
}

/// RFC 4180 rows: quoted fields, doubled quotes, separators and line breaks inside quotes,
/// CRLF or LF. Yields the 1-based line each row starts on. Blank lines are skipped.
pub struct CsvRows<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> CsvRows<'a> {
    pub fn new(text: &'a str) -> Self {
        CsvRows {
            text,
            pos: 0,
            line: 1,
        }
    }
}

impl Iterator for CsvRows<'_> {
    type Item = (usize, Result<Vec<String>, String>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        // Skip blank lines between rows.
        while self.pos < bytes.len() && (bytes[self.pos] == b'\n' || bytes[self.pos] == b'\r') {
            if bytes[self.pos] == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        if self.pos >= bytes.len() {
            return None;
        }
        let start_line = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut in_quotes = false;
        let mut seg_start = self.pos;
        let mut i = self.pos;
        while i < bytes.len() {
            let b = bytes[i];
            if in_quotes {
                if b == b'"' {
                    field.push_str(&self.text[seg_start..i]);
                    if bytes.get(i + 1) == Some(&b'"') {
                        field.push('"');
                        i += 2;
                        seg_start = i;
                        continue;
                    }
                    in_quotes = false;
                    i += 1;
                    seg_start = i;
                    continue;
                }
                if b == b'\n' {
                    self.line += 1;
                }
                i += 1;
                continue;
            }
            match b {
                b'"' if self.text[seg_start..i].trim().is_empty() => {
                    field.clear();
                    in_quotes = true;
                    i += 1;
                    seg_start = i;
                }
                b',' => {
                    field.push_str(&self.text[seg_start..i]);
                    fields.push(std::mem::take(&mut field));
                    i += 1;
                    seg_start = i;
                }
                b'\n' | b'\r' => break,
                _ => i += 1,
            }
        }
        if in_quotes {
            // Unterminated quote: the rest of the file is this one broken row.
            self.pos = bytes.len();
            return Some((start_line, Err("a quoted field is never closed".into())));
        }
        field.push_str(&self.text[seg_start..i]);
        fields.push(field);
        // Consume the line ending.
        if i < bytes.len() && bytes[i] == b'\r' {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'\n' {
            i += 1;
            self.line += 1;
        }
        self.pos = i;
        Some((start_line, Ok(fields)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(usize, Result<Vec<String>, String>)> {
        CsvRows::new(text).collect()
    }

    #[test]
    fn csv_quotes_newlines_and_crlf() {
        let r = rows("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",z\n\nlast,1");
        assert_eq!(r[0], (1, Ok(vec!["a".to_string(), "b".to_string()])));
        assert_eq!(
            r[1],
            (2, Ok(vec!["x, y".to_string(), "say \"hi\"".to_string()]))
        );
        assert_eq!(
            r[2],
            (3, Ok(vec!["multi\nline".to_string(), "z".to_string()]))
        );
        assert_eq!(r[3], (6, Ok(vec!["last".to_string(), "1".to_string()])));
        assert_eq!(r.len(), 4);
        let broken = rows("a\n\"open,1\n2");
        assert_eq!(broken[1].0, 2);
        assert!(broken[1].1.is_err());
    }

    fn options() -> AudienceOptions {
        AudienceOptions {
            source: Source::Campaign,
            template: None,
            now: Some(Timestamp::parse("2026-11-28T12:00:00Z").unwrap()),
            policy: None,
            credits: None,
            account: None,
        }
    }

    #[test]
    fn shopify_export_counts_reasons_and_fixes() {
        let csv = "Customer ID,First Name,Last Name,Email,Accepts SMS Marketing,Default Address Country Code,Phone\n\
                   1,Ana,Ruiz,ana@example.com,yes,MX,5512345678\n\
                   2,Bo,Li,bo@example.com,yes,GB,'+447911123456\n\
                   3,Cy,Do,cy@example.com,no,AE,+971501234567\n\
                   4,Di,Ek,di@example.com,maybe,AE,+971501234567\n\
                   5,Ed,Fu,ed@example.com,yes,AE,\n";
        let r = check_audience(csv, &options());
        assert_eq!(r.format, "shopify");
        assert_eq!(r.rows, 5);
        assert_eq!(r.eligible, 1);
        assert_eq!(r.blocked_contacts, 3);
        assert_eq!(r.malformed.len(), 1);
        assert_eq!(r.malformed[0].line, 5);
        let count = |reason| {
            r.blocked
                .iter()
                .find(|c| c.reason == reason)
                .map_or(0, |c| c.count)
        };
        assert_eq!(count(Reason::CustomerIsMissingCallingCode), 1);
        assert_eq!(count(Reason::CustomerIsNotOptedIn), 1);
        assert_eq!(count(Reason::CustomerIsMissingPhone), 1);
        assert_eq!(r.fixable.len(), 1);
        assert_eq!(r.fixable[0].suggested, "+525512345678");
        assert_eq!(r.fixable[0].email.as_deref(), Some("ana@example.com"));
        assert_eq!(r.fixable[0].line, 2);
    }

    #[test]
    fn platform_export_and_running_credits() {
        let csv = "phone,phone_country_code,phone_calling_code,marketing_state,last_inbound_at\n\
                   +447911123456,GB,44,SUBSCRIBED,\n\
                   +447911123457,GB,44,subscribed,2026-11-28T10:00:00Z\n\
                   +447911123458,GB,44,SUBSCRIBED,yesterday\n";
        let mut o = options();
        o.credits = Some(Credits {
            balance: 1.0,
            cost: None,
            cost_by_category: None,
        });
        let r = check_audience(csv, &o);
        assert_eq!(r.format, "platform");
        assert_eq!(r.eligible, 1);
        assert_eq!(r.blocked[0].reason, Reason::InsufficientCredits);
        assert_eq!(r.malformed.len(), 1);
        assert!(r.malformed[0].error.contains("last_inbound_at"));
        assert_eq!(r.cost, 1.0);
    }

    #[test]
    fn empty_and_headerless_input() {
        assert_eq!(check_audience("", &options()).rows, 0);
        let r = check_audience("name,email\nAna,a@b.c\n", &options());
        assert_eq!(r.malformed[0].line, 1);
        let reasons: Vec<Reason> = r.blocked.iter().map(|c| c.reason).collect();
        assert!(
            reasons.contains(&Reason::CustomerIsMissingPhone),
            "{reasons:?}"
        );
    }
}
