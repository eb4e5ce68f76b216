//! What the dispatcher needs: due endpoints, claims under a lease, giving claims back, endpoint
//! settings, and recording attempts in batches.

use app::vocab::{AttemptErrorKind, AttemptTrigger, Environment, NotificationStatus, NotificationType, SecretPurpose};
use rook_notify::store::{
    Channel, Dialect, NextState, NotificationFilter, Position, RecordSummary, SecretCipher, Skipped, Store,
};

use super::fixtures::{
    DATA_URL, NOTIFY_URL, attempt, claim, claimed, claimed_ids, delivered, endpoint, item, notification, record,
    retry_at, rules, subscribed, subscribed_store,
};
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a1";
const B: &str = "0190b7e2-0000-7000-8000-0000000000b1";

async fn claims_take_the_oldest_due_first_under_a_lease(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let b = subscribed(&store, B, "Beta", t0).await;
    assert_eq!(store.next_due_at().await.unwrap(), None, "nothing is scheduled yet");
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(record(&store, &a, &format!("u{i}"), t0.plus_seconds(i)).await.0);
    }
    let (b1, _) = record(&store, &b, "u-b1", t0.plus_seconds(1)).await;
    let (b2, _) = record(&store, &b, "u-b2", t0.plus_seconds(2)).await;

    assert_eq!(store.due_endpoints(Channel::Notification, t0).await.unwrap(), vec![a.clone()], "B is due from t0+1");
    let mut due = store.due_endpoints(Channel::Notification, t0.plus_seconds(5)).await.unwrap();
    due.sort();
    assert_eq!(due, [a.clone(), b.clone()]);
    assert!(store.due_endpoints(Channel::Data, t0.plus_seconds(5)).await.unwrap().is_empty());
    assert_eq!(store.next_due_at().await.unwrap(), Some(t0));

    let now = t0.plus_seconds(5);
    let lease = now.plus_seconds(60);
    let asked = [(a.clone(), 2), (b.clone(), 0)];
    let first = store.claim_due(Channel::Notification, now, lease, &asked, i64::MAX).await.unwrap();
    assert_eq!(claimed_ids(&first), ids[..2], "the two oldest");
    let c = claimed(&first, &ids[0]);
    assert_eq!((c.channel, &c.endpoint, c.lease), (Channel::Notification, &a, lease));
    assert_eq!((c.status, c.attempt_count, c.trigger), (NotificationStatus::Pending, 0, AttemptTrigger::Schedule));
    assert_eq!(c.notification_type, Some(NotificationType::UserCreated));
    assert_eq!(c.user_id.as_deref(), Some("u0"));
    assert_eq!(c.created_at, t0);
    assert!(c.body.as_ref().is_some_and(|b| b.starts_with(b"{\"type\":\"user.created\"")));
    assert!(c.data.is_none() && !c.is_test && c.resend_mark.is_none());

    // Claimed rows are not due until the lease ends.
    let second = claim(&store, Channel::Notification, &a, now).await;
    assert_eq!(second.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [ids[2].as_str()]);
    assert!(claim(&store, Channel::Notification, &a, now).await.is_empty());
    assert_eq!(store.due_endpoints(Channel::Notification, now).await.unwrap(), vec![b.clone()]);
    assert_eq!(store.next_due_at().await.unwrap(), Some(t0.plus_seconds(1)), "B's first is due next");

    // The first delivery is taken whatever the byte budget; the next one waits for another claim.
    let budget = store.claim_due(Channel::Notification, now, lease, &[(b.clone(), 10)], 1).await.unwrap();
    assert_eq!(budget.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [b1.as_str()]);
    let rest = store.claim_due(Channel::Notification, now, lease, &[(b.clone(), 10)], i64::MAX).await.unwrap();
    assert_eq!(rest.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [b2.as_str()]);
    assert_eq!(store.next_due_at().await.unwrap(), Some(lease), "claimed rows fall due when the lease ends");

    // Given back with the wrong lease, nothing happens; with its own, it is due again at once (at the
    // real time of the release, well before the other claims' leases end).
    let before_leases_end = lease.plus_seconds(-1);
    store.release_claims(Channel::Notification, &[(ids[0].clone(), lease.plus_seconds(1))]).await.unwrap();
    assert!(store.due_endpoints(Channel::Notification, before_leases_end).await.unwrap().is_empty());
    store.release_claims(Channel::Notification, &[(ids[0].clone(), lease)]).await.unwrap();
    assert!(store.next_due_at().await.unwrap().is_some_and(|at| at < before_leases_end));
    let again = claim(&store, Channel::Notification, &a, before_leases_end).await;
    assert_eq!(again.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [ids[0].as_str()]);
}

