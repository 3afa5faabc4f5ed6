//! `checkAudience`: run the gate over a customers CSV — Shopify's customer export (or its import
//! template) or the platform's contact export — and say how many a send would reach, why the
//! others would not, and which phones can be fixed in Shopify.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::billing::validate_credits;
use crate::catalog::Reason;
use crate::csv::{CsvReader, Item, Record};
use crate::eligibility::{self, now_or_clock};
use crate::error::InputError;
use crate::messaging_limit::{self, LimitReport};
use crate::model::{
    AccountState, Contact, Credits, MarketingState, Message, Policy, SendRequest, Source, Template,
    TemplateCategory, Timestamp, UserId,
};
use crate::phone;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct AudienceOptions {
    pub source: Source,
    /// The template to send. Without one, each contact is checked for a generic approved
    /// MARKETING template (campaign, automation) or a session text (inbox).
    #[serde(default)]
    pub template: Option<Template>,
    /// The template's parameters, one list for every contact (header first, then body), as a
    /// campaign sends them. Without it a template with `{{n}}` placeholders is checked as sent
    /// without parameters (`TEMPLATE_PARAMETER_MISMATCH`).
    #[serde(default)]
    pub parameters: Option<Vec<String>>,
    #[serde(default)]
    pub now: Option<Timestamp>,
    #[serde(default)]
    pub policy: Option<Policy>,
    /// Spent in file order, like a real send: contacts after the balance runs out are blocked
    /// with `INSUFFICIENT_CREDITS`.
    #[serde(default)]
    pub credits: Option<Credits>,
    /// The sending account; its `messaging_limit` is spent in file order, like credits (so it
    /// too needs the file as one part).
    #[serde(default)]
    pub account: Option<Box<AccountState>>,
    /// With `true`, each fixable entry carries `row`: its record with the phone replaced by the
    /// suggestion, for writing the corrected file.
    #[serde(default)]
    #[cfg_attr(test, ts(as = "Option<bool>"))]
    pub fixed_rows: bool,
}

crate::wire::objects_only!(AudienceOptions);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ReasonCount {
    pub reason: Reason,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Malformed {
    pub line: usize,
    pub error: String,
}

/// A contact whose phone lacks its calling code, with the E.164 number to save in Shopify.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    test,
    derive(ts_rs::TS),
    ts(rename = "AudienceFixable", optional_fields)
)]
pub struct Fixable {
    /// Line of the CSV the contact starts on (the header is line 1).
    pub line: usize,
    /// The phone as exported.
    pub phone: String,
    /// The E.164 number to save in Shopify.
    pub suggested: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// With `fixed_rows`: the record's fields with the phone's column (`Phone`, or `Default
    /// Address Phone` when the phone came from there) set to `suggested`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AudienceReport {
    /// Data rows read (malformed ones included).
    pub rows: usize,
    pub eligible: usize,
    /// Contacts with at least one blocker.
    pub blocked_contacts: usize,
    /// Per reason, how many contacts it blocks (a contact may count under several), largest first.
    #[cfg_attr(test, ts(inline))]
    pub blocked: Vec<ReasonCount>,
    #[cfg_attr(test, ts(inline))]
    pub malformed: Vec<Malformed>,
    pub fixable: Vec<Fixable>,
    /// Credits the eligible sends cost.
    pub cost: f64,
    /// Which kind of export the header was recognised as.
    #[cfg_attr(test, ts(type = "\"shopify\" | \"platform\""))]
    pub format: &'static str,
    /// The header's fields as read (empty for an empty file).
    pub header: Vec<String>,
    /// With `options.account.messaging_limit`: new recipients counted in file order and the
    /// contacts blocked past the limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub messaging_limit: Option<LimitReport>,
}

/// Which share of the file one [`AudienceCheck`] checks: the data records in blocks `index`,
/// `index + count`, `index + 2·count`… of [`BLOCK_RECORDS`]. The reports of every part of a
/// file add up to the report on the whole file (each record is counted by exactly one part;
/// the header's problems by part 0). Without credits or a messaging limit only: both are spent in
/// file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub index: usize,
    pub count: usize,
}

impl Part {
    pub const WHOLE: Part = Part { index: 0, count: 1 };
}

/// Data records per block of a [`Part`].
pub const BLOCK_RECORDS: usize = 2000;

