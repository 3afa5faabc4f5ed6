//! The audience check on every real Shopify customer layout in `../shared/realworld/shopify/`
//! (headers of real exports and import templates, 2019–2024+, and the rows of an export that went
//! through Excel). Each header gets rows placed by column name, so the test checks that each
//! value is read from the column it belongs to. Skipped, with a message, where the folder is
//! absent.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sendgate::audience::{check_audience, AudienceOptions, AudienceReport};
use sendgate::catalog::Reason;

fn folder() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/shopify");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (the real-world material lives beside the repo)",
            dir.display()
        );
        None
    }
}

fn layout(name: &str) -> Option<String> {
    let text = std::fs::read_to_string(folder()?.join(name)).expect("readable layout file");
    Some(text)
}

fn options() -> AudienceOptions {
    serde_json::from_str(r#"{"source":"campaign","now":"2026-11-28T12:00:00Z","fixed_rows":true}"#)
        .unwrap()
}

/// The header line of a layout file.
fn header_of(text: &str) -> Vec<String> {
    let first = text.lines().next().expect("a header line");
    sendgate::csv::read_all(first)[0]
        .1
        .clone()
        .expect("a readable header")
}

/// A CSV line under `header` with each `(column, value)` in its column (columns the layout
/// lacks are left out: the row must not depend on them).
fn row(header: &[String], values: &[(&str, &str)]) -> String {
    header
        .iter()
        .map(|h| {
            let v = values.iter().find(|(c, _)| c == h).map_or("", |(_, v)| *v);
            if v.contains([',', '"', '\n']) {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn has(header: &[String], column: &str) -> bool {
    header.iter().any(|h| h == column)
}

fn reasons(r: &AudienceReport) -> BTreeMap<Reason, usize> {
    r.blocked.iter().map(|c| (c.reason, c.count)).collect()
}

/// The layout's own header plus three rows: an E.164 phone with consent, a national phone whose
/// country is only in the address's country column, and an opted-out contact. Checks each is
/// read from its column; returns the report.
fn three_contacts(file: &str, consent_column: &str) -> Option<AudienceReport> {
    let text = layout(file)?;
    let header = header_of(&text);
    let phone_col = "Phone";
    let country_col = if has(&header, "Default Address Country Code") {
        "Default Address Country Code"
    } else {
        "Country Code"
    };
    assert!(has(&header, phone_col), "{file}: {header:?}");
    assert!(has(&header, country_col), "{file}: {header:?}");
    assert!(has(&header, consent_column), "{file}: {header:?}");
    let common = |id: &'static str, email: &'static str| {
        vec![
            ("Customer ID", id),
            ("First Name", "Ana"),
            ("Last Name", "Pérez, Jr."),
            ("Email", email),
            ("Note", "Call after 6pm, \"not before\""),
            ("Tags", "vip, whatsapp"),
        ]
    };
    let mut a = common("'7001", "a@example.test");
    a.extend([
        (phone_col, "'+52 55 1234 5678"),
        (country_col, "MX"),
        (consent_column, "yes"),
    ]);
    let mut b = common("7002", "b@example.test");
    b.extend([
        (phone_col, "(201) 555-0123"),
        (country_col, "US"),
        (consent_column, "yes"),
    ]);
    let mut c = common("7003", "c@example.test");
    c.extend([
        (phone_col, "+447911123456"),
        (country_col, "GB"),
        (consent_column, "no"),
    ]);
    let csv = format!(
        "{}\r\n{}\r\n{}\r\n{}\r\n",
        text.lines().next().unwrap(),
        row(&header, &a),
        row(&header, &b),
        row(&header, &c)
    );
    let r = check_audience(&csv, &options());
    assert_eq!(r.header, header, "{file}");
    assert_eq!(
        (r.rows, r.malformed.len()),
        (3, 0),
        "{file}: {:?}",
        r.malformed
    );
    assert_eq!(r.eligible, 1, "{file}: {r:?}");
    assert_eq!(
        reasons(&r),
        BTreeMap::from([
            (Reason::CustomerIsMissingCallingCode, 1),
            (Reason::CustomerIsNotOptedIn, 1)
        ]),
        "{file}"
    );
    // The national phone's suggestion comes from the address's country column.
    assert_eq!(r.fixable.len(), 1, "{file}");
    let fix = &r.fixable[0];
    assert_eq!(
        (fix.line, fix.phone.as_str()),
        (3, "(201) 555-0123"),
        "{file}"
    );
    assert_eq!(fix.suggested, "+12015550123", "{file}");
    assert_eq!(fix.email.as_deref(), Some("b@example.test"), "{file}");
    assert_eq!(fix.first_name.as_deref(), Some("Ana"), "{file}");
    assert_eq!(fix.last_name.as_deref(), Some("Pérez, Jr."), "{file}");
    assert_eq!(
        fix.customer_id.as_deref(),
        has(&header, "Customer ID").then_some("7002"),
        "{file}"
    );
    // The corrected row is the row with only its phone changed.
    let fixed = fix.row.as_ref().unwrap();
    let original = &sendgate::csv::read_all(&csv)[2].1.clone().unwrap();
    for (i, h) in header.iter().enumerate() {
        let want = if h == phone_col {
            "+12015550123"
        } else {
            original[i].as_str()
        };
        assert_eq!(fixed[i], want, "{file}: column {h}");
    }
    Some(r)
}

#[test]
fn export_2022_without_customer_id() {
    three_contacts(
        "export_2022-01__header_no_customer_id.csv",
        "Accepts SMS Marketing",
    );
}

#[test]
fn import_template_2022_accepts_email_and_sms() {
    three_contacts(
        "import_template__2022_accepts_email_and_sms.csv",
        "Accepts SMS Marketing",
    );
}

#[test]
fn export_2024_default_address_columns_plus_phone() {
    let Some(_) = three_contacts(
        "export_2024-04__header_default_address.csv",
        "Accepts SMS Marketing",
    ) else {
        return;
    };
    // The shapes of the real 2024 rows: `Phone` empty and the address phone national, or
    // `Phone` in E.164 and the address phone national; ids and zips apostrophe-prefixed.
    let text = layout("export_2024-04__header_default_address.csv").unwrap();
    let header = header_of(&text);
    let base = [
        ("Default Address Country Code", "PK"),
        ("Default Address Zip", "'04616"),
        ("Accepts SMS Marketing", "yes"),
    ];
    let only_address: Vec<(&str, &str)> = [
        ("Customer ID", "'7985351721238"),
        ("Default Address Phone", "'03145415648"),
    ]
    .into_iter()
    .chain(base)
    .collect();
    let both: Vec<(&str, &str)> = [
        ("Customer ID", "'7985351721239"),
        ("Default Address Phone", "'03145415649"),
        ("Phone", "'+923145415649"),
    ]
    .into_iter()
    .chain(base)
    .collect();
    let csv = format!(
        "{}\n{}\n{}\n",
        text.lines().next().unwrap(),
        row(&header, &only_address),
        row(&header, &both)
    );
    let r = check_audience(&csv, &options());
    assert_eq!((r.rows, r.eligible, r.malformed.len()), (2, 1, 0), "{r:?}");
    assert_eq!(r.fixable.len(), 1);
    let fix = &r.fixable[0];
    assert_eq!(fix.customer_id.as_deref(), Some("7985351721238"));
    assert_eq!(
        (fix.phone.as_str(), fix.suggested.as_str()),
        ("03145415648", "+923145415648")
    );
    let fixed = fix.row.as_ref().unwrap();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(fixed[col("Default Address Phone")], "+923145415648");
    assert_eq!(fixed[col("Phone")], "");
    assert_eq!(
        fixed[col("Customer ID")],
        "'7985351721238",
        "other cells as exported"
    );
}

#[test]
fn import_template_2024_default_address() {
    three_contacts(
        "import_template__2024plus_default_address.csv",
        "Accepts SMS Marketing",
    );
}

#[test]
fn export_with_metafields_reads_the_whatsapp_consent_column() {
    let file = "export_2024plus__header_with_metafields_and_whatsapp_consent.csv";
    let Some(_) = three_contacts(file, "Accepts WhatsApp Marketing") else {
        return;
    };
    // WhatsApp consent decides over SMS consent; metafield columns are just more columns.
    let text = layout(file).unwrap();
    let header = header_of(&text);
    let metafield = header
        .iter()
        .find(|h| h.contains("(customer.metafields."))
        .expect("a metafield column")
        .clone();
    let contact = |sms: &'static str, whatsapp: &'static str| -> Vec<(&str, &'static str)> {
        vec![
            ("Customer ID", "'111"),
            ("Phone", "'+573001112233"),
            ("Default Address Country Code", "CO"),
            ("Accepts SMS Marketing", sms),
            ("Accepts WhatsApp Marketing", whatsapp),
            (metafield.as_str(), "'1990-05-02"),
        ]
    };
    // Opted in on WhatsApp only (twice), opted out of WhatsApp only, no WhatsApp answer: the SMS
    // consent decides.
    let csv = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        text.lines().next().unwrap(),
        row(&header, &contact("no", "yes")),
        row(&header, &contact("no", "yes")),
        row(&header, &contact("yes", "no")),
        row(&header, &contact("yes", ""))
    );
    let r = check_audience(&csv, &options());
    assert_eq!((r.rows, r.eligible, r.malformed.len()), (4, 3, 0), "{r:?}");
    assert_eq!(
        reasons(&r),
        BTreeMap::from([(Reason::CustomerIsNotOptedIn, 1)])
    );
}

#[test]
fn old_import_template_with_shopifys_sample_row() {
    let Some(_) = three_contacts(
        "import_template__old_accepts_marketing_with_shopify_sample_row.csv",
        "Accepts Marketing",
    ) else {
        return;
    };
    // The file as it is: John Doe has no phone and does not accept marketing.
    let text =
        layout("import_template__old_accepts_marketing_with_shopify_sample_row.csv").unwrap();
    let r = check_audience(&text, &options());
    assert_eq!((r.rows, r.eligible, r.malformed.len()), (1, 0, 0), "{r:?}");
    assert_eq!(
        reasons(&r),
        BTreeMap::from([
            (Reason::CustomerIsMissingPhone, 1),
            (Reason::CustomerIsNotOptedIn, 1)
        ])
    );
}

#[test]
fn export_2023_that_went_through_excel() {
    let Some(text) = layout("export_2023-07__with_customer_id_excel_mangled.csv") else {
        return;
    };
    let r = check_audience(&text, &options());
    assert_eq!((r.rows, r.eligible, r.malformed.len()), (4, 0, 0), "{r:?}");
    let counts = reasons(&r);
    // Nobody accepts SMS marketing; three have no phone.
    assert_eq!(
        counts.get(&Reason::CustomerIsNotOptedIn),
        Some(&4),
        "{counts:?}"
    );
    assert_eq!(
        counts.get(&Reason::CustomerIsMissingPhone),
        Some(&3),
        "{counts:?}"
    );
    // `9.19747E+11`: the spreadsheet kept 6 of the digits. That is no phone missing its calling
    // code, and no number to suggest: the phone core blocks it as CUSTOMER_PHONE_MANGLED, which
    // the report counts under its own reason.
    let Some(mangled) = Reason::from_name("CUSTOMER_PHONE_MANGLED") else {
        eprintln!(
            "pending: the phone core has no CUSTOMER_PHONE_MANGLED yet; its count is not checked"
        );
        return;
    };
    assert_eq!(counts.get(&mangled), Some(&1), "{counts:?}");
    assert!(
        !counts.contains_key(&Reason::CustomerIsMissingCallingCode),
        "a mangled phone is not 'missing calling code': {counts:?}"
    );
    assert!(r.fixable.is_empty(), "{:?}", r.fixable);
    assert_eq!(r.blocked_contacts, 4);
}
