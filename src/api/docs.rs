//! The OpenAPI 3.1 description of the JSON API, generated from the handlers' annotations
//! (every route is registered through `utoipa_axum`, so none can exist undocumented). Replies
//! are described by the types that write them (`api::replies`), errors by `api::errors`.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi};

use crate::api::auth::LogoutInput;
use crate::api::envelope::ErrorEnvelope;
use crate::api::errors::KeyReused;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tollgate",
        description = "Self-hosted billing: sign-up, invoices, manual payment approval, prepaid credits. \
                       Paths work with or without a trailing slash. Every answer carries its request \
                       id in the `x-request-id` header.",
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-up, sign-in, tokens"),
        (name = "catalog", description = "Public reference data"),
        (name = "billing", description = "The customer's invoices, payments and confirmations"),
        (name = "credits", description = "Prepaid credits"),
        (name = "sites", description = "Sites, limited per plan"),
        (name = "staff", description = "Platform staff only"),
        (name = "webhooks", description = "Inbound: the payment providers' signed events (no sign-in)"),
    ),
    // Referenced by name (from `api::errors`, and logout's optional body), so registered here.
    components(schemas(ErrorEnvelope, LogoutInput))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// utoipa copies a generic type's arguments into it: `Envelope<Page<Plan>>` becomes a schema
/// `Envelope_Page_Plan` with the page, and the plan in it, inlined. Clients generated from the
/// description would then get one anonymous class per copy. This puts each argument back
/// behind a `$ref` to its named schema (`Envelope_Page_Plan.data` → `Page_Plan`,
/// `Page_Plan.results[]` → `Plan`), adding the named schema from the copy when it is missing.
pub fn name_generic_arguments(openapi: &mut utoipa::openapi::OpenApi) {
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let mut pending: Vec<String> = components.schemas.keys().cloned().collect();
    while let Some(name) = pending.pop() {
        let Some((outer, argument)) = name.split_once('_') else {
            continue;
        };
        let Some(slot) = components
            .schemas
            .get_mut(&name)
            .and_then(|schema| argument_slot(schema, outer))
        else {
            continue;
        };
        if !matches!(slot, RefOr::T(_)) {
            continue;
        }
        let copy = std::mem::replace(slot, Ref::from_schema_name(argument).into());
        if !components.schemas.contains_key(argument) {
            components.schemas.insert(argument.to_owned(), copy);
            pending.push(argument.to_owned());
        }
    }
}

/// Where a generic schema holds its argument: the envelope's `data`, a page's `results` items.
fn argument_slot<'a>(schema: &'a mut RefOr<Schema>, outer: &str) -> Option<&'a mut RefOr<Schema>> {
    let RefOr::T(Schema::Object(object)) = schema else {
        return None;
    };
    match outer {
        "Envelope" => object.properties.get_mut("data"),
        "Page" | "CursorPage" => match object.properties.get_mut("results")? {
            RefOr::T(Schema::Array(array)) => match &mut array.items {
                ArrayItems::RefOrSchema(items) => Some(items.as_mut()),
                ArrayItems::False => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Page-number pagination, shared by every paged list (never constructed: it only describes
/// the query, which `api::extract::Params::page` reads).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page (20 when absent; larger values are served as 100).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<u64>,
}

/// The header that makes a money-changing call safe to retry.
const IDEMPOTENCY_KEY: &str = "A retry with the same key and the same request replays the \
    first answer (with `Idempotent-Replayed: true`) instead of acting twice; the same key with \
    another request is refused (422). 1 to 255 visible ASCII characters; keys are kept 24 hours.";

/// Describes on every operation of `openapi` what the idempotency layer
/// (`api::idempotency`) adds to it: the optional `Idempotency-Key` header (after the
/// operation's own parameters), `Idempotent-Replayed` on its success answer, and the 422 for
/// a key reused with another request. `api::routes` calls it on exactly the routers that
/// layer wraps, so the description names the same operations as honour the key, written
/// once rather than copied into each of their annotations.
pub fn describe_idempotency(openapi: &mut utoipa::openapi::OpenApi) {
    for operation in openapi.paths.paths.values_mut().flat_map(operations_mut) {
        let parameters = operation.parameters.get_or_insert_with(Vec::new);
        parameters.push(idempotency_key().into());
        for (status, response) in &mut operation.responses.responses {
            if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
                let replayed = replayed_header().into();
                response
                    .headers
                    .insert("Idempotent-Replayed".into(), replayed);
            }
        }
        operation.responses.responses.extend(KeyReused::responses());
    }
}

/// Every operation of a path, whatever its method.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
        &mut item.query,
    ]
    .into_iter()
    .flatten()
}

/// The request header, as `idempotency::valid_key` accepts it.
fn idempotency_key() -> Parameter {
    let key = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(255))
        .min_length(Some(1))
        .pattern(Some("^[!-~]+$"));
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .description(Some(IDEMPOTENCY_KEY))
        .required(Required::False)
        .schema(Some(key))
        .build()
}

/// The answer header that marks a replay (set by `idempotency::replay`).
fn replayed_header() -> Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(
            "`true` when this is the stored answer of an earlier request with the same \
             Idempotency-Key",
        ))
        .build()
}
