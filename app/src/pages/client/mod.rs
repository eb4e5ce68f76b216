//! The pages about one client as a whole: where `/` leads, and the client's overview, with the server
//! functions they call. (The client's notifications, needs-attention and settings pages have folders
//! of their own.)

pub mod home;
pub mod overview;

use leptos::prelude::*;

use crate::error::AppError;
use crate::vocab::Environment;

// The overview's and the settings page's reads are plain actions: their server functions are
// written from the action list.
pub use crate::actions::{ClientProfile, LoadClientDashboard, client_dashboard, client_profile};

/// Re-enables a disabled endpoint, which sends what was held, and answers which environment it was.
/// Without JavaScript the browser comes back to the overview, told what happened in the query.
#[server(prefix = "/fn", endpoint = "reenable_endpoint")]
pub async fn reenable_endpoint(client_uuid: String, environment: Environment) -> Result<Environment, AppError> {
    use crate::backend::as_viewer;
    use crate::components::client_nav::ClientTab;
    use crate::components::notice::finish_form_post;
    let page = ClientTab::Overview.href(&client_uuid);
    let outcome = as_viewer(|backend, viewer| async move {
        backend.reenable(&viewer, client_uuid, environment).await.map(|_| environment)
    })
    .await;
    finish_form_post(outcome, &page, |_| vec![("reenabled", environment.as_str().to_owned())])
}
