//! Each mail of the workflow, composed from the rows its job names.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::domain::billing_documents::{self, Pdf};
use crate::domain::notify::kind;
use crate::domain::status::InvoicePurpose;
use crate::domain::{found, invoices};
use crate::entities::{account, invoice, payment, plan, subscription, user};
use crate::error::{Error, Result};
use crate::notify::Context;
use crate::notify::letters::{Attachment, Body, Letter, letter};
use crate::web::admin::links;
use crate::web::format::{money, time};

mod lifecycle;
mod refunds;

/// The letters of one mail job (several for the staff's copy).
pub async fn compose(ctx: &Context, job: &crate::entities::job::Model) -> Result<Vec<Letter>> {
    let ids: Value = serde_json::from_str(&job.payload).unwrap_or(Value::Null);
    let id = |name: &str| ids.get(name).and_then(Value::as_i64);
    let compose = Compose { ctx };
    match job.kind.as_str() {
        kind::WELCOME => {
            compose
                .welcome(need(id("account_id"))?, id("invoice_id"))
                .await
        }
        kind::PAYMENT_SUBMITTED => compose.submitted(need(id("payment_id"))?).await,
        kind::PAYMENT_SUBMITTED_STAFF => compose.to_staff(need(id("payment_id"))?).await,
        kind::PAYMENT_APPROVED => {
            let credits = id("credits_added").unwrap_or(0);
            compose.approved(need(id("payment_id"))?, credits).await
        }
        kind::PAYMENT_REJECTED => compose.rejected(need(id("payment_id"))?).await,
        kind::PASSWORD_RESET => {
            let token = ids.get("token").and_then(Value::as_str).unwrap_or_default();
            compose.reset(need(id("user_id"))?, token).await
        }
        kind::CREDITS_LOW => {
            let balance = id("balance").unwrap_or(0);
            compose.credits_low(need(id("account_id"))?, balance).await
        }
        kind::PAYMENT_REFUNDED => compose.refunded(need(id("credit_note_id"))?).await,
        other => compose.lifecycle(other, &ids).await,
    }
}

fn need(id: Option<i64>) -> Result<i64> {
    id.ok_or_else(|| Error::Internal(anyhow::anyhow!("the job names no row")))
}

/// `letters` with the document attached to each. The PDF is rebuilt from the same rows on
/// every attempt, and rendering is reproducible, so a repeated send carries the same bytes.
fn attach(mut letters: Vec<Letter>, pdf: Pdf) -> Vec<Letter> {
    let file = Attachment {
        filename: pdf.filename,
        content_type: billing_documents::CONTENT_TYPE.into(),
        bytes: pdf.bytes,
    };
    for letter in &mut letters {
        letter.attachments.push(file.clone());
    }
    letters
}

struct Compose<'a> {
    ctx: &'a Context,
}

