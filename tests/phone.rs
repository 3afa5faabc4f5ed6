//! Phone normalisation against independently known facts: national numbering plans (trunk
//! prefixes, mobile ranges, leading zeros), the libphonenumber example numbers of each region,
//! and WhatsApp's `wa_id` quirks (Mexico 52/521, Argentina 54/549, Brazil's ninth digit).

use sendgate::catalog::Reason;
use sendgate::phone::{analyze, wa_id_variants_of, PhoneInput, PhoneReport};

fn phone(p: &str) -> PhoneReport {
    analyze(&PhoneInput {
        phone: Some(p.into()),
        ..Default::default()
    })
}

fn with(p: &str, country: Option<&str>, calling: Option<&str>) -> PhoneReport {
    analyze(&PhoneInput {
        phone: Some(p.into()),
        phone_country_code: country.map(Into::into),
        phone_calling_code: calling.map(Into::into),
    })
}

/// Valid number: E.164, region and no blocking finding.
#[track_caller]
fn valid(r: &PhoneReport, e164: &str, region: &str) {
    assert_eq!(r.e164.as_deref(), Some(e164), "{r:?}");
    assert_eq!(r.region.as_deref(), Some(region), "{r:?}");
    assert!(r.possible && r.valid, "{r:?}");
    assert!(r.findings.is_empty(), "{r:?}");
}

#[track_caller]
fn mobile(r: &PhoneReport, e164: &str, region: &str) {
    valid(r, e164, region);
    assert!(
        matches!(r.number_type, Some("mobile" | "fixed_line_or_mobile")),
        "{r:?}"
    );
}

#[test]
fn international_numbers_of_many_regions() {
    // (typed, E.164, region): mobiles of each region's numbering plan.
    let cases = [
        ("+44 7400 123456", "+447400123456", "GB"),
        ("+52 222 123 4567", "+522221234567", "MX"),
        ("+55 11 96123-4567", "+5511961234567", "BR"),
        ("+54 9 11 2345-6789", "+5491123456789", "AR"),
        ("+91 81234 56789", "+918123456789", "IN"),
        ("+62 812-345-678", "+62812345678", "ID"),
        ("+49 1512 3456789", "+4915123456789", "DE"),
        ("+971 50 123 4567", "+971501234567", "AE"),
        ("+33 6 12 34 56 78", "+33612345678", "FR"),
        ("+34 612 34 56 78", "+34612345678", "ES"),
        ("+39 312 345 6789", "+393123456789", "IT"),
        ("+31 6 12345678", "+31612345678", "NL"),
        ("+61 412 345 678", "+61412345678", "AU"),
        ("+81 90-1234-5678", "+819012345678", "JP"),
        ("+86 131 2345 6789", "+8613123456789", "CN"),
        ("+7 912 345-67-89", "+79123456789", "RU"),
        ("+7 771 000 9998", "+77710009998", "KZ"),
        ("+27 71 123 4567", "+27711234567", "ZA"),
        ("+234 802 123 4567", "+2348021234567", "NG"),
        ("+20 100 123 4567", "+201001234567", "EG"),
        ("+966 51 234 5678", "+966512345678", "SA"),
        ("+90 501 234 56 78", "+905012345678", "TR"),
        ("+63 905 123 4567", "+639051234567", "PH"),
        ("+84 91 234 56 78", "+84912345678", "VN"),
        ("+92 301 2345678", "+923012345678", "PK"),
        ("+880 1812-345678", "+8801812345678", "BD"),
        ("+57 321 1234567", "+573211234567", "CO"),
        ("+51 912 345 678", "+51912345678", "PE"),
        ("+353 85 012 3456", "+353850123456", "IE"),
        ("+41 78 123 45 67", "+41781234567", "CH"),
        ("+48 512 345 678", "+48512345678", "PL"),
        ("+44 7781 123456", "+447781123456", "GG"),
    ];
    for (typed, e164, region) in cases {
        mobile(&phone(typed), e164, region);
    }
}

