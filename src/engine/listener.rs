//! Postgres only: wakes this process's dispatcher when another process records due work
//! (`LISTEN`/`NOTIFY`), so latency does not depend on a polling interval across machines either.
//! Notifications this process sent itself are ignored: it has woken its dispatcher already, naming
//! the endpoints, and "look at every endpoint" after each of its own commits would cost a scan each.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::watch;

use super::due::DueSignal;

use crate::store::DUE_CHANNEL;

pub(super) async fn run(pool: PgPool, own: String, due: Arc<DueSignal>, mut stopped: watch::Receiver<bool>) {
    loop {
        let listened = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(DUE_CHANNEL).await?;
            loop {
                if listener.recv().await?.payload() != own {
                    due.anywhere();
                }
            }
            #[allow(unreachable_code)]
            Ok::<(), sqlx::Error>(())
        };
        tokio::select! {
            result = listened => {
                if let Err(err) = result {
                    tracing::warn!(error = %err, "LISTEN connection lost; reconnecting");
                }
                // Anything notified while disconnected is found by the dispatcher's own timer.
                due.anywhere();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            _ = stopped.changed() => return,
        }
    }
}
