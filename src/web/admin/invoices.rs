//! `/admin/billing/invoice/`: invoices by status, searchable by number or account name; each
//! invoice with its line items, billing snapshot, payments and credit notes, links to its
//! PDFs (`document_downloads`), and the refund form while something is left to refund.

use crate::db::Db;
use crate::domain::backoffice::{self, InvoiceDetail, InvoiceFilter, InvoiceRow};
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::domain::status::InvoiceStatus;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::document_downloads;
use crate::web::admin::filters::{self, account_param};
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{self, ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::refund_actions;
use crate::web::admin::view::{Cell, FormView, TableView};
use axum::Router;
use axum::routing::{get, post};

const INVOICES: &str = links::INVOICES;

/// A payment in a table of an account's or an invoice's page: its link, amount, method,
/// reference, status and when it was confirmed; each page adds what is its own.
pub(crate) fn payment_cells(p: &crate::entities::payment::Model) -> Vec<Cell> {
    vec![
        Cell::link(format!("#{}", p.id), links::href(links::PAYMENTS, p.id)),
        Cell::text(money(p.amount, &p.currency)),
        Cell::text(p.payment_method.as_str().replace('_', " ")),
        Cell::opt(p.manual_reference.clone()),
        Cell::badge(p.status.as_str()),
        Cell::text(time(p.created_at)),
    ]
}

pub(crate) use crate::web::format::money;

/// `billing_postal_code` → `Billing postal code`.
pub(crate) fn field_label(key: &str) -> String {
    let mut label = key.replace('_', " ");
    if let Some(first) = label.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    label
}

pub struct Invoices;

impl Record for Invoices {
    const META: Meta = Meta::new(INVOICES, "Invoices", "invoice", Section::Billing).read_only();
    type Row = InvoiceRow;
    type Detail = InvoiceDetail;

    const COLUMNS: &'static [ColumnDef] = columns![
        "Number" => "number", "Account", "Status" => "status", "Total" => "total", "Due" => "due",
        "Paid at" => "paid", "Created" => "created",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<InvoiceRow>> {
        let filter = InvoiceFilter {
            status: q.get("status").map(str::to_owned),
            account_id: account_param(q),
            listing: q.listing(),
        };
        let (page, counts) = backoffice::invoices(db, &filter, req).await?;
        let mut filters = vec![filters::counted::<InvoiceStatus>(
            q, INVOICES, "status", &counts,
        )];
        filters.extend(filters::account(q, INVOICES));
        Ok(Listed { page, filters })
    }

    fn cells(row: &InvoiceRow) -> Vec<Cell> {
        let i = &row.invoice;
        vec![
            Cell::link(&i.invoice_number, links::href(INVOICES, i.id)),
            links::account_cell(i.account_id, &row.account_name),
            Cell::badge(i.status.as_str()),
            Cell::text(money(i.total, &i.currency)),
            Cell::text(i.due_date.to_string()),
            Cell::opt(i.paid_at.map(time)),
            Cell::text(time(i.created_at)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<InvoiceDetail> {
        backoffice::invoice_detail(db, id).await
    }

    fn routes() -> Router<AppState> {
        record::routes::<Self>()
            .route("/billing/invoice/{id}/refund", post(refund_actions::refund))
            .route(
                "/billing/invoice/{id}/pdf",
                get(document_downloads::invoice),
            )
            .route(
                "/billing/invoice/{id}/receipt/pdf",
                get(document_downloads::receipt),
            )
            .route(
                "/billing/creditnote/{id}/pdf",
                get(document_downloads::credit_note),
            )
    }

    fn forms(d: &InvoiceDetail, _staff: &StaffActor) -> Vec<FormView> {
        d.refundable
            .as_ref()
            .and_then(|r| refund_actions::form(d.invoice.id, &d.invoice.currency, r))
            .into_iter()
            .collect()
    }

    fn heading(d: &InvoiceDetail) -> String {
        format!("Invoice {}", d.invoice.invoice_number)
    }

    fn title(d: &InvoiceDetail) -> String {
        d.invoice.invoice_number.clone()
    }

    fn facts(d: &InvoiceDetail) -> Vec<(String, Cell)> {
        let i = &d.invoice;
        let subscription = i.subscription_id.map_or_else(
            || Cell::text("—"),
            |s| Cell::link(format!("#{s}"), links::href(links::SUBSCRIPTIONS, s)),
        );
        // The receipt exists once the invoice is paid (`billing_documents::receipt`).
        let receipt = match i.status {
            InvoiceStatus::Paid => Cell::link("Receipt (PDF)", links::receipt_pdf(i.id)),
            _ => Cell::text("—"),
        };
        vec![
            fact("Number", Cell::text(&i.invoice_number)),
            fact("Status", Cell::badge(i.status.as_str())),
            fact(
                "PDF",
                Cell::link("Download PDF", links::pdf(INVOICES, i.id)),
            ),
            fact("Receipt", receipt),
            fact(
                "Account",
                links::account_cell(i.account_id, &d.account_name),
            ),
            fact("Subscription", subscription),
            fact("Currency", Cell::text(&i.currency)),
            fact("Subtotal", Cell::text(money(i.subtotal, &i.currency))),
            fact("Tax", Cell::text(money(i.tax, &i.currency))),
            fact("Total", Cell::text(money(i.total, &i.currency))),
            fact("Due date", Cell::text(i.due_date.to_string())),
            fact("Paid at", Cell::opt(i.paid_at.map(time))),
            fact("Refunded", Cell::text(money(refunded(d), &i.currency))),
            fact("Issued", Cell::text(time(i.created_at))),
            fact("Updated", Cell::text(time(i.updated_at))),
        ]
    }

    fn tables(d: &InvoiceDetail) -> Vec<TableView> {
        let items = d
            .line_items
            .iter()
            .map(|l| {
                vec![
                    Cell::text(&l.description),
                    Cell::text(&l.quantity),
                    Cell::text(&l.unit_price),
                    Cell::text(&l.amount),
                ]
            })
            .collect();
        // The snapshot is what the invoice was issued to; later edits to the account never change it.
        let snapshot = d
            .billing_snapshot
            .iter()
            .map(|(key, value)| vec![Cell::text(field_label(key)), Cell::opt(value.clone())])
            .collect();
        let payments = d
            .payments
            .iter()
            .map(|r| {
                let mut cells = payment_cells(&r.payment);
                cells.push(Cell::opt(r.approved_by.clone()));
                cells
            })
            .collect();
        let notes = d.credit_notes.iter().map(credit_note_cells).collect();
        vec![
            table(
                "Line items",
                &["Description", "Quantity", "Unit price", "Amount"],
                items,
                "No line items.",
            ),
            table(
                "Billing snapshot (as issued)",
                &["Field", "Value"],
                snapshot,
                "This invoice has no billing snapshot.",
            ),
            table(
                "Payments",
                &[
                    "ID",
                    "Amount",
                    "Method",
                    "Reference",
                    "Status",
                    "Submitted",
                    "Reviewed by",
                ],
                payments,
                "No payments.",
            ),
            table(
                "Credit notes",
                &[
                    "Number",
                    "Amount",
                    "Credits taken back",
                    "Reason",
                    "Payout",
                    "Issued",
                ],
                notes,
                "Nothing refunded.",
            ),
        ]
    }
}

/// What the invoice's credit notes gave back.
fn refunded(d: &InvoiceDetail) -> i64 {
    d.credit_notes.iter().map(|n| n.amount).sum()
}

fn credit_note_cells(n: &crate::entities::credit_note::Model) -> Vec<Cell> {
    let payout = match (&n.provider_ref, &n.provider_error) {
        (Some(r), _) => format!("{} ({r})", n.payout_status),
        (_, Some(e)) => format!("{}: {e}", n.payout_status),
        _ => n.payout_status.to_string(),
    };
    vec![
        Cell::link(
            format!("{} (PDF)", n.number),
            links::pdf(links::CREDIT_NOTES, n.id),
        ),
        Cell::text(money(n.amount, &n.currency)),
        Cell::text(n.credits.to_string()),
        Cell::text(&n.reason),
        Cell::text(payout.replace('_', " ")),
        Cell::text(time(n.created_at)),
    ]
}

/// An invoice as a row of another record's table: number (linked), status, total, due, paid.
pub(crate) fn invoice_cells(i: &crate::entities::invoice::Model) -> Vec<Cell> {
    vec![
        Cell::link(&i.invoice_number, links::href(INVOICES, i.id)),
        Cell::badge(i.status.as_str()),
        Cell::text(money(i.total, &i.currency)),
        Cell::text(i.due_date.to_string()),
        Cell::opt(i.paid_at.map(time)),
    ]
}

pub(crate) const INVOICE_COLUMNS: [&str; 5] = ["Number", "Status", "Total", "Due", "Paid at"];

pub(crate) fn table(title: &str, columns: &[&str], rows: Vec<Vec<Cell>>, empty: &str) -> TableView {
    TableView {
        title: title.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        empty: empty.into(),
    }
}
