//! Manual payments: the customer confirms, staff approve or reject — one or many, atomically.

use chrono::{DateTime, Months, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::db::{Db, is_unique_violation};
use crate::domain::money::{format_minor, parse_amount_value};
use crate::domain::page::{self, Page, PageRequest};
use crate::domain::validate::optional_text;
use crate::domain::{Member, audit, catalog, credits, status};
use crate::entities::{account, invoice, payment, plan, subscription, user};
use crate::error::{Error, Problems, Result};

const ALREADY_PENDING: &str = "A payment confirmation for this invoice is already pending approval";

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ConfirmInput {
    pub invoice_id: Option<i64>,
    pub payment_method: Option<String>,
    pub manual_reference: Option<String>,
    pub manual_notes: Option<String>,
    /// A decimal string ("89.00") or a JSON number.
    #[schema(value_type = Option<String>, example = "89.00")]
    pub amount: Option<Value>,
}

#[derive(Debug)]
pub struct Confirmed {
    pub payment: payment::Model,
    pub invoice: invoice::Model,
}

/// The customer reports an external payment of one of their invoices; it awaits staff review.
pub async fn confirm(db: &Db, member: &Member, input: ConfirmInput) -> Result<Confirmed> {
    member.ensure_can_write()?;
    let mut p = Problems::default();
    if input.invoice_id.is_none() {
        p.add("invoice_id", "This field is required.");
    }
    let method = input.payment_method.as_deref().map(str::trim).unwrap_or("");
    if method.is_empty() {
        p.add("payment_method", "This field is required.");
    } else if !status::method::MANUAL_METHODS.contains(&method) {
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
    let invoice_id = input.invoice_id.unwrap_or_default();

    let txn = db.begin_write().await?;
    let invoice = invoice::Entity::find_by_id(invoice_id)
        .filter(invoice::Column::AccountId.eq(member.account.id))
        .one(&*txn)
        .await?
        .ok_or_else(|| Error::NotFound("Invoice not found".into()))?;
    match invoice.status.as_str() {
        status::invoice::PENDING => {}
        status::invoice::PAID => return Err(Error::Conflict("Invoice is already paid".into())),
        other => {
            return Err(Error::Conflict(format!(
                "Invoice is {other} and cannot be paid"
            )));
        }
    }
    let amount = input.amount.unwrap_or(Value::Null);
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
        .filter(payment::Column::Status.eq(status::payment::PENDING_APPROVAL))
        .one(&*txn)
        .await?;
    if pending.is_some() {
        return Err(Error::Conflict(ALREADY_PENDING.into()));
    }
    let now = Utc::now();
    let payment = payment::ActiveModel {
        invoice_id: Set(invoice.id),
        account_id: Set(member.account.id),
        amount: Set(amount),
        currency: Set(invoice.currency.clone()),
        payment_method: Set(method.to_owned()),
        status: Set(status::payment::PENDING_APPROVAL.into()),
        manual_reference: Set(reference),
        manual_notes: Set(notes),
        submitted_by_id: Set(Some(member.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
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
            after: json!({"status": payment.status, "invoice": invoice.invoice_number,
                          "amount": payment.amount, "manual_reference": payment.manual_reference}),
            ledger_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Confirmed { payment, invoice })
}

/// The outcome of a staff review, for one payment.
#[derive(Debug)]
pub struct Reviewed {
    pub payment: payment::Model,
    pub invoice: invoice::Model,
    pub account: account::Model,
    pub subscription: Option<subscription::Model>,
    pub credits_added: i64,
    pub reviewer: user::Model,
}

/// Claims a pending payment for review: one conditional update, so of two staff acting at the
/// same moment exactly one gets the row and the other is told it is no longer pending.
async fn claim_pending<C: ConnectionTrait>(
    txn: &C,
    id: i64,
    update: sea_orm::UpdateMany<payment::Entity>,
) -> Result<payment::Model> {
    let claimed = update
        .filter(payment::Column::Id.eq(id))
        .filter(payment::Column::Status.eq(status::payment::PENDING_APPROVAL))
        .exec_with_returning(txn)
        .await?;
    match claimed.into_iter().next() {
        Some(p) => Ok(p),
        None => match payment::Entity::find_by_id(id).one(txn).await? {
            Some(_) => Err(Error::Conflict("Payment not pending approval".into())),
            None => Err(Error::NotFound("Payment not found".into())),
        },
    }
}

/// Staff's free text: trimmed, empty → none, bounded.
fn review_text(text: Option<String>, field: &str, max: usize) -> Result<Option<String>> {
    let mut p = Problems::default();
    let text = optional_text(text.as_deref(), field, max, &mut p);
    p.finish()?;
    Ok(text)
}

/// The payments of a review that were not pending (or not found). Any of them cancels the
/// whole review: the transaction is dropped, so nothing changes.
#[derive(Default)]
struct Refused {
    not_pending: Vec<i64>,
    missing: Vec<i64>,
    first: Option<Error>,
}

impl Refused {
    /// Records a refusal; any other error ends the review at once.
    fn note(&mut self, id: i64, e: Error) -> Result<()> {
        match &e {
            Error::Conflict(_) => self.not_pending.push(id),
            Error::NotFound(_) => self.missing.push(id),
            _ => return Err(e),
        }
        self.first.get_or_insert(e);
        Ok(())
    }

    /// One payment keeps its plain message ("Payment not pending approval"); several name
    /// every refused payment.
    fn into_result(self, requested: usize) -> Result<()> {
        let Some(first) = self.first else {
            return Ok(());
        };
        if requested <= 1 {
            return Err(first);
        }
        let ids = |v: &[i64]| {
            v.iter()
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !self.not_pending.is_empty() {
            parts.push(format!("not pending approval: {}", ids(&self.not_pending)));
        }
        if !self.missing.is_empty() {
            parts.push(format!("not found: {}", ids(&self.missing)));
        }
        Err(Error::Conflict(format!(
            "Nothing was changed. Payments {}.",
            parts.join("; ")
        )))
    }
}

fn unique_ids(ids: &[i64]) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// Approves payments, all or none, in one transaction. For each: payment → succeeded,
/// invoice → paid, subscription → active for a new period, account → active on the plan, and
/// the plan's credits granted with a `subscription` ledger row.
pub async fn approve(
    db: &Db,
    staff: &user::Model,
    ids: &[i64],
    admin_notes: Option<String>,
) -> Result<Vec<Reviewed>> {
    let admin_notes = review_text(admin_notes, "admin_notes", 2000)?;
    let txn = db.begin_write().await?;
    let mut done = Vec::new();
    let mut refused = Refused::default();
    for id in unique_ids(ids) {
        match approve_one(&*txn, staff, id, admin_notes.clone(), Utc::now()).await {
            Ok(reviewed) => done.push(reviewed),
            Err(e) => refused.note(id, e)?,
        }
    }
    refused.into_result(ids.len())?;
    txn.commit().await?;
    Ok(done)
}

async fn approve_one<C: ConnectionTrait>(
    txn: &C,
    staff: &user::Model,
    id: i64,
    admin_notes: Option<String>,
    now: DateTime<Utc>,
) -> Result<Reviewed> {
    let update = payment::Entity::update_many()
        .col_expr(payment::Column::Status, status::payment::SUCCEEDED.into())
        .col_expr(payment::Column::ApprovedById, staff.id.into())
        .col_expr(payment::Column::ApprovedAt, now.into())
        .col_expr(payment::Column::AdminNotes, admin_notes.into())
        .col_expr(payment::Column::UpdatedAt, now.into());
    let payment = claim_pending(txn, id, update).await?;

    let invoice = invoice::Entity::update_many()
        .col_expr(invoice::Column::Status, status::invoice::PAID.into())
        .col_expr(invoice::Column::PaidAt, now.into())
        .col_expr(invoice::Column::UpdatedAt, now.into())
        .filter(invoice::Column::Id.eq(payment.invoice_id))
        .filter(invoice::Column::Status.eq(status::invoice::PENDING))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Conflict(format!("Invoice of payment {id} is not pending")))?;

    let mut subscription = None;
    let mut plan: Option<plan::Model> = None;
    if let Some(sub_id) = invoice.subscription_id {
        let sub = subscription::Entity::find_by_id(sub_id)
            .one(txn)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("subscription {sub_id} missing")))?;
        let sub_plan = catalog::plan_by_id(txn, sub.plan_id).await?;
        let months = if sub_plan.billing_cycle == "annual" {
            12
        } else {
            1
        };
        let mut active: subscription::ActiveModel = sub.into();
        active.status = Set(status::subscription::ACTIVE.into());
        active.current_period_start = Set(Some(now));
        active.current_period_end = Set(now.checked_add_months(Months::new(months)));
        active.external_payment_id = Set(payment.manual_reference.clone());
        active.updated_at = Set(now);
        subscription = Some(active.update(txn).await?);
        plan = Some(sub_plan);
    }

    let mut activate = account::Entity::update_many()
        .col_expr(account::Column::Status, status::account::ACTIVE.into())
        .col_expr(account::Column::UpdatedAt, now.into())
        .filter(account::Column::Id.eq(payment.account_id));
    if let Some(plan) = &plan {
        activate = activate.col_expr(account::Column::PlanId, plan.id.into());
    }
    activate.exec(txn).await?;

    let credits_added = plan.as_ref().map_or(0, |p| p.included_credits);
    let mut ledger_id = None;
    if credits_added > 0 {
        let plan_name = plan.as_ref().map_or("", |p| p.name.as_str());
        let granted = credits::grant(
            txn,
            payment.account_id,
            credits_added,
            status::ledger::SUBSCRIPTION,
            format!("{plan_name} plan credits ({})", invoice.invoice_number),
            Some(format!("payment:{}", payment.id)),
        )
        .await?;
        ledger_id = Some(granted.id);
    }
    let account = account::Entity::find_by_id(payment.account_id)
        .one(txn)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("account missing")))?;
    audit::record(
        txn,
        audit::Action {
            actor: Some(staff.id),
            action: "payment.approve",
            object_type: "payment",
            object_id: payment.id,
            before: json!({"status": status::payment::PENDING_APPROVAL,
                           "invoice_status": status::invoice::PENDING,
                           "credits": account.credits - credits_added}),
            after: json!({"status": payment.status, "invoice_status": invoice.status,
                          "account_status": account.status, "credits": account.credits,
                          "admin_notes": payment.admin_notes}),
            ledger_id,
        },
    )
    .await?;
    Ok(Reviewed {
        payment,
        invoice,
        account,
        subscription,
        credits_added,
        reviewer: staff.clone(),
    })
}

