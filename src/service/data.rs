//! Data Webhook deliveries: ROOK hands over documents (events and summaries) to deliver to the
//! client's Data Webhook URL; rejections become `data_webhook.rejected` notifications (in the engine).

use std::borrow::Cow;

use app::dto::{DataDeliveryDetail, DataDeliveryQuery, DataDeliveryReceipt, DataDeliverySummary, Page};
use app::timestamp::Timestamp;
use app::vocab::{DataDeliveryStatus, DataType, Environment, Pillar, SecretPurpose};
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::paging::{DeliveryListScope, text_filter};
use super::tokens::{IdempotencyKey, IdempotentReply};
use super::user_id::checked_user_id;
use super::views::data_delivery_summary;
use super::{Actor, ServiceError, Services};
use crate::store::{DataDeliveryFilter, DataDeliveryRecord, DataIngestOutcome, NewDataDelivery, new_id};

const MAX_DOCUMENT_ID_LEN: usize = 256;
/// The longest top-level `datetime` of a payload accepted (an RFC 3339 time needs about 35).
const MAX_DATETIME_LEN: usize = 64;

/// Refuses a text the database should not hold: longer than `max` characters or with control
/// characters. `what` names it in the message.
fn printable_at_most(text: Option<&str>, max: usize, field: &str, what: &str) -> Result<(), ServiceError> {
    match text {
        Some(t) if t.chars().count() > max || t.chars().any(char::is_control) => {
            Err(ServiceError::validation(field, format!("{what} has at most {max} printable characters.")))
        }
        _ => Ok(()),
    }
}

/// A document handed over for delivery (`POST /api/v1/data-deliveries`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataDeliveryRequest {
    pub client_uuid: String,
    pub environment: Environment,
    pub user_id: String,
    pub data_type: DataType,
    pub pillar: Pillar,
    #[serde(default)]
    pub document_id: Option<String>,
    /// The document, kept as the exact text received: it is sent byte for byte.
    #[schema(value_type = Object)]
    pub payload: Box<RawValue>,
}

/// The `datetime` of a document, if it has one at the top level (for `x-rook-hash`).
#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow, default)]
    datetime: Option<Cow<'a, str>>,
}

impl Services {
    /// Records a data delivery, due now. Sent whenever the environment has a Data Webhook URL (it is
    /// not the optional add-on); without one, 422 `url_required`.
    pub async fn hand_over_data(
        &self,
        actor: &Actor,
        request: DataDeliveryRequest,
        idempotency: Option<IdempotencyKey>,
    ) -> Result<IdempotentReply<DataDeliveryReceipt>, ServiceError> {
        actor.require_ingest()?;
        let client_uuid = super::clients::parse_client_uuid(&request.client_uuid)?;
        let user_id = checked_user_id(&request.user_id)?;
        let document_id = request.document_id.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        printable_at_most(document_id.as_deref(), MAX_DOCUMENT_ID_LEN, "document_id", "A document_id")?;
        let text = request.payload.get();
        if !text.trim_start().starts_with('{') {
            return Err(ServiceError::validation("payload", "The payload must be a JSON object."));
        }
        // The top-level `datetime` is stored beside the payload (it goes into `x-rook-hash`): it must be
        // text a database can hold. The payload itself is kept as the exact bytes received.
        let hash_datetime = serde_json::from_str::<Peek>(text).ok().and_then(|p| p.datetime.map(Cow::into_owned));
        printable_at_most(hash_datetime.as_deref(), MAX_DATETIME_LEN, "payload.datetime", "The payload's datetime")?;
        let (_, environments) = self.visible_client(actor, &client_uuid).await?;
        let has_url = environments.iter().any(|e| e.environment == request.environment && e.data_webhook_url.is_some());
        if !has_url {
            return Err(ServiceError::Validation {
                code: "url_required",
                field: "environment".into(),
                message: format!("The {} environment has no Data Webhook URL.", request.environment.label()),
            });
        }
        if let Some(reply) = self.earlier_reply(idempotency.as_ref()).await? {
            return Ok(reply);
        }
        // Data deliveries count against the same bound as events waiting to be recorded.
        let _admitted = self.inner.ingest.admit()?;
        let now = Timestamp::now();
        // The data secret is created when first needed: the first document signs with it.
        self.store()
            .in_tx(async |tx| {
                let generate = crate::engine::signing::generate_secret;
                tx.ensure_secret(&client_uuid, request.environment, SecretPurpose::Data, generate, now).await
            })
            .await?;
        let hash_datetime = hash_datetime.unwrap_or_else(|| now.to_rfc3339());
        let id = new_id();
        let receipt = DataDeliveryReceipt { id: id.clone(), status: DataDeliveryStatus::Pending };
        let receipt_body = serde_json::to_string(&receipt).map_err(ServiceError::internal)?;
        let claim = idempotency.as_ref().map(|k| k.claim(now));
        let new = NewDataDelivery {
            id,
            client_uuid,
            environment: request.environment,
            user_id,
            data_type: request.data_type,
            pillar: request.pillar,
            document_id,
            hash_datetime,
            body: text.as_bytes().to_vec(),
        };
        let outcome =
            self.store().insert_data_delivery(&new, claim.as_ref().map(|c| (c, receipt_body.as_str())), now).await?;
        match outcome {
            DataIngestOutcome::Recorded => {
                crate::metrics::data_delivery_received();
                self.wake_dispatcher();
                Ok(IdempotentReply::Fresh(receipt))
            }
            DataIngestOutcome::DuplicateKey => self.reply_of_winner(idempotency.as_ref()).await,
        }
    }

