//! One environment's webhook settings: subscription, URLs, the signing secret (reveal, rotate with a
//! confirmation) and test notifications with their result.
//!
//! These actions show their result on the page, so they need JavaScript: their buttons stay disabled
//! until the page is hydrated (a plain form post would reveal or rotate a secret and show nothing).

use leptos::prelude::*;

use super::{RevealSigningSecret, RotateSigningSecret, SendTestNotification};
use crate::components::attempt::outcome_words;
use crate::components::browser::{CopyButton, refetch_until, use_hydrated};
use crate::components::form_fields::EnvironmentFields;
use crate::components::notification_table::notification_href;
use crate::components::subscription_facts::SubscriptionFacts;
use crate::dto::EnvironmentView;
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::i18n::words::{parts, settings as w, vocab};
use crate::pages::notifications::notification_page;
use crate::vocab::{NotificationType, SecretPurpose, SubscriptionState};

/// How many seconds a test's result is waited for.
const TEST_WAIT_SECS: u32 = 20;

/// The settings of one environment.
#[component]
pub fn EnvironmentSettings(client_uuid: String, env: EnvironmentView) -> impl IntoView {
    let lang = use_lang();
    let label = lang.t(vocab::environment(env.environment));
    let key = env.environment.as_str();
    let heading_id = format!("settings-{key}");
    let labelled_by = heading_id.clone();
    let active = env.subscription.state == SubscriptionState::Active;
    let test = if active {
        view! { <TestNotification client_uuid=client_uuid.clone() env=env.clone() /> }.into_any()
    } else {
        view! { <p class="note">{lang.t(w::TEST_NEEDS_ACTIVE)}</p> }.into_any()
    };
    let data_secret = env.data_webhook_url.is_some().then(|| {
        view! { <SigningSecret client_uuid=client_uuid.clone() env=env.clone() purpose=SecretPurpose::Data /> }
    });
    view! {
        <section class="panel" aria-labelledby=labelled_by>
            <h2 id=heading_id>{label}</h2>
            <SubscriptionFacts env=env.clone() />
            <SigningSecret client_uuid=client_uuid.clone() env=env.clone() purpose=SecretPurpose::Notification />
            {data_secret}
            {test}
        </section>
    }
}

/// Reveal, copy, hide and rotate one of an environment's signing secrets: the notification one, or the
/// Data Webhook one (which signs the documents sent to the Data Webhook URL).
#[component]
fn SigningSecret(client_uuid: String, env: EnvironmentView, purpose: SecretPurpose) -> impl IntoView {
    let hydrated = use_hydrated();
    let reveal = ServerAction::<RevealSigningSecret>::new();
    let rotate = ServerAction::<RotateSigningSecret>::new();
    let lang = use_lang();
    let label = lang.t(vocab::environment(env.environment));
    let key = format!("{}-{}", env.environment.as_str(), purpose.as_str());
    let (title, what, named) = match purpose {
        SecretPurpose::Notification => {
            (lang.t(w::NOTIFICATION_SECRET), lang.t(w::NOTIFICATION_SECRET_WHAT), label.to_owned())
        }
        SecretPurpose::Data => (lang.t(w::DATA_SECRET), lang.t(w::DATA_SECRET_WHAT), w::data_webhook_of(lang, label)),
    };
    let reveal_label = w::reveal(lang, &named);
    let rotate_label = w::rotate(lang, &named);
    let understood_label = lang.t(match purpose {
        SecretPurpose::Notification => w::UNDERSTOOD,
        SecretPurpose::Data => w::UNDERSTOOD_DATA,
    });
    let confirm_id = format!("rotate-confirm-{key}");
    let understood = RwSignal::new(false);
    // After a rotation the secret revealed before is the previous one: it is hidden rather than left
    // under a label that no longer fits, and the confirmation is unticked for the next time.
    Effect::new(move |_| {
        if let Some(Ok(_)) = rotate.value().get() {
            reveal.value().set(None);
            understood.set(false);
        }
    });
    let rotate_client = client_uuid.clone();
    let revealed = move || match reveal.value().get() {
        Some(Ok(secret)) => view! {
            <SecretShown term=lang.t(w::CURRENT_SECRET) secret on_hide=move || reveal.value().set(None) />
        }
        .into_any(),
        Some(Err(err)) => error_alert(lang, err),
        None => ().into_any(),
    };
    let rotated = move || match rotate.value().get() {
        Some(Ok(secret)) => view! {
            <SecretShown term=lang.t(w::NEW_SECRET) secret on_hide=move || rotate.value().set(None) />
            <p class="note">{lang.t(w::PREVIOUS_KEEPS)}</p>
        }
        .into_any(),
        Some(Err(err)) => error_alert(lang, err),
        None => ().into_any(),
    };
    view! {
        <h3>{title}</h3>
        <p>{what} {lang.t(w::REVEAL_AUDITED)}</p>
        <ActionForm action=reveal attr:class="inline-form">
            <EnvironmentFields client_uuid environment=env.environment />
            <input type="hidden" name="purpose" value=purpose.as_str() />
            <button type="submit" disabled=move || !hydrated.get() || reveal.pending().get()>
                {reveal_label}
            </button>
        </ActionForm>
        {revealed}
        <ActionForm action=rotate attr:class="inline-form">
            <EnvironmentFields client_uuid=rotate_client environment=env.environment />
            <input type="hidden" name="purpose" value=purpose.as_str() />
            <input
                id=confirm_id.clone()
                type="checkbox"
                name="understood"
                required
                prop:checked=move || understood.get()
                on:change=move |ev| understood.set(event_target_checked(&ev))
            />
            <label for=confirm_id>{understood_label}</label>
            <button type="submit" disabled=move || !hydrated.get() || rotate.pending().get()>
                {rotate_label}
            </button>
        </ActionForm>
        {rotated}
    }
}

