//! Which notifications follow which change: the one place that says so. Each function is
//! called inside the change's own transaction and only writes jobs to the outbox (a mail to
//! render and send, an event to deliver to webhook endpoints), so a notification exists if
//! and only if its change committed. The top-level `notify` module does the sending.
//!
//! Mail jobs carry ids, not text: the mail is rendered when it is sent, from rows that the
//! change made and that no later change rewrites (a reviewed payment, a paid invoice).

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::Utc;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::config::DEFAULT_CREDITS_LOW_THRESHOLD;
use crate::domain::money::format_minor;
use crate::domain::outbox::{self, NewJob};
use crate::entities::{account, credit_note, invoice, payment, subscription};
use crate::error::Result;

/// The job kinds written here; the top-level `notify` module has a handler for each.
pub mod kind {
    pub const WELCOME: &str = "mail.welcome";
    pub const PAYMENT_SUBMITTED: &str = "mail.payment_submitted";
    pub const PAYMENT_SUBMITTED_STAFF: &str = "mail.payment_submitted_staff";
    pub const PAYMENT_APPROVED: &str = "mail.payment_approved";
    pub const PAYMENT_REJECTED: &str = "mail.payment_rejected";
    pub const PASSWORD_RESET: &str = "mail.password_reset";
    pub const CREDITS_LOW: &str = "mail.credits_low";
    /// An invoice after sign-up (a renewal, an upgrade, a new subscription), with how to pay.
    pub const INVOICE_ISSUED: &str = "mail.invoice_issued";
    pub const PAST_DUE: &str = "mail.past_due";
    pub const SUSPENDED: &str = "mail.suspended";
    pub const CANCELLED: &str = "mail.cancelled";
    pub const TRIAL_ENDING: &str = "mail.trial_ending";
    pub const TRIAL_EXPIRED: &str = "mail.trial_expired";
    /// A refund, with its credit note attached.
    pub const PAYMENT_REFUNDED: &str = "mail.payment_refunded";
    /// Every mail kind, for the runner's handlers.
    pub const MAILS: &[&str] = &[
        WELCOME,
        PAYMENT_SUBMITTED,
        PAYMENT_SUBMITTED_STAFF,
        PAYMENT_APPROVED,
        PAYMENT_REJECTED,
        PASSWORD_RESET,
        CREDITS_LOW,
        INVOICE_ISSUED,
        PAST_DUE,
        SUSPENDED,
        CANCELLED,
        TRIAL_ENDING,
        TRIAL_EXPIRED,
        PAYMENT_REFUNDED,
    ];
    /// An event for the webhook endpoints subscribed to its type.
    pub const EVENT: &str = "webhook.event";
}

/// The event types a webhook endpoint may subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "account.created",
    "invoice.created",
    "invoice.paid",
    "payment.submitted",
    "payment.approved",
    "payment.rejected",
    "payment.failed",
    "payment.refunded",
    "subscription.activated",
    "subscription.updated",
    "subscription.past_due",
    "subscription.cancelled",
    "account.suspended",
    "account.expired",
    "credits.low",
];

/// Below this balance an account is told its credits run low (`TOLLGATE_CREDITS_LOW_THRESHOLD`,
/// set once at start-up).
static CREDITS_LOW_THRESHOLD: AtomicI64 = AtomicI64::new(DEFAULT_CREDITS_LOW_THRESHOLD);

pub fn set_credits_low_threshold(threshold: i64) {
    CREDITS_LOW_THRESHOLD.store(threshold, Ordering::Relaxed);
}

pub fn credits_low_threshold() -> i64 {
    CREDITS_LOW_THRESHOLD.load(Ordering::Relaxed)
}

/// A new account: the welcome mail, `account.created`, and `invoice.created` for a paid plan.
pub async fn account_created<C: ConnectionTrait>(
    txn: &C,
    account: &account::Model,
    user_id: i64,
    invoice: Option<&invoice::Model>,
) -> Result<()> {
    let subject = format!("account:{}", account.id);
    mail(
        txn,
        kind::WELCOME,
        &subject,
        json!({"account_id": account.id, "user_id": user_id,
               "invoice_id": invoice.map(|i| i.id)}),
    )
    .await?;
    event(txn, "account.created", &subject, account_data(account)).await?;
    if let Some(invoice) = invoice {
        invoice_created(txn, invoice).await?;
    }
    Ok(())
}

pub async fn invoice_created<C: ConnectionTrait>(txn: &C, invoice: &invoice::Model) -> Result<()> {
    let subject = format!("invoice:{}", invoice.id);
    event(txn, "invoice.created", &subject, invoice_data(invoice)).await
}

