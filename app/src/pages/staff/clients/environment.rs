//! One environment of a client as staff manage it: the subscription switch, re-enabling a disabled
//! endpoint, and the form for the URLs, the ROOK hash key and the delivery rates.

use leptos::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};

use crate::components::form_fields::EnvironmentFields;
use crate::components::state_badge::StateBadge;
use crate::components::subscription_facts::rate_limit_words;
use crate::components::switch::{ConfirmSwitchOff, SubmitSwitch};
use crate::components::time_label::TimeLabel;
use crate::dto::{EnvironmentChange, EnvironmentUpdate, EnvironmentView, SubscriptionView};
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::i18n::words::{staff as w, vocab};
use crate::pages::staff::form_outcome::{
    FormOutcome, Outcome, OutcomeNote, after_success, current_outcome, previous_for, reset_after_success,
};
use crate::vocab::{Environment, SubscriptionState};

/// The environment settings form as posted. The URL fields are always sent and an empty one clears
/// its URL. The ROOK hash key is write-only (never shown), so its field replaces the key only when
/// filled in; `clear_rook_hash_key` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentForm {
    #[serde(default, deserialize_with = "sent_even_if_empty")]
    pub notification_webhook_url: Option<String>,
    #[serde(default, deserialize_with = "sent_even_if_empty")]
    pub data_webhook_url: Option<String>,
    #[serde(default)]
    pub new_rook_hash_key: Option<String>,
    #[serde(default)]
    pub clear_rook_hash_key: bool,
    /// Deliveries per second to the Notification Webhook URL; empty: no limit.
    #[serde(default, deserialize_with = "sent_even_if_empty")]
    pub notification_rate_limit: Option<String>,
    /// Deliveries per second to the Data Webhook URL; empty: no limit.
    #[serde(default, deserialize_with = "sent_even_if_empty")]
    pub data_rate_limit: Option<String>,
}

/// A field that was sent is `Some`, even when empty. (Form decoding reads an empty value of a plain
/// `Option` as absent, which would turn "clear this URL" into "leave it".)
fn sent_even_if_empty<'de, D: Deserializer<'de>>(value: D) -> Result<Option<String>, D::Error> {
    String::deserialize(value).map(Some)
}

impl From<EnvironmentForm> for EnvironmentChange {
    fn from(form: EnvironmentForm) -> Self {
        let rook_hash_key = if form.clear_rook_hash_key {
            Some(String::new())
        } else {
            form.new_rook_hash_key.filter(|key| !key.trim().is_empty())
        };
        EnvironmentChange {
            notification_webhook_url: form.notification_webhook_url,
            data_webhook_url: form.data_webhook_url,
            rook_hash_key,
            notification_rate_limit: form.notification_rate_limit,
            data_rate_limit: form.data_rate_limit,
        }
    }
}

/// The answer to re-enabling an endpoint: which one, and its subscription now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reenabled {
    pub client_name: String,
    pub environment: Environment,
    pub subscription: SubscriptionView,
}

/// Switches an environment's Notification Webhook subscription on or off (staff).
#[server(prefix = "/fn", endpoint = "staff_set_subscription")]
pub async fn staff_set_subscription(
    client_uuid: String,
    environment: Environment,
    active: bool,
) -> Result<SubscriptionView, AppError> {
    use crate::backend::as_viewer;
    use crate::pages::staff::form_outcome::answer;
    let result = as_viewer(|backend, viewer| async move {
        backend.set_subscription(&viewer, client_uuid, environment, active).await
    })
    .await;
    answer(&subscription_form(environment), result, |s| subscription_notice(environment, s))
}

