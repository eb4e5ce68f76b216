//! Demo data: two clients and three accounts, so a newcomer sees a working dashboard at once.
//!
//! Seeding is idempotent: what exists is left exactly as it is (a second run, or a run after edits in
//! the dashboard, duplicates and overwrites nothing).

use app::timestamp::Timestamp;
use app::vocab::{Environment, Role, SubscriptionState};

use crate::config::Settings;
use crate::service::{Actor, ServiceError, Services};
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
            let now = Timestamp::now();
            for env in Environment::ALL {
                let path = format!("{base}/demo/receiver/{}/{}", demo.client_uuid, env.as_str());
                store
                    .set_environment_endpoints(
                        demo.client_uuid,
                        *env,
                        Some(&format!("{path}/notifications")),
                        Some(&format!("{path}/data")),
                        None,
                        now,
                    )
                    .await?;
            }
            // The first demo client has its Sandbox subscription on; everything else starts off, as a
            // newly sold client would.
            if i == 0 {
                store
                    .set_subscription_state(
                        demo.client_uuid,
                        Environment::Sandbox,
                        SubscriptionState::Active,
                        None,
                        now,
                    )
                    .await?;
            }
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
