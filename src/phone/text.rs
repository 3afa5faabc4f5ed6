//! What was typed, read as libphonenumber reads it before any metadata is involved
//! (`extractPossibleNumber`, `isViablePhoneNumber`, `maybeStripExtension`, `normalize`): the
//! number inside the text, its extension, its letters, and what was left out, so a warning can
//! name it. Plus what libphonenumber cannot know: a number that a spreadsheet rewrote.
//!
//! Deliberate leniencies (libphonenumber refuses these as NOT_A_NUMBER): any whitespace and the
//! bidi and zero-width marks that right-to-left interfaces paste count as separators, and more
//! Unicode digit blocks are read.

/// One reading of a phone field.
#[derive(Debug, PartialEq)]
pub enum Read<'a> {
    /// Not a single digit.
    NoDigits,
    /// A spreadsheet turned the number into a rounded floating-point value.
    Mangled(Mangled),
    /// Digits, but not in the shape of a phone number (libphonenumber's NOT_A_NUMBER).
    NotANumber,
    Number(Typed<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mangled {
    /// `9.19747E+11`: scientific notation with a handful of significant digits.
    Scientific,
    /// `919747000000`: a long digit string whose tail a spreadsheet rounded to zeros.
    Rounded,
}

/// The number found in the text.
#[derive(Debug, PartialEq)]
pub struct Typed<'a> {
    /// A plus sign led the number.
    pub plus: bool,
    /// Its digits as ASCII, letters dropped.
    pub digits: String,
    /// Its digits with the letters read as keypad digits, when it has three or more letters
    /// (libphonenumber's rule for a vanity number such as `1800 SIX FLAGS`).
    pub vanity: Option<String>,
    /// Its words (runs of letters), as typed.
    pub words: Vec<&'a str>,
    /// What around the number was left out.
    pub ignored: Vec<Ignored<'a>>,
}

/// A part of the field that is not the number, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored<'a> {
    Before(&'a str),
    After(&'a str),
    /// An extension, with its marker (`x123`, `ext. 12`).
    Extension(&'a str),
}

/// Read a phone field.
pub fn read(field: &str) -> Read<'_> {
    // A leading apostrophe is a spreadsheet's "this is text" marker (Shopify exports write
    // `'+52…`), not part of what the customer typed.
    let trimmed = field.trim();
    let text = trimmed.trim_start_matches('\'').trim();
    let quoted = text.len() < trimmed.len();
    if let Some(read) = plain(text, quoted) {
        return read;
    }
    if !text.chars().any(|c| decimal_digit(c).is_some()) {
        return Read::NoDigits;
    }
    if is_scientific(text) {
        return Read::Mangled(Mangled::Scientific);
    }
    let mut ignored = Vec::new();
    // `tel:` says what follows is a phone number; it is not text to warn about.
    let text = match text.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => &text[4..],
        _ => text,
    };
    // libphonenumber's extractPossibleNumber: from the first `+` or digit…
    let start = text
        .char_indices()
        .find(|&(_, c)| is_plus(c) || decimal_digit(c).is_some())
        .map_or(0, |(i, _)| i);
    note(&mut ignored, Ignored::Before(&text[..start]));
    let mut number = &text[start..];
    // …to the last letter, digit or `#`…
    let end = number
        .char_indices()
        .rev()
        .find(|&(_, c)| decimal_digit(c).is_some() || is_letter(c) || c == '#')
        .map_or(0, |(i, c)| i + c.len_utf8());
    let after = &number[end..];
    number = &number[..end];
    // …and not into a second number (`… x302/x2303`).
    let mut after_start = number.len();
    if let Some(second) = second_number_start(number) {
        after_start = second;
    }
    let after_second = &number[after_start..];
    number = &number[..after_start];
    if !after_second.is_empty() {
        // Both pieces are what came after the number, in the order typed.
        let whole = &text[start + after_start..];
        note(&mut ignored, Ignored::After(whole));
    } else {
        note(&mut ignored, Ignored::After(after));
    }
    if let Some(at) = extension_start(number).filter(|&at| viable(&number[..at])) {
        ignored.push(Ignored::Extension(number[at..].trim()));
        number = &number[..at];
    } else if !viable(number) {
        return Read::NotANumber;
    }
    let body = number.trim_start_matches(is_plus);
    let plus = body.len() < number.len();
    let mut digits = String::with_capacity(body.len());
    let mut keypad = String::new();
    let mut words = Vec::new();
    let mut letters = 0;
    let mut word_start = None;
    for (i, c) in body.char_indices() {
        if is_letter(c) {
            if c.is_ascii_alphabetic() {
                letters += 1;
                keypad.push(keypad_digit(c));
            }
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(w) = word_start.take() {
            words.push(&body[w..i]);
        }
        if let Some(d) = decimal_digit(c) {
            digits.push(d);
            keypad.push(d);
        }
    }
    if let Some(w) = word_start {
        words.push(&body[w..]);
    }
    // A lone `x` is libphonenumber's carrier-code placeholder (`(0xx) 11…`), not a word.
    words.retain(|w| !w.bytes().all(|b| b.eq_ignore_ascii_case(&b'x')));
    Read::Number(Typed {
        plus,
        digits,
        vanity: (letters >= 3).then_some(keypad),
        words,
        ignored,
    })
}

/// The fast path for what nearly every field holds: digits, a leading `+`, ASCII separators.
/// `None` sends anything else through the full reading (same answers, tested). `quoted`: the
/// field had a spreadsheet's text apostrophe.
fn plain(text: &str, quoted: bool) -> Option<Read<'_>> {
    let bytes = text.as_bytes();
    let mut digits = String::with_capacity(bytes.len());
    let mut plus = false;
    let mut separators = false;
    for &b in bytes {
        match b {
            b'0'..=b'9' => digits.push(b as char),
            b'+' if digits.is_empty() => plus = true,
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => separators = true,
            _ => return None,
        }
    }
    if digits.is_empty() {
        return None;
    }
    // Viable: three digits or more, or exactly two digits alone (libphonenumber's rule).
    if digits.len() < 3 && (digits.len() < 2 || plus || separators) {
        return Some(Read::NotANumber);
    }
    if !separators && !plus && !quoted && is_rounded(&digits) {
        return Some(Read::Mangled(Mangled::Rounded));
    }
    Some(Read::Number(Typed {
        plus,
        digits,
        vanity: None,
        words: Vec::new(),
        ignored: Vec::new(),
    }))
}

