//! Outgoing webhooks (Standard Webhooks): the endpoints staff register and the deliveries of
//! each event to them. `domain::notify` writes the events; the top-level `notify::webhooks` sends
//! them, calling back here to fan an event out and to record each attempt.

pub mod address;
mod deliveries;
mod endpoints;

pub use deliveries::{
    Attempt, DELIVER, DELIVERY_ATTEMPTS, Next, deliveries_of, delivery_with_endpoint, fan_out,
    give_up, job_key, record_attempt, resend,
};
pub use endpoints::{
    EndpointFilter, EndpointInput, ROTATION_OVERLAP, SECRET_PREFIX, WithSecret, create_endpoint,
    disable_gone, event_types, get_endpoint, list_endpoints, new_secret, rotate_secret, secret_key,
    set_enabled, signing_secrets, subscribes, update_endpoint,
};
