//! The account fields: `account_update` (restrictions, bans, violations, partners, pricing
//! tiers, terms), `account_review_update`, `phone_number_name_update`,
//! `business_capability_update`, `account_alerts`; and `phone_number_quality_update`.

use serde_json::Value;

use super::{date_at, text_at, tier, time_at, EntryInfo};
use crate::webhook::event::*;
use crate::webhook::raw;
use crate::webhook::walk::{invalid, join};

/// The part of a field's value without which an item of it says nothing.
fn required(field: &str, value: &Value) -> Option<&'static str> {
    let missing = |key: &str| text_at(value, key).is_none();
    match field {
        "account_update" if missing("event") => Some("event"),
        "account_review_update" | "phone_number_name_update" if missing("decision") => {
            Some("decision")
        }
        "business_capability_update"
            if missing("max_daily_conversations_per_business")
                && missing("max_daily_conversation_per_phone")
                && missing("max_phone_numbers_per_business")
                && missing("max_phone_numbers_per_waba") =>
        {
            Some("max_daily_conversations_per_business")
        }
        "account_alerts" if !value.get("alert_info").is_some_and(Value::is_object) => {
            Some("alert_info")
        }
        _ => None,
    }
}

pub(in crate::webhook) fn account_update(
    field: &str,
    value: &raw::Value,
    path: &dyn Fn() -> String,
    entry: &EntryInfo,
    out: &mut Vec<WebhookEvent>,
) {
    let value = &value.rest;
    if let Some(part) = required(field, value) {
        out.push(invalid(join(&path(), part), "missing".into()));
        return;
    }
    let obj = |key: &str| value.get(key).filter(|v| v.is_object());
    let waba = obj("waba_info");
    let restrictions = restrictions(value.get("restriction_info"), path, out);
    let event = AccountUpdate {
        field: field.to_string(),
        event: text_at(value, "event"),
        waba_id: waba
            .as_ref()
            .and_then(|w| text_at(w, "waba_id"))
            .or_else(|| entry.waba_id.clone()),
        timestamp: entry.time,
        phone_number: text_at(value, "phone_number")
            .or_else(|| text_at(value, "display_phone_number")),
        restrictions,
        ban: obj("ban_info").map(|b| Ban {
            state: text_at(b, "waba_ban_state"),
            date: date_at(b, "waba_ban_date"),
        }),
        violation_type: obj("violation_info").and_then(|v| text_at(v, "violation_type")),
        waba_info: waba.map(|w| WabaInfo {
            owner_business_id: text_at(w, "owner_business_id"),
            partner_app_id: text_at(w, "partner_app_id"),
            solution_id: text_at(w, "solution_id"),
            solution_partner_business_ids: texts_at(w, "solution_partner_business_ids"),
            ad_account_id: text_at(w, "ad_account_linked"),
        }),
        disconnection: obj("disconnection_info").map(|d| Disconnection {
            reason: text_at(d, "reason"),
            initiated_by: text_at(d, "initiated_by"),
        }),
        volume_tier: obj("volume_tier_info").map(|v| VolumeTier {
            pricing_category: text_at(v, "pricing_category"),
            tier: text_at(v, "tier"),
            effective_month: text_at(v, "effective_month"),
            region: text_at(v, "region"),
            updated_at: time_at(v, "tier_update_time"),
        }),
        auth_international: obj("auth_international_rate_eligibility").map(|a| AuthInternational {
            starts_at: time_at(a, "start_time"),
            exception_countries: match a.get("exception_countries") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|c| {
                        Some(CountryStart {
                            country_code: text_at(c, "country_code")?,
                            starts_at: time_at(c, "start_time"),
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }),
        business_verification: obj("partner_client_certification_info").map(|c| {
            BusinessVerification {
                client_business_id: text_at(c, "client_business_id"),
                status: text_at(c, "status"),
                rejection_reasons: texts_at(c, "rejection_reasons")
                    .into_iter()
                    .filter(|r| r != "NONE")
                    .collect(),
            }
        }),
        country: text_at(value, "country"),
        decision: text_at(value, "decision"),
        requested_verified_name: text_at(value, "requested_verified_name"),
        rejection_reason: text_at(value, "rejection_reason").filter(|r| r != "NONE"),
        messaging_limit: tier(
            text_at(value, "max_daily_conversations_per_business")
                .or_else(|| text_at(value, "max_daily_conversation_per_phone")),
        ),
        max_phone_numbers_per_business: int_at(value, "max_phone_numbers_per_business"),
        max_phone_numbers_per_waba: int_at(value, "max_phone_numbers_per_waba"),
        alert: obj("alert_info").map(|a| Alert {
            entity_type: text_at(value, "entity_type"),
            entity_id: text_at(value, "entity_id"),
            severity: text_at(a, "alert_severity"),
            status: text_at(a, "alert_status"),
            alert_type: text_at(a, "alert_type"),
            description: text_at(a, "alert_description"),
        }),
    };
    out.push(WebhookEvent::AccountUpdate(Box::new(event)));
}

/// `restriction_info[]`. A restriction that cannot be read is an `invalid` event of its own,
/// beside the update: dropping it would hide a restriction.
fn restrictions(
    info: Option<&Value>,
    path: &dyn Fn() -> String,
    out: &mut Vec<WebhookEvent>,
) -> Vec<Restriction> {
    let items = match info {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items.as_slice(),
        Some(one @ Value::Object(_)) => std::slice::from_ref(one),
        Some(_) => {
            out.push(invalid(
                join(&path(), "restriction_info"),
                "expected an array".into(),
            ));
            return Vec::new();
        }
    };
    let mut read = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match text_at(item, "restriction_type") {
            Some(restriction_type) => read.push(Restriction {
                restriction_type,
                until: time_at(item, "expiration"),
            }),
            None => out.push(invalid(
                join(&path(), &format!("restriction_info[{i}].restriction_type")),
                "missing".into(),
            )),
        }
    }
    read
}

fn texts_at(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|x| match x {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn int_at(v: &Value, key: &str) -> Option<i64> {
    text_at(v, key)?.trim().parse().ok()
}

pub(in crate::webhook) fn phone_number_quality(
    value: &raw::Value,
    path: &dyn Fn() -> String,
    entry: &EntryInfo,
) -> WebhookEvent {
    let value = &value.rest;
    let Some(event) = text_at(value, "event") else {
        return invalid(join(&path(), "event"), "missing".into());
    };
    let throughput_level = value
        .get("throughput")
        .and_then(|t| text_at(t, "level"))
        .or_else(|| (event == "THROUGHPUT_UPGRADE").then(|| "HIGH".to_string()));
    WebhookEvent::PhoneNumberQuality(Box::new(PhoneNumberQuality {
        display_phone_number: text_at(value, "display_phone_number"),
        messaging_limit: tier(
            text_at(value, "whatsapp_business_manager_messaging_limit")
                .or_else(|| text_at(value, "max_daily_conversations_per_business"))
                .or_else(|| text_at(value, "current_limit")),
        ),
        previous_messaging_limit: tier(text_at(value, "old_limit")),
        event,
        throughput_level,
        waba_id: entry.waba_id.clone(),
        timestamp: entry.time,
    }))
}
