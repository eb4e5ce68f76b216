//! Points in time as the dashboard writes them.

use std::time::Duration;

use leptos::prelude::*;

use super::browser::use_hydrated;
use crate::i18n::{Lang, use_lang, words::parts as w};
use crate::timestamp::Timestamp;

/// How often relative times are written again while a page stays open: the coarsest of them, "just
/// now" and minutes, stay within half a minute of the truth.
const CLOCK_TICK: Duration = Duration::from_secs(30);

/// The page's clock for relative times: one interval for the whole page, which every [`TimeLabel`]
/// follows (a timer per label would wake the browser once per time on the page).
#[derive(Clone, Copy)]
pub struct Clock(ReadSignal<u64>);

/// Starts the page's clock (once, at the root of the app) and provides it to every [`TimeLabel`].
pub fn provide_clock() {
    let (ticks, set_ticks) = signal(0_u64);
    // Effects run only in the browser, after hydration: the server's page has no clock to follow.
    Effect::new(move |_| set_interval(move || set_ticks.update(|t| *t += 1), CLOCK_TICK));
    provide_context(Clock(ticks));
}

/// A `<time>` element, machine-readable in its `datetime`. The server writes the exact UTC time; once
/// the page runs in the browser it reads as people say it ("5 min ago"), written again as the page's
/// [`Clock`] ticks, and hovering or focusing it shows the exact time in the viewer's own zone and in UTC.
#[component]
pub fn TimeLabel(at: Timestamp) -> impl IntoView {
    let lang = use_lang();
    let hydrated = use_hydrated();
    let clock = use_context::<Clock>();
    let utc = at.to_display();
    let shown = {
        let utc = utc.clone();
        move || {
            if !hydrated.get() {
                return utc.clone();
            }
            if let Some(Clock(ticks)) = clock {
                ticks.track();
            }
            browser::relative(lang, at)
        }
    };
    let exact = move || {
        if hydrated.get() {
            format!("{} {} · {utc}", browser::local(lang, at), lang.t(w::YOUR_TIME))
        } else {
            utc.clone()
        }
    };
    view! {
        <time class="time" datetime=at.to_rfc3339() title=exact.clone() data-exact=exact tabindex="0">
            {shown}
        </time>
    }
}

/// How long before (or after) `now` an instant is, as people say it: "just now", "5 min ago", "3 h
/// ago", "2 days ago", "in 4 min"; past a month, the day itself.
pub fn relative_words(lang: Lang, at: Timestamp, now: Timestamp) -> String {
    let seconds = (now.as_micros() - at.as_micros()) / 1_000_000;
    let (ahead, seconds) = (seconds < 0, seconds.unsigned_abs());
    let span = match seconds {
        0..45 => return lang.t(w::JUST_NOW).to_owned(),
        45..3_600 => format!("{} min", (seconds + 30) / 60),
        3_600..86_400 => format!("{} h", (seconds + 1_800) / 3_600),
        86_400..172_800 if !ahead => return lang.t(w::YESTERDAY).to_owned(),
        86_400..2_592_000 => w::days(lang, (seconds + 43_200) / 86_400),
        _ => return at.to_display()[..10].to_owned(),
    };
    w::relative(lang, &span, ahead)
}

/// The browser's clock and zone (the server has neither for its viewer).
#[cfg(feature = "hydrate")]
mod browser {
    use super::{Lang, Timestamp, relative_words};

    /// `at` relative to the browser's clock.
    pub fn relative(lang: Lang, at: Timestamp) -> String {
        let now = Timestamp::from_micros((js_sys::Date::now() * 1_000.0) as i64);
        relative_words(lang, at, now)
    }

    /// `at` in the browser's zone and locale.
    pub fn local(lang: Lang, at: Timestamp) -> String {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64((at.as_micros() / 1_000) as f64));
        // The page's language, not the browser's: the rest of the page reads in it too.
        String::from(date.to_locale_string(lang.code(), &wasm_bindgen::JsValue::UNDEFINED))
    }
}

/// On the server the page is never hydrated, so these are never called; they keep the exact time.
#[cfg(not(feature = "hydrate"))]
mod browser {
    use super::{Lang, Timestamp};

    pub fn relative(_: Lang, at: Timestamp) -> String {
        at.to_display()
    }

    pub fn local(_: Lang, at: Timestamp) -> String {
        at.to_display()
    }
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
    use super::{duration_words, relative_words};
    use crate::i18n::Lang;
    use crate::timestamp::Timestamp;

    #[test]
    fn relative_times_read_as_people_say_them_in_both_languages() {
        let now: Timestamp = "2026-12-02T12:00:00.000Z".parse().unwrap();
        // (seconds from now, English, Spanish)
        let cases = [
            (-10, "just now", "ahora mismo"),
            (-5 * 60, "5 min ago", "hace 5 min"),
            (-3 * 3600, "3 h ago", "hace 3 h"),
            (-30 * 3600, "yesterday", "ayer"),
            (-4 * 86_400, "4 days ago", "hace 4 días"),
            (4 * 60, "in 4 min", "dentro de 4 min"),
            (-40 * 86_400, "2026-10-23", "2026-10-23"),
        ];
        for (offset, en, es) in cases {
            let at = now.plus_seconds(offset);
            assert_eq!(relative_words(Lang::En, at, now), en, "{offset} s");
            assert_eq!(relative_words(Lang::Es, at, now), es, "{offset} s");
        }
    }

    #[test]
    fn durations_use_the_two_largest_units() {
        assert_eq!(duration_words(45), "45 s");
        assert_eq!(duration_words(725), "12 min 5 s");
        assert_eq!(duration_words(3 * 3600 + 20 * 60 + 7), "3 h 20 min");
        assert_eq!(duration_words(2 * 86_400 + 4 * 3600 + 59), "2 d 4 h");
    }
}
