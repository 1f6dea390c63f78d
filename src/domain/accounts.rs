//! Users and accounts: staff users, signing in, lookups.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    QueryFilter,
};

use crate::auth::{password, sessions, web_sessions};
use crate::db::{Db, is_unique_violation};
use crate::domain::signup::{EMAIL_TAKEN, email_taken};
use crate::domain::staff::StaffActor;
use crate::domain::validate::{check_password, normalize_email};
use crate::domain::{audit, throttle};
use crate::entities::{account, user};
use crate::error::{Error, Problems, Result};
use crate::telemetry::counters::LoginFailure;

pub(crate) struct NewUser {
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub account_id: Option<i64>,
    pub role: String,
    /// Platform staff are superusers too; customers are neither.
    pub is_staff: bool,
}

/// Inserts a user; a taken email (lost race included) is a field error, not a 500.
pub(crate) async fn insert_user<C: ConnectionTrait>(txn: &C, new: NewUser) -> Result<user::Model> {
    user::ActiveModel {
        email: Set(new.email),
        password_hash: Set(new.password_hash),
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        account_id: Set(new.account_id),
        role: Set(new.role),
        is_staff: Set(new.is_staff),
        is_superuser: Set(new.is_staff),
        is_active: Set(true),
        created_at: Set(Utc::now()),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match is_unique_violation(&e) {
        true => Error::field("email", EMAIL_TAKEN),
        false => e.into(),
    })
}

