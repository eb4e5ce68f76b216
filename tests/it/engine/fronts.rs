//! On Postgres the dispatcher's claims and looks start at each endpoint's front, past the index entries
//! earlier claims left dead; the engine's sweeper is what still finds a row that falls due behind it.

use std::time::Duration;

use app::timestamp::Timestamp;
use app::vocab::{Environment, NotificationType};
use rook_notify::store::{Dialect, EndpointKey};

use crate::store::fixtures::{item, notification};
use crate::support::{Reply, Subscribed, TestDatabase, metric, retry_schedule, spawn_subscribed};

/// Longer than the sweeper's period (5 s) with room for a slow machine.
const WITHIN: Duration = Duration::from_secs(30);

/// A notification recorded a minute in the past, as a process whose clock is behind would, lies behind
/// the front the dispatcher's last claim left. The running engine still delivers it: nothing else would.
async fn a_row_due_behind_the_endpoints_front_is_still_delivered(db: TestDatabase) {
    let Subscribed { app, receiver, client_uuid, .. } = spawn_subscribed(db, "/hooks", retry_schedule("300ms")).await;
    // A first attempt may be claimed as it is recorded; the retry is claimed by the dispatcher, which
    // leaves the endpoint's front at the retry's due time.
    receiver.reply_next([Reply::Status(500)]);
    let first = app.user_created(&client_uuid, "u-first").await;
    app.wait_for_notification(&first, "delivered", 2, WITHIN).await;

    let endpoint = EndpointKey { client_uuid: client_uuid.clone(), environment: Environment::Sandbox };
    let a_minute_ago = Timestamp::now().plus_seconds(-60);
    let late = notification(&endpoint, NotificationType::UserCreated, "u-late", a_minute_ago);
    let late_id = late.id.clone();
    app.services.store().ingest(&[item(late)], a_minute_ago).await.unwrap();

    let n = app.wait_for_notification(&late_id, "delivered", 1, WITHIN).await;
    assert_eq!(n["attempts"][0]["response_status"], 200);
    let received = receiver.wait_for(3, WITHIN).await;
    assert_eq!(received.iter().filter(|r| r.header("webhook-id") == late_id).count(), 1, "delivered once");
    if app.services.store().dialect() == Dialect::Postgres {
        // The sweep that found the row says so (the metrics are the test process's, so at least one).
        let scrape = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metric(&scrape, "rook_notify_fronts_forgotten_total", &[]) >= 1.0, "{scrape}");
        assert!(metric(&scrape, "rook_notify_front_sweep_duration_seconds_count", &[]) >= 1.0);
    }
    app.stop().await;
}

crate::on_both_backends!(a_row_due_behind_the_endpoints_front_is_still_delivered);
