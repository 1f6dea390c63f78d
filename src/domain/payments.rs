//! Manual payments: the customer confirms; staff review (approve/reject) is in
//! `payment_review.rs`.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::db::{Db, is_unique_violation};
use crate::domain::idempotency::Seal;
use crate::domain::money::{format_minor, parse_amount_value};
use crate::domain::proofs::{self, ProofStore, Stored, Upload};
use crate::domain::status::{InvoiceStatus, Lifecycle, PaymentMethod, PaymentStatus};
use crate::domain::validate::optional_text;
use crate::domain::{Member, audit, notify};
use crate::entities::{invoice, payment, user};
use crate::error::{Error, Problems, Result};

pub use crate::domain::payment_review::{DEFAULT_FAILURE_REASON, Reviewed, approve, reject};

const ALREADY_PENDING: &str = "A payment confirmation for this invoice is already pending approval";

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ConfirmInput {
    /// One of the account's pending invoices.
    #[schema(value_type = i64, example = 1)]
    pub invoice_id: Option<i64>,
    // Text, so that another method gets the message below rather than a decoding error.
    #[schema(schema_with = PaymentMethod::manual_schema, required = true)]
    pub payment_method: Option<String>,
    /// The bank or wallet transaction's reference.
    #[schema(value_type = String, example = "BT-20251208-12345")]
    pub manual_reference: Option<String>,
    #[schema(nullable = false, example = "Transferred via ABC Bank on Dec 8, 2025")]
    pub manual_notes: Option<String>,
    /// The invoice total, as a decimal string ("89.00"; a JSON number is read exactly too).
    #[schema(value_type = String, example = "89.00")]
    pub amount: Option<Value>,
}

#[derive(Debug)]
pub struct Confirmed {
    pub payment: payment::Model,
    pub invoice: invoice::Model,
}

/// A proof file sent with a confirmation, and the store it goes to.
pub struct Attachment<'a> {
    pub store: &'a ProofStore,
    pub upload: Upload,
}

/// What confirmation checked before its transaction.
struct Checked {
    invoice_id: i64,
    method: PaymentMethod,
    reference: Option<String>,
    notes: Option<String>,
    amount: Value,
}

/// The customer reports an external payment of one of their invoices, with a proof file or
/// without; it awaits staff review. The file is stored before the transaction and deleted
/// when the transaction fails, so a refused confirmation leaves nothing behind.
pub async fn confirm(
    db: &Db,
    member: &Member,
    input: ConfirmInput,
    proof: Option<Attachment<'_>>,
    seal: &Seal<'_, Confirmed>,
) -> Result<Confirmed> {
    member.ensure_can_write()?;
    let mut p = Problems::default();
    let kind = match &proof {
        Some(a) => a.store.check(&a.upload, &mut p)?,
        None => None,
    };
    let checked = check(input, p)?;
    let stored = match (proof, kind) {
        (Some(a), Some(kind)) => Some((a.store, a.store.save(a.upload, kind).await?)),
        _ => None,
    };
    let result = record(db, member, checked, stored.as_ref().map(|(_, s)| s), seal).await;
    if let (Err(_), Some((store, s))) = (&result, &stored) {
        store.discard(&s.key).await;
    }
    result
}

fn check(input: ConfirmInput, mut p: Problems) -> Result<Checked> {
    if input.invoice_id.is_none() {
        p.add("invoice_id", "This field is required.");
    }
    let text = input.payment_method.as_deref().map(str::trim).unwrap_or("");
    let method = PaymentMethod::parse(text).filter(|m| m.is_manual());
    if text.is_empty() {
        p.add("payment_method", "This field is required.");
    } else if method.is_none() {
        p.add(
            "payment_method",
            "Only bank_transfer, local_wallet and manual payments are confirmed by reference.",
        );
    }
    let reference = optional_text(
        input.manual_reference.as_deref(),
        "manual_reference",
        100,
        &mut p,
    );
    if reference.is_none() {
        p.add("manual_reference", "This field is required.");
    }
    let notes = optional_text(input.manual_notes.as_deref(), "manual_notes", 2000, &mut p);
    if input.amount.is_none() {
        p.add("amount", "This field is required.");
    }
    p.finish()?;
    Ok(Checked {
        invoice_id: input.invoice_id.unwrap_or_default(),
        method: method.ok_or_else(|| Error::Internal(anyhow::anyhow!("method checked above")))?,
        reference,
        notes,
        amount: input.amount.unwrap_or(Value::Null),
    })
}

