//! What the dashboard's overview, health, audit and account pages read.

use std::collections::HashMap;

use app::dto::{
    AccountView, AlertView, AuditEntryView, AuditQuery, ClientDashboard, ClientView, DeliveryHealth, EndpointHealth,
    EnvironmentHealth, HourlyStat, NewAccountCredentials, Page, StatusCount,
};
use app::timestamp::Timestamp;
use app::vocab::{NotificationStatus, Role};
use rand::Rng;

use super::clients::MAX_CLIENT_NAME_LEN;
use super::paging::{narrowed_client, page_request, text_filter};
use super::views::{client_view, environment_view};
use super::{Actor, ServiceError, Services};
use crate::store::{EndpointRow, HourRow};

const HOUR_MICROS: i64 = 3_600_000_000;
/// How many audit entries one page shows.
const AUDIT_PAGE: u32 = 50;
/// How many clients the staff's list shows at most.
const CLIENT_LIST_LIMIT: u32 = 200;
/// How many alerts are shown at most.
const ALERT_LIMIT: u32 = 50;
/// How many endpoints the health page lists at most.
const HEALTH_LIMIT: u32 = 500;

impl Services {
    /// A client's overview: both environments, last day's counts by status and last week's hourly
    /// attempts and latency, from the roll-up.
    pub async fn client_dashboard(&self, actor: &Actor, client_uuid: &str) -> Result<ClientDashboard, ServiceError> {
        let (client, environments) = self.visible_client(actor, client_uuid).await?;
        let now = Timestamp::now();
        let week_start = Timestamp::from_micros((now.as_micros().div_euclid(HOUR_MICROS) - 7 * 24 + 1) * HOUR_MICROS);
        let mut result = Vec::new();
        for env in &environments {
            let counts = self
                .store()
                .status_counts_since(&client.client_uuid, env.environment, now.plus_seconds(-86_400))
                .await?;
            let counts: HashMap<NotificationStatus, u64> = counts.into_iter().collect();
            let hours = self.store().hourly_stats(Some((&client.client_uuid, env.environment)), week_start).await?;
            result.push(EnvironmentHealth {
                environment: environment_view(env),
                counts_24h: NotificationStatus::ALL
                    .iter()
                    .map(|s| StatusCount { status: *s, count: counts.get(s).copied().unwrap_or(0) })
                    .collect(),
                hourly: every_hour(week_start, now, &hours),
                failing_since: env.failing_since,
                consecutive_failures: env.consecutive_failures,
                last_success_at: env.last_success_at,
            });
        }
        let alerts = self.alerts(actor, Some(&client.client_uuid)).await?;
        Ok(ClientDashboard { client_uuid: client.client_uuid, name: client.name, environments: result, alerts })
    }

    /// Failing and disabled endpoints, the queue and the last day's throughput (staff).
    pub async fn delivery_health(&self, actor: &Actor) -> Result<DeliveryHealth, ServiceError> {
        if !actor.is_staff() {
            return Err(ServiceError::Forbidden);
        }
        let now = Timestamp::now();
        let (failing, disabled): (Vec<EndpointRow>, Vec<EndpointRow>) = self
            .store()
            .troubled_endpoints(HEALTH_LIMIT)
            .await?
            .into_iter()
            .partition(|e| e.environment.state == app::vocab::SubscriptionState::Active);
        let (queue_depth, oldest_due) = self.store().queue_depth(crate::store::Channel::Notification, now).await?;
        let day_start = Timestamp::from_micros((now.as_micros().div_euclid(HOUR_MICROS) - 23) * HOUR_MICROS);
        let hours = self.store().hourly_stats(None, day_start).await?;
        Ok(DeliveryHealth {
            failing: failing.into_iter().map(endpoint_health).collect(),
            disabled: disabled.into_iter().map(endpoint_health).collect(),
            queue_depth,
            oldest_due_age_secs: oldest_due
                .map(|t| u64::try_from((now.as_micros() - t.as_micros()) / 1_000_000).unwrap_or(0)),
            hourly: every_hour(day_start, now, &hours),
            alerts: self.alerts(actor, None).await?,
        })
    }

    /// The audit log, newest first (staff: everything; a client account: its own client's entries).
    pub async fn audit_log(&self, actor: &Actor, query: AuditQuery) -> Result<Page<AuditEntryView>, ServiceError> {
        let client_uuid = narrowed_client(actor, query.client_uuid.as_deref())?;
        let page = page_request(query.limit, AUDIT_PAGE, query.cursor.as_deref(), None, (None, None))?;
        let action = text_filter("action", query.action.as_deref())?;
        let entries = self
            .store()
            .list_audit(client_uuid.as_deref(), action.as_deref().map(str::trim), &page.position, page.fetch())
            .await?;
        Ok(page.page(entries, |e| &e.id, Clone::clone))
    }

