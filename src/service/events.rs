//! Platform events: ROOK's services report what happened in a client's integration; the domain is
//! updated and the notification recorded in the same transaction.

use app::dto::EventReceipt;
use app::payload::{Details, NotificationPayload};
use app::timestamp::Timestamp;
use app::vocab::{AttemptTrigger, Category, DataType, Environment, ExtractionFailureReason, NotificationType, Pillar};
use serde::Deserialize;

use super::tokens::{IdempotencyKey, IdempotentReply};
use super::user_id::checked_user_id;
use super::{Actor, ServiceError, Services};
use crate::store::{DomainChange, IngestItem, IngestOutcome, NewNotification, new_id};

const MAX_DATA_SOURCE_LEN: usize = 64;
const MAX_MESSAGE_LEN: usize = 2000;
/// How far in the future `occurred_at` may be (clock skew between ROOK's machines).
const MAX_FUTURE_MICROS: i64 = 5 * 60 * 1_000_000;

/// A platform event as ROOK's services report it (`POST /api/v1/platform-events`). An absent optional
/// field reads as `None` (serde's rule for `Option`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformEvent {
    pub client_uuid: String,
    pub environment: Environment,
    #[serde(rename = "type")]
    pub kind: NotificationType,
    pub user_id: String,
    pub data_source: Option<String>,
    pub reason: Option<ExtractionFailureReason>,
    pub data_type: Option<DataType>,
    pub pillar: Option<Pillar>,
    pub message: Option<String>,
    /// When it happened; now when absent.
    pub occurred_at: Option<Timestamp>,
}

impl Services {
    /// Records a platform event and its notification (`pending`, `not_subscribed` or `held`, by the
    /// environment's subscription). With an idempotency key, a repeat returns the first answer and
    /// records nothing.
    pub async fn report_event(
        &self,
        actor: &Actor,
        event: PlatformEvent,
        idempotency: Option<IdempotencyKey>,
    ) -> Result<IdempotentReply<EventReceipt>, ServiceError> {
        actor.require_ingest()?;
        let now = Timestamp::now();
        let (notification, change) = validate(event, now)?;
        let kind = notification.kind;
        self.known_client(actor, &notification.client_uuid).await?;
        if let Some(reply) = self.earlier_reply(idempotency.as_ref()).await? {
            return Ok(reply);
        }
        let claim = idempotency.as_ref().map(|k| k.claim(now));
        let outcome = self.inner.ingest.submit(IngestItem { notification, change, idempotency: claim }).await?;
        match outcome {
            IngestOutcome::Recorded { notification_id, status } => {
                crate::metrics::event_ingested(kind);
                Ok(IdempotentReply::Fresh(EventReceipt { notification_id, status }))
            }
            IngestOutcome::DuplicateKey => self.reply_of_winner(idempotency.as_ref()).await,
        }
    }

    /// Records a notification made by rook-notify itself (a test, or a rejection notice), due now when
    /// the environment is subscribed.
    pub(super) async fn record_own_notification(
        &self,
        payload: &NotificationPayload,
        trigger: AttemptTrigger,
        triggered_by: Option<String>,
    ) -> Result<EventReceipt, ServiceError> {
        let notification = NewNotification {
            id: payload.id.clone(),
            client_uuid: payload.client_uuid.clone(),
            environment: payload.environment,
            kind: payload.kind,
            user_id: payload.user_id.clone(),
            data_source: payload.data_source.clone(),
            occurred_at: payload.datetime,
            is_test: payload.test,
            body: payload.to_body(),
            trigger,
            triggered_by,
        };
        let outcome = self
            .inner
            .ingest
            .submit(IngestItem { notification, change: DomainChange::None, idempotency: None })
            .await?;
        match outcome {
            IngestOutcome::Recorded { notification_id, status } => Ok(EventReceipt { notification_id, status }),
            IngestOutcome::DuplicateKey => Err(ServiceError::internal("duplicate key without idempotency")),
        }
    }
}

