//! The admin panel's webhook pages: adding an endpoint shows its secret once, the delivery
//! log's "Resend" sends the same event again, editing, rotation and disabling from the
//! endpoint's page.

use reqwest::StatusCode;
use sea_orm::EntityTrait;

use super::common::TestApp;
use super::common::admin::Panel;
use super::common::receiver::{Receiver, eventually, verifies};
use super::{deliveries, endpoint_row};
use tollgate::entities::webhook_delivery::DeliveryState;
use tollgate::entities::webhook_endpoint as endpoint;

const LIST: &str = "/admin/notifications/webhookendpoint/";

/// The `whsec_…` secret shown on a page.
fn secret_in(html: &str) -> Option<String> {
    let at = html.find("whsec_")?;
    let secret: String = html[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '/' | '='))
        .collect();
    Some(secret)
}

pub async fn the_panel_shows_the_secret_once_and_resends_with_the_same_id(app: TestApp) {
    let rx = Receiver::start().await;
    let mut panel = Panel::staff(&app, "hooks-admin@example.com").await;
    let home = panel.get("/admin/").await;
    assert!(
        home.body.contains(LIST),
        "the home page links the endpoints"
    );
    let add = format!("{LIST}add/");
    let form = panel.get(&add).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains(r#"value="payment.approved""#),
        "event checkboxes"
    );

    // A malformed URL comes back as a field error.
    let bad = [("url", "not a url"), ("enabled", "on")];
    let refused = panel.post(&add, &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("Enter a valid URL"),
        "{}",
        refused.body
    );
    let none = endpoint::Entity::find().all(app.db.conn()).await.unwrap();
    assert!(none.is_empty());

    let fields = [
        ("url", rx.url.as_str()),
        ("description", "CRM sync"),
        ("event_types", "account.created"),
        ("event_types", "payment.approved"),
        ("enabled", "on"),
    ];
    let made = panel.post(&add, &fields).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(made.headers["cache-control"], "no-store");
    let secret = secret_in(&made.body).expect("the secret is shown");
    assert!(secret.len() > 40, "{secret}");
    let row = endpoint::Entity::find()
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.secret, secret);
    assert_eq!(row.event_types, r#"["account.created","payment.approved"]"#);
    let page_of = format!("{LIST}{}/", row.id);
    let page = panel.get(&page_of).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&secret), "shown once only");
    assert!(page.body.contains(&rx.url));
    let list = panel.get(LIST).await;
    assert!(list.body.contains(&rx.url) && !list.body.contains(&secret));

    // The event arrives signed with the secret the page showed.
    assert_eq!(
        app.register_free("panel@example.com").await.status,
        StatusCode::CREATED
    );
    let first = rx.wait_for(1).await[0].clone();
    assert_eq!(first.event_type(), "account.created");
    assert!(verifies(&secret, &first));
    let d = eventually("the delivery recorded", || async {
        let d = deliveries(&app).await.into_iter().next()?;
        (d.state == DeliveryState::Succeeded).then_some(d)
    })
    .await;

    // The delivery log shows it, with its Resend button.
    let page = panel.get(&page_of).await;
    assert!(page.body.contains(&first.id), "the webhook-id in the log");
    let resend = format!("{page_of}deliveries/{}/resend/", d.id);
    assert!(page.body.contains(&resend), "a Resend button");
    let resent = panel.post(&resend, &[]).await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    let again = rx.wait_for(2).await[1].clone();
    assert_eq!(again.id, first.id, "a resend keeps the webhook-id");
    assert_eq!(again.body, first.body);
    assert!(verifies(&secret, &again));
    eventually("the resend recorded", || async {
        let d = deliveries(&app).await.into_iter().next()?;
        (d.attempts == 2 && d.state == DeliveryState::Succeeded).then_some(())
    })
    .await;

    // Rotation shows the new secret, once; disabling switches the endpoint off.
    let rotated = panel.post(&format!("{page_of}rotate/"), &[]).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let new_secret = secret_in(&rotated.body).expect("the new secret is shown");
    assert_ne!(new_secret, secret);
    assert_eq!(endpoint_row(&app, row.id).await.secret, new_secret);

    // Editing is checked as adding is; a good edit changes what the endpoint gets.
    let edit = format!("{page_of}edit/");
    let bad = [
        ("url", "https://user:pw@example.com/hook"),
        ("enabled", "on"),
    ];
    let refused = panel.post(&edit, &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("must not hold a user name"),
        "{}",
        refused.body
    );
    let good = [
        ("url", rx.url.as_str()),
        ("description", "CRM sync v2"),
        ("event_types", "payment.approved"),
        ("enabled", "on"),
    ];
    assert_eq!(panel.post(&edit, &good).await.status, StatusCode::SEE_OTHER);
    let edited = endpoint_row(&app, row.id).await;
    assert_eq!(edited.description, "CRM sync v2");
    assert_eq!(edited.event_types, r#"["payment.approved"]"#);
    assert_eq!(edited.secret, new_secret, "an edit keeps the secret");

    let off = panel.post(&format!("{page_of}disable/"), &[]).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert!(!endpoint_row(&app, row.id).await.enabled);
}
