//! Staff's webhook endpoints: register one (its secret made here and shown once), rotate its
//! secret, switch it on or off. Each is one transaction with its audit entry; the audit log
//! records what changed but never a secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel};
use sea_orm::{QueryFilter, QueryTrait};
use serde::Serialize;

use super::address;
use crate::db::Db;
use crate::domain::notify::EVENT_TYPES;
use crate::domain::page::{ListSpec, Listing, Page, PageRequest, list_spec};
use crate::domain::staff::StaffActor;
use crate::domain::{audit, found};
use crate::entities::webhook_endpoint as endpoint;
use crate::error::{Problems, Result};

pub(super) const NAME: &str = "Webhook endpoint";
const OBJECT_TYPE: &str = "webhook_endpoint";
/// A secret's prefix (Standard Webhooks); the rest is the base64 of the signing key.
pub const SECRET_PREFIX: &str = "whsec_";
/// Bytes of a signing key (the specification asks for 24 to 64).
const KEY_BYTES: usize = 32;
/// How long the secret before a rotation keeps signing, so receivers can switch over.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// An endpoint as staff type it.
#[derive(Debug, Default, Clone)]
pub struct EndpointInput {
    pub url: String,
    pub description: String,
    /// Event types to send; none means every event.
    pub event_types: Vec<String>,
    pub enabled: bool,
}

/// An endpoint with the secret it was just given: the one time it is shown.
pub struct WithSecret {
    pub endpoint: endpoint::Model,
    pub secret: String,
}

/// What the audit log keeps of an endpoint: everything but its secrets.
#[derive(Serialize)]
struct Audited<'a> {
    url: &'a str,
    description: &'a str,
    event_types: Vec<String>,
    enabled: bool,
    disabled_reason: Option<&'a str>,
    previous_secret_expires_at: Option<DateTime<Utc>>,
}

fn audited(e: &endpoint::Model) -> Audited<'_> {
    Audited {
        url: &e.url,
        description: &e.description,
        event_types: event_types(e),
        enabled: e.enabled,
        disabled_reason: e.disabled_reason.as_deref(),
        previous_secret_expires_at: e.previous_secret_expires_at,
    }
}

/// The event types an endpoint subscribed to; empty means every event.
pub fn event_types(e: &endpoint::Model) -> Vec<String> {
    serde_json::from_str(&e.event_types).unwrap_or_default()
}

/// Whether events of `event_type` go to this endpoint (when it is enabled).
pub fn subscribes(e: &endpoint::Model, event_type: &str) -> bool {
    let types = event_types(e);
    types.is_empty() || types.iter().any(|t| t == event_type)
}

/// A new secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The signing key a secret names (the base64 after `whsec_`); `None` when it is not one.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).ok().filter(|k| !k.is_empty())
}

/// The secrets that sign a delivery made at `now`: the current one, and the one before a
/// rotation while its overlap lasts.
pub fn signing_secrets(e: &endpoint::Model, now: DateTime<Utc>) -> Vec<&str> {
    let mut secrets = vec![e.secret.as_str()];
    if let (Some(previous), Some(until)) = (&e.previous_secret, e.previous_secret_expires_at)
        && until > now
    {
        secrets.push(previous);
    }
    secrets
}

/// Checks the input: the URL (and, unless allowed, that its host is public), the description
/// and the event types.
async fn checked(input: &EndpointInput, allow_private: bool) -> Result<(String, String, String)> {
    let mut p = Problems::default();
    let url = match address::parse(&input.url) {
        Ok(url) => match address::check_host(&url, allow_private).await {
            Ok(()) => url.to_string(),
            Err(message) => {
                p.add("url", message);
                String::new()
            }
        },
        Err(message) => {
            p.add("url", message);
            String::new()
        }
    };
    let description = input.description.trim().to_owned();
    if description.chars().count() > 200 {
        p.add(
            "description",
            "Ensure this field has at most 200 characters.",
        );
    }
    let mut types: Vec<String> = Vec::new();
    for t in &input.event_types {
        if !EVENT_TYPES.contains(&t.as_str()) {
            p.add(
                "event_types",
                format!(
                    "Unknown event type “{t}”; choose from: {}.",
                    EVENT_TYPES.join(", ")
                ),
            );
        } else if !types.contains(t) {
            types.push(t.clone());
        }
    }
    p.finish()?;
    Ok((url, description, serde_json::Value::from(types).to_string()))
}