/// Keep a left-out piece, as typed, unless it is only separators and punctuation.
fn note<'a>(ignored: &mut Vec<Ignored<'a>>, piece: Ignored<'a>) {
    let (Ignored::Before(t) | Ignored::After(t) | Ignored::Extension(t)) = piece;
    if t.chars()
        .all(|c| is_separator(c) || c.is_ascii_punctuation())
    {
        return;
    }
    let t = t.trim();
    ignored.push(match piece {
        Ignored::Before(_) => Ignored::Before(t),
        Ignored::After(_) => Ignored::After(t),
        Ignored::Extension(_) => Ignored::Extension(t),
    });
}

/// Twelve bare digits or more of which at most the first six are not zeros: what a spreadsheet
/// leaves of a long number it displayed as `9.19747E+11` (six significant digits) and then
/// saved as a plain number (it drops a leading `+` too). Real numbers seldom end in six zeros
/// after so few digits; a `+` or separators mean the value was kept as typed text.
fn is_rounded(digits: &str) -> bool {
    digits.len() >= 12 && digits.trim_end_matches('0').len() <= 6
}

/// `9.19747E+11`, `9,19747E+11`, `9E+11`: a spreadsheet's scientific notation.
fn is_scientific(text: &str) -> bool {
    let t = text.strip_prefix('+').unwrap_or(text);
    let Some((mantissa, exponent)) = t.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole)
        && all_digits(fraction)
        && all_digits(exponent)
        && exponent.len() <= 2
        && whole.len() == 1
}

fn is_plus(c: char) -> bool {
    c == '+' || c == '＋'
}

/// libphonenumber's VALID_PUNCTUATION (its `x` is a carrier-code placeholder), plus any
/// whitespace and the invisible format marks (bidi, zero-width) that right-to-left
/// interfaces and copy-paste leave in a field.
fn is_separator(c: char) -> bool {
    matches!(c,
        '-' | 'x' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF0D}'..='\u{FF0F}'
        | '\u{00AD}' | '(' | ')' | '\u{FF08}' | '\u{FF09}' | '\u{FF3B}' | '\u{FF3D}' | '.'
        | '[' | ']' | '/' | '~' | '\u{2053}' | '\u{223C}' | '\u{FF5E}'
        | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        || c.is_whitespace()
}

