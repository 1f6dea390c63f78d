//! `/admin/billing/credittransaction/`: the credit ledger, read-only (it is append-only: a wrong
//! entry is corrected by an adjustment on the account's page, never edited). By type, searchable
//! by account name or description.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;

use crate::admin::links::{self, time};
use crate::admin::query::ListQuery;
use crate::admin::record_pages::{self, parse_id};
use crate::admin::session::{PageError, Staffer};
use crate::admin::view::{Cell, ChangePage, ListPage, Row, html};
use crate::app::AppState;
use crate::domain::backoffice::{self, LedgerFilter};
use crate::domain::status;

const LIST: &str = links::LEDGER;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing/credittransaction", get(list))
        .route("/billing/credittransaction/{id}", get(change))
}

fn crumbs() -> Vec<(String, String)> {
    vec![("Billing".into(), "/admin/#billing".into())]
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

pub async fn list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let account_id = q.get("account").and_then(|a| a.parse::<i64>().ok());
    let filter = LedgerFilter {
        transaction_type: q.get("type").map(str::to_owned),
        account_id,
        search: q.get("q").map(str::to_owned),
        sort: q.get("o").map(str::to_owned),
    };
    let req = record_pages::page_request(&q);
    let page = backoffice::ledger_entries(&state.db, &filter, req).await?;
    let counts = backoffice::ledger_type_counts(&state.db, &filter).await?;
    let column = |label: &str, key: Option<&str>| q.column(LIST, label, key, "-id");
    let columns = vec![
        column("ID", Some("id")),
        column("Account", None),
        column("Type", Some("type")),
        column("Amount", Some("amount")),
        column("Balance after", None),
        column("Description", None),
        column("Reference", None),
        column("When", Some("created")),
    ];
    let rows = page
        .items
        .iter()
        .map(|row| {
            let t = &row.entry;
            Row {
                id: t.id,
                cells: vec![
                    Cell::link(t.id.to_string(), format!("{LIST}{}/", t.id)),
                    links::account_cell(t.account_id, &row.account_name),
                    Cell::text(&t.transaction_type),
                    Cell::text(format!("{:+}", t.amount)),
                    Cell::text(t.balance_after.to_string()),
                    Cell::text(&t.description),
                    reference_cell(t.reference.as_deref()),
                    Cell::text(time(t.created_at)),
                ],
            }
        })
        .collect();
    let types = status::ledger::ALL.map(|s| (s, s));
    let mut filters = vec![q.choice_filter(LIST, "type", &types, Some(&counts))];
    if let Some(id) = account_id {
        let (value, label) = (id.to_string(), format!("Account #{id}"));
        let only = [(value.as_str(), label.as_str())];
        filters.push(q.choice_filter(LIST, "account", &only, None));
    }
    let list = ListPage {
        chrome: staffer
            .chrome(&state, "Credit transactions", crumbs())
            .await?,
        heading: "Select credit transaction to view".into(),
        search: record_pages::search_box(&q),
        filters,
        columns,
        rows,
        actions: vec![],
        action_url: q.href(LIST),
        pager: q.pager(LIST, page.count, record_pages::PAGE_SIZE),
        add_href: None,
    };
    Ok(html(&list))
}

pub async fn change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Credit transaction")?;
    let row = backoffice::ledger_entry(&state.db, id).await?;
    let t = &row.entry;
    let field = |label: &str, cell: Cell| (label.to_owned(), cell);
    let fields = vec![
        field("ID", Cell::text(t.id.to_string())),
        field(
            "Account",
            links::account_cell(t.account_id, &row.account_name),
        ),
        field("Type", Cell::text(&t.transaction_type)),
        field("Amount", Cell::text(format!("{:+}", t.amount))),
        field("Balance after", Cell::text(t.balance_after.to_string())),
        field("Description", Cell::text(&t.description)),
        field("Reference", reference_cell(t.reference.as_deref())),
        field("When", Cell::text(time(t.created_at))),
    ];
    let mut crumbs = crumbs();
    crumbs.push(("Credit transactions".into(), LIST.into()));
    let page = ChangePage {
        chrome: staffer
            .chrome(&state, format!("Credit transaction #{id}"), crumbs)
            .await?,
        heading: format!("Credit transaction #{id}"),
        fields,
        tables: vec![],
        forms: vec![],
    };
    Ok(html(&page))
}
