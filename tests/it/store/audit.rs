//! The audit log.

use app::timestamp::Timestamp;
use app::vocab::Environment;
use rook_notify::store::{NewAuditEntry, Position};
use serde_json::json;

use super::migrated;
use crate::support::TestDatabase;

async fn audit_entries_list_newest_first_per_client_with_a_keyset_cursor(db: TestDatabase) {
    let store = migrated(&db).await;
    let t = Timestamp::from_micros(1_764_428_400_000_000);
    for i in 0..5 {
        let client = if i % 2 == 0 { Some("client-a") } else { Some("client-b") };
        store
            .append_audit(
                NewAuditEntry {
                    actor: "staff@rook.example",
                    action: "subscription.activated",
                    client_uuid: client,
                    environment: Some(Environment::Sandbox),
                    detail: json!({ "n": i }),
                },
                t.plus_seconds(i),
            )
            .await
            .unwrap();
    }
    let all = store.list_audit(None, None, &Position::NEWEST, 10).await.unwrap();
    let ns: Vec<i64> = all.iter().map(|e| e.detail["n"].as_i64().unwrap()).collect();
    assert_eq!(ns, [4, 3, 2, 1, 0], "newest first: UUIDv7 ids sort by time on both backends");
    assert_eq!(all[0].at, t.plus_seconds(4));
    assert_eq!(all[0].environment.as_deref(), Some("sandbox"));

    let a = store.list_audit(Some("client-a"), None, &Position::NEWEST, 2).await.unwrap();
    assert_eq!(a.iter().map(|e| e.detail["n"].as_i64().unwrap()).collect::<Vec<_>>(), [4, 2]);
    let rest = store.list_audit(Some("client-a"), None, &Position::Before(Some(a[1].id.clone())), 2).await.unwrap();
    assert_eq!(rest.iter().map(|e| e.detail["n"].as_i64().unwrap()).collect::<Vec<_>>(), [0]);
    assert!(all.iter().all(|e| e.client_name.is_none()), "no client is named client-a or client-b");
}

async fn audit_entries_name_their_client(db: TestDatabase) {
    let store = migrated(&db).await;
    let t = Timestamp::from_micros(1_764_428_400_000_000);
    store.insert_client("client-named", "Vitalis Health", t).await.unwrap();
    for client_uuid in [Some("client-named"), None] {
        let entry = NewAuditEntry {
            actor: "staff@rook.example",
            action: "client.created",
            client_uuid,
            environment: None,
            detail: json!({}),
        };
        store.append_audit(entry, t).await.unwrap();
    }
    let all = store.list_audit(None, None, &Position::NEWEST, 10).await.unwrap();
    let names: Vec<Option<&str>> = all.iter().map(|e| e.client_name.as_deref()).collect();
    assert_eq!(names, [None, Some("Vitalis Health")], "people read the client's name, not its UUID");
}

crate::on_both_backends!(
    audit_entries_list_newest_first_per_client_with_a_keyset_cursor,
    audit_entries_name_their_client
);