/// A customer reported a payment: mails to them and to staff, and `payment.submitted`.
pub async fn payment_submitted<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    invoice: &invoice::Model,
) -> Result<()> {
    let subject = format!("payment:{}", payment.id);
    let ids = json!({"payment_id": payment.id});
    mail(txn, kind::PAYMENT_SUBMITTED, &subject, ids.clone()).await?;
    mail(txn, kind::PAYMENT_SUBMITTED_STAFF, &subject, ids).await?;
    let data = json!({"payment": payment_data(payment), "invoice": invoice_data(invoice)});
    event(txn, "payment.submitted", &subject, data).await
}

/// Staff approved a payment: the receipt, `payment.approved`, `invoice.paid`, and
/// `subscription.activated` when it started a subscription's period.
pub async fn payment_approved<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    invoice: &invoice::Model,
    subscription: Option<&subscription::Model>,
    credits_added: i64,
) -> Result<()> {
    let subject = format!("payment:{}", payment.id);
    mail(
        txn,
        kind::PAYMENT_APPROVED,
        &subject,
        json!({"payment_id": payment.id, "credits_added": credits_added}),
    )
    .await?;
    let data = json!({"payment": payment_data(payment), "invoice": invoice_data(invoice),
                      "credits_added": credits_added});
    event(txn, "payment.approved", &subject, data).await?;
    let invoice_subject = format!("invoice:{}", invoice.id);
    event(txn, "invoice.paid", &invoice_subject, invoice_data(invoice)).await?;
    if let Some(sub) = subscription {
        // One activation per period: a renewal later activates the same subscription again.
        let period = sub.current_period_start.map(|t| t.timestamp()).unwrap_or(0);
        let sub_subject = format!("subscription:{}:{period}", sub.id);
        event(
            txn,
            "subscription.activated",
            &sub_subject,
            subscription_data(sub),
        )
        .await?;
    }
    Ok(())
}

/// Staff rejected a payment: the mail with their reason, and `payment.rejected`.
pub async fn payment_rejected<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    invoice: &invoice::Model,
) -> Result<()> {
    let subject = format!("payment:{}", payment.id);
    mail(
        txn,
        kind::PAYMENT_REJECTED,
        &subject,
        json!({"payment_id": payment.id}),
    )
    .await?;
    let data = json!({"payment": payment_data(payment), "invoice": invoice_data(invoice)});
    event(txn, "payment.rejected", &subject, data).await
}

/// A card or PayPal attempt failed at the provider: `payment.failed` for integrations. No mail:
/// the customer saw the failure on the payment page and may try again there.
pub async fn payment_failed<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    invoice: &invoice::Model,
) -> Result<()> {
    let subject = format!("payment:{}", payment.id);
    let data = json!({"payment": payment_data(payment), "invoice": invoice_data(invoice)});
    event(txn, "payment.failed", &subject, data).await
}

/// Staff refunded (part of) a payment: the mail with the credit note, and `payment.refunded`.
pub async fn payment_refunded<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    invoice: &invoice::Model,
    note: &credit_note::Model,
) -> Result<()> {
    let subject = format!("credit_note:{}", note.id);
    let ids = json!({"credit_note_id": note.id});
    mail(txn, kind::PAYMENT_REFUNDED, &subject, ids).await?;
    let data = json!({"payment": payment_data(payment), "invoice": invoice_data(invoice),
                      "credit_note": {"id": note.id, "number": note.number,
                                      "amount": format_minor(note.amount, &note.currency),
                                      "currency": note.currency, "credits": note.credits,
                                      "reason": note.reason}});
    event(txn, "payment.refunded", &subject, data).await
}

/// An invoice issued after sign-up — a renewal, an upgrade's difference, a new subscription:
/// the mail with how to pay it, and `invoice.created`.
pub async fn invoice_issued<C: ConnectionTrait>(txn: &C, invoice: &invoice::Model) -> Result<()> {
    let subject = format!("invoice:{}", invoice.id);
    let ids = json!({"invoice_id": invoice.id});
    mail(txn, kind::INVOICE_ISSUED, &subject, ids).await?;
    invoice_created(txn, invoice).await
}

/// A step of the subscription lifecycle that the customer and integrations are told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The renewal was not paid by its due date.
    PastDue,
    /// … and a week later the account is suspended.
    Suspended,
    /// The subscription ended: unpaid, or cancelled at its period end.
    Cancelled,
    /// Its plan, a scheduled change or a cancellation asked for changed (no mail).
    Updated,
}

/// Tells of `step`: its mail (naming the subscription and the invoice concerned) and its
/// event. `occurrence` names this step of this subscription once for all (a period's end,
/// a change's moment), so that a step retried never tells twice.
pub async fn subscription_step<C: ConnectionTrait>(
    txn: &C,
    step: Step,
    sub: &subscription::Model,
    invoice: Option<&invoice::Model>,
    occurrence: &str,
) -> Result<()> {
    let subject = format!("subscription:{}:{occurrence}", sub.id);
    let (mail_kind, event_type) = match step {
        Step::PastDue => (Some(kind::PAST_DUE), "subscription.past_due"),
        Step::Suspended => (Some(kind::SUSPENDED), "account.suspended"),
        Step::Cancelled => (Some(kind::CANCELLED), "subscription.cancelled"),
        Step::Updated => (None, "subscription.updated"),
    };
    if let Some(mail_kind) = mail_kind {
        let ids = json!({"subscription_id": sub.id, "invoice_id": invoice.map(|i| i.id)});
        mail(txn, mail_kind, &subject, ids).await?;
    }
    let data = json!({"subscription": subscription_data(sub),
                      "invoice": invoice.map(invoice_data)});
    event(txn, event_type, &subject, data).await
}

