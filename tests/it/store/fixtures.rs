//! What the conformance tests share: a subscribed client, the notifications and documents to record,
//! and the attempts the engine would hand to the recorder.
//!
//! Times start at the real clock (`Timestamp::now()` when the test begins): ids are UUIDv7 of the real
//! clock, and the store bounds some ranges by them (a list's `since`/`until`) and stamps a released
//! claim with the real time.

use app::timestamp::Timestamp;
use app::vocab::{
    AttemptErrorKind, AttemptTrigger, DataType, DisabledReason, Environment, NotificationStatus, NotificationType,
    Pillar, SubscriptionState,
};
use rook_notify::engine::rules::DeliveryRules;
use rook_notify::store::{
    AttemptRecord, Channel, ClaimedDelivery, DomainChange, EndpointKey, IngestItem, IngestOutcome, NewDataDelivery,
    NewNotification, NextState, Store, new_id,
};

use crate::support::TestDatabase;

pub const NOTIFY_URL: &str = "https://receiver.example/notify";
pub const DATA_URL: &str = "https://receiver.example/data";

/// One environment of one client.
pub fn endpoint(client_uuid: &str, environment: Environment) -> EndpointKey {
    EndpointKey { client_uuid: client_uuid.to_owned(), environment }
}

/// A client whose sandbox is subscribed (active, with both URLs): its notifications start `pending`.
/// Its production environment stays inactive, without URLs.
pub async fn subscribed(store: &Store, client_uuid: &str, name: &str, now: Timestamp) -> EndpointKey {
    store.insert_client(client_uuid, name, now).await.unwrap();
    let sandbox = endpoint(client_uuid, Environment::Sandbox);
    store
        .in_tx(async |tx| {
            tx.set_environment_endpoints(client_uuid, Environment::Sandbox, Some(NOTIFY_URL), Some(DATA_URL), None, now)
                .await
        })
        .await
        .unwrap();
    set_state(store, &sandbox, (SubscriptionState::Active, None), now).await;
    sandbox
}

/// Moves an endpoint's subscription to a state (with its reason when disabled) at `at`, in a
/// transaction of its own.
pub async fn set_state(
    store: &Store,
    endpoint: &EndpointKey,
    (state, reason): (SubscriptionState, Option<DisabledReason>),
    at: Timestamp,
) {
    let (client_uuid, environment) = (endpoint.client_uuid.as_str(), endpoint.environment);
    store.in_tx(async |tx| tx.set_subscription_state(client_uuid, environment, state, reason, at).await).await.unwrap();
}

/// A migrated store over `db` with client `client_uuid` ("Acme") subscribed in its sandbox, and the
/// time the test starts at.
pub async fn subscribed_store(db: &TestDatabase, client_uuid: &str) -> (Store, Timestamp, EndpointKey) {
    let store = super::migrated(db).await;
    let t0 = Timestamp::now();
    let sandbox = subscribed(&store, client_uuid, "Acme", t0).await;
    (store, t0, sandbox)
}

