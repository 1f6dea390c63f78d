//! `/admin/billing/invoice/` (by status, searchable by number or account name; each invoice with
//! its line items, billing snapshot and payments) and `/admin/billing/subscription/` (by status
//! and plan; each with its period, external payment id and invoices). Read-only pages.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;

use crate::admin::links::{self, time};
use crate::admin::query::ListQuery;
use crate::admin::record_pages::{self, parse_id};
use crate::admin::session::{PageError, Staffer};
use crate::admin::view::{Cell, ChangePage, FilterGroup, ListPage, Row, TableView, html};
use crate::app::AppState;
use crate::domain::backoffice::{self, InvoiceFilter, SubscriptionFilter};
use crate::domain::catalog;
use crate::domain::money::format_minor;
use crate::domain::status;

const INVOICES: &str = links::INVOICES;
const SUBSCRIPTIONS: &str = links::SUBSCRIPTIONS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing/invoice", get(invoice_list))
        .route("/billing/invoice/{id}", get(invoice_change))
        .route("/billing/subscription", get(subscription_list))
        .route("/billing/subscription/{id}", get(subscription_change))
}

/// `8900, "USD"` → `"89.00 USD"`.
pub(crate) fn money(amount: i64, currency: &str) -> String {
    format!("{} {currency}", format_minor(amount, currency))
}

/// `billing_postal_code` → `Billing postal code`.
pub(crate) fn field_label(key: &str) -> String {
    let mut label = key.replace('_', " ");
    if let Some(first) = label.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    label
}

fn crumbs() -> Vec<(String, String)> {
    vec![("Billing".into(), "/admin/#billing".into())]
}

/// `?account=ID` narrows a list to one account (the account page links here for "all").
fn account_param(q: &ListQuery) -> Option<i64> {
    q.get("account").and_then(|a| a.parse().ok())
}

/// The sidebar group for `?account=`, shown only while it narrows the list.
fn account_filter(q: &ListQuery, path: &str) -> Option<FilterGroup> {
    let id = account_param(q)?.to_string();
    let label = format!("Account #{id}");
    Some(q.choice_filter(path, "account", &[(id.as_str(), label.as_str())], None))
}

pub async fn invoice_list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = InvoiceFilter {
        status: q.get("status").map(str::to_owned),
        account_id: account_param(&q),
        search: q.get("q").map(str::to_owned),
        sort: q.get("o").map(str::to_owned),
    };
    let page = backoffice::invoices(&state.db, &filter, record_pages::page_request(&q)).await?;
    let counts = backoffice::invoice_status_counts(&state.db, &filter).await?;
    let column = |label: &str, key: Option<&str>| q.column(INVOICES, label, key, "-id");
    let columns = vec![
        column("Number", Some("number")),
        column("Account", None),
        column("Status", Some("status")),
        column("Total", Some("total")),
        column("Due", Some("due")),
        column("Paid at", Some("paid")),
        column("Created", Some("created")),
    ];
    let rows = page
        .items
        .iter()
        .map(|row| {
            let i = &row.invoice;
            Row {
                id: i.id,
                cells: vec![
                    Cell::link(&i.invoice_number, format!("{INVOICES}{}/", i.id)),
                    links::account_cell(i.account_id, &row.account_name),
                    Cell::badge(&i.status),
                    Cell::text(money(i.total, &i.currency)),
                    Cell::text(i.due_date.to_string()),
                    Cell::opt(i.paid_at.map(time)),
                    Cell::text(time(i.created_at)),
                ],
            }
        })
        .collect();
    let statuses = status::invoice::ALL.map(|s| (s, s));
    let mut filters = vec![q.choice_filter(INVOICES, "status", &statuses, Some(&counts))];
    filters.extend(account_filter(&q, INVOICES));
    let list = ListPage {
        chrome: staffer.chrome(&state, "Invoices", crumbs()).await?,
        heading: "Select invoice to view".into(),
        search: record_pages::search_box(&q),
        filters,
        columns,
        rows,
        actions: vec![],
        action_url: q.href(INVOICES),
        pager: q.pager(INVOICES, page.count, record_pages::PAGE_SIZE),
        add_href: None,
    };
    Ok(html(&list))
}

pub async fn invoice_change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Invoice")?;
    let d = backoffice::invoice_detail(&state.db, id).await?;
    let i = &d.invoice;
    let field = |label: &str, cell: Cell| (label.to_owned(), cell);
    let fields = vec![
        field("Number", Cell::text(&i.invoice_number)),
        field("Status", Cell::badge(&i.status)),
        field(
            "Account",
            links::account_cell(i.account_id, &d.account_name),
        ),
        field(
            "Subscription",
            i.subscription_id.map_or_else(
                || Cell::text("—"),
                |s| Cell::link(format!("#{s}"), format!("{SUBSCRIPTIONS}{s}/")),
            ),
        ),
        field("Currency", Cell::text(&i.currency)),
        field("Subtotal", Cell::text(money(i.subtotal, &i.currency))),
        field("Tax", Cell::text(money(i.tax, &i.currency))),
        field("Total", Cell::text(money(i.total, &i.currency))),
        field("Due date", Cell::text(i.due_date.to_string())),
        field("Paid at", Cell::opt(i.paid_at.map(time))),
        field("Issued", Cell::text(time(i.created_at))),
        field("Updated", Cell::text(time(i.updated_at))),
    ];
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
            let p = &r.payment;
            vec![
                Cell::link(format!("#{}", p.id), links::href(links::PAYMENTS, p.id)),
                Cell::text(money(p.amount, &p.currency)),
                Cell::text(p.payment_method.replace('_', " ")),
                Cell::opt(p.manual_reference.clone()),
                Cell::badge(&p.status),
                Cell::text(time(p.created_at)),
                Cell::opt(r.approved_by.clone()),
            ]
        })
        .collect();
    let mut crumbs = crumbs();
    crumbs.push(("Invoices".into(), INVOICES.into()));
    let page = ChangePage {
        chrome: staffer
            .chrome(&state, i.invoice_number.clone(), crumbs)
            .await?,
        heading: format!("Invoice {}", i.invoice_number),
        fields,
        tables: vec![
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
        ],
        forms: vec![],
    };
    Ok(html(&page))
}