    /// The audit log of every client, newest first (staff): the staff's audit page, which a client
    /// account may not open even for its own entries.
    pub async fn full_audit_log(&self, actor: &Actor, query: AuditQuery) -> Result<Page<AuditEntryView>, ServiceError> {
        if !actor.is_staff() {
            return Err(ServiceError::Forbidden);
        }
        self.audit_log(actor, query).await
    }

    /// Clients by name, optionally those whose name contains `search` or whose UUID starts with it
    /// (staff).
    pub async fn search_clients(&self, actor: &Actor, search: Option<&str>) -> Result<Vec<ClientView>, ServiceError> {
        if !actor.is_staff() {
            return Err(ServiceError::Forbidden);
        }
        let search = text_filter("q", search)?;
        // No name is longer, and SQLite refuses a LIKE pattern of 50,000 characters or more.
        if search.as_ref().is_some_and(|s| s.chars().count() > MAX_CLIENT_NAME_LEN) {
            return Err(ServiceError::validation(
                "q",
                format!("A search has at most {MAX_CLIENT_NAME_LEN} characters."),
            ));
        }
        let clients = self.store().list_clients(search.as_deref(), CLIENT_LIST_LIMIT).await?;
        let uuids: Vec<String> = clients.iter().map(|c| c.client_uuid.clone()).collect();
        let environments = self.store().environments_of(&uuids).await?;
        Ok(clients.into_iter().map(|c| client_view(c, &environments)).collect())
    }

    /// A client's dashboard accounts (staff).
    pub async fn client_accounts(&self, actor: &Actor, client_uuid: &str) -> Result<Vec<AccountView>, ServiceError> {
        if !actor.is_staff() {
            return Err(ServiceError::Forbidden);
        }
        let (client, _) = self.visible_client(actor, client_uuid).await?;
        Ok(self
            .store()
            .accounts_of_client(&client.client_uuid)
            .await?
            .into_iter()
            .map(|a| AccountView { email: a.email, role: a.role, client_uuid: a.client_uuid, created_at: a.created_at })
            .collect())
    }

    /// Creates a client account with a generated password, returned once (staff).
    pub async fn create_client_account(
        &self,
        actor: &Actor,
        client_uuid: &str,
        email: &str,
    ) -> Result<NewAccountCredentials, ServiceError> {
        let (client, _) = self.visible_client(actor, client_uuid).await?;
        let password = generate_password();
        let account = self.create_account(actor, email, &password, Role::Client, Some(&client.client_uuid)).await?;
        Ok(NewAccountCredentials { email: account.email, password })
    }
}

impl Services {
    /// Recent operational alerts, newest first: a client account sees its own client's, staff see all
    /// (or one client's).
    pub async fn alerts(&self, actor: &Actor, client_uuid: Option<&str>) -> Result<Vec<AlertView>, ServiceError> {
        let client = narrowed_client(actor, client_uuid)?;
        if let Some(client) = &client {
            self.visible_client(actor, client).await?;
        }
        Ok(self
            .store()
            .list_alerts(client.as_deref(), ALERT_LIMIT)
            .await?
            .into_iter()
            .map(|a| AlertView {
                id: a.id,
                client_uuid: a.client_uuid,
                client_name: a.client_name,
                environment: a.environment,
                kind: a.kind,
                at: a.at,
                detail: a.detail,
            })
            .collect())
    }
}

/// Every hour from `start` to `now`, with the roll-up's figures where there are any.
fn every_hour(start: Timestamp, now: Timestamp, rows: &[HourRow]) -> Vec<HourlyStat> {
    let by_hour: HashMap<i64, &HourRow> = rows.iter().map(|r| (r.hour.as_micros(), r)).collect();
    let mut hour = start.as_micros();
    let mut out = Vec::new();
    while hour <= now.as_micros() {
        let row = by_hour.get(&hour);
        let (succeeded, failed) = row.map_or((0, 0), |r| (r.succeeded, r.failed));
        let attempts = succeeded + failed;
        out.push(HourlyStat {
            hour: Timestamp::from_micros(hour),
            succeeded,
            failed,
            avg_latency_ms: match row {
                Some(r) if attempts > 0 => r.latency_us_sum as f64 / attempts as f64 / 1000.0,
                _ => 0.0,
            },
            max_latency_ms: row.map_or(0.0, |r| r.latency_us_max as f64 / 1000.0),
        });
        hour += HOUR_MICROS;
    }
    out
}

fn endpoint_health(row: EndpointRow) -> EndpointHealth {
    let e = row.environment;
    EndpointHealth {
        client_uuid: e.client_uuid,
        client_name: row.client_name,
        environment: e.environment,
        notification_webhook_url: e.notification_webhook_url,
        state: e.state,
        disabled_reason: e.disabled_reason,
        state_since: e.state_since,
        failing_since: e.failing_since,
        consecutive_failures: e.consecutive_failures,
        last_success_at: e.last_success_at,
    }
}

/// A random 20-character password from an unambiguous alphabet.
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}