/// A notification of `kind` about `user_id`, to record on `endpoint`.
pub fn notification(endpoint: &EndpointKey, kind: NotificationType, user_id: &str, at: Timestamp) -> NewNotification {
    NewNotification {
        id: new_id(),
        client_uuid: endpoint.client_uuid.clone(),
        environment: endpoint.environment,
        kind,
        user_id: Some(user_id.to_owned()),
        data_source: match kind {
            NotificationType::ExtractionFailed => Some("Polar".to_owned()),
            NotificationType::DataSourceLinked | NotificationType::DataSourceUnlinked => Some("Oura".to_owned()),
            _ => None,
        },
        occurred_at: at.plus_seconds(-5),
        is_test: false,
        body: format!(r#"{{"type":"{}","user_id":"{user_id}"}}"#, kind.as_str()).into_bytes(),
        trigger: AttemptTrigger::Schedule,
        triggered_by: None,
    }
}

/// An event without a domain change or idempotency key.
pub fn item(notification: NewNotification) -> IngestItem {
    IngestItem { notification, change: DomainChange::None, idempotency: None }
}

/// Records one `user.created` notification at `now`: its id and the status it started in.
pub async fn record(
    store: &Store,
    endpoint: &EndpointKey,
    user_id: &str,
    now: Timestamp,
) -> (String, NotificationStatus) {
    record_kind(store, endpoint, NotificationType::UserCreated, user_id, now).await
}

/// Records one notification of `kind` at `now`: its id and the status it started in.
pub async fn record_kind(
    store: &Store,
    endpoint: &EndpointKey,
    kind: NotificationType,
    user_id: &str,
    now: Timestamp,
) -> (String, NotificationStatus) {
    let n = notification(endpoint, kind, user_id, now);
    let id = n.id.clone();
    match store.ingest(&[item(n)], now).await.unwrap().as_slice() {
        [IngestOutcome::Recorded { notification_id, status }] if *notification_id == id => (id, *status),
        other => panic!("one recorded notification expected, got {other:?}"),
    }
}

/// A Data Webhook document for `endpoint` (its bytes are not UTF-8 on purpose: they are sent as given).
pub fn document(endpoint: &EndpointKey, user_id: &str) -> NewDataDelivery {
    NewDataDelivery {
        id: new_id(),
        client_uuid: endpoint.client_uuid.clone(),
        environment: endpoint.environment,
        user_id: user_id.to_owned(),
        data_type: DataType::Summary,
        pillar: Pillar::Sleep,
        document_id: Some(format!("doc-{user_id}")),
        hash_datetime: "2025-11-29T15:00:00.000Z".to_owned(),
        body: [br#"{"sleep":"#.as_slice(), &[0xff, 0x00, 0xfe], b"}"].concat(),
    }
}

/// The engine's rules, disabling after five days of failures.
pub fn rules() -> DeliveryRules {
    DeliveryRules { disable_after: std::time::Duration::from_secs(5 * 86_400) }
}

/// Claims everything of `channel` due on `endpoint` at `now`, under a 60 s lease.
pub async fn claim(store: &Store, channel: Channel, endpoint: &EndpointKey, now: Timestamp) -> Vec<ClaimedDelivery> {
    store.claim_due(channel, now, now.plus_seconds(60), &[(endpoint.clone(), 100)], i64::MAX).await.unwrap()
}

/// Delivered: nothing more to do.
pub fn delivered() -> NextState {
    NextState { status: NotificationStatus::Delivered, next_attempt_at: None, resume_at: None }
}

/// Rejected, tried again at `at`.
pub fn retry_at(at: Timestamp) -> NextState {
    NextState { status: NotificationStatus::Retrying, next_attempt_at: Some(at), resume_at: None }
}

/// Rejected, retries exhausted.
pub fn failed() -> NextState {
    NextState { status: NotificationStatus::Failed, next_attempt_at: None, resume_at: None }
}

/// The attempt a claim made, answered with `status` (2xx succeeds, 410 is Gone), as the engine hands it
/// to the recorder.
pub fn attempt(claim: &ClaimedDelivery, status: u16, at: Timestamp, next: NextState) -> AttemptRecord {
    let succeeded = (200..300).contains(&status);
    AttemptRecord {
        delivery_id: claim.id.clone(),
        channel: claim.channel,
        endpoint: claim.endpoint.clone(),
        attempt_number: claim.attempt_count + 1,
        trigger: claim.trigger,
        triggered_by: claim.triggered_by.clone(),
        started_at: at,
        duration_micros: 1_500,
        url: NOTIFY_URL.to_owned(),
        request_headers: vec![("webhook-id".to_owned(), claim.id.clone())],
        response_status: Some(status),
        response_headers: vec![("content-type".to_owned(), "text/plain".to_owned())],
        response_body: if succeeded { "ok".to_owned() } else { "no\0pe".to_owned() },
        response_truncated: false,
        error_kind: (!succeeded).then_some(AttemptErrorKind::HttpStatus),
        error_message: (!succeeded).then(|| format!("HTTP {status}")),
        succeeded,
        gone: status == 410,
        next,
        resend_mark: claim.resend_mark,
        lease: claim.lease,
        notice: None,
    }
}

/// The attempt that led to `next`: answered 200 when delivered, 500 otherwise.
pub fn outcome(claim: &ClaimedDelivery, at: Timestamp, next: NextState) -> AttemptRecord {
    let status = if next.status == NotificationStatus::Delivered { 200 } else { 500 };
    attempt(claim, status, at, next)
}

/// The claim of delivery `id` among `claims` (a claim returns its rows in no particular order).
pub fn claimed<'a>(claims: &'a [ClaimedDelivery], id: &str) -> &'a ClaimedDelivery {
    claims.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id} was not claimed"))
}

/// The ids claimed, sorted (UUIDv7: in the order they were made).
pub fn claimed_ids(claims: &[ClaimedDelivery]) -> Vec<String> {
    let mut ids: Vec<String> = claims.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    ids
}
