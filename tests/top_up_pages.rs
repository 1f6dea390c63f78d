//! Credit top-ups in the pages, on SQLite and PostgreSQL: the portal's "Buy credits" page
//! (packages with their price per credit, the country's methods, a refused form answered
//! beside its fields, a purchase leading to its invoice, where "I have paid" works as for any
//! invoice), and staff's "Top-up packages" in the panel (add, edit, take off sale, bad input on
//! the form), which customers cannot open. The API's side is `tests/top_ups.rs`.

mod common;

use common::TestApp;
use common::admin::{Page, Panel};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use tollgate::domain::status::InvoicePurpose;
use tollgate::entities::{audit_entry, invoice};

on_both_backends!(
    a_customer_buys_credits_from_the_portal,
    staff_add_and_edit_packages_in_the_panel,
    customers_cannot_open_the_panels_packages,
);

const PAGE: &str = "/credits/top-ups/";
const LIST: &str = "/admin/billing/topuppackage/";

/// The page a redirect leads to.
async fn follow(client: &mut Panel, page: &Page) -> Page {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    client.get(page.location.as_deref().unwrap()).await
}

async fn top_up_invoices(app: &TestApp) -> Vec<invoice::Model> {
    invoice::Entity::find()
        .filter(invoice::Column::Purpose.eq(InvoicePurpose::TopUp))
        .all(app.db.conn())
        .await
        .unwrap()
}

/// The public list of packages on sale.
async fn on_sale(app: &TestApp) -> Vec<Value> {
    let r = app.get("/billing/credits/top-ups/", None).await;
    r.data()["results"].as_array().unwrap().clone()
}