/// A trial ends in `days`: the reminder mail (once per reminder).
pub async fn trial_ending<C: ConnectionTrait>(
    txn: &C,
    account: &account::Model,
    days: i64,
) -> Result<()> {
    let subject = format!("account:{}:trial:{days}d", account.id);
    let ids = json!({"account_id": account.id, "days": days});
    mail(txn, kind::TRIAL_ENDING, &subject, ids).await
}

/// A trial ended without a paid plan: the mail, and `account.expired`.
pub async fn trial_expired<C: ConnectionTrait>(txn: &C, account: &account::Model) -> Result<()> {
    let subject = format!("account:{}:trial_expired", account.id);
    mail(
        txn,
        kind::TRIAL_EXPIRED,
        &subject,
        json!({"account_id": account.id}),
    )
    .await?;
    event(txn, "account.expired", &subject, account_data(account)).await
}

/// A debit took the balance from `before` to `after`: when that crossed the threshold going
/// down, the account is told once (the crossing is named by its ledger row).
pub async fn credits_spent<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    before: i64,
    after: i64,
    ledger_id: i64,
) -> Result<()> {
    let threshold = credits_low_threshold();
    if !(after < threshold && before >= threshold) {
        return Ok(());
    }
    let subject = format!("account:{account_id}:ledger:{ledger_id}");
    let data = json!({"account_id": account_id, "balance": after, "threshold": threshold});
    mail(txn, kind::CREDITS_LOW, &subject, data.clone()).await?;
    event(txn, "credits.low", &subject, data).await
}

/// A password reset was asked for: the mail with its single-use link. The token travels in
/// the job (only its hash is stored with the user) and is useless once used or expired.
pub async fn password_reset<C: ConnectionTrait>(
    txn: &C,
    user_id: i64,
    reset_id: i64,
    token: &str,
) -> Result<()> {
    let subject = format!("password_reset:{reset_id}");
    let data = json!({"user_id": user_id, "token": token});
    mail(txn, kind::PASSWORD_RESET, &subject, data).await
}

async fn mail<C: ConnectionTrait>(
    txn: &C,
    kind: &'static str,
    subject: &str,
    ids: Value,
) -> Result<()> {
    outbox::enqueue(txn, NewJob::now(kind, subject, ids)).await
}

/// Writes an event for the webhook endpoints: `{id, type, timestamp, data}`, with the id that
/// every delivery and retry of it carries (`webhook-id`).
async fn event<C: ConnectionTrait>(
    txn: &C,
    event_type: &'static str,
    subject: &str,
    data: Value,
) -> Result<()> {
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let payload = json!({"id": id, "type": event_type,
                         "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                         "data": data});
    let key_subject = format!("{event_type}:{subject}");
    outbox::enqueue(txn, NewJob::now(kind::EVENT, &key_subject, payload)).await
}

fn time(t: Option<chrono::DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    })
}

fn account_data(a: &account::Model) -> Value {
    json!({"id": a.id, "name": a.name, "slug": a.slug, "status": a.status, "plan_id": a.plan_id,
           "credits": a.credits, "billing_email": a.billing_email, "country": a.billing_country,
           "created_at": time(Some(a.created_at))})
}

fn invoice_data(i: &invoice::Model) -> Value {
    json!({"id": i.id, "account_id": i.account_id, "invoice_number": i.invoice_number,
           "status": i.status, "total": format_minor(i.total, &i.currency), "currency": i.currency,
           "due_date": i.due_date.to_string(), "paid_at": time(i.paid_at)})
}

fn payment_data(p: &payment::Model) -> Value {
    json!({"id": p.id, "account_id": p.account_id, "invoice_id": p.invoice_id,
           "amount": format_minor(p.amount, &p.currency), "currency": p.currency,
           "payment_method": p.payment_method, "status": p.status,
           "refunded_amount": format_minor(p.refunded_amount, &p.currency),
           "manual_reference": p.manual_reference, "failure_reason": p.failure_reason,
           "created_at": time(Some(p.created_at)), "reviewed_at": time(p.approved_at)})
}

fn subscription_data(s: &subscription::Model) -> Value {
    json!({"id": s.id, "account_id": s.account_id, "plan_id": s.plan_id, "status": s.status,
           "current_period_start": time(s.current_period_start),
           "current_period_end": time(s.current_period_end),
           "cancel_at_period_end": s.cancel_at_period_end,
           "scheduled_plan_id": s.scheduled_plan_id})
}
