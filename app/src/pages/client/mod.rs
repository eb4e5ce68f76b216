//! The pages about one client as a whole: where `/` leads, and the client's overview, with the server
//! functions they call. (The client's notifications, needs-attention and settings pages have folders
//! of their own.)

pub mod home;
pub mod overview;

use leptos::prelude::*;

use crate::dto::{ClientDashboard, ClientView};
use crate::error::AppError;
use crate::vocab::Environment;

/// A client's overview: both environments, last day's counts and last week's hourly figures.
#[server(name = LoadClientDashboard, prefix = "/fn", endpoint = "client_dashboard")]
pub async fn client_dashboard(client_uuid: String) -> Result<ClientDashboard, AppError> {
    use crate::backend::{require_viewer, respond_with};
    let (backend, viewer) = require_viewer().await.map_err(respond_with)?;
    backend.client_dashboard(&viewer, &client_uuid).await.map_err(respond_with)
}

/// A client with both environments' settings (never its secrets).
#[server(prefix = "/fn", endpoint = "client_profile")]
pub async fn client_profile(client_uuid: String) -> Result<ClientView, AppError> {
    use crate::backend::{require_viewer, respond_with};
    let (backend, viewer) = require_viewer().await.map_err(respond_with)?;
    backend.client_view(&viewer, &client_uuid).await.map_err(respond_with)
}

/// Re-enables a disabled endpoint, which sends what was held, and answers which environment it was.
/// Without JavaScript the browser comes back to the overview, told what happened in the query.
#[server(prefix = "/fn", endpoint = "reenable_endpoint")]
pub async fn reenable_endpoint(client_uuid: String, environment: Environment) -> Result<Environment, AppError> {
    use crate::backend::require_viewer;
    use crate::components::client_nav::ClientTab;
    use crate::components::notice::finish_form_post;
    let outcome = async {
        let (backend, viewer) = require_viewer().await?;
        backend.reenable(&viewer, &client_uuid, environment).await.map(|_| environment)
    }
    .await;
    let page = ClientTab::Overview.href(&client_uuid);
    finish_form_post(outcome, &page, |_| vec![("reenabled", environment.as_str().to_owned())])
}