/// An invoice as a row of another record's table: number (linked), status, total, due, paid.
pub(crate) fn invoice_cells(i: &crate::entities::invoice::Model) -> Vec<Cell> {
    vec![
        Cell::link(&i.invoice_number, format!("{INVOICES}{}/", i.id)),
        Cell::badge(&i.status),
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

pub async fn subscription_list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = SubscriptionFilter {
        status: q.get("status").map(str::to_owned),
        plan: q.get("plan").map(str::to_owned),
        account_id: account_param(&q),
        search: q.get("q").map(str::to_owned),
        sort: q.get("o").map(str::to_owned),
    };
    let page =
        backoffice::subscriptions(&state.db, &filter, record_pages::page_request(&q)).await?;
    let counts = backoffice::subscription_status_counts(&state.db, &filter).await?;
    let plans = catalog::all_plans(&state.db).await?;
    let column = |label: &str, key: Option<&str>| q.column(SUBSCRIPTIONS, label, key, "-id");
    let columns = vec![
        column("ID", Some("id")),
        column("Account", None),
        column("Plan", None),
        column("Status", Some("status")),
        column("Period start", Some("start")),
        column("Period end", Some("end")),
        column("External payment ID", None),
        column("Created", Some("created")),
    ];
    let rows = page
        .items
        .iter()
        .map(|row| {
            let s = &row.subscription;
            Row {
                id: s.id,
                cells: vec![
                    Cell::link(s.id.to_string(), format!("{SUBSCRIPTIONS}{}/", s.id)),
                    links::account_cell(s.account_id, &row.account_name),
                    Cell::text(&row.plan_name),
                    Cell::badge(&s.status),
                    Cell::opt(s.current_period_start.map(time)),
                    Cell::opt(s.current_period_end.map(time)),
                    Cell::opt(s.external_payment_id.clone()),
                    Cell::text(time(s.created_at)),
                ],
            }
        })
        .collect();
    let statuses = status::subscription::ALL.map(|s| (s, s));
    let plan_choices: Vec<(&str, &str)> = plans
        .iter()
        .map(|p| (p.slug.as_str(), p.name.as_str()))
        .collect();
    let mut filters = vec![
        q.choice_filter(SUBSCRIPTIONS, "status", &statuses, Some(&counts)),
        q.choice_filter(SUBSCRIPTIONS, "plan", &plan_choices, None),
    ];
    filters.extend(account_filter(&q, SUBSCRIPTIONS));
    let list = ListPage {
        chrome: staffer.chrome(&state, "Subscriptions", crumbs()).await?,
        heading: "Select subscription to view".into(),
        search: record_pages::search_box(&q),
        filters,
        columns,
        rows,
        actions: vec![],
        action_url: q.href(SUBSCRIPTIONS),
        pager: q.pager(SUBSCRIPTIONS, page.count, record_pages::PAGE_SIZE),
        add_href: None,
    };
    Ok(html(&list))
}

pub async fn subscription_change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Subscription")?;
    let (row, invoices) = backoffice::subscription_detail(&state.db, id).await?;
    let s = &row.subscription;
    let field = |label: &str, cell: Cell| (label.to_owned(), cell);
    let fields = vec![
        field("ID", Cell::text(s.id.to_string())),
        field("Status", Cell::badge(&s.status)),
        field(
            "Account",
            links::account_cell(s.account_id, &row.account_name),
        ),
        field(
            "Plan",
            Cell::link(&row.plan_name, links::href(links::PLANS, s.plan_id)),
        ),
        field("Period start", Cell::opt(s.current_period_start.map(time))),
        field("Period end", Cell::opt(s.current_period_end.map(time))),
        field(
            "External payment ID",
            Cell::opt(s.external_payment_id.clone()),
        ),
        field("Created", Cell::text(time(s.created_at))),
        field("Updated", Cell::text(time(s.updated_at))),
    ];
    let invoices = invoices.iter().map(invoice_cells).collect();
    let mut crumbs = crumbs();
    crumbs.push(("Subscriptions".into(), SUBSCRIPTIONS.into()));
    let page = ChangePage {
        chrome: staffer
            .chrome(&state, format!("Subscription #{}", s.id), crumbs)
            .await?,
        heading: format!("Subscription #{} — {}", s.id, row.account_name),
        fields,
        tables: vec![table(
            "Invoices",
            &INVOICE_COLUMNS,
            invoices,
            "No invoices.",
        )],
        forms: vec![],
    };
    Ok(html(&page))
}
