//! Deliveries: an event fanned out to the endpoints subscribed to it (one row and one
//! `webhook.deliver` job each, in one transaction), each attempt's outcome recorded on its
//! row, and staff's "resend".

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
    UpdateMany,
};
use serde_json::{Value, json};

use super::endpoints::{self, NAME as ENDPOINT};
use crate::db::Db;
use crate::domain::job_queue::{self, JobRef, Rearmed};
use crate::domain::outbox::{self, NewJob};
use crate::domain::staff::StaffActor;
use crate::domain::{audit, found};
use crate::entities::job::JobState;
use crate::entities::status::TextEnum;
use crate::entities::webhook_delivery::{self as delivery, DeliveryState};
use crate::entities::webhook_endpoint as endpoint;
use crate::error::{Error, Result};

const NAME: &str = "Webhook delivery";
/// The job that makes one delivery's attempts.
pub const DELIVER: &str = "webhook.deliver";
/// Attempts of a delivery: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h.
pub const DELIVERY_ATTEMPTS: i32 = 8;

/// The delivery job's key: one per (event, endpoint).
fn job_subject(message_id: &str, endpoint_id: i64) -> String {
    format!("{message_id}:endpoint:{endpoint_id}")
}

pub fn job_key(message_id: &str, endpoint_id: i64) -> String {
    format!("{DELIVER}:{}", job_subject(message_id, endpoint_id))
}

/// The event's id and type, read from the body `domain::notify` wrote.
fn id_and_type(body: &str) -> Result<(String, String)> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| Error::Internal(anyhow::anyhow!("event body is not JSON: {e}")))?;
    match (v["id"].as_str(), v["type"].as_str()) {
        (Some(id), Some(t)) => Ok((id.to_owned(), t.to_owned())),
        _ => Err(Error::Internal(anyhow::anyhow!(
            "event body lacks id or type"
        ))),
    }
}

/// Hands the event (`body`, exactly as it will be sent) to every enabled endpoint subscribed
/// to its type: a delivery row and a delivery job each, all in one transaction. Doing it
/// again adds nothing. Returns how many endpoints it went to.
pub async fn fan_out(db: &Db, body: &str) -> Result<usize> {
    let (message_id, event_type) = id_and_type(body)?;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let targets = endpoints::subscribed(&*txn, &event_type).await?;
    for e in &targets {
        let row = delivery::ActiveModel {
            endpoint_id: Set(e.id),
            message_id: Set(message_id.clone()),
            event_type: Set(event_type.clone()),
            payload: Set(body.to_owned()),
            state: Set(DeliveryState::Pending),
            attempts: Set(0),
            last_status_code: Set(None),
            last_error: Set(None),
            response_excerpt: Set(None),
            last_attempt_at: Set(None),
            next_attempt_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        delivery::Entity::insert(row)
            .on_conflict_do_nothing_on([delivery::Column::EndpointId, delivery::Column::MessageId])
            .exec(&*txn)
            .await?;
        let id: i64 = delivery::Entity::find()
            .select_only()
            .column(delivery::Column::Id)
            .filter(delivery::Column::EndpointId.eq(e.id))
            .filter(delivery::Column::MessageId.eq(&message_id))
            .into_tuple()
            .one(&*txn)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("delivery row vanished")))?;
        let job = NewJob::now(
            DELIVER,
            &job_subject(&message_id, e.id),
            json!({"delivery_id": id}),
        )
        .attempts(DELIVERY_ATTEMPTS);
        outbox::enqueue(&*txn, job).await?;
    }
    txn.commit().await?;
    Ok(targets.len())
}

/// A delivery and the endpoint it goes to; `None` when either is gone (an endpoint's
/// deletion takes its deliveries with it).
pub async fn delivery_with_endpoint(
    db: &Db,
    id: i64,
) -> Result<Option<(delivery::Model, endpoint::Model)>> {
    let Some(d) = delivery::Entity::find_by_id(id).one(db.conn()).await? else {
        return Ok(None);
    };
    let e = endpoint::Entity::find_by_id(d.endpoint_id)
        .one(db.conn())
        .await?;
    Ok(e.map(|e| (d, e)))
}

