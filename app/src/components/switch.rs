//! On/off switches that submit their form, so they work as plain form posts without JavaScript.

use leptos::prelude::*;

/// The switch's look: a track and thumb, its label, and "On" or "Off" (the state for sighted users;
/// `aria-checked` carries it for the rest).
fn switch_look(label: String, on: bool) -> impl IntoView {
    view! {
        <span class="switch-track" aria-hidden="true">
            <span class="switch-thumb"></span>
        </span>
        <span class="switch-label">{label}</span>
        <span class="switch-state" aria-hidden="true">
            {crate::i18n::use_lang().t(if on { crate::i18n::words::common::ON } else { crate::i18n::words::common::OFF })}
        </span>
    }
}

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
    /// The switch cannot be used now (the hint it is described by says why).
    #[prop(optional)]
    unavailable: bool,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            role="switch"
            class="switch"
            aria-checked=if on { "true" } else { "false" }
            aria-describedby=described_by
            disabled=move || unavailable || busy.get()
        >
            {switch_look(label, on)}
        </button>
    }
}

/// A switch that is on and asks before it goes off: a disclosure (it works without JavaScript) whose
/// panel says in words what switching off does and holds the form that does it (`children`).
#[component]
pub fn ConfirmSwitchOff(
    #[prop(into)] label: String,
    /// What switching off does, in words ("Vitalis Health will stop receiving …").
    #[prop(into)]
    consequence: String,
    #[prop(optional, into)] described_by: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <details class="confirm-switch">
            <summary role="switch" class="switch" aria-checked="true" aria-describedby=described_by>
                {switch_look(label, true)}
            </summary>
            <div class="confirm-panel">
                <p>{consequence}</p>
                {children()}
            </div>
        </details>
    }
}
