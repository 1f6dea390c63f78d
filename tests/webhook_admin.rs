//! Webhook guards and the jobs page, with the app's defaults: no job runner in the app and
//! private addresses not allowed. Endpoints on loopback, private or link-local addresses are
//! refused when registered (a field error on `url`) and again at connect time; the jobs page
//! lists a dead job without its payload, and "Retry now" makes it pending.

mod common;

use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, EntityTrait};

use common::TestApp;
use common::admin::Panel;
use common::receiver::Receiver;
use tollgate::config::{Notifications, Settings};
use tollgate::domain::staff::StaffActor;
use tollgate::domain::webhooks::{self, EndpointInput};
use tollgate::entities::job::{self, JobState};
use tollgate::entities::webhook_delivery::{self as delivery, DeliveryState};
use tollgate::entities::webhook_endpoint as endpoint;
use tollgate::error::Error;

on_both_backends!(
    bad_and_private_urls_are_refused_with_a_field_error,
    private_addresses_are_refused_at_connect_time_too,
    the_jobs_page_lists_a_dead_job_and_retry_now_makes_it_pending,
);

async fn staff(app: &TestApp) -> StaffActor {
    let user =
        tollgate::domain::accounts::create_staff_user(&app.db, "guard@example.com", "adminpass")
            .await
            .unwrap();
    StaffActor::verify(user).unwrap()
}

fn input(url: &str, types: &[&str]) -> EndpointInput {
    EndpointInput {
        url: url.into(),
        description: String::new(),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        enabled: true,
    }
}

/// The field errors of a refused registration.
fn refused_fields(outcome: tollgate::error::Result<webhooks::WithSecret>) -> Vec<String> {
    match outcome {
        Err(Error::Invalid { fields, .. }) => fields.keys().cloned().collect(),
        Err(e) => panic!("expected a field error, got {e}"),
        Ok(made) => panic!("{} was accepted", made.endpoint.url),
    }
}

