//! What a client's pages say about one environment's Notification Webhook: the subscription's state
//! and since when, both webhook URLs and their delivery rates, the types it sends, and who changes
//! them.

use leptos::prelude::*;

use super::state_badge::StateBadge;
use super::time_label::TimeLabel;
use crate::dto::EnvironmentView;
use crate::vocab::SubscriptionState;

/// The subscription's state, then `children` (what can be done about it), then — when the client is
/// not subscribed — whom to ask, and the URLs.
#[component]
pub fn SubscriptionFacts(env: EnvironmentView, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let subscription = env.subscription;
    let inactive = subscription.state == SubscriptionState::Inactive;
    let not_subscribed = inactive.then(|| {
        view! {
            <AskSupport
                lead="Not subscribed. The Notification Webhook is sold by ROOK staff, who also set its URLs and types: \
                      contact your ROOK account manager or "
                tail="."
            />
        }
    });
    // Clients cannot edit these themselves: say who does (an unsubscribed environment's note above
    // already does).
    let who_changes = (!inactive).then(|| {
        view! {
            <AskSupport
                lead="ROOK staff set the URLs, their delivery rates, the notification types and the subscription. To \
                      change them, write to "
                tail=" with your client UUID."
            />
        }
    });
    let url = |url: Option<String>| url.unwrap_or_else(|| "not set".to_owned());
    let types = match &subscription.types {
        None => "Every type".to_owned(),
        Some(types) => types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
    };
    let filtered = subscription.types.is_some().then(|| {
        view! {
            <p class="note">
                "Types not chosen are still recorded, as “Filtered out”, and are not sent; the feed lists them."
            </p>
        }
    });
    let (notification_rate, data_rate) =
        (rate_limit_words(env.notification_rate_limit), rate_limit_words(env.data_rate_limit));
    view! {
        <p>
            "Notification Webhook: " <StateBadge state=subscription.state reason=subscription.disabled_reason />
            " since " <TimeLabel at=subscription.since />
        </p>
        {children.map(|children| children())}
        {not_subscribed}
        <dl class="facts">
            <dt>"Notification Webhook URL"</dt>
            <dd>{url(env.notification_webhook_url)}</dd>
            <dt>"Notification Webhook delivery rate"</dt>
            <dd>{notification_rate}</dd>
            <dt>"Data Webhook URL"</dt>
            <dd>{url(env.data_webhook_url)}</dd>
            <dt>"Notification types"</dt>
            <dd>{types}</dd>
            <dt>"Data Webhook delivery rate"</dt>
            <dd>{data_rate}</dd>
        </dl>
        {filtered}
        {who_changes}
    }
}

/// A note that sends the client to ROOK's support address: `lead`, the address, `tail`.
#[component]
fn AskSupport(lead: &'static str, tail: &'static str) -> impl IntoView {
    view! {
        <p class="note">
            {lead} <a href="mailto:support@tryrook.io">"support@tryrook.io"</a> {tail}
        </p>
    }
}

/// What a URL's delivery rate cap means, in words (`None`: no cap). Set by ROOK staff.
pub fn rate_limit_words(rate: Option<u32>) -> String {
    match rate {
        Some(1) => "ROOK sends at most 1 delivery per second to this URL".to_owned(),
        Some(rate) => format!("ROOK sends at most {rate} deliveries per second to this URL"),
        None => "No limit: ROOK sends as fast as the receiver answers".to_owned(),
    }
}
