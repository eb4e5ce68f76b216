//! Recording platform events: the status a notification starts in, and the users and data-source
//! links the events change, in one transaction per batch.

use app::vocab::{
    AttemptTrigger, Category, DisabledReason, Environment, NotificationStatus, NotificationType, SubscriptionState,
};
use rook_notify::store::{
    Channel, ClaimedDelivery, DomainChange, EndpointKey, IngestClaim, IngestItem, IngestOutcome, Store, StoreError,
    UserRecord,
};

use super::fixtures::{claim, endpoint, item, notification, record_kind, set_state, subscribed_store};
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000a3";

async fn a_notification_starts_in_the_status_its_subscription_gives_it(db: TestDatabase) {
    use NotificationStatus::{Filtered, Held, NotSubscribed, Pending};
    use NotificationType::{DataSourceLinked, SubscriptionTest, UserCreated};
    let (store, t0, sandbox) = subscribed_store(&db, A).await;
    let production = endpoint(A, Environment::Production);

    let (id, status) = record_kind(&store, &sandbox, UserCreated, "u1", t0).await;
    assert_eq!(status, Pending, "active with a URL");
    let n = store.notification(&id).await.unwrap().unwrap();
    assert_eq!((n.client_uuid.as_str(), n.environment, n.kind), (A, Environment::Sandbox, UserCreated));
    assert_eq!((n.category, n.user_id.as_deref(), n.is_test), (Category::UserManagement, Some("u1"), false));
    assert_eq!(
        (n.created_at, n.occurred_at, n.progress.next_attempt_at),
        (t0, t0.plus_seconds(-5), Some(t0)),
        "due now"
    );
    assert_eq!(n.body.as_deref(), Some(br#"{"type":"user.created","user_id":"u1"}"#.as_slice()));
    assert_eq!(
        (n.progress.attempt_count, n.progress.last_attempt_at, n.progress.delivered_at, n.progress.last_error_kind),
        (0, None, None, None)
    );
    assert!(store.notification("0190b7e2-0000-7000-8000-00000000ffff").await.unwrap().is_none());

    let (id, status) = record_kind(&store, &production, UserCreated, "u1", t0).await;
    assert_eq!(status, NotSubscribed, "the add-on is off");
    assert_eq!(store.notification(&id).await.unwrap().unwrap().progress.next_attempt_at, None, "never sent");

    // A type filter: unwanted types are recorded as filtered; tests always go through.
    store
        .in_tx(async |tx| tx.set_notification_types(A, Environment::Sandbox, Some(&[UserCreated]), t0).await)
        .await
        .unwrap();
    let env = store.environment(A, Environment::Sandbox).await.unwrap().unwrap();
    assert_eq!(env.notification_types, Some(vec![UserCreated]));
    assert_eq!(record_kind(&store, &sandbox, DataSourceLinked, "u1", t0).await.1, Filtered);
    assert_eq!(record_kind(&store, &sandbox, UserCreated, "u1", t0).await.1, Pending);
    let mut test = notification(&sandbox, SubscriptionTest, "u1", t0);
    (test.is_test, test.trigger, test.triggered_by) = (true, AttemptTrigger::Test, Some("staff@rook.example".into()));
    let outcome = store.ingest(&[item(test.clone())], t0).await.unwrap();
    assert_eq!(outcome, [IngestOutcome::Recorded { notification_id: test.id.clone(), status: Pending }]);
    assert!(store.notification(&test.id).await.unwrap().unwrap().is_test);
    store.in_tx(async |tx| tx.set_notification_types(A, Environment::Sandbox, None, t0).await).await.unwrap();
    assert_eq!(record_kind(&store, &sandbox, DataSourceLinked, "u1", t0).await.1, Pending, "every type again");

    set_state(&store, &sandbox, (SubscriptionState::Disabled, Some(DisabledReason::Failing)), t0).await;
    assert_eq!(record_kind(&store, &sandbox, UserCreated, "u1", t0).await.1, Held, "disabled: kept for later");
    set_state(&store, &sandbox, (SubscriptionState::Active, None), t0).await;
    store
        .in_tx(async |tx| tx.set_environment_endpoints(A, Environment::Sandbox, None, None, None, t0).await)
        .await
        .unwrap();
    assert_eq!(record_kind(&store, &sandbox, UserCreated, "u1", t0).await.1, NotSubscribed, "active without a URL");

    let unknown = endpoint("0190b7e2-0000-7000-8000-00000000ffff", Environment::Sandbox);
    let err = store.ingest(&[item(notification(&unknown, UserCreated, "u1", t0))], t0).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert!(matches!(
        store.in_tx(async |tx| tx.set_notification_types("nobody", Environment::Sandbox, None, t0).await).await,
        Err(StoreError::NotFound)
    ));
}

async fn events_change_the_users_they_name_in_order(db: TestDatabase) {
    let (store, t0, sandbox) = subscribed_store(&db, A).await;
    let event = |change: DomainChange| IngestItem {
        notification: notification(&sandbox, NotificationType::UserCreated, "u", t0),
        change,
        idempotency: None,
    };
    let (u1, u2) = ("u1".to_owned(), "u2".to_owned());
    let link = |source: &str| DomainChange::SourceLinked { user_id: u1.clone(), data_source: source.to_owned() };
    let unlink = |source: &str| DomainChange::SourceUnlinked { user_id: u1.clone(), data_source: source.to_owned() };
    let batch = [
        event(DomainChange::UserCreated { user_id: u1.clone() }),
        event(link("garmin")),
        event(link("oura")),
        event(unlink("oura")),
        event(DomainChange::UserSeen { user_id: u2.clone() }),
        event(DomainChange::None),
    ];
    let outcomes = store.ingest(&batch, t0).await.unwrap();
    assert_eq!(outcomes.len(), 6, "one outcome per event, in order");
    for (outcome, event) in outcomes.iter().zip(&batch) {
        let expected = IngestOutcome::Recorded {
            notification_id: event.notification.id.clone(),
            status: NotificationStatus::Pending,
        };
        assert_eq!(outcome, &expected);
    }
    let user = |id: &str, deleted: bool, sources: &[&str]| UserRecord {
        user_id: id.to_owned(),
        deleted,
        linked_sources: sources.iter().map(|s| (*s).to_owned()).collect(),
    };
    assert_eq!(store.user(A, Environment::Sandbox, "u1").await.unwrap(), Some(user("u1", false, &["garmin"])));
    assert_eq!(store.user(A, Environment::Sandbox, "u2").await.unwrap(), Some(user("u2", false, &[])));
    assert_eq!(store.user(A, Environment::Production, "u1").await.unwrap(), None, "users are per environment");
    assert_eq!(store.user(A, Environment::Sandbox, "u3").await.unwrap(), None);

    // Later batches: deleted, then seen (which does not bring them back), then created again.
    store.ingest(&[event(DomainChange::UserDeleted { user_id: u1.clone() })], t0.plus_seconds(1)).await.unwrap();
    store.ingest(&[event(DomainChange::UserSeen { user_id: u1.clone() })], t0.plus_seconds(2)).await.unwrap();
    assert_eq!(store.user(A, Environment::Sandbox, "u1").await.unwrap(), Some(user("u1", true, &["garmin"])));
    store.ingest(&[event(DomainChange::UserCreated { user_id: u1.clone() }), event(link("oura"))], t0).await.unwrap();
    assert_eq!(store.user(A, Environment::Sandbox, "u1").await.unwrap(), Some(user("u1", false, &["garmin", "oura"])));

    // In one batch the last word counts: created then deleted ends deleted.
    let batch = [
        event(DomainChange::UserCreated { user_id: u2.clone() }),
        event(DomainChange::UserDeleted { user_id: u2.clone() }),
    ];
    store.ingest(&batch, t0.plus_seconds(3)).await.unwrap();
    assert!(store.user(A, Environment::Sandbox, "u2").await.unwrap().unwrap().deleted);

    // A batch that fails writes nothing: the unknown environment's event takes the valid one with it.
    let unknown = endpoint("0190b7e2-0000-7000-8000-00000000ffff", Environment::Sandbox);
    let valid = event(DomainChange::UserCreated { user_id: "u9".to_owned() });
    let invalid = item(notification(&unknown, NotificationType::UserCreated, "u9", t0));
    assert!(store.ingest(&[valid.clone(), invalid], t0).await.is_err());
    assert_eq!(store.user(A, Environment::Sandbox, "u9").await.unwrap(), None);
    assert!(store.notification(&valid.notification.id).await.unwrap().is_none());
}

/// A batch whose insert stops at a row the database refuses (here a notification id already taken)
/// writes none of its rows, neither those before the refused one nor those after it, nor their users.
async fn a_batch_whose_insert_stops_midway_writes_nothing(db: TestDatabase) {
    let (store, t0, sandbox) = subscribed_store(&db, A).await;
    let (taken, _) = record_kind(&store, &sandbox, NotificationType::UserCreated, "u1", t0).await;
    let created = |user: &str| IngestItem {
        notification: notification(&sandbox, NotificationType::UserCreated, user, t0),
        change: DomainChange::UserCreated { user_id: user.to_owned() },
        idempotency: None,
    };
    let (before, after) = (created("u7"), created("u8"));
    let mut refused = created("u9");
    refused.notification.id = taken.clone();
    assert!(store.ingest(&[before.clone(), refused, after.clone()], t0).await.is_err());
    for (event, user) in [(&before, "u7"), (&after, "u8")] {
        assert!(store.notification(&event.notification.id).await.unwrap().is_none(), "{user}'s notification");
        assert_eq!(store.user(A, Environment::Sandbox, user).await.unwrap(), None, "{user}");
    }
    assert_eq!(store.user(A, Environment::Sandbox, "u9").await.unwrap(), None);
    let kept = store.notification(&taken).await.unwrap().unwrap();
    assert_eq!(kept.user_id.as_deref(), Some("u1"), "the earlier notification is untouched");

    // The store goes on recording: the rolled-back rows left nothing behind that refuses them now.
    let outcomes = store.ingest(&[before.clone(), after.clone()], t0).await.unwrap();
    assert!(outcomes.iter().all(|o| matches!(o, IngestOutcome::Recorded { .. })), "{outcomes:?}");
    assert!(store.notification(&before.notification.id).await.unwrap().is_some());
}

/// Records one `user.created` for `endpoint`, offering it to a process that takes it when `takes`;
/// returns its id, what was claimed, and the endpoints and sizes the process was asked about.
async fn record_offered(
    store: &Store,
    endpoint: &EndpointKey,
    user: &str,
    now: app::timestamp::Timestamp,
    takes: bool,
    probe_backlog: bool,
) -> (String, Vec<ClaimedDelivery>, Vec<(EndpointKey, usize)>) {
    let n = notification(endpoint, NotificationType::UserCreated, user, now);
    let mut asked = Vec::new();
    let mut take = |endpoint: &EndpointKey, bytes: usize| {
        asked.push((endpoint.clone(), bytes));
        takes
    };
    let offer = IngestClaim { lease_until: now.plus_seconds(60), take: &mut take, probe_backlog };
    let (outcomes, claimed) = store.ingest_claiming(&[item(n.clone())], now, Some(offer)).await.unwrap();
    assert!(matches!(outcomes[..], [IngestOutcome::Recorded { .. }]), "{outcomes:?}");
    (n.id, claimed, asked)
}

async fn a_new_notification_can_be_claimed_by_the_process_that_records_it(db: TestDatabase) {
    let (store, t0, sandbox) = subscribed_store(&db, A).await;

    // Taken: recorded already claimed, as a claim statement would have returned it.
    let (id, claimed, asked) = record_offered(&store, &sandbox, "u1", t0, true, true).await;
    let size = notification(&sandbox, NotificationType::UserCreated, "u1", t0).body.len();
    assert_eq!(asked, [(sandbox.clone(), size)], "asked with its endpoint and body size");
    let [taken] = &claimed[..] else { panic!("one claimed: {claimed:?}") };
    assert_eq!((taken.id.as_str(), taken.channel, &taken.endpoint), (id.as_str(), Channel::Notification, &sandbox));
    assert_eq!(
        (taken.status, taken.attempt_count, taken.trigger),
        (NotificationStatus::Pending, 0, AttemptTrigger::Schedule)
    );
    assert_eq!(taken.lease, t0.plus_seconds(60), "its lease is its fencing token");
    assert_eq!(taken.body.as_deref(), Some(br#"{"type":"user.created","user_id":"u1"}"#.as_slice()));
    let n = store.notification(&id).await.unwrap().unwrap();
    assert_eq!((n.status, n.progress.next_attempt_at), (NotificationStatus::Pending, Some(t0.plus_seconds(60))));
    assert!(
        claim(&store, Channel::Notification, &sandbox, t0.plus_seconds(1)).await.is_empty(),
        "no one else claims it"
    );
    let again = claim(&store, Channel::Notification, &sandbox, t0.plus_seconds(61)).await;
    assert_eq!(again.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [id.as_str()], "back once the lease ends");

    // That row is due again (its lease ended and it was claimed at t0 + 61 s): the endpoint has due
    // work, so the next one waits its turn through claims, in due order, and the process is not asked.
    let t1 = t0.plus_seconds(200);
    let (id, claimed, asked) = record_offered(&store, &sandbox, "u2", t1, true, true).await;
    assert!(claimed.is_empty() && asked.is_empty(), "{claimed:?} {asked:?}");
    assert_eq!(store.notification(&id).await.unwrap().unwrap().progress.next_attempt_at, Some(t1), "due now");
    // Without the probe the process alone decides (on Postgres it goes by what it knows).
    let (unprobed, claimed, asked) = record_offered(&store, &sandbox, "u2b", t1, true, false).await;
    assert_eq!(asked.len(), 1, "asked although due work waits: {asked:?}");
    assert_eq!(claimed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [unprobed.as_str()], "taken");
    assert_eq!(claim(&store, Channel::Notification, &sandbox, t1).await.len(), 2, "both due, claimed");

    // Nothing due there any more (both claimed until t1 + 60 s): refused by the process, it is due now.
    let (id, claimed, asked) = record_offered(&store, &sandbox, "u3", t1, false, true).await;
    assert!(claimed.is_empty() && asked.len() == 1, "{claimed:?} {asked:?}");
    assert_eq!(store.notification(&id).await.unwrap().unwrap().progress.next_attempt_at, Some(t1), "due now");

    // A capped endpoint goes through its send schedule, and one that is not sent to is not offered.
    let production = endpoint(A, Environment::Production);
    let (_, claimed, asked) = record_offered(&store, &production, "u4", t1, true, true).await;
    assert!(claimed.is_empty() && asked.is_empty(), "not subscribed: {claimed:?} {asked:?}");
    let b = super::fixtures::subscribed(&store, B, "B", t1).await;
    store.in_tx(async |tx| tx.set_rate_limits(B, Environment::Sandbox, Some(10), None, t1).await).await.unwrap();
    let (_, claimed, asked) = record_offered(&store, &b, "u5", t1, true, true).await;
    assert!(claimed.is_empty() && asked.is_empty(), "capped: {claimed:?} {asked:?}");
}

const B: &str = "0190b7e2-0000-7000-8000-0000000000b3";

crate::on_both_backends!(
    a_notification_starts_in_the_status_its_subscription_gives_it,
    events_change_the_users_they_name_in_order,
    a_batch_whose_insert_stops_midway_writes_nothing,
    a_new_notification_can_be_claimed_by_the_process_that_records_it,
);
