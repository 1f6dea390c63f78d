//! The OpenAPI description: 3.1, every route of the API in it (and every operation in it
//! routed), precise enough for generated clients (typed replies, required fields, enums,
//! headers, the errors each operation really gives, security), and the offline docs page.

mod common;
#[path = "openapi/routes.rs"]
mod routes;
#[path = "openapi/walk.rs"]
mod walk;

use std::collections::BTreeSet;

use common::TestApp;
use reqwest::StatusCode;
use routes::{ANY_SIGNED_IN, DECLINABLE, KEYED, PDF, PROVIDER, PUBLIC, ROUTES, WEBHOOKS};
use serde_json::{Value, json};
use tollgate::domain::status::{
    AccountStatus, BillingCycle, CreditTransactionType, InvoiceStatus, PaymentMethod,
    PaymentStatus, SubscriptionStatus,
};
use walk::{check_typed, component, object_parts, operations, spec};

on_both_backends!(
    the_spec_describes_every_route,
    every_operation_is_summarised_and_secured_as_served,
    every_success_reply_is_a_named_typed_schema,
    errors_are_the_statuses_each_operation_can_give,
    request_bodies_require_what_the_server_requires,
    vocabularies_are_enums_matching_the_domain,
    headers_and_paging_limits_are_declared,
    the_docs_page_renders,
);

async fn the_spec_describes_every_route(app: TestApp) {
    let spec = spec(&app).await;
    assert_eq!(spec["openapi"], "3.1.0");
    let mut documented: Vec<(String, String)> = operations(&spec)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);

    for (method, path) in ROUTES {
        // Every documented operation is routed: anonymous calls reach it (never a bare 404/405).
        let url = app.url(&path.replace("{id}", "1"));
        let resp = match *method {
            "get" => app.client.get(url),
            _ => app.client.post(url).json(&json!({})),
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
}

/// Every operation has a summary, and says how it is authenticated: `security: []` for the
/// public ones (anonymous calls are served), the bearer token for the rest (they answer 401).
async fn every_operation_is_summarised_and_secured_as_served(app: TestApp) {
    let spec = spec(&app).await;
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (method, path, op) in operations(&spec) {
        let summary = op["summary"].as_str().unwrap_or_default();
        assert!(!summary.trim().is_empty(), "{method} {path} has no summary");
        let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
        let expected = if public {
            json!([])
        } else {
            json!([{"bearer": []}])
        };
        assert_eq!(op["security"], expected, "{method} {path}");
        if !public {
            let url = app.url(&path.replace("{id}", "1"));
            let resp = match method.as_str() {
                "get" => app.client.get(url),
                _ => app.client.post(url).json(&json!({})),
            };
            let status = resp.send().await.unwrap().status();
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} anonymously"
            );
        }
    }
}