/// A letter of a word: ASCII, as libphonenumber has them, or any other character that is no
/// digit, separator or `+` (`móvil`, `手机`, an emoji), which libphonenumber refuses.
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (!c.is_ascii() && !is_plus(c) && !is_separator(c) && decimal_digit(c).is_none())
}

/// libphonenumber's isViablePhoneNumber without the extension (already cut): exactly two
/// digits, or pluses, then at least three digits among separators (and `*`), then letters may
/// follow.
fn viable(text: &str) -> bool {
    let mut count = 0;
    let mut only_digits = true;
    for c in text.trim_start_matches(is_plus).chars() {
        if decimal_digit(c).is_some() {
            count += 1;
        } else if is_separator(c) || c == '*' || (is_letter(c) && count >= 3) {
            only_digits = false;
        } else {
            return false;
        }
    }
    count >= 3 || (count == 2 && only_digits && !text.starts_with(is_plus))
}

/// libphonenumber's SECOND_NUMBER_START, `[\\/] *x`: where a second number begins.
fn second_number_start(number: &str) -> Option<usize> {
    number.match_indices(['\\', '/']).find_map(|(i, _)| {
        number[i + 1..]
            .trim_start_matches(' ')
            .starts_with('x')
            .then_some(i)
    })
}

/// Labels of an extension, lower case, longest first within each group, with the most digits
/// libphonenumber accepts after each (its EXTN_PATTERNS_FOR_PARSING).
const EXPLICIT_LABELS: [&str; 22] = [
    "extensio\u{301}n",
    "xtensio\u{301}n",
    "extensio\u{301}",
    "extensión",
    "extension",
    "xtensio\u{301}",
    "xtensión",
    "xtension",
    "extensió",
    "extensio",
    "xtensió",
    "xtensio",
    "anexo",
    "extn",
    "ｅｘｔｎ",
    "ext",
    "xtn",
    "доб",
    "ｅｘｔ",
    "ｘｔｎ",
    "xt",
    "ｘｔ",
];
const AMBIGUOUS_LABELS: [&str; 8] = ["int", "ｉｎｔ", "x", "ｘ", "#", "＃", "~", "～"];

/// Where an extension at the end of `number` begins (libphonenumber's EXTN_PATTERN, case
/// insensitive, anchored at the end), if there is one.
fn extension_start(number: &str) -> Option<usize> {
    let hashed = number.strip_suffix('#');
    let body = hashed.unwrap_or(number);
    let digits_at = body
        .char_indices()
        .rev()
        .take_while(|&(_, c)| decimal_digit(c).is_some())
        .last()
        .map(|(i, _)| i)?;
    let count = body[digits_at..].chars().count();
    let before = &body[..digits_at];
    let trailing_separators =
        |s: &str, extra: char| s.trim_end_matches([' ', '\u{A0}', '\t', '-', extra]).len();
    // American style: `- 503#` (the hash is required).
    let spaced = before.trim_end_matches([' ', '-']);
    if hashed.is_some() && spaced.len() < before.len() && count <= 6 {
        return Some(spaced.len());
    }
    // `,,123` or `;123` (auto-dialling) and `,123`.
    let label_end = trailing_separators(before, ',');
    let run = &before[label_end..];
    if let Some(first_comma) = run.find(',') {
        let limit = if run.contains(",,") { 15 } else { 9 };
        return (count <= limit).then_some(label_end + first_comma);
    }
    if before.ends_with(";ext=") {
        return (count <= 20).then(|| before.len() - ";ext=".len());
    }
    let mut label_end = label_end;
    if let Some(c) = before[..label_end].chars().next_back() {
        if matches!(c, ':' | '.' | '．') {
            label_end -= c.len_utf8();
        }
    }
    let head = &before[..label_end];
    let labelled = |labels: &[&str], limit: usize| {
        labels
            .iter()
            .find_map(|label| ends_with_caseless(head, label))
            .filter(|_| count <= limit)
    };
    let at = labelled(&EXPLICIT_LABELS, 20)
        .or_else(|| labelled(&AMBIGUOUS_LABELS, 9))
        .or_else(|| labelled(&[";"], 15))?;
    Some(
        head[..at]
            .trim_end_matches([' ', '\u{A0}', '\t', ','])
            .len(),
    )
}

