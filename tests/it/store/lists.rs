//! The paged lists: notifications and data deliveries of one client, newest first with a keyset
//! cursor, each filter narrowing them; a live feed's "what came after"; the audit log by action.
//!
//! Kept apart from the other store modules: these lists' signatures change together (one typed query
//! per list), and this file is the one to adapt when they do.

use app::timestamp::Timestamp;
use app::vocab::{Category, DataDeliveryStatus, Environment, NotificationStatus, NotificationType};
use rook_notify::store::{
    Channel, DataDeliveryFilter, DataDeliveryRecord, NewAuditEntry, NotificationFilter, NotificationRecord, Position,
};
use serde_json::json;

use super::fixtures::{
    claim, delivered, document, endpoint, item, notification, outcome, record_kind, rules, subscribed, subscribed_store,
};
use super::migrated;
use crate::support::TestDatabase;

const A: &str = "0190b7e2-0000-7000-8000-0000000000ac";
const B: &str = "0190b7e2-0000-7000-8000-0000000000bc";

fn ids(list: &[NotificationRecord]) -> Vec<&str> {
    list.iter().map(|n| n.id.as_str()).collect()
}

async fn notifications_list_newest_first_filtered_with_a_keyset_cursor(db: TestDatabase) {
    use NotificationType::{DataSourceLinked, ExtractionFailed, UserCreated};
    let (store, t0, sandbox) = subscribed_store(&db, A).await;
    let production = endpoint(A, Environment::Production);
    let other = subscribed(&store, B, "Beta", t0).await;
    // Recorded in this order, a second apart: ids (UUIDv7) sort in the same order.
    let plan = [
        (&sandbox, UserCreated, "u1"),
        (&sandbox, DataSourceLinked, "u1"),
        (&production, UserCreated, "u2"),
        (&sandbox, ExtractionFailed, "u2"),
        (&sandbox, UserCreated, "u3"),
    ];
    let mut made = Vec::new();
    for (i, (at, kind, user)) in (0..).zip(plan) {
        made.push(record_kind(&store, at, kind, user, t0.plus_seconds(i)).await.0);
    }
    let (of_b, _) = record_kind(&store, &other, UserCreated, "u1", t0).await;
    let claims = claim(&store, Channel::Notification, &sandbox, t0.plus_seconds(1)).await;
    let first = claims.iter().find(|c| c.id == made[0]).unwrap();
    store.record_attempts(&[outcome(first, t0.plus_seconds(1), delivered())], &[], &rules(), 5, t0).await.unwrap();

    let all = NotificationFilter { client_uuid: A.to_owned(), ..Default::default() };
    let list = |filter: NotificationFilter, before: Option<String>, limit: u32| {
        let store = &store;
        async move { store.list_notifications(&filter, &Position::Before(before), limit).await.unwrap() }
    };
    let newest_first: Vec<&str> = made.iter().rev().map(String::as_str).collect();
    assert_eq!(ids(&list(all.clone(), None, 10).await), newest_first, "one client's, newest first");

    // Pages of two follow each other without gaps or repeats.
    let page1 = list(all.clone(), None, 2).await;
    let page2 = list(all.clone(), Some(page1[1].id.clone()), 2).await;
    let page3 = list(all.clone(), Some(page2[1].id.clone()), 2).await;
    assert_eq!([ids(&page1), ids(&page2), ids(&page3)].concat(), newest_first);
    assert!(list(all.clone(), Some(made[0].clone()), 2).await.is_empty());

    let only = |f: NotificationFilter| async {
        ids(&list(f, None, 10).await).into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let expect = |indexes: &[usize]| indexes.iter().rev().map(|i| made[*i].clone()).collect::<Vec<_>>();
    let f = NotificationFilter { environment: Some(Environment::Production), ..all.clone() };
    assert_eq!(only(f).await, expect(&[2]));
    let f = NotificationFilter { kind: Some(UserCreated), ..all.clone() };
    assert_eq!(only(f).await, expect(&[0, 2, 4]));
    let f = NotificationFilter { category: Some(Category::ExtractionFailure), ..all.clone() };
    assert_eq!(only(f).await, expect(&[3]));
    let f = NotificationFilter { status: Some(NotificationStatus::Delivered), ..all.clone() };
    assert_eq!(only(f).await, expect(&[0]));
    let f = NotificationFilter { status: Some(NotificationStatus::NotSubscribed), ..all.clone() };
    assert_eq!(only(f).await, expect(&[2]));
    let f = NotificationFilter { user_id: Some("u2".to_owned()), ..all.clone() };
    assert_eq!(only(f).await, expect(&[2, 3]));
    let f = NotificationFilter { since: Some(t0.plus_seconds(1)), until: Some(t0.plus_seconds(3)), ..all.clone() };
    assert_eq!(only(f).await, expect(&[1, 2]), "created in [since, until)");
    let f = NotificationFilter {
        kind: Some(UserCreated),
        environment: Some(Environment::Sandbox),
        user_id: Some("u3".into()),
        ..all.clone()
    };
    assert_eq!(only(f).await, expect(&[4]), "filters combine");
    let f = NotificationFilter { client_uuid: "0190b7e2-0000-7000-8000-0000000000ff".to_owned(), ..Default::default() };
    assert!(only(f).await.is_empty());

    let f = NotificationFilter { data_source: Some("polar".to_owned()), ..all.clone() };
    assert_eq!(only(f).await, expect(&[3]), "a data source, whatever its case");

    // What a live feed has not shown yet: after a notification's place in commit order, oldest first,
    // of that client only, filtered.
    let after = |client: &str, id: &str, limit: u32, filter: Option<NotificationFilter>| {
        let (store, id) = (&store, id.to_owned());
        let filter = filter.unwrap_or(NotificationFilter { client_uuid: client.to_owned(), ..Default::default() });
        async move {
            let seq = store.notification(&id).await.unwrap().unwrap().seq;
            store.list_notifications(&filter, &Position::After(seq), limit).await.unwrap()
        }
    };
    let later = after(A, &made[1], 10, None).await;
    assert_eq!(ids(&later), [made[2].as_str(), made[3].as_str(), made[4].as_str()]);
    assert_eq!(ids(&after(A, &made[1], 1, None).await), [made[2].as_str()]);
    assert!(after(A, &made[4], 10, None).await.is_empty(), "B's newer one is not A's");
    assert_eq!(ids(&after(B, &made[0], 10, None).await), [of_b.as_str()]);
    let users = NotificationFilter { kind: Some(UserCreated), ..all.clone() };
    assert_eq!(ids(&after(A, &made[0], 10, Some(users)).await), [made[2].as_str(), made[4].as_str()]);
}

async fn data_deliveries_list_newest_first_filtered_without_bodies(db: TestDatabase) {
    let (store, t0, sandbox) = subscribed_store(&db, A).await;
    let production = endpoint(A, Environment::Production);
    let other = subscribed(&store, B, "Beta", t0).await;
    let plan = [(&sandbox, "u1"), (&production, "u1"), (&sandbox, "u2"), (&sandbox, "u1")];
    let mut made = Vec::new();
    for (i, (at, user)) in (0..).zip(plan) {
        let doc = document(at, user);
        store.insert_data_delivery(&doc, None, t0.plus_seconds(i)).await.unwrap();
        made.push(doc.id);
    }
    store.insert_data_delivery(&document(&other, "u1"), None, t0).await.unwrap();
    let claims = claim(&store, Channel::Data, &sandbox, t0).await;
    store.record_attempts(&[outcome(&claims[0], t0, delivered())], &[], &rules(), 5, t0).await.unwrap();

    let all = DataDeliveryFilter { client_uuid: A.to_owned(), ..Default::default() };
    let list = |filter: DataDeliveryFilter, before: Option<String>, limit: u32| {
        let store = &store;
        async move { store.list_data_deliveries(&filter, &Position::Before(before), limit).await.unwrap() }
    };
    let ids = |list: Vec<DataDeliveryRecord>| list.into_iter().map(|d| d.id).collect::<Vec<_>>();
    let expect = |indexes: &[usize]| indexes.iter().rev().map(|i| made[*i].clone()).collect::<Vec<_>>();

    let everything = list(all.clone(), None, 10).await;
    assert!(everything.iter().all(|d| d.body.is_none()), "lists carry no bodies");
    assert_eq!(everything[3].status, DataDeliveryStatus::Delivered);
    assert_eq!(ids(everything), expect(&[0, 1, 2, 3]));
    let page1 = list(all.clone(), None, 3).await;
    let last = page1[2].id.clone();
    assert_eq!([ids(page1), ids(list(all.clone(), Some(last), 3).await)].concat(), expect(&[0, 1, 2, 3]));

    let f = DataDeliveryFilter { environment: Some(Environment::Production), ..all.clone() };
    assert_eq!(ids(list(f, None, 10).await), expect(&[1]));
    let f = DataDeliveryFilter { status: Some(DataDeliveryStatus::Delivered), ..all.clone() };
    assert_eq!(ids(list(f, None, 10).await), expect(&[0]));
    let f = DataDeliveryFilter { status: Some(DataDeliveryStatus::Pending), user_id: Some("u1".into()), ..all.clone() };
    assert_eq!(ids(list(f, None, 10).await), expect(&[1, 3]));
    let f = DataDeliveryFilter { since: Some(t0.plus_seconds(1)), until: Some(t0.plus_seconds(3)), ..all.clone() };
    assert_eq!(ids(list(f, None, 10).await), expect(&[1, 2]), "created in [since, until)");
}

async fn the_audit_log_lists_by_action_prefix(db: TestDatabase) {
    let store = migrated(&db).await;
    let t0 = Timestamp::now();
    for (i, action) in
        (0..).zip(["subscription.activated", "client.created", "subscription.disabled", "secret.rotated"])
    {
        let entry = NewAuditEntry {
            actor: "staff@rook.example",
            action,
            client_uuid: Some(A),
            environment: None,
            detail: json!({}),
        };
        store.append_audit(entry, t0.plus_seconds(i)).await.unwrap();
    }
    let actions = |prefix: Option<&'static str>| {
        let store = &store;
        async move {
            let list = store.list_audit(Some(A), prefix, &Position::NEWEST, 10).await.unwrap();
            list.into_iter().map(|e| e.action).collect::<Vec<_>>()
        }
    };
    assert_eq!(actions(Some("subscription.")).await, ["subscription.disabled", "subscription.activated"]);
    assert_eq!(actions(Some("client")).await, ["client.created"]);
    assert!(actions(Some("activated")).await.is_empty(), "a prefix, not a substring");
    assert_eq!(actions(None).await.len(), 4);
}