/// One claim over many endpoints (several statements of up to 32, padded): each endpoint gets its
/// own count, and one byte budget spans them all, the first row taken whatever its size.
async fn one_claim_takes_each_endpoints_count_under_one_byte_budget(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let b = subscribed(&store, B, "Beta", t0).await;
    let (a1, _) = record(&store, &a, "u-a1", t0).await;
    record(&store, &a, "u-a2", t0.plus_seconds(1)).await;
    let (b1, _) = record(&store, &b, "u-b1", t0).await;
    let (b2, _) = record(&store, &b, "u-b2", t0.plus_seconds(1)).await;
    record(&store, &b, "u-b3", t0.plus_seconds(2)).await;
    let now = t0.plus_seconds(5);
    let lease = now.plus_seconds(60);

    // Room for a's first and b's first: bytes before a row must be under the budget.
    let a1_size = store.notification(&a1).await.unwrap().unwrap().body.map_or(0, |b| b.len());
    let budget = i64::try_from(a1_size).unwrap() + 1;
    let asked = [(a.clone(), 1), (b.clone(), 2)];
    let first = store.claim_due(Channel::Notification, now, lease, &asked, budget).await.unwrap();
    assert_eq!(
        claimed_ids(&first),
        [a1.clone(), b1],
        "a's count of one, then b's first; b's second is over the budget"
    );

    // Without a budget, each endpoint's count: a asked for none, b for two of its two left.
    let asked = [(a.clone(), 0), (b.clone(), 2)];
    let rest = claimed_ids(&store.claim_due(Channel::Notification, now, lease, &asked, i64::MAX).await.unwrap());
    assert_eq!(rest.len(), 2);
    assert!(rest.contains(&b2) && !rest.contains(&a1), "{rest:?}");

    // Forty endpoints in one claim: more than one statement holds.
    let mut many = Vec::new();
    for i in 0..40 {
        let client = format!("0190b7e2-0000-7000-8000-{:012x}", 0xc000 + i);
        let endpoint = subscribed(&store, &client, &format!("Client {i}"), t0).await;
        let (id, _) = record(&store, &endpoint, "u", t0).await;
        many.push((endpoint, id));
    }
    let asked: Vec<_> = many.iter().map(|(endpoint, _)| (endpoint.clone(), 5)).collect();
    let claims = store.claim_due(Channel::Notification, now, lease, &asked, i64::MAX).await.unwrap();
    assert_eq!(claims.len(), 40);
    for (endpoint, id) in &many {
        let c = claimed(&claims, id);
        assert_eq!((&c.endpoint, c.lease), (endpoint, lease));
    }
}

