//! Setting an environment's delivery rates: only staff (or an admin token) set them, a wrong value is
//! refused naming its field and changes nothing, the change is audited, and the client's settings
//! page shows the rate in words.

use app::vocab::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::browser_client;
use crate::support::{TestApp, TestDatabase, spawn_app};

const PASSWORD: &str = "correct-horse-battery";

fn sandbox(client: &Value) -> &Value {
    client["environments"].as_array().and_then(|envs| envs.iter().find(|e| e["environment"] == "sandbox")).unwrap()
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = browser_client();
    assert_eq!(app.sign_in(&browser, email, PASSWORD).await.status(), 200, "{email} signs in");
    browser
}

async fn the_api_sets_and_clears_rates_and_refuses_wrong_ones_naming_the_field(db: TestDatabase) {
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("Acme Health").await;
    let before = app.client_view(&client_uuid).await;
    assert_eq!(sandbox(&before)["notification_rate_limit"], Value::Null, "no limit by default");

    for (field, wrong) in [
        ("notification_rate_limit", json!(0)),
        ("notification_rate_limit", json!(10_001)),
        ("notification_rate_limit", json!(-1)),
        ("data_rate_limit", json!(1.5)),
        ("data_rate_limit", json!("50")),
        ("data_rate_limit", json!(true)),
    ] {
        let res = app.update_environment(&client_uuid, "sandbox", &json!({ field: wrong })).await;
        assert_eq!(res.status(), 422, "{field}: {wrong}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid", "{body:#}");
        assert_eq!(body["error"]["field"], field, "{body:#}");
        assert!(body["error"]["message"].as_str().unwrap().contains("from 1 to 10000"), "{body:#}");
    }
    assert_eq!(app.client_view(&client_uuid).await, before, "nothing changed");

    let set = app
        .set_environment(&client_uuid, "sandbox", &json!({ "notification_rate_limit": 50, "data_rate_limit": 10000 }))
        .await;
    assert_eq!(set["notification_rate_limit"], 50);
    assert_eq!(set["data_rate_limit"], 10000);
    // Changing something else leaves the rates; null removes one.
    app.set_environment(&client_uuid, "sandbox", &json!({ "rook_hash_key": "k" })).await;
    let cleared = app.set_environment(&client_uuid, "sandbox", &json!({ "data_rate_limit": null })).await;
    assert_eq!(cleared["notification_rate_limit"], 50);
    assert_eq!(cleared["data_rate_limit"], Value::Null);
    assert_eq!(sandbox(&app.client_view(&client_uuid).await)["notification_rate_limit"], 50);

    let log = app
        .api(Method::GET, "/audit-log")
        .query(&[("client_uuid", client_uuid.as_str()), ("action", "environment.updated")])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let details: Vec<&Value> = log["items"].as_array().unwrap().iter().map(|e| &e["detail"]).collect();
    assert_eq!(details.len(), 3, "one entry per accepted change: {log:#}");
    assert_eq!((&details[0]["notification_rate_limit"], &details[0]["data_rate_limit"]), (&json!(50), &Value::Null));
    assert_eq!(details[2]["data_rate_limit"], 10000);
    app.stop().await;
}

async fn staff_set_a_rate_in_the_dashboard_and_the_client_reads_it_in_words(db: TestDatabase) {
    let app = spawn_app(db).await;
    let client_uuid = app.create_client("Acme Health").await;
    app.create_account("staff@rook.example", PASSWORD, Role::Staff, None).await;
    app.create_account("dev@acme.example", PASSWORD, Role::Client, Some(&client_uuid)).await;
    let staff = signed_in(&app, "staff@rook.example").await;
    let save = |browser: reqwest::Client, rate: &'static str| {
        let (app, client_uuid) = (&app, client_uuid.clone());
        async move {
            let form = [
                ("client_uuid", client_uuid.as_str()),
                ("environment", "sandbox"),
                ("change[notification_rate_limit]", rate),
            ];
            let res = app.call_fn(&browser, "staff_update_environment", &form).await;
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    let (status, refused) = save(staff.clone(), "fast").await;
    assert_eq!(status, 422, "{refused:#}");
    assert_eq!((&refused["kind"], &refused["field"]), (&json!("validation"), &json!("notification_rate_limit")));
    assert!(refused["message"].as_str().unwrap().contains("whole number of deliveries per second"), "{refused:#}");
    assert_eq!(sandbox(&app.client_view(&client_uuid).await)["notification_rate_limit"], Value::Null);

    let (status, saved) = save(staff.clone(), "50").await;
    assert_eq!(status, 200, "{saved:#}");
    assert_eq!(saved["notification_rate_limit"], 50);

    // The client reads it, and may not set it.
    let developer = signed_in(&app, "dev@acme.example").await;
    let page = developer.get(app.url(&format!("/clients/{client_uuid}/settings"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("ROOK sends at most 50 deliveries per second to this URL"),
        "the settings page says the rate"
    );
    let (status, _) = save(developer, "500").await;
    assert!(matches!(status, 403 | 404), "a client account cannot change its rate: {status}");
    assert_eq!(sandbox(&app.client_view(&client_uuid).await)["notification_rate_limit"], 50);

    // An empty field removes the limit.
    let (status, saved) = save(staff, "").await;
    assert_eq!(status, 200, "{saved:#}");
    assert_eq!(saved["notification_rate_limit"], Value::Null);
    app.stop().await;
}

crate::on_both_backends!(
    the_api_sets_and_clears_rates_and_refuses_wrong_ones_naming_the_field,
    staff_set_a_rate_in_the_dashboard_and_the_client_reads_it_in_words,
);