#[test]
fn national_numbers_with_trunk_prefix_and_calling_code_field() {
    // (typed nationally, calling code, E.164, region): the trunk prefix is dropped.
    let cases = [
        ("07400 123456", "44", "+447400123456", "GB"),
        ("0151 23456789", "+49", "+4915123456789", "DE"),
        ("050 123 4567", "971", "+971501234567", "AE"),
        ("06 12 34 56 78", "33", "+33612345678", "FR"),
        ("0812-345-678", "62", "+62812345678", "ID"),
        ("081234 56789", "91", "+918123456789", "IN"),
        ("0412 345 678", "61", "+61412345678", "AU"),
        ("090-1234-5678", "81", "+819012345678", "JP"),
        ("8 912 345-67-89", "7", "+79123456789", "RU"),
        ("071 123 4567", "27", "+27711234567", "ZA"),
        ("0501 234 56 78", "90", "+905012345678", "TR"),
        ("0905 123 4567", "63", "+639051234567", "PH"),
        ("0301 2345678", "92", "+923012345678", "PK"),
        ("085 012 3456", "353", "+353850123456", "IE"),
        ("078 123 45 67", "41", "+41781234567", "CH"),
        ("06 12345678", "31", "+31612345678", "NL"),
    ];
    for (typed, cc, e164, region) in cases {
        mobile(&with(typed, None, Some(cc)), e164, region);
    }
}

#[test]
fn italy_keeps_its_leading_zero() {
    // Italian fixed lines keep the 0 internationally: Milan 02 1234 5678 is +39 02 1234 5678.
    let r = with("02 1234 5678", None, Some("39"));
    valid(&r, "+390212345678", "IT");
    assert_eq!(r.national_number.as_deref(), Some("0212345678"));
    assert_eq!(r.number_type, Some("fixed_line"));
}

#[test]
fn germany_fixed_line() {
    let r = with("030 123456", Some("DE"), Some("49"));
    valid(&r, "+4930123456", "DE");
    assert_eq!(r.number_type, Some("fixed_line"));
}

#[test]
fn us_and_canada_share_plus_one() {
    // Area code 650 is California, 416 is Toronto: same +1, different regions.
    let us = phone("+1 650-253-0000");
    valid(&us, "+16502530000", "US");
    let ca = phone("+1 416-979-1000");
    valid(&ca, "+14169791000", "CA");
    // A national number with calling code 1 and no country: still Canada by its area code.
    let ca = with("(416) 979-1000", None, Some("1"));
    valid(&ca, "+14169791000", "CA");
    // The contact's country CA is honoured as the region to parse in.
    let ca = with("416 979 1000", Some("CA"), Some("1"));
    valid(&ca, "+14169791000", "CA");
    // Jamaica is +1 876.
    assert_eq!(phone("+1 876 210 1234").region.as_deref(), Some("JM"));
    // Area code 099 does not exist: possible length, not a valid number.
    let r = phone("+1 099 555 0100");
    assert!(r.possible && !r.valid, "{r:?}");
    assert_eq!(r.findings[0].reason, Reason::CustomerPhoneUnverified);
}

#[test]
fn mexico_legacy_mobile_one_is_dropped_and_kept_as_wa_id() {
    let r = phone("+52 55 1234 5678");
    valid(&r, "+525512345678", "MX");
    assert_eq!(r.wa_id_variants, vec!["525512345678", "5215512345678"]);
    // Pre-2019 mobile format with the 1 after the calling code: same number today.
    let legacy = phone("+52 1 55 1234 5678");
    valid(&legacy, "+525512345678", "MX");
    assert!(legacy.wa_id_variants.contains(&"5215512345678".to_string()));
    // The seed case: no calling code, country MX → suggestion, blocker.
    let r = with("5512345678", Some("MX"), None);
    assert_eq!(r.suggested.as_deref(), Some("+525512345678"));
    assert_eq!(r.findings[0].reason, Reason::CustomerIsMissingCallingCode);
    assert_eq!(r.e164, None);
}

#[test]
fn argentina_mobile_nine_and_local_fifteen() {
    // Buenos Aires mobile dialled nationally: 011 15 2345-6789 is +54 9 11 2345-6789.
    let r = with("011 15 2345-6789", None, Some("54"));
    mobile(&r, "+5491123456789", "AR");
    assert_eq!(r.wa_id_variants, vec!["5491123456789", "541123456789"]);
    let r = phone("+54 9 11 2345 6789");
    mobile(&r, "+5491123456789", "AR");
}