/// A secret on a line of its own (nothing to copy with it by mistake), with Copy and Hide.
#[component]
fn SecretShown(term: &'static str, secret: String, on_hide: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div role="status" class="secret-shown">
            <p class="label">{term}</p>
            <code class="secret">{secret.clone()}</code>
            <CopyButton label=lang.t(w::COPY_SECRET) text=secret />
            <button type="button" class="secondary" on:click=move |_| on_hide()>
                {lang.t(w::HIDE)}
            </button>
        </div>
    }
}

/// Send a test notification of a chosen type and show how its delivery went.
#[component]
fn TestNotification(client_uuid: String, env: EnvironmentView) -> impl IntoView {
    let hydrated = use_hydrated();
    let send = ServerAction::<SendTestNotification>::new();
    let lang = use_lang();
    let label = lang.t(vocab::environment(env.environment));
    let key = env.environment.as_str();
    let type_id = format!("test-type-{key}");
    let sent = Signal::derive(move || send.value().get().and_then(Result::ok).map(|r| r.notification_id));
    let result = Resource::new(
        move || sent.get(),
        |id| async move {
            match id {
                Some(id) => notification_page(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let has_attempt =
        move || result.get_untracked().and_then(Result::ok).flatten().is_some_and(|d| !d.detail.attempts.is_empty());
    Effect::new(move |_| {
        if sent.get().is_some() {
            refetch_until(result, TEST_WAIT_SECS, has_attempt);
        }
    });
    let options = NotificationType::ALL
        .iter()
        .map(|t| {
            let selected = *t == NotificationType::SubscriptionTest;
            view! { <option value=t.as_str() selected=selected>{t.as_str()}</option> }
        })
        .collect_view();
    let outcome = move || {
        if let Some(Err(err)) = send.value().get() {
            return error_alert(lang, err);
        }
        let shown = result.get().and_then(Result::ok).flatten();
        let Some(data) = shown else { return ().into_any() };
        let link = view! { <a href=notification_href(&data.detail.summary.id)>{lang.t(w::OPEN_TEST)}</a> };
        let words = match data.detail.attempts.last() {
            Some(attempt) => w::test_result(lang, &outcome_words(lang, attempt)),
            None => lang.t(w::TEST_WAITING).to_owned(),
        };
        view! { <p role="status">{words} " " {link}</p> }.into_any()
    };
    view! {
        <h3>{lang.t(w::SEND_TEST)}</h3>
        <ActionForm action=send attr:class="inline-form">
            <EnvironmentFields client_uuid environment=env.environment />
            <label for=type_id.clone()>{lang.t(parts::F_TYPE)}</label>
            <select id=type_id name="kind">{options}</select>
            <button type="submit" disabled=move || !hydrated.get() || send.pending().get()>
                {w::send_test_to(lang, label)}
            </button>
        </ActionForm>
        <Transition fallback=|| ()>{outcome}</Transition>
    }
}

fn error_alert(lang: crate::i18n::Lang, err: AppError) -> AnyView {
    view! { <p class="error" role="alert">{lang.error(&err)}</p> }.into_any()
}
