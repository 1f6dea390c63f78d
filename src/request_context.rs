//! The id of the request being served, readable anywhere below the HTTP layer (the audit log
//! records it) without passing it through every call.

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The current request's id, or "" outside a request (the CLI, background work).
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// Runs `work` with `id` as the current request id.
pub async fn with_request_id<F: std::future::Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}
