//! A subscription state as a coloured, labelled badge.

use leptos::prelude::*;

use crate::vocab::{DisabledReason, SubscriptionState};

/// "Active", "Inactive" or "Disabled (…)", with a class per state for colour. The words carry the
/// meaning; colour only repeats it.
#[component]
pub fn StateBadge(state: SubscriptionState, reason: Option<DisabledReason>) -> impl IntoView {
    let text = match (state, reason) {
        (SubscriptionState::Active, _) => "Active".to_owned(),
        (SubscriptionState::Inactive, _) => "Inactive".to_owned(),
        (SubscriptionState::Disabled, Some(DisabledReason::Gone)) => "Disabled: receiver answered 410 Gone".to_owned(),
        (SubscriptionState::Disabled, Some(DisabledReason::Failing)) => "Disabled: failing for 5 days".to_owned(),
        (SubscriptionState::Disabled, None) => "Disabled".to_owned(),
    };
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
            "Resending needs an active subscription. This one is "
            <StateBadge state reason />
            "."
        </p>
    }
}
