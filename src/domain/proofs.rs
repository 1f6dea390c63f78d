//! Payment proofs: the receipt or screenshot a customer attaches to a manual payment. The file
//! goes to object storage under a random key *before* the database transaction that records
//! it, and is deleted again when that transaction fails; what is left over anyway (a crash
//! between the two) is deleted by [`sweep_orphans`] once older than a grace period.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::domain::status::PaymentStatus;
use crate::domain::{Member, audit};
use crate::entities::payment;
use crate::error::{Error, Problems, Result};
use crate::storage::{ByteStream, Storage, StorageError};

/// Where proofs are kept in the store; every key is `proofs/<uuid>`.
const FOLDER: &str = "proofs";
pub const FIELD: &str = "proof";
pub const UNAVAILABLE: &str = "File storage is unavailable; nothing was saved. Try again later.";

/// The types a proof may be, as sniffed from its first bytes (never the name or the part's
/// header, which the client chooses).
const ACCEPTED: [&str; 4] = ["application/pdf", "image/png", "image/jpeg", "image/webp"];

/// The store proofs go to and the rules for them, from the settings.
#[derive(Clone, Debug)]
pub struct ProofStore {
    pub storage: Storage,
    pub max_bytes: usize,
    /// How old an unreferenced object must be before the sweep deletes it.
    pub grace: Duration,
}

/// A file as the client sent it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub bytes: Bytes,
    /// The name the client gave it; kept for the download, never used as a key.
    pub file_name: Option<String>,
}

/// An upload checked and stored, ready to be recorded on a payment.
#[derive(Debug, Clone)]
pub struct Stored {
    pub key: String,
    pub sha256: String,
    pub size: i64,
    pub content_type: &'static str,
    pub name: String,
}

/// "10 MiB", for messages.
pub fn describe_size(bytes: usize) -> String {
    match bytes {
        b if b >= 1024 * 1024 && b % (1024 * 1024) == 0 => format!("{} MiB", b / (1024 * 1024)),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

impl ProofStore {
    pub fn too_large(&self) -> Error {
        Error::PayloadTooLarge(format!(
            "The proof is too large (limit {}).",
            describe_size(self.max_bytes)
        ))
    }

    /// The upload's type, or its problem added to `problems` under `proof`. Too large is its
    /// own answer (413), before anything else is looked at.
    pub fn check(&self, upload: &Upload, problems: &mut Problems) -> Result<Option<&'static str>> {
        if upload.bytes.len() > self.max_bytes {
            return Err(self.too_large());
        }
        if upload.bytes.is_empty() {
            problems.add(FIELD, "The file is empty.");
            return Ok(None);
        }
        let sniffed = infer::get(&upload.bytes).map(|t| t.mime_type());
        match ACCEPTED.iter().find(|a| Some(**a) == sniffed) {
            Some(kind) => Ok(Some(kind)),
            None => {
                problems.add(FIELD, "Attach a PDF, PNG, JPEG or WebP file.");
                Ok(None)
            }
        }
    }

    /// Writes a checked upload under a fresh random key. The store being down is a 503 that
    /// says nothing was saved.
    pub async fn save(&self, upload: Upload, content_type: &'static str) -> Result<Stored> {
        let key = format!("{FOLDER}/{}", uuid::Uuid::new_v4().simple());
        let stored = Stored {
            sha256: hex::encode(Sha256::digest(&upload.bytes)),
            size: upload.bytes.len() as i64,
            name: clean_name(upload.file_name.as_deref(), content_type),
            content_type,
            key,
        };
        self.storage
            .put(&stored.key, upload.bytes)
            .await
            .map_err(unavailable)?;
        Ok(stored)
    }

    /// Deletes an object nothing refers to (an upload whose transaction failed, a replaced
    /// proof). Best effort: what fails here the sweep deletes later.
    pub async fn discard(&self, key: &str) {
        if let Err(e) = self.storage.delete(key).await {
            tracing::warn!(error = %e, key, "could not delete a stored proof; the sweep will");
        }
    }

    /// Checks and stores `upload` (the check's problems are refused as a 400 naming `proof`).
    pub async fn check_and_save(&self, upload: Upload) -> Result<Stored> {
        let mut problems = Problems::default();
        let kind = self.check(&upload, &mut problems)?;
        problems.finish()?;
        let kind = kind.ok_or_else(|| Error::field(FIELD, "Attach a file."))?;
        self.save(upload, kind).await
    }
}

fn unavailable(e: StorageError) -> Error {
    tracing::error!(error = %e, "file storage failed");
    Error::Unavailable(UNAVAILABLE.into())
}

/// The uploaded name as kept for the download: its last path segment, without control
/// characters, at most 200 characters; a neutral name when nothing is left.
fn clean_name(name: Option<&str>, content_type: &str) -> String {
    let base = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        let ext = content_type.rsplit('/').next().unwrap_or("bin");
        format!("proof.{ext}")
    } else {
        cleaned.to_owned()
    }
}

/// The columns that record `stored` on a payment (or clear them, for `None`).
pub fn columns(stored: Option<&Stored>) -> [(payment::Column, sea_orm::Value); 5] {
    use payment::Column as C;
    [
        (C::Proof, stored.map(|s| s.key.clone()).into()),
        (C::ProofSha256, stored.map(|s| s.sha256.clone()).into()),
        (C::ProofSize, stored.map(|s| s.size).into()),
        (
            C::ProofContentType,
            stored.map(|s| s.content_type.to_owned()).into(),
        ),
        (C::ProofName, stored.map(|s| s.name.clone()).into()),
    ]
}