/// Registers an endpoint with a new secret, returned this once.
pub async fn create_endpoint(
    db: &Db,
    actor: &StaffActor,
    input: EndpointInput,
    allow_private: bool,
) -> Result<WithSecret> {
    let (url, description, event_types) = checked(&input, allow_private).await?;
    let secret = new_secret();
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let saved = endpoint::ActiveModel {
        url: Set(url),
        description: Set(description),
        event_types: Set(event_types),
        enabled: Set(input.enabled),
        secret: Set(secret.clone()),
        previous_secret: Set(None),
        previous_secret_expires_at: Set(None),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let changes = [(saved.id, None, &audited(&saved))];
    audit::commit_changes(
        txn,
        actor.id(),
        "webhook_endpoint.create",
        OBJECT_TYPE,
        changes,
    )
    .await?;
    Ok(WithSecret {
        endpoint: saved,
        secret,
    })
}

/// A staff edit of one endpoint, in one transaction: `change` sets the new values on the row
/// (given the endpoint as it was and the edit's time), then the row is stamped, saved and
/// audited as `action`.
async fn edit(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    action: &str,
    change: impl FnOnce(&endpoint::Model, &mut endpoint::ActiveModel, DateTime<Utc>),
) -> Result<endpoint::Model> {
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let before: endpoint::Model = found(&*txn, id, NAME).await?;
    let mut row = before.clone().into_active_model();
    change(&before, &mut row, now);
    row.updated_at = Set(now);
    let saved = row.update(&*txn).await?;
    let changes = [(id, Some(&audited(&before)), &audited(&saved))];
    audit::commit_changes(txn, actor.id(), action, OBJECT_TYPE, changes).await?;
    Ok(saved)
}

/// Changes an endpoint's URL, description, event types or switch, checked as when registered.
pub async fn update_endpoint(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    input: EndpointInput,
    allow_private: bool,
) -> Result<endpoint::Model> {
    let (url, description, event_types) = checked(&input, allow_private).await?;
    edit(
        db,
        actor,
        id,
        "webhook_endpoint.update",
        |before, row, _| {
            row.url = Set(url);
            row.description = Set(description);
            row.event_types = Set(event_types);
            row.enabled = Set(input.enabled);
            row.disabled_reason = Set(match (before.enabled, input.enabled) {
                (_, true) => None,
                (true, false) => Some(format!("Disabled by {}", actor.email)),
                (false, false) => before.disabled_reason.clone(),
            });
        },
    )
    .await
}

/// Gives the endpoint a new secret, returned this once; the old one keeps signing (beside
/// the new one) for [`ROTATION_OVERLAP`].
pub async fn rotate_secret(db: &Db, actor: &StaffActor, id: i64) -> Result<WithSecret> {
    let secret = new_secret();
    let action = "webhook_endpoint.rotate_secret";
    let endpoint = edit(db, actor, id, action, |before, row, now| {
        row.previous_secret = Set(Some(before.secret.clone()));
        row.previous_secret_expires_at = Set(Some(now + ROTATION_OVERLAP));
        row.secret = Set(secret.clone());
    })
    .await?;
    Ok(WithSecret { endpoint, secret })
}

/// Switches an endpoint on (clearing why it was off) or off. Deliveries waiting for a
/// disabled endpoint are given up on when their turn comes.
pub async fn set_enabled(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    enabled: bool,
) -> Result<endpoint::Model> {
    let action = match enabled {
        true => "webhook_endpoint.enable",
        false => "webhook_endpoint.disable",
    };
    edit(db, actor, id, action, |_, row, _| {
        row.enabled = Set(enabled);
        row.disabled_reason = Set((!enabled).then(|| format!("Disabled by {}", actor.email)));
    })
    .await
}

/// The receiver said the endpoint is gone (410): it is switched off, with that reason, by no
/// one in particular (the audit entry has no actor).
pub async fn disable_gone(db: &Db, id: i64, reason: String) -> Result<()> {
    let txn = db.begin_write().await?;
    let Some(before) = endpoint::Entity::find_by_id(id).one(&*txn).await? else {
        return Ok(());
    };
    let mut row = before.clone().into_active_model();
    row.enabled = Set(false);
    row.disabled_reason = Set(Some(reason));
    row.updated_at = Set(Utc::now());
    let saved = row.update(&*txn).await?;
    let json = |e: &endpoint::Model| serde_json::to_value(audited(e)).unwrap_or_default();
    let action = audit::Action {
        actor: None,
        action: "webhook_endpoint.disable_gone",
        object_type: OBJECT_TYPE,
        object_id: id,
        before: json(&before),
        after: json(&saved),
        ledger_id: None,
    };
    audit::record(&*txn, action).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct EndpointFilter {
    pub enabled: Option<bool>,
    /// Searches the URL and description.
    pub listing: Listing,
}

const ENDPOINTS: ListSpec<endpoint::Entity> = list_spec! {
    endpoint: search [Url, Description],
    sorts ["id" Id, "url" Url, "enabled" Enabled, "created" CreatedAt],
    default "-id", ties [Id Desc]
};

pub async fn list_endpoints(
    db: &Db,
    f: &EndpointFilter,
    req: PageRequest,
) -> Result<Page<endpoint::Model>> {
    let select = endpoint::Entity::find().apply_if(f.enabled, |q, on| {
        q.filter(endpoint::Column::Enabled.eq(on))
    });
    ENDPOINTS.list(select, &f.listing, db.conn(), req).await
}

pub async fn get_endpoint(db: &Db, id: i64) -> Result<endpoint::Model> {
    found(db.conn(), id, NAME).await
}

/// The enabled endpoints subscribed to `event_type`.
pub(super) async fn subscribed<C: sea_orm::ConnectionTrait>(
    conn: &C,
    event_type: &str,
) -> Result<Vec<endpoint::Model>> {
    let enabled = endpoint::Entity::find()
        .filter(endpoint::Column::Enabled.eq(true))
        .all(conn)
        .await?;
    Ok(enabled
        .into_iter()
        .filter(|e| subscribes(e, event_type))
        .collect())
}
