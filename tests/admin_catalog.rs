//! The admin panel's catalogue pages over HTTP: plans, payment-method configs, industries and
//! sites. Edits show on the public API at once; bad input is shown on the form and changes
//! nothing; a POST without the CSRF token is refused.

mod common;

use common::TestApp;
use common::admin::Panel;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    pages_render_for_staff_only,
    plan_edits_show_in_the_api,
    payment_method_changes_show_at_once,
    industries_are_added_and_edited,
    sites_are_deactivated_and_reactivated,
    posts_without_csrf_change_nothing,
);

/// The id of the seeded plan with this slug.
async fn plan_id(app: &TestApp, slug: &str) -> i64 {
    let plans = app.get("/billing/plans/", None).await;
    let all = plans.data()["results"].as_array().unwrap().clone();
    all.iter().find(|p| p["slug"] == slug).unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// The public payment methods for a country (`""`: no country), as (method, display name).
async fn offered(app: &TestApp, country: &str) -> Vec<(String, String)> {
    let query = match country {
        "" => String::new(),
        c => format!("?country={c}"),
    };
    let r = app
        .get(&format!("/billing/admin/payment-methods/{query}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.data()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let text = |k: &str| m[k].as_str().unwrap().to_owned();
            (text("payment_method"), text("display_name"))
        })
        .collect()
}

/// A free-trial customer with one site; returns (token, site id).
async fn customer_with_site(app: &TestApp, email: &str, name: &str) -> (String, i64) {
    let r = app.register_free(email).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.data()["token"].as_str().unwrap().to_owned();
    let industries = app.get("/industries/", None).await;
    let industry = industries.data()["results"][0]["id"].as_i64().unwrap();
    let site = json!({"name": name, "domain": "blog.example.com", "industry_id": industry});
    let created = app.post("/sites/", Some(&token), site).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    (token, created.data()["id"].as_i64().unwrap())
}

/// The fields of the starter plan's form as seeded, with `changes` applied.
fn starter_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Starter"),
        ("price", "89.00"),
        ("billing_cycle", "monthly"),
        ("included_credits", "1000"),
        ("max_sites", "1"),
        ("max_users", "2"),
        ("is_active", "on"),
        ("is_public", "on"),
        ("sort_order", "1"),
    ];
    for (k, v) in changes {
        fields.retain(|(name, _)| name != k);
        fields.push((k, v));
    }
    fields
}

