//! Retention: payloads of finished records are purged, and old finished records deleted with their
//! attempts, in batches; anything still to be sent is never touched, however old.

use app::vocab::{AttemptTrigger, Environment, NotificationStatus};
use rook_notify::store::Channel;

use super::fixtures::{
    attempt, claim, claimed, delivered, document, endpoint, failed, outcome, record, retry_at, rules, subscribed_store,
};
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a7";

async fn finished_notifications_lose_their_payload_then_their_record(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    // Old: delivered, failed, failed but queued for a resend, retrying, pending, not subscribed.
    let mut old = Vec::new();
    for user in ["delivered", "failed", "queued", "retrying"] {
        old.push(record(&store, &a, user, t0).await.0);
    }
    let claims = claim(&store, Channel::Notification, &a, t0).await;
    let nexts = [delivered(), failed(), failed(), retry_at(t0.plus_seconds(3600))];
    let outcomes: Vec<_> = old.iter().zip(nexts).map(|(id, next)| outcome(claimed(&claims, id), t0, next)).collect();
    store.record_attempts(&outcomes, &[], &rules(), 100, t0).await.unwrap();
    let (recent, _) = record(&store, &a, "recent", t0.plus_seconds(100)).await;
    let recent_claim = claim(&store, Channel::Notification, &a, t0.plus_seconds(100)).await;
    let done = attempt(claimed(&recent_claim, &recent), 200, t0.plus_seconds(100), delivered());
    store.record_attempts(&[done], &[], &rules(), 100, t0.plus_seconds(100)).await.unwrap();
    assert!(store.schedule_resend(&old[2], AttemptTrigger::Resend, "staff", t0.plus_seconds(1)).await.unwrap());
    let (pending, _) = record(&store, &a, "pending", t0).await;
    let (quiet, _) = record(&store, &endpoint(A, Environment::Production), "quiet", t0).await;

    let cut = t0.plus_seconds(50);
    let body = |id: String| {
        let store = &store;
        async move { store.notification(&id).await.unwrap().map(|n| n.body.is_some()) }
    };
    // Finished and old: their payload, then their record, go. Waiting, queued or recent: they stay.
    let finished = [&old[0], &old[1], &quiet];
    let kept = [&old[2], &old[3], &pending, &recent];
    assert_eq!(store.purge_notification_payloads(cut, 1).await.unwrap(), 3, "in batches of one, until done");
    for id in finished {
        assert_eq!(body(id.clone()).await, Some(false), "{id}");
    }
    for id in kept {
        assert_eq!(body(id.clone()).await, Some(true), "{id}");
    }
    assert_eq!(store.purge_notification_payloads(cut, 1).await.unwrap(), 0);
    assert!(!store.schedule_resend(&old[0], AttemptTrigger::Resend, "staff", cut).await.unwrap(), "nothing to send");

    assert_eq!(store.delete_old_records(cut, 1).await.unwrap(), 3);
    for id in finished {
        assert_eq!(body(id.clone()).await, None, "{id}");
    }
    for id in kept {
        assert_eq!(body(id.clone()).await, Some(true), "{id}");
    }
    assert!(store.attempts_of(&old[0]).await.unwrap().is_empty(), "attempts go with their record");
    assert_eq!(store.attempts_of(&old[3]).await.unwrap().len(), 1);
    assert_eq!(store.delete_old_records(cut, 1).await.unwrap(), 0);
    assert_eq!(store.notification(&old[3]).await.unwrap().unwrap().status, NotificationStatus::Retrying);
}

