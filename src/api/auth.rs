//! `/auth/`: register, login, refresh, logout, me.

use axum::extract::State;
use serde::Deserialize;

use crate::api::caller::SignedIn;
use crate::api::envelope::{Envelope, Reply, created, ok};
use crate::api::errors::{
    Conflict, InvalidRefreshToken, JsonErrors, QueryErrors, Unauthenticated, WrongCredentials,
};
use crate::api::extract::{AppJson, ClientAddr};
use crate::api::idempotency::IdempotencyKey;
use crate::api::replies::accounts::{Account, Subscription, UserWithAccount};
use crate::api::replies::auth::{Profile, Registration, SignIn, SignedOut, TokenPair};
use crate::auth::sessions::{self, Tokens};
use crate::domain::{accounts, catalog, of_account, signup};
use crate::entities::{plan, subscription, user};
use crate::error::{Problems, Result};
use crate::state::AppState;

/// Register a free trial or a paid account.
///
/// Without `plan_slug` (or with `free`): a `trial` account with 1000 credits. With a paid plan
/// (`billing_country` and `payment_method` then required): a `pending_payment` account with a
/// subscription and a `pending` invoice to pay and confirm. Signs the new user in.
#[utoipa::path(
    post,
    path = "/auth/register",
    tag = "auth",
    request_body = crate::domain::signup::SignupInput,
    responses(
        (status = 201, description = "Account created; tokens included (null in a replay)",
            body = Envelope<Registration>),
        JsonErrors, Conflict,
    ),
    security(),
)]
pub async fn register(
    State(state): State<AppState>,
    key: IdempotencyKey,
    AppJson(input): AppJson<signup::SignupInput>,
) -> Result<Reply<Registration>> {
    // The answer an idempotency key keeps has no tokens: secrets are never stored.
    let seal = key.seal(|r| registered(r, None));
    let r = signup::register(&state.db, input, &seal).await?;
    let tokens = sessions::start(&state.db, &state.tokens, r.user.id).await?;
    Ok(registered(&r, Some(&tokens)))
}

/// Register's reply; `tokens` is `None` in the copy kept for replaying.
fn registered(r: &signup::Registered, tokens: Option<&Tokens>) -> Reply<Registration> {
    let reply = created(Registration::new(r, tokens));
    if tokens.is_none() {
        return reply.message(
            "Account created by an earlier request with this Idempotency-Key. Tokens are not \
             kept for replays: sign in to get them.",
        );
    }
    reply.message(match r.invoice {
        Some(_) => "Account created. Pay the invoice and confirm your payment to activate it.",
        None => "Account created. Your free trial has started.",
    })
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
pub struct LoginInput {
    #[schema(value_type = String, example = "paiduser@test.com")]
    email: Option<String>,
    #[schema(value_type = String, example = "TestPass123!")]
    password: Option<String>,
}

/// An account or a subscription as replies show it: with the plan it names by id, which
/// login and `me` read the same way for both. `None` (no account, no subscription) stays
/// `None`.
async fn with_plan<T, R>(
    state: &AppState,
    row: Option<T>,
    plan_id: impl Fn(&T) -> i64,
    show: impl Fn(&T, &plan::Model) -> R,
) -> Result<Option<R>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let plan = catalog::plan_by_id(state.db.conn(), plan_id(&row)).await?;
    Ok(Some(show(&row, &plan)))
}

/// The user with their account (and its plan), as login and `me` show it.
async fn user_with_account(state: &AppState, user: &user::Model) -> Result<UserWithAccount> {
    let account = match user.account_id {
        Some(id) => accounts::find_account(&state.db, id).await?,
        None => None,
    };
    let account = with_plan(state, account, |a| a.plan_id, Account::new).await?;
    Ok(UserWithAccount {
        user: user.into(),
        account,
    })
}

