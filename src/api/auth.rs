//! `/auth/`: register, login, refresh, logout, me.

use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::docs::{Errors, SuccessEnvelope};
use crate::api::envelope::{Reply, created, ok};
use crate::api::extract::{AppJson, ClientAddr};
use crate::api::idempotency::IdempotencyKey;
use crate::api::views;
use crate::app::AppState;
use crate::auth::extract::SignedIn;
use crate::auth::sessions::{self, Tokens};
use crate::domain::{accounts, catalog, signup};
use crate::entities::user;
use crate::error::{Problems, Result};

fn token_fields(data: &mut Value, tokens: &Tokens) {
    data["token"] = json!(tokens.access);
    data["access"] = json!(tokens.access);
    data["refresh"] = json!(tokens.refresh);
}

#[utoipa::path(
    post,
    path = "/auth/register",
    tag = "auth",
    request_body = crate::domain::signup::SignupInput,
    responses(
        (status = 201, description = "Account created; tokens included", body = SuccessEnvelope),
        Errors,
    ),
)]
pub async fn register(
    State(state): State<AppState>,
    key: IdempotencyKey,
    AppJson(input): AppJson<signup::SignupInput>,
) -> Result<Reply> {
    // The answer an idempotency key keeps has no tokens: secrets are never stored.
    let seal = key.seal(|r| registered(r, None));
    let r = signup::register(&state.db, input, &seal).await?;
    let tokens = sessions::start(&state.db, &state.tokens, r.user.id).await?;
    Ok(registered(&r, Some(&tokens)))
}

/// Register's reply; `tokens` is `None` in the copy kept for replaying.
fn registered(r: &signup::Registered, tokens: Option<&Tokens>) -> Reply {
    let mut data = json!({
        "user": views::user(&r.user),
        "account": views::account(&r.account, &r.plan),
        "subscription": r.subscription.as_ref().map(|s| views::subscription(s, &r.plan)),
        "invoice": r.invoice.as_ref().map(views::invoice_summary),
    });
    let Some(tokens) = tokens else {
        for field in ["token", "access", "refresh"] {
            data[field] = Value::Null;
        }
        return created(data).message(
            "Account created by an earlier request with this Idempotency-Key. Tokens are not \
             kept for replays: sign in to get them.",
        );
    };
    token_fields(&mut data, tokens);
    let message = match r.invoice {
        Some(_) => "Account created. Pay the invoice and confirm your payment to activate it.",
        None => "Account created. Your free trial has started.",
    };
    created(data).message(message)
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
pub struct LoginInput {
    email: Option<String>,
    password: Option<String>,
}

/// The user with their account (and its plan), as login and `me` show it.
async fn user_with_account(state: &AppState, user: &user::Model) -> Result<Value> {
    let mut v = views::user(user);
    let account = match user.account_id {
        Some(id) => accounts::find_account(&state.db, id).await?,
        None => None,
    };
    v["account"] = match account {
        Some(a) => views::account(&a, &catalog::plan_by_id(state.db.conn(), a.plan_id).await?),
        None => Value::Null,
    };
    Ok(v)
}

#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    request_body = LoginInput,
    responses(
        (status = 200, description = "Signed in: `data.token` is the access token", body = SuccessEnvelope),
        Errors,
    ),
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AppJson(input): AppJson<LoginInput>,
) -> Result<Reply> {
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
    let mut data = json!({});
    token_fields(&mut data, &tokens);
    data["user"] = user_with_account(&state, &user).await?;
    Ok(ok(data).message("Login successful"))
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
pub struct RefreshInput {
    refresh: Option<String>,
}

#[utoipa::path(
    post,
    path = "/auth/refresh",
    tag = "auth",
    request_body = RefreshInput,
    responses(
        (status = 200, description = "A new token pair; the old refresh token is spent", body = SuccessEnvelope),
        Errors,
    ),
)]
pub async fn refresh(
    State(state): State<AppState>,
    AppJson(input): AppJson<RefreshInput>,
) -> Result<Reply> {
    let token = input.refresh.unwrap_or_default();
    if token.is_empty() {
        return Err(crate::error::Error::field(
            "refresh",
            "This field is required.",
        ));
    }
    let (tokens, _) = sessions::refresh(&state.db, &state.tokens, &token).await?;
    let mut data = json!({});
    token_fields(&mut data, &tokens);
    Ok(ok(data))
}

/// Revokes the given refresh token, or every session of the user when none is given.
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "auth",
    request_body = RefreshInput,
    responses(
        (status = 200, description = "Signed out", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn logout(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    AppJson(input): AppJson<RefreshInput>,
) -> Result<Reply> {
    sessions::revoke(&state.db, user.id, input.refresh.as_deref()).await?;
    Ok(ok(json!({})).message("Logged out"))
}

#[utoipa::path(
    get,
    path = "/auth/me",
    tag = "auth",
    responses(
        (status = 200, description = "The user, their account and subscription", body = SuccessEnvelope),
        Errors,
    ),
    security(("bearer" = [])),
)]
pub async fn me(State(state): State<AppState>, SignedIn(user): SignedIn) -> Result<Reply> {
    let mut data = json!({ "user": user_with_account(&state, &user).await? });
    let subscription = match user.account_id {
        Some(id) => accounts::subscription_of(&state.db, id).await?,
        None => None,
    };
    data["subscription"] = match subscription {
        Some(s) => views::subscription(&s, &catalog::plan_by_id(state.db.conn(), s.plan_id).await?),
        None => Value::Null,
    };
    Ok(ok(data))
}
