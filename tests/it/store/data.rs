//! Data Webhook deliveries: stored once and sent byte for byte, retried, resent, and the client told
//! of the first rejection.

use app::vocab::{
    AttemptErrorKind, AttemptTrigger, DataDeliveryStatus, DataType, NotificationStatus, NotificationType, Pillar,
};
use rook_notify::store::{Channel, DataIngestOutcome, RejectionNotice};

use super::fixtures::{
    attempt, claim, claimed, claimed_ids, delivered, document, failed, notification, outcome, retry_at, rules,
    subscribed_store,
};
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a6";

async fn a_document_is_recorded_due_now_and_claimed_byte_for_byte(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let doc = document(&a, "u1");
    assert_eq!(store.insert_data_delivery(&doc, None, t0).await.unwrap(), DataIngestOutcome::Recorded);

    let d = store.data_delivery(&doc.id).await.unwrap().unwrap();
    assert_eq!((d.client_uuid.as_str(), d.environment, d.user_id.as_str()), (A, a.environment, "u1"));
    assert_eq!((d.data_type, d.pillar, d.document_id.as_deref()), (DataType::Summary, Pillar::Sleep, Some("doc-u1")));
    assert_eq!(d.body.as_deref(), Some(doc.body.as_slice()), "the exact bytes");
    assert_eq!((d.status, d.created_at, d.progress.next_attempt_at), (DataDeliveryStatus::Pending, t0, Some(t0)));
    assert_eq!((d.progress.attempt_count, d.body_purged_at, d.rejected_notification_id), (0, None, None));
    assert!(store.data_delivery("0190b7e2-0000-7000-8000-00000000ffff").await.unwrap().is_none());
    assert_eq!(store.due_endpoints(Channel::Data, t0).await.unwrap(), vec![a.clone()]);
    assert!(store.due_endpoints(Channel::Notification, t0).await.unwrap().is_empty());

    let claims = claim(&store, Channel::Data, &a, t0).await;
    assert_eq!(claims.len(), 1);
    let c = &claims[0];
    assert_eq!((c.id.as_str(), c.channel, c.occurred_at), (doc.id.as_str(), Channel::Data, t0));
    assert_eq!(c.body.as_deref(), Some(doc.body.as_slice()));
    assert_eq!(c.notification_type, None);
    let meta = c.data.as_ref().expect("a document's own fields");
    assert_eq!(
        (meta.data_type, meta.pillar, meta.document_id.as_deref()),
        (DataType::Summary, Pillar::Sleep, Some("doc-u1"))
    );
    assert_eq!((meta.hash_datetime.as_str(), meta.rejection_notified), (doc.hash_datetime.as_str(), false));

    let ok = attempt(c, 200, t0.plus_seconds(1), delivered());
    store.record_attempts(&[ok], &[], &rules(), 5, t0.plus_seconds(1)).await.unwrap();
    let d = store.data_delivery(&doc.id).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.progress.attempt_count, d.progress.delivered_at),
        (DataDeliveryStatus::Delivered, 1, Some(t0.plus_seconds(1)))
    );
    let attempts = store.data_attempts_of(&doc.id).await.unwrap();
    assert_eq!((attempts.len(), attempts[0].succeeded, attempts[0].response_status), (1, true, Some(200)));
    assert!(store.attempts_of(&doc.id).await.unwrap().is_empty(), "not a notification's attempt");
    assert!(
        store.hourly_stats(None, t0.plus_seconds(-7200)).await.unwrap().is_empty(),
        "documents are not in the roll-up"
    );
}