pub fn validate(options: &AudienceOptions) -> Result<(), InputError> {
    if let Some(t) = &options.template {
        crate::templates::validate_template(t, "options.template")?;
    }
    if let Some(c) = &options.credits {
        validate_credits(c, "options.credits")?;
    }
    Ok(())
}

/// [`validate`], and a part that exists and fits the options.
pub fn validate_part(options: &AudienceOptions, part: Part) -> Result<(), InputError> {
    validate(options)?;
    if part.count == 0 || part.index >= part.count {
        return Err(InputError::new(
            "part",
            format!(
                "part {} of {} does not exist: index must be below count (count ≥ 1)",
                part.index, part.count
            ),
        ));
    }
    if part.count > 1 && options.credits.is_some() {
        return Err(InputError::new(
            "options.credits",
            "a credit balance is spent in file order: check the file as one part",
        ));
    }
    if part.count > 1
        && options
            .account
            .as_ref()
            .is_some_and(|a| a.messaging_limit.is_some())
    {
        return Err(InputError::new(
            "options.account.messaging_limit",
            "the messaging limit counts new recipients in file order: check the file as one part",
        ));
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
    /// Consent columns in the order they decide: a store's own WhatsApp consent column, then
    /// Shopify's SMS consent, then the single "Accepts Marketing" of pre-2022 exports.
    accepts: [Option<usize>; 3],
    last_inbound_at: Option<usize>,
    customer_id: Option<usize>,
    user_id: Option<usize>,
    email: Option<usize>,
    first_name: Option<usize>,
    last_name: Option<usize>,
}

const ACCEPTS_COLUMNS: [&str; 3] = [
    "accepts whatsapp marketing",
    "accepts sms marketing",
    "accepts marketing",
];

impl Columns {
    fn from_header(header: &[String]) -> Columns {
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        };
        Columns {
            phone: find(&["phone"]),
            fallback_phone: find(&["default address phone"]),
            country: find(&["phone_country_code"]),
            fallback_country: find(&["default address country code", "country code"]),
            calling_code: find(&["phone_calling_code"]),
            marketing_state: find(&["marketing_state"]),
            accepts: ACCEPTS_COLUMNS.map(|name| find(&[name])),
            last_inbound_at: find(&["last_inbound_at"]),
            customer_id: find(&["customer id", "id", "shopify_customer_id"]),
            user_id: find(&["user_id"]),
            email: find(&["email"]),
            first_name: find(&["first name", "first_name"]),
            last_name: find(&["last name", "last_name"]),
        }
    }

    /// Which kind of export the header is: the platform's names its own columns.
    fn format(&self) -> &'static str {
        if self.marketing_state.is_some() || self.calling_code.is_some() || self.country.is_some() {
            "platform"
        } else {
            "shopify"
        }
    }

    /// Why no contact can be read under this header.
    fn problem(&self) -> Option<&'static str> {
        (self.phone.is_none() && self.fallback_phone.is_none() && self.user_id.is_none()).then_some(
            "the header has no Phone column (expected `Phone`, `Default Address Phone`, `phone` or `user_id`)",
        )
    }
}

fn field<'a>(row: &Record<'a>, col: Option<usize>) -> Option<&'a str> {
    col.and_then(|i| row.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// Shopify writes a leading apostrophe in front of phones and ids to keep spreadsheets from
/// eating the `+` or the digits.
fn strip_spreadsheet_quote(value: &str) -> &str {
    value.strip_prefix('\'').unwrap_or(value)
}

/// A yes/no consent cell of a Shopify export.
fn accepts_state(column: &str, value: &str) -> Result<MarketingState, String> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "subscribed" => Ok(MarketingState::Subscribed),
        "no" | "false" | "0" | "not_subscribed" | "unsubscribed" => {
            Ok(MarketingState::NotSubscribed)
        }
        "pending" => Ok(MarketingState::Pending),
        other => Err(format!(
            "{column} `{}` is neither yes nor no",
            crate::model::clip(other, 40)
        )),
    }
}

/// Header names as Shopify writes them, for messages.
const ACCEPTS_TITLES: [&str; 3] = [
    "Accepts WhatsApp Marketing",
    "Accepts SMS Marketing",
    "Accepts Marketing",
];

