//! A subscription state as a coloured, labelled badge.

use leptos::prelude::*;

use crate::i18n::{use_lang, words::parts as w};
use crate::vocab::{DisabledReason, SubscriptionState};

/// "Active", "Inactive" or "Disabled (…)", with a class per state for colour. The words carry the
/// meaning; colour only repeats it.
#[component]
pub fn StateBadge(state: SubscriptionState, reason: Option<DisabledReason>) -> impl IntoView {
    let text = use_lang().t(match (state, reason) {
        (SubscriptionState::Active, _) => w::S_ACTIVE,
        (SubscriptionState::Inactive, _) => w::S_INACTIVE,
        (SubscriptionState::Disabled, Some(DisabledReason::Gone)) => w::S_DISABLED_GONE,
        (SubscriptionState::Disabled, Some(DisabledReason::Failing)) => w::S_DISABLED_FAILING,
        (SubscriptionState::Disabled, None) => w::S_DISABLED,
    });
    view! { <span class=format!("badge badge-{}", state.as_str())>{text}</span> }
}

/// Why resending is off: the environment's subscription is not active (the server answers 409 then).
/// `id` lets a disabled button point at it (`aria-describedby`).
#[component]
pub fn ResendNeedsSubscription(
    state: SubscriptionState,
    reason: Option<DisabledReason>,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    view! {
        <p class="note" id=id>
            {use_lang().t(w::RESEND_NEEDS)}
            <StateBadge state reason />
            "."
        </p>
    }
}