async fn bad_and_private_urls_are_refused_with_a_field_error(app: TestApp) {
    let actor = staff(&app).await;
    for url in [
        "not a url",
        "",
        "ftp://example.com/hook",
        "https://user:secret@example.com/hook",
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/",
        "http://172.16.3.4/",
        "http://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
    ] {
        let outcome = webhooks::create_endpoint(&app.db, &actor, input(url, &[]), false).await;
        assert_eq!(refused_fields(outcome), ["url"], "{url}");
    }
    let unknown = input("https://93.184.215.14/hook", &["payment.teleported"]);
    let outcome = webhooks::create_endpoint(&app.db, &actor, unknown, false).await;
    assert_eq!(refused_fields(outcome), ["event_types"]);
    // A public address literal needs no lookup and is accepted.
    let public = input("https://93.184.215.14/hook", &["payment.approved"]);
    webhooks::create_endpoint(&app.db, &actor, public, false)
        .await
        .expect("a public address is fine");

    // The panel says the same beside the field.
    let mut panel = Panel::staff(&app, "guard-panel@example.com").await;
    let add = "/admin/notifications/webhookendpoint/add/";
    panel.get(add).await;
    let page = panel
        .post(
            add,
            &[("url", "http://127.0.0.1:9/hook"), ("enabled", "on")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("TOLLGATE_WEBHOOK_ALLOW_PRIVATE"),
        "{}",
        page.body
    );
    assert!(page.body.contains("field-error"));
    let count = endpoint::Entity::find()
        .all(app.db.conn())
        .await
        .unwrap()
        .len();
    assert_eq!(count, 1, "only the public endpoint was registered");
}

/// As if the names had resolved to public addresses when registered, and DNS changed since:
/// the delivery's own resolver and address check refuse to connect.
async fn private_addresses_are_refused_at_connect_time_too(app: TestApp) {
    let rx = Receiver::start().await;
    let actor = staff(&app).await;
    let by_name = rx.url.replace("127.0.0.1", "localhost");
    for url in [rx.url.as_str(), by_name.as_str()] {
        let allowed_then = input(url, &["account.created"]);
        webhooks::create_endpoint(&app.db, &actor, allowed_then, true)
            .await
            .unwrap();
    }
    assert_eq!(
        app.register_free("rebind@example.com").await.status,
        StatusCode::CREATED
    );

    let settings = Notifications {
        mail_dir: app.mail_dir.clone(),
        ..Notifications::default()
    };
    assert!(!settings.webhook_allow_private);
    let settings = Settings {
        notifications: settings,
        ..Settings::default()
    };
    let runner = tollgate::notify::runner(app.db.clone(), &settings).unwrap();
    while runner.run_once().await.unwrap() > 0 {
        let due = job::Entity::find().all(app.db.conn()).await.unwrap();
        if due
            .iter()
            .all(|j| j.state != JobState::Pending || j.run_at > Utc::now())
        {
            break;
        }
    }
    let sent = delivery::Entity::find().all(app.db.conn()).await.unwrap();
    assert_eq!(sent.len(), 2);
    for d in &sent {
        assert_eq!(d.state, DeliveryState::Retrying);
        assert_eq!(d.last_status_code, None);
        let error = d.last_error.clone().unwrap_or_default();
        assert!(
            error.contains("refused") || error.contains("public address"),
            "{error}"
        );
    }
    assert!(rx.received().is_empty(), "nothing reached the receiver");
}

async fn the_jobs_page_lists_a_dead_job_and_retry_now_makes_it_pending(app: TestApp) {
    let now = Utc::now();
    let dead = job::ActiveModel {
        kind: Set("mail.password_reset".into()),
        unique_key: Set("mail.password_reset:password_reset:99".into()),
        payload: Set(r#"{"user_id": 1, "token": "tok-NEVER-SHOWN-123"}"#.into()),
        state: Set(JobState::Dead),
        attempts: Set(8),
        max_attempts: Set(8),
        run_at: Set(now),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(Some("smtp server unreachable".into())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let id = job::Entity::insert(dead)
        .exec(app.db.conn())
        .await
        .unwrap()
        .last_insert_id;

    let mut panel = Panel::staff(&app, "jobs-admin@example.com").await;
    let list = panel.get("/admin/notifications/job/?state=dead").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("mail.password_reset:password_reset:99"));
    assert!(list.body.contains("smtp server unreachable"));
    assert!(list.body.contains("8/8"));
    assert!(
        !list.body.contains("tok-NEVER-SHOWN-123"),
        "never the payload"
    );
    let none = panel.get("/admin/notifications/job/?state=done").await;
    assert!(!none.body.contains("password_reset:99"));

    let page_of = format!("/admin/notifications/job/{id}/");
    let page = panel.get(&page_of).await;
    assert!(
        !page.body.contains("tok-NEVER-SHOWN-123"),
        "never the payload"
    );
    assert!(page.body.contains("Retry now"));
    let retried = panel.post(&format!("{page_of}retry/"), &[]).await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    let j = job::Entity::find_by_id(id)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.state, JobState::Pending);
    assert_eq!(j.attempts, 0, "a fresh count of attempts");
    assert!(j.run_at <= Utc::now(), "due now");
    let pending = panel.get("/admin/notifications/job/?state=pending").await;
    assert!(pending.body.contains("password_reset:99"));

    // A job that is done is not retried.
    let mut done: job::ActiveModel = j.into();
    done.state = Set(JobState::Done);
    sea_orm::ActiveModelTrait::update(done, app.db.conn())
        .await
        .unwrap();
    let again = panel.post(&format!("{page_of}retry/"), &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let page = panel.get(&page_of).await;
    assert!(
        page.body
            .contains("Only pending or dead jobs can be retried"),
        "{}",
        page.body
    );
}