/// Where `label` (lower case) ends `text`, compared case-insensitively.
fn ends_with_caseless(text: &str, label: &str) -> Option<usize> {
    let mut rest = text;
    for l in label.chars().rev() {
        let c = rest.chars().next_back()?;
        if lower(c) != l {
            return None;
        }
        rest = &rest[..rest.len() - c.len_utf8()];
    }
    Some(rest.len())
}

/// Lower case for the letters of the extension labels (ASCII, full-width Latin, Cyrillic,
/// `Ó`); Unicode's full case tables would weigh more in the module than all of this file.
fn lower(c: char) -> char {
    match c {
        // Each of these blocks has its lower case 0x20 further on.
        'A'..='Z' | '\u{FF21}'..='\u{FF3A}' | '\u{0410}'..='\u{042F}' | '\u{00D3}' => {
            char::from_u32(c as u32 + 0x20).unwrap_or(c)
        }
        _ => c,
    }
}

/// The digit a letter stands for on a phone keypad.
fn keypad_digit(c: char) -> char {
    match c.to_ascii_uppercase() {
        'A'..='C' => '2',
        'D'..='F' => '3',
        'G'..='I' => '4',
        'J'..='L' => '5',
        'M'..='O' => '6',
        'P'..='S' => '7',
        'T'..='V' => '8',
        _ => '9',
    }
}

