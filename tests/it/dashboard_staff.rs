//! The staff pages' server functions over real HTTP: who may call them (signed out: 401; a client
//! account: 403, or 404 for another client's data, never the data), what they do for staff, and the
//! same forms posted without JavaScript.

use std::time::Duration;

use app::vocab::Role;
use serde_json::{Value, json};

use crate::support::app::browser_client;
use crate::support::{Reply, TestApp, TestDatabase, TestReceiver, spawn_app};

const PASSWORD: &str = "correct-horse-battery";
const STAFF: &str = "staff@rook.example";
const WITHIN: Duration = Duration::from_secs(10);

/// Two clients, an account for the first and a staff account; returns both UUIDs.
async fn clients_and_accounts(app: &TestApp) -> (String, String) {
    let acme = app.create_client("Acme Health").await;
    let globex = app.create_client("Globex Fitness").await;
    app.create_account("dev@acme.example", PASSWORD, Role::Client, Some(&acme)).await;
    app.create_account(STAFF, PASSWORD, Role::Staff, None).await;
    (acme, globex)
}

/// An application with [`clients_and_accounts`], Acme's UUID, and a browser signed in as staff.
async fn staff_signed_in(db: TestDatabase) -> (TestApp, String, reqwest::Client) {
    let app = spawn_app(db).await;
    let (acme, _) = clients_and_accounts(&app).await;
    let staff = signed_in(&app, STAFF).await;
    (app, acme, staff)
}

/// A browser signed in as `email`.
async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, email, PASSWORD).await.status(), 200, "{email} signs in");
    browser
}

/// Calls a server function and returns its status and JSON body.
async fn call(app: &TestApp, browser: &reqwest::Client, name: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let res = app.call_fn(browser, name, form).await;
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Calls a server function that must succeed and returns its answer.
async fn ok(app: &TestApp, browser: &reqwest::Client, name: &str, form: &[(&str, &str)]) -> Value {
    let (status, body) = call(app, browser, name, form).await;
    assert_eq!(status, 200, "{name} answers 200: {body:#}");
    body
}

/// Saves an environment's form as staff.
async fn save_environment(
    app: &TestApp,
    staff: &reqwest::Client,
    uuid: &str,
    env: &str,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![("client_uuid", uuid), ("environment", env)];
    form.extend_from_slice(fields);
    call(app, staff, "staff_update_environment", &form).await
}

fn environment<'a>(client: &'a Value, env: &str) -> &'a Value {
    client["environments"].as_array().and_then(|envs| envs.iter().find(|e| e["environment"] == env)).expect(env)
}

/// Every staff server function with arguments aimed at `target`.
fn staff_calls(target: &str) -> Vec<(&'static str, Vec<(&'static str, &str)>)> {
    vec![
        ("staff_clients", vec![("q", "a")]),
        ("staff_create_client", vec![("name", "Intruder Inc")]),
        ("staff_client", vec![("client_uuid", target)]),
        ("staff_set_subscription", vec![("client_uuid", target), ("environment", "sandbox"), ("active", "false")]),
        (
            "staff_update_environment",
            vec![
                ("client_uuid", target),
                ("environment", "sandbox"),
                ("change[notification_webhook_url]", "https://evil.example/hook"),
            ],
        ),
        ("staff_reenable", vec![("client_uuid", target), ("environment", "sandbox")]),
        ("staff_create_client_account", vec![("client_uuid", target), ("email", "mole@evil.example")]),
        ("staff_delivery_health", vec![]),
        ("staff_audit_log", vec![]),
    ]
}