/// Every 2xx answer is a named envelope whose `data` is a named schema with typed fields
/// (a page's items too), every field of which is always sent (`required`, null included).
async fn every_success_reply_is_a_named_typed_schema(app: TestApp) {
    let spec = spec(&app).await;
    for (method, path, op) in operations(&spec) {
        let responses = op["responses"].as_object().unwrap();
        let ok: Vec<_> = responses
            .iter()
            .filter(|(s, _)| s.starts_with('2'))
            .collect();
        assert_eq!(ok.len(), 1, "{method} {path}: one success status");
        // The answers that are files, not envelopes: a proof's download, binary in each of the
        // types a proof may have, and the documents' PDFs (below).
        if (method.as_str(), path.as_str()) == ("get", "/billing/payments/{id}/proof") {
            let content = ok[0].1["content"].as_object().unwrap();
            let types: BTreeSet<&str> = content.keys().map(String::as_str).collect();
            let expected = ["application/pdf", "image/jpeg", "image/png", "image/webp"];
            assert_eq!(types, expected.into());
            for media in content.values() {
                let (_, schema) = component(&spec, &media["schema"]);
                assert_eq!(schema["format"], "binary", "{schema}");
            }
            continue;
        }
        // Documents: a PDF, binary, shown inline under its name.
        if method == "get" && PDF.contains(&path.as_str()) {
            let content = ok[0].1["content"].as_object().unwrap();
            let types: Vec<&str> = content.keys().map(String::as_str).collect();
            assert_eq!(types, ["application/pdf"], "{path}");
            let (_, schema) = component(&spec, &content["application/pdf"]["schema"]);
            assert_eq!(schema["format"], "binary", "{path}");
            assert!(
                ok[0].1["headers"]["Content-Disposition"].is_object(),
                "{path}"
            );
            continue;
        }
        let schema = &ok[0].1["content"]["application/json"]["schema"];
        let (name, envelope) = component(&spec, schema);
        assert!(name.starts_with("Envelope_"), "{method} {path}: {name}");
        let (props, required) = object_parts(&spec, envelope);
        let names: BTreeSet<_> = props.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            BTreeSet::from(["success", "message", "data", "request_id"])
        );
        assert_eq!(
            required,
            ["data", "request_id", "success"].map(String::from).into()
        );
        let data = &props.iter().find(|(k, _)| k == "data").unwrap().1;
        check_typed(&spec, data, &format!("{method} {path} data"));
    }
}

/// Each operation lists the statuses it can give, each with the error envelope by `$ref`:
/// 401 only where a token is read or checked, 403 only behind a token, 404 only where an id
/// is looked up (or a webhook's provider, or a top-up's package), 413/415/408 only with a
/// body, 402 only for spending, creating a site or buying credits (an account that must pay
/// first) or a provider's refusal, 422 only with a key or a provider.
async fn errors_are_the_statuses_each_operation_can_give(app: TestApp) {
    let spec = spec(&app).await;
    for (method, path, op) in operations(&spec) {
        let at = format!("{method} {path}");
        let statuses: BTreeSet<&str> = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|s| s.starts_with('4'))
            .collect();
        for status in &statuses {
            let schema = &op["responses"][status]["content"]["application/json"]["schema"];
            assert_eq!(
                schema,
                &json!({"$ref": "#/components/schemas/ErrorEnvelope"}),
                "{at} {status}"
            );
        }
        let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
        let with_body = op.get("requestBody").is_some();
        let keyed = method == "post" && KEYED.contains(&path.as_str());
        let checks_token = !public || path == "/auth/login" || path == "/auth/refresh";
        let buys_credits = method == "post" && path == "/billing/credits/top-ups";
        let looks_up = path.contains("{id}")
            || path.ends_with("/payments/confirm")
            || WEBHOOKS.contains(&path.as_str())
            || buys_credits;
        let expect = |status: &str, wanted: bool| {
            assert_eq!(
                statuses.contains(status),
                wanted,
                "{at}: {status} declared?"
            );
        };
        expect("400", true);
        expect("401", checks_token);
        expect(
            "402",
            path == "/billing/credits/usage"
                || (method == "post" && path == "/sites")
                || buys_credits
                || DECLINABLE.contains(&path.as_str()),
        );
        expect("403", !public && !ANY_SIGNED_IN.contains(&path.as_str()));
        expect("404", looks_up);
        expect("408", with_body);
        expect("409", method == "post");
        expect("413", with_body);
        expect("415", with_body);
        expect("422", keyed || PROVIDER.contains(&path.as_str()));
        expect("429", true);
        assert!(
            !statuses.contains("405") && !statuses.contains("500"),
            "{at}"
        );
    }
}