async fn pages_render_for_staff_only(app: TestApp) {
    let (_, site) = customer_with_site(&app, "owner@test.com", "Cooking Blog").await;
    let starter = plan_id(&app, "starter").await;
    let pages = [
        "/admin/billing/plan/".to_owned(),
        "/admin/billing/plan/?active=yes&public=no&o=-price&q=inter".into(),
        format!("/admin/billing/plan/{starter}/"),
        "/admin/billing/paymentmethodconfig/".into(),
        "/admin/billing/paymentmethodconfig/?country=PK&method=local_wallet&enabled=yes&q=jazz"
            .into(),
        "/admin/billing/paymentmethodconfig/add/".into(),
        "/admin/billing/paymentmethodconfig/1/".into(),
        "/admin/sites/industry/".into(),
        "/admin/sites/industry/?active=yes&q=tech&o=-slug".into(),
        "/admin/sites/industry/add/".into(),
        "/admin/sites/industry/1/".into(),
        "/admin/sites/site/".into(),
        "/admin/sites/site/?active=yes&q=cook&o=name".into(),
        format!("/admin/sites/site/{site}/"),
    ];

    // Anonymous visitors are sent to the login page, which brings them back afterwards.
    let mut anonymous = Panel::new(&app);
    for path in &pages {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        let to = page.location.unwrap_or_default();
        assert!(
            to.starts_with("/admin/login/?next=%2Fadmin%2F"),
            "{path}: {to}"
        );
    }

    let mut panel = Panel::staff(&app, "admin@example.com").await;
    for path in &pages {
        let page = panel.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    }

    let plans = panel.get("/admin/billing/plan/").await;
    assert!(plans.body.contains("89.00 USD") && plans.body.contains("Internal"));
    assert!(plans.body.contains("5 total"), "{}", plans.body);
    let hidden = panel.get("/admin/billing/plan/?public=no").await;
    assert!(hidden.body.contains("Internal") && !hidden.body.contains("Starter"));
    assert!(hidden.body.contains("1 total"));

    let methods = panel.get("/admin/billing/paymentmethodconfig/").await;
    assert!(methods.body.contains("14 total"), "{}", methods.body);
    let jazz = panel
        .get("/admin/billing/paymentmethodconfig/?q=JAZZ")
        .await;
    assert!(jazz.body.contains("JazzCash / Easypaisa") && jazz.body.contains("1 total"));
    let pk = panel
        .get("/admin/billing/paymentmethodconfig/?country=PK")
        .await;
    assert!(pk.body.contains("1 total"), "{}", pk.body);
    // A LIKE wildcard in the search is matched literally.
    let wildcard = panel.get("/admin/billing/paymentmethodconfig/?q=%25").await;
    assert!(wildcard.body.contains("0 total"), "{}", wildcard.body);

    let sites = panel.get("/admin/sites/site/?q=COOKING").await;
    assert!(sites.body.contains("Cooking Blog") && sites.body.contains("1 total"));
    let by_account = panel.get("/admin/sites/site/?q=free").await;
    assert!(
        by_account.body.contains("Cooking Blog"),
        "{}",
        by_account.body
    );
    let none = panel.get("/admin/sites/site/?active=no").await;
    assert!(none.body.contains("0 total"));

    let detail = panel.get(&format!("/admin/sites/site/{site}/")).await;
    assert!(detail.body.contains("owner@test.com") && detail.body.contains("owner"));
    assert!(detail.body.contains("/admin/accounts/account/"));
    assert!(detail.body.contains("Deactivate site"));

    // Unknown ids are "not found", whatever their spelling.
    for path in ["/admin/billing/plan/999/", "/admin/sites/site/abc/"] {
        assert_eq!(
            panel.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

async fn plan_edits_show_in_the_api(app: TestApp) {
    let starter = plan_id(&app, "starter").await;
    let path = format!("/admin/billing/plan/{starter}/");
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    panel.get(&path).await;

    // Bad input: the form comes back with every problem beside its field; nothing changes.
    let bad = starter_form(&[
        ("price", "abc"),
        ("max_sites", "two"),
        ("name", "Starter X"),
    ]);
    let refused = panel.post(&path, &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("Please correct the errors below."));
    assert!(
        refused.body.contains("Enter a valid amount"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Enter a whole number."));
    assert!(refused.body.contains("value=\"abc\"") && refused.body.contains("Starter X"));
    let plans = app.get("/billing/plans/", None).await;
    let plan = |plans: &Value| {
        let all = plans.clone();
        all["data"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["slug"] == "starter")
            .cloned()
    };
    assert_eq!(plan(&plans.body).unwrap()["price"], "89.00");
    assert_eq!(plan(&plans.body).unwrap()["name"], "Starter");

    // A good edit: flash, redirect to the list, and the API says so at once.
    let good = starter_form(&[("price", "99.50"), ("included_credits", "1500")]);
    let saved = panel.post(&path, &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/admin/billing/plan/"));
    let list = panel.get("/admin/billing/plan/").await;
    assert!(
        list.body.contains("was changed successfully"),
        "{}",
        list.body
    );
    assert!(list.body.contains("99.50 USD"));
    let plans = app.get("/billing/plans/", None).await;
    let starter_now = plan(&plans.body).unwrap();
    assert_eq!(starter_now["price"], "99.50");
    assert_eq!(starter_now["included_credits"], 1500);

    // Unticking "public" takes it off the public list.
    let private = starter_form(&[("price", "99.50")])
        .into_iter()
        .filter(|(k, _)| *k != "is_public")
        .collect::<Vec<_>>();
    assert_eq!(
        panel.post(&path, &private).await.status,
        StatusCode::SEE_OTHER
    );
    let plans = app.get("/billing/plans/", None).await;
    assert!(plan(&plans.body).is_none());
    assert_eq!(plans.data()["count"], 3);
}

async fn payment_method_changes_show_at_once(app: TestApp) {
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    panel.get("/admin/billing/paymentmethodconfig/add/").await;
    let wallet = [
        ("country_code", "us"),
        ("payment_method", "local_wallet"),
        ("display_name", "Venmo"),
        ("instructions", "Venmo: @tollgate"),
        ("details", r#"{"handle": "@tollgate"}"#),
        ("is_enabled", "on"),
        ("sort_order", "5"),
    ];
    let add = "/admin/billing/paymentmethodconfig/add/";
    let created = panel.post(add, &wallet).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = panel.get("/admin/billing/paymentmethodconfig/").await;
    assert!(list.body.contains("was added successfully") && list.body.contains("15 total"));
    let us = offered(&app, "US").await;
    assert_eq!(us[0], ("local_wallet".into(), "Venmo".into()), "{us:?}");
    assert_eq!(us.len(), 4);
    assert!(!offered(&app, "PK").await.iter().any(|m| m.1 == "Venmo"));

    // The same (country, method) again is a field error, not a 500; nothing is added.
    let duplicate = panel.post(add, &wallet).await;
    assert_eq!(
        duplicate.status,
        StatusCode::BAD_REQUEST,
        "{}",
        duplicate.body
    );
    assert!(
        duplicate.body.contains("already exists"),
        "{}",
        duplicate.body
    );
    assert!(duplicate.body.contains("value=\"Venmo\""));
    let mut bad = wallet.to_vec();
    bad.retain(|(k, _)| !["country_code", "details", "payment_method"].contains(k));
    bad.extend([
        ("country_code", "USA"),
        ("details", "[1]"),
        ("payment_method", "cash"),
    ]);
    let invalid = panel.post(add, &bad).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    for message in [
        "two-letter ISO 3166 code",
        "Enter a JSON object",
        "Choose one of",
    ] {
        assert!(
            invalid.body.contains(message),
            "{message}: {}",
            invalid.body
        );
    }
    let list = panel.get("/admin/billing/paymentmethodconfig/").await;
    assert!(list.body.contains("15 total"));

    // Editing a row into an existing pair is refused the same way.
    let global: Vec<Value> = app
        .get("/billing/admin/payment-methods/", None)
        .await
        .data()["results"]
        .as_array()
        .unwrap()
        .clone();
    let id_of = |method: &str| {
        global
            .iter()
            .find(|m| m["payment_method"] == method)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let paypal = format!("/admin/billing/paymentmethodconfig/{}/", id_of("paypal"));
    let into_stripe = [
        ("country_code", "*"),
        ("payment_method", "stripe"),
        ("display_name", "PayPal"),
        ("sort_order", "20"),
        ("is_enabled", "on"),
    ];
    let clash = panel.post(&paypal, &into_stripe).await;
    assert_eq!(clash.status, StatusCode::BAD_REQUEST);
    assert!(clash.body.contains("already exists"));

    // Disabling the global bank transfer hides it everywhere it is not replaced, at once.
    let bank = id_of("bank_transfer");
    let page = panel
        .get(&format!("/admin/billing/paymentmethodconfig/{bank}/"))
        .await;
    assert!(page.body.contains("Disable this payment method"));
    let bank_id = bank.to_string();
    let off = [
        ("action", "disable_selected"),
        ("_selected_action", &bank_id),
    ];
    let disabled = panel
        .post("/admin/billing/paymentmethodconfig/", &off)
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER, "{}", disabled.body);
    let list = panel
        .get("/admin/billing/paymentmethodconfig/?enabled=no")
        .await;
    assert!(list.body.contains("Disabled 1 payment method config(s)."));
    assert!(list.body.contains("1 total"), "{}", list.body);
    for country in ["", "US"] {
        let methods = offered(&app, country).await;
        assert!(
            !methods.iter().any(|m| m.0 == "bank_transfer"),
            "{methods:?}"
        );
    }
    // Germany has its own bank-transfer row, which stays.
    assert!(
        offered(&app, "DE")
            .await
            .iter()
            .any(|m| m.0 == "bank_transfer")
    );

    // Edited instructions show at once too, and enabling brings the method back.
    let edit = [
        ("country_code", "*"),
        ("payment_method", "bank_transfer"),
        ("display_name", "Wire transfer"),
        ("instructions", "Bank: XYZ Bank"),
        ("details", "{}"),
        ("is_enabled", "on"),
        ("sort_order", "30"),
    ];
    let edited = panel
        .post(
            &format!("/admin/billing/paymentmethodconfig/{bank}/"),
            &edit,
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let us = offered(&app, "US").await;
    assert!(
        us.contains(&("bank_transfer".into(), "Wire transfer".into())),
        "{us:?}"
    );
}

async fn industries_are_added_and_edited(app: TestApp) {
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    panel.get("/admin/sites/industry/add/").await;
    let add = "/admin/sites/industry/add/";
    let created = panel
        .post(add, &[("name", "Pet Care & Grooming"), ("is_active", "on")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = panel.get("/admin/sites/industry/?q=pet").await;
    assert!(list.body.contains("was added successfully"));
    assert!(list.body.contains("pet-care-grooming") && list.body.contains("1 total"));
    let public = app.get("/industries/", None).await;
    let pet = public.data()["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["slug"] == "pet-care-grooming")
        .cloned()
        .expect("new industry offered");
    let id = pet["id"].as_i64().unwrap();

    // Same slug again, or a blank name: shown on the form, nothing added.
    let again = panel
        .post(add, &[("name", "pet care grooming"), ("is_active", "on")])
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    assert!(again.body.contains("already exists"), "{}", again.body);
    let blank = panel.post(add, &[("name", "  ")]).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(blank.body.contains("This field is required."));

    // Renaming keeps the slug; deactivating takes it off the public list.
    let path = format!("/admin/sites/industry/{id}/");
    let renamed = panel.post(&path, &[("name", "Pets")]).await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let page = panel.get(&path).await;
    assert!(page.body.contains("Pets") && page.body.contains("pet-care-grooming"));
    let public = app.get("/industries/", None).await;
    let slugs: Vec<&Value> = public.data()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["slug"])
        .collect();
    assert!(!slugs.contains(&&json!("pet-care-grooming")), "{slugs:?}");
    let inactive = panel.get("/admin/sites/industry/?active=no").await;
    assert!(inactive.body.contains("Pets") && inactive.body.contains("1 total"));
}

async fn sites_are_deactivated_and_reactivated(app: TestApp) {
    let (token, site) = customer_with_site(&app, "owner@test.com", "Cooking Blog").await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    let path = format!("/admin/sites/site/{site}/");
    panel.get(&path).await;

    let off = panel.post(&format!("{path}deactivate/"), &[]).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.body);
    assert_eq!(off.location.as_deref(), Some(path.as_str()));
    let page = panel.get(&path).await;
    assert!(page.body.contains("was deactivated") && page.body.contains("Reactivate site"));
    let api = app.get(&format!("/sites/{site}/"), Some(&token)).await;
    assert_eq!(api.data()["is_active"], false);
    let inactive = panel.get("/admin/sites/site/?active=no").await;
    assert!(inactive.body.contains("Cooking Blog") && inactive.body.contains("1 total"));

    // The free plan allows one active site: with another one active, reactivating is refused.
    let industries = app.get("/industries/", None).await;
    let industry = industries.data()["results"][0]["id"].as_i64().unwrap();
    let second = json!({"name": "Travel Blog", "industry_id": industry});
    let created = app.post("/sites/", Some(&token), second).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let refused = panel.post(&format!("{path}reactivate/"), &[]).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    let page = panel.get(&path).await;
    assert!(page.body.contains("Site limit reached"), "{}", page.body);
    let api = app.get(&format!("/sites/{site}/"), Some(&token)).await;
    assert_eq!(api.data()["is_active"], false);

    // With the other one deactivated, it comes back.
    let other = created.data()["id"].as_i64().unwrap();
    let other_off = panel
        .post(&format!("/admin/sites/site/{other}/deactivate/"), &[])
        .await;
    assert_eq!(other_off.status, StatusCode::SEE_OTHER);
    let on = panel.post(&format!("{path}reactivate/"), &[]).await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    let page = panel.get(&path).await;
    assert!(page.body.contains("was reactivated"), "{}", page.body);
    let api = app.get(&format!("/sites/{site}/"), Some(&token)).await;
    assert_eq!(api.data()["is_active"], true);
}

async fn posts_without_csrf_change_nothing(app: TestApp) {
    let (token, site) = customer_with_site(&app, "owner@test.com", "Cooking Blog").await;
    let starter = plan_id(&app, "starter").await;
    let mut panel = Panel::staff(&app, "admin@example.com").await;
    panel.get("/admin/").await;

    let no_token = |mut fields: Vec<(&'static str, &'static str)>| {
        fields.push(("csrf_token", ""));
        fields
    };
    let plan = panel
        .post(
            &format!("/admin/billing/plan/{starter}/"),
            &no_token(starter_form(&[("price", "1.00")])),
        )
        .await;
    assert_eq!(plan.status, StatusCode::FORBIDDEN);
    assert!(plan.body.contains("CSRF verification failed"));
    let method = panel
        .post(
            "/admin/billing/paymentmethodconfig/add/",
            &no_token(vec![
                ("country_code", "US"),
                ("payment_method", "local_wallet"),
                ("display_name", "Venmo"),
                ("sort_order", "1"),
            ]),
        )
        .await;
    assert_eq!(method.status, StatusCode::FORBIDDEN);
    let disable = panel
        .post(
            "/admin/billing/paymentmethodconfig/",
            &no_token(vec![
                ("action", "disable_selected"),
                ("_selected_action", "3"),
            ]),
        )
        .await;
    assert_eq!(disable.status, StatusCode::FORBIDDEN);
    let industry = panel
        .post(
            "/admin/sites/industry/add/",
            &no_token(vec![("name", "Pets")]),
        )
        .await;
    assert_eq!(industry.status, StatusCode::FORBIDDEN);
    let forged = [("csrf_token", "not-the-token")];
    let deactivate = panel
        .post(&format!("/admin/sites/site/{site}/deactivate/"), &forged)
        .await;
    assert_eq!(deactivate.status, StatusCode::FORBIDDEN);

    // Nothing changed.
    let plans = app.get("/billing/plans/", None).await;
    assert!(plans.body.to_string().contains("\"89.00\""));
    assert!(!plans.body.to_string().contains("\"1.00\""));
    assert_eq!(offered(&app, "US").await.len(), 3);
    let industries = app.get("/industries/", None).await;
    assert_eq!(industries.data()["count"], 12);
    let api = app.get(&format!("/sites/{site}/"), Some(&token)).await;
    assert_eq!(api.data()["is_active"], true);
}