impl Compose<'_> {
    fn link(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.ctx.settings.public_url.trim_end_matches('/')
        )
    }

    /// The invoice's page in the portal, where it is paid and its payment confirmed.
    fn invoice_link(&self, invoice: &invoice::Model) -> String {
        self.link(&format!("/invoices/{}/", invoice.id))
    }

    fn product(&self) -> &str {
        &self.ctx.settings.product_name
    }

    fn one(&self, to: &str, subject: String, body: &Body) -> Result<Vec<Letter>> {
        let rendered = letter(self.product(), to, subject, body)
            .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
        Ok(vec![rendered])
    }

    /// Billing mails go to the billing email, else to the account's owner.
    async fn billing_address(&self, account: &account::Model) -> Result<String> {
        if let Some(email) = account.billing_email.as_deref().filter(|e| !e.is_empty()) {
            return Ok(email.to_owned());
        }
        let owner = need(account.owner_id)?;
        Ok(found::<user::Model, _>(self.ctx.db.conn(), owner, "User")
            .await?
            .email)
    }

    async fn payment(&self, id: i64) -> Result<(payment::Model, invoice::Model, account::Model)> {
        let payment = found::<payment::Model, _>(self.ctx.db.conn(), id, "Payment").await?;
        let invoice =
            found::<invoice::Model, _>(self.ctx.db.conn(), payment.invoice_id, "Invoice").await?;
        let account =
            found::<account::Model, _>(self.ctx.db.conn(), payment.account_id, "Account").await?;
        Ok((payment, invoice, account))
    }

    async fn welcome(&self, account_id: i64, invoice_id: Option<i64>) -> Result<Vec<Letter>> {
        let account = found::<account::Model, _>(self.ctx.db.conn(), account_id, "Account").await?;
        let owner =
            found::<user::Model, _>(self.ctx.db.conn(), need(account.owner_id)?, "User").await?;
        let plan = found::<plan::Model, _>(self.ctx.db.conn(), account.plan_id, "Plan").await?;
        let product = self.product();
        let hello = format!("Hello {},", owner.first_name);
        let Some(invoice_id) = invoice_id else {
            let body = Body {
                heading: format!("Welcome to {product}"),
                paragraphs: vec![
                    hello,
                    format!(
                        "Your free trial of {product} has started: {} has {} credits to try every feature.",
                        account.name, plan.included_credits
                    ),
                ],
                action: Some(("Open your account".into(), self.link("/"))),
                ..Body::default()
            };
            return self.one(
                &owner.email,
                format!("Welcome to {product} — your free trial has started"),
                &body,
            );
        };
        let invoice = found::<invoice::Model, _>(self.ctx.db.conn(), invoice_id, "Invoice").await?;
        let mut body = Body {
            heading: format!("Welcome to {product}"),
            paragraphs: vec![
                hello,
                format!(
                    "{} is on the {} plan. Pay invoice {} to activate it, then confirm the payment with its reference on the invoice's page; we will tell you once it is approved.",
                    account.name, plan.name, invoice.invoice_number
                ),
            ],
            action: Some((
                format!("Pay invoice {}", invoice.invoice_number),
                self.invoice_link(&invoice),
            )),
            ..Body::default()
        }
        .fact("Plan", &plan.name)
        .fact("Invoice", &invoice.invoice_number)
        .fact("Amount due", money(invoice.total, &invoice.currency))
        .fact("Due date", invoice.due_date.to_string());
        self.instructions(&mut body, &account, &invoice).await?;
        let subject = format!(
            "Welcome to {product} — invoice {} to activate your account",
            invoice.invoice_number
        );
        self.one(&owner.email, subject, &body)
    }

    /// How to pay `invoice`, as notes: its method's instructions and details.
    async fn instructions(
        &self,
        body: &mut Body,
        account: &account::Model,
        invoice: &invoice::Model,
    ) -> Result<()> {
        let db = &self.ctx.db;
        let Some(method) = invoices::payment_instructions_for(db, account, invoice).await? else {
            return Ok(());
        };
        body.notes.push(format!(
            "How to pay — {}:\n{}",
            method.display_name, method.instructions
        ));
        if let Ok(Value::Object(details)) = serde_json::from_str::<Value>(&method.details) {
            let lines: Vec<String> = details
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}: {}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                    )
                })
                .collect();
            if !lines.is_empty() {
                body.notes.push(lines.join("\n"));
            }
        }
        Ok(())
    }

    fn payment_facts(body: Body, payment: &payment::Model, invoice: &invoice::Model) -> Body {
        body.fact("Amount", money(payment.amount, &payment.currency))
            .fact("Invoice", &invoice.invoice_number)
            .fact("Method", payment.payment_method.as_str())
            .fact(
                "Reference",
                payment.manual_reference.clone().unwrap_or_default(),
            )
    }

    async fn submitted(&self, payment_id: i64) -> Result<Vec<Letter>> {
        let (payment, invoice, account) = self.payment(payment_id).await?;
        let body = Body {
            heading: "We received your payment confirmation".into(),
            paragraphs: vec![format!(
                "Thank you. Our staff are checking your payment for invoice {}; you will be notified once it is approved.",
                invoice.invoice_number
            )],
            action: Some(("View the invoice".into(), self.invoice_link(&invoice))),
            ..Body::default()
        };
        let body = Self::payment_facts(body, &payment, &invoice)
            .fact("Submitted", time(payment.created_at));
        let to = self.billing_address(&account).await?;
        self.one(
            &to,
            format!(
                "Payment received for {} — pending approval",
                invoice.invoice_number
            ),
            &body,
        )
    }

    async fn to_staff(&self, payment_id: i64) -> Result<Vec<Letter>> {
        let (payment, invoice, account) = self.payment(payment_id).await?;
        let mut to = self.ctx.settings.staff_emails.clone();
        if to.is_empty() {
            to = user::Entity::find()
                .filter(user::Column::IsStaff.eq(true))
                .filter(user::Column::IsActive.eq(true))
                .all(self.ctx.db.conn())
                .await?
                .into_iter()
                .map(|u| u.email)
                .collect();
        }
        let body = Body {
            heading: "A payment awaits review".into(),
            paragraphs: vec![format!(
                "{} confirmed a payment; approve or reject it.",
                account.name
            )],
            action: Some((
                "Review the payment".into(),
                self.link(&links::href(links::PAYMENTS, payment.id)),
            )),
            ..Body::default()
        }
        .fact("Account", &account.name);
        let mut body = Self::payment_facts(body, &payment, &invoice);
        if let Some(notes) = &payment.manual_notes {
            body = body.fact("Customer's notes", notes);
        }
        let subject = format!(
            "Payment to review: {} from {} (ref {})",
            money(payment.amount, &payment.currency),
            account.name,
            payment.manual_reference.as_deref().unwrap_or("-")
        );
        let mut letters = Vec::new();
        for address in to.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            letters.extend(self.one(address, subject.clone(), &body)?);
        }
        Ok(letters)
    }

    async fn approved(&self, payment_id: i64, credits_added: i64) -> Result<Vec<Letter>> {
        let (payment, invoice, account) = self.payment(payment_id).await?;
        // A top-up buys credits: the account's standing is not what it changed.
        let outcome = match invoice.purpose {
            InvoicePurpose::TopUp => {
                format!("{credits_added} credits were added to {}.", account.name)
            }
            _ => format!("{} is active.", account.name),
        };
        let body = Body {
            heading: "Payment approved — receipt".into(),
            paragraphs: vec![
                format!(
                    "We approved your payment for invoice {}. {outcome}",
                    invoice.invoice_number
                ),
                "The receipt is attached as a PDF.".into(),
            ],
            action: Some(("View the invoice".into(), self.invoice_link(&invoice))),
            ..Body::default()
        };
        let mut body = Self::payment_facts(body, &payment, &invoice);
        body.facts[0].0 = "Amount paid".into();
        if let Some(sub_id) = invoice.subscription_id {
            let sub =
                found::<subscription::Model, _>(self.ctx.db.conn(), sub_id, "Subscription").await?;
            let plan = found::<plan::Model, _>(self.ctx.db.conn(), sub.plan_id, "Plan").await?;
            body = body.fact("Plan", &plan.name);
            if let (Some(start), Some(end)) = (sub.current_period_start, sub.current_period_end) {
                body = body.fact(
                    "Period",
                    format!("{} – {}", start.date_naive(), end.date_naive()),
                );
            }
        }
        let body = body.fact("Credits added", credits_added.to_string()).fact(
            "Approved",
            payment.approved_at.map(time).unwrap_or_default(),
        );
        let to = self.billing_address(&account).await?;
        let letters = self.one(
            &to,
            format!("Receipt for {}: payment approved", invoice.invoice_number),
            &body,
        )?;
        // A settled invoice stays paid (`status::transitions`), so its receipt always exists.
        let receipt = billing_documents::receipt(&self.ctx.db, &self.ctx.seller, &invoice).await?;
        Ok(attach(letters, receipt))
    }

    async fn rejected(&self, payment_id: i64) -> Result<Vec<Letter>> {
        let (payment, invoice, account) = self.payment(payment_id).await?;
        let reason = payment.failure_reason.clone().unwrap_or_default();
        let body = Body {
            heading: "We could not approve your payment".into(),
            paragraphs: vec![
                format!(
                    "Your payment for invoice {} was not approved: {reason}.",
                    invoice.invoice_number
                ),
                "Check the transfer and its reference, then confirm the payment again.".into(),
            ],
            action: Some(("Pay again".into(), self.invoice_link(&invoice))),
            ..Body::default()
        };
        let body = Self::payment_facts(body, &payment, &invoice).fact("Reason", reason.clone());
        let to = self.billing_address(&account).await?;
        self.one(
            &to,
            format!("Payment for {} not approved", invoice.invoice_number),
            &body,
        )
    }

    async fn reset(&self, user_id: i64, token: &str) -> Result<Vec<Letter>> {
        let user = found::<user::Model, _>(self.ctx.db.conn(), user_id, "User").await?;
        let product = self.product();
        let body = Body {
            heading: "Reset your password".into(),
            paragraphs: vec![format!(
                "Someone asked to reset the password of your {product} sign-in, {}. The link works once, for one hour.",
                user.email
            )],
            action: Some((
                "Choose a new password".into(),
                self.link(&format!("/password-reset/?token={token}")),
            )),
            notes: vec![
                "If you did not ask for this, ignore this mail: your password stays as it is."
                    .into(),
            ],
            ..Body::default()
        };
        self.one(&user.email, format!("Reset your {product} password"), &body)
    }

    async fn credits_low(&self, account_id: i64, balance: i64) -> Result<Vec<Letter>> {
        let account = found::<account::Model, _>(self.ctx.db.conn(), account_id, "Account").await?;
        let product = self.product();
        let body = Body {
            heading: "Your credits are running low".into(),
            paragraphs: vec![format!(
                "{} has {balance} credits left. When they run out, features that use credits stop until more are added.",
                account.name
            )],
            action: Some(("See your credits".into(), self.link("/credits/"))),
            ..Body::default()
        }
        .fact("Balance", balance.to_string());
        let to = self.billing_address(&account).await?;
        self.one(
            &to,
            format!("Your {product} credits are running low"),
            &body,
        )
    }
}