/// Saves an environment's URLs and ROOK hash key under the URL rules (staff); the answer carries the
/// service's warnings.
#[server(prefix = "/fn", endpoint = "staff_update_environment")]
pub async fn staff_update_environment(
    client_uuid: String,
    environment: Environment,
    #[server(default)] change: EnvironmentForm,
) -> Result<EnvironmentUpdate, AppError> {
    use crate::backend::as_viewer;
    use crate::pages::staff::form_outcome::answer;
    let result = as_viewer(|backend, viewer| async move {
        backend.update_environment(&viewer, client_uuid, environment, change.into()).await
    })
    .await;
    answer(&settings_form(environment), result, settings_notice)
}

/// Re-enables a disabled endpoint, which sends what was held while it was disabled.
#[server(prefix = "/fn", endpoint = "staff_reenable")]
pub async fn staff_reenable(client_uuid: String, environment: Environment) -> Result<Reenabled, AppError> {
    use crate::backend::as_viewer;
    use crate::pages::staff::form_outcome::answer;
    let result = as_viewer(|backend, viewer| async move {
        let subscription = backend.reenable(&viewer, client_uuid.clone(), environment).await?;
        let client = backend.client_view(&viewer, client_uuid).await?;
        Ok(Reenabled { client_name: client.name, environment, subscription })
    })
    .await;
    answer(&reenable_form(environment), result, reenable_notice)
}

/// The form key of an environment's subscription switch.
fn subscription_form(environment: Environment) -> String {
    format!("subscription:{environment}")
}

/// The form key of an environment's settings form.
fn settings_form(environment: Environment) -> String {
    format!("settings:{environment}")
}

/// The form key of re-enabling an environment (on the client's page and the health page).
pub fn reenable_form(environment: Environment) -> String {
    format!("reenable:{environment}")
}

fn subscription_notice(environment: Environment, subscription: &SubscriptionView) -> Option<Outcome> {
    let lang = use_lang();
    let now = lang.t(if subscription.state == SubscriptionState::Inactive { w::OFF } else { w::ON });
    Some(Outcome::Done(w::subscription_now(lang, lang.t(vocab::environment(environment)), now)))
}

fn settings_notice(update: &EnvironmentUpdate) -> Option<Outcome> {
    Some(if update.warnings.is_empty() {
        let lang = use_lang();
        Outcome::Done(w::settings_saved(lang, lang.t(vocab::environment(update.environment.environment))))
    } else {
        Outcome::Warnings(update.warnings.clone())
    })
}

/// What re-enabling says once done.
pub fn reenable_notice(done: &Reenabled) -> Option<Outcome> {
    let lang = use_lang();
    Some(Outcome::Done(w::reenabled(lang, &done.client_name, lang.t(vocab::environment(done.environment)))))
}

/// The actions of one environment's forms, kept by the page so their answers outlive a reload of
/// the page's data.
#[derive(Clone, Copy)]
pub struct EnvironmentActions {
    pub subscription: ServerAction<StaffSetSubscription>,
    pub settings: ServerAction<StaffUpdateEnvironment>,
    pub reenable: ServerAction<StaffReenable>,
    /// Whether a successful switch or re-enable came after the settings form's last answer: a refusal
    /// of the settings stands until the environment's next successful action (a later save replaces it).
    settings_cleared: RwSignal<bool>,
}

impl EnvironmentActions {
    /// Fresh actions.
    pub fn new() -> Self {
        let actions = Self {
            subscription: ServerAction::new(),
            settings: ServerAction::new(),
            reenable: ServerAction::new(),
            settings_cleared: RwSignal::new(false),
        };
        let cleared = actions.settings_cleared;
        Effect::new(move |_| {
            actions.settings.version().track();
            cleared.set(false);
        });
        after_success(actions.subscription, move || cleared.set(true));
        after_success(actions.reenable, move || cleared.set(true));
        actions
    }

    /// Changes whenever one of the actions completes (to reload what they changed).
    pub fn version(&self) -> usize {
        self.subscription.version().get() + self.settings.version().get() + self.reenable.version().get()
    }
}

impl Default for EnvironmentActions {
    fn default() -> Self {
        Self::new()
    }
}

