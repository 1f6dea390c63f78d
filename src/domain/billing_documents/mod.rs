//! Invoices, receipts and credit notes as PDF files: the one place that says what each
//! document prints, from the rows that describe it (`documents` only lays the text out).
//!
//! Every figure and date comes from the rows — the invoice's issue and due dates, the paid
//! date, the credit note's date — never from the clock, and `documents::render` is
//! reproducible, so the same rows always give the same bytes: a document is rebuilt whenever
//! it is asked for (API, portal, panel, a mail's attachment) instead of being stored, and
//! every copy is identical.
//!
//! Documents are not rewritten by later events: a refund does not change the invoice or its
//! receipt; it issues a credit note, a document of its own that names the invoice.

mod parts;

use crate::db::Db;
use crate::documents::{self, Document, Kind, Line, Party, Section};
use crate::domain::money::format_minor;
use crate::domain::staff::StaffActor;
use crate::domain::status::{InvoiceStatus, PayoutStatus};
use crate::domain::{found, invoices, refunds};
use crate::entities::{account, credit_note, invoice};
use crate::error::{Error, Result};

pub use parts::{payout_text, seller};

/// The media type every document is served and attached as.
pub const CONTENT_TYPE: &str = "application/pdf";

/// A rendered document and the name it is downloaded or attached under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdf {
    /// "INV-2-202612-0001.pdf", "INV-2-202612-0001-receipt.pdf", "CN-2-202612-0001.pdf".
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Whose documents the reader may open: their own account's, or (staff) anyone's. Another
/// account's document is "not found", exactly like a missing one.
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    Account(i64),
    Staff(&'a StaffActor),
}

impl Scope<'_> {
    fn admits(self, account_id: i64) -> bool {
        match self {
            Scope::Account(own) => own == account_id,
            Scope::Staff(_) => true,
        }
    }
}

/// Which document of a record is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// An invoice, as issued.
    Invoice,
    /// The receipt of a paid invoice.
    Receipt,
    /// A credit note (a refund).
    CreditNote,
}

impl Which {
    /// What is "not found" when the id names nothing `scope` may read.
    pub fn record(self) -> &'static str {
        match self {
            Which::Invoice | Which::Receipt => "Invoice",
            Which::CreditNote => "Credit note",
        }
    }
}

/// The document `which` of record `id`, if `scope` may read it: what every download (API,
/// portal, panel) serves.
pub async fn download(
    db: &Db,
    seller: &Party,
    scope: Scope<'_>,
    which: Which,
    id: i64,
) -> Result<Pdf> {
    match which {
        Which::Invoice => invoice(db, seller, &find_invoice(db, scope, id).await?).await,
        Which::Receipt => receipt(db, seller, &find_invoice(db, scope, id).await?).await,
        Which::CreditNote => credit_note(db, seller, &find_credit_note(db, scope, id).await?).await,
    }
}

/// The invoice `id`, if `scope` may read it.
pub async fn find_invoice(db: &Db, scope: Scope<'_>, id: i64) -> Result<invoice::Model> {
    let invoice: invoice::Model = found(db.conn(), id, "Invoice").await?;
    match scope.admits(invoice.account_id) {
        true => Ok(invoice),
        false => Err(Error::NotFound("Invoice not found".into())),
    }
}

/// The credit note `id`, if `scope` may read it.
pub async fn find_credit_note(db: &Db, scope: Scope<'_>, id: i64) -> Result<credit_note::Model> {
    let note: credit_note::Model = found(db.conn(), id, "Credit note").await?;
    match scope.admits(note.account_id) {
        true => Ok(note),
        false => Err(Error::NotFound("Credit note not found".into())),
    }
}

/// The invoice as issued, whatever became of it: its status as a badge (PENDING, PAID,
/// VOID…), and while it waits for payment, how to pay it — the account's method as
/// configured for its country, and the invoice number to quote.
pub async fn invoice(db: &Db, seller: &Party, invoice: &invoice::Model) -> Result<Pdf> {
    let mut doc = base(Kind::Invoice, invoice, seller);
    doc.issued = invoice.created_at.date_naive();
    doc.due = Some(invoice.due_date);
    doc.status = invoice.status.as_str().to_uppercase();
    doc.reference = parts::period(invoice);
    match invoice.status {
        InvoiceStatus::Pending => {
            let account: account::Model = found(db.conn(), invoice.account_id, "Account").await?;
            let method = invoices::payment_instructions(db, &account).await?;
            doc.sections
                .push(parts::instructions(invoice, method.as_ref()));
        }
        InvoiceStatus::Paid => {
            if let Some(paid) = invoice.paid_at {
                let line = format!("Paid on {}.", paid.date_naive());
                doc.sections.push(Section::new("Payment", [line]));
            }
        }
        InvoiceStatus::Void | InvoiceStatus::Uncollectible => {}
    }
    render(doc, format!("{}.pdf", invoice.invoice_number))
}

