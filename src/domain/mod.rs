//! The rules of billing. Every state change is one function here, run in one transaction;
//! the JSON API, the admin panel, the CLI and (later) webhooks all call these and nothing else.
//! Nothing in this module knows about HTTP.

pub mod accounts;
pub mod analytics;
pub mod audit;
pub mod backoffice;
pub mod billing_details;
pub mod billing_documents;
pub mod catalog;
pub mod catalog_admin;
pub mod credits;
pub mod idempotency;
pub mod invoices;
pub mod job_queue;
pub mod lifecycle;
pub mod list_spec;
pub mod money;
pub(crate) mod names;
pub mod notify;
pub mod of_account;
pub mod outbox;
pub mod page;
pub mod password_reset;
pub mod payment_queue;
pub mod payment_review;
pub mod payments;
pub mod proofs;
pub mod providers;
pub mod rare_trigrams;
pub mod reconcile;
pub mod refunds;
pub mod search;
pub mod settlement;
pub mod signup;
pub mod sites;
pub mod staff;
pub mod standing;
pub mod statements;
pub mod status;
pub mod status_counts;
pub mod throttle;
pub mod top_ups;
pub mod validate;
pub mod webhooks;

use sea_orm::{ConnectionTrait, EntityTrait, ModelTrait, PrimaryKeyTrait};

use crate::entities::{account, user};
use crate::error::{Error, Result};

/// The signed-in customer: a user and the account they act for.
#[derive(Clone, Debug)]
pub struct Member {
    pub user: user::Model,
    pub account: account::Model,
}

impl Member {
    /// The member `user` is: a customer with their account. Staff users have none.
    pub async fn of(db: &crate::db::Db, user: user::Model) -> Result<Member> {
        let not_customer = || {
            Error::Forbidden("This endpoint is for customer accounts; staff users have none".into())
        };
        let account_id = user.account_id.ok_or_else(not_customer)?;
        let account = accounts::find_account(db, account_id)
            .await?
            .ok_or_else(not_customer)?;
        Ok(Member { user, account })
    }

    /// Product features (sites, credit spending) need a paid-up or trial account and a role
    /// that may change things.
    pub fn ensure_can_use_features(&self) -> Result<()> {
        status::ensure_account_usable(self.account.status)?;
        self.ensure_can_write()
    }

    /// Viewers may read everything of their account and change nothing.
    pub fn ensure_can_write(&self) -> Result<()> {
        if self.user.role == status::role::VIEWER {
            return Err(Error::Forbidden(
                "Your role in this account (viewer) is read-only.".into(),
            ));
        }
        Ok(())
    }
}

/// The row with this id, read through `conn` (an edit's transaction, or the pool); a missing one
/// is "<what> not found" (404), in the same words everywhere.
pub(crate) async fn found<M, C>(conn: &C, id: i64, what: &str) -> Result<M>
where
    M: ModelTrait,
    M::Entity: EntityTrait<Model = M>,
    i64: Into<<<M::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    C: ConnectionTrait,
{
    M::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("{what} not found")))
}

/// How often a transaction that lost a race for its rows ([`Error::Contended`]) is run again
/// before the client is told to retry (409).
const CONTENDED_ATTEMPTS: usize = 3;

/// Runs `work` (one whole transaction) again when the database rolled it back for contention.
pub async fn retry_contended<T, F, Fut>(mut work: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match work().await {
            Err(Error::Contended) if attempt < CONTENDED_ATTEMPTS => attempt += 1,
            done => return done,
        }
    }
}
