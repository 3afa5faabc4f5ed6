//! What Meta bills for a send (per-message pricing) and so what it costs in credits. The rules
//! are dated: a check of a past send prices it as Meta did that day.

use chrono::DateTime;

use crate::error::InputError;
use crate::model::{
    Billing, BillingCategory, Contact, Credits, FreeBecause, Message, TemplateCategory, Timestamp,
};

/// From this instant (2026-10-01T00:00:00Z) Meta bills service messages and utility templates
/// inside the customer-service window like any other message (meta-2026.md, "2026-08-10 /
/// 2026-10-01").
pub const SERVICE_BILLABLE_SINCE: Timestamp = at(1_790_812_800);

/// Credits a billable send costs when the request names no price.
pub const DEFAULT_COST: f64 = 1.0;

/// A fixed instant from its Unix time (the constants above are in range, so never the epoch).
pub(crate) const fn at(seconds: i64) -> Timestamp {
    match DateTime::from_timestamp(seconds, 0) {
        Some(t) => Timestamp(t),
        None => Timestamp(DateTime::UNIX_EPOCH),
    }
}

pub fn billing_category(category: TemplateCategory) -> BillingCategory {
    match category {
        TemplateCategory::Marketing => BillingCategory::Marketing,
        TemplateCategory::Utility => BillingCategory::Utility,
        TemplateCategory::Authentication => BillingCategory::Authentication,
    }
}

/// The billing category of a message: its template's (latest) category, or `service`.
pub fn category_of(message: &Message) -> BillingCategory {
    match message {
        Message::Template { template, .. } => billing_category(template.category),
        Message::Text { .. } => BillingCategory::Service,
    }
}

/// How Meta bills a message of `category` to `contact` at `now`, with the customer-service
/// window open or not.
pub fn billing(
    category: BillingCategory,
    contact: &Contact,
    window_open: bool,
    now: Timestamp,
) -> Billing {
    let free_because = if contact
        .free_entry_point_until
        .is_some_and(|until| now < until)
    {
        Some(FreeBecause::FreeEntryPoint)
    } else if now < SERVICE_BILLABLE_SINCE
        && window_open
        && matches!(
            category,
            BillingCategory::Service | BillingCategory::Utility
        )
    {
        Some(FreeBecause::ServiceWindow)
    } else {
        None
    };
    Billing {
        category,
        billable: free_because.is_none(),
        free_because,
    }
}

/// Credits the send costs: a billable one its category's price, else `credits.cost`, else
/// [`DEFAULT_COST`]; a free one nothing.
pub fn cost(billing: &Billing, credits: Option<&Credits>) -> f64 {
    if !billing.billable {
        return 0.0;
    }
    credits
        .and_then(|c| {
            c.cost_by_category
                .and_then(|by| by.get(billing.category))
                .or(c.cost)
        })
        .unwrap_or(DEFAULT_COST)
}