/// The contact a row describes and the column its phone came from, or why the row is
/// malformed. `width` is the header's field count.
fn contact_of(
    row: &Record,
    cols: &Columns,
    width: usize,
) -> Result<(Contact, Option<usize>), String> {
    if row.len() > width {
        return Err(format!("{} fields, but the header has {width}", row.len()));
    }
    let marketing_state = match field(row, cols.marketing_state) {
        Some(state) => MarketingState::parse_loose(state).ok_or_else(|| {
            format!(
                "marketing_state `{}` is not one of {}",
                crate::model::clip(state, 40),
                MarketingState::ALL.map(|s| s.as_str()).join(", ")
            )
        })?,
        None => match (0..3).find_map(|k| field(row, cols.accepts[k]).map(|v| (k, v))) {
            Some((k, value)) => accepts_state(ACCEPTS_TITLES[k], value)?,
            None => MarketingState::Unknown,
        },
    };
    let last_inbound_at = match field(row, cols.last_inbound_at) {
        Some(text) => Some(Timestamp::parse(text).map_err(|e| format!("last_inbound_at: {e}"))?),
        None => None,
    };
    let (phone, phone_col) = match field(row, cols.phone) {
        Some(p) => (Some(p), cols.phone),
        None => match field(row, cols.fallback_phone) {
            Some(p) => (Some(p), cols.fallback_phone),
            None => (None, None),
        },
    };
    let contact = Contact {
        id: field(row, cols.customer_id).map(|id| strip_spreadsheet_quote(id).to_string()),
        phone: phone.map(|p| strip_spreadsheet_quote(p).to_string()),
        phone_country_code: field(row, cols.country)
            .or_else(|| field(row, cols.fallback_country))
            .map(str::to_string),
        phone_calling_code: field(row, cols.calling_code)
            .map(|c| strip_spreadsheet_quote(c).to_string()),
        marketing_state,
        last_inbound_at,
        user_id: match field(row, cols.user_id) {
            Some(u) => Some(UserId::parse(u).map_err(|e| format!("user_id: {e}"))?),
            None => None,
        },
        free_entry_point_until: None,
    };
    Ok((contact, phone_col))
}

/// The message an audience is checked for.
fn message_of(options: &AudienceOptions) -> Message {
    match (&options.template, options.source) {
        (Some(t), _) => Message::Template {
            template: t.clone(),
            parameters: options.parameters.clone(),
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
    }
}

/// `checkAudience`. `options` must have passed [`validate`].
pub fn check_audience(csv: &str, options: &AudienceOptions) -> AudienceReport {
    let mut check = AudienceCheck::new(options.clone(), Part::WHOLE);
    check.push(csv.as_bytes());
    check.finish()
}

/// The audience check of a file read in chunks (`AudienceStream` in JS): [`push`] the bytes as
/// they come, split anywhere, then [`finish`]. One contact at a time, in file order, so the
/// report is exactly [`check_audience`]'s on the whole text, in memory that does not grow with
/// the file apart from the report itself (see [`take_fixable`]).
///
/// [`push`]: AudienceCheck::push
/// [`finish`]: AudienceCheck::finish
/// [`take_fixable`]: AudienceCheck::take_fixable
pub struct AudienceCheck {
    reader: CsvReader,
    tally: Tally,
}

impl AudienceCheck {
    /// `options` (and `part`) must have passed [`validate_part`].
    pub fn new(options: AudienceOptions, part: Part) -> Self {
        AudienceCheck {
            reader: CsvReader::new(),
            tally: Tally::new(options, part),
        }
    }

    /// Reads the next bytes of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        let tally = &mut self.tally;
        self.reader.push(chunk, &mut |item| tally.record(item));
    }

    /// The fixable contacts found since the last call, in file order: they leave the report,
    /// so a caller that writes them out as it goes holds only one chunk's worth.
    pub fn take_fixable(&mut self) -> Vec<Fixable> {
        std::mem::take(&mut self.tally.report.fixable)
    }

    /// Data rows read so far.
    pub fn rows(&self) -> usize {
        self.tally.records
    }

    /// Ends the file: the report (without the fixable entries already taken).
    pub fn finish(mut self) -> AudienceReport {
        let tally = &mut self.tally;
        self.reader.finish(&mut |item| tally.record(item));
        self.tally.finish()
    }
}

