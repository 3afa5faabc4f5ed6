//! Which Graph API edge of the sending number a send is posted to. Meta routes template
//! messages by their *latest* category: MARKETING to the Marketing Messages API, everything
//! else to the Cloud API's `/messages` (meta-2026.md, 2026-09-21, "Route template messages by
//! category").

use crate::billing::at;
use crate::model::{AccountState, Endpoint, MarketingMessagesApi, TemplateCategory, Timestamp};

/// From this instant (2026-09-21T00:00:00Z) marketing templates go to `/marketing_messages`.
pub const ROUTE_BY_CATEGORY_SINCE: Timestamp = at(1_789_948_800);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub endpoint: Endpoint,
    /// A marketing template goes through `/messages` only because the account is not onboarded
    /// to the Marketing Messages API (the gate warns `MARKETING_API_NOT_ONBOARDED`).
    pub not_onboarded: bool,
}

/// The route of a send whose template has `category` (`None` for free-form text).
pub fn route(
    category: Option<TemplateCategory>,
    account: Option<&AccountState>,
    now: Timestamp,
) -> Route {
    let marketing = category == Some(TemplateCategory::Marketing) && now >= ROUTE_BY_CATEGORY_SINCE;
    let not_onboarded = marketing
        && account.and_then(|a| a.marketing_messages_api)
            == Some(MarketingMessagesApi::NotOnboarded);
    Route {
        endpoint: if marketing && !not_onboarded {
            Endpoint::MarketingMessages
        } else {
            Endpoint::Messages
        },
        not_onboarded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ts;

    #[test]
    fn marketing_goes_to_marketing_messages_from_2026_09_21_and_the_rest_to_messages() {
        let from = ts("2026-09-21T00:00:00Z");
        let before = ts("2026-09-20T23:59:59Z");
        assert_eq!(ROUTE_BY_CATEGORY_SINCE, from);
        let of = |c, now| route(c, None, now).endpoint;
        assert_eq!(
            of(Some(TemplateCategory::Marketing), from),
            Endpoint::MarketingMessages
        );
        assert_eq!(
            of(Some(TemplateCategory::Marketing), before),
            Endpoint::Messages
        );
        for now in [before, from] {
            assert_eq!(of(Some(TemplateCategory::Utility), now), Endpoint::Messages);
            assert_eq!(
                of(Some(TemplateCategory::Authentication), now),
                Endpoint::Messages
            );
            assert_eq!(of(None, now), Endpoint::Messages);
        }
    }

    #[test]
    fn an_account_not_onboarded_sends_marketing_through_messages() {
        let mut account = AccountState {
            marketing_messages_api: Some(MarketingMessagesApi::NotOnboarded),
            ..Default::default()
        };
        let now = ts("2026-11-28T12:00:00Z");
        let r = route(Some(TemplateCategory::Marketing), Some(&account), now);
        assert_eq!(
            r,
            Route {
                endpoint: Endpoint::Messages,
                not_onboarded: true
            }
        );
        // Only marketing is concerned.
        let r = route(Some(TemplateCategory::Utility), Some(&account), now);
        assert!(!r.not_onboarded);
        account.marketing_messages_api = Some(MarketingMessagesApi::Onboarded);
        let r = route(Some(TemplateCategory::Marketing), Some(&account), now);
        assert_eq!(r.endpoint, Endpoint::MarketingMessages);
    }
}