async fn a_rejected_document_is_retried_resent_and_its_first_rejection_notified(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let doc = document(&a, "u1");
    store.insert_data_delivery(&doc, None, t0).await.unwrap();
    let claims = claim(&store, Channel::Data, &a, t0).await;
    let planned = t0.plus_seconds(600);
    let mut rejected = attempt(&claims[0], 400, t0.plus_seconds(1), retry_at(planned));
    let notice = notification(&a, NotificationType::DataWebhookRejected, "u1", t0);
    rejected.notice = Some(RejectionNotice { first: true, notification: notice.clone() });
    let summary = store.record_attempts(&[rejected], &[], &rules(), 5, t0.plus_seconds(2)).await.unwrap();
    assert_eq!(summary.notices, [(notice.id.clone(), NotificationStatus::Pending)]);
    assert!(summary.alerts.is_empty() && summary.disabled.is_empty(), "the Data Webhook has no endpoint health");

    let d = store.data_delivery(&doc.id).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.progress.attempt_count, d.progress.next_attempt_at),
        (DataDeliveryStatus::Retrying, 1, Some(planned))
    );
    assert_eq!(
        (d.progress.last_error_kind, d.rejected_notification_id.as_deref()),
        (Some(AttemptErrorKind::HttpStatus), Some(notice.id.as_str()))
    );
    assert_eq!(d.progress.last_http_status, Some(400), "the newest attempt's answer");
    let n = store.notification(&notice.id).await.unwrap().unwrap();
    assert_eq!((n.kind, n.status), (NotificationType::DataWebhookRejected, NotificationStatus::Pending));

    // A resend is due now, keeps the planned retry to restore, and the claim knows it was notified.
    let now = t0.plus_seconds(10);
    assert!(store.schedule_data_resend(&doc.id, "staff@rook.example", now).await.unwrap());
    assert_eq!(store.data_delivery(&doc.id).await.unwrap().unwrap().progress.next_attempt_at, Some(now));
    let resend = claim(&store, Channel::Data, &a, now).await;
    let c = &resend[0];
    assert_eq!((c.trigger, c.triggered_by.as_deref()), (AttemptTrigger::Resend, Some("staff@rook.example")));
    assert_eq!((c.resume_at, c.resend_mark, c.attempt_count), (Some(planned), Some(now), 1));
    assert!(c.data.as_ref().unwrap().rejection_notified);
    assert!(!store.schedule_data_resend("0190b7e2-0000-7000-8000-00000000ffff", "s", now).await.unwrap());
}

async fn a_bulk_resend_queues_rejected_documents_of_the_range_oldest_first(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let docs: Vec<_> = (0..4).map(|i| document(&a, &format!("u{i}"))).collect();
    for (i, doc) in (0..).zip(&docs) {
        store.insert_data_delivery(doc, None, t0.plus_seconds(i)).await.unwrap();
    }
    let claims = claim(&store, Channel::Data, &a, t0.plus_seconds(5)).await;
    let planned = t0.plus_seconds(900);
    let nexts = [failed(), retry_at(planned), delivered(), failed()];
    let outcomes: Vec<_> = docs
        .iter()
        .zip(nexts)
        .map(|(doc, next)| outcome(claimed(&claims, &doc.id), t0.plus_seconds(5), next))
        .collect();
    store.record_attempts(&outcomes, &[], &rules(), 5, t0.plus_seconds(5)).await.unwrap();

    // [t0, t0+3): the failed one and the retrying one; the delivered one is not rejected.
    let (range, now) = ((t0, t0.plus_seconds(3)), t0.plus_seconds(10));
    assert_eq!(store.schedule_data_resend_rejected(&a, range, "staff", 1, now).await.unwrap(), (1, 1));
    assert_eq!(
        store.data_delivery(&docs[0].id).await.unwrap().unwrap().progress.next_attempt_at,
        Some(now),
        "oldest first"
    );
    assert_eq!(store.schedule_data_resend_rejected(&a, range, "staff", 10, now).await.unwrap(), (1, 0));
    assert_eq!(store.schedule_data_resend_rejected(&a, range, "staff", 10, now).await.unwrap(), (0, 0));
    assert_eq!(
        store.data_delivery(&docs[3].id).await.unwrap().unwrap().progress.next_attempt_at,
        None,
        "outside the range"
    );

    let queued = claim(&store, Channel::Data, &a, now).await;
    assert_eq!(claimed_ids(&queued), [docs[0].id.clone(), docs[1].id.clone()]);
    assert!(queued.iter().all(|c| c.trigger == AttemptTrigger::BulkResend));
    assert_eq!(claimed(&queued, &docs[1].id).resume_at, Some(planned), "the planned retry is kept to restore");
}

crate::on_both_backends!(
    a_document_is_recorded_due_now_and_claimed_byte_for_byte,
    a_rejected_document_is_retried_resent_and_its_first_rejection_notified,
    a_bulk_resend_queues_rejected_documents_of_the_range_oldest_first,
);