async fn endpoint_configs_carry_the_url_state_and_signing_secrets(db: TestDatabase) {
    let (store, t0, sandbox) = subscribed_store(&db, A).await;
    let production = endpoint(A, Environment::Production);
    store
        .in_tx(async |tx| {
            tx.set_environment_endpoints(
                A,
                Environment::Sandbox,
                Some(NOTIFY_URL),
                Some(DATA_URL),
                Some("hash-key"),
                t0,
            )
            .await
        })
        .await
        .unwrap();
    store
        .in_tx(async |tx| {
            tx.set_environment_endpoints(A, Environment::Production, None, Some(DATA_URL), None, t0).await
        })
        .await
        .unwrap();
    let purpose = SecretPurpose::Notification;
    store
        .in_tx(async |tx| tx.ensure_secret(A, Environment::Sandbox, purpose, || "whsec_n1".into(), t0).await)
        .await
        .unwrap();
    store
        .in_tx(async |tx| tx.rotate_secret(A, Environment::Sandbox, purpose, "whsec_n2", 3_600_000_000, t0).await)
        .await
        .unwrap();
    store
        .in_tx(async |tx| {
            tx.ensure_secret(A, Environment::Sandbox, SecretPurpose::Data, || "whsec_d1".into(), t0).await
        })
        .await
        .unwrap();

    let keys = [sandbox.clone(), production.clone()];
    let configs = store.endpoint_configs(Channel::Notification, &keys, t0.plus_seconds(1)).await.unwrap();
    let s = &configs[&sandbox];
    assert_eq!((s.state, s.url.as_deref()), (app::vocab::SubscriptionState::Active, Some(NOTIFY_URL)));
    assert_eq!(s.rook_hash_key.as_deref(), Some("hash-key"));
    assert_eq!(s.secrets, ["whsec_n2", "whsec_n1"], "the current secret first, the rotated one while it overlaps");
    assert!(s.unreadable.is_none() && s.sends(Channel::Notification));
    let p = &configs[&production];
    assert_eq!((p.state, p.url.as_deref()), (app::vocab::SubscriptionState::Inactive, None));
    assert!(p.secrets.is_empty() && !p.sends(Channel::Notification));

    // An endpoint asked for twice is read once: its secrets are not doubled.
    let twice = [sandbox.clone(), sandbox.clone()];
    let once = store.endpoint_configs(Channel::Notification, &twice, t0.plus_seconds(1)).await.unwrap();
    assert_eq!(once[&sandbox].secrets, ["whsec_n2", "whsec_n1"]);

    let later = store.endpoint_configs(Channel::Notification, &keys, t0.plus_seconds(7200)).await.unwrap();
    assert_eq!(later[&sandbox].secrets, ["whsec_n2"], "the old secret retired after the overlap");

    let data = store.endpoint_configs(Channel::Data, &keys, t0).await.unwrap();
    assert_eq!(
        (data[&sandbox].url.as_deref(), data[&sandbox].secrets.as_slice()),
        (Some(DATA_URL), &["whsec_d1".to_owned()][..])
    );
    assert!(data[&production].sends(Channel::Data), "documents go out whatever the subscription");

    // A process with another key cannot read the secrets: that endpoint waits, with the reason.
    let stranger = Store::connect(&db.url, SecretCipher::new([7; 32], &[])).await.unwrap();
    let unreadable = stranger.endpoint_configs(Channel::Notification, &keys, t0).await.unwrap();
    assert!(unreadable[&sandbox].unreadable.is_some());
    assert!(unreadable[&sandbox].secrets.is_empty() && unreadable[&sandbox].rook_hash_key.is_none());
    assert!(unreadable[&production].unreadable.is_none(), "the other endpoint is not held up");
    stranger.close().await;
}

