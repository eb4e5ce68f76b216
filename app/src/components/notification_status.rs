//! A notification's delivery status, in words.

use leptos::prelude::*;

use crate::i18n::{use_lang, words::vocab};
use crate::vocab::NotificationStatus;

/// A status as a labelled badge; the words carry the meaning, the colour only repeats it.
#[component]
pub fn StatusBadge(status: NotificationStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{use_lang().t(vocab::status(status))}</span> }
}