/// Checks an event against the rules of its type and builds its notification.
fn validate(event: PlatformEvent, now: Timestamp) -> Result<(NewNotification, DomainChange), ServiceError> {
    let client_uuid = super::clients::parse_client_uuid(&event.client_uuid)?;
    if !matches!(event.kind.category(), Category::UserManagement | Category::ExtractionFailure) {
        return Err(ServiceError::validation(
            "type",
            "Platform events are user_management types (user.created, user.deleted, data_source.linked, \
             data_source.unlinked) or extraction.failed.",
        ));
    }
    let user_id = checked_user_id(&event.user_id)?;
    let data_source = match event.data_source.map(|s| s.trim().to_owned()) {
        Some(s) if s.is_empty() || s.chars().count() > MAX_DATA_SOURCE_LEN || s.chars().any(char::is_control) => {
            return Err(ServiceError::validation(
                "data_source",
                format!("A data_source has 1 to {MAX_DATA_SOURCE_LEN} printable characters, such as Garmin."),
            ));
        }
        other => other,
    };
    let needs_source = matches!(
        event.kind,
        NotificationType::DataSourceLinked | NotificationType::DataSourceUnlinked | NotificationType::ExtractionFailed
    );
    if needs_source && data_source.is_none() {
        return Err(ServiceError::validation("data_source", format!("{} needs the data_source.", event.kind)));
    }
    let failure = event.kind == NotificationType::ExtractionFailed;
    if failure && event.reason.is_none() {
        return Err(ServiceError::validation("reason", "extraction.failed needs the reason of the failure."));
    }
    if !failure {
        for (field, given) in [
            ("reason", event.reason.is_some()),
            ("data_type", event.data_type.is_some()),
            ("pillar", event.pillar.is_some()),
        ] {
            if given {
                return Err(ServiceError::validation(field, format!("{field} applies only to extraction.failed.")));
            }
        }
    }
    let message = event.message.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
    if message.as_ref().is_some_and(|m| m.chars().count() > MAX_MESSAGE_LEN) {
        return Err(ServiceError::validation(
            "message",
            format!("A message has at most {MAX_MESSAGE_LEN} characters."),
        ));
    }
    let occurred_at = event.occurred_at.unwrap_or(now);
    if occurred_at > now.plus_micros(MAX_FUTURE_MICROS) {
        return Err(ServiceError::validation("occurred_at", "occurred_at is in the future."));
    }

    let change = match event.kind {
        NotificationType::UserCreated => DomainChange::UserCreated { user_id: user_id.clone() },
        NotificationType::UserDeleted => DomainChange::UserDeleted { user_id: user_id.clone() },
        NotificationType::DataSourceLinked => DomainChange::SourceLinked {
            user_id: user_id.clone(),
            data_source: data_source.clone().unwrap_or_default(),
        },
        NotificationType::DataSourceUnlinked => DomainChange::SourceUnlinked {
            user_id: user_id.clone(),
            data_source: data_source.clone().unwrap_or_default(),
        },
        _ => DomainChange::UserSeen { user_id: user_id.clone() },
    };
    let payload = NotificationPayload {
        id: new_id(),
        kind: event.kind,
        category: event.kind.category(),
        client_uuid: client_uuid.clone(),
        environment: event.environment,
        user_id: Some(user_id.clone()),
        data_source: data_source.clone(),
        datetime: occurred_at,
        test: false,
        details: Details {
            reason: event.reason,
            data_type: event.data_type,
            pillar: event.pillar,
            message,
            ..Details::default()
        },
    };
    let notification = NewNotification {
        body: payload.to_body(),
        id: payload.id,
        client_uuid,
        environment: event.environment,
        kind: event.kind,
        user_id: Some(user_id),
        data_source,
        occurred_at,
        is_test: false,
        trigger: AttemptTrigger::Schedule,
        triggered_by: None,
    };
    Ok((notification, change))
}
