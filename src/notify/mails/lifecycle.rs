//! The subscription lifecycle's mails (`domain::lifecycle`): an invoice to pay (renewal,
//! upgrade, new subscription), past due, suspended, cancelled, a trial ending and ended.

use serde_json::Value;

use super::{Compose, need};
use crate::domain::found;
use crate::domain::notify::kind;
use crate::entities::{account, invoice, plan, subscription};
use crate::error::{Error, Result};
use crate::notify::letters::{Body, Letter};
use crate::web::format::money;

impl Compose<'_> {
    pub(super) async fn lifecycle(&self, kind: &str, ids: &Value) -> Result<Vec<Letter>> {
        let id = |name: &str| ids.get(name).and_then(Value::as_i64);
        match kind {
            kind::INVOICE_ISSUED => self.invoice_issued(need(id("invoice_id"))?).await,
            kind::PAST_DUE | kind::SUSPENDED | kind::CANCELLED => {
                self.dunning(kind, need(id("subscription_id"))?, id("invoice_id"))
                    .await
            }
            kind::TRIAL_ENDING => {
                let days = id("days").unwrap_or(1);
                self.trial(need(id("account_id"))?, Some(days)).await
            }
            kind::TRIAL_EXPIRED => self.trial(need(id("account_id"))?, None).await,
            other => Err(Error::Internal(anyhow::anyhow!("no mail for {other}"))),
        }
    }

    async fn invoice_issued(&self, invoice_id: i64) -> Result<Vec<Letter>> {
        let conn = self.ctx.db.conn();
        let invoice = found::<invoice::Model, _>(conn, invoice_id, "Invoice").await?;
        let account = found::<account::Model, _>(conn, invoice.account_id, "Account").await?;
        let what = match (invoice.period_start, invoice.period_end) {
            (Some(start), Some(end)) => format!("{} – {}", start.date_naive(), end.date_naive()),
            _ => String::new(),
        };
        let mut body = Body {
            heading: format!("Invoice {}", invoice.invoice_number),
            paragraphs: vec![format!(
                "Invoice {} for {} is ready. Pay it by {}, then confirm the payment with its reference on the invoice's page; we will tell you once it is approved.",
                invoice.invoice_number, account.name, invoice.due_date
            )],
            action: Some((
                format!("Pay invoice {}", invoice.invoice_number),
                self.invoice_link(&invoice),
            )),
            ..Body::default()
        }
        .fact("Invoice", &invoice.invoice_number)
        .fact("Amount due", money(invoice.total, &invoice.currency))
        .fact("Due date", invoice.due_date.to_string());
        if !what.is_empty() {
            body = body.fact("Period", what);
        }
        if let Some(line) = crate::domain::invoices::contents(&invoice)
            .line_items
            .first()
        {
            body = body.fact("For", &line.description);
        }
        self.instructions(&mut body, &account, &invoice).await?;
        let to = self.billing_address(&account).await?;
        let subject = format!(
            "Invoice {}: {} due {}",
            invoice.invoice_number,
            money(invoice.total, &invoice.currency),
            invoice.due_date
        );
        self.one(&to, subject, &body)
    }

    async fn dunning(
        &self,
        kind: &str,
        subscription_id: i64,
        invoice_id: Option<i64>,
    ) -> Result<Vec<Letter>> {
        let conn = self.ctx.db.conn();
        let sub = found::<subscription::Model, _>(conn, subscription_id, "Subscription").await?;
        let account = found::<account::Model, _>(conn, sub.account_id, "Account").await?;
        let plan = found::<plan::Model, _>(conn, sub.plan_id, "Plan").await?;
        let invoice = match invoice_id {
            Some(id) => Some(found::<invoice::Model, _>(conn, id, "Invoice").await?),
            None => None,
        };
        let number = invoice.as_ref().map_or("", |i| i.invoice_number.as_str());
        let (heading, subject, paragraph) = match kind {
            kind::PAST_DUE => (
                "Your renewal is past due".to_owned(),
                format!("Invoice {number} is past due"),
                format!(
                    "We have not received the payment of invoice {number} for the {} plan of {}. Your account keeps working for now; please pay and confirm the payment to avoid a suspension.",
                    plan.name, account.name
                ),
            ),
            kind::SUSPENDED => (
                "Your account is suspended".to_owned(),
                format!("{} is suspended: invoice {number} unpaid", account.name),
                format!(
                    "Invoice {number} is still unpaid, so {} is suspended: credits cannot be spent and sites cannot be created. Paying the invoice brings everything back at once.",
                    account.name
                ),
            ),
            _ => (
                "Your subscription has ended".to_owned(),
                format!("Your {} subscription has ended", plan.name),
                match &invoice {
                    Some(_) => format!(
                        "Invoice {number} was not paid, so the {} plan of {} is cancelled. Your data and credits are kept; choose a plan to start again.",
                        plan.name, account.name
                    ),
                    None => format!(
                        "As you asked, the {} plan of {} ended with its period. Your data and credits are kept; choose a plan to start again.",
                        plan.name, account.name
                    ),
                },
            ),
        };
        let mut body = Body {
            heading,
            paragraphs: vec![paragraph],
            ..Body::default()
        }
        .fact("Plan", &plan.name);
        match &invoice {
            Some(invoice) if kind != kind::CANCELLED => {
                body = body
                    .fact("Invoice", &invoice.invoice_number)
                    .fact("Amount due", money(invoice.total, &invoice.currency))
                    .fact("Was due", invoice.due_date.to_string());
                body.action = Some((
                    format!("Pay invoice {}", invoice.invoice_number),
                    self.invoice_link(invoice),
                ));
                self.instructions(&mut body, &account, invoice).await?;
            }
            _ => body.action = Some(("Choose a plan".into(), self.link("/plan/"))),
        }
        let to = self.billing_address(&account).await?;
        self.one(&to, subject, &body)
    }

    async fn trial(&self, account_id: i64, days_left: Option<i64>) -> Result<Vec<Letter>> {
        let account = found::<account::Model, _>(self.ctx.db.conn(), account_id, "Account").await?;
        let product = self.product().to_owned();
        let ends = account
            .trial_ends_at
            .map(|t| t.date_naive().to_string())
            .unwrap_or_default();
        let (heading, subject, paragraph) = match days_left {
            Some(days) => (
                format!(
                    "Your trial ends in {days} day{}",
                    if days == 1 { "" } else { "s" }
                ),
                format!("Your {product} trial ends on {ends}"),
                format!(
                    "The free trial of {} ends on {ends}. Choose a plan to keep using every feature without a break.",
                    account.name
                ),
            ),
            None => (
                "Your trial has ended".to_owned(),
                format!("Your {product} trial has ended"),
                format!(
                    "The free trial of {} ended on {ends}. Your sites and {} credits are kept; choose a plan to use them again.",
                    account.name, account.credits
                ),
            ),
        };
        let body = Body {
            heading,
            paragraphs: vec![paragraph],
            action: Some(("Choose a plan".into(), self.link("/plan/"))),
            ..Body::default()
        }
        .fact("Trial ends", ends);
        let to = self.billing_address(&account).await?;
        self.one(&to, subject, &body)
    }
}
