//! The OpenAPI description: 3.1, every route of the API in it (and every operation in it
//! routed), and the offline docs page.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(the_spec_describes_every_route, the_docs_page_renders);

/// The API's routes, as the guide and the issues name them.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("get", "/auth/me"),
    ("get", "/industries"),
    ("get", "/billing/plans"),
    ("get", "/billing/credit-costs"),
    ("get", "/billing/admin/payment-methods"),
    ("get", "/billing/invoices"),
    ("get", "/billing/invoices/{id}"),
    ("get", "/billing/payments"),
    ("post", "/billing/admin/payments/confirm"),
    ("get", "/billing/admin/payments"),
    ("get", "/billing/admin/audit"),
    ("post", "/billing/admin/payments/{id}/approve"),
    ("post", "/billing/admin/payments/{id}/reject"),
    ("get", "/billing/credits/balance"),
    ("get", "/billing/credits/transactions"),
    ("post", "/billing/credits/usage"),
    ("get", "/sites"),
    ("post", "/sites"),
    ("get", "/sites/{id}"),
];

async fn spec(app: &TestApp) -> Value {
    let resp = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

async fn the_spec_describes_every_route(app: TestApp) {
    let spec = spec(&app).await;
    assert_eq!(spec["openapi"], "3.1.0");
    let mut documented = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);

    for (method, path) in ROUTES {
        let op = &spec["paths"][path][method];
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.contains_key("400") && responses.contains_key("401"),
            "{method} {path}"
        );
        // Every documented operation is routed: anonymous calls reach it (never a bare 404/405).
        let url = app.url(&path.replace("{id}", "1"));
        let resp = match *method {
            "get" => app.client.get(url),
            _ => app.client.post(url).json(&serde_json::json!({})),
        }
        .send()
        .await
        .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert!(
            !(status == StatusCode::NOT_FOUND && body["error"] == "Not found")
                && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {status}"
        );
    }
    let confirm = &spec["paths"]["/billing/admin/payments/confirm"]["post"];
    assert!(confirm["requestBody"].is_object());
    assert_eq!(confirm["security"][0]["bearer"], serde_json::json!([]));
}

async fn the_docs_page_renders(app: TestApp) {
    let page = app
        .client
        .get(format!("{}/api/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        let resp = app
            .client
            .get(format!("{}/api/docs/{asset}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{asset} is served from the binary"
        );
    }
}
