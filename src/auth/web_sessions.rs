//! Server-side sessions of the web pages (staff's panel, customers' portal): a random cookie
//! value stored only as its SHA-256, expiring, revocable at logout, each with its own CSRF
//! token and a one-shot flash message.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::tokens::{random_token, sha256_hex};
use crate::db::Db;
use crate::entities::user;
use crate::entities::web_session::{self as session, FlashLevel, SessionKind};
use crate::error::Result;

/// How long a web session lasts from sign-in.
pub const SESSION_HOURS: i64 = 8;

/// Opens a session of `kind` for a user; returns the cookie value.
pub async fn open(db: &Db, user_id: i64, kind: SessionKind) -> Result<String> {
    let token = random_token();
    let now = Utc::now();
    let txn = db.begin_write().await?;
    session::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        kind: Set(kind),
        csrf_token: Set(random_token()),
        flash_level: Set(None),
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

/// The live session of `kind` behind a cookie value, with its user — who must still be active,
/// and still staff for a staff session.
pub async fn find(
    db: &Db,
    token: &str,
    kind: SessionKind,
) -> Result<Option<(session::Model, user::Model)>> {
    let Some(found) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(sha256_hex(token)))
        .filter(session::Column::Kind.eq(kind))
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
        .filter(|u| u.is_active && (kind != SessionKind::Staff || u.is_staff));
    Ok(user.map(|u| (found, u)))
}

pub async fn revoke(db: &Db, session_id: i64) -> Result<()> {
    update(db, session_id, |u| {
        u.col_expr(session::Column::RevokedAt, Expr::val(Utc::now()))
    })
    .await
}

/// Revokes every live session of the user in the caller's transaction, at `now` (staff took
/// away their access); returns how many.
pub async fn revoke_all_of_user<C: sea_orm::ConnectionTrait>(
    txn: &C,
    user_id: i64,
    now: chrono::DateTime<Utc>,
) -> Result<u64> {
    let revoked = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::val(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(revoked.rows_affected)
}

/// Leaves a message for the next page of this session.
pub async fn flash(db: &Db, session_id: i64, level: FlashLevel, text: String) -> Result<()> {
    update(db, session_id, |u| {
        u.col_expr(session::Column::FlashLevel, Expr::val(level))
            .col_expr(session::Column::Flash, Expr::val(text))
    })
    .await
}

/// Takes (and clears) the pending message, if any.
pub async fn take_flash(db: &Db, s: &session::Model) -> Result<Option<(FlashLevel, String)>> {
    let Some(text) = s.flash.clone() else {
        return Ok(None);
    };
    update(db, s.id, |u| {
        u.col_expr(session::Column::FlashLevel, Expr::val(None::<String>))
            .col_expr(session::Column::Flash, Expr::val(None::<String>))
    })
    .await?;
    Ok(Some((s.flash_level.unwrap_or(FlashLevel::Success), text)))
}

async fn update(
    db: &Db,
    session_id: i64,
    set: impl FnOnce(sea_orm::UpdateMany<session::Entity>) -> sea_orm::UpdateMany<session::Entity>,
) -> Result<()> {
    let txn = db.begin_write().await?;
    set(session::Entity::update_many())
        .filter(session::Column::Id.eq(session_id))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