/// Where a page after A's row `id` of `channel`'s table starts: after its place in commit order.
async fn after_row(store: &rook_notify::store::Store, channel: Channel, id: &str) -> Position {
    Position::After(store.seq_of(channel, A, id).await.unwrap().expect("one of A's"))
}

/// UUIDv7 ids are made before commit, so one made earlier can commit after a newer one was listed
/// (group commit, several processes): the list after the newer one still holds it, as `after` follows
/// the order of commits, not of ids. The same for data deliveries.
async fn a_row_committed_after_a_newer_one_was_listed_still_comes_after_it(db: TestDatabase) {
    let (store, t0, sandbox) = subscribed_store(&db, A).await;
    let other = subscribed(&store, B, "Beta", t0).await;
    let all = NotificationFilter { client_uuid: A.to_owned(), ..Default::default() };
    let after = |id: String| {
        let (store, all) = (&store, &all);
        async move {
            let position = after_row(store, Channel::Notification, &id).await;
            store.list_notifications(all, &position, 10).await.unwrap().into_iter().map(|n| n.id).collect::<Vec<_>>()
        }
    };
    let (first, _) = record_kind(&store, &sandbox, NotificationType::UserCreated, "u0", t0).await;
    let late = notification(&sandbox, NotificationType::UserCreated, "late", t0);
    let (newer, _) = record_kind(&store, &sandbox, NotificationType::UserCreated, "u1", t0).await;
    assert!(late.id < newer, "the late one's id sorts before the newer one's");
    assert_eq!(after(first.clone()).await, [newer.as_str()], "a receiver sees the newer one, and stops there");
    store.ingest(&[item(late.clone())], t0).await.unwrap();
    assert_eq!(after(newer.clone()).await, [late.id.as_str()], "committed later, listed after, whatever its id");
    assert_eq!(after(first).await, [newer, late.id.clone()], "in the order of commits");

    let (of_b, _) = record_kind(&store, &other, NotificationType::UserCreated, "u0", t0).await;
    assert_eq!(store.seq_of(Channel::Notification, B, &late.id).await.unwrap(), None, "A's row is not B's");
    let late_seq = store.seq_of(Channel::Notification, A, &late.id).await.unwrap().unwrap();
    assert_eq!(store.latest_seq(Channel::Notification, A).await.unwrap(), late_seq, "A's latest commit");
    let b_seq = store.seq_of(Channel::Notification, B, &of_b).await.unwrap().unwrap();
    assert!(b_seq > late_seq, "one order for every client");
    let nobody = "0190b7e2-0000-7000-8000-0000000000ff";
    assert_eq!(store.latest_seq(Channel::Notification, nobody).await.unwrap(), 0, "none yet");

    let documents = DataDeliveryFilter { client_uuid: A.to_owned(), ..Default::default() };
    let data_after = |id: String| {
        let (store, documents) = (&store, &documents);
        async move {
            let position = after_row(store, Channel::Data, &id).await;
            let listed = store.list_data_deliveries(documents, &position, 10).await.unwrap();
            listed.into_iter().map(|d| d.id).collect::<Vec<_>>()
        }
    };
    let first = document(&sandbox, "u0");
    let late = document(&sandbox, "late");
    let newer = document(&sandbox, "u1");
    assert!(late.id < newer.id);
    store.insert_data_delivery(&first, None, t0).await.unwrap();
    store.insert_data_delivery(&newer, None, t0).await.unwrap();
    assert_eq!(data_after(first.id.clone()).await, [newer.id.as_str()]);
    store.insert_data_delivery(&late, None, t0).await.unwrap();
    assert_eq!(data_after(newer.id.clone()).await, [late.id.as_str()], "committed later, listed after");
    assert_eq!(
        store.latest_seq(Channel::Data, A).await.unwrap(),
        store.data_delivery(&late.id).await.unwrap().unwrap().seq
    );
}

crate::on_both_backends!(
    notifications_list_newest_first_filtered_with_a_keyset_cursor,
    data_deliveries_list_newest_first_filtered_without_bodies,
    the_audit_log_lists_by_action_prefix,
    a_row_committed_after_a_newer_one_was_listed_still_comes_after_it,
);
