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

/// Opens a session for a user who has just proven who they are.
pub async fn start(db: &Db, keys: &TokenKeys, user_id: i64) -> Result<Tokens> {
    let refresh = random_token();
    let now = Utc::now();
    let expires = now + chrono::Duration::from_std(keys.refresh_ttl).unwrap_or_default();
    let txn = db.begin_write().await?;
    refresh_token::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(sha256_hex(&refresh)),
        expires_at: Set(expires),
        revoked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(Tokens {
        access: keys.issue_access(user_id)?,
        refresh,
    })
}

/// A new access token for a live refresh token.
pub async fn refresh(db: &Db, keys: &TokenKeys, token: &str) -> Result<(Tokens, user::Model)> {
    let invalid = || Error::Unauthorized("Invalid or expired refresh token".into());
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(token)))
        .one(db.conn())
        .await?
        .ok_or_else(invalid)?;
    if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
        return Err(invalid());
    }
    let user = user::Entity::find_by_id(row.user_id)
        .one(db.conn())
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(invalid)?;
    let tokens = Tokens {
        access: keys.issue_access(user.id)?,
        refresh: token.to_owned(),
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
