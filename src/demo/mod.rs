//! Demo data: two clients, three accounts and a few platform events, so a newcomer sees a working
//! dashboard at once, with the demo [`receiver`] answering the deliveries.
//!
//! Seeding is idempotent: what exists is left exactly as it is (a second run, or a run after edits in
//! the dashboard, duplicates and overwrites nothing).

pub mod receiver;

use app::vocab::{DataType, Environment, ExtractionFailureReason, NotificationType, Pillar, Role};

use crate::config::Settings;
use crate::service::{Actor, DataDeliveryRequest, EnvironmentPatch, Patch, PlatformEvent, ServiceError, Services};
use crate::startup::StartupError;

/// A demo client.
pub struct DemoClient {
    pub client_uuid: &'static str,
    pub name: &'static str,
    pub account_email: &'static str,
}

/// The demo clients (fixed UUIDs, so links and tests can name them).
pub const DEMO_CLIENTS: [DemoClient; 2] = [
    DemoClient {
        client_uuid: "0190b7e2-4c1a-7b3e-9f00-00000000a001",
        name: "Vitalis Health",
        account_email: "dev@vitalis.example",
    },
    DemoClient {
        client_uuid: "0190b7e2-4c1a-7b3e-9f00-00000000b002",
        name: "Pulse Coaching",
        account_email: "dev@pulse.example",
    },
];

/// The demo staff account.
pub const DEMO_STAFF_EMAIL: &str = "staff@rook.example";
/// The demo staff password (demo data only: printed at start, never for real use).
pub const DEMO_STAFF_PASSWORD: &str = "staff-demo-password";
/// The demo client accounts' password.
pub const DEMO_CLIENT_PASSWORD: &str = "client-demo-password";

/// Inserts whatever of the demo is absent, and prints the logins.
pub async fn seed(services: &Services, settings: &Settings) -> Result<(), StartupError> {
    let store = services.store();
    let base = settings.effective_public_url();
    let base = base.as_str().trim_end_matches('/');
    for (i, demo) in DEMO_CLIENTS.iter().enumerate() {
        if store.client(demo.client_uuid).await?.is_none() {
            services.create_client(&Actor::System, demo.name, Some(demo.client_uuid)).await?;
            // Sandbox points at the demo receiver; Production URLs must be https, so they stay unset.
            let path = format!("{base}/demo/receiver/{}/sandbox", demo.client_uuid);
            let patch = EnvironmentPatch {
                notification_webhook_url: Patch::Set(format!("{path}/notifications")),
                data_webhook_url: Patch::Set(format!("{path}/data")),
                ..EnvironmentPatch::default()
            };
            services.update_environment(&Actor::System, demo.client_uuid, Environment::Sandbox, patch).await?;
            // The first demo client has its Sandbox subscription on; the second is not subscribed (its
            // events are recorded as `not_subscribed`), as a client who has not bought the add-on.
            if i == 0 {
                services.set_subscription(&Actor::System, demo.client_uuid, Environment::Sandbox, true).await?;
            }
            seed_events(services, demo.client_uuid).await?;
        }
        ensure_account(services, demo.account_email, DEMO_CLIENT_PASSWORD, Role::Client, Some(demo.client_uuid))
            .await?;
    }
    ensure_account(services, DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, Role::Staff, None).await?;

    eprintln!("demo logins (password):");
    eprintln!("  staff   {DEMO_STAFF_EMAIL}  ({DEMO_STAFF_PASSWORD})");
    for demo in &DEMO_CLIENTS {
        eprintln!("  client  {}  ({DEMO_CLIENT_PASSWORD})  — {}", demo.account_email, demo.name);
    }
    Ok(())
}

/// A few events of each kind; the user ids steer the demo receiver (see [`receiver`]).
async fn seed_events(services: &Services, client_uuid: &str) -> Result<(), StartupError> {
    let event = |kind, user_id: &str, data_source: Option<&str>| PlatformEvent {
        client_uuid: client_uuid.to_owned(),
        environment: Environment::Sandbox,
        kind,
        user_id: user_id.to_owned(),
        data_source: data_source.map(str::to_owned),
        reason: None,
        data_type: None,
        pillar: None,
        message: None,
        occurred_at: None,
    };
    let mut failure = event(NotificationType::ExtractionFailed, "reject-bo", Some("Oura"));
    failure.reason = Some(ExtractionFailureReason::CredentialsInvalid);
    failure.message = Some("Oura no longer accepts the stored token; the user must link Oura again.".to_owned());
    let mut no_response = event(NotificationType::ExtractionFailed, "flaky-cy", Some("Fitbit"));
    no_response.reason = Some(ExtractionFailureReason::DataSourceNoResponse);
    let events = [
        event(NotificationType::UserCreated, "ana", None),
        event(NotificationType::DataSourceLinked, "ana", Some("Garmin")),
        event(NotificationType::UserCreated, "reject-bo", None),
        failure,
        event(NotificationType::UserCreated, "flaky-cy", None),
        no_response,
        event(NotificationType::DataSourceUnlinked, "ana", Some("Garmin")),
    ];
    for event in events {
        services.report_event(&Actor::System, event, None).await?;
    }
    // Two Data Webhook documents: one the demo receiver accepts, one it rejects (a rejection notice).
    for (user_id, pillar) in [("ana", Pillar::Sleep), ("reject-bo", Pillar::Physical)] {
        let payload = format!(
            r#"{{"client_uuid":"{client_uuid}","user_id":"{user_id}","datetime":"2026-11-29T06:00:00.000Z","{pillar}_summary":{{"duration_seconds":27000}}}}"#
        );
        let request = DataDeliveryRequest {
            client_uuid: client_uuid.to_owned(),
            environment: Environment::Sandbox,
            user_id: user_id.to_owned(),
            data_type: DataType::Summary,
            pillar,
            document_id: Some(format!("demo-{user_id}-{pillar}")),
            payload: serde_json::value::RawValue::from_string(payload)
                .map_err(|e| StartupError::Input(e.to_string()))?,
        };
        services.hand_over_data(&Actor::System, request, None).await?;
    }
    Ok(())
}

async fn ensure_account(
    services: &Services,
    email: &str,
    password: &str,
    role: Role,
    client_uuid: Option<&str>,
) -> Result<(), StartupError> {
    if services.store().account_by_email(email).await?.is_some() {
        return Ok(());
    }
    match services.create_account(&Actor::System, email, password, role, client_uuid).await {
        // Another process seeding at the same moment created it: fine.
        Ok(_) | Err(ServiceError::Conflict { .. }) => Ok(()),
        Err(err) => Err(err.into()),
    }
}