async fn a_customer_buys_credits_from_the_portal(app: TestApp) {
    let (token, first) = app.paid_customer("paid@test.com").await;
    let staff = app.staff_token("staff@example.com").await;
    let paid = app.confirm(&token, first, "89.00", "BT-1").await;
    let payment = paid.data()["payment_id"].as_i64().unwrap();
    assert_eq!(app.approve(&staff, payment).await.status, StatusCode::OK);

    let mut portal = Panel::customer(&app, "paid@test.com").await;
    let credits = portal.get("/credits/").await;
    assert!(
        credits
            .body
            .contains(r#"<a class="button primary" href="/credits/top-ups/">Buy credits</a>"#)
    );
    let page = portal.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains(r#"<a href="/credits/" aria-current="page">Credits</a>"#)
    );
    assert!(
        page.body.contains("<dd class=\"credits\">1000</dd>"),
        "{}",
        page.body
    );
    for text in [
        "500 credits",
        "49.00 USD",
        "0.098 USD per credit",
        "2,000 credits · 0.0895 USD per credit",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    // Pakistan's methods: the bank transfer and the wallet (card and PayPal are not set up).
    assert!(page.body.contains(r#"value="bank_transfer""#) && page.body.contains("JazzCash"));
    assert!(!page.body.contains(r#"value="stripe""#));

    // Nothing chosen: each problem beside its field, nothing issued.
    let refused = portal.post(PAGE, &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    for field in ["package_id", "payment_method"] {
        let said =
            format!(r#"<span class="field-error" id="e-{field}">This field is required.</span>"#);
        assert!(refused.body.contains(&said), "{field}: {}", refused.body);
    }
    // A forged form changes nothing either.
    let forged = [
        ("csrf_token", "forged"),
        ("package_id", "1"),
        ("payment_method", "bank_transfer"),
    ];
    assert_eq!(
        portal.post(PAGE, &forged).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(top_up_invoices(&app).await.is_empty());

    let package = on_sale(&app).await[0]["id"].as_i64().unwrap().to_string();
    let bought = portal
        .post(
            PAGE,
            &[
                ("package_id", &package),
                ("payment_method", "bank_transfer"),
            ],
        )
        .await;
    let issued = top_up_invoices(&app).await;
    assert_eq!(issued.len(), 1);
    let invoice = &issued[0];
    assert_eq!((invoice.total, invoice.credits), (4_900, Some(500)));
    assert_eq!(bought.location, Some(format!("/invoices/{}/", invoice.id)));
    let page = follow(&mut portal, &bought).await;
    assert!(page.body.contains(&format!(
        "Invoice {} of 49.00 USD issued for 500 credits. Pay it below",
        invoice.invoice_number
    )));
    assert!(
        page.body.contains("ABC Bank") && page.body.contains("I have paid"),
        "{}",
        page.body
    );

    // "I have paid" on it, then staff's approval: the credits land.
    let confirmed = portal
        .post(
            &format!("/invoices/{}/pay/", invoice.id),
            &[
                ("payment_method", "bank_transfer"),
                ("manual_reference", "BT-TOPUP"),
                ("amount", "49.00"),
            ],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    let payments = app.get("/billing/payments/", Some(&token)).await;
    let topup = payments.data()["results"][0]["id"].as_i64().unwrap();
    assert_eq!(app.approve(&staff, topup).await.status, StatusCode::OK);
    assert_eq!(app.assert_ledger_consistent(&token).await, 1500);
    let page = portal.get("/credits/").await;
    assert!(page.body.contains("<td>purchase</td>"), "{}", page.body);
}

/// The package form's fields as typed, with `changes` applied.
fn package_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Starter pack"),
        ("credits", "250"),
        ("price", "25.00"),
        ("currency", "usd"),
        ("is_active", "on"),
        ("sort_order", "5"),
    ];
    for (k, v) in changes {
        fields.retain(|(name, _)| name != k);
        if !v.is_empty() || *k != "is_active" {
            fields.push((k, v));
        }
    }
    fields
}

async fn staff_add_and_edit_packages_in_the_panel(app: TestApp) {
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let list = panel.get(LIST).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("3 total") && list.body.contains("10,000 credits"));
    assert!(list.body.contains("790.00"), "{}", list.body);
    let home = panel.get("/admin/").await;
    assert!(home.body.contains(LIST), "a card on the home page");

    // Bad input: shown on the form, nothing added.
    panel.get(&format!("{LIST}add/")).await;
    let add = format!("{LIST}add/");
    let bad = [
        ("name", " "),
        ("credits", "0"),
        ("price", "-1"),
        ("currency", "US"),
    ];
    let refused = panel.post(&add, &package_form(&bad)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    for said in [
        "This field is required.",
        "Enter a whole number from 1 to 1000000000.",
        "Enter a three-letter ISO 4217 code, such as USD.",
    ] {
        assert!(refused.body.contains(said), "{said}: {}", refused.body);
    }
    let negative = panel.post(&add, &package_form(&[("price", "-1")])).await;
    assert!(
        negative.body.contains("Amount must not be negative."),
        "{}",
        negative.body
    );
    let taken = panel
        .post(&add, &package_form(&[("name", "500 credits")]))
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(
        taken
            .body
            .contains("A top-up package named “500 credits” already exists.")
    );
    assert_eq!(on_sale(&app).await.len(), 3);

    let created = panel.post(&add, &package_form(&[])).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = follow(&mut panel, &created).await;
    assert!(
        list.body
            .contains("The top-up package “Starter pack” was added successfully.")
    );
    let offered = on_sale(&app).await;
    let new = offered
        .iter()
        .find(|p| p["name"] == "Starter pack")
        .expect("on sale");
    assert_eq!(
        (&new["price"], &new["currency"], &new["credits"]),
        (&"25.00".into(), &"USD".into(), &250.into())
    );
    let id = new["id"].as_i64().unwrap();

    // Edited, then taken off sale.
    let path = format!("{LIST}{id}/");
    let page = panel.get(&path).await;
    assert!(page.body.contains("0.10 USD"), "per credit: {}", page.body);
    let edited = panel
        .post(&path, &package_form(&[("price", "20"), ("credits", "300")]))
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let offered = on_sale(&app).await;
    let new = offered.iter().find(|p| p["id"] == id).unwrap();
    assert_eq!(
        (&new["price"], &new["credits"]),
        (&"20.00".into(), &300.into())
    );
    let off = panel.post(&path, &package_form(&[("is_active", "")])).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.body);
    assert!(on_sale(&app).await.iter().all(|p| p["id"] != id));
    let inactive = panel.get(&format!("{LIST}?active=no")).await;
    assert!(inactive.body.contains("Starter pack") && inactive.body.contains("1 total"));

    // Each edit is in the audit log, by whom.
    for (action, count) in [("top_up_package.create", 1), ("top_up_package.update", 2)] {
        let n = audit_entry::Entity::find()
            .filter(audit_entry::Column::Action.eq(action))
            .filter(audit_entry::Column::ObjectId.eq(id))
            .filter(audit_entry::Column::ActorId.is_not_null())
            .count(app.db.conn())
            .await
            .unwrap();
        assert_eq!(n, count, "{action}");
    }
}

async fn customers_cannot_open_the_panels_packages(app: TestApp) {
    let token = app.register_free("customer@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Signed in to the portal, or with an API token: the panel is for staff sessions only.
    let mut portal = Panel::customer(&app, "customer@test.com").await;
    let anonymous = Panel::new(&app);
    for path in [LIST.to_owned(), format!("{LIST}add/"), format!("{LIST}1/")] {
        let page = portal.get(&path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            page.location
                .unwrap_or_default()
                .starts_with("/admin/login/"),
            "{path}"
        );
        let resp = anonymous
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path} with a token");
    }
    let posted = portal
        .post(&format!("{LIST}add/"), &package_form(&[]))
        .await;
    assert_ne!(posted.status, StatusCode::OK, "{}", posted.body);
    assert_eq!(on_sale(&app).await.len(), 3, "nothing added");
}
