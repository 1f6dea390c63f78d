//! Forgotten passwords: a mailed, single-use, expiring token that sets a new password.
//!
//! Asking answers the same whether or not the email belongs to anyone, so the form cannot be
//! used to learn who has an account. Using a token is one conditional update (`used_at IS NULL
//! AND expires_at > now`), so two uses of one token cannot both succeed; it also signs the user
//! out everywhere (their refresh tokens are revoked) and voids their other reset tokens.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

use crate::auth::tokens::{random_token, sha256_hex};
use crate::auth::{password, sessions};
use crate::db::Db;
use crate::domain::validate::{check_password, normalize_email};
use crate::domain::{audit, notify};
use crate::entities::{password_reset, user};
use crate::error::{Error, Problems, Result};

/// What every answer to a reset request says, whether or not the email is known.
pub const RESET_SENT: &str =
    "If an account uses this email, a link to reset its password has been sent.";

/// How long a mailed link works.
pub const VALID_FOR: Duration = Duration::hours(1);

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    #[schema(value_type = String, example = "owner@acme.test")]
    pub email: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ResetConfirmation {
    /// The token from the mailed link.
    #[schema(value_type = String)]
    pub token: Option<String>,
    #[schema(value_type = String, example = "a-New-Passphrase-42")]
    pub new_password: Option<String>,
}

/// Mails a reset link to an active user with this email; nothing for anyone else. Either way
/// the caller answers the same.
pub async fn request(db: &Db, input: ResetRequest) -> Result<()> {
    let mut p = Problems::default();
    let email = input.email.as_deref().map(str::trim).unwrap_or_default();
    if email.is_empty() {
        p.add("email", "This field is required.");
    }
    p.finish()?;
    let Some(email) = normalize_email(email) else {
        return Ok(());
    };
    let Some(user) = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::IsActive.eq(true))
        .one(db.conn())
        .await?
    else {
        return Ok(());
    };
    let token = random_token();
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let reset = password_reset::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + VALID_FOR),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    notify::password_reset(&*txn, user.id, reset.id, &token).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets the new password if the token is live, and uses the token up.
pub async fn confirm(db: &Db, input: ResetConfirmation) -> Result<()> {
    let mut p = Problems::default();
    let token = input.token.unwrap_or_default();
    if token.trim().is_empty() {
        p.add("token", "This field is required.");
    }
    let new_password = input.new_password.unwrap_or_default();
    if new_password.is_empty() {
        p.add("new_password", "This field is required.");
    } else {
        check_password(&new_password, "new_password", &mut p);
    }
    p.finish()?;
    let invalid = || Error::field("token", "This link is invalid or has expired.");
    // Hash before taking the write lock: it is the slow part.
    let password_hash = password::hash(&new_password).await?;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let used = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Some(now).into())
        .filter(password_reset::Column::TokenHash.eq(sha256_hex(token.trim())))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .exec_with_returning(&*txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(invalid)?;
    let changed = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, password_hash.into())
        .filter(user::Column::Id.eq(used.user_id))
        .filter(user::Column::IsActive.eq(true))
        .exec(&*txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(invalid());
    }
    // The user's other links die with this one.
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Some(now).into())
        .filter(password_reset::Column::UserId.eq(used.user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&*txn)
        .await?;
    sessions::revoke_live(&*txn, used.user_id, None, now).await?;
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(used.user_id),
            action: "user.password_reset",
            object_type: "user",
            object_id: used.user_id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"reset": used.id}),
            ledger_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
