//! Native micro-benchmark of the core (`cargo bench --bench phone`): cold first analysis, warm
//! per-call time on a mixed corpus, `checkSend` and `classifyFailure` through the JSON API. No
//! framework: median of several timed rounds, so regressions show without a browser or Wasm.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sendgate::api;
use sendgate::phone::{analyze, PhoneInput};

fn input(phone: &str, country: Option<&str>, calling: Option<&str>) -> PhoneInput {
    PhoneInput {
        phone: Some(phone.into()),
        phone_country_code: country.map(Into::into),
        phone_calling_code: calling.map(Into::into),
    }
}

/// A small fixed mix in the shapes people type: most contacts in a handful of countries.
fn corpus() -> Vec<PhoneInput> {
    let mut out = Vec::new();
    let common = [
        ("+52 55 1234 5678", None, None),
        ("+52 1 55 1234 5678", None, None),
        ("0044 7911 123456", None, None),
        ("07911 123456", Some("GB"), Some("44")),
        ("(650) 253-0000", Some("US"), Some("1")),
        ("+1 416-555-0123", None, None),
        ("+55 11 98765-4321", None, None),
        ("+54 9 11 2345-6789", None, None),
        ("011 15 2345-6789", Some("AR"), Some("54")),
        ("+91 98765 43210", None, None),
        ("+62 812-3456-789", None, None),
        ("030 123456", Some("DE"), Some("+49")),
        ("+49 1512 3456789", None, None),
        ("+971 50 123 4567", None, None),
        ("+33 6 12 34 56 78", None, None),
        ("+39 06 6982 1234", None, None),
        ("5512345678", Some("MX"), None),
        ("call me", None, None),
        ("+44 79", None, None),
    ];
    for _ in 0..5 {
        for (p, c, k) in common {
            out.push(input(p, c, k));
        }
    }
    let tail = [
        "+81 90-1234-5678",
        "+86 131 2345 6789",
        "+7 912 345-67-89",
        "+234 802 123 4567",
        "+27 71 123 4567",
        "+61 412 345 678",
        "+34 612 34 56 78",
        "+90 501 234 56 78",
        "+63 905 123 4567",
        "+84 91 234 56 78",
        "+20 100 123 4567",
        "+966 50 123 4567",
        "+92 301 2345678",
        "+880 1812-345678",
        "+31 6 12345678",
        "+48 512 345 678",
        "+353 85 012 3456",
        "+41 78 123 45 67",
        "+1 876 555 1234",
        "+800 1234 5678",
    ];
    for p in tail {
        out.push(input(p, None, None));
    }
    out
}

/// Issue 19's corpus: every region's example mobile number, half typed nationally (as the
/// crate formats it) with the country as the hint, half in E.164.
fn examples() -> Vec<PhoneInput> {
    use phonenumber::metadata::DATABASE;
    use phonenumber::Mode;
    let mut regions: Vec<_> = DATABASE.iter().filter(|m| m.id().len() == 2).collect();
    regions.sort_by_key(|m| m.id());
    regions
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let example = m.descriptors().mobile()?.example()?;
            let number = phonenumber::parse(m.id().parse().ok(), example).ok()?;
            Some(if i % 2 == 0 {
                input(
                    &number.format().mode(Mode::National).to_string(),
                    Some(m.id()),
                    None,
                )
            } else {
                input(&number.format().mode(Mode::E164).to_string(), None, None)
            })
        })
        .collect()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let corpus = corpus();
    let examples = examples();
    // `--profile N`: N passes over the examples corpus, untimed, for `valgrind --tool=callgrind`
    // (instruction counts are stable on a shared machine, timings are not).
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--profile") {
        let passes: usize = args.get(at + 1).and_then(|n| n.parse().ok()).unwrap_or(10);
        for _ in 0..passes {
            for i in &examples {
                black_box(analyze(black_box(i)));
            }
        }
        return;
    }
    // `cargo test --all-targets` runs this binary without `--bench`: one smoke pass only.
    if !args.iter().any(|a| a == "--bench") {
        for i in corpus.iter().chain(&examples) {
            black_box(analyze(i));
        }
        return;
    }

    let t = Instant::now();
    black_box(analyze(&corpus[0]));
    let first = t.elapsed();

    // Warm every calling code of the corpus, then time whole passes.
    for i in &corpus {
        black_box(analyze(i));
    }
    // Median of 15 rounds of 20 passes over `inputs`, per call.
    let analyze_per_call = |inputs: &[PhoneInput]| {
        let rounds: Vec<Duration> = (0..15)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..20 {
                    for i in inputs {
                        black_box(analyze(black_box(i)));
                    }
                }
                t.elapsed() / (20 * inputs.len() as u32)
            })
            .collect();
        median(rounds)
    };
    let per_call = analyze_per_call(&corpus);
    let per_example = analyze_per_call(&examples);

    let request = r#"{"contact":{"phone":"+52 55 1234 5678","marketing_state":"SUBSCRIBED"},
        "source":"campaign","now":"2026-11-28T00:00:00Z","credits":{"balance":10},
        "message":{"type":"template","template":{"name":"promo","language":"es_MX",
        "category":"MARKETING","status":"APPROVED","quality":"GREEN",
        "body":"Hola {{1}}, tu pedido {{2}}"},"parameters":["Ana","123"]}}"#;
    black_box(api::check_send(request).ok());
    let rounds: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..500 {
                black_box(api::check_send(black_box(request)).ok());
            }
            t.elapsed() / 500
        })
        .collect();
    let check = median(rounds);

    // A Graph API error as the worker gets it back from Meta, then a bare code.
    let meta_error = r#"{"error":{"message":"(#131026) Message Undeliverable.","type":"OAuthException",
        "code":131026,"error_data":{"messaging_product":"whatsapp","details":"Message Undeliverable."},
        "fbtrace_id":"AbCdEf"}}"#;
    let time_per_call = |f: &dyn Fn()| {
        f();
        median(
            (0..15)
                .map(|_| {
                    let t = Instant::now();
                    for _ in 0..500 {
                        f();
                    }
                    t.elapsed() / 500
                })
                .collect(),
        )
    };
    let classify_error = time_per_call(&|| {
        black_box(api::classify_failure_json(black_box(meta_error)));
    });
    let classify_code = time_per_call(&|| {
        black_box(api::classify_failure_text(black_box("132015")));
    });

    println!("phone core (native, median of 15 rounds)");
    println!("  first analyze (cold, +52)             {first:>10.1?}");
    println!(
        "  analyze per call, mixed corpus ({:>3})  {per_call:>10.1?}",
        corpus.len()
    );
    println!(
        "  analyze per call, examples, half national + hint ({:>3}) {per_example:>10.1?}",
        examples.len()
    );
    println!("  api::check_send per call               {check:>10.1?}");
    println!("  api::classify_failure_json, Meta error {classify_error:>10.1?}");
    println!("  api::classify_failure_text, a code     {classify_code:>10.1?}");
}
