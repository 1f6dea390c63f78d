//! The audit log: who did what, when, from which request, before → after. Written by the
//! domain function that makes the change, inside its transaction, so a change and its record
//! commit or vanish together.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::Value;

use crate::db::{Db, WriteTxn};
use crate::domain::page::{self, Page, PageRequest};
use crate::entities::audit_entry as entry;
use crate::error::Result;
use crate::request_context::current_request_id;

/// One action to record.
pub struct Action<'a> {
    pub actor: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: i64,
    pub before: Value,
    pub after: Value,
    pub ledger_id: Option<i64>,
}

pub async fn record<C: ConnectionTrait>(txn: &C, a: Action<'_>) -> Result<()> {
    entry::ActiveModel {
        at: Set(Utc::now()),
        actor_id: Set(a.actor),
        request_id: Set(current_request_id()),
        action: Set(a.action.to_owned()),
        object_type: Set(a.object_type.to_owned()),
        object_id: Set(a.object_id),
        before: Set(a.before.to_string()),
        after: Set(a.after.to_string()),
        ledger_id: Set(a.ledger_id),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// One record's part in a staff edit: its id, and it before (none when created) and after.
pub type Changed<'a, T> = (i64, Option<&'a T>, &'a T);

/// The last step of a staff edit: records each changed record of `object_type` as JSON,
/// before and after, then commits the edit's transaction, so that the change and its records
/// land together.
pub async fn commit_changes<'a, T: serde::Serialize + 'a>(
    txn: WriteTxn,
    actor: i64,
    action: &str,
    object_type: &str,
    changes: impl IntoIterator<Item = Changed<'a, T>>,
) -> Result<()> {
    let json = |v: &T| serde_json::to_value(v).unwrap_or(Value::Null);
    for (object_id, before, after) in changes {
        let action = Action {
            actor: Some(actor),
            action,
            object_type,
            object_id,
            before: before.map_or(Value::Null, json),
            after: json(after),
            ledger_id: None,
        };
        record(&*txn, action).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// [`commit_changes`] for an edit of one record (`before` is `None` when it was created),
/// giving the saved record back.
pub async fn commit_one<T: serde::Serialize>(
    txn: WriteTxn,
    actor: i64,
    action: &str,
    object_type: &str,
    object_id: i64,
    before: Option<&T>,
    saved: T,
) -> Result<T> {
    commit_changes(
        txn,
        actor,
        action,
        object_type,
        [(object_id, before, &saved)],
    )
    .await?;
    Ok(saved)
}

#[derive(Debug, Default)]
pub struct Filter {
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub actor: Option<i64>,
}

/// Newest first.
pub async fn list(db: &Db, f: Filter, req: PageRequest) -> Result<Page<entry::Model>> {
    let mut select = entry::Entity::find().order_by_desc(entry::Column::Id);
    if let Some(t) = f.object_type.filter(|t| !t.is_empty()) {
        select = select.filter(entry::Column::ObjectType.eq(t));
    }
    if let Some(id) = f.object_id {
        select = select.filter(entry::Column::ObjectId.eq(id));
    }
    if let Some(actor) = f.actor {
        select = select.filter(entry::Column::ActorId.eq(actor));
    }
    page::fetch(select, db.conn(), req, None).await
}
