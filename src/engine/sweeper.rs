//! Postgres only: every few seconds, finds rows that fell due behind an endpoint's claim front and
//! has their endpoint read from the start again (see `Store::sweep_fronts`). It reads past the dead
//! index entries the fronts let claims and looks skip, so it runs here, on its own connection, and the
//! dispatcher never waits for it.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::store::Store;

/// How often the sweep runs: the longest a row due behind a front waits for it.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

pub(super) async fn run(store: Store, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(SWEEP_EVERY) => {}
            _ = stopped.changed() => return,
        }
        let started = Instant::now();
        match store.sweep_fronts().await {
            Ok(forgotten) => {
                crate::metrics::front_sweep(started.elapsed(), forgotten);
                if forgotten > 0 {
                    tracing::debug!(forgotten, "rows due behind claim fronts: those endpoints read from the start");
                }
            }
            Err(err) => tracing::warn!(error = %err, "looking behind the claim fronts failed; trying again shortly"),
        }
    }
}