#[tokio::test]
async fn signed_out_callers_get_401_from_every_staff_function() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let (acme, _) = clients_and_accounts(&app).await;
    let anonymous = browser_client();
    for (name, form) in staff_calls(&acme) {
        let (status, body) = call(&app, &anonymous, name, &form).await;
        assert_eq!((status, body), (401, json!({ "kind": "unauthenticated" })), "{name}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_client_account_gets_no_staff_data_and_changes_nothing() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let (acme, globex) = clients_and_accounts(&app).await;
    let before = (app.client_view(&acme).await, app.client_view(&globex).await);
    let client = signed_in(&app, "dev@acme.example").await;
    let forbidden = json!({ "kind": "forbidden" });
    let not_found = json!({ "kind": "not_found", "what": "Client" });

    // Its own client through the staff pages: refused, even though the data is its own.
    for (name, form) in staff_calls(&acme) {
        let (status, body) = call(&app, &client, name, &form).await;
        if name == "staff_reenable" {
            // A client may re-enable its own endpoint (docs/architecture.md, "Subscription states");
            // this one is not disabled.
            assert_eq!((status, body["code"].as_str()), (409, Some("not_disabled")), "{name}");
        } else {
            assert_eq!((status, &body), (403, &forbidden), "{name} on its own client");
        }
    }
    // Another client: its existence is not even confirmed where the service scopes by client.
    for (name, form) in staff_calls(&globex) {
        let (status, body) = call(&app, &client, name, &form).await;
        let expected = match name {
            "staff_set_subscription"
            | "staff_update_environment"
            | "staff_reenable"
            | "staff_create_client_account" => (404, &not_found),
            _ => (403, &forbidden),
        };
        assert_eq!((status, &body), expected, "{name} on another client");
    }

    assert_eq!((app.client_view(&acme).await, app.client_view(&globex).await), before, "nothing changed");
    let staff = signed_in(&app, STAFF).await;
    let all = ok(&app, &staff, "staff_clients", &[]).await;
    assert_eq!(all.as_array().map(Vec::len), Some(2), "no client was created: {all:#}");
    let managed = ok(&app, &staff, "staff_client", &[("client_uuid", &acme)]).await;
    assert_eq!(managed["accounts"].as_array().map(Vec::len), Some(1), "no account was created");
    app.stop().await;
}

async fn staff_switch_a_subscription_on_and_off_and_the_audit_log_records_it(db: TestDatabase) {
    let (app, acme, staff) = staff_signed_in(db).await;

    // Acme's Sandbox subscription switched on ("true") or off ("false") by staff.
    let switch = |active: &'static str| {
        let (app, staff, acme) = (&app, &staff, &acme);
        async move {
            let form = [("client_uuid", acme.as_str()), ("environment", "sandbox"), ("active", active)];
            call(app, staff, "staff_set_subscription", &form).await
        }
    };
    let (status, body) = switch("true").await;
    assert_eq!(status, 422, "on needs a URL: {body:#}");
    assert_eq!(body["kind"], "validation");
    assert!(body["message"].as_str().unwrap().contains("Set the Sandbox Notification Webhook URL"), "{body:#}");
    assert_eq!(app.subscription(&acme, "sandbox").await["state"], "inactive");

    let (status, _) = save_environment(
        &app,
        &staff,
        &acme,
        "sandbox",
        &[("change[notification_webhook_url]", "http://127.0.0.1:9/x")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, on) = switch("true").await;
    assert_eq!(status, 200, "switched on: {on:#}");
    assert_eq!((on["active"].clone(), on["state"].clone()), (json!(true), json!("active")));
    assert!(on.get("secret").is_none(), "the switch does not reveal the signing secret: {on:#}");
    assert_eq!(app.subscription(&acme, "sandbox").await["state"], "active");
    let managed = ok(&app, &staff, "staff_client", &[("client_uuid", &acme)]).await;
    assert_eq!(environment(&managed["client"], "sandbox")["subscription"]["state"], "active");

    let (status, off) = switch("false").await;
    assert_eq!(status, 200, "switched off: {off:#}");
    assert_eq!(off["state"], "inactive");
    assert_eq!(app.subscription(&acme, "sandbox").await["state"], "inactive");

    let log =
        ok(&app, &staff, "staff_audit_log", &[("query[client_uuid]", &acme), ("query[action]", "subscription.")]).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["subscription.deactivated", "subscription.activated"], "newest first");
    assert_eq!(log["items"][0]["actor"], STAFF);
    assert_eq!(log["items"][0]["environment"], "sandbox");
    app.stop().await;
}

