//! Controls that only work in the browser, once the page is hydrated: they are absent from the
//! server-rendered page (and so for people without JavaScript), never shown dead.

use leptos::prelude::*;

/// `false` on the server and during hydration, `true` once the page is interactive.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// A button that copies `text` to the clipboard and says so.
#[component]
pub fn CopyButton(
    /// The button's accessible name, e.g. "Copy curl command".
    label: &'static str,
    text: String,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let (copied, set_copied) = signal(false);
    let copied_words = crate::i18n::use_lang().t(crate::i18n::words::common::COPIED);
    let copy = move |_| {
        write_to_clipboard(&text);
        set_copied.set(true);
    };
    view! {
        <Show when=move || hydrated.get()>
            <button type="button" class="secondary" on:click=copy.clone()>
                {label}
            </button>
            <span role="status" class="copied">
                {move || copied.get().then_some(copied_words)}
            </span>
        </Show>
    }
}

/// Puts text on the clipboard (in the browser; nothing to do on the server).
fn write_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        // The promise settles on its own; a refusal leaves the text selectable on the page.
        let _ = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// In the browser, refetches `resource` every second until `done()` says so, at most `max_tries`
/// times (nothing happens on the server).
pub fn refetch_until<T>(resource: Resource<T>, max_tries: u32, done: impl Fn() -> bool + 'static)
where
    T: Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    #[cfg(feature = "hydrate")]
    {
        use std::cell::Cell;
        use std::rc::Rc;
        let handle: Rc<Cell<Option<IntervalHandle>>> = Rc::new(Cell::new(None));
        let tries = Cell::new(0u32);
        let stop = handle.clone();
        let tick = move || {
            tries.set(tries.get() + 1);
            if done() || tries.get() > max_tries {
                if let Some(handle) = stop.take() {
                    handle.clear();
                }
            } else {
                resource.refetch();
            }
        };
        if let Ok(started) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            handle.set(Some(started));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (resource, max_tries, done);
}
