//! Points in time as the dashboard writes them.

use leptos::prelude::*;

use crate::timestamp::Timestamp;

/// A `<time>` element in the dashboard's short form, machine-readable in its `datetime`.
#[component]
pub fn TimeLabel(at: Timestamp) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{at.to_display()}</time> }
}

/// A [`TimeLabel`], or `otherwise` when there is no time.
#[component]
pub fn MaybeTime(at: Option<Timestamp>, otherwise: &'static str) -> impl IntoView {
    match at {
        Some(at) => view! { <TimeLabel at /> }.into_any(),
        None => otherwise.into_any(),
    }
}

/// A fact of a `<dl class="facts">` that is a point in time: `term`, then the time.
#[component]
pub fn TimeFact(term: &'static str, at: Timestamp) -> impl IntoView {
    view! {
        <dt>{term}</dt>
        <dd>
            <TimeLabel at />
        </dd>
    }
}

/// A duration in seconds the way people say it: `45 s`, `12 min 5 s`, `3 h 20 min`, `2 d 4 h`.
pub fn duration_words(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::duration_words;

    #[test]
    fn durations_use_the_two_largest_units() {
        assert_eq!(duration_words(45), "45 s");
        assert_eq!(duration_words(725), "12 min 5 s");
        assert_eq!(duration_words(3 * 3600 + 20 * 60 + 7), "3 h 20 min");
        assert_eq!(duration_words(2 * 86_400 + 4 * 3600 + 59), "2 d 4 h");
    }
}