async fn saving_urls_warns_about_a_shared_notification_url_and_refuses_one_equal_to_a_data_url(db: TestDatabase) {
    let (app, acme, staff) = staff_signed_in(db).await;
    let shared = "https://hooks.example.com/rook";

    let (status, sandbox) =
        save_environment(&app, &staff, &acme, "sandbox", &[("change[notification_webhook_url]", shared)]).await;
    assert_eq!((status, sandbox["warnings"].clone()), (200, json!([])));
    let (status, production) = save_environment(
        &app,
        &staff,
        &acme,
        "production",
        &[("change[notification_webhook_url]", "HTTPS://Hooks.Example.com/rook/"), ("change[data_webhook_url]", "")],
    )
    .await;
    assert_eq!(status, 200, "{production:#}");
    let warnings = production["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{production:#}");
    assert!(warnings[0].as_str().unwrap().contains("same Notification Webhook URL"), "{production:#}");

    // A notification URL equal to a data URL (after normalising) is refused, and nothing is saved.
    let before = app.client_view(&acme).await;
    let (status, refused) = save_environment(
        &app,
        &staff,
        &acme,
        "sandbox",
        &[
            ("change[notification_webhook_url]", "https://data.example.com/rook"),
            ("change[data_webhook_url]", "https://DATA.example.com:443/rook/"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{refused:#}");
    assert_eq!(refused["kind"], "validation");
    assert!(refused["message"].as_str().unwrap().contains("must differ from every Data Webhook URL"), "{refused:#}");
    assert_eq!(app.client_view(&acme).await, before, "nothing changed");
    app.stop().await;
}

async fn an_empty_url_field_clears_the_url_and_the_hash_key_is_replaced_or_cleared_only_on_purpose(db: TestDatabase) {
    let (app, acme, staff) = staff_signed_in(db).await;
    let form = |data_url: &'static str, key: &'static str| {
        vec![
            ("change[notification_webhook_url]", "https://n.example.com/hook"),
            ("change[data_webhook_url]", data_url),
            ("change[new_rook_hash_key]", key),
        ]
    };

    let (status, saved) =
        save_environment(&app, &staff, &acme, "sandbox", &form("https://d.example.com/hook", "ROOK_Secret_Key")).await;
    assert_eq!(status, 200, "{saved:#}");
    assert_eq!(
        (saved["data_webhook_url"].as_str(), saved["rook_hash_key_set"].as_bool()),
        (Some("https://d.example.com/hook"), Some(true))
    );

    // The form sends every field: an empty URL clears it; an empty key field keeps the key.
    let (_, saved) = save_environment(&app, &staff, &acme, "sandbox", &form("", "")).await;
    assert_eq!(
        (saved["data_webhook_url"].clone(), saved["rook_hash_key_set"].clone()),
        (Value::Null, json!(true)),
        "{saved:#}"
    );

    let mut clear = form("", "");
    clear.push(("change[clear_rook_hash_key]", "true"));
    let (_, saved) = save_environment(&app, &staff, &acme, "sandbox", &clear).await;
    assert_eq!(saved["rook_hash_key_set"], false, "{saved:#}");
    assert_eq!(saved["notification_webhook_url"], "https://n.example.com/hook");
    app.stop().await;
}

async fn staff_create_clients_find_them_and_create_accounts_that_sign_in(db: TestDatabase) {
    let (app, _, staff) = staff_signed_in(db).await;
    let uuid = "0196f0c8-8c2a-7c4e-9a51-6b1f0d2c3e4f";

    let res = app.call_fn(&staff, "staff_create_client", &[("name", "Initech Wellness"), ("client_uuid", uuid)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], format!("/staff/clients/{uuid}"), "the page goes to the new client");
    let created: Value = res.json().await.unwrap();
    assert_eq!((created["client_uuid"].as_str(), created["name"].as_str()), (Some(uuid), Some("Initech Wellness")));
    let (status, again) = call(&app, &staff, "staff_create_client", &[("name", "Twice"), ("client_uuid", uuid)]).await;
    assert_eq!((status, again["kind"].as_str()), (409, Some("conflict")), "{again:#}");

    let names = |list: Value| -> Vec<String> {
        list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(ok(&app, &staff, "staff_clients", &[("q", "initech")]).await), ["Initech Wellness"]);
    assert_eq!(names(ok(&app, &staff, "staff_clients", &[("q", "0196f0c8")]).await), ["Initech Wellness"]);
    assert_eq!(names(ok(&app, &staff, "staff_clients", &[("q", "")]).await).len(), 3, "empty search: everyone");

    let new =
        ok(&app, &staff, "staff_create_client_account", &[("client_uuid", uuid), ("email", "Dev@Initech.example")])
            .await;
    assert_eq!(new["email"], "dev@initech.example");
    let password = new["password"].as_str().unwrap();
    assert!(password.len() >= 16, "a long generated password");
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, "dev@initech.example", password).await.status(), 200, "the account signs in");
    assert_eq!(app.current_viewer(&browser).await["client_uuid"], uuid);

    let managed = ok(&app, &staff, "staff_client", &[("client_uuid", uuid)]).await;
    let emails: Vec<&str> =
        managed["accounts"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["dev@initech.example"]);
    assert!(!managed.to_string().contains(password), "the password is never shown again");
    app.stop().await;
}

async fn the_health_page_lists_a_disabled_endpoint_and_re_enabling_it_sends_what_was_held(db: TestDatabase) {
    let receiver = TestReceiver::start().await;
    let app = spawn_app(db).await;
    app.create_account(STAFF, PASSWORD, Role::Staff, None).await;
    let (uuid, _) = app.subscribed_client(&receiver.url("/gone")).await;
    receiver.reply_next([Reply::Status(410)]);
    let first = app.user_created(&uuid, "u-gone").await;
    app.wait_for_subscription_state(&uuid, "sandbox", "disabled", WITHIN).await;
    let held = app.user_created(&uuid, "u-held").await;
    let staff = signed_in(&app, STAFF).await;

    let health = ok(&app, &staff, "staff_delivery_health", &[]).await;
    let disabled = health["disabled"].as_array().unwrap();
    assert_eq!(disabled.len(), 1, "{health:#}");
    assert_eq!(
        (disabled[0]["client_uuid"].as_str(), disabled[0]["disabled_reason"].as_str()),
        (Some(uuid.as_str()), Some("gone"))
    );
    assert_eq!(health["hourly"].as_array().map(Vec::len).map(|n| (24..=25).contains(&n)), Some(true), "a day of hours");
    assert!(health["queue_depth"].is_u64());

    let done = ok(&app, &staff, "staff_reenable", &[("client_uuid", &uuid), ("environment", "sandbox")]).await;
    assert_eq!(
        (done["client_name"].as_str(), done["environment"].as_str()),
        (Some("Receiver Test Co"), Some("sandbox"))
    );
    assert_eq!(done["subscription"]["state"], "active");
    app.wait_for_notification(&held, "delivered", 1, WITHIN).await;
    app.wait_for_notification(&first, "delivered", 2, WITHIN).await;
    let health = ok(&app, &staff, "staff_delivery_health", &[]).await;
    assert_eq!(health["disabled"], json!([]), "{health:#}");

    let (status, again) =
        call(&app, &staff, "staff_reenable", &[("client_uuid", &uuid), ("environment", "sandbox")]).await;
    assert_eq!((status, again["code"].as_str()), (409, Some("not_disabled")));
    app.stop().await;
}

crate::on_both_backends!(
    staff_switch_a_subscription_on_and_off_and_the_audit_log_records_it,
    saving_urls_warns_about_a_shared_notification_url_and_refuses_one_equal_to_a_data_url,
    an_empty_url_field_clears_the_url_and_the_hash_key_is_replaced_or_cleared_only_on_purpose,
    staff_create_clients_find_them_and_create_accounts_that_sign_in,
    the_health_page_lists_a_disabled_endpoint_and_re_enabling_it_sends_what_was_held,
);

#[tokio::test]
async fn the_audit_log_pages_newest_first_and_filters_by_client_and_action() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    app.create_account(STAFF, PASSWORD, Role::Staff, None).await;
    let mut created = Vec::new();
    for i in 0..55 {
        created.push(app.create_client(&format!("Client {i:02}")).await);
    }
    let staff = signed_in(&app, STAFF).await;

    let first = ok(&app, &staff, "staff_audit_log", &[("query[action]", "client.")]).await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 50, "a page");
    assert_eq!(items[0]["client_uuid"], created[54].as_str(), "newest first");
    let cursor = first["next_cursor"].as_str().expect("an older page");
    let second = ok(&app, &staff, "staff_audit_log", &[("query[action]", "client."), ("query[cursor]", cursor)]).await;
    let older: Vec<&str> =
        second["items"].as_array().unwrap().iter().map(|e| e["client_uuid"].as_str().unwrap()).collect();
    let expected: Vec<&str> = created[..5].iter().rev().map(String::as_str).collect();
    assert_eq!(older, expected, "the rest, no overlap");
    assert_eq!(second["next_cursor"], Value::Null);

    let one = ok(&app, &staff, "staff_audit_log", &[("query[client_uuid]", &created[7])]).await;
    assert_eq!(one["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["items"][0]["detail"], json!({ "name": "Client 07" }));
    let none = ok(&app, &staff, "staff_audit_log", &[("query[action]", "secret.")]).await;
    assert_eq!(none["items"], json!([]));
    app.stop().await;
}

/// Posts a form as a browser without JavaScript does, from the page at `page`.
async fn post_form(
    app: &TestApp,
    browser: &reqwest::Client,
    name: &str,
    page: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(&format!("/fn/{name}")))
        .header("accept", "text/html")
        .header("referer", app.url(page))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn page_html(app: &TestApp, browser: &reqwest::Client, path: &str) -> (u16, String) {
    let res = browser.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn without_javascript_forms_return_to_their_page_which_shows_the_outcome_once() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let (acme, _) = clients_and_accounts(&app).await;
    let staff = signed_in(&app, STAFF).await;
    let page = format!("/staff/clients/{acme}");

    // A refusal: back to the page, which says why.
    let res = post_form(
        &app,
        &staff,
        "staff_set_subscription",
        &page,
        &[("client_uuid", &acme), ("environment", "sandbox"), ("active", "true")],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], page.as_str(), "back to the page, without the error in its URL");
    let (status, html) = page_html(&app, &staff, &page).await;
    assert_eq!(status, 200);
    assert!(html.contains("Set the Sandbox Notification Webhook URL before activating the subscription."), "{html}");

    // A new account: its password on the next render of the page, and never again.
    let res = post_form(
        &app,
        &staff,
        "staff_create_client_account",
        &page,
        &[("client_uuid", &acme), ("email", "ops@acme.example")],
    )
    .await;
    assert_eq!(res.status(), 302);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("Path=/staff"), "{cookie}");
    let (_, html) = page_html(&app, &staff, &page).await;
    let start = html.find("<code class=\"secret\">").expect("the password is shown") + "<code class=\"secret\">".len();
    let password = html[start..].split('<').next().unwrap().to_owned();
    assert_eq!(app.sign_in(&browser_client(), "ops@acme.example", &password).await.status(), 200);
    let (_, html) = page_html(&app, &staff, &page).await;
    assert!(!html.contains(&password), "shown once");

    // Saving URLs: the page shows the saved values; creating a client goes to the new client's page.
    let res = post_form(
        &app,
        &staff,
        "staff_update_environment",
        &page,
        &[
            ("client_uuid", &acme),
            ("environment", "sandbox"),
            ("change[notification_webhook_url]", "http://127.0.0.1:9/x"),
            ("change[data_webhook_url]", ""),
        ],
    )
    .await;
    assert_eq!(res.status(), 302);
    let (_, html) = page_html(&app, &staff, &page).await;
    assert!(html.contains("Sandbox settings saved.") && html.contains("http://127.0.0.1:9/x"), "{html}");
    let res = post_form(
        &app,
        &staff,
        "staff_create_client",
        "/staff/clients",
        &[("name", "Hooli Health"), ("client_uuid", "")],
    )
    .await;
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/staff/clients/"), "{location}");
    let (_, html) = page_html(&app, &staff, &location).await;
    assert!(html.contains("Hooli Health"));
    app.stop().await;
}

#[tokio::test]
async fn staff_pages_send_the_signed_out_to_sign_in_and_tell_client_accounts_they_may_not() {
    let app = spawn_app(TestDatabase::sqlite().await).await;
    let (acme, _) = clients_and_accounts(&app).await;
    let pages = [
        "/staff/clients".to_owned(),
        format!("/staff/clients/{acme}"),
        "/staff/health".to_owned(),
        "/staff/audit".to_owned(),
    ];
    let anonymous = browser_client();
    let client = signed_in(&app, "dev@acme.example").await;
    let staff = signed_in(&app, STAFF).await;
    for page in &pages {
        let res = anonymous.get(app.url(page)).header("accept", "text/html").send().await.unwrap();
        assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (302, "/login"), "{page}");

        let (_, html) = page_html(&app, &client, page).await;
        assert!(html.contains("You are not allowed to do that."), "{page}: {html}");
        assert!(!html.contains("Globex Fitness"), "{page} shows no other client");

        let (status, html) = page_html(&app, &staff, page).await;
        assert_eq!(status, 200, "{page}");
        assert!(!html.contains("You are not allowed"), "{page}: {html}");
    }
    app.stop().await;
}