/// Attaches a proof to the caller's own payment while it awaits review, replacing the one it
/// had (whose file is then deleted). Another account's payment is "Payment not found".
pub async fn attach(
    db: &Db,
    store: &ProofStore,
    member: &Member,
    payment_id: i64,
    upload: Upload,
) -> Result<payment::Model> {
    member.ensure_can_write()?;
    let stored = store.check_and_save(upload).await?;
    match record(db, member, payment_id, &stored).await {
        Ok((payment, replaced)) => {
            if let Some(old) = replaced.filter(|old| *old != stored.key) {
                store.discard(&old).await;
            }
            Ok(payment)
        }
        Err(e) => {
            store.discard(&stored.key).await;
            Err(e)
        }
    }
}

/// The transaction of [`attach`]: the payment updated only while it is still pending (one
/// conditional update), and the audit entry. Returns the payment and the key it had.
async fn record(
    db: &Db,
    member: &Member,
    payment_id: i64,
    stored: &Stored,
) -> Result<(payment::Model, Option<String>)> {
    let txn = db.begin_write().await?;
    let before = own_payment(&*txn, member.account.id, payment_id).await?;
    let mut update = payment::Entity::update_many()
        .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment::Column::Id.eq(before.id))
        .filter(payment::Column::Status.eq(PaymentStatus::PendingApproval));
    for (col, value) in columns(Some(stored)) {
        update = update.col_expr(col, Expr::value(value));
    }
    if update.exec(&*txn).await?.rows_affected == 0 {
        return Err(Error::Conflict("Payment not pending approval".into()));
    }
    let after = own_payment(&*txn, member.account.id, payment_id).await?;
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(member.user.id),
            action: "payment.proof",
            object_type: "payment",
            object_id: after.id,
            before: json!({"proof_name": before.proof_name, "proof_sha256": before.proof_sha256}),
            after: json!({"proof_name": after.proof_name, "proof_sha256": after.proof_sha256,
                          "proof_size": after.proof_size}),
            ledger_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok((after, before.proof))
}

async fn own_payment<C: sea_orm::ConnectionTrait>(
    conn: &C,
    account_id: i64,
    payment_id: i64,
) -> Result<payment::Model> {
    payment::Entity::find_by_id(payment_id)
        .filter(payment::Column::AccountId.eq(account_id))
        .one(conn)
        .await?
        .ok_or_else(|| Error::NotFound("Payment not found".into()))
}

/// A proof ready to be sent: what to call it and its bytes.
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub bytes: ByteStream,
}

/// The proof of one of the account's payments. Another account's payment, and a payment
/// without a proof, are "not found".
pub async fn for_customer(
    db: &Db,
    store: &ProofStore,
    account_id: i64,
    payment_id: i64,
) -> Result<Download> {
    let payment = own_payment(db.conn(), account_id, payment_id).await?;
    open(store, &payment).await
}

/// The proof of any payment, for staff (the panel's route checks who asks).
pub async fn for_staff(db: &Db, store: &ProofStore, payment_id: i64) -> Result<Download> {
    let payment =
        crate::domain::found::<payment::Model, _>(db.conn(), payment_id, "Payment").await?;
    open(store, &payment).await
}

async fn open(store: &ProofStore, payment: &payment::Model) -> Result<Download> {
    let no_proof = || Error::NotFound("This payment has no proof attached".into());
    let key = payment.proof.as_deref().ok_or_else(no_proof)?;
    let bytes = match store.storage.get(key).await {
        Ok(bytes) => bytes,
        Err(StorageError::Missing) => {
            tracing::error!(
                key,
                payment = payment.id,
                "a payment's proof is missing from storage"
            );
            return Err(no_proof());
        }
        Err(e) => return Err(unavailable(e)),
    };
    Ok(Download {
        name: payment.proof_name.clone().unwrap_or_else(|| "proof".into()),
        content_type: payment
            .proof_content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into()),
        size: payment.proof_size.unwrap_or_default(),
        bytes,
    })
}

/// Deletes stored proofs that no payment refers to and that are older than the grace period
/// (younger ones may belong to an upload whose transaction is still running). Deleting is
/// idempotent, so several servers may sweep at once. Returns how many were deleted.
pub async fn sweep_orphans(db: &Db, store: &ProofStore, now: DateTime<Utc>) -> Result<u64> {
    let cutoff = now - chrono::Duration::from_std(store.grace).unwrap_or_default();
    let old: Vec<String> = store
        .storage
        .list(FOLDER)
        .await
        .map_err(unavailable)?
        .into_iter()
        .filter(|o| o.last_modified < cutoff)
        .map(|o| o.key)
        .collect();
    let mut deleted = 0;
    for chunk in old.chunks(500) {
        let referenced: HashSet<String> = payment::Entity::find()
            .select_only()
            .column(payment::Column::Proof)
            .filter(payment::Column::Proof.is_in(chunk.iter().cloned()))
            .into_tuple::<Option<String>>()
            .all(db.conn())
            .await?
            .into_iter()
            .flatten()
            .collect();
        for key in chunk.iter().filter(|k| !referenced.contains(*k)) {
            store.storage.delete(key).await.map_err(unavailable)?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_last_segment_without_control_characters() {
        assert_eq!(
            clean_name(Some("../../etc/rec\u{0}eipt.pdf"), "application/pdf"),
            "receipt.pdf"
        );
        assert_eq!(clean_name(Some("C:\\x\\scan.png"), "image/png"), "scan.png");
        assert_eq!(clean_name(Some(" .. "), "image/png"), "proof.png");
        assert_eq!(clean_name(None, "application/pdf"), "proof.pdf");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(describe_size(10 * 1024 * 1024), "10 MiB");
        assert_eq!(describe_size(2048), "2 KiB");
        assert_eq!(describe_size(1000), "1000 bytes");
    }
}