/// The running state of one check: every row goes through [`Tally::record`] in file order.
struct Tally {
    options: AudienceOptions,
    part: Part,
    /// Reused for every contact; only the contact and the credits change.
    request: SendRequest,
    balance: Option<f64>,
    /// New recipients against the portfolio's messaging limit, in file order.
    limit: messaging_limit::Counter,
    /// Known once the header is read.
    cols: Option<Columns>,
    /// The header could not be read: nothing after it is read as contacts.
    unreadable: bool,
    /// Data records seen (in every part), to tell which are this part's.
    records: usize,
    counts: BTreeMap<Reason, usize>,
    report: AudienceReport,
}

impl Tally {
    fn new(options: AudienceOptions, part: Part) -> Self {
        let now = now_or_clock(options.now);
        let request = SendRequest {
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
            // Parameters are filled per send; the audience check is about who can receive it.
            message: message_of(&options),
            credits: None,
            now: Some(now),
            policy: options.policy,
            signals: None,
            account: options.account.clone(),
            biz_opaque_callback_data: None,
        };
        Tally {
            balance: options.credits.map(|c| c.balance),
            limit: messaging_limit::Counter::new(options.account.as_deref()),
            options,
            part,
            request,
            cols: None,
            unreadable: false,
            records: 0,
            counts: BTreeMap::new(),
            report: AudienceReport {
                rows: 0,
                eligible: 0,
                blocked_contacts: 0,
                blocked: Vec::new(),
                malformed: Vec::new(),
                fixable: Vec::new(),
                cost: 0.0,
                format: "shopify",
                header: Vec::new(),
                messaging_limit: None,
            },
        }
    }

    /// Reads one record; answers whether the next is this part's (the reader skips it if not).
    fn record(&mut self, item: Item) -> bool {
        self.read(item);
        !self.unreadable && self.is_mine(self.records)
    }

    fn is_mine(&self, index: usize) -> bool {
        (index / BLOCK_RECORDS) % self.part.count == self.part.index
    }

    fn read(&mut self, item: Item) {
        let Some(cols) = &self.cols else {
            return self.header(item);
        };
        if self.unreadable {
            return;
        }
        let index = self.records;
        self.records += 1;
        if !self.is_mine(index) {
            return;
        }
        let report = &mut self.report;
        report.rows += 1;
        let row = match item {
            Item::Record(r) => r,
            Item::Malformed(line, error) => {
                report.malformed.push(Malformed { line, error });
                return;
            }
            Item::Skipped => return,
        };
        let line = row.line;
        let phone_col;
        (self.request.contact, phone_col) = match contact_of(row, cols, report.header.len()) {
            Ok(c) => c,
            Err(error) => {
                report.malformed.push(Malformed { line, error });
                return;
            }
        };
        let request = &mut self.request;
        request.credits = self
            .options
            .credits
            .zip(self.balance)
            .map(|(c, balance)| Credits { balance, ..c });
        self.limit.prepare(request);
        let phone = phone::analyze(&eligibility::phone_input(&request.contact));
        let verdict = eligibility::check_send_with_phone(request, &phone);
        self.limit.record(request, &verdict, line);
        if verdict.eligible {
            report.eligible += 1;
            report.cost += verdict.cost;
            if let Some(b) = self.balance.as_mut() {
                *b -= verdict.cost;
            }
        } else {
            report.blocked_contacts += 1;
            for f in &verdict.blockers {
                *self.counts.entry(f.reason).or_default() += 1;
            }
        }
        if let (Some(suggested), Some(original)) = (phone.suggested, &request.contact.phone) {
            let fixed_row = (self.options.fixed_rows).then(|| {
                let mut fields = row.to_vec();
                if let Some(c) = phone_col {
                    fields[c] = suggested.clone();
                }
                fields
            });
            report.fixable.push(Fixable {
                line,
                phone: original.clone(),
                suggested,
                customer_id: request.contact.id.clone(),
                email: field(row, cols.email).map(str::to_string),
                first_name: field(row, cols.first_name).map(str::to_string),
                last_name: field(row, cols.last_name).map(str::to_string),
                row: fixed_row,
            });
        }
    }

    /// The first record: which columns hold what.
    fn header(&mut self, item: Item) {
        let report = &mut self.report;
        let (line, header) = match item {
            Item::Record(h) => (h.line, h.to_vec()),
            // The reader keeps the first record: the header is never skipped.
            Item::Skipped => return,
            Item::Malformed(line, e) => {
                // Nothing after an unreadable header can be read as contacts.
                if self.part.index == 0 {
                    report.malformed.push(Malformed {
                        line,
                        error: format!("header: {e}"),
                    });
                }
                self.cols = Some(Columns::default());
                self.unreadable = true;
                return;
            }
        };
        let cols = Columns::from_header(&header);
        report.format = cols.format();
        if let Some(problem) = cols.problem().filter(|_| self.part.index == 0) {
            report.malformed.push(Malformed {
                line,
                error: problem.into(),
            });
        }
        report.header = header;
        self.cols = Some(cols);
    }

