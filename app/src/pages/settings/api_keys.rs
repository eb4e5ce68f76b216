//! The client's API keys: create one (shown once, to copy), list them, revoke one after confirming.
//! A key lets the client's own programs call the pull API (its notifications, data deliveries and
//! subscriptions) without a person's session.
//!
//! Like the signing secret, a new key is shown on the page, so these forms need JavaScript: their
//! buttons stay disabled until the page is hydrated.

use leptos::prelude::*;

use crate::actions::client_api_keys;
use crate::components::browser::{CopyButton, use_hydrated};
use crate::components::data_table::DataTable;
use crate::components::time_label::MaybeTime;
use crate::dto::{ClientKeyView, CreatedClientKey};
use crate::error::AppError;
use crate::i18n::words::{api_keys as w, parts, vocab};
use crate::i18n::{Lang, use_lang};
use crate::vocab::{Environment, KeyAccess};

/// Creates a client API key from the settings form: `environment` is empty for both, `expires_in_days`
/// empty for never.
#[server(prefix = "/fn", endpoint = "create_api_key")]
pub async fn create_api_key(
    client_uuid: String,
    name: String,
    #[server(default)] environment: Option<String>,
    access: KeyAccess,
    #[server(default)] expires_in_days: Option<String>,
) -> Result<CreatedClientKey, AppError> {
    use crate::backend::{as_viewer, respond_with};
    use crate::dto::NewClientKey;
    use crate::timestamp::Timestamp;
    // The longest expiry accepted, in days (ten years).
    const MAX_EXPIRY_DAYS: i64 = 3650;
    as_viewer(|backend, viewer| async move {
        let environment = match environment.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(raw) => {
                Some(raw.parse::<Environment>().map_err(|e| AppError::validation("environment", e.to_string()))?)
            }
        };
        let expires_at = match expires_in_days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(raw) => match raw.parse::<i64>() {
                Ok(days) if (1..=MAX_EXPIRY_DAYS).contains(&days) => Some(Timestamp::now().plus_seconds(days * 86_400)),
                _ => {
                    return Err(AppError::validation(
                        "expires_in_days",
                        format!("An expiry is 1 to {MAX_EXPIRY_DAYS} days away, or none."),
                    ));
                }
            },
        };
        let key = NewClientKey { name, environment, access, expires_at };
        backend.create_client_key(&viewer, client_uuid, key).await
    })
    .await
    .map_err(respond_with)
}

/// Revokes a client API key. `understood` is the confirmation checkbox, which must be ticked.
#[server(prefix = "/fn", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(
    client_uuid: String,
    key_id: String,
    #[server(default)] understood: Option<String>,
) -> Result<ClientKeyView, AppError> {
    use crate::backend::{as_viewer, respond_with};
    as_viewer(|backend, viewer| async move {
        if understood.is_none() {
            return Err(AppError::validation(
                "understood",
                "Confirm that programs using this key will be refused from now on.",
            ));
        }
        backend.revoke_client_key(&viewer, client_uuid, key_id).await
    })
    .await
    .map_err(respond_with)
}

/// The "API keys" section of the settings page.
#[component]
pub fn ApiKeys(client_uuid: String) -> impl IntoView {
    let lang = use_lang();
    let hydrated = use_hydrated();
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let listed_for = client_uuid.clone();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        move |_| client_api_keys(listed_for.clone()),
    );
    let created = move || match create.value().get() {
        Some(Ok(created)) => view! { <NewKey created /> }.into_any(),
        Some(Err(err)) => error_alert(lang, err),
        None => ().into_any(),
    };
    let revoked = move || match revoke.value().get() {
        Some(Ok(key)) => view! { <p role="status">{w::revoked(lang, &key.name)}</p> }.into_any(),
        Some(Err(err)) => error_alert(lang, err),
        None => ().into_any(),
    };
    let list_client = client_uuid.clone();
    let list = move || {
        let client_uuid = list_client.clone();
        keys.get().map(|result| match result {
            Ok(keys) => view! { <KeyList client_uuid keys revoke hydrated /> }.into_any(),
            Err(err) => error_alert(lang, err),
        })
    };
    let environments = Environment::ALL
        .iter()
        .map(|e| view! { <option value=e.as_str()>{w::only(lang, lang.t(vocab::environment(*e)))}</option> })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="api-keys">
            <h2 id="api-keys">{lang.t(w::API_KEYS)}</h2>
            <p>
                {lang.t(w::INTRO_1)}
                {lang.t(w::INTRO_2)}
                <code>"Authorization: Bearer <key>"</code>
                {lang.t(w::INTRO_3)}
            </p>
            <ActionForm action=create attr:class="inline-form">
                <input type="hidden" name="client_uuid" value=client_uuid />
                <label for="api-key-name">{lang.t(w::NAME)}</label>
                <input id="api-key-name" name="name" required maxlength="100" />
                <label for="api-key-environment">{lang.t(parts::F_ENVIRONMENT)}</label>
                <select id="api-key-environment" name="environment">
                    <option value="" selected>{lang.t(w::BOTH)}</option>
                    {environments}
                </select>
                <label for="api-key-access">{lang.t(w::ACCESS)}</label>
                <select id="api-key-access" name="access">
                    <option value=KeyAccess::ReadOnly.as_str() selected>{lang.t(w::READ_ONLY)}</option>
                    <option value=KeyAccess::ReadWrite.as_str()>{lang.t(w::READ_RESEND)}</option>
                </select>
                <label for="api-key-expiry">{lang.t(w::EXPIRES)}</label>
                <select id="api-key-expiry" name="expires_in_days">
                    <option value="" selected>{lang.t(w::NEVER)}</option>
                    <option value="30">{lang.t(w::IN_30)}</option>
                    <option value="90">{lang.t(w::IN_90)}</option>
                    <option value="365">{lang.t(w::IN_YEAR)}</option>
                </select>
                <button type="submit" disabled=move || !hydrated.get() || create.pending().get()>
                    {lang.t(w::CREATE)}
                </button>
            </ActionForm>
            {created}
            {revoked}
            <Transition fallback=move || view! { <p>{lang.t(parts::LOADING)}</p> }>{list}</Transition>
        </section>
    }
}

