//! What a client's pages say about one environment's Notification Webhook: the subscription's state
//! and since when, both webhook URLs and their delivery rates, the types it sends, and who changes
//! them.

use leptos::prelude::*;

use super::state_badge::StateBadge;
use super::time_label::TimeLabel;
use crate::dto::EnvironmentView;
use crate::i18n::{Lang, use_lang, words::parts as w};
use crate::vocab::SubscriptionState;

/// The subscription's state, then `children` (what can be done about it), then — when the client is
/// not subscribed — whom to ask, and the URLs.
#[component]
pub fn SubscriptionFacts(env: EnvironmentView, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let lang = use_lang();
    let subscription = env.subscription;
    let inactive = subscription.state == SubscriptionState::Inactive;
    let not_subscribed = inactive.then(|| {
        view! {
            <AskSupport
                lead=lang.t(w::NOT_SUBSCRIBED_LEAD)
                tail="."
            />
        }
    });
    // Clients cannot edit these themselves: say who does (an unsubscribed environment's note above
    // already does).
    let who_changes = (!inactive).then(|| {
        view! {
            <AskSupport
                lead=lang.t(w::WHO_CHANGES_LEAD)
                tail=lang.t(w::WHO_CHANGES_TAIL)
            />
        }
    });
    let url = |url: Option<String>| url.unwrap_or_else(|| lang.t(crate::i18n::words::common::NOT_SET).to_owned());
    let types = match &subscription.types {
        None => lang.t(w::EVERY_TYPE).to_owned(),
        Some(types) => types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
    };
    let filtered = subscription.types.is_some().then(|| {
        view! {
            <p class="note">
                {lang.t(w::FILTERED_NOTE)}
            </p>
        }
    });
    let (notification_rate, data_rate) =
        (rate_limit_words(lang, env.notification_rate_limit), rate_limit_words(lang, env.data_rate_limit));
    view! {
        <p>
            {lang.t(w::NW_STATE)} <StateBadge state=subscription.state reason=subscription.disabled_reason />
            {lang.t(w::SINCE)} <TimeLabel at=subscription.since />
        </p>
        {children.map(|children| children())}
        {not_subscribed}
        <dl class="facts">
            <dt>{lang.t(w::NW_URL)}</dt>
            <dd>{url(env.notification_webhook_url)}</dd>
            <dt>{lang.t(w::NW_RATE)}</dt>
            <dd>{notification_rate}</dd>
            <dt>{lang.t(w::DW_URL)}</dt>
            <dd>{url(env.data_webhook_url)}</dd>
            <dt>{lang.t(w::TYPES)}</dt>
            <dd>{types}</dd>
            <dt>{lang.t(w::DW_RATE)}</dt>
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
pub fn rate_limit_words(lang: Lang, rate: Option<u32>) -> String {
    match rate {
        Some(1) => lang.t(w::RATE_ONE).to_owned(),
        Some(rate) => w::rate_many(lang, rate),
        None => lang.t(w::RATE_NONE).to_owned(),
    }
}