/// What one attempt gave.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The receiver's status code, when it answered.
    pub status: Option<u16>,
    /// Why the attempt failed; `None` when it succeeded.
    pub error: Option<String>,
    /// The start of the receiver's answer.
    pub excerpt: Option<String>,
    pub next: Next,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Delivered.
    Done,
    /// Another attempt at this time.
    RetryAt(DateTime<Utc>),
    /// No more attempts.
    GiveUp,
}

/// Records an attempt on the delivery's row.
pub async fn record_attempt(db: &Db, id: i64, attempt: Attempt) -> Result<()> {
    let now = Utc::now();
    let (state, next_at) = match attempt.next {
        Next::Done => (DeliveryState::Succeeded, None),
        Next::RetryAt(at) => (DeliveryState::Retrying, Some(at)),
        Next::GiveUp => (DeliveryState::Failed, None),
    };
    let update = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(state))
        .col_expr(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .col_expr(
            delivery::Column::LastStatusCode,
            Expr::value(attempt.status.map(i32::from)),
        )
        .col_expr(delivery::Column::LastError, Expr::value(attempt.error))
        .col_expr(
            delivery::Column::ResponseExcerpt,
            Expr::value(attempt.excerpt),
        )
        .col_expr(delivery::Column::LastAttemptAt, Expr::value(Some(now)))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(next_at));
    write(db, id, now, update).await
}

/// Gives a delivery up without an attempt (its endpoint is disabled), saying why.
pub async fn give_up(db: &Db, id: i64, reason: &str) -> Result<()> {
    let update = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(DeliveryState::Failed))
        .col_expr(delivery::Column::LastError, Expr::value(Some(reason)))
        .col_expr(
            delivery::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    write(db, id, Utc::now(), update).await
}

/// Applies `update` to delivery `id`, stamped `now`, in a transaction of its own.
async fn write(
    db: &Db,
    id: i64,
    now: DateTime<Utc>,
    update: UpdateMany<delivery::Entity>,
) -> Result<()> {
    let txn = db.begin_write().await?;
    update
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// An endpoint's latest deliveries, newest first.
pub async fn deliveries_of(db: &Db, endpoint_id: i64, limit: u64) -> Result<Vec<delivery::Model>> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_desc(delivery::Column::Id)
        .limit(limit)
        .all(db.conn())
        .await?)
}

/// Sends a delivery again, as it was (same `webhook-id`, same body), at once and with a
/// fresh run of attempts. Refused while an attempt is under way or the endpoint is off.
pub async fn resend(db: &Db, actor: &StaffActor, id: i64) -> Result<delivery::Model> {
    let txn = db.begin_write().await?;
    let before: delivery::Model = found(&*txn, id, NAME).await?;
    let target: endpoint::Model = found(&*txn, before.endpoint_id, ENDPOINT).await?;
    if !target.enabled {
        return Err(Error::Conflict(
            "This endpoint is disabled; enable it before resending.".into(),
        ));
    }
    let key = job_key(&before.message_id, before.endpoint_id);
    let from = [JobState::Pending, JobState::Done, JobState::Dead];
    match job_queue::rearm(&*txn, JobRef::Key(&key), &from).await? {
        Rearmed::Yes => {}
        Rearmed::NotNow(_) => {
            return Err(Error::Conflict(
                "An attempt of this delivery is under way; try again in a moment.".into(),
            ));
        }
        Rearmed::Missing => {
            let subject = job_subject(&before.message_id, before.endpoint_id);
            let job = NewJob::now(DELIVER, &subject, json!({"delivery_id": id}))
                .attempts(DELIVERY_ATTEMPTS);
            outbox::enqueue(&*txn, job).await?;
        }
    }
    let now = Utc::now();
    delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(DeliveryState::Pending))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(Some(now)))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    let after: delivery::Model = found(&*txn, id, NAME).await?;
    let view = |d: &delivery::Model| {
        json!({"message_id": d.message_id, "endpoint_id": d.endpoint_id,
               "state": d.state.text(), "attempts": d.attempts})
    };
    let changes = [(id, Some(&view(&before)), &view(&after))];
    audit::commit_changes(
        txn,
        actor.id(),
        "webhook_delivery.resend",
        "webhook_delivery",
        changes,
    )
    .await?;
    Ok(after)
}
