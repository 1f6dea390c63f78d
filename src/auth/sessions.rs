//! Sign-in sessions: an access token plus a refresh token stored hashed, revocable.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::tokens::{TokenKeys, random_token, sha256_hex};
use crate::db::Db;
use crate::entities::{refresh_token, user};
use crate::error::{Error, Result};

#[derive(Debug)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// Stores a new refresh token of `family` inside the caller's transaction.
async fn issue_refresh<C: sea_orm::ConnectionTrait>(
    txn: &C,
    keys: &TokenKeys,
    user_id: i64,
    family: String,
) -> Result<String> {
    let refresh = random_token();
    let now = Utc::now();
    let expires = now + chrono::Duration::from_std(keys.refresh_ttl).unwrap_or_default();
    refresh_token::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(sha256_hex(&refresh)),
        expires_at: Set(expires),
        revoked_at: Set(None),
        created_at: Set(now),
        family: Set(Some(family)),
        rotated_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(refresh)
}

/// Opens a session for a user who has just proven who they are.
pub async fn start(db: &Db, keys: &TokenKeys, user_id: i64) -> Result<Tokens> {
    let txn = db.begin_write().await?;
    let refresh = issue_refresh(&*txn, keys, user_id, random_token()).await?;
    txn.commit().await?;
    Ok(Tokens {
        access: keys.issue_access(user_id)?,
        refresh,
    })
}

/// Exchanges a live refresh token for a new pair; the old one is spent (rotation).
///
/// Claiming the old token is one conditional update, so two concurrent refreshes with the same
/// token cannot both succeed. A spent token presented again means it was copied: every token
/// of that sign-in is revoked.
pub async fn refresh(db: &Db, keys: &TokenKeys, token: &str) -> Result<(Tokens, user::Model)> {
    let invalid = || Error::Unauthorized("Invalid or expired refresh token".into());
    let now = Utc::now();
    let hash = sha256_hex(token);
    let txn = db.begin_write().await?;
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, now.into())
        .col_expr(refresh_token::Column::RevokedAt, now.into())
        .filter(refresh_token::Column::TokenHash.eq(hash.as_str()))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .exec_with_returning(&*txn)
        .await?
        .into_iter()
        .next();
    let Some(old) = claimed else {
        let seen = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(hash.as_str()))
            .one(&*txn)
            .await?;
        if let Some(spent) = seen.filter(|t| t.rotated_at.is_some())
            && let Some(family) = spent.family
        {
            refresh_token::Entity::update_many()
                .col_expr(refresh_token::Column::RevokedAt, now.into())
                .filter(refresh_token::Column::Family.eq(family))
                .filter(refresh_token::Column::RevokedAt.is_null())
                .exec(&*txn)
                .await?;
            txn.commit().await?;
            tracing::warn!(
                user_id = spent.user_id,
                "refresh token reuse: sign-in revoked"
            );
        }
        return Err(invalid());
    };
    let user = user::Entity::find_by_id(old.user_id)
        .one(&*txn)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(invalid)?;
    let family = old.family.unwrap_or_else(random_token);
    let refresh = issue_refresh(&*txn, keys, user.id, family).await?;
    txn.commit().await?;
    let tokens = Tokens {
        access: keys.issue_access(user.id)?,
        refresh,
    };
    Ok((tokens, user))
}

/// Revokes one of the user's refresh tokens, or all of them when `token` is `None`.
pub async fn revoke(db: &Db, user_id: i64, token: Option<&str>) -> Result<()> {
    let mut update = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Utc::now().into())
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(token) = token {
        update = update.filter(refresh_token::Column::TokenHash.eq(sha256_hex(token)));
    }
    let txn = db.begin_write().await?;
    update.exec(&*txn).await?;
    txn.commit().await?;
    Ok(())
}
