//! The error answers an operation declares, one type per status and meaning, so each
//! operation lists exactly the statuses it can give (`responses(…, Unauthenticated,
//! NotFound)`). Every one carries an [`ErrorEnvelope`](crate::api::envelope::ErrorEnvelope),
//! by reference.

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

fn error_response(description: &str) -> ResponseBuilder {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
}

macro_rules! error_statuses {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $description:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let response = error_response($description).build();
                BTreeMap::from([($status.to_string(), response.into())])
            }
        }
    )*};
}

error_statuses! {
    /// A query parameter refused (every operation: control characters are refused in any).
    InvalidQuery = 400,
        "A query parameter is invalid or holds a control character; `errors` names it";
    /// A JSON body refused.
    InvalidBody = 400,
        "Invalid input: `errors` names each field (`body` for malformed JSON, \
         `Idempotency-Key` for a malformed key)";
    Unauthenticated = 401, "Not signed in, or the access token is invalid or expired";
    WrongCredentials = 401,
        "Wrong email or password (an unknown email answers the same), or the user is inactive";
    InvalidRefreshToken = 401,
        "The refresh token is unknown, expired or revoked; a spent one repeated after 30 s \
         also revokes its whole sign-in";
    InsufficientCredits = 402,
        "The balance is short of the operation's cost, or the account must pay first \
         (suspended for an unpaid renewal, its trial ended, or its subscription cancelled)";
    MustPay = 402,
        "The account must pay first: suspended for an unpaid renewal, its trial ended, or its \
         subscription cancelled";
    NotCustomer = 403, "Staff users have no account: this is for customers";
    CustomerMayNotWrite = 403,
        "Staff users have no account, and a viewer of an account may only read";
    CustomerMayNotUse = 403,
        "The account is awaiting its first payment's approval, the user is a viewer or \
         staff, or (sites) the plan's site limit is reached";
    NotStaff = 403, "Staff access required";
    /// Where staff and an account's members may both read.
    NotMember = 403, "The user is neither staff nor a member of an account";
    NotFound = 404, "Not found; another account's object answers exactly the same";
    BodyTimeout = 408, "The request body was not sent in time";
    Conflict = 409,
        "Nothing changed: the object's state forbids it (e.g. \"Payment not pending \
         approval\"), a request with the same Idempotency-Key is still running, or a \
         simultaneous change to the same records won (retry)";
    TooLarge = 413, "Request body over 1 MiB";
    ProofTooLarge = 413,
        "The proof file is over its limit (`TOLLGATE_MAX_PROOF_BYTES`, 10 MiB by default), or a \
         JSON body over 1 MiB";
    NotJson = 415, "A non-empty body that is not `application/json`";
    NotJsonOrMultipart = 415,
        "A non-empty body that is neither `application/json` nor `multipart/form-data`";
    NotMultipart = 415, "A body that is not `multipart/form-data`";
    /// Only where a file is stored or read.
    StorageUnavailable = 503,
        "File storage is unavailable; nothing was saved. Try again later";
    /// Card and PayPal checkout.
    CardDeclined = 402, "The provider declined the payment as sent (e.g. the card); nothing was charged";
    MethodUnavailable = 422,
        "The method is not offered for the account's country, or its provider is not set up";
    ProviderUnavailable = 503,
        "The payment provider did not answer; nothing was charged. Try again later";
    /// Inbound provider webhooks.
    ProviderNotSetUp = 404, "This provider's keys are not set on this server";
    WebhookRefused = 400,
        "The signature, certificate, timestamp or webhook id did not hold; nothing was changed";
    /// Listed on the keyed operations by `docs::describe_idempotency`, with the header.
    KeyReused = 422, "This Idempotency-Key was already used with a different request";
}

/// 429, with the seconds to wait in `Retry-After`.
pub struct Throttled;

impl IntoResponses for Throttled {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let seconds = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1));
        let retry_after = HeaderBuilder::new()
            .schema(Some(seconds))
            .description(Some("Seconds to wait before trying again"))
            .build();
        let response = error_response(
            "Too many requests from this client address (when `TOLLGATE_RATE_LIMIT` is set), \
             or for sign-ins too many failed attempts for the email or address",
        )
        .header("Retry-After", retry_after)
        .build();
        BTreeMap::from([("429".to_owned(), response.into())])
    }
}

/// Several error answers declared as one: the groups that every operation of a kind lists.
macro_rules! error_groups {
    ($($(#[$doc:meta])* $name:ident = [$($part:ident),+];)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let mut responses = BTreeMap::new();
                $(responses.extend($part::responses());)+
                responses
            }
        }
    )*};
}

error_groups! {
    /// What any operation without a body can answer besides its own errors: a refused query
    /// parameter, throttling.
    QueryErrors = [InvalidQuery, Throttled];
    /// What any operation taking a JSON body can answer besides its own errors: the body
    /// refused, sent too slowly, too large or not JSON; throttling.
    JsonErrors = [InvalidBody, BodyTimeout, TooLarge, NotJson, Throttled];
    /// A confirmation, in JSON or with a proof file in `multipart/form-data`.
    ConfirmErrors =
        [InvalidBody, BodyTimeout, ProofTooLarge, NotJsonOrMultipart, Throttled, StorageUnavailable];
    /// A proof file upload (`multipart/form-data` only).
    UploadErrors =
        [InvalidBody, BodyTimeout, ProofTooLarge, NotMultipart, Throttled, StorageUnavailable];
}
