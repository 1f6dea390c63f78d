//! Sign-in sessions: an access token plus a refresh token stored hashed, revocable.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryTrait,
};

use crate::auth::tokens::{TokenKeys, random_token, sha256_hex};
use crate::db::Db;
use crate::entities::{refresh_token, user};
use crate::error::{Error, Result};

#[derive(Debug)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// How long after a rotation the spent token still gets its successor again, instead of
/// counting as a stolen copy: two tabs refreshing at once must not sign the user out.
pub const REFRESH_GRACE_SECONDS: i64 = 30;

/// Stores refresh token `refresh` of `family` inside the caller's transaction.
async fn issue_refresh<C: sea_orm::ConnectionTrait>(
    txn: &C,
    keys: &TokenKeys,
    user_id: i64,
    family: String,
    refresh: String,
) -> Result<String> {
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
    let refresh = issue_refresh(&*txn, keys, user_id, random_token(), random_token()).await?;
    txn.commit().await?;
    Ok(Tokens {
        access: keys.issue_access(user_id)?,
        refresh,
    })
}

/// Exchanges a live refresh token for a new pair; the old one is spent (rotation).
///
/// Claiming the old token is one conditional update, so concurrent refreshes with the same
/// token rotate it once; the others, like any repeat within [`REFRESH_GRACE_SECONDS`], get the
/// same successor while it is live. A spent token presented later means it was copied: every
/// token of that sign-in is revoked.
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
            && let Some(family) = spent.family.clone()
        {
            if let Some(tokens) = repeat_within_grace(&*txn, keys, &spent, token, now).await? {
                return Ok(tokens);
            }
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
    let successor = keys.successor_refresh(token);
    let refresh = issue_refresh(&*txn, keys, user.id, family, successor).await?;
    txn.commit().await?;
    let tokens = Tokens {
        access: keys.issue_access(user.id)?,
        refresh,
    };
    Ok((tokens, user))
}

/// A token rotated moments ago, presented again: its successor, when that is still live (a
/// sign-out or a detected copy ends the grace), with a fresh access token.
async fn repeat_within_grace<C: sea_orm::ConnectionTrait>(
    txn: &C,
    keys: &TokenKeys,
    spent: &refresh_token::Model,
    token: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Option<(Tokens, user::Model)>> {
    let recent = spent
        .rotated_at
        .is_some_and(|at| now - at <= chrono::Duration::seconds(REFRESH_GRACE_SECONDS));
    if !recent {
        return Ok(None);
    }
    let successor = keys.successor_refresh(token);
    let live = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(&successor)))
        .filter(refresh_token::Column::Family.eq(spent.family.clone()))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .one(txn)
        .await?;
    let user = match live {
        Some(_) => user::Entity::find_by_id(spent.user_id)
            .one(txn)
            .await?
            .filter(|u| u.is_active),
        None => None,
    };
    let Some(user) = user else { return Ok(None) };
    let tokens = Tokens {
        access: keys.issue_access(user.id)?,
        refresh: successor,
    };
    Ok(Some((tokens, user)))
}

/// Revokes one of the user's refresh tokens, or all of them when `token` is `None`.
pub async fn revoke(db: &Db, user_id: i64, token: Option<&str>) -> Result<()> {
    let txn = db.begin_write().await?;
    revoke_live(&*txn, user_id, token, Utc::now()).await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes the user's live refresh tokens (only `token`, when given) in the caller's
/// transaction, at `now`; returns how many. Signing out and staff deactivating a user both
/// come here.
pub async fn revoke_live<C: sea_orm::ConnectionTrait>(
    txn: &C,
    user_id: i64,
    token: Option<&str>,
    now: chrono::DateTime<Utc>,
) -> Result<u64> {
    let revoked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, now.into())
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .apply_if(token, |update, token| {
            update.filter(refresh_token::Column::TokenHash.eq(sha256_hex(token)))
        })
        .exec(txn)
        .await?;
    Ok(revoked.rows_affected)
}
