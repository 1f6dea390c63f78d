//! API conventions: validation naming every field, the error envelope for malformed
//! requests, and the token lifecycle.

mod common;

use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    registration_validates_every_field,
    malformed_requests_get_clear_answers,
    tokens_refresh_and_logout,
    concurrent_refreshes_with_one_token_rotate_once_and_share_the_successor,
    security_headers_on_every_response,
);

async fn registration_validates_every_field(app: TestApp) {
    let r = app.post("/auth/register/", None, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for field in [
        "email",
        "password",
        "password_confirm",
        "first_name",
        "last_name",
    ] {
        assert!(r.body["errors"][field].is_array(), "{field}: {}", r.body);
    }
    let base = json!({"email": "x@test.com", "first_name": "A", "last_name": "B"});
    for (password, confirm) in [
        ("short", "short"),
        ("1234567890", "1234567890"),
        ("password123", "password123"),
        (PASSWORD, "Other123!"),
    ] {
        let mut body = base.clone();
        body["password"] = json!(password);
        body["password_confirm"] = json!(confirm);
        let r = app.post("/auth/register/", None, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{password}");
    }
    let mut paid = base.clone();
    paid["password"] = json!(PASSWORD);
    paid["password_confirm"] = json!(PASSWORD);
    paid["plan_slug"] = json!("starter");
    let r = app.post("/auth/register/", None, paid.clone()).await;
    assert!(
        r.body["errors"]["billing_country"].is_array()
            && r.body["errors"]["payment_method"].is_array(),
        "{}",
        r.body
    );
    paid["billing_country"] = json!("US");
    paid["payment_method"] = json!("local_wallet");
    let r = app.post("/auth/register/", None, paid.clone()).await;
    assert!(
        r.body["errors"]["payment_method"].is_array(),
        "no wallet in the US: {}",
        r.body
    );
    paid["plan_slug"] = json!("internal");
    let r = app.post("/auth/register/", None, paid).await;
    assert!(
        r.body["errors"]["plan_slug"].is_array(),
        "internal is not for sale"
    );

    assert_eq!(
        app.register_free("taken@test.com").await.status,
        StatusCode::CREATED
    );
    let dup = app.register_free("TAKEN@test.com").await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    assert!(dup.body["errors"]["email"].is_array());
    let login = app
        .post(
            "/auth/login/",
            None,
            json!({"email": "taken@test.com", "password": "wrong-pass"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    let unknown = app
        .post(
            "/auth/login/",
            None,
            json!({"email": "nobody@test.com", "password": "wrong-pass"}),
        )
        .await;
    assert_eq!(unknown.error(), login.error(), "no user enumeration");
}

async fn malformed_requests_get_clear_answers(app: TestApp) {
    let url = app.url("/auth/login/");
    let text = app.client.post(&url).body("{}").send().await.unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = broken.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    let wrong_type = app
        .post("/auth/login/", None, json!({"email": 5, "password": "x"}))
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert!(wrong_type.body["errors"]["email"].is_array());
    let huge = "x".repeat(2 * 1024 * 1024);
    // Its own client: the server answers 413 without reading the body and closes that
    // connection, which must not be reused by the requests after it.
    let too_big = reqwest::Client::new()
        .post(app.url("/auth/register/"))
        .header("content-type", "application/json")
        .body(format!("{{\"email\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let missing = app.get("/no/such/route/", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["success"], false);
    let method = app
        .client
        .delete(app.url("/billing/plans/"))
        .send()
        .await
        .unwrap();
    assert_eq!(method.status(), StatusCode::METHOD_NOT_ALLOWED);
    // With and without the trailing slash.
    assert_eq!(app.get("/billing/plans", None).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/billing/plans/", None).await.status,
        StatusCode::OK
    );
    let bad_page = app
        .get("/billing/admin/payment-methods/?country=PK&page=x", None)
        .await;
    assert_eq!(bad_page.status, StatusCode::OK, "unused params are ignored");
}

async fn tokens_refresh_and_logout(app: TestApp) {
    let r = app.register_free("free@test.com").await;
    let first = r.data()["refresh"].as_str().unwrap().to_owned();
    let access = r.data()["token"].as_str().unwrap().to_owned();

    // Each refresh spends its token and hands out a new one (rotation).
    let renewed = app
        .post("/auth/refresh/", None, json!({"refresh": first}))
        .await;
    assert_eq!(renewed.status, StatusCode::OK);
    let second = renewed.data()["refresh"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let new_access = renewed.data()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/auth/me/", Some(&new_access)).await.status,
        StatusCode::OK
    );

    // Presented again at once (a second tab), the spent token gets the same successor.
    let repeat = app
        .post("/auth/refresh/", None, json!({"refresh": first}))
        .await;
    assert_eq!(repeat.status, StatusCode::OK, "{}", repeat.body);
    assert_eq!(repeat.data()["refresh"], second.as_str());

    // After the grace window it is a replay: the whole sign-in is revoked.
    let past_grace = chrono::Utc::now()
        - chrono::Duration::seconds(tollgate::auth::sessions::REFRESH_GRACE_SECONDS + 1);
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use tollgate::entities::refresh_token;
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RotatedAt, past_grace.into())
            .filter(refresh_token::Column::RotatedAt.is_not_null())
            .exec(app.db.conn())
            .await
            .unwrap();
    }
    let replay = app
        .post("/auth/refresh/", None, json!({"refresh": first}))
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    let after = app
        .post("/auth/refresh/", None, json!({"refresh": second}))
        .await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "the chain is revoked"
    );

    // Logout revokes the refresh token given.
    let login = app
        .post(
            "/auth/login/",
            None,
            json!({"email": "free@test.com", "password": PASSWORD}),
        )
        .await;
    let third = login.data()["refresh"].as_str().unwrap().to_owned();
    let out = app
        .post("/auth/logout/", Some(&access), json!({"refresh": third}))
        .await;
    assert_eq!(out.status, StatusCode::OK);
    let revoked = app
        .post("/auth/refresh/", None, json!({"refresh": third}))
        .await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    let forged = app
        .post("/auth/refresh/", None, json!({"refresh": "deadbeef"}))
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    // A refresh token is not an access token.
    assert_eq!(
        app.get("/auth/me/", Some(&third)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn concurrent_refreshes_with_one_token_rotate_once_and_share_the_successor(app: TestApp) {
    let r = app.register_free("free@test.com").await;
    let token = r.data()["refresh"].as_str().unwrap().to_owned();
    let tries = (0..8).map(|_| app.post("/auth/refresh/", None, json!({"refresh": token})));
    let results = futures::future::join_all(tries).await;
    for r in &results {
        assert_eq!(r.status, StatusCode::OK, "no tab is signed out: {}", r.body);
        assert_eq!(
            r.data()["refresh"],
            results[0].data()["refresh"],
            "one successor"
        );
    }
    use sea_orm::{EntityTrait, PaginatorTrait};
    let issued = tollgate::entities::refresh_token::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap();
    assert_eq!(issued, 2, "the token was rotated once");
    let next = results[0].data()["refresh"].as_str().unwrap();
    let again = app
        .post("/auth/refresh/", None, json!({"refresh": next}))
        .await;
    assert_eq!(again.status, StatusCode::OK, "the sign-in goes on");
}

async fn security_headers_on_every_response(app: TestApp) {
    for path in ["/api/v1/billing/plans/", "/api/v1/no/such/route/"] {
        let res = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
        assert!(h.get("x-request-id").is_some());
    }
    let behind_tls = app
        .client
        .get(app.url("/billing/plans/"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        behind_tls
            .headers()
            .get("strict-transport-security")
            .is_some()
    );
    // CORS is closed by default: no origin is allowed.
    let cross = app
        .client
        .get(app.url("/billing/plans/"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(cross.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = common::spawn_app_with(common::Backend::Sqlite, |s| {
        s.cors_origins = vec!["https://app.example".into()];
    })
    .await
    .unwrap();
    let ask = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/auth/login/"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let allowed = ask("https://app.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let refused = ask("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
