//! What the tests share: fresh databases, the spawned application, and the macro that runs a test on
//! both backends.

pub mod app;
pub mod db;
pub mod external;
pub mod own_postgres;
pub mod process;
pub mod receiver;
pub mod remote;
pub mod wait;

pub use app::{Subscribed, TestApp, retry_schedule, spawn_app, spawn_app_with, spawn_subscribed};
pub use db::TestDatabase;

/// The secret key every test server and store uses (secrets at rest are encrypted with it).
pub const TEST_SECRET_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// The cipher of [`TEST_SECRET_KEY`].
pub fn test_cipher() -> rook_notify::store::SecretCipher {
    rook_notify::store::SecretCipher::new(rook_notify::store::parse_key(TEST_SECRET_KEY).unwrap(), &[])
}
pub use receiver::{Reply, TestReceiver};

/// The sum of every sample of `name` in Prometheus text whose labels contain all of `labels`.
/// Counters are per process (tests share one): compare before and after.
pub fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Declares each listed `async fn name(db: TestDatabase)` as two tests, `sqlite::name` and
/// `postgres::name`: a test written once, run on both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::TestDatabase::sqlite().await).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::support::TestDatabase::postgres().await {
                        super::$name(db).await
                    }
                }
            )+
        }
    };
}