    fn finish(mut self) -> AudienceReport {
        self.report.blocked = self
            .counts
            .into_iter()
            .map(|(reason, count)| ReasonCount { reason, count })
            .collect();
        self.report
            .blocked
            .sort_by_key(|c| std::cmp::Reverse(c.count));
        self.report.messaging_limit = self.limit.report();
        self.report
    }
}

/// One contact of `audienceContacts`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct AudienceContact {
    /// Line of the CSV the contact starts on (the header is line 1).
    pub line: usize,
    /// The customer id column's value, spreadsheet quote removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub contact: Contact,
}

/// `audienceContacts`: the contacts of a customers CSV, read as `checkAudience` reads them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct AudienceContacts {
    #[cfg_attr(test, ts(type = "\"shopify\" | \"platform\""))]
    pub format: &'static str,
    /// The header's fields as read (empty for an empty file).
    pub header: Vec<String>,
    pub contacts: Vec<AudienceContact>,
    /// Rows no contact could be read from (as `checkAudience` reports them).
    #[cfg_attr(test, ts(inline))]
    pub malformed: Vec<Malformed>,
    /// Why no contact can be read from the file at all (empty, unreadable header, no phone
    /// column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The contacts of a customers CSV: the same columns and rows as [`check_audience`] checks.
