//! A client's dashboard accounts, and creating one with a generated password shown once.

use leptos::prelude::*;

use crate::components::data_table::DataTable;
use crate::components::time_label::TimeLabel;
use crate::dto::{AccountView, NewAccountCredentials};
use crate::error::AppError;
use crate::pages::staff::form_outcome::{
    FormOutcome, Outcome, OutcomeNote, current_outcome, previous_for, reset_after_success,
};

/// The form key of "New account".
use crate::i18n::{use_lang, words::staff as w};

const CREATE_ACCOUNT_FORM: &str = "create-account";

/// Creates a dashboard account for a client (staff); the generated password is in the answer, once.
#[server(prefix = "/fn", endpoint = "staff_create_client_account")]
pub async fn staff_create_client_account(
    client_uuid: String,
    email: String,
) -> Result<NewAccountCredentials, AppError> {
    use crate::backend::as_viewer;
    use crate::pages::staff::form_outcome::answer;
    let result =
        as_viewer(|backend, viewer| async move { backend.create_client_account(&viewer, client_uuid, email).await })
            .await;
    answer(CREATE_ACCOUNT_FORM, result, credentials_notice)
}

fn credentials_notice(new: &NewAccountCredentials) -> Option<Outcome> {
    Some(Outcome::Credentials(new.clone()))
}

/// The accounts that sign in for the client, and a form for a new one.
#[component]
pub fn AccountsPanel(
    client_uuid: String,
    accounts: Vec<AccountView>,
    action: ServerAction<StaffCreateClientAccount>,
    previous: Option<FormOutcome>,
) -> impl IntoView {
    let note = Signal::derive(move || {
        current_outcome(action.value().get(), credentials_notice, previous_for(&previous, CREATE_ACCOUNT_FORM))
    });
    let form = NodeRef::new();
    reset_after_success(action, form);
    let lang = use_lang();
    let row = |a: AccountView| {
        view! {
            <tr>
                <td>{a.email}</td>
                <td>
                    <TimeLabel at=a.created_at />
                </td>
            </tr>
        }
    };
    view! {
        <section class="panel accounts" aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">{lang.t(w::ACCOUNTS)}</h2>
            <DataTable
                caption=lang.t(w::ACCOUNTS)
                columns=&[w::COL_EMAIL, w::COL_CREATED]
                items=accounts
                row
                empty=lang.t(w::NO_ACCOUNT)
            />
            <h3>{lang.t(w::NEW_ACCOUNT)}</h3>
            <ActionForm action node_ref=form attr:class="inline-form">
                <input type="hidden" name="client_uuid" value=client_uuid />
                <label for="new-account-email">{lang.t(w::COL_EMAIL)}</label>
                <input id="new-account-email" type="email" name="email" required autocomplete="off" />
                <button type="submit" disabled=move || action.pending().get()>
                    {lang.t(w::CREATE_ACCOUNT)}
                </button>
            </ActionForm>
            <p class="hint">{lang.t(w::PASSWORD_HINT)}</p>
            <OutcomeNote outcome=note />
        </section>
    }
}
