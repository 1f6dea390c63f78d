//! Server-side sessions of the staff admin panel: a random cookie value stored only as its
//! SHA-256, expiring, revocable at logout, each with its own CSRF token and a one-shot flash.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::tokens::{random_token, sha256_hex};
use crate::db::Db;
use crate::entities::{staff_session as session, user};
use crate::error::Result;

/// How long a panel session lasts from sign-in.
pub const SESSION_HOURS: i64 = 8;

/// Opens a session for a staff user; returns the cookie value.
pub async fn open(db: &Db, user_id: i64) -> Result<String> {
    let token = random_token();
    let now = Utc::now();
    let txn = db.begin_write().await?;
    session::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        csrf_token: Set(random_token()),
        flash: Set(None),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// The live session behind a cookie value, with its user — who must still be active staff.
pub async fn find(db: &Db, token: &str) -> Result<Option<(session::Model, user::Model)>> {
    let Some(found) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(sha256_hex(token)))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .one(db.conn())
        .await?
    else {
        return Ok(None);
    };
    let user = user::Entity::find_by_id(found.user_id)
        .one(db.conn())
        .await?
        .filter(|u| u.is_active && u.is_staff);
    Ok(user.map(|u| (found, u)))
}

pub async fn revoke(db: &Db, session_id: i64) -> Result<()> {
    set(
        db,
        session_id,
        session::Column::RevokedAt,
        Some(Utc::now().into()),
    )
    .await
}

/// Leaves a message for the next page of this session.
pub async fn flash(db: &Db, session_id: i64, message: String) -> Result<()> {
    set(db, session_id, session::Column::Flash, Some(message.into())).await
}

/// Takes (and clears) the pending message, if any.
pub async fn take_flash(db: &Db, s: &session::Model) -> Result<Option<String>> {
    if s.flash.is_some() {
        set(db, s.id, session::Column::Flash, None).await?;
    }
    Ok(s.flash.clone())
}

async fn set(
    db: &Db,
    session_id: i64,
    column: session::Column,
    value: Option<sea_orm::Value>,
) -> Result<()> {
    let value = value.unwrap_or(sea_orm::Value::String(None));
    let txn = db.begin_write().await?;
    session::Entity::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::val(value))
        .filter(session::Column::Id.eq(session_id))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