/// The receipt of a paid invoice: what was paid, when, how and with which reference. An
/// invoice that is not paid has none ("Receipt not found").
pub async fn receipt(db: &Db, seller: &Party, invoice: &invoice::Model) -> Result<Pdf> {
    let not_found = || Error::NotFound("Receipt not found".into());
    if invoice.status != InvoiceStatus::Paid {
        return Err(not_found());
    }
    let payment = refunds::paying_payment(db.conn(), invoice)
        .await?
        .ok_or_else(not_found)?;
    let mut doc = base(Kind::Receipt, invoice, seller);
    // The day the invoice was paid; older rows without it fall back to the approval.
    let paid = invoice
        .paid_at
        .or(payment.approved_at)
        .unwrap_or(payment.created_at)
        .date_naive();
    doc.issued = paid;
    doc.status = "PAID".into();
    doc.reference = Some(format!("Receipt for invoice {}", invoice.invoice_number));
    doc.totals.push((
        "Amount paid".into(),
        format_minor(payment.amount, &payment.currency),
    ));
    // No full stops: a reference is quoted as it is, and a dot after it could be read as
    // part of it.
    let mut lines = vec![
        format!("Paid on {paid}"),
        format!("Method: {}", parts::method_label(payment.payment_method)),
    ];
    if let Some(reference) = parts::payment_reference(&payment) {
        lines.push(format!("Reference: {reference}"));
    }
    doc.sections.push(Section::new("Payment", lines));
    render(doc, format!("{}-receipt.pdf", invoice.invoice_number))
}

/// A credit note: the refund of (part of) an invoice, why, the credits it took back and how
/// the money goes back to the customer.
pub async fn credit_note(db: &Db, seller: &Party, note: &credit_note::Model) -> Result<Pdf> {
    let invoice: invoice::Model = found(db.conn(), note.invoice_id, "Invoice").await?;
    let amount = format_minor(note.amount, &note.currency);
    let mut doc = Document::new(
        Kind::CreditNote,
        &note.number,
        note.created_at.date_naive(),
        match note.payout_status {
            PayoutStatus::Refunded => "REFUNDED",
            _ => "ISSUED",
        },
        &note.currency,
        seller.clone(),
        parts::buyer(&invoice),
    );
    doc.reference = Some(format!(
        "Credit note for invoice {}",
        invoice.invoice_number
    ));
    doc.lines = vec![Line::new(
        format!("Refund of invoice {}", invoice.invoice_number),
        "1",
        &amount,
        &amount,
    )];
    doc.totals = vec![("Total credited".into(), amount)];
    doc.sections.push(Section::new("Reason", [&note.reason]));
    if note.credits > 0 {
        let taken = format!(
            "{} credits were taken back from the account's balance.",
            note.credits
        );
        doc.sections.push(Section::new("Credits", [taken]));
    }
    let payout = parts::payout_text(note);
    doc.sections
        .push(Section::new("How the money comes back", [payout]));
    render(doc, format!("{}.pdf", note.number))
}

/// What an invoice and its receipt share: the parties, the lines and the totals.
fn base(kind: Kind, invoice: &invoice::Model, seller: &Party) -> Document {
    let money = |minor| format_minor(minor, &invoice.currency);
    let mut doc = Document::new(
        kind,
        &invoice.invoice_number,
        invoice.created_at.date_naive(),
        "",
        &invoice.currency,
        seller.clone(),
        parts::buyer(invoice),
    );
    doc.lines = invoices::contents(invoice)
        .line_items
        .into_iter()
        .map(|l| Line::new(l.description, l.quantity, l.unit_price, l.amount))
        .collect();
    doc.totals = vec![
        ("Subtotal".into(), money(invoice.subtotal)),
        ("Tax".into(), money(invoice.tax)),
        ("Total".into(), money(invoice.total)),
    ];
    doc
}

fn render(doc: Document, filename: String) -> Result<Pdf> {
    let bytes = documents::render(&doc).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    Ok(Pdf { filename, bytes })
}