/// Creates a platform staff user (superuser), who has no customer account.
pub async fn create_staff_user(db: &Db, email: &str, plain_password: &str) -> Result<user::Model> {
    let mut p = Problems::default();
    let email = normalize_email(email).unwrap_or_else(|| {
        p.add("email", "Enter a valid email address.");
        String::new()
    });
    check_password(plain_password, "password", &mut p);
    if !email.is_empty() && email_taken(db, &email).await? {
        p.add("email", EMAIL_TAKEN);
    }
    p.finish()?;
    let password_hash = password::hash(plain_password).await?;
    let txn = db.begin_write().await?;
    let user = insert_user(
        &*txn,
        NewUser {
            email,
            password_hash,
            first_name: String::new(),
            last_name: String::new(),
            account_id: None,
            role: String::new(),
            is_staff: true,
        },
    )
    .await?;
    audit::record(
        &*txn,
        audit::Action {
            actor: None,
            action: "user.create_staff",
            object_type: "user",
            object_id: user.id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"email": user.email, "is_staff": true}),
            ledger_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// The active user with these credentials. Unknown email and wrong password are
/// indistinguishable, in answer and in time. Failed attempts are throttled per email and per
/// client address (`throttle`), checked before any password work.
pub async fn authenticate(
    db: &Db,
    email: &str,
    plain_password: &str,
    client: Option<IpAddr>,
) -> Result<user::Model> {
    let invalid = || Error::Unauthorized("Invalid email or password".into());
    let reservation = throttle::reserve(db, email, client)
        .await
        .inspect_err(|e| {
            if matches!(e, Error::TooManyRequests { .. }) {
                crate::telemetry::counters::login_failed(LoginFailure::Throttled);
            }
        })?;
    let normalized = normalize_email(email);
    let found = match &normalized {
        Some(email) => {
            user::Entity::find()
                .filter(user::Column::Email.eq(email.as_str()))
                .one(db.conn())
                .await?
        }
        None => None,
    };
    let ok = password::verify(
        plain_password,
        found.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    match found {
        Some(user) if ok && user.is_active => {
            let txn = db.begin_write().await?;
            throttle::succeeded(&*txn, &reservation).await?;
            user::Entity::update_many()
                .col_expr(user::Column::LastLoginAt, Utc::now().into())
                .filter(user::Column::Id.eq(user.id))
                .exec(&*txn)
                .await?;
            txn.commit().await?;
            Ok(user)
        }
        // The attempt reserved above stays counted: it was a failure.
        _ => {
            crate::telemetry::counters::login_failed(LoginFailure::InvalidCredentials);
            Err(invalid())
        }
    }
}

/// What staff may change about a user from the panel.
#[derive(Debug, Clone, Copy)]
pub struct UserAccess {
    /// Platform staff (and superuser): may use the admin panel and staff endpoints.
    pub is_staff: bool,
    /// An inactive user cannot sign in or use any token.
    pub is_active: bool,
}

#[derive(Debug)]
pub struct AccessChanged {
    pub user: user::Model,
    /// Refresh tokens and panel sessions revoked because the user may no longer use them.
    pub sessions_revoked: u64,
}

/// Sets a user's staff and active flags, in one transaction.
///
/// Staff may not take away their own staff status or deactivate themselves (the panel would
/// lock them out mid-action). Beyond the `StaffActor` proof, the update is conditional on the
/// acting user still being active staff *at commit*: two staff demoting each other at once cannot
/// both succeed and leave nobody in charge. Deactivating revokes the user's refresh tokens and panel sessions, and losing staff
/// status revokes the panel sessions, so they are signed out at once; access tokens already
/// fail because every request checks the user is active.
pub async fn set_user_access(
    db: &Db,
    staff: &StaffActor,
    user_id: i64,
    access: UserAccess,
) -> Result<AccessChanged> {
    if staff.id() == user_id && !access.is_staff {
        return Err(Error::Conflict(
            "You cannot remove your own staff status; ask another member of staff.".into(),
        ));
    }
    if staff.id() == user_id && !access.is_active {
        return Err(Error::Conflict(
            "You cannot deactivate yourself; ask another member of staff.".into(),
        ));
    }
    let now = Utc::now();
    let actor_is_staff = Query::select()
        .expr(Expr::val(1))
        .from(user::Entity)
        .and_where(Expr::col(user::Column::Id).eq(staff.id()))
        .and_where(Expr::col(user::Column::IsStaff).eq(true))
        .and_where(Expr::col(user::Column::IsActive).eq(true))
        .to_owned();
    let txn = db.begin_write().await?;
    let updated = user::Entity::update_many()
        .col_expr(user::Column::IsStaff, access.is_staff.into())
        .col_expr(user::Column::IsSuperuser, access.is_staff.into())
        .col_expr(user::Column::IsActive, access.is_active.into())
        .filter(user::Column::Id.eq(user_id))
        .filter(Expr::exists(actor_is_staff))
        .exec_with_returning(&*txn)
        .await?
        .into_iter()
        .next();
    let Some(user) = updated else {
        return match user::Entity::find_by_id(user_id).one(&*txn).await? {
            None => Err(Error::NotFound("User not found".into())),
            Some(_) => Err(Error::Forbidden("Staff access required".into())),
        };
    };
    let mut sessions_revoked = 0;
    if !access.is_active || !access.is_staff {
        sessions_revoked += web_sessions::revoke_all_of_user(&*txn, user_id, now).await?;
    }
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(staff.id()),
            action: "user.access",
            object_type: "user",
            object_id: user_id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"is_staff": access.is_staff, "is_active": access.is_active}),
            ledger_id: None,
        },
    )
    .await?;
    if !access.is_active {
        sessions_revoked += sessions::revoke_live(&*txn, user_id, None, now).await?;
    }
    txn.commit().await?;
    Ok(AccessChanged {
        user,
        sessions_revoked,
    })
}

pub async fn find_user(db: &Db, id: i64) -> Result<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db.conn()).await?)
}

pub async fn find_account(db: &Db, id: i64) -> Result<Option<account::Model>> {
    Ok(account::Entity::find_by_id(id).one(db.conn()).await?)
}

/// The account's row, locked for the rest of the transaction (on PostgreSQL; SQLite's writes
/// are one at a time anyway), so that two changes of one account's subscription run one after
/// the other: two sign-ups to a plan cannot both see "no subscription" and make two, and a
/// refund reads the balance no spend is about to change.
pub(crate) async fn lock<C: sea_orm::ConnectionTrait>(
    txn: &C,
    account_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<account::Model> {
    account::Entity::update_many()
        .col_expr(account::Column::UpdatedAt, now.into())
        .filter(account::Column::Id.eq(account_id))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound("Account not found".into()))
}
