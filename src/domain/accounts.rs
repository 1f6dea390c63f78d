//! Users and accounts: staff users, signing in, lookups.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::auth::password;
use crate::db::{Db, is_unique_violation};
use crate::domain::signup::{EMAIL_TAKEN, email_taken};
use crate::domain::validate::{check_password, normalize_email};
use crate::entities::{account, subscription, user};
use crate::error::{Error, Problems, Result};

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
    txn.commit().await?;
    Ok(user)
}

/// The active user with these credentials. Unknown email and wrong password are
/// indistinguishable, in answer and in time.
pub async fn authenticate(db: &Db, email: &str, plain_password: &str) -> Result<user::Model> {
    let invalid = || Error::Unauthorized("Invalid email or password".into());
    let email = normalize_email(email);
    let found = match &email {
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
            user::Entity::update_many()
                .col_expr(user::Column::LastLoginAt, Utc::now().into())
                .filter(user::Column::Id.eq(user.id))
                .exec(&*txn)
                .await?;
            txn.commit().await?;
            Ok(user)
        }
        _ => Err(invalid()),
    }
}

pub async fn find_user(db: &Db, id: i64) -> Result<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db.conn()).await?)
}

pub async fn find_account(db: &Db, id: i64) -> Result<Option<account::Model>> {
    Ok(account::Entity::find_by_id(id).one(db.conn()).await?)
}

pub async fn subscription_of(db: &Db, account_id: i64) -> Result<Option<subscription::Model>> {
    use sea_orm::QueryOrder;
    Ok(subscription::Entity::find()
        .filter(subscription::Column::AccountId.eq(account_id))
        .order_by_desc(subscription::Column::Id)
        .one(db.conn())
        .await?)
}