pub fn audience_contacts(csv: &str) -> AudienceContacts {
    let mut out = AudienceContacts {
        format: "shopify",
        header: Vec::new(),
        contacts: Vec::new(),
        malformed: Vec::new(),
        problem: None,
    };
    let mut cols: Option<Columns> = None;
    let mut unreadable = false;
    let mut read = |item: Item| {
        if unreadable {
            return false;
        }
        let Some(cols) = &cols else {
            match item {
                Item::Record(h) => {
                    out.header = h.to_vec();
                    let c = Columns::from_header(&out.header);
                    out.format = c.format();
                    out.problem = c.problem().map(str::to_string);
                    cols = Some(c);
                }
                Item::Malformed(line, e) => {
                    // Nothing after an unreadable header can be read as contacts.
                    out.problem = Some(format!("the header (line {line}) is malformed: {e}"));
                    unreadable = true;
                }
                Item::Skipped => {}
            }
            return !unreadable;
        };
        match item {
            Item::Record(row) => match contact_of(row, cols, out.header.len()) {
                Ok((contact, _)) => out.contacts.push(AudienceContact {
                    line: row.line,
                    id: contact.id.clone(),
                    contact,
                }),
                Err(error) => out.malformed.push(Malformed {
                    line: row.line,
                    error,
                }),
            },
            Item::Malformed(line, error) => out.malformed.push(Malformed { line, error }),
            Item::Skipped => {}
        }
        true
    };
    let mut reader = CsvReader::new();
    reader.push(csv.as_bytes(), &mut read);
    reader.finish(&mut read);
    if out.header.is_empty() && out.problem.is_none() {
        out.problem = Some("the CSV is empty".into());
    }
    if out.problem.is_some() {
        out.contacts.clear();
        out.malformed.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> AudienceOptions {
        AudienceOptions {
            source: Source::Campaign,
            template: None,
            parameters: None,
            now: Some(Timestamp::parse("2026-11-28T12:00:00Z").unwrap()),
            policy: None,
            credits: None,
            account: None,
            fixed_rows: false,
        }
    }

    #[test]
    fn a_template_with_placeholders_is_checked_with_the_campaigns_parameters() {
        let csv = "Phone,Accepts SMS Marketing\n+447911123456,yes\n+447911123457,yes\n";
        let mut opts = options();
        opts.template = Some(Template {
            name: "order_update".into(),
            language: "en".into(),
            category: TemplateCategory::Utility,
            status: "APPROVED".into(),
            quality: None,
            body: Some("Hi {{1}}, order {{2}} shipped".into()),
            header: None,
            id: None,
            pending_category: None,
        });
        let without = check_audience(csv, &opts);
        assert_eq!(without.eligible, 0);
        assert_eq!(without.blocked[0].reason, Reason::TemplateParameterMismatch);
        opts.parameters = Some(vec!["Ana".into(), "#1001".into()]);
        let with = check_audience(csv, &opts);
        assert_eq!((with.eligible, with.blocked_contacts), (2, 0));
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

    /// A Shopify export of `n` rows mixing every kind of row: eligible, national (fixable),
    /// opted out, no phone, malformed, multi-line quoted notes.
    fn mixed_export(n: usize) -> String {
        let mut csv = String::from(
            "Customer ID,First Name,Email,Accepts SMS Marketing,Default Address Country Code,Default Address Phone,Phone,Note\r\n",
        );
        for i in 0..n {
            let row = match i % 7 {
                0 => format!("'{i},Ana,a{i}@x.test,yes,MX,,+52 55 1234 {:04},", i % 10000),
                1 => format!(
                    "{i},Bo,,yes,MX,,55 1234 {:04},\"VIP, \"\"gold\"\"\"",
                    i % 10000
                ),
                2 => format!("{i},Cy,,no,AE,,+971501234567,\"call\nlater\""),
                3 => format!("{i},Di,,yes,PK,'0314 5415648,,"),
                4 => format!("{i},Ed,,maybe,MX,,+525512345678,"),
                5 => format!("{i},Fu,,yes,MX,,+525512345678,,extra"),
                _ => format!("{i},Gu,,yes,,,,"),
            };
            csv.push_str(&row);
            csv.push_str(if i % 3 == 0 { "\n" } else { "\r\n" });
        }
        csv
    }

    fn streamed(csv: &str, options: &AudienceOptions, part: Part, chunk: usize) -> AudienceReport {
        let mut check = AudienceCheck::new(options.clone(), part);
        let mut taken = Vec::new();
        for piece in csv.as_bytes().chunks(chunk) {
            check.push(piece);
            taken.extend(check.take_fixable());
        }
        let mut report = check.finish();
        taken.append(&mut report.fixable);
        report.fixable = taken;
        report
    }

    #[test]
    fn a_stream_in_any_chunks_gives_the_whole_file_report() {
        let csv = mixed_export(300);
        let mut o = options();
        o.credits = Some(Credits {
            balance: 40.0,
            cost: None,
            cost_by_category: None,
        });
        o.fixed_rows = true;
        let whole = check_audience(&csv, &o);
        assert_eq!(whole.rows, 300);
        assert!(whole
            .blocked
            .iter()
            .any(|c| c.reason == Reason::InsufficientCredits));
        assert!(!whole.fixable.is_empty() && !whole.malformed.is_empty());
        for chunk in [1, 2, 3, 7, 64, 4096, csv.len()] {
            assert_eq!(
                streamed(&csv, &o, Part::WHOLE, chunk),
                whole,
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn parts_add_up_to_the_whole_file() {
        let csv = mixed_export(BLOCK_RECORDS * 3 + 123);
        let o = options();
        let whole = check_audience(&csv, &o);
        let count = 2;
        let parts: Vec<AudienceReport> = (0..count)
            .map(|index| streamed(&csv, &o, Part { index, count }, 65536))
            .collect();
        let sum = |f: fn(&AudienceReport) -> usize| parts.iter().map(f).sum::<usize>();
        assert_eq!(sum(|r| r.rows), whole.rows);
        assert!(parts.iter().all(|r| r.rows > 0), "every part has rows");
        assert_eq!(sum(|r| r.eligible), whole.eligible);
        assert_eq!(sum(|r| r.blocked_contacts), whole.blocked_contacts);
        let mut by_reason: BTreeMap<Reason, usize> = BTreeMap::new();
        for c in parts.iter().flat_map(|r| &r.blocked) {
            *by_reason.entry(c.reason).or_default() += c.count;
        }
        let whole_by_reason: BTreeMap<Reason, usize> =
            whole.blocked.iter().map(|c| (c.reason, c.count)).collect();
        assert_eq!(by_reason, whole_by_reason);
        let mut malformed: Vec<Malformed> =
            parts.iter().flat_map(|r| r.malformed.clone()).collect();
        malformed.sort_by_key(|m| m.line);
        assert_eq!(malformed, whole.malformed);
        let mut fixable: Vec<Fixable> = parts.iter().flat_map(|r| r.fixable.clone()).collect();
        fixable.sort_by_key(|f| f.line);
        assert_eq!(fixable, whole.fixable);
        assert!(parts.iter().all(|r| r.header == whole.header));
        // The header's own problem is reported once, by part 0.
        let headerless: Vec<usize> = (0..count)
            .map(|index| {
                streamed("Name\nAna\n", &o, Part { index, count }, 3)
                    .malformed
                    .len()
            })
            .collect();
        assert_eq!(headerless, vec![1, 0]);
    }

    #[test]
    fn a_balance_needs_the_file_in_one_part() {
        let mut o = options();
        assert!(validate_part(&o, Part { index: 1, count: 2 }).is_ok());
        assert_eq!(
            validate_part(&o, Part { index: 2, count: 2 })
                .unwrap_err()
                .path,
            "part"
        );
        assert_eq!(
            validate_part(&o, Part { index: 0, count: 0 })
                .unwrap_err()
                .path,
            "part"
        );
        o.credits = Some(Credits {
            balance: 1.0,
            cost: None,
            cost_by_category: None,
        });
        assert_eq!(
            validate_part(&o, Part { index: 0, count: 2 })
                .unwrap_err()
                .path,
            "options.credits"
        );
        assert!(validate_part(&o, Part::WHOLE).is_ok());
    }

    #[test]
    fn fixed_rows_replace_the_column_the_phone_came_from() {
        let csv = "Customer ID,Default Address Country Code,Default Address Phone,Phone,Note\n\
                   '7985351721238,PK,'03145415648,,\"a, \"\"b\"\"\"\n\
                   2,MX,+525500000000,5512345678,x\n";
        let mut o = options();
        o.fixed_rows = true;
        let r = check_audience(csv, &o);
        assert_eq!(r.header[2], "Default Address Phone");
        let rows: Vec<(Option<&str>, &str, Vec<String>)> = r
            .fixable
            .iter()
            .map(|f| {
                (
                    f.customer_id.as_deref(),
                    f.suggested.as_str(),
                    f.row.clone().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    Some("7985351721238"),
                    "+923145415648",
                    vec!["'7985351721238", "PK", "+923145415648", "", "a, \"b\""]
                        .into_iter()
                        .map(String::from)
                        .collect()
                ),
                (
                    Some("2"),
                    "+525512345678",
                    vec!["2", "MX", "+525500000000", "+525512345678", "x"]
                        .into_iter()
                        .map(String::from)
                        .collect()
                ),
            ]
        );
        o.fixed_rows = false;
        assert!(check_audience(csv, &o)
            .fixable
            .iter()
            .all(|f| f.row.is_none()));
    }

    #[test]
    fn whatsapp_consent_decides_before_sms_and_the_old_single_column_counts() {
        let csv = "Phone,Accepts SMS Marketing,Accepts WhatsApp Marketing\n\
                   +525512345678,no,yes\n\
                   +525512345678,yes,no\n\
                   +525512345678,yes,\n\
                   +525512345678,yes,sometimes\n";
        let r = check_audience(csv, &options());
        assert_eq!((r.rows, r.eligible, r.blocked_contacts), (4, 2, 1));
        assert!(
            r.malformed[0]
                .error
                .starts_with("Accepts WhatsApp Marketing `sometimes`"),
            "{:?}",
            r.malformed
        );
        let old = "Phone,Accepts Marketing\n+525512345678,yes\n+525512345679,no\n";
        let r = check_audience(old, &options());
        assert_eq!((r.eligible, r.blocked_contacts), (1, 1));
    }

    /// Eligible and blocked counts of `audience_contacts`' contacts checked one by one, as the
    /// worker sends them.
    fn sent(contacts: &AudienceContacts, options: &AudienceOptions) -> (usize, usize) {
        let mut request = Tally::new(options.clone(), Part::WHOLE).request;
        let mut eligible = 0;
        for c in &contacts.contacts {
            request.contact = c.contact.clone();
            let phone = phone::analyze(&eligibility::phone_input(&request.contact));
            eligible += usize::from(eligibility::check_send_with_phone(&request, &phone).eligible);
        }
        (eligible, contacts.contacts.len() - eligible)
    }

    #[test]
    fn audience_contacts_are_the_contacts_check_audience_checks() {
        let csv = "Customer ID,First Name,Phone,Default Address Phone,Default Address Country Code,Accepts SMS Marketing,Accepts WhatsApp Marketing\n\
                   '101,Ana,,'+447911123456,GB,no,yes\n\
                   '102,Bo,+447911123457,+447911000000,GB,yes,no\n\
                   103,Cy,5512345678,,MX,yes,\n\
                   104,Di,+971501234567,,AE,yes,perhaps\n\
                   105,Ed,+971501234568,,AE,,,extra\n\
                   ,Fu,,,,,yes\n";
        let read = audience_contacts(csv);
        assert_eq!(read.problem, None);
        assert_eq!(read.format, "shopify");
        assert_eq!(read.header.len(), 7);
        let lines: Vec<usize> = read.contacts.iter().map(|c| c.line).collect();
        assert_eq!(lines, [2, 3, 4, 7]);
        let ana = &read.contacts[0];
        assert_eq!(ana.id.as_deref(), Some("101"));
        assert_eq!(ana.contact.id.as_deref(), Some("101"));
        // The Default Address phone stands in for an empty Phone; WhatsApp consent decides.
        assert_eq!(ana.contact.phone.as_deref(), Some("+447911123456"));
        assert_eq!(ana.contact.phone_country_code.as_deref(), Some("GB"));
        assert_eq!(ana.contact.marketing_state, MarketingState::Subscribed);
        let bo = &read.contacts[1];
        assert_eq!(bo.contact.phone.as_deref(), Some("+447911123457"));
        assert_eq!(bo.contact.marketing_state, MarketingState::NotSubscribed);
        assert_eq!(
            read.contacts[2].contact.marketing_state,
            MarketingState::Subscribed
        );
        assert_eq!(read.contacts[3].id, None);
        let malformed: Vec<(usize, &str)> = read
            .malformed
            .iter()
            .map(|m| (m.line, m.error.as_str()))
            .collect();
        assert_eq!(
            malformed,
            [
                (
                    5,
                    "Accepts WhatsApp Marketing `perhaps` is neither yes nor no"
                ),
                (6, "8 fields, but the header has 7"),
            ]
        );
        let report = check_audience(csv, &options());
        assert_eq!(report.malformed, read.malformed);
        assert_eq!(report.header, read.header);
        assert_eq!(report.format, read.format);
        assert_eq!(
            sent(&read, &options()),
            (report.eligible, report.blocked_contacts)
        );
        assert_eq!((report.eligible, report.blocked_contacts), (1, 3));
    }

    #[test]
    fn audience_contacts_of_a_platform_export_read_its_columns() {
        let csv =
            "phone,phone_country_code,phone_calling_code,marketing_state,last_inbound_at,user_id\n\
                   +447911123456,GB,'44,subscribed,2026-11-28T10:00:00Z,\n\
                   ,,,SUBSCRIBED,,GB.1349120865\n\
                   ,,,SUBSCRIBED,,not-a-bsuid\n\
                   +447911123458,GB,44,SUBSCRIBED,yesterday,\n";
        let read = audience_contacts(csv);
        assert_eq!(read.format, "platform");
        assert_eq!(read.contacts.len(), 2);
        let first = &read.contacts[0].contact;
        assert_eq!(first.phone_calling_code.as_deref(), Some("44"));
        assert!(first.last_inbound_at.is_some());
        assert_eq!(
            read.contacts[1]
                .contact
                .user_id
                .as_ref()
                .map(|u| u.as_str()),
            Some("GB.1349120865")
        );
        let lines: Vec<usize> = read.malformed.iter().map(|m| m.line).collect();
        assert_eq!(lines, [4, 5]);
        assert!(read.malformed[0].error.starts_with("user_id: "));
        let report = check_audience(csv, &options());
        assert_eq!(report.malformed, read.malformed);
        assert_eq!(
            sent(&read, &options()),
            (report.eligible, report.blocked_contacts)
        );
    }

    #[test]
    fn audience_contacts_name_a_file_they_cannot_read() {
        assert_eq!(
            audience_contacts("").problem.as_deref(),
            Some("the CSV is empty")
        );
        assert_eq!(
            audience_contacts("\r\n\n").problem.as_deref(),
            Some("the CSV is empty")
        );
        let read = audience_contacts("name,email\nAna,a@b.c\n");
        assert!(read.problem.unwrap().contains("no Phone column"));
        assert!(read.contacts.is_empty());
        let read = audience_contacts("Phone,\"Name\nAna\n+447911123456,x\n");
        assert!(read.problem.is_some(), "{read:?}");
        assert!(read.contacts.is_empty());
    }
}