    /// A page of a client's data deliveries: newest first, or with `after` oldest first after that
    /// delivery (how a client's program catches up).
    pub async fn list_data_deliveries(
        &self,
        actor: &Actor,
        query: DataDeliveryQuery,
    ) -> Result<Page<DataDeliverySummary>, ServiceError> {
        let DeliveryListScope { client_uuid, environment, page } =
            self.delivery_list_scope(actor, &query, "data deliveries to list").await?;
        let filter = DataDeliveryFilter {
            client_uuid,
            environment,
            status: query.status,
            user_id: text_filter("user_id", query.user_id.as_deref())?,
            since: page.since,
            until: page.until,
        };
        let rows = self.store().list_data_deliveries(&filter, &page.position, page.fetch()).await?;
        Ok(page.page(rows, |d| &d.id, data_delivery_summary))
    }

    /// One data delivery with its payload and every attempt.
    pub async fn data_delivery_detail(&self, actor: &Actor, id: &str) -> Result<DataDeliveryDetail, ServiceError> {
        let delivery = self.visible_data_delivery(actor, id).await?;
        self.data_delivery_detail_of(&delivery).await
    }

    pub(super) async fn data_delivery_detail_of(
        &self,
        d: &DataDeliveryRecord,
    ) -> Result<DataDeliveryDetail, ServiceError> {
        let attempts = self.store().data_attempts_of(&d.id).await?;
        Ok(DataDeliveryDetail {
            summary: data_delivery_summary(d),
            payload: d.body.as_deref().and_then(|b| serde_json::from_slice(b).ok()),
            attempts,
        })
    }

    /// Queues an immediate new attempt of a data delivery (409 once its payload was purged).
    pub async fn resend_data(&self, actor: &Actor, id: &str) -> Result<DataDeliverySummary, ServiceError> {
        actor.require_write()?;
        let delivery = self.visible_data_delivery(actor, id).await?;
        let now = Timestamp::now();
        if !self.store().schedule_data_resend(&delivery.id, &actor.audit_name(), now).await? {
            return Err(ServiceError::Conflict {
                code: "payload_purged",
                message: "This document's payload was removed by retention; it cannot be sent again.".into(),
            });
        }
        let detail = json!({ "data_delivery_id": delivery.id });
        self.resent(actor, "data_delivery.resent", (&delivery.client_uuid, delivery.environment), detail, now).await?;
        let updated = self.store().data_delivery(&delivery.id).await?.ok_or(ServiceError::NotFound("data delivery"))?;
        Ok(data_delivery_summary(&updated))
    }

    async fn visible_data_delivery(&self, actor: &Actor, id: &str) -> Result<DataDeliveryRecord, ServiceError> {
        actor
            .visible_item("data delivery", id, |id| self.store().data_delivery(id), |d| (&d.client_uuid, d.environment))
            .await
    }
}
