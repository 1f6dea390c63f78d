//! `/auth/password-reset/`: ask for a mailed reset link, then set a new password with it.

use axum::extract::State;

use crate::api::envelope::{Envelope, Reply, ok};
use crate::api::errors::{Conflict, JsonErrors};
use crate::api::extract::AppJson;
use crate::api::replies::auth::PasswordReset;
use crate::domain::password_reset::{self, RESET_SENT, ResetConfirmation, ResetRequest};
use crate::error::Result;
use crate::state::AppState;

/// Ask for a password reset link by email.
///
/// Answers the same for unknown emails. The link works once, for an hour.
#[utoipa::path(
    post,
    path = "/auth/password-reset",
    tag = "auth",
    request_body = ResetRequest,
    responses(
        (status = 200, description = "Sent if the email is known", body = Envelope<PasswordReset>),
        JsonErrors, Conflict,
    ),
    security(),
)]
pub async fn request(
    State(state): State<AppState>,
    AppJson(input): AppJson<ResetRequest>,
) -> Result<Reply<PasswordReset>> {
    password_reset::request(&state.db, input).await?;
    Ok(ok(PasswordReset {}).message(RESET_SENT))
}

/// Set a new password with a reset token.
///
/// Uses the token up and signs the user out of every session.
#[utoipa::path(
    post,
    path = "/auth/password-reset/confirm",
    tag = "auth",
    request_body = ResetConfirmation,
    responses(
        (status = 200, description = "Password changed", body = Envelope<PasswordReset>),
        JsonErrors, Conflict,
    ),
    security(),
)]
pub async fn confirm(
    State(state): State<AppState>,
    AppJson(input): AppJson<ResetConfirmation>,
) -> Result<Reply<PasswordReset>> {
    password_reset::confirm(&state.db, input).await?;
    Ok(ok(PasswordReset {}).message("Password changed. Sign in with the new password."))
}
