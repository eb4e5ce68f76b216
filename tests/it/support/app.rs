//! The real application, spawned on a free port over a test database, with a cookie-keeping client.

use std::time::Duration;

use app::vocab::Role;
use rook_notify::config::Settings;
use rook_notify::service::{Actor, Services};
use rook_notify::startup::Application;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{TestDatabase, TestReceiver};

/// The admin API token every test app accepts.
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// A running application and a browser-like client (it keeps cookies) pointed at it.
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub services: Services,
    /// Kept so the database lives as long as the server.
    _db: TestDatabase,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// Spawns the application on `db` with default test settings.
pub async fn spawn_app(db: TestDatabase) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Spawns the application on `db`, letting the test adjust the settings first.
pub async fn spawn_app_with(db: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = Settings::defaults();
    settings.database_url = db.url.clone();
    settings.site_addr = "127.0.0.1:0".parse().unwrap();
    settings.log = std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".to_owned());
    // Tests sign in many times from 127.0.0.1; the rate-limit test lowers these itself.
    settings.login_max_failures_per_account = 1000;
    settings.login_max_failures_per_address = 1000;
    settings.api_token = Some(ADMIN_TOKEN.to_owned());
    settings.secret_key = Some(super::TEST_SECRET_KEY.to_owned());
    // Receivers run on 127.0.0.1; retries come quickly so tests stay short.
    settings.allow_private_destinations = true;
    settings.retry_schedule = "300ms,300ms".parse().unwrap();
    settings.delivery_timeout = Duration::from_secs(3);
    settings.shutdown_grace = Duration::from_secs(3);
    adjust(&mut settings);
    rook_notify::telemetry::init(&settings);

    let app = Application::build(settings).await.expect("the application builds");
    let address = app.local_addr();
    let services = app.services().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = rx.await;
        })
        .await
        .expect("the server runs");
    });
    TestApp {
        base_url: format!("http://{address}"),
        client: browser_client(),
        services,
        _db: db,
        shutdown: Some(tx),
        server: Some(server),
    }
}

/// An application, a receiver, and a client whose Sandbox subscription is active and points at the
/// receiver's `path`: where most delivery tests start.
pub struct Subscribed {
    pub app: TestApp,
    pub receiver: TestReceiver,
    pub client_uuid: String,
    /// The notification signing secret.
    pub secret: String,
}

/// Settings with this retry schedule for notifications (`"2s,300ms"`, `"none"`).
pub fn retry_schedule(schedule: &str) -> impl FnOnce(&mut Settings) + '_ {
    move |settings| settings.retry_schedule = schedule.parse().expect("a retry schedule")
}

/// Spawns the application on `db` (settings adjusted by `adjust`) with a receiver and a client
/// subscribed to its `path`.
pub async fn spawn_subscribed(db: TestDatabase, path: &str, adjust: impl FnOnce(&mut Settings)) -> Subscribed {
    let receiver = TestReceiver::start().await;
    let app = spawn_app_with(db, adjust).await;
    let (client_uuid, secret) = app.subscribed_client(&receiver.url(path)).await;
    Subscribed { app, receiver, client_uuid, secret }
}

/// The longest any test request may take: a server that never answers fails its test instead of
/// hanging the suite.
pub const REQUEST_LIMIT: Duration = Duration::from_secs(60);

/// A client that keeps cookies and does not follow redirects (tests look at them).
pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(REQUEST_LIMIT)
        .build()
        .expect("a reqwest client")
}

impl TestApp {
    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Creates a client through the service layer and returns its UUID.
    pub async fn create_client(&self, name: &str) -> String {
        self.services.create_client(&Actor::System, name, None).await.expect("client created").client_uuid
    }

    /// Creates a dashboard account through the service layer.
    pub async fn create_account(&self, email: &str, password: &str, role: Role, client_uuid: Option<&str>) {
        self.services
            .create_account(&Actor::System, email, password, role, client_uuid)
            .await
            .expect("account created");
    }