/// A key just created: shown this once, ready to copy.
#[component]
fn NewKey(created: CreatedClientKey) -> impl IntoView {
    let secret = created.secret;
    let lang = use_lang();
    view! {
        <div role="status" class="new-key">
            <p>
                {w::new_key(lang, &created.key.name)}
            </p>
            <input
                class="secret"
                type="text"
                readonly
                aria-label=lang.t(w::NEW_KEY)
                value=secret.clone()
                size="60"
            />
            <CopyButton label=lang.t(w::COPY_KEY) text=secret />
        </div>
    }
}

/// The keys, each with what it reaches and, while it works, a revoke form.
#[component]
fn KeyList(
    client_uuid: String,
    keys: Vec<ClientKeyView>,
    revoke: ServerAction<RevokeApiKey>,
    hydrated: ReadSignal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let row = move |key: ClientKeyView| {
        let scope = format!(
            "{}, {}",
            key.environment.map_or(lang.t(w::BOTH_LOWER), |e| lang.t(vocab::environment(e))),
            lang.t(match key.access {
                KeyAccess::ReadOnly => w::READ_ONLY_LOWER,
                KeyAccess::ReadWrite => w::READ_RESEND_LOWER,
            })
        );
        let status = match (key.revoked_at, key.expires_at) {
            (Some(_), _) => view! { {lang.t(w::REVOKED)} <MaybeTime at=key.revoked_at otherwise="" /> }.into_any(),
            (None, Some(_)) => {
                view! { {lang.t(w::EXPIRES_AT)} <MaybeTime at=key.expires_at otherwise="" /> }.into_any()
            }
            (None, None) => lang.t(w::ACTIVE).into_any(),
        };
        let action = if key.revoked_at.is_none() {
            let client_uuid = client_uuid.clone();
            let confirm_id = format!("revoke-confirm-{}", key.id);
            let label = w::revoke(lang, &key.name);
            view! {
                <ActionForm action=revoke attr:class="inline-form">
                    <input type="hidden" name="client_uuid" value=client_uuid />
                    <input type="hidden" name="key_id" value=key.id.clone() />
                    <input id=confirm_id.clone() type="checkbox" name="understood" required />
                    <label for=confirm_id>{lang.t(w::REFUSED_FROM_NOW)}</label>
                    <button type="submit" disabled=move || !hydrated.get() || revoke.pending().get()>
                        {label}
                    </button>
                </ActionForm>
            }
            .into_any()
        } else {
            ().into_any()
        };
        view! {
            <tr>
                <td>{key.name.clone()}</td>
                <td>{scope}</td>
                <td><MaybeTime at=Some(key.created_at) otherwise="" /></td>
                <td><MaybeTime at=key.last_used_at otherwise=lang.t(w::NEVER) /></td>
                <td>{status}</td>
                <td>{action}</td>
            </tr>
        }
    };
    view! {
        <DataTable
            caption=lang.t(w::API_KEYS)
            columns=&[w::NAME, w::COL_SCOPE, w::COL_CREATED, w::COL_LAST_USED, parts::F_STATUS]
            unseen_column=w::COL_REVOKE
            items=keys
            row
            empty=lang.t(w::NO_KEYS)
        />
    }
}

fn error_alert(lang: Lang, err: AppError) -> AnyView {
    view! { <p class="error" role="alert">{lang.error(&err)}</p> }.into_any()
}