/// One environment: its subscription, and its settings form.
#[component]
pub fn EnvironmentSettingsPanel(
    client_uuid: String,
    /// The client's name, for the words that say what a switch does.
    client_name: String,
    env: EnvironmentView,
    actions: EnvironmentActions,
    previous: Option<FormOutcome>,
) -> impl IntoView {
    let environment = env.environment;
    let lang = use_lang();
    let label = lang.t(vocab::environment(environment));
    let key = environment.as_str();
    let previous = StoredValue::new(previous);
    let subscription_note = Signal::derive(move || {
        let run = actions.subscription.value().get();
        let notice = |s: &SubscriptionView| subscription_notice(environment, s);
        previous.with_value(|p| current_outcome(run, notice, previous_for(p, &subscription_form(environment))))
    });
    let reenable_note = Signal::derive(move || {
        let run = actions.reenable.value().get();
        previous.with_value(|p| current_outcome(run, reenable_notice, previous_for(p, &reenable_form(environment))))
    });
    let settings_cleared = actions.settings_cleared;
    let settings_note = Signal::derive(move || {
        let run = actions.settings.value().get();
        // A refusal of one field is shown at that field, not under the button.
        if settings_cleared.get()
            || matches!(&run, Some(Err(AppError::Validation { field, .. })) if SHOWN_AT_FIELD.contains(&field.as_str()))
        {
            return None;
        }
        previous.with_value(|p| current_outcome(run, settings_notice, previous_for(p, &settings_form(environment))))
    });
    let refusals = FieldRefusals { action: actions.settings, cleared: settings_cleared.into() };

    let subscription = env.subscription.clone();
    let subscribed = subscription.state != SubscriptionState::Inactive;
    let heading_id = format!("{key}-heading");
    let labelled_by = heading_id.clone();
    let hint_id = format!("{key}-subscription-hint");
    let described_by = hint_id.clone();
    let switch_uuid = client_uuid.clone();
    let reenable_uuid = client_uuid.clone();
    let disabled = (subscription.state == SubscriptionState::Disabled).then(move || {
        view! {
            <div class="paused">
                <p>
                    {lang.t(w::PAUSED)}
                </p>
                <ActionForm action=actions.reenable>
                    <EnvironmentFields client_uuid=reenable_uuid environment />
                    <button type="submit" disabled=move || actions.reenable.pending().get()>
                        {lang.t(w::REENABLE)} {label}
                    </button>
                </ActionForm>
            </div>
        }
    });

    // Switching off stops a paying client's deliveries: it asks first, saying so in words. Switching
    // on needs a URL to send to, so the switch waits for one rather than failing after the click.
    let has_url = env.notification_webhook_url.is_some();
    let hint = if subscribed || has_url { lang.t(w::SWITCH_HINT).to_owned() } else { w::set_url_first(lang, label) };
    let switch = if subscribed {
        let consequence = w::switch_off_consequence(lang, &client_name, label);
        view! {
            <ConfirmSwitchOff label=w::subscribed(lang, label) consequence described_by=described_by>
                <ActionForm action=actions.subscription attr:class="switch-form">
                    <EnvironmentFields client_uuid=switch_uuid environment />
                    <input type="hidden" name="active" value="false" />
                    <button type="submit" class="danger" disabled=move || actions.subscription.pending().get()>
                        {lang.t(w::SWITCH_OFF)} {label}
                    </button>
                </ActionForm>
            </ConfirmSwitchOff>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=actions.subscription attr:class="switch-form">
                <EnvironmentFields client_uuid=switch_uuid environment />
                <input type="hidden" name="active" value="true" />
                <SubmitSwitch
                    label=w::subscribed(lang, label)
                    on=false
                    described_by=described_by
                    busy=actions.subscription.pending()
                    unavailable=!has_url
                />
            </ActionForm>
        }
        .into_any()
    };

    view! {
        <section class="panel environment-settings" aria-labelledby=labelled_by>
            <h2 id=heading_id>{label}</h2>
            <h3>{lang.t(w::SUBSCRIPTION)}</h3>
            <p>
                <StateBadge state=subscription.state reason=subscription.disabled_reason />
                {lang.t(w::SINCE)}
                <TimeLabel at=subscription.since />
            </p>
            {switch}
            <p class="hint" id=hint_id>{hint}</p>
            <OutcomeNote outcome=subscription_note />
            {disabled}
            <OutcomeNote outcome=reenable_note />
            <SettingsForm client_uuid env action=actions.settings refusals />
            <OutcomeNote outcome=settings_note />
        </section>
    }
}

