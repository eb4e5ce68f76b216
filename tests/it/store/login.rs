//! Sign-in failure counters (taken before the password is checked, all or none) and remembered
//! devices.

use app::timestamp::Timestamp;
use rook_notify::store::FailureSlot;

use super::migrated;
use crate::support::TestDatabase;

const SECOND: i64 = 1_000_000;
const WINDOW: i64 = 60 * SECOND;

fn slot(key: &str, max: u32) -> FailureSlot {
    FailureSlot { key_sha256: key.to_owned(), max }
}

async fn failure_slots_are_taken_together_within_their_window(db: TestDatabase) {
    let store = migrated(&db).await;
    let t0 = Timestamp::now();
    let both = [slot("account+address", 2), slot("address", 3)];
    assert_eq!(store.take_login_slots(&both, WINDOW, t0).await.unwrap(), Ok(()));
    assert_eq!(store.take_login_slots(&both, WINDOW, t0.plus_seconds(1)).await.unwrap(), Ok(()));
    // The first slot is used up: refused with the time until its window ends, and nothing is counted.
    let refused = store.take_login_slots(&both, WINDOW, t0.plus_seconds(10)).await.unwrap();
    assert_eq!(refused, Err(50 * SECOND));
    assert_eq!(
        store.take_login_slots(&[slot("address", 3)], WINDOW, t0.plus_seconds(10)).await.unwrap(),
        Ok(()),
        "the refusal took none"
    );
    assert!(store.take_login_slots(&[slot("address", 3)], WINDOW, t0.plus_seconds(10)).await.unwrap().is_err());

    // A failure given back frees a slot; a success clears the key.
    store.give_back_login_slots(&["account+address".to_owned()]).await.unwrap();
    assert_eq!(
        store.take_login_slots(&[slot("account+address", 2)], WINDOW, t0.plus_seconds(11)).await.unwrap(),
        Ok(())
    );
    assert!(store.take_login_slots(&[slot("account+address", 2)], WINDOW, t0.plus_seconds(12)).await.unwrap().is_err());
    store.clear_login_failures("account+address").await.unwrap();
    assert_eq!(
        store.take_login_slots(&[slot("account+address", 2)], WINDOW, t0.plus_seconds(13)).await.unwrap(),
        Ok(())
    );
    store.give_back_login_slots(&["never-seen".to_owned()]).await.unwrap();

    // Once the window has passed, counting starts again.
    assert!(store.take_login_slots(&[slot("address", 3)], WINDOW, t0.plus_seconds(59)).await.unwrap().is_err());
    assert_eq!(store.take_login_slots(&[slot("address", 3)], WINDOW, t0.plus_seconds(60)).await.unwrap(), Ok(()));
}

async fn a_device_is_remembered_for_its_account_until_it_expires(db: TestDatabase) {
    let store = migrated(&db).await;
    let t0 = Timestamp::now();
    let expires = t0.plus_seconds(100);
    store.remember_login_device("device-1", "account-1", expires, t0.plus_seconds(-3600), t0).await.unwrap();
    assert!(store.is_login_device("device-1", "account-1", t0.plus_seconds(1)).await.unwrap());
    assert!(!store.is_login_device("device-1", "account-2", t0.plus_seconds(1)).await.unwrap(), "per account");
    assert!(!store.is_login_device("device-2", "account-1", t0.plus_seconds(1)).await.unwrap());
    assert!(!store.is_login_device("device-1", "account-1", expires).await.unwrap(), "forgotten when it expires");

    // Remembering another drops expired devices and failure windows long over.
    store.take_login_slots(&[slot("stale", 5)], WINDOW, t0).await.unwrap().unwrap();
    store.take_login_slots(&[slot("live", 5)], WINDOW, t0.plus_seconds(150)).await.unwrap().unwrap();
    assert_eq!(db.query_number("SELECT COUNT(*) FROM login_failures").await, 2);
    let later = t0.plus_seconds(200);
    store
        .remember_login_device("device-2", "account-1", later.plus_seconds(100), t0.plus_seconds(1), later)
        .await
        .unwrap();
    assert_eq!(db.query_number("SELECT COUNT(*) FROM login_devices").await, 1, "the expired device is gone");
    assert_eq!(db.query_number("SELECT COUNT(*) FROM login_failures").await, 1, "the stale window is gone");
    assert!(store.is_login_device("device-2", "account-1", later).await.unwrap());
}

crate::on_both_backends!(
    failure_slots_are_taken_together_within_their_window,
    a_device_is_remembered_for_its_account_until_it_expires,
);
