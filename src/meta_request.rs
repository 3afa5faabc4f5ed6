//! `metaRequest`: the exact request Meta's Cloud API (or Marketing Messages API) takes for a
//! send the gate allows: which edge, and the JSON body (meta-cloud-api.md §3.2–3.3). It reads
//! the recipient and the endpoint from the verdict itself, so the two cannot disagree.

use serde::Serialize;

use crate::eligibility;
use crate::model::Part;
use crate::model::{Endpoint, Message, RecipientKind, SendRequest, Template};
use crate::templates;

/// The endpoint and body of one send, ready to POST to
/// `{graph}/{version}/{phone_number_id}/{endpoint}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MetaRequest {
    pub endpoint: Endpoint,
    pub body: MetaBody,
}

/// Meta's message body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct MetaBody {
    #[cfg_attr(test, ts(type = "\"whatsapp\""))]
    pub messaging_product: &'static str,
    #[cfg_attr(test, ts(type = "\"individual\""))]
    pub recipient_type: &'static str,
    /// The E.164 number, for a phone recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The business-scoped user ID (or parent BSUID), for a recipient without a usable phone.
    /// Meta's BSUID page: Messages API requests add `recipient`, which accepts a BSUID or a
    /// parent BSUID; when `to` and `recipient` are both present `to` wins, and Meta recommends
    /// the phone where known, so only one of them is ever sent
    /// (<https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids>,
    /// as BSP docs mirror it: <https://dualhook.com/docs/contacts-bsuid-api-changes>,
    /// <https://docs.kapso.ai/docs/whatsapp/business-scoped-user-ids>).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    #[serde(flatten)]
    pub content: Content,
    /// The request's `biz_opaque_callback_data`, echoed by Meta in status webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_opaque_callback_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text { text: TextBody },
    Template { template: TemplateBody },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TextBody {
    /// True when the text holds a link: Meta then renders a preview of the first one.
    pub preview_url: bool,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct TemplateBody {
    pub name: String,
    pub language: Language,
    /// Omitted when the template takes no parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(as = "Option<Vec<Component>>", optional))]
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Language {
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Component {
    #[serde(rename = "type")]
    pub part: Part,
    pub parameters: Vec<Parameter>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct Parameter {
    #[serde(rename = "type")]
    #[cfg_attr(test, ts(type = "\"text\""))]
    pub kind: &'static str,
    /// The placeholder's name, for a template with named placeholders (`{{first_name}}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_name: Option<String>,
    pub text: String,
}

/// Meta's request for `request`, or `None` when the gate blocks it. `request` must have
/// passed `eligibility::validate`.
pub fn meta_request(request: &SendRequest) -> Option<MetaRequest> {
    let verdict = eligibility::check_send(request);
    let endpoint = verdict.endpoint?;
    let recipient = verdict.recipient?;
    let (to, user_id) = match recipient.kind {
        RecipientKind::Phone => (Some(recipient.id), None),
        RecipientKind::UserId => (None, Some(recipient.id)),
    };
    let content = match &request.message {
        Message::Text { text } => Content::Text {
            text: TextBody {
                preview_url: text.contains("http://") || text.contains("https://"),
                body: text.clone(),
            },
        },
        Message::Template {
            template,
            parameters,
        } => Content::Template {
            template: TemplateBody {
                name: template.name.clone(),
                language: Language {
                    code: template.language.clone(),
                },
                components: components(template, parameters.as_deref().unwrap_or(&[])),
            },
        },
    };
    Some(MetaRequest {
        endpoint,
        body: MetaBody {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to,
            recipient: user_id,
            content,
            biz_opaque_callback_data: request.biz_opaque_callback_data.clone(),
        },
    })
}

/// Header and body parameters from the values in slot order: the header's slots take the
/// first values, the body the rest (without template text every value is the body's).
fn components(template: &Template, values: &[String]) -> Vec<Component> {
    let slots = templates::slots(template);
    let header = templates::header_slot_count(template).min(values.len());
    let parameter = |i: usize, text: &String| Parameter {
        kind: "text",
        parameter_name: slots
            .get(i)
            .filter(|s| !s.name.bytes().all(|b| b.is_ascii_digit()))
            .map(|s| s.name.clone()),
        text: text.clone(),
    };
    let mut out = Vec::new();
    for (part, range) in [
        (Part::Header, 0..header),
        (Part::Body, header..values.len()),
    ] {
        if !range.is_empty() {
            out.push(Component {
                part,
                parameters: range.map(|i| parameter(i, &values[i])).collect(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Bodies compared whole with Meta's documented request shapes (meta-cloud-api.md §3.2
    //! text, §3.3 template; the BSUID page for `recipient`).
    use super::*;
    use crate::error::from_json;
    use serde_json::{json, Value};

    fn request(value: Value) -> SendRequest {
        let r: SendRequest = from_json(&value.to_string()).unwrap();
        eligibility::validate(&r).unwrap();
        r
    }

    fn body_of(value: Value) -> (Value, Value) {
        let out = meta_request(&request(value)).expect("eligible");
        let json = serde_json::to_value(&out).unwrap();
        (json["endpoint"].clone(), json["body"].clone())
    }

    const NOW: &str = "2026-11-28T12:00:00Z";

    fn template_send(category: &str, contact: Value, parameters: Value) -> Value {
        json!({
            "contact": contact,
            "source": "automation",
            "now": NOW,
            "message": { "type": "template", "parameters": parameters, "template": {
                "name": "order_update", "language": "en_US", "category": category, "status": "APPROVED",
                "header": "Order {{1}} is on its way",
                "body": "Hi {{1}}, your order {{2}} has shipped. Track it: {{3}}" } },
            "biz_opaque_callback_data": "ws1:send-42",
        })
    }

    fn subscribed_phone() -> Value {
        json!({ "phone": "+44 7911 123456", "marketing_state": "SUBSCRIBED" })
    }

    #[test]
    fn a_template_with_header_and_body_parameters() {
        let (endpoint, body) = body_of(template_send(
            "UTILITY",
            subscribed_phone(),
            json!(["A-1042", "Jessica", "A-1042", "https://example.com/t/1"]),
        ));
        assert_eq!(endpoint, json!("messages"));
        assert_eq!(
            body,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "+447911123456",
                "type": "template",
                "template": {
                    "name": "order_update",
                    "language": { "code": "en_US" },
                    "components": [
                        { "type": "header", "parameters": [ { "type": "text", "text": "A-1042" } ] },
                        { "type": "body", "parameters": [
                            { "type": "text", "text": "Jessica" },
                            { "type": "text", "text": "A-1042" },
                            { "type": "text", "text": "https://example.com/t/1" } ] }
                    ]
                },
                "biz_opaque_callback_data": "ws1:send-42"
            })
        );
    }

    #[test]
    fn a_template_without_parameters_has_no_components() {
        let mut send = template_send("UTILITY", subscribed_phone(), Value::Null);
        send["message"]["template"] = json!({ "name": "hello", "language": "en", "category": "UTILITY", "status": "APPROVED" });
        send.as_object_mut()
            .unwrap()
            .remove("biz_opaque_callback_data");
        let (_, body) = body_of(send);
        assert_eq!(
            body,
            json!({
                "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+447911123456",
                "type": "template", "template": { "name": "hello", "language": { "code": "en" } }
            })
        );
    }

    #[test]
    fn named_placeholders_carry_their_parameter_name() {
        let mut send = template_send("UTILITY", subscribed_phone(), json!(["Jessica", "A-1042"]));
        send["message"]["template"]["header"] = Value::Null;
        send["message"]["template"]["body"] =
            json!("Hi {{first_name}}, order {{order_id}} shipped");
        let (_, body) = body_of(send);
        assert_eq!(
            body["template"]["components"],
            json!([{ "type": "body", "parameters": [
                { "type": "text", "parameter_name": "first_name", "text": "Jessica" },
                { "type": "text", "parameter_name": "order_id", "text": "A-1042" } ] }])
        );
    }

    #[test]
    fn a_text_message() {
        let send = json!({
            "contact": { "phone": "+16505551234", "marketing_state": "NOT_SUBSCRIBED", "last_inbound_at": "2026-11-28T11:00:00Z" },
            "source": "inbox", "now": NOW,
            "message": { "type": "text", "text": "Hi! Here's the link: https://example.com" },
        });
        let (endpoint, body) = body_of(send.clone());
        assert_eq!(endpoint, json!("messages"));
        assert_eq!(
            body,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "+16505551234",
                "type": "text",
                "text": { "preview_url": true, "body": "Hi! Here's the link: https://example.com" }
            })
        );
        let mut plain = send;
        plain["message"]["text"] = json!("Your order shipped");
        assert_eq!(
            body_of(plain).1["text"],
            json!({ "preview_url": false, "body": "Your order shipped" })
        );
    }

    #[test]
    fn a_bsuid_recipient_is_addressed_by_recipient_not_to() {
        let contact = json!({ "phone": null, "user_id": "US.13491208655302741918", "marketing_state": "SUBSCRIBED" });
        let (endpoint, body) = body_of(template_send(
            "UTILITY",
            contact,
            json!(["A-1", "Jo", "A-1", "x"]),
        ));
        assert_eq!(endpoint, json!("messages"));
        assert_eq!(body["recipient"], json!("US.13491208655302741918"));
        assert!(body.get("to").is_none(), "{body}");
        let mut keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "biz_opaque_callback_data",
                "messaging_product",
                "recipient",
                "recipient_type",
                "template",
                "type"
            ]
        );
        // A parent BSUID goes the same way.
        let parent = json!({ "user_id": "US.ENT.99", "marketing_state": "SUBSCRIBED" });
        assert_eq!(
            body_of(template_send(
                "UTILITY",
                parent,
                json!(["A", "B", "C", "D"])
            ))
            .1["recipient"],
            json!("US.ENT.99")
        );
    }

    #[test]
    fn a_marketing_template_goes_to_the_marketing_messages_endpoint_with_the_same_body() {
        let params = json!(["A-1042", "Jessica", "A-1042", "https://example.com/t/1"]);
        let (endpoint, marketing) = body_of(template_send(
            "MARKETING",
            subscribed_phone(),
            params.clone(),
        ));
        assert_eq!(endpoint, json!("marketing_messages"));
        let (_, utility) = body_of(template_send("UTILITY", subscribed_phone(), params));
        assert_eq!(marketing, utility);
    }

    #[test]
    fn a_blocked_send_has_no_request_and_the_verdict_agrees() {
        let blocked = request(template_send(
            "MARKETING",
            json!({ "phone": "+447911123456", "marketing_state": "UNSUBSCRIBED" }),
            json!(["A", "B", "C", "D"]),
        ));
        assert_eq!(meta_request(&blocked), None);
        assert_eq!(eligibility::check_send(&blocked).endpoint, None);
        let ok = request(template_send(
            "MARKETING",
            subscribed_phone(),
            json!(["A", "B", "C", "D"]),
        ));
        let verdict = eligibility::check_send(&ok);
        let meta = meta_request(&ok).unwrap();
        assert_eq!(Some(meta.endpoint), verdict.endpoint);
        assert_eq!(meta.body.to, verdict.to);
    }
}
