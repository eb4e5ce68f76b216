//! What every resend (of one notification or data delivery, or in bulk) shares: what follows once the
//! store queued it; and a bulk resend of failed notifications or rejected data deliveries as a whole
//! (the checks, the range of creation times it covers, how much one call queues, the audit).

use app::dto::{BulkResend, BulkResendReceipt};
use app::timestamp::Timestamp;
use app::vocab::Environment;
use serde_json::json;

use super::paging::check_time_range;
use super::{Actor, ServiceError, Services};
use crate::store::EndpointKey;

/// How many items one bulk resend queues at most; the receipt's `remaining` says how many are left.
const BULK_RESEND_LIMIT: u32 = 10_000;

/// The creation times `[since, until)` a bulk resend covers: up to now (and a second beyond, so what
/// was created this instant is included) when `until` is absent.
fn resend_range(
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

    /// Queues an immediate attempt of every failed notification or rejected data delivery of an
    /// environment created in `[since, until)` (up to [`BULK_RESEND_LIMIT`] per call; `remaining` says
    /// how many are left). A client key's allowance is taken first and what was not queued given back.
    pub async fn resend_in_bulk(
        &self,
        actor: &Actor,
        what: BulkResend,
        client_uuid: &str,
        environment: Environment,
        since: Timestamp,
        until: Option<Timestamp>,
    ) -> Result<BulkResendReceipt, ServiceError> {
        actor.require_write()?;
        let (client, _) = self.visible_environment(actor, client_uuid, environment).await?;
        let now = Timestamp::now();
        let range = resend_range(since, until, now)?;
        if what == BulkResend::FailedNotifications {
            self.require_subscribed(&client.client_uuid, environment).await?;
        }
        let endpoint = EndpointKey { client_uuid: client.client_uuid.clone(), environment };
        let allowed = self.bulk_allowance(actor, BULK_RESEND_LIMIT)?;
        let by = actor.audit_name();
        let (counts, action) = match what {
            BulkResend::FailedNotifications => (
                self.store().schedule_resend_failed(&endpoint, range.0, range.1, &by, allowed, now).await,
                "notification.bulk_resent",
            ),
            BulkResend::RejectedData => (
                self.store().schedule_data_resend_rejected(&endpoint, range, &by, allowed, now).await,
                "data_delivery.bulk_resent",
            ),
        };
        self.unused_bulk_allowance(actor, allowed, counts.as_ref().map_or(0, |c| c.0));
        self.bulk_resent(actor, action, &endpoint, range, counts?, now).await
    }
}