async fn finished_documents_lose_their_payload_then_their_record(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let docs: Vec<_> = (0..5).map(|i| document(&a, &format!("u{i}"))).collect();
    for doc in &docs {
        store.insert_data_delivery(doc, None, t0).await.unwrap();
    }
    let claims = claim(&store, Channel::Data, &a, t0).await;
    // Delivered, failed, retrying, failed (then resent); the fourth stays claimed (in flight).
    let nexts = [(0, delivered()), (1, failed()), (2, retry_at(t0.plus_seconds(3600))), (4, failed())];
    let outcomes: Vec<_> =
        nexts.into_iter().map(|(i, next)| outcome(claimed(&claims, &docs[i].id), t0, next)).collect();
    store.record_attempts(&outcomes, &[], &rules(), 100, t0).await.unwrap();
    let recent = document(&a, "recent");
    store.insert_data_delivery(&recent, None, t0.plus_seconds(100)).await.unwrap();
    // The claim takes the fourth again too (its lease has run out); it stays in flight.
    let recent_claim = claim(&store, Channel::Data, &a, t0.plus_seconds(100)).await;
    assert_eq!(recent_claim.len(), 2);
    let done = attempt(claimed(&recent_claim, &recent.id), 200, t0.plus_seconds(100), delivered());
    store.record_attempts(&[done], &[], &rules(), 100, t0.plus_seconds(100)).await.unwrap();
    assert!(store.schedule_data_resend(&docs[4].id, "staff", t0.plus_seconds(101)).await.unwrap());

    // Finished and old: their payload, then their record, go. Waiting, queued or recent: they stay.
    let (cut, now) = (t0.plus_seconds(50), t0.plus_seconds(200));
    let finished = [&docs[0], &docs[1]];
    let kept = [&docs[2], &docs[3], &docs[4], &recent];
    assert_eq!(store.purge_data_payloads(cut, 1, now).await.unwrap(), 2, "in batches of one, until done");
    for doc in finished {
        let d = store.data_delivery(&doc.id).await.unwrap().unwrap();
        assert_eq!((d.body, d.body_purged_at), (None, Some(now)), "{}", doc.user_id);
    }
    for doc in kept {
        let d = store.data_delivery(&doc.id).await.unwrap().unwrap();
        assert_eq!((d.body.as_ref(), d.body_purged_at), (Some(&doc.body), None), "{}", doc.user_id);
    }
    assert!(!store.schedule_data_resend(&docs[0].id, "staff", now).await.unwrap(), "nothing left to send");
    assert_eq!(store.purge_data_payloads(cut, 1, now).await.unwrap(), 0);

    assert_eq!(store.delete_old_records(cut, 1).await.unwrap(), 2);
    for doc in finished {
        assert!(store.data_delivery(&doc.id).await.unwrap().is_none(), "{}", doc.user_id);
    }
    for doc in kept {
        assert!(store.data_delivery(&doc.id).await.unwrap().is_some(), "{}", doc.user_id);
    }
    assert!(store.data_attempts_of(&docs[0].id).await.unwrap().is_empty());
}

/// Finding what retention may touch is a read: with nothing old enough, a run needs no writer, so on
/// SQLite it never waits behind (or holds up) the single writer for the scan of a whole table.
async fn retention_with_nothing_to_do_does_not_wait_for_the_writer(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let (id, _) = record(&store, &a, "recent", t0).await;
    let claims = claim(&store, Channel::Notification, &a, t0).await;
    let done = attempt(claimed(&claims, &id), 200, t0, delivered());
    store.record_attempts(&[done], &[], &rules(), 100, t0).await.unwrap();
    let cut = t0.plus_seconds(-1);

    // An open write transaction: on SQLite it holds the one writer connection.
    let writer = store.begin().await.unwrap();
    let runs = async {
        (
            store.purge_notification_payloads(cut, 500).await.unwrap(),
            store.purge_data_payloads(cut, 500, t0).await.unwrap(),
            store.delete_old_records(cut, 500).await.unwrap(),
        )
    };
    // The deadline only bounds a failure: without the writer, the runs never finish.
    let done = tokio::time::timeout(std::time::Duration::from_secs(10), runs).await;
    assert_eq!(done.expect("retention waited for the writer with nothing to do"), (0, 0, 0));
    writer.commit().await.unwrap();
    assert!(store.notification(&id).await.unwrap().unwrap().body.is_some(), "a recent record keeps its payload");
}

crate::on_both_backends!(
    finished_notifications_lose_their_payload_then_their_record,
    finished_documents_lose_their_payload_then_their_record,
    retention_with_nothing_to_do_does_not_wait_for_the_writer,
);