async fn a_recorded_batch_applies_each_outcome_and_counts_it(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let (ok, _) = record(&store, &a, "u-ok", t0).await;
    let (bad, _) = record(&store, &a, "u-bad", t0).await;
    let (skip, _) = record(&store, &a, "u-skip", t0).await;
    let claims = claim(&store, Channel::Notification, &a, t0).await;
    let by_id = |id: &str| claims.iter().find(|c| c.id == id).unwrap();

    let attempts = [
        attempt(by_id(&ok), 200, t0.plus_seconds(1), delivered()),
        attempt(by_id(&bad), 500, t0.plus_seconds(2), retry_at(t0.plus_seconds(60))),
    ];
    let skipped = Skipped {
        channel: Channel::Notification,
        id: skip.clone(),
        endpoint: a.clone(),
        next: NextState {
            status: NotificationStatus::Pending,
            next_attempt_at: Some(t0.plus_seconds(30)),
            resume_at: None,
        },
        resend_mark: None,
        lease: by_id(&skip).lease,
    };
    let summary = store.record_attempts(&attempts, &[skipped], &rules(), 5, t0.plus_seconds(3)).await.unwrap();
    assert_eq!(summary, RecordSummary::default(), "nothing disabled, noticed, alerted or stale");

    let n = store.notification(&ok).await.unwrap().unwrap();
    assert_eq!(
        (n.status, n.progress.attempt_count, n.progress.next_attempt_at),
        (NotificationStatus::Delivered, 1, None)
    );
    assert_eq!(
        (n.progress.delivered_at, n.progress.last_attempt_at),
        (Some(t0.plus_seconds(1)), Some(t0.plus_seconds(1)))
    );
    let n = store.notification(&bad).await.unwrap().unwrap();
    assert_eq!((n.status, n.progress.attempt_count), (NotificationStatus::Retrying, 1));
    assert_eq!((n.progress.next_attempt_at, n.progress.delivered_at), (Some(t0.plus_seconds(60)), None));
    assert_eq!(n.progress.last_error_kind, Some(AttemptErrorKind::HttpStatus));
    assert_eq!(n.progress.last_http_status, Some(500), "the newest attempt's answer");
    let filter = NotificationFilter { client_uuid: n.client_uuid.clone(), ..Default::default() };
    let listed = store.list_notifications(&filter, &Position::Before(None), 10).await.unwrap();
    let last_status = |id: &str| listed.iter().find(|l| l.id == id).unwrap().progress.last_http_status;
    assert_eq!((last_status(&bad), last_status(&skip)), (Some(500), None), "lists carry it; no attempt, none");
    let n = store.notification(&skip).await.unwrap().unwrap();
    assert_eq!(
        (n.status, n.progress.attempt_count, n.progress.next_attempt_at),
        (NotificationStatus::Pending, 0, Some(t0.plus_seconds(30)))
    );
    assert!(store.attempts_of(&skip).await.unwrap().is_empty(), "a skip is not an attempt");

    let stored = store.attempts_of(&bad).await.unwrap();
    assert_eq!(stored.len(), 1);
    let s = &stored[0];
    assert_eq!((s.attempt_number, s.trigger, s.started_at), (1, AttemptTrigger::Schedule, t0.plus_seconds(2)));
    assert_eq!((s.response_status, s.succeeded, s.duration_ms), (Some(500), false, 1));
    assert_eq!(s.response_body.as_deref(), Some("no\u{FFFD}pe"), "NUL is stored as the replacement character");
    assert_eq!(s.request_headers, [("webhook-id".to_owned(), bad.clone())]);
    assert_eq!(s.response_headers, [("content-type".to_owned(), "text/plain".to_owned())]);
    assert_eq!((s.error_kind, s.error_message.as_deref()), (Some(AttemptErrorKind::HttpStatus), Some("HTTP 500")));
    assert_eq!(s.url, NOTIFY_URL);
    assert!(store.attempts_of(&ok).await.unwrap()[0].succeeded);

    // The endpoint's failure streak starts at the failure after the success.
    let env = store.environment(A, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!((env.consecutive_failures, env.failing_since), (1, Some(t0.plus_seconds(2))));
    assert_eq!(env.last_success_at, Some(t0.plus_seconds(1)));
    // A starting dispatcher reads which endpoints succeeded lately.
    assert_eq!(store.answered_since(t0.plus_seconds(1)).await.unwrap(), vec![(a.clone(), t0.plus_seconds(1))]);
    assert!(store.answered_since(t0.plus_seconds(2)).await.unwrap().is_empty(), "not since its last success");

    // The same outcome again is stale: the claim's lease was released with the first record.
    let again = store.record_attempts(&attempts[..1], &[], &rules(), 5, t0.plus_seconds(4)).await.unwrap();
    assert_eq!(again.stale, 1);
    assert_eq!(store.attempts_of(&ok).await.unwrap().len(), 1);
}

/// A record batch of many rows (more than fit the parameters of one multi-row statement) sets each
/// row's own state: the rows travel as one parameter, in one statement whatever their number.
async fn a_large_record_batch_sets_each_rows_own_state(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let items: Vec<_> =
        (0..700).map(|i| item(notification(&a, NotificationType::UserCreated, &format!("u-{i}"), t0))).collect();
    store.ingest(&items, t0).await.unwrap();
    let claims =
        store.claim_due(Channel::Notification, t0, t0.plus_seconds(60), &[(a.clone(), 1000)], i64::MAX).await.unwrap();
    assert_eq!(claims.len(), 700);
    let retry = |i: usize| t0.plus_seconds(100 + i as i64);
    let attempts: Vec<_> = claims
        .iter()
        .enumerate()
        .map(|(i, c)| match i % 2 {
            0 => attempt(c, 200, t0.plus_seconds(1), delivered()),
            _ => attempt(c, 503, t0.plus_seconds(1), retry_at(retry(i))),
        })
        .collect();
    let summary = store.record_attempts(&attempts, &[], &rules(), 1000, t0.plus_seconds(2)).await.unwrap();
    assert_eq!(summary.stale, 0);
    for (i, c) in claims.iter().enumerate() {
        let n = store.notification(&c.id).await.unwrap().unwrap();
        let expected = match i % 2 {
            0 => (NotificationStatus::Delivered, None, Some(t0.plus_seconds(1))),
            _ => (NotificationStatus::Retrying, Some(retry(i)), None),
        };
        assert_eq!((n.status, n.progress.next_attempt_at, n.progress.delivered_at), expected, "row {i}");
        assert_eq!(n.progress.attempt_count, 1, "row {i}");
    }
}

/// An attempt's text travels to the database inside a JSON parameter: whatever a receiver answered
/// (quotes, backslashes, line breaks, control characters, text beyond the BMP, a JSON look-alike) comes
/// back as it was, apart from NUL, which neither backend's text can hold.
async fn recorded_attempts_keep_the_receivers_text_as_sent(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let (id, _) = record(&store, &a, "u-text", t0).await;
    let claims = claim(&store, Channel::Notification, &a, t0).await;
    let awkward = "\"quoted\" \\ back\\slash\r\nline\t\u{1}\u{7f} \u{2028} é 😀 {\"a\":[1,null]} \\u0000";
    let mut attempt = attempt(claimed(&claims, &id), 500, t0.plus_seconds(1), retry_at(t0.plus_seconds(60)));
    attempt.response_body = format!("{awkward}\0end");
    attempt.response_headers = vec![("x-odd".to_owned(), awkward.replace(['\r', '\n'], " "))];
    attempt.error_message = Some(awkward.to_owned());
    attempt.url = format!("{NOTIFY_URL}?q=\"é\"");
    store.record_attempts(&[attempt], &[], &rules(), 5, t0.plus_seconds(2)).await.unwrap();

    let stored = store.attempts_of(&id).await.unwrap();
    assert_eq!(stored.len(), 1);
    let s = &stored[0];
    assert_eq!(s.response_body.as_deref(), Some(format!("{awkward}\u{FFFD}end").as_str()));
    assert_eq!(s.response_headers, [("x-odd".to_owned(), awkward.replace(['\r', '\n'], " "))]);
    assert_eq!(s.error_message.as_deref(), Some(awkward));
    assert_eq!(s.url, format!("{NOTIFY_URL}?q=\"é\""));
    assert_eq!((s.response_status, s.attempt_number, s.duration_ms), (Some(500), 1, 1));
}

/// On Postgres a claim starts at its endpoint's front (the newest due time a claim took, less some
/// slack), past the index entries earlier claims left dead, and so does the look for endpoints with due
/// work. A row that falls due further back (a late commit, a clock behind) is found by the sweep, which
/// forgets that endpoint's front: the next look and claim read from the start and take it.
async fn a_row_due_behind_the_claims_front_is_found_by_the_sweep(db: TestDatabase) {
    let (store, t0, a) = subscribed_store(&db, A).await;
    let b = subscribed(&store, B, "Beta", t0).await;
    for i in 0..3 {
        record(&store, &a, &format!("u{i}"), t0.plus_seconds(60 + i)).await;
        record(&store, &b, &format!("u-b{i}"), t0.plus_seconds(60 + i)).await;
    }
    let now = t0.plus_seconds(120);
    let asked = [(a.clone(), 10), (b.clone(), 10)];
    let lease = now.plus_seconds(60);
    assert_eq!(store.claim_due(Channel::Notification, now, lease, &asked, i64::MAX).await.unwrap().len(), 6);
    assert_eq!(store.sweep_fronts().await.unwrap(), 0, "nothing behind the fronts yet");
    let (late, _) = record(&store, &a, "u-late", t0).await;

    if store.dialect() == Dialect::Sqlite {
        assert_eq!(store.due_endpoints(Channel::Notification, now).await.unwrap(), std::slice::from_ref(&a));
        let first = claim(&store, Channel::Notification, &a, now).await;
        assert_eq!(claimed_ids(&first), [late], "SQLite reads from the start every time");
        return;
    }
    assert!(claim(&store, Channel::Notification, &a, now).await.is_empty(), "a minute behind the front");
    assert!(store.due_endpoints(Channel::Notification, now).await.unwrap().is_empty(), "a look starts there too");
    assert_eq!(store.sweep_fronts().await.unwrap(), 1, "A's front is forgotten, B's kept");
    assert_eq!(store.due_endpoints(Channel::Notification, now).await.unwrap(), std::slice::from_ref(&a));
    let taken = claim(&store, Channel::Notification, &a, now).await;
    assert_eq!(claimed_ids(&taken), [late], "read from the start");
    assert_eq!(store.sweep_fronts().await.unwrap(), 0, "the front is learnt again");
}

crate::on_both_backends!(
    claims_take_the_oldest_due_first_under_a_lease,
    one_claim_takes_each_endpoints_count_under_one_byte_budget,
    endpoint_configs_carry_the_url_state_and_signing_secrets,
    a_recorded_batch_applies_each_outcome_and_counts_it,
    a_large_record_batch_sets_each_rows_own_state,
    recorded_attempts_keep_the_receivers_text_as_sent,
    a_row_due_behind_the_claims_front_is_found_by_the_sweep,
);