    /// Calls a server function as the hydrated app does (form-encoded POST, JSON answer).
    pub async fn call_fn(&self, client: &reqwest::Client, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(&format!("/fn/{name}"))).form(form).send().await.expect("server function request")
    }

    /// Signs `client` in through the `login` server function.
    pub async fn sign_in(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        self.call_fn(client, "login", &[("email", email), ("password", password)]).await
    }

    /// The viewer the server sees for `client`'s session (`Value::Null` when signed out).
    pub async fn current_viewer(&self, client: &reqwest::Client) -> Value {
        let res = self.call_fn(client, "current_viewer", &[]).await;
        assert_eq!(res.status(), 200, "current_viewer answers");
        res.json().await.expect("JSON")
    }

    /// This server's admin API.
    pub fn remote(&self) -> super::remote::Api<'_> {
        super::remote::Api { client: &self.client, base_url: &self.base_url }
    }

    /// An API request with the admin token.
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.remote().request(method, path)
    }

    /// Sends `body` as JSON through the API and returns the answer, whatever it is.
    pub async fn send_json(&self, method: reqwest::Method, path: &str, body: &Value) -> reqwest::Response {
        self.remote().send_json(method, path, body).await
    }

    /// POSTs `body` as it is, labelled JSON, through the API (for bodies `serde_json` would not write:
    /// malformed, odd spacing) and returns the answer, whatever it is.
    pub async fn post_body(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        let request = self.api(reqwest::Method::POST, path).header("content-type", "application/json");
        request.body(body).send().await.expect("an API request")
    }

    /// The JSON answer to an API GET of `path`, whatever its status.
    pub async fn get_json(&self, path: &str) -> Value {
        self.remote().get_json(path).await
    }

    /// Creates a client through the API whose Sandbox subscription is active and points at `url`;
    /// returns its UUID and the notification signing secret.
    pub async fn subscribed_client(&self, url: &str) -> (String, String) {
        self.remote().subscribed_client(url).await
    }

    /// PUTs `change` to an environment through the API and returns the answer, whatever it is.
    pub async fn update_environment(&self, client_uuid: &str, env: &str, change: &Value) -> reqwest::Response {
        self.remote().update_environment(client_uuid, env, change).await
    }

    /// PUTs `change` to an environment through the API, which must accept it; returns the environment.
    pub async fn set_environment(&self, client_uuid: &str, env: &str, change: &Value) -> Value {
        self.remote().set_environment(client_uuid, env, change).await
    }

    /// PUTs `change` to a subscription through the API and returns the answer, whatever it is.
    pub async fn update_subscription(&self, client_uuid: &str, env: &str, change: &Value) -> reqwest::Response {
        self.remote().update_subscription(client_uuid, env, change).await
    }

    /// Switches a subscription through the API, which must succeed, and returns the answer.
    pub async fn set_subscription(&self, client_uuid: &str, env: &str, active: bool) -> Value {
        self.remote().set_subscription(client_uuid, env, active).await
    }

    /// Reports a platform event through the API.
    pub async fn post_event(&self, event: &Value) -> reqwest::Response {
        self.api(reqwest::Method::POST, "/platform-events").json(event).send().await.unwrap()
    }

    /// Reports a `user.created` for the client's Sandbox and returns the notification id.
    pub async fn user_created(&self, client_uuid: &str, user_id: &str) -> String {
        let res = self
            .post_event(&json!({
                "client_uuid": client_uuid, "environment": "sandbox", "type": "user.created", "user_id": user_id
            }))
            .await;
        assert_eq!(res.status(), 202);
        res.json::<Value>().await.unwrap()["notification_id"].as_str().unwrap().to_owned()
    }

    /// What the API has at `path`, which must be there.
    async fn read(&self, path: &str) -> Value {
        let res = self.api(reqwest::Method::GET, path).send().await.expect("an API request");
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("a JSON answer")
    }

    /// The notification with its attempts, through the API.
    pub async fn notification(&self, id: &str) -> Value {
        self.read(&format!("/notifications/{id}")).await
    }

    /// Reports a `user.created` for each of `users` and waits until each is delivered (at most
    /// `within` each); returns the notification ids.
    pub async fn users_delivered(&self, client_uuid: &str, users: &[String], within: Duration) -> Vec<String> {
        let mut ids = Vec::new();
        for user in users {
            ids.push(self.user_created(client_uuid, user).await);
        }
        for id in &ids {
            self.wait_for_notification(id, "delivered", 1, within).await;
        }
        ids
    }

    /// Waits until the notification has `status` and `attempts` attempts recorded (at most `within`).
    pub async fn wait_for_notification(&self, id: &str, status: &str, attempts: usize, within: Duration) -> Value {
        self.wait_for_attempts(&format!("/notifications/{id}"), status, attempts, within).await
    }

    /// Waits until the record the API has at `path` (a notification or a data delivery) has `status` and
    /// `attempts` attempts (at most `within`), and returns it.
    async fn wait_for_attempts(&self, path: &str, status: &str, attempts: usize, within: Duration) -> Value {
        let what = format!("{path} reaches {status} with {attempts} attempts");
        super::wait::for_value(&what, within, || async {
            let record = self.get_json(path).await;
            if record["status"] == status && record["attempts"].as_array().map_or(0, Vec::len) == attempts {
                Ok(record)
            } else {
                Err(format!("{record:#}"))
            }
        })
        .await
    }

    /// Reports a `user.created` for the client's Sandbox and waits until it is delivered. The
    /// dispatcher then claimed from this endpoint after everything that was due there before (a claim
    /// takes the earliest due first), so a request that has not arrived by now was never going to: how
    /// a test shows that something did not happen without sleeping.
    pub async fn deliver_marker(&self, client_uuid: &str) -> String {
        let id = self.user_created(client_uuid, "marker").await;
        self.wait_for_notification(&id, "delivered", 1, Duration::from_secs(10)).await;
        id
    }

    /// The data delivery with its attempts, through the API.
    pub async fn data_delivery(&self, id: &str) -> Value {
        self.read(&format!("/data-deliveries/{id}")).await
    }

    /// Waits until the data delivery has `status` and `attempts` attempts recorded (at most `within`).
    pub async fn wait_for_data_delivery(&self, id: &str, status: &str, attempts: usize, within: Duration) -> Value {
        self.wait_for_attempts(&format!("/data-deliveries/{id}"), status, attempts, within).await
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            // Shutdown is bounded by the grace period (3 s here): waiting far longer means it hangs, and
            // a hung test must fail rather than stall the suite.
            let stopped = tokio::time::timeout(Duration::from_secs(60), server).await;
            assert!(stopped.is_ok(), "the server did not stop within 60 s of being asked to");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Helpers for the engine and API tests: reading a client and its notifications, waiting for a
/// subscription state, and reaching the database directly for states the API cannot make.
impl TestApp {
    /// The client with both environments, through the API.
    pub async fn client_view(&self, client_uuid: &str) -> Value {
        self.read(&format!("/clients/{client_uuid}")).await
    }

    /// One environment's subscription (`{active, state, disabled_reason, since}`), through the API.
    pub async fn subscription(&self, client_uuid: &str, env: &str) -> Value {
        let client = self.client_view(client_uuid).await;
        let environment = client["environments"]
            .as_array()
            .and_then(|envs| envs.iter().find(|e| e["environment"] == env))
            .unwrap_or_else(|| panic!("the client has no {env} environment: {client:#}"));
        environment["subscription"].clone()
    }

    /// Waits until the environment's subscription has `state` (at most `within`) and returns it.
    pub async fn wait_for_subscription_state(
        &self,
        client_uuid: &str,
        env: &str,
        state: &str,
        within: Duration,
    ) -> Value {
        let what = format!("the {env} subscription becomes {state}");
        super::wait::for_value(&what, within, || async {
            let subscription = self.subscription(client_uuid, env).await;
            if subscription["state"] == state { Ok(subscription) } else { Err(format!("{subscription:#}")) }
        })
        .await
    }

    /// The client's notifications (first page, newest first), through the API.
    pub async fn notifications_of(&self, client_uuid: &str) -> Vec<Value> {
        let res = self
            .api(reqwest::Method::GET, "/notifications")
            .query(&[("client_uuid", client_uuid), ("limit", "200")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "notifications listed");
        let page: Value = res.json().await.unwrap();
        page["items"].as_array().cloned().unwrap_or_default()
    }

    /// Runs SQL statements (no parameters) on the application's database: for what a test sets up
    /// underneath the application, such as a trigger that makes some writes fail.
    pub async fn execute_sql_script(&self, sql: &str) {
        use sqlx::Connection as _;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self._db.url).await.expect("a direct database connection");
        if self._db.backend == "sqlite" {
            sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut conn).await.expect("busy timeout set");
        }
        sqlx::raw_sql(sql).execute(&mut conn).await.expect("the statements run");
        let _ = conn.close().await;
    }

    /// The single number a query on the application's database answers (a count, say), read without
    /// going through the application.
    pub async fn query_number(&self, sql: &str) -> i64 {
        self._db.query_number(sql).await
    }

    /// The database's backend: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self._db.backend
    }

    /// The database URL the application uses.
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// Runs one SQL statement on the application's database, with `$1` bound to `arg`, and returns the
    /// number of rows it changed. For states the API cannot make (an old notification, say).
    pub async fn execute_sql(&self, sql: &str, arg: &str) -> u64 {
        use sqlx::Connection as _;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self._db.url).await.expect("a direct database connection");
        if self._db.backend == "sqlite" {
            // The server's writer may hold the lock for a moment.
            sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut conn).await.expect("busy timeout set");
        }
        let done = sqlx::query(sql).bind(arg).execute(&mut conn).await.expect("the statement runs");
        let _ = conn.close().await;
        done.rows_affected()
    }
}
