#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

// metaRequest and checkSend read the same request: a body exists exactly for an eligible
// verdict, and it goes where the verdict says, to whom the verdict says.
fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    let meta = sendgate::api::meta_request(&input);
    let verdict = sendgate::api::check_send(&input);
    match (meta, verdict) {
        (Ok(meta), Ok(verdict)) => {
            let verdict = common::to_json(&verdict);
            common::assert_verdict(&verdict);
            match meta {
                None => assert_eq!(verdict["eligible"], false, "no request for an eligible send"),
                Some(meta) => {
                    let meta = common::to_json(&meta);
                    assert_eq!(verdict["eligible"], true, "a request for a blocked send: {meta}");
                    assert_eq!(meta["endpoint"], verdict["endpoint"]);
                    let body = &meta["body"];
                    assert_eq!(body["messaging_product"], "whatsapp");
                    let to = body.get("to").or_else(|| body.get("recipient"));
                    assert_eq!(to, Some(&verdict["recipient"]["id"]), "{meta}");
                    let data = body.get("biz_opaque_callback_data").and_then(|d| d.as_str());
                    assert!(data.is_none_or(|d| d.chars().count() <= 512));
                }
            }
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "both refuse the same input the same way"),
        (a, b) => panic!("metaRequest and checkSend disagree on the input: {a:?} / {b:?}"),
    }
});
