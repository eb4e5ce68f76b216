//! Dashboard accounts.

use app::timestamp::Timestamp;
use app::vocab::Role;
use rook_notify::store::{NewAccount, StoreError};

use super::migrated;
use crate::support::TestDatabase;

async fn accounts_are_found_by_email_and_id(db: TestDatabase) {
    let store = migrated(&db).await;
    let now = Timestamp::from_micros(1_764_428_400_000_001);
    store.insert_client("0190b7e2-0000-7000-8000-000000000010", "Acme", now).await.unwrap();
    let staff = store
        .insert_account(
            NewAccount { email: "s@rook.example", password_hash: "$argon2id$x", role: Role::Staff, client_uuid: None },
            now,
        )
        .await
        .unwrap();
    let client = store
        .insert_account(
            NewAccount {
                email: "c@acme.example",
                password_hash: "$argon2id$y",
                role: Role::Client,
                client_uuid: Some("0190b7e2-0000-7000-8000-000000000010"),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(store.account_by_email("s@rook.example").await.unwrap().unwrap(), staff);
    assert_eq!(store.account(&client.id).await.unwrap().unwrap(), client);
    assert_eq!(client.client_uuid.as_deref(), Some("0190b7e2-0000-7000-8000-000000000010"));
    assert!(store.account_by_email("nobody@rook.example").await.unwrap().is_none());
}

async fn a_taken_email_is_a_conflict(db: TestDatabase) {
    let store = migrated(&db).await;
    let now = Timestamp::from_micros(1_764_428_400_000_001);
    let new = NewAccount { email: "s@rook.example", password_hash: "h", role: Role::Staff, client_uuid: None };
    store.insert_account(new.clone(), now).await.unwrap();
    let err = store.insert_account(new, now).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { what: "email" }), "{err:?}");
}

async fn a_client_account_must_name_an_existing_client(db: TestDatabase) {
    let store = migrated(&db).await;
    let now = Timestamp::from_micros(1_764_428_400_000_001);
    let orphan = NewAccount {
        email: "c@x.example",
        password_hash: "h",
        role: Role::Client,
        client_uuid: Some("0190b7e2-0000-7000-8000-0000000000ff"),
    };
    assert!(store.insert_account(orphan, now).await.is_err(), "the foreign key refuses an unknown client");
    let clientless = NewAccount { email: "d@x.example", password_hash: "h", role: Role::Client, client_uuid: None };
    assert!(store.insert_account(clientless, now).await.is_err(), "a client account needs a client");
}

async fn a_clients_accounts_list_by_email(db: TestDatabase) {
    let store = migrated(&db).await;
    let now = Timestamp::from_micros(1_764_428_400_000_001);
    let (acme, beta) = ("0190b7e2-0000-7000-8000-000000000011", "0190b7e2-0000-7000-8000-000000000012");
    store.insert_client(acme, "Acme", now).await.unwrap();
    store.insert_client(beta, "Beta", now).await.unwrap();
    for (email, role, client_uuid) in [
        ("zed@acme.example", Role::Client, Some(acme)),
        ("amy@acme.example", Role::Client, Some(acme)),
        ("bob@beta.example", Role::Client, Some(beta)),
        ("s@rook.example", Role::Staff, None),
    ] {
        store.insert_account(NewAccount { email, password_hash: "h", role, client_uuid }, now).await.unwrap();
    }
    let emails = |list: Vec<rook_notify::store::AccountRecord>| list.into_iter().map(|a| a.email).collect::<Vec<_>>();
    assert_eq!(emails(store.accounts_of_client(acme).await.unwrap()), ["amy@acme.example", "zed@acme.example"]);
    assert_eq!(emails(store.accounts_of_client(beta).await.unwrap()), ["bob@beta.example"]);
    assert!(store.accounts_of_client("0190b7e2-0000-7000-8000-0000000000ff").await.unwrap().is_empty());
}

crate::on_both_backends!(
    accounts_are_found_by_email_and_id,
    a_clients_accounts_list_by_email,
    a_taken_email_is_a_conflict,
    a_client_account_must_name_an_existing_client,
);
