//! What every resend (of one notification or data delivery, or in bulk) shares: what follows once the
//! store queued it, and for a bulk resend how much one call queues and the range of creation times it
//! covers.

use app::dto::BulkResendReceipt;
use app::timestamp::Timestamp;
use app::vocab::Environment;
use serde_json::json;

use super::paging::check_time_range;
use super::{Actor, ServiceError, Services};
use crate::store::EndpointKey;

/// How many items one bulk resend queues at most; the receipt's `remaining` says how many are left.
pub(super) const BULK_RESEND_LIMIT: u32 = 10_000;

/// The creation times `[since, until)` a bulk resend covers: up to now (and a second beyond, so what
/// was created this instant is included) when `until` is absent.
pub(super) fn resend_range(
    since: Timestamp,
    until: Option<Timestamp>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), ServiceError> {
    let until = until.unwrap_or(now.plus_seconds(1));
    check_time_range(Some(since), Some(until))?;
    Ok((since, until))
}

impl Services {
    /// After the store queued a resend (of one item or in bulk): wakes the dispatcher and writes
    /// `action` with `detail` (what was queued) to the audit log.
    pub(super) async fn resent(
        &self,
        actor: &Actor,
        action: &str,
        (client_uuid, environment): (&str, Environment),
        detail: serde_json::Value,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        self.wake_dispatcher();
        let mut tx = self.store().begin().await?;
        self.audit_in(&mut tx, actor, action, Some(client_uuid), Some(environment), detail, now).await?;
        Ok(tx.commit().await?)
    }

    /// After the store queued `queued` of a bulk resend on `endpoint` (`remaining` left): what follows
    /// any resend, the range and the counts written to the audit log, and the receipt.
    pub(super) async fn bulk_resent(
        &self,
        actor: &Actor,
        action: &str,
        endpoint: &EndpointKey,
        (since, until): (Timestamp, Timestamp),
        (queued, remaining): (u64, u64),
        now: Timestamp,
    ) -> Result<BulkResendReceipt, ServiceError> {
        let detail = json!({ "since": since, "until": until, "queued": queued, "remaining": remaining });
        let scope = (endpoint.client_uuid.as_str(), endpoint.environment);
        self.resent(actor, action, scope, detail, now).await?;
        Ok(BulkResendReceipt { queued, remaining })
    }
}
