//! Walking the OpenAPI description as a client generator would: operations, `$ref`s,
//! objects split by `allOf` (serde `flatten`), and the fields of every reply.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::TestApp;

/// Free-form objects in replies, on purpose: their keys depend on the record or the method.
const FREE_FORM: &[&str] = &[
    "PaymentMethod.details",
    "AuditEntry.before",
    "AuditEntry.after",
];

/// Stored JSON sent as stored, whose fields may be absent: invoices made by `seed-demo` keep
/// a shorter billing snapshot, and only a credit top-up's metadata names its payment method.
const PARTIAL: &[&str] = &["BillingSnapshot", "InvoiceMetadata"];

/// The description as a client fetches it.
pub async fn spec(app: &TestApp) -> Value {
    let resp = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// Every operation: (method, path, operation object).
pub fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.clone(), path.clone(), op.clone()));
        }
    }
    ops
}

/// The component a `$ref` names.
pub fn component<'a>(spec: &'a Value, reference: &Value) -> (&'a str, &'a Value) {
    let name = reference["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a $ref, got {reference}"))
        .trim_start_matches("#/components/schemas/");
    let (name, schema) = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .get_key_value(name)
        .unwrap_or_else(|| panic!("no component {name}"));
    (name.as_str(), schema)
}

/// A schema's own properties and required list, the parts of an `allOf` (serde `flatten`)
/// merged.
pub fn object_parts(spec: &Value, schema: &Value) -> (Vec<(String, Value)>, BTreeSet<String>) {
    let (mut props, mut required) = (Vec::new(), BTreeSet::new());
    let parts = match schema["allOf"].as_array() {
        Some(parts) => parts.clone(),
        None => vec![schema.clone()],
    };
    for part in parts {
        let part = if part.get("$ref").is_some() {
            component(spec, &part).1.clone()
        } else {
            part
        };
        let (p, r) = object_parts_of_plain(&part);
        props.extend(p);
        required.extend(r);
    }
    (props, required)
}

fn object_parts_of_plain(schema: &Value) -> (Vec<(String, Value)>, BTreeSet<String>) {
    let props = schema["properties"]
        .as_object()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let required = schema["required"]
        .as_array()
        .map(|r| r.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    (props, required)
}

/// `schema` is a `$ref` to a named object whose every field is typed and required,
/// recursively (pages: their items).
pub fn check_typed(spec: &Value, schema: &Value, at: &str) {
    let (name, target) = component(spec, schema);
    let (props, required) = object_parts(spec, target);
    // An empty object is typed only when closed (`{}` exactly: a sign-out's data).
    let closed = target["additionalProperties"] == false;
    assert!(!props.is_empty() || closed, "{at}: {name} is a bare object");
    for (field, prop) in &props {
        let at = format!("{name}.{field}");
        assert!(
            required.contains(field) || PARTIAL.contains(&name),
            "{at} is always sent, so required"
        );
        let inner = prop["oneOf"]
            .as_array()
            .and_then(|alts| alts.iter().find(|a| a["type"] != "null"))
            .unwrap_or(prop);
        let items = &inner["items"];
        let nested = if items.is_object() { items } else { inner };
        if nested.get("$ref").is_some() {
            let (nested_name, nested_schema) = component(spec, nested);
            if nested_schema.get("enum").is_none() {
                check_typed(spec, nested, &format!("{at} ({nested_name})"));
            }
            continue;
        }
        let types = match &nested["type"] {
            Value::String(t) => vec![t.clone()],
            Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap().to_owned()).collect(),
            other => panic!("{at} has no type: {other}"),
        };
        if types.iter().any(|t| t == "object") {
            assert!(
                FREE_FORM.contains(&at.as_str()),
                "{at} is an untyped object"
            );
        }
    }
}
