//! The overview: for each client the viewer may see, the subscription state of Sandbox and Production.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::components::state_badge::StateBadge;
use crate::dto::{ClientOverview, EnvironmentStatus};
use crate::error::AppError;

/// The clients the signed-in viewer may see, with both environments.
#[server(prefix = "/fn", endpoint = "overview")]
pub async fn overview() -> Result<Vec<ClientOverview>, AppError> {
    use crate::backend::{require_viewer, respond_with};
    let (backend, viewer) = require_viewer().await.map_err(respond_with)?;
    backend.overview(&viewer).await.map_err(respond_with)
}

/// Lists the clients; staff can narrow the list as they type.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let clients = Resource::new(|| (), |_| overview());
    let (filter, set_filter) = signal(String::new());

    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match clients.await {
                    Ok(list) => {
                        let many = list.len() > 1;
                        let list = StoredValue::new(list);
                        let visible = move || {
                            let needle = filter.get().trim().to_lowercase();
                            list.get_value()
                                .into_iter()
                                .filter(|c| {
                                    needle.is_empty()
                                        || c.name.to_lowercase().contains(&needle)
                                        || c.client_uuid.contains(&needle)
                                })
                                .collect::<Vec<_>>()
                        };
                        view! {
                            <h1>"Overview"</h1>
                            <Show when=move || many>
                                <div class="toolbar">
                                    <label for="client-filter">"Filter clients"</label>
                                    <input
                                        id="client-filter"
                                        type="search"
                                        placeholder="Name or client UUID"
                                        on:input=move |ev| set_filter.set(event_target_value(&ev))
                                        prop:value=filter
                                    />
                                </div>
                            </Show>
                            <div class="clients">
                                <For each=visible key=|c| c.client_uuid.clone() let:client>
                                    <ClientCard client />
                                </For>
                            </div>
                            <Show when=move || visible().is_empty()>
                                <p class="empty">"No client matches."</p>
                            </Show>
                        }
                            .into_any()
                    }
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One client and its two environments.
#[component]
fn ClientCard(client: ClientOverview) -> impl IntoView {
    let heading_id = format!("client-{}", client.client_uuid);
    let labelled_by = heading_id.clone();
    view! {
        <section class="client panel" aria-labelledby=labelled_by>
            <h2 id=heading_id>{client.name}</h2>
            <p class="uuid">"Client UUID " <code>{client.client_uuid}</code></p>
            <div class="environments">
                {client.environments.into_iter().map(|env| view! { <EnvironmentCard env /> }).collect_view()}
            </div>
        </section>
    }
}

/// One environment: subscription state, since when, and the URLs.
#[component]
fn EnvironmentCard(env: EnvironmentStatus) -> impl IntoView {
    let label = env.environment.label();
    view! {
        <article class="environment" aria-label=format!("{label} environment")>
            <h3>{label}</h3>
            <p>
                "Notification Webhook: " <StateBadge state=env.state reason=env.disabled_reason />
                " since " <time datetime=env.since.to_rfc3339()>{env.since.to_display()}</time>
            </p>
            <dl>
                <dt>"Notification Webhook URL"</dt>
                <dd>{env.notification_webhook_url.unwrap_or_else(|| "not set".to_owned())}</dd>
                <dt>"Data Webhook URL"</dt>
                <dd>{env.data_webhook_url.unwrap_or_else(|| "not set".to_owned())}</dd>
            </dl>
        </article>
    }
}
