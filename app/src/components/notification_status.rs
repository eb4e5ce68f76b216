//! A notification's delivery status, in words.

use leptos::prelude::*;

use crate::vocab::NotificationStatus;

/// How the dashboard says a status.
pub const fn status_words(status: NotificationStatus) -> &'static str {
    match status {
        NotificationStatus::Pending => "Pending",
        NotificationStatus::Retrying => "Retrying",
        NotificationStatus::Delivered => "Delivered",
        NotificationStatus::Failed => "Failed",
        NotificationStatus::NotSubscribed => "Not subscribed",
        NotificationStatus::Held => "Held",
        NotificationStatus::Filtered => "Filtered out",
    }
}

/// A status as a labelled badge; the words carry the meaning, the colour only repeats it.
#[component]
pub fn StatusBadge(status: NotificationStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{status_words(status)}</span> }
}