/// The fields a request body must have are `required` in its schema: exactly the ones the
/// server names when they are missing (an empty body). No input field is nullable.
async fn request_bodies_require_what_the_server_requires(app: TestApp) {
    let spec = spec(&app).await;
    let (customer, _) = app.paid_customer("paid@test.com").await;
    let staff = app.staff_token("admin@example.com").await;
    for (method, path, op) in operations(&spec) {
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        // A file upload has no JSON form; its file part is binary.
        let Some(json) = body["content"].get("application/json") else {
            let form = &body["content"]["multipart/form-data"]["schema"];
            let (_, form) = component(&spec, form);
            assert_eq!(form["properties"]["proof"]["format"], "binary", "{path}");
            assert_eq!(form["required"], json!(["proof"]), "{path}");
            continue;
        };
        if path == "/billing/admin/payments/confirm" {
            // The same fields as text parts, and the optional proof file.
            let form = &body["content"]["multipart/form-data"]["schema"];
            let (_, form) = component(&spec, form);
            let (parts, required) = object_parts(&spec, form);
            let names: BTreeSet<&str> = parts.iter().map(|(k, _)| k.as_str()).collect();
            let expected = ["amount", "invoice_id", "manual_notes", "manual_reference"];
            let expected: BTreeSet<&str> = expected
                .into_iter()
                .chain(["payment_method", "proof"])
                .collect();
            assert_eq!(names, expected);
            assert!(!required.contains("proof"));
            let proof = &parts.iter().find(|(k, _)| k == "proof").unwrap().1;
            assert!(
                proof.to_string().contains("\"format\":\"binary\""),
                "{proof}"
            );
        }
        let (name, schema) = component(&spec, &json["schema"]);
        let (props, required) = object_parts(&spec, schema);
        for (field, prop) in &props {
            let nullable = prop["type"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("null")))
                || prop["oneOf"].is_array();
            assert!(!nullable, "{name}.{field} is not nullable");
        }
        // Logout's body is optional (no body signs out everywhere); the others are not.
        assert_eq!(
            body["required"] == true,
            path != "/auth/logout",
            "{method} {path}"
        );
        let token = if path.contains("/payments/{id}") {
            &staff
        } else {
            &customer
        };
        let answer = app
            .post(&path.replace("{id}", "1"), Some(token), json!({}))
            .await;
        let missing: BTreeSet<String> = match answer.status {
            StatusCode::BAD_REQUEST => answer.body["errors"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, msgs)| msgs[0].as_str().unwrap().contains("required"))
                .map(|(k, _)| k.clone())
                .collect(),
            _ => BTreeSet::new(),
        };
        assert_eq!(
            required, missing,
            "{method} {path} ({name}): {}",
            answer.body
        );
    }
}