/// Numbers serde cannot check: finite, and no negative price.
pub fn validate_credits(credits: &Credits, path: &str) -> Result<(), InputError> {
    if !credits.balance.is_finite() {
        return Err(InputError::new(
            format!("{path}.balance"),
            "must be a finite number",
        ));
    }
    let price = |value: Option<f64>, field: &str| match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(InputError::new(
            format!("{path}.{field}"),
            "must be a number ≥ 0",
        )),
        _ => Ok(()),
    };
    price(credits.cost, "cost")?;
    if let Some(by) = &credits.cost_by_category {
        for category in [
            BillingCategory::Marketing,
            BillingCategory::Utility,
            BillingCategory::Authentication,
            BillingCategory::Service,
        ] {
            price(
                by.get(category),
                &format!("cost_by_category.{}", category.as_str()),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ts;
    use crate::model::{CostByCategory, MarketingState};

    fn contact(free_until: Option<&str>) -> Contact {
        Contact {
            id: None,
            phone: Some("+447911123456".into()),
            phone_country_code: None,
            phone_calling_code: None,
            marketing_state: MarketingState::Subscribed,
            last_inbound_at: None,
            user_id: None,
            free_entry_point_until: free_until.map(ts),
        }
    }

    const BEFORE: &str = "2026-09-30T23:59:59Z";
    const FROM: &str = "2026-10-01T00:00:00Z";

    #[test]
    fn the_change_date_is_2026_10_01_utc() {
        assert_eq!(SERVICE_BILLABLE_SINCE, ts(FROM));
    }

    #[test]
    fn service_and_in_window_utility_are_free_only_before_2026_10_01() {
        let c = contact(None);
        for category in [BillingCategory::Service, BillingCategory::Utility] {
            let before = billing(category, &c, true, ts(BEFORE));
            assert_eq!(
                (before.billable, before.free_because),
                (false, Some(FreeBecause::ServiceWindow)),
                "{category:?}"
            );
            let from = billing(category, &c, true, ts(FROM));
            assert_eq!(
                (from.billable, from.free_because),
                (true, None),
                "{category:?}"
            );
            // Outside the window neither was ever free.
            assert!(
                billing(category, &c, false, ts(BEFORE)).billable,
                "{category:?}"
            );
        }
        for category in [BillingCategory::Marketing, BillingCategory::Authentication] {
            assert!(
                billing(category, &c, true, ts(BEFORE)).billable,
                "{category:?}"
            );
            assert!(
                billing(category, &c, true, ts(FROM)).billable,
                "{category:?}"
            );
        }
    }

    #[test]
    fn the_free_entry_point_window_makes_everything_free_on_both_sides_of_the_change() {
        for now in [BEFORE, FROM, "2026-11-28T12:00:00Z"] {
            let c = contact(Some("2026-12-01T00:00:00Z"));
            for category in [
                BillingCategory::Marketing,
                BillingCategory::Utility,
                BillingCategory::Authentication,
                BillingCategory::Service,
            ] {
                let b = billing(category, &c, false, ts(now));
                assert_eq!(
                    (b.billable, b.free_because),
                    (false, Some(FreeBecause::FreeEntryPoint)),
                    "{category:?} at {now}"
                );
            }
        }
        // It ends at `free_entry_point_until`.
        let c = contact(Some(FROM));
        assert!(billing(BillingCategory::Marketing, &c, false, ts(FROM)).billable);
    }

    #[test]
    fn cost_follows_the_category_price_then_the_flat_price_then_one() {
        let marketing = billing(BillingCategory::Marketing, &contact(None), false, ts(FROM));
        let utility = billing(BillingCategory::Utility, &contact(None), false, ts(FROM));
        let credits = Credits {
            balance: 10.0,
            cost: Some(0.5),
            cost_by_category: Some(CostByCategory {
                marketing: Some(2.5),
                ..Default::default()
            }),
        };
        assert_eq!(cost(&marketing, Some(&credits)), 2.5);
        assert_eq!(cost(&utility, Some(&credits)), 0.5);
        assert_eq!(cost(&utility, None), DEFAULT_COST);
        let free = billing(BillingCategory::Service, &contact(None), true, ts(BEFORE));
        assert_eq!(cost(&free, Some(&credits)), 0.0);
    }

    #[test]
    fn negative_or_non_finite_prices_are_input_errors_naming_the_field() {
        let mut credits = Credits {
            balance: 1.0,
            cost: None,
            cost_by_category: Some(CostByCategory {
                utility: Some(-1.0),
                ..Default::default()
            }),
        };
        let err = validate_credits(&credits, "credits").unwrap_err();
        assert_eq!(err.path, "credits.cost_by_category.utility");
        credits.cost_by_category = Some(CostByCategory {
            service: Some(f64::NAN),
            ..Default::default()
        });
        assert_eq!(
            validate_credits(&credits, "options.credits")
                .unwrap_err()
                .path,
            "options.credits.cost_by_category.service"
        );
        credits.cost_by_category = None;
        assert!(validate_credits(&credits, "credits").is_ok());
    }
}
