//! The refund mail (`domain::refunds`): what was given back and why, how the money comes
//! back, with the credit note's PDF attached.

use super::{Compose, attach};
use crate::domain::billing_documents;
use crate::domain::found;
use crate::entities::{account, credit_note, invoice};
use crate::error::Result;
use crate::notify::letters::{Body, Letter};
use crate::web::format::money;

impl Compose<'_> {
    pub(super) async fn refunded(&self, credit_note_id: i64) -> Result<Vec<Letter>> {
        let conn = self.ctx.db.conn();
        let note = found::<credit_note::Model, _>(conn, credit_note_id, "Credit note").await?;
        let invoice = found::<invoice::Model, _>(conn, note.invoice_id, "Invoice").await?;
        let account = found::<account::Model, _>(conn, note.account_id, "Account").await?;
        let amount = money(note.amount, &note.currency);
        let mut paragraphs = vec![format!(
            "We refunded {amount} of invoice {} for {}. Credit note {} is attached as a PDF.",
            invoice.invoice_number, account.name, note.number
        )];
        if note.credits > 0 {
            paragraphs.push(format!(
                "The {} credits this amount bought were taken back from the account's balance.",
                note.credits
            ));
        }
        let body = Body {
            heading: format!("Refund issued — credit note {}", note.number),
            paragraphs,
            action: Some(("View the invoice".into(), self.invoice_link(&invoice))),
            ..Body::default()
        }
        .fact("Credit note", &note.number)
        .fact("Invoice", &invoice.invoice_number)
        .fact("Amount refunded", amount)
        .fact("Credits taken back", note.credits.to_string())
        .fact("Reason", &note.reason)
        .fact(
            "How the money comes back",
            billing_documents::payout_text(&note),
        );
        let to = self.billing_address(&account).await?;
        let subject = format!("Refund issued — credit note {}", note.number);
        let letters = self.one(&to, subject, &body)?;
        let pdf = billing_documents::credit_note(&self.ctx.db, &self.ctx.seller, &note).await?;
        Ok(attach(letters, pdf))
    }
}
