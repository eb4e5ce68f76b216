//! API tokens (by digest) and idempotency keys: a key is claimed with the event it records, answers
//! with the first response until it expires, and is purged afterwards.

use app::timestamp::Timestamp;
use app::vocab::NotificationStatus;
use rook_notify::store::{
    DataIngestOutcome, IdempotencyClaim, IngestItem, IngestOutcome, StoreError, StoredResponse, TokenScope,
    receipt_body,
};

use super::fixtures::{document, item, notification, subscribed_store};
use super::migrated;
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a4";
const DAY: i64 = 86_400;

async fn tokens_are_found_by_digest_under_unique_names(db: TestDatabase) {
    let store = migrated(&db).await;
    let t0 = Timestamp::now();
    let admin = store.insert_token("ops", "digest-ops", TokenScope::Admin, t0).await.unwrap();
    let ingest = store.insert_token("ingest", "digest-ingest", TokenScope::Ingest, t0).await.unwrap();
    assert_eq!((admin.name.as_str(), admin.scope, admin.created_at), ("ops", TokenScope::Admin, t0));
    assert_ne!(admin.id, ingest.id);
    assert_eq!(store.token_by_digest("digest-ops").await.unwrap(), Some(admin));
    assert_eq!(store.token_by_digest("digest-ingest").await.unwrap(), Some(ingest));
    assert_eq!(store.token_by_digest("ops").await.unwrap(), None, "found by digest, not by name");
    let err = store.insert_token("ops", "digest-other", TokenScope::Ingest, t0).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { what: "name" }), "{err:?}");
    assert_eq!(store.token_by_digest("digest-other").await.unwrap(), None);
}

async fn an_idempotency_key_answers_once_until_it_expires(db: TestDatabase) {
    let (store, t0, sandbox) = subscribed_store(&db, A).await;
    let token = store.insert_token("ingest", "digest", TokenScope::Ingest, t0).await.unwrap();
    let claim = |key: &str, sha: &str, now: Timestamp| IdempotencyClaim {
        token_id: token.id.clone(),
        key: key.to_owned(),
        request_sha256: sha.to_owned(),
        expired_before: now.plus_seconds(-DAY),
    };
    let event = |key: &str, now: Timestamp| IngestItem {
        idempotency: Some(claim(key, "sha-1", now)),
        ..item(notification(&sandbox, app::vocab::NotificationType::UserCreated, "u1", now))
    };

    // Within one batch and across batches, a key records its event once.
    let (first, twin) = (event("k1", t0), event("k1", t0));
    let outcomes = store.ingest(&[first.clone(), twin.clone()], t0).await.unwrap();
    let recorded =
        IngestOutcome::Recorded { notification_id: first.notification.id.clone(), status: NotificationStatus::Pending };
    assert_eq!(outcomes, [recorded, IngestOutcome::DuplicateKey]);
    let again = event("k1", t0.plus_seconds(10));
    assert_eq!(
        store.ingest(std::slice::from_ref(&again), t0.plus_seconds(10)).await.unwrap(),
        [IngestOutcome::DuplicateKey]
    );
    for dropped in [&twin, &again] {
        assert!(store.notification(&dropped.notification.id).await.unwrap().is_none(), "nothing written");
    }
    let answer = StoredResponse {
        request_sha256: "sha-1".to_owned(),
        status: 202,
        body: receipt_body(&first.notification.id, NotificationStatus::Pending),
    };
    assert_eq!(store.idempotent_response(&token.id, "k1", t0).await.unwrap(), Some(answer));
    assert_eq!(store.idempotent_response(&token.id, "k1", t0.plus_seconds(1)).await.unwrap(), None, "recorded before");
    assert_eq!(store.idempotent_response(&token.id, "k2", t0).await.unwrap(), None);
    let other = store.insert_token("other", "digest-2", TokenScope::Ingest, t0).await.unwrap();
    assert_eq!(store.idempotent_response(&other.id, "k1", t0).await.unwrap(), None, "keys are per token");

    // Once expired, the key is taken over by the next request.
    let later = t0.plus_seconds(2 * DAY);
    let fresh = event("k1", later);
    assert_eq!(
        store.ingest(std::slice::from_ref(&fresh), later).await.unwrap(),
        [IngestOutcome::Recorded {
            notification_id: fresh.notification.id.clone(),
            status: NotificationStatus::Pending
        }]
    );
    let answer = store.idempotent_response(&token.id, "k1", later).await.unwrap().unwrap();
    assert_eq!(answer.body, receipt_body(&fresh.notification.id, NotificationStatus::Pending));

    // A data delivery claims keys the same way, with the receipt it is given.
    let doc = document(&sandbox, "u1");
    let data_claim = claim("d1", "sha-d", t0);
    let outcome = store.insert_data_delivery(&doc, Some((&data_claim, "receipt-d1")), t0).await.unwrap();
    assert_eq!(outcome, DataIngestOutcome::Recorded);
    let twin = document(&sandbox, "u1");
    let outcome = store.insert_data_delivery(&twin, Some((&data_claim, "receipt-twin")), t0).await.unwrap();
    assert_eq!(outcome, DataIngestOutcome::DuplicateKey);
    assert!(store.data_delivery(&twin.id).await.unwrap().is_none(), "nothing written");
    let answer = store.idempotent_response(&token.id, "d1", t0).await.unwrap().unwrap();
    assert_eq!((answer.request_sha256.as_str(), answer.body.as_str()), ("sha-d", "receipt-d1"));

    // Purging forgets the keys recorded before the cut only.
    assert_eq!(store.purge_idempotency_keys(t0.plus_seconds(1)).await.unwrap(), 1, "d1; k1 was re-recorded later");
    assert_eq!(store.idempotent_response(&token.id, "d1", t0).await.unwrap(), None);
    assert!(store.idempotent_response(&token.id, "k1", later).await.unwrap().is_some());
    assert_eq!(store.purge_idempotency_keys(later.plus_seconds(1)).await.unwrap(), 1);
    assert_eq!(store.purge_idempotency_keys(later.plus_seconds(1)).await.unwrap(), 0);
}

crate::on_both_backends!(
    tokens_are_found_by_digest_under_unique_names,
    an_idempotency_key_answers_once_until_it_expires
);