/// Statuses, payment methods, operation and ledger types are string enums whose values are
/// exactly the domain's enums' (`domain::status`), and the fields that hold them point at them.
async fn vocabularies_are_enums_matching_the_domain(app: TestApp) {
    let spec = spec(&app).await;
    let schemas = &spec["components"]["schemas"];
    let costs = app.get("/billing/credit-costs/", None).await;
    let operations: Vec<&str> = costs.data()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["operation_type"].as_str().unwrap())
        .collect();
    // Named vocabularies; inputs carry theirs inline (a plain string field with an enum).
    let confirm_method = &schemas["ConfirmInput"]["properties"]["payment_method"];
    let manual = PaymentMethod::MANUAL.map(PaymentMethod::as_str);
    let vocabularies: [(&str, &Value, &[&str]); 9] = [
        (
            "AccountStatus",
            &schemas["AccountStatus"],
            &AccountStatus::TEXTS,
        ),
        (
            "SubscriptionStatus",
            &schemas["SubscriptionStatus"],
            &SubscriptionStatus::TEXTS,
        ),
        (
            "InvoiceStatus",
            &schemas["InvoiceStatus"],
            &InvoiceStatus::TEXTS,
        ),
        (
            "PaymentStatus",
            &schemas["PaymentStatus"],
            &PaymentStatus::TEXTS,
        ),
        (
            "PaymentMethodType",
            &schemas["PaymentMethodType"],
            &PaymentMethod::TEXTS,
        ),
        ("ConfirmInput.payment_method", confirm_method, &manual),
        (
            "CreditTransactionType",
            &schemas["CreditTransactionType"],
            &CreditTransactionType::TEXTS,
        ),
        (
            "BillingCycle",
            &schemas["BillingCycle"],
            &BillingCycle::TEXTS,
        ),
        ("OperationType", &schemas["OperationType"], &operations),
    ];
    for (name, schema, values) in vocabularies {
        assert_eq!(schema["type"], "string", "{name}");
        let declared: BTreeSet<&str> = schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is an enum"))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(declared, values.iter().copied().collect(), "{name}");
    }
    let uses = [
        ("Account", "status", "AccountStatus"),
        ("Subscription", "status", "SubscriptionStatus"),
        ("InvoiceSummary", "status", "InvoiceStatus"),
        ("Payment", "status", "PaymentStatus"),
        ("Payment", "payment_method", "PaymentMethodType"),
        ("PaymentMethod", "payment_method", "PaymentMethodType"),
        ("ConfirmData", "status", "PaymentStatus"),
        ("ReviewData", "account_status", "AccountStatus"),
        ("LedgerEntry", "transaction_type", "CreditTransactionType"),
        ("CreditCost", "operation_type", "OperationType"),
        ("CreditSpend", "operation_type", "OperationType"),
        ("Plan", "billing_cycle", "BillingCycle"),
    ];
    for (schema, field, vocabulary) in uses {
        let prop = &schemas[schema]["properties"][field];
        let reference = format!("#/components/schemas/{vocabulary}");
        assert_eq!(prop["$ref"], json!(reference), "{schema}.{field}");
    }
    for (schema, field, vocabulary) in [
        ("SignupInput", "payment_method", "PaymentMethodType"),
        ("UsageInput", "operation_type", "OperationType"),
    ] {
        let prop = &schemas[schema]["properties"][field];
        let named = &schemas[vocabulary];
        assert_eq!(
            (&prop["type"], &prop["enum"]),
            (&named["type"], &named["enum"])
        );
    }
    // Register and `me` show the account as one schema: beside the user, and in it.
    let account = json!("#/components/schemas/Account");
    assert_eq!(
        schemas["Registration"]["properties"]["account"]["$ref"],
        account
    );
    let nested = &schemas["UserWithAccount"]["allOf"][1]["properties"]["account"]["oneOf"][0];
    assert_eq!(nested["$ref"], account);
    // A replayed registration has no tokens.
    for token in ["token", "access", "refresh"] {
        let prop = &schemas["Registration"]["properties"][token];
        assert_eq!(
            prop["type"],
            json!(["string", "null"]),
            "Registration.{token}"
        );
    }
}

/// `Idempotency-Key` on every keyed operation, `Idempotent-Replayed` on its answer,
/// `Retry-After` on every 429, and `page_size` bounded by the server's 100.
async fn headers_and_paging_limits_are_declared(app: TestApp) {
    let spec = spec(&app).await;
    let mut paged = 0;
    for (method, path, op) in operations(&spec) {
        let at = format!("{method} {path}");
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let key = params.iter().find(|p| p["name"] == "Idempotency-Key");
        let keyed = method == "post" && KEYED.contains(&path.as_str());
        assert_eq!(key.is_some(), keyed, "{at}");
        if let Some(key) = key {
            assert_eq!(key["in"], "header");
            assert_eq!(key["schema"]["type"], "string", "{at}");
            assert_eq!(key["schema"]["maxLength"], 255, "{at}");
            let ok = op["responses"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(s, _)| s.starts_with('2'));
            assert!(
                ok.unwrap().1["headers"]["Idempotent-Replayed"].is_object(),
                "{at}"
            );
        }
        let retry = &op["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"];
        assert_eq!(retry, "integer", "{at}");
        if let Some(size) = params.iter().find(|p| p["name"] == "page_size") {
            assert_eq!(
                (&size["schema"]["maximum"], &size["schema"]["minimum"]),
                (&json!(100), &json!(1)),
                "{at}"
            );
            paged += 1;
        }
    }
    assert_eq!(paged, 6, "every paged list declares page_size");
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