pub const DEFAULT_FAILURE_REASON: &str = "Payment could not be verified";

/// Rejects payments, all or none, in one transaction: each payment → failed with its reason.
/// The invoice stays pending and the account unchanged, so the customer may confirm again.
/// `approved_by`/`approved_at` record the reviewer either way.
pub async fn reject(
    db: &Db,
    staff: &user::Model,
    ids: &[i64],
    admin_notes: Option<String>,
    failure_reason: Option<String>,
) -> Result<Vec<Reviewed>> {
    let admin_notes = review_text(admin_notes, "admin_notes", 2000)?;
    let reason = review_text(failure_reason, "failure_reason", 255)?
        .unwrap_or_else(|| DEFAULT_FAILURE_REASON.into());
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let mut done = Vec::new();
    let mut refused = Refused::default();
    for id in unique_ids(ids) {
        let update = payment::Entity::update_many()
            .col_expr(payment::Column::Status, status::payment::FAILED.into())
            .col_expr(payment::Column::FailureReason, reason.clone().into())
            .col_expr(payment::Column::AdminNotes, admin_notes.clone().into())
            .col_expr(payment::Column::ApprovedById, staff.id.into())
            .col_expr(payment::Column::ApprovedAt, now.into())
            .col_expr(payment::Column::UpdatedAt, now.into());
        let payment = match claim_pending(&*txn, id, update).await {
            Ok(p) => p,
            Err(e) => {
                refused.note(id, e)?;
                continue;
            }
        };
        let invoice = invoice::Entity::find_by_id(payment.invoice_id)
            .one(&*txn)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("invoice missing")))?;
        let account = account::Entity::find_by_id(payment.account_id)
            .one(&*txn)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("account missing")))?;
        let subscription = match invoice.subscription_id {
            Some(sid) => subscription::Entity::find_by_id(sid).one(&*txn).await?,
            None => None,
        };
        audit::record(
            &*txn,
            audit::Action {
                actor: Some(staff.id),
                action: "payment.reject",
                object_type: "payment",
                object_id: payment.id,
                before: json!({"status": status::payment::PENDING_APPROVAL}),
                after: json!({"status": payment.status, "failure_reason": payment.failure_reason,
                              "admin_notes": payment.admin_notes}),
                ledger_id: None,
            },
        )
        .await?;
        done.push(Reviewed {
            payment,
            invoice,
            account,
            subscription,
            credits_added: 0,
            reviewer: staff.clone(),
        });
    }
    refused.into_result(ids.len())?;
    txn.commit().await?;
    Ok(done)
}

pub async fn list_for_account(
    db: &Db,
    account_id: i64,
    req: PageRequest,
) -> Result<Page<payment::Model>> {
    let select = payment::Entity::find()
        .filter(payment::Column::AccountId.eq(account_id))
        .order_by_desc(payment::Column::Id);
    page::fetch(select, db.conn(), req).await
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