#[test]
fn brazil_ninth_digit() {
    let r = phone("+55 11 98765-4321");
    mobile(&r, "+5511987654321", "BR");
    assert_eq!(r.wa_id_variants, vec!["5511987654321", "551187654321"]);
    // The 8-digit wa_id form maps back to the 9-digit number.
    assert_eq!(
        wa_id_variants_of("+556187654321"),
        vec!["556187654321", "5561987654321"]
    );
}

#[test]
fn separators_prefixes_extensions_and_letters() {
    let expect = "+16502530000";
    for typed in [
        "+1 650 253 0000",
        "+1-650-253-0000",
        "+1.650.253.0000",
        "+1 (650) 253-0000",
        "001 650 253 0000",
        "+1 650 253 0000 ext. 123",
        "+1 650 253 0000 x123",
        "tel: +1 650 253 0000",
        "Phone: +1 (650) 253-0000 (office)",
        "＋１ ６５０ ２５３ ００００",
    ] {
        let r = phone(typed);
        assert_eq!(r.e164.as_deref(), Some(expect), "{typed}: {r:?}");
        assert!(r.valid, "{typed}");
    }
    for typed in ["650.253.0000", "(650) 253-0000", "650-253-0000"] {
        let r = with(typed, Some("US"), Some("1"));
        assert_eq!(r.e164.as_deref(), Some(expect), "{typed}: {r:?}");
    }
    // 00 prefix from Europe to the UAE.
    valid(&phone("00971 50 123 4567"), "+971501234567", "AE");
}

#[test]
fn impossible_and_missing_numbers_block() {
    for typed in ["+44 7400 12", "+52 55 1234", "+49 1"] {
        let r = phone(typed);
        assert!(!r.possible, "{typed}: {r:?}");
        assert_eq!(r.e164, None);
        assert_eq!(
            r.findings[0].reason,
            Reason::CustomerPhoneInvalid,
            "{typed}"
        );
        assert!(PhoneReport::is_blocking(r.findings[0].reason));
    }
    for typed in ["", "call me", "n/a", "+", "-"] {
        let r = phone(typed);
        assert_eq!(
            r.findings[0].reason,
            Reason::CustomerIsMissingPhone,
            "{typed}"
        );
    }
    // Unknown calling code 999.
    assert_eq!(
        phone("+999 123 4567").findings[0].reason,
        Reason::CustomerPhoneInvalid
    );
    // No calling code and no country: blocker without suggestion.
    let r = phone("07400 123456");
    assert_eq!(r.findings[0].reason, Reason::CustomerIsMissingCallingCode);
    assert_eq!(r.suggested, None);
}

#[test]
fn country_hint_suggestions() {
    for (typed, country, suggested) in [
        ("07400 123456", "GB", "+447400123456"),
        ("0151 23456789", "de", "+4915123456789"),
        ("050 123 4567", "AE", "+971501234567"),
        ("98765 43210", "IN", "+919876543210"),
        ("(11) 98765-4321", "BR", "+5511987654321"),
    ] {
        let r = with(typed, Some(country), None);
        assert_eq!(r.suggested.as_deref(), Some(suggested), "{typed} {country}");
        assert_eq!(r.findings[0].reason, Reason::CustomerIsMissingCallingCode);
    }
}

#[test]
fn calling_code_conflict_warns() {
    let r = with("+971 50 123 4567", None, Some("+44"));
    assert_eq!(r.e164.as_deref(), Some("+971501234567"));
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].reason, Reason::CallingCodeConflict);
    assert!(!PhoneReport::is_blocking(r.findings[0].reason));
}

