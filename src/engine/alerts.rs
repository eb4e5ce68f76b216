//! Sends operational alerts to ROOK's staff alert URL as signed JSON webhooks (Standard Webhooks,
//! with the staff alert secret), retrying a few times.

use std::sync::Arc;
use std::time::Duration;

use app::timestamp::Timestamp;
use serde_json::json;
use tokio::sync::{Notify, watch};

use super::delivery_client::{DeliveryClient, OutgoingRequest};
use super::signing::standard_signature;
use crate::store::{AlertRecord, Store};

/// Where alerts go, and the secret that signs them.
#[derive(Debug, Clone)]
pub struct StaffAlerts {
    pub url: String,
    pub secret: String,
}

/// Waits after failed sends; after the last one the alert is given up (it stays in the dashboard).
const BACKOFF: [Duration; 4] =
    [Duration::from_secs(10), Duration::from_secs(60), Duration::from_secs(600), Duration::from_secs(3600)];
/// Alerts older than this are not sent any more (they stay in the dashboard).
const STALE_AFTER_SECS: i64 = 24 * 3600;
/// The longest the sender sleeps without looking for due alerts.
const MAX_IDLE: Duration = Duration::from_secs(5);

/// The JSON body of an alert webhook.
pub fn alert_body(alert: &AlertRecord) -> Vec<u8> {
    json!({
        "id": alert.id,
        "type": format!("endpoint.{}", alert.kind.as_str()),
        "client_uuid": alert.client_uuid,
        "client_name": alert.client_name,
        "environment": alert.environment,
        "datetime": alert.at,
        "details": alert.detail,
    })
    .to_string()
    .into_bytes()
}

pub(super) async fn run(
    store: Store,
    client: DeliveryClient,
    target: StaffAlerts,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let now = Timestamp::now();
        match store.alerts_to_send(now, 50).await {
            Ok(due) => {
                for alert in due {
                    send(&store, &client, &target, &alert).await;
                }
            }
            Err(err) => tracing::warn!(error = %err, "reading alerts to send failed"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(MAX_IDLE) => {}
            _ = stopped.changed() => return,
        }
    }
}

async fn send(store: &Store, client: &DeliveryClient, target: &StaffAlerts, alert: &AlertRecord) {
    let now = Timestamp::now();
    if alert.at.plus_seconds(STALE_AFTER_SECS) < now {
        let _ = store.alert_sent(&alert.id, false, None, now).await;
        return;
    }
    let body = alert_body(alert);
    let timestamp = now.as_unix_seconds();
    let signature = match standard_signature(&[target.secret.as_str()], &alert.id, timestamp, &body) {
        Ok(signature) => signature,
        Err(err) => {
            tracing::error!(error = %err, "the staff alert secret cannot sign; alerts are not sent");
            let _ = store.alert_sent(&alert.id, false, None, now).await;
            return;
        }
    };
    let request = OutgoingRequest {
        url: target.url.clone(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("webhook-id".into(), alert.id.clone()),
            ("webhook-timestamp".into(), timestamp.to_string()),
            ("webhook-signature".into(), signature),
        ],
        body: body.into(),
    };
    let outcome = client.send(&request).await;
    let sent = outcome.succeeded();
    if !sent {
        tracing::warn!(alert_id = %alert.id, status = ?outcome.status, "sending an alert to the staff alert URL failed");
    }
    let retry_at = BACKOFF
        .get(alert.send_attempts as usize)
        .map(|wait| now.plus_micros(i64::try_from(wait.as_micros()).unwrap_or(i64::MAX)));
    if let Err(err) = store.alert_sent(&alert.id, sent, retry_at, Timestamp::now()).await {
        tracing::warn!(error = %err, "recording an alert's sending failed");
    }
}