/// The transaction of [`confirm`].
async fn record(
    db: &Db,
    member: &Member,
    checked: Checked,
    proof: Option<&Stored>,
    seal: &Seal<'_, Confirmed>,
) -> Result<Confirmed> {
    let Checked {
        invoice_id,
        method,
        reference,
        notes,
        amount,
    } = checked;
    let txn = db.begin_write().await?;
    let invoice = invoice::Entity::find_by_id(invoice_id)
        .filter(invoice::Column::AccountId.eq(member.account.id))
        .one(&*txn)
        .await?
        .ok_or_else(|| Error::NotFound("Invoice not found".into()))?;
    if !invoice.status.can_become(InvoiceStatus::Paid) {
        return Err(Error::Conflict(match invoice.status {
            InvoiceStatus::Paid => "Invoice is already paid".into(),
            other => format!("Invoice is {other} and cannot be paid"),
        }));
    }
    let amount = parse_amount_value(&amount, &invoice.currency)
        .map_err(|e| Error::field("amount", e.message()))?;
    if amount != invoice.total {
        let mut fields = crate::error::FieldErrors::new();
        fields.insert(
            "amount".into(),
            vec![format!(
                "Expected {} {}",
                format_minor(invoice.total, &invoice.currency),
                invoice.currency
            )],
        );
        return Err(Error::Invalid {
            message: "Amount mismatch".into(),
            fields,
        });
    }
    let pending = payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(invoice.id))
        .filter(payment::Column::Status.eq(PaymentStatus::PendingApproval))
        .one(&*txn)
        .await?;
    if pending.is_some() {
        return Err(Error::Conflict(ALREADY_PENDING.into()));
    }
    let now = db.now();
    let mut model = payment::ActiveModel {
        invoice_id: Set(invoice.id),
        account_id: Set(member.account.id),
        amount: Set(amount),
        currency: Set(invoice.currency.clone()),
        payment_method: Set(method),
        status: Set(PaymentStatus::PendingApproval),
        manual_reference: Set(reference),
        manual_notes: Set(notes),
        submitted_by_id: Set(Some(member.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    for (col, value) in proofs::columns(proof) {
        model.set(col, value);
    }
    let payment = model
        .insert(&*txn)
        .await
        // The partial unique index settles a race the check above cannot see (PostgreSQL).
        .map_err(|e| match is_unique_violation(&e) {
            true => Error::Conflict(ALREADY_PENDING.into()),
            false => e.into(),
        })?;
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(member.user.id),
            action: "payment.confirm",
            object_type: "payment",
            object_id: payment.id,
            before: Value::Null,
            after: confirmed_audit(&payment, &invoice),
            ledger_id: None,
        },
    )
    .await?;
    notify::payment_submitted(&*txn, &payment, &invoice).await?;
    let confirmed = Confirmed { payment, invoice };
    seal.write(&*txn, &confirmed).await?;
    txn.commit().await?;
    Ok(confirmed)
}

/// What the audit log keeps of a confirmation (the proof's name and hash when it had one).
fn confirmed_audit(payment: &payment::Model, invoice: &invoice::Model) -> Value {
    let mut after = json!({"status": payment.status, "invoice": invoice.invoice_number,
                           "amount": payment.amount, "manual_reference": payment.manual_reference});
    if let Some(name) = &payment.proof_name {
        after["proof_name"] = json!(name);
        after["proof_sha256"] = json!(payment.proof_sha256);
    }
    after
}

/// The reviewer's email, for one payment.
pub async fn reviewer_email(db: &Db, payment: &payment::Model) -> Result<Option<String>> {
    Ok(match payment.approved_by_id {
        Some(id) => user::Entity::find_by_id(id)
            .one(db.conn())
            .await?
            .map(|u| u.email),
        None => None,
    })
}

/// The payments reported for an invoice, newest first (its history on the invoice's page).
pub async fn of_invoice(db: &Db, invoice_id: i64) -> Result<Vec<payment::Model>> {
    use sea_orm::QueryOrder;
    Ok(payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(invoice_id))
        .order_by_desc(payment::Column::Id)
        .all(db.conn())
        .await?)
}