#[test]
fn odd_input_never_panics() {
    let long_digits = "9".repeat(100_000);
    let long_plus = format!("+{}", "1".repeat(5000));
    let inputs = [
        long_digits.as_str(),
        long_plus.as_str(),
        "+0000000000",
        "00000",
        "+1",
        "+12",
        "\u{0}\u{1}+44",
        "٠٥٠١٢٣٤٥٦٧",
        "+۹۷۱۵۰۱۲۳۴۵۶۷",
        "१२३४५६७८९०",
        "+44 (0) 7400 123456",
        "+5215512345678",
        "+549115123456789",
        // Text, extensions, letters and spreadsheet shapes of every kind, cut anywhere.
        "++",
        "+ ",
        "x",
        "#",
        "ext 123",
        "'",
        "''+",
        "tel:",
        "tel:;ext=",
        "9E+",
        "9.E+11",
        "E+11",
        "1.5e+3",
        "😀😀😀",
        "\u{200f}\u{202c}",
        "١",
        "12 x 34 x 56 x 78",
        "/x/x/x/x 12",
        "650 253 0000 ;;;;; 1",
        "ДОБ 12",
        "ｅｘｔ１２",
        "+1 800 FLOWERS ext. 12",
        "Phone: (call) +7 800 555 35 35 доб. 9 (office)",
    ];
    for p in inputs {
        for cc in [None, Some("1"), Some("52"), Some("xx"), Some("+999")] {
            for country in [None, Some("MX"), Some("ZZ"), Some("")] {
                let _ = with(p, country, cc);
            }
        }
    }
}

/// Issue 17's cases: numbers as people type them, read as libphonenumber reads them.
#[test]
fn russia_and_kazakhstan_share_plus_seven() {
    // The national prefix 8 of RU is not stripped from 800: 005 553 535 is no Russian number.
    valid(&phone("+7 800 555 35 35"), "+78005553535", "RU");
    let r = with("8 (800) 555 35 35", Some("RU"), None);
    assert_eq!(r.suggested.as_deref(), Some("+78005553535"), "{r:?}");
    assert_eq!(r.findings[0].reason, Reason::CustomerIsMissingCallingCode);
    let r = with("8 (800) 555 35 35", None, Some("7"));
    valid(&r, "+78005553535", "RU");
    // A Russian mobile dialled nationally, and Kazakhstan on the same +7.
    valid(
        &with("8 912 345-67-89", None, Some("7")),
        "+79123456789",
        "RU",
    );
    valid(&phone("+7 701 234 5678"), "+77012345678", "KZ");
}

#[test]
fn the_contact_countrys_international_prefix_carries_the_calling_code() {
    // SPEC: a number that starts with the international prefix of the contact's country.
    for (typed, country, e164, region) in [
        ("0011 61 2 9876 5432", "AU", "+61298765432", "AU"),
        ("011 52 55 1234 5678", "US", "+525512345678", "MX"),
        ("010 44 7400 123456", "JP", "+447400123456", "GB"),
        ("8~10 44 7400 123456", "RU", "+447400123456", "GB"),
        ("81044 7400 123456", "RU", "+447400123456", "GB"),
        ("0011-650-253-0000", "SG", "+16502530000", "US"),
        ("011 800 1234 5678", "US", "+80012345678", ""),
    ] {
        let r = with(typed, Some(country), None);
        assert_eq!(r.e164.as_deref(), Some(e164), "{typed} {country}: {r:?}");
        assert!(r.valid && r.findings.is_empty(), "{typed}: {r:?}");
        assert_eq!(r.region.as_deref().unwrap_or(""), region, "{typed}");
        assert_eq!(
            r.assumed,
            Some(sendgate::phone::Assumed::InternationalPrefix)
        );
    }
    // `00` stays international everywhere (SPEC), also right after a `+`.
    valid(
        &with("00 61 2 9876 5432", Some("US"), None),
        "+61298765432",
        "AU",
    );
    valid(
        &with("+0064 3 331 6005", Some("NZ"), None),
        "+6433316005",
        "NZ",
    );
    valid(
        &with("+01164 3 331 6005", Some("US"), None),
        "+6433316005",
        "NZ",
    );
}

#[test]
fn non_geographic_calling_codes_are_known() {
    // +800 (international freephone), +882 and +883 (global networks) each have their own
    // numbering; before, only one of the metadata's non-geographic entities was read.
    let r = phone("+800 1234 5678");
    assert_eq!(r.e164.as_deref(), Some("+80012345678"), "{r:?}");
    assert!(r.valid, "{r:?}");
    assert_eq!(r.number_type, Some("toll_free"));
    for typed in ["+882 1363 2009", "+870 7734 0000 1"] {
        let r = phone(typed);
        assert!(r.e164.is_some(), "{typed}: {r:?}");
    }
}

