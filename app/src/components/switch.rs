//! An on/off switch that submits its form, so it works as a plain form post without JavaScript.

use leptos::prelude::*;

/// A submit button with `role="switch"` showing the current state (`aria-checked`); its form carries
/// the state to switch to. `label` is its accessible name; `described_by` names the hint explaining
/// what switching does.
#[component]
pub fn SubmitSwitch(
    #[prop(into)] label: String,
    on: bool,
    #[prop(optional, into)] described_by: Option<String>,
    /// True while the switch's action is running.
    #[prop(optional, into)]
    busy: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            role="switch"
            class="switch"
            aria-checked=if on { "true" } else { "false" }
            aria-describedby=described_by
            disabled=move || busy.get()
        >
            <span class="switch-track" aria-hidden="true">
                <span class="switch-thumb"></span>
            </span>
            <span class="switch-label">{label}</span>
            <span class="switch-state" aria-hidden="true">
                {if on { "On" } else { "Off" }}
            </span>
        </button>
    }
}
