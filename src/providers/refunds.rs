//! Runs the `refund.provider` jobs (`domain::refunds::payout`): asks the payment's provider
//! for the refund a credit note records, and records its answer on the credit note.

use crate::db::Db;
use crate::domain::found;
use crate::domain::providers::{PaymentProvider, RefundRequest};
use crate::domain::refunds::payout::{self, Answer};
use crate::domain::status::{PaymentMethod, PayoutStatus};
use crate::entities::{credit_note, job, payment};
use crate::error::Error;
use crate::jobs::{Failure, Handler, Run};
use crate::providers::Configured;

/// The handler of [`payout::JOB`].
pub struct Payouts {
    pub db: Db,
    pub providers: Configured,
}

impl Handler for Payouts {
    fn run<'a>(&'a self, job: &'a job::Model) -> Run<'a> {
        Box::pin(async move {
            let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
            let Some(note_id) = payload["credit_note_id"].as_i64() else {
                return Err(Failure::give_up("the job names no credit note"));
            };
            let conn = self.db.conn();
            let note: credit_note::Model = found(conn, note_id, "Credit note")
                .await
                .map_err(|e| Failure::give_up(e.to_string()))?;
            if note.payout_status != PayoutStatus::Pending {
                return Ok(());
            }
            let payment: payment::Model = found(conn, note.payment_id, "Payment")
                .await
                .map_err(|e| Failure::give_up(e.to_string()))?;
            let key = payout::idempotency_key(&note);
            let request = RefundRequest {
                reference: payment.provider_ref.as_deref().unwrap_or_default(),
                capture: payment.provider_capture.as_deref(),
                amount: note.amount,
                currency: &note.currency,
                key: &key,
            };
            let asked = match (note.payout, &self.providers) {
                (
                    PaymentMethod::Stripe,
                    Configured {
                        stripe: Some(p), ..
                    },
                ) => p.refund(&request).await,
                (
                    PaymentMethod::Paypal,
                    Configured {
                        paypal: Some(p), ..
                    },
                ) => p.refund(&request).await,
                (method, _) => Err(Error::Conflict(format!(
                    "This server has no keys for {method}: refund it in the provider's dashboard."
                ))),
            };
            let answer = match asked {
                Ok(id) => Answer::Refunded(id),
                // Retried later; the idempotency key makes it the same refund.
                Err(Error::Unavailable(why)) => return Err(Failure::from(why)),
                Err(e) => Answer::Refused(e.to_string()),
            };
            payout::record(&self.db, note.id, answer)
                .await
                .map_err(|e| format!("could not record the provider's answer: {e}"))?;
            Ok(())
        })
    }
}