/// The warnings about how a number was typed, with their message.
fn warning(r: &PhoneReport, reason: Reason) -> &str {
    let f = r
        .findings
        .iter()
        .find(|f| f.reason == reason)
        .unwrap_or_else(|| panic!("no {reason:?} in {r:?}"));
    assert!(!PhoneReport::is_blocking(reason));
    &f.message
}

#[test]
fn text_around_the_number_is_left_out_and_named() {
    let r = phone("Phone: +7 (800) 555-35-35.");
    assert_eq!(r.e164.as_deref(), Some("+78005553535"));
    let m = warning(&r, Reason::CustomerPhoneTextIgnored);
    assert!(m.contains("`Phone:`") && m.contains("+78005553535"), "{m}");
    let r = with("88005553535 x123", Some("RU"), None);
    assert_eq!(r.suggested.as_deref(), Some("+78005553535"), "{r:?}");
    assert!(warning(&r, Reason::CustomerPhoneTextIgnored).contains("`x123`"));
    let r = phone("+52 55 1234 5678 (cel)");
    valid_with_warning(&r, "+525512345678");
    assert!(warning(&r, Reason::CustomerPhoneTextIgnored).contains("`cel`"));
    // Punctuation around a number, an apostrophe from a spreadsheet and `tel:` are no text.
    for typed in [
        "(+52) 55 1234 5678",
        "'+52 55 1234 5678",
        "tel:+525512345678",
        "+52 55 1234 5678.",
    ] {
        let r = phone(typed);
        valid(&r, "+525512345678", "MX");
    }
    // Not a number at all, even with digits in it.
    for typed in ["12 MICROSOFT", "1 Still not a number", "+*******91"] {
        assert_eq!(
            phone(typed).findings[0].reason,
            Reason::CustomerPhoneInvalid,
            "{typed}"
        );
    }
}

#[track_caller]
fn valid_with_warning(r: &PhoneReport, e164: &str) {
    assert_eq!(r.e164.as_deref(), Some(e164), "{r:?}");
    assert!(r.valid, "{r:?}");
    assert!(
        r.findings
            .iter()
            .all(|f| !PhoneReport::is_blocking(f.reason)),
        "{r:?}"
    );
}

#[test]
fn vanity_letters_are_read_as_keypad_digits() {
    let r = with("1-800-FLOWERS", None, Some("1"));
    valid_with_warning(&r, "+18003569377");
    let m = warning(&r, Reason::CustomerPhoneVanityLetters);
    assert!(m.contains("FLOWERS") && m.contains("+18003569377"), "{m}");
    let r = with("0800 DDA 005", Some("NZ"), None);
    assert_eq!(r.suggested.as_deref(), Some("+64800332005"), "{r:?}");
    warning(&r, Reason::CustomerPhoneVanityLetters);
    // Too long with its letters: no valid number, as libphonenumber says.
    let r = with("1800 SIX FLAGS", Some("US"), None);
    assert!(!r.valid && r.e164.is_none(), "{r:?}");
}

#[test]
fn spreadsheet_mangled_numbers_block_with_the_way_out() {
    for typed in ["9.19747E+11", "9,19747E+11", "919747000000"] {
        let r = with(typed, Some("US"), None);
        assert_eq!(r.findings.len(), 1, "{typed}: {r:?}");
        let f = &r.findings[0];
        assert_eq!(f.reason, Reason::CustomerPhoneMangled, "{typed}");
        assert!(PhoneReport::is_blocking(f.reason));
        assert!(f.message.contains("lost"), "{}", f.message);
        assert!(
            f.resolution.iter().any(|s| s.contains("Export")),
            "{:?}",
            f.resolution
        );
        assert_eq!(r.e164, None);
        assert_eq!(r.suggested, None);
    }
    // Numbers that end in zeros but kept their digits are numbers.
    valid(&phone("+16502530000"), "+16502530000", "US");
    valid(&phone("+82 10 2000 0000"), "+821020000000", "KR");
}