/// Sign in.
///
/// `data.token` is the access token for `Authorization: Bearer …`. Failed attempts are
/// throttled per email and per client address.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    request_body = LoginInput,
    responses(
        (status = 200, description = "Signed in: `data.token` is the access token", body = Envelope<SignIn>),
        JsonErrors, WrongCredentials, Conflict,
    ),
    security(),
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AppJson(input): AppJson<LoginInput>,
) -> Result<Reply<SignIn>> {
    let mut p = Problems::default();
    let email = input.email.unwrap_or_default();
    let password = input.password.unwrap_or_default();
    if email.trim().is_empty() {
        p.add("email", "This field is required.");
    }
    if password.is_empty() {
        p.add("password", "This field is required.");
    }
    p.finish()?;
    let user = accounts::authenticate(&state.db, &email, &password, client).await?;
    let tokens = sessions::start(&state.db, &state.tokens, user.id).await?;
    let data = SignIn {
        tokens: (&tokens).into(),
        user: user_with_account(&state, &user).await?,
    };
    Ok(ok(data).message("Login successful"))
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
pub struct RefreshInput {
    /// The refresh token from sign-in, sign-up or the previous refresh.
    #[schema(value_type = String)]
    refresh: Option<String>,
}

/// Renew the token pair.
///
/// The refresh token is spent (rotated); repeating it within 30 s gets the same successor.
#[utoipa::path(
    post,
    path = "/auth/refresh",
    tag = "auth",
    request_body = RefreshInput,
    responses(
        (status = 200, description = "A new token pair; the old refresh token is spent", body = Envelope<TokenPair>),
        JsonErrors, InvalidRefreshToken, Conflict,
    ),
    security(),
)]
pub async fn refresh(
    State(state): State<AppState>,
    AppJson(input): AppJson<RefreshInput>,
) -> Result<Reply<TokenPair>> {
    let token = input.refresh.unwrap_or_default();
    if token.is_empty() {
        return Err(crate::error::Error::field(
            "refresh",
            "This field is required.",
        ));
    }
    let (tokens, _) = sessions::refresh(&state.db, &state.tokens, &token).await?;
    Ok(ok(TokenPair::from(&tokens)))
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
pub struct LogoutInput {
    /// The refresh token to revoke; without it, every session of the user is revoked.
    #[schema(nullable = false)]
    refresh: Option<String>,
}

/// Sign out.
///
/// Revokes the given refresh token, or every session of the user when none is given (the
/// body may then be empty).
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "auth",
    // By reference: `Option<LogoutInput>` would make the body nullable, not optional.
    request_body(content = ref("#/components/schemas/LogoutInput"),
        description = "Optional: an empty body signs out every session"),
    responses(
        (status = 200, description = "Signed out", body = Envelope<SignedOut>),
        JsonErrors, Unauthenticated, Conflict,
    ),
    security(("bearer" = [])),
)]
pub async fn logout(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    AppJson(input): AppJson<LogoutInput>,
) -> Result<Reply<SignedOut>> {
    sessions::revoke(&state.db, user.id, input.refresh.as_deref()).await?;
    Ok(ok(SignedOut {}).message("Logged out"))
}

/// The signed-in user, their account and subscription.
#[utoipa::path(
    get,
    path = "/auth/me",
    tag = "auth",
    responses(
        (status = 200, description = "The user, their account and subscription", body = Envelope<Profile>),
        QueryErrors, Unauthenticated,
    ),
    security(("bearer" = [])),
)]
pub async fn me(State(state): State<AppState>, SignedIn(user): SignedIn) -> Result<Reply<Profile>> {
    let user_view = user_with_account(&state, &user).await?;
    let subscription = match user.account_id {
        Some(id) => of_account::latest::<subscription::Entity>(&state.db, id).await?,
        None => None,
    };
    let subscription = with_plan(&state, subscription, |s| s.plan_id, Subscription::new).await?;
    Ok(ok(Profile {
        user: user_view,
        subscription,
    }))
}