/// ASCII digit for a Unicode decimal digit of the blocks people type phone numbers in.
pub fn decimal_digit(ch: char) -> Option<char> {
    if ch.is_ascii_digit() {
        return Some(ch);
    }
    // The zero of each block: full-width, Arabic-Indic, Extended Arabic-Indic, NKo, Devanagari,
    // Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Thai, Lao,
    // Tibetan, Myanmar, Khmer, Mongolian.
    const ZEROS: [u32; 19] = [
        0xFF10, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
        0x0CE6, 0x0D66, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810,
    ];
    let c = ch as u32;
    ZEROS
        .iter()
        .find(|&&zero| c >= zero && c < zero + 10)
        .and_then(|&zero| char::from_digit(c - zero, 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(field: &str) -> Typed<'_> {
        match read(field) {
            Read::Number(t) => t,
            other => panic!("{field:?}: {other:?}"),
        }
    }

    #[test]
    fn separators_plus_and_unicode_digits() {
        let t = number("+52 (55) 1234-5678");
        assert!(t.plus);
        assert_eq!(t.digits, "525512345678");
        assert!(t.ignored.is_empty());
        assert_eq!(number("＋５２ ５５１２３４５６７８").digits, "525512345678");
        assert_eq!(number("\u{200f}+971 50 123 4567").digits, "971501234567");
        assert_eq!(number("+١٢١٢٢٣٢٣٢٣٢").digits, "12122323232");
        assert_eq!(number("+4915784846111\u{202c}").digits, "4915784846111");
        assert_eq!(number("'+52 55 1234 5678").digits, "525512345678");
    }

    #[test]
    fn text_around_the_number_is_named() {
        let t = number("Phone: +7 (800) 555-35-35.");
        assert_eq!(t.digits, "78005553535");
        assert_eq!(t.ignored, vec![Ignored::Before("Phone:")]);
        let t = number("tel:+1-650-253-0000");
        assert!(t.ignored.is_empty());
        let t = number("(530) 583-6985 x302/x2303");
        assert_eq!(t.digits, "5305836985");
        assert_eq!(
            t.ignored,
            vec![Ignored::After("/x2303"), Ignored::Extension("x302")]
        );
    }

    #[test]
    fn extensions_as_libphonenumber_reads_them() {
        for (field, ext) in [
            ("88005553535 x123", "x123"),
            ("+1 650 253 0000 ext. 123", "ext. 123"),
            ("+1 650 253 0000 EXT 9", "EXT 9"),
            ("+44 20 7946 0958 X 5", "X 5"),
            ("tel:+1-650-253-0000;ext=1", ";ext=1"),
            ("+12133734253 ext. 123", "ext. 123"),
            ("650 253 0000,,123", ",,123"),
            ("650 253 0000 - 503#", "- 503#"),
            ("+7 (800) 555-35-35 доб. 12", "доб. 12"),
            ("650 253 0000 extensión 7", "extensión 7"),
            ("650 253 0000 EXTENSIÓN 7", "EXTENSIÓN 7"),
            ("650 253 0000 ｅｘｔ 7", "ｅｘｔ 7"),
            ("+7 (800) 555-35-35 ДОБ. 12", "ДОБ. 12"),
        ] {
            let t = number(field);
            assert_eq!(t.ignored, vec![Ignored::Extension(ext)], "{field}");
        }
        // Not extensions: the AR carrier placeholder, and too many digits after a bare `x`.
        assert!(number("(0xx) 1187654321").ignored.is_empty());
        assert_eq!(number("(0xx) 1187654321").digits, "01187654321");
        assert_eq!(number("650 x 2530000123").digits, "6502530000123");
    }

    #[test]
    fn letters_words_and_vanity() {
        let t = number("1800 SIX FLAGS");
        assert_eq!(t.digits, "1800");
        assert_eq!(t.vanity.as_deref(), Some("180074935247"));
        assert_eq!(t.words, vec!["SIX", "FLAGS"]);
        let t = number("0900 332 600a5");
        assert_eq!(t.digits, "09003326005");
        assert_eq!(t.vanity, None);
        assert_eq!(t.words, vec!["a"]);
        assert_eq!(number("+52 55 1234 5678 (cell)").words, vec!["cell"]);
        assert_eq!(number("+52 55 1234 5678 móvil").words, vec!["móvil"]);
        assert_eq!(number("+86 131 2345 6789 手机").words, vec!["手机"]);
        assert_eq!(number("+86 131 2345 6789 手机").digits, "8613123456789");
    }

    #[test]
    fn what_is_not_a_number() {
        for field in [
            "This is not a phone number",
            "1 Still not a number",
            "12 MICROSOFT",
            "+***",
            "+*******91",
            "1+1+1",
            "+12",
            "1-2",
            "1110@gmail.com",
        ] {
            assert!(
                matches!(read(field), Read::NotANumber | Read::NoDigits),
                "{field}: {:?}",
                read(field)
            );
        }
        assert_eq!(read("call me"), Read::NoDigits);
        assert!(matches!(read("12"), Read::Number(_)));
    }

    #[test]
    fn spreadsheet_damage() {
        for field in [
            "9.19747E+11",
            "9,19747E+11",
            "'9.19747E+11",
            "+9.19747e+11",
            "7E+12",
        ] {
            assert_eq!(read(field), Read::Mangled(Mangled::Scientific), "{field}");
        }
        for field in ["919747000000", "919740000000", "8210200000000"] {
            assert_eq!(read(field), Read::Mangled(Mangled::Rounded), "{field}");
        }
        // Real numbers that end in zeros, and typed text (`+`, separators, a spreadsheet's
        // text apostrophe), are numbers.
        for field in [
            "+16502530000",
            "+821020000000",
            "'821020000000",
            "+44 2000 000000",
            "+1 650 253 0000",
            "919747100000",
        ] {
            assert!(matches!(read(field), Read::Number(_)), "{field}");
        }
    }

    /// The fast path must read exactly what the full reading reads.
    #[test]
    fn plain_fields_read_the_same_through_the_full_path() {
        let samples = [
            "+52 (55) 1234-5678",
            "12",
            "1-2",
            "+12",
            "(650) 253-0000",
            "00971 50 123 4567",
            "919747000000",
            "++1 650 253 0000",
            "301/23456",
            "1.2.3",
        ];
        for s in samples {
            let fast = plain(s, false).expect(s);
            // Force the full path by appending a character the fast path refuses and the full
            // path strips as trailing punctuation.
            let forced = format!("{s}!");
            let slow = read(&forced);
            let same = match (&fast, &slow) {
                (Read::Number(a), Read::Number(b)) => a.plus == b.plus && a.digits == b.digits,
                (Read::Mangled(_), Read::Number(_)) => true, // rounding is judged on bare digits
                (a, b) => a == b,
            };
            assert!(same, "{s}: {fast:?} vs {slow:?}");
        }
    }
}
