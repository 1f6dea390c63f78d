//! `/admin/billing/credittransaction/`: the credit ledger, read-only (it is append-only: a wrong
//! entry is corrected by an adjustment on the account's page, never edited). By type, searchable
//! by account name or description.

use crate::db::Db;
use crate::domain::backoffice::{self, LedgerFilter, LedgerRow};
use crate::domain::page::PageRequest;
use crate::domain::status::CreditTransactionType;
use crate::error::Result;
use crate::web::admin::filters;
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::view::Cell;

const LIST: &str = links::LEDGER;

/// The credit ledger, every account's.
pub struct CreditTransactions;

impl Record for CreditTransactions {
    const META: Meta = Meta::new(
        LIST,
        "Credit transactions",
        "credit transaction",
        Section::Billing,
    )
    .read_only();
    type Row = LedgerRow;
    type Detail = LedgerRow;

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "Account", "Type" => "type", "Amount" => "amount", "Balance after",
        "Description", "Reference", "When" => "created",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<LedgerRow>> {
        let filter = LedgerFilter {
            transaction_type: q.get("type").map(str::to_owned),
            account_id: filters::account_param(q),
            listing: q.listing(),
        };
        let (page, counts) = backoffice::ledger_entries(db, &filter, req).await?;
        let mut filters = vec![filters::counted::<CreditTransactionType>(
            q, LIST, "type", &counts,
        )];
        filters.extend(filters::account(q, LIST));
        Ok(Listed { page, filters })
    }

    fn cells(row: &LedgerRow) -> Vec<Cell> {
        let t = &row.entry;
        vec![
            Cell::link(t.id.to_string(), links::href(LIST, t.id)),
            links::account_cell(t.account_id, &row.account_name),
            Cell::text(t.transaction_type.as_str()),
            Cell::text(format!("{:+}", t.amount)),
            Cell::text(t.balance_after.to_string()),
            Cell::text(&t.description),
            reference_cell(t.reference.as_deref()),
            Cell::text(time(t.created_at)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<LedgerRow> {
        backoffice::ledger_entry(db, id).await
    }

    fn heading(row: &LedgerRow) -> String {
        format!("Credit transaction #{}", row.entry.id)
    }

    fn facts(row: &LedgerRow) -> Vec<(String, Cell)> {
        let t = &row.entry;
        vec![
            fact("ID", Cell::text(t.id.to_string())),
            fact(
                "Account",
                links::account_cell(t.account_id, &row.account_name),
            ),
            fact("Type", Cell::text(t.transaction_type.as_str())),
            fact("Amount", Cell::text(format!("{:+}", t.amount))),
            fact("Balance after", Cell::text(t.balance_after.to_string())),
            fact("Description", Cell::text(&t.description)),
            fact("Reference", reference_cell(t.reference.as_deref())),
            fact("When", Cell::text(time(t.created_at))),
        ]
    }
}

/// References name what caused the entry (`payment:12`, `staff:3`); link those we have pages for.
fn reference_cell(reference: Option<&str>) -> Cell {
    let Some(r) = reference else {
        return Cell::text("—");
    };
    let page = match r
        .split_once(':')
        .map(|(kind, id)| (kind, id.parse::<i64>()))
    {
        Some(("payment", Ok(id))) => links::href(links::PAYMENTS, id),
        Some(("staff", Ok(id))) => links::href(links::USERS, id),
        _ => return Cell::text(r),
    };
    Cell::link(r, page)
}