/// The URLs and the ROOK hash key of one environment.
#[component]
fn SettingsForm(
    client_uuid: String,
    env: EnvironmentView,
    action: ServerAction<StaffUpdateEnvironment>,
    refusals: FieldRefusals,
) -> impl IntoView {
    let environment = env.environment;
    let lang = use_lang();
    let label = lang.t(vocab::environment(environment));
    let key = environment.as_str();
    let id = move |field: &str| format!("{key}-{field}");
    let https_rule = (environment == Environment::Production).then_some(lang.t(w::HTTPS_RULE));
    let form = NodeRef::new();
    reset_after_success(action, form);
    view! {
        <h3>{lang.t(w::URLS_AND_KEY)}</h3>
        <ActionForm action node_ref=form attr:class="stack settings-form">
            <EnvironmentFields client_uuid environment />
            <UrlField
                key
                field="notification-url"
                label
                text=lang.t(w::NW_URL)
                name="notification_webhook_url"
                value=env.notification_webhook_url
                placeholder="https://example.com/rook/notifications"
                refusals
            />
            <UrlField
                key
                field="data-url"
                label
                text=lang.t(w::DW_URL)
                name="data_webhook_url"
                value=env.data_webhook_url
                placeholder="https://example.com/rook/data"
                refusals
            />
            <p class="hint" id=id("url-hint")>
                {lang.t(w::EMPTY_REMOVES)} {https_rule}
                {lang.t(w::MUST_DIFFER)}
            </p>
            <p>
                {lang.t(w::HASH_KEY)}
                <strong>{lang.t(if env.rook_hash_key_set { w::SET } else { w::NOT_SET })}</strong>
            </p>
            <FieldLabel id=id("hash-key") label text=lang.t(w::NEW_HASH_KEY) />
            <input
                id=id("hash-key")
                type="password"
                name="change[new_rook_hash_key]"
                autocomplete="new-password"
                aria-describedby=id("hash-key-hint")
            />
            <p class="hint" id=id("hash-key-hint")>
                {lang.t(w::HASH_HINT_1)}
                <code>"x-rook-hash"</code>
                {lang.t(w::HASH_HINT_2)}
            </p>
            <div class="check">
                <input id=id("clear-hash-key") type="checkbox" name="change[clear_rook_hash_key]" value="true" />
                <label for=id("clear-hash-key")>
                    {lang.t(w::CLEAR_THE)} <span class="visually-hidden">{label} " "</span> {lang.t(w::ROOK_HASH_KEY)}
                </label>
            </div>
            <RateField
                key
                field="notification_rate_limit"
                label
                text=lang.t(w::NW_RATE)
                value=env.notification_rate_limit
                refusals
            />
            <RateField
                key
                field="data_rate_limit"
                label
                text=lang.t(w::DW_RATE)
                value=env.data_rate_limit
                refusals
            />
            <button type="submit" disabled=move || action.pending().get()>
                {w::save_settings(lang, label)}
            </button>
        </ActionForm>
    }
}

/// A field's label. The two environments' forms stand side by side, so it names the environment for
/// screen readers.
#[component]
fn FieldLabel(id: String, label: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <label for=id>
            <span class="visually-hidden">{label} " "</span>
            {text}
        </label>
    }
}

