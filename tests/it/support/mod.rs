//! What the tests share: fresh databases, the spawned application, and the macro that runs a test on
//! both backends.

pub mod app;
pub mod db;
pub mod process;
pub mod receiver;

pub use app::{TestApp, spawn_app, spawn_app_with};
pub use db::TestDatabase;
pub use receiver::{Reply, TestReceiver};

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