/// The fields whose refusals the settings form shows at the field (the service names them so).
const SHOWN_AT_FIELD: [&str; 4] =
    ["notification_webhook_url", "data_webhook_url", "notification_rate_limit", "data_rate_limit"];

/// The settings form's refusals of single fields: the last save's, unless a later successful action
/// of the panel cleared it.
#[derive(Clone, Copy)]
struct FieldRefusals {
    action: ServerAction<StaffUpdateEnvironment>,
    cleared: Signal<bool>,
}

impl FieldRefusals {
    /// Why the last save refused `field`, if it did and that still stands.
    fn of(self, field: &'static str) -> Option<String> {
        if self.cleared.get() {
            return None;
        }
        match self.action.value().get() {
            Some(Err(err @ AppError::Validation { .. })) if matches!(&err, AppError::Validation { field: refused, .. } if refused == field) => {
                Some(use_lang().error(&err))
            }
            _ => None,
        }
    }
}

/// A field's refusal as the field's own: `aria-invalid` and `aria-describedby` for its input (described
/// by its hint, then the refusal), and the message right after it.
struct FieldCheck {
    invalid: Signal<Option<&'static str>>,
    described_by: Signal<String>,
    message: AnyView,
}

fn field_check(refusals: FieldRefusals, field: &'static str, id: &str, hint_id: String) -> FieldCheck {
    let error_id = format!("{id}-error");
    let refusal = move || refusals.of(field);
    let described_by = {
        let error_id = error_id.clone();
        Signal::derive(move || if refusal().is_some() { format!("{hint_id} {error_id}") } else { hint_id.clone() })
    };
    let message = (move || {
        refusal().map(|message| view! { <p class="error field-error" id=error_id.clone() role="alert">{message}</p> })
    })
    .into_any();
    FieldCheck { invalid: Signal::derive(move || refusal().is_some().then_some("true")), described_by, message }
}

/// A delivery rate field (`{key}-{field}`, posted as `change[{field}]`): a whole number from 1 to
/// 10,000, empty for no limit. A refusal of this field is shown at the field.
#[component]
fn RateField(
    key: &'static str,
    field: &'static str,
    label: &'static str,
    text: &'static str,
    value: Option<u32>,
    refusals: FieldRefusals,
) -> impl IntoView {
    let lang = use_lang();
    let id = format!("{key}-{field}");
    let hint_id = format!("{id}-hint");
    let check = field_check(refusals, field, &id, hint_id.clone());
    view! {
        <FieldLabel id=id.clone() label text />
        <input
            id=id
            type="number"
            min="1"
            max="10000"
            step="1"
            inputmode="numeric"
            name=format!("change[{field}]")
            value=value.map(|v| v.to_string()).unwrap_or_default()
            aria-invalid=check.invalid
            aria-describedby=check.described_by
        />
        <p class="hint" id=hint_id>
            {rate_limit_words(lang, value)} {lang.t(w::RATE_HINT)}
        </p>
        {check.message}
    }
}

/// One of the settings form's URL fields (`{key}-{field}`, posted as `change[{name}]`), described by
/// the form's URL hint. The two environments' forms stand side by side, so its label names the
/// environment for screen readers. A refusal of this URL is shown right under it.
#[component]
fn UrlField(
    key: &'static str,
    field: &'static str,
    label: &'static str,
    text: &'static str,
    name: &'static str,
    value: Option<String>,
    placeholder: &'static str,
    refusals: FieldRefusals,
) -> impl IntoView {
    let id = format!("{key}-{field}");
    let check = field_check(refusals, name, &id, format!("{key}-url-hint"));
    view! {
        <FieldLabel id=id.clone() label text />
        <input
            id=id
            type="url"
            name=format!("change[{name}]")
            value=value.unwrap_or_default()
            placeholder=placeholder
            aria-invalid=check.invalid
            aria-describedby=check.described_by
        />
        {check.message}
    }
}
