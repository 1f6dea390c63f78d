//! `/admin/accounts/account/`: customer accounts by status and plan, searchable by name, slug,
//! billing email or a member's email; each account's page with its subscription, invoices,
//! payments, sites and credit ledger, and the "Adjust credits" form.

use crate::admin::form::Form;
use crate::admin::links::{self, time};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::admin::invoices::{INVOICE_COLUMNS, field_label, invoice_cells, money, table};
use crate::admin::query::ListQuery;
use crate::admin::record_pages::{self, parse_id, yes_no};
use crate::admin::session::{PageError, Staffer};
use crate::admin::view::{Cell, ChangePage, Field, FormView, ListPage, Row, TableView, html};
use crate::app::AppState;
use crate::domain::backoffice::{self, AccountDetail, AccountFilter};
use crate::domain::catalog;
use crate::domain::{credits, status};
use crate::error::Error;

const LIST: &str = links::ACCOUNTS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/account", get(list))
        .route("/accounts/account/{id}", get(change))
        .route("/accounts/account/{id}/adjust", post(adjust))
}

fn crumbs() -> Vec<(String, String)> {
    vec![("Accounts".into(), "/admin/#accounts".into())]
}

pub async fn list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = AccountFilter {
        status: q.get("status").map(str::to_owned),
        plan: q.get("plan").map(str::to_owned),
        search: q.get("q").map(str::to_owned),
        sort: q.get("o").map(str::to_owned),
    };
    let req = record_pages::page_request(&q);
    let page = backoffice::accounts(&state.db, &filter, req).await?;
    let counts = backoffice::account_status_counts(&state.db, &filter).await?;
    let plans = catalog::all_plans(&state.db).await?;

    let column = |label: &str, key: Option<&str>| q.column(LIST, label, key, "-id");
    let columns = vec![
        column("ID", Some("id")),
        column("Name", Some("name")),
        column("Slug", None),
        column("Status", Some("status")),
        column("Plan", None),
        column("Credits", Some("credits")),
        column("Owner", None),
        column("Billing email", None),
        column("Created", Some("created")),
    ];
    let rows = page
        .items
        .iter()
        .map(|row| {
            let a = &row.account;
            let href = format!("{LIST}{}/", a.id);
            Row {
                id: a.id,
                cells: vec![
                    Cell::link(a.id.to_string(), &href),
                    Cell::link(&a.name, &href),
                    Cell::text(&a.slug),
                    Cell::badge(&a.status),
                    Cell::text(&row.plan_name),
                    Cell::text(a.credits.to_string()),
                    owner_cell(a.owner_id, row.owner_email.clone()),
                    Cell::opt(a.billing_email.clone()),
                    Cell::text(time(a.created_at)),
                ],
            }
        })
        .collect();
    let statuses = status::account::ALL.map(|s| (s, s));
    let plan_choices: Vec<(&str, &str)> = plans
        .iter()
        .map(|p| (p.slug.as_str(), p.name.as_str()))
        .collect();
    let list = ListPage {
        chrome: staffer.chrome(&state, "Accounts", crumbs()).await?,
        heading: "Select account to change".into(),
        search: record_pages::search_box(&q),
        filters: vec![
            q.choice_filter(LIST, "status", &statuses, Some(&counts)),
            q.choice_filter(LIST, "plan", &plan_choices, None),
        ],
        columns,
        rows,
        actions: vec![],
        action_url: q.href(LIST),
        pager: q.pager(LIST, page.count, record_pages::PAGE_SIZE),
        add_href: None,
    };
    Ok(html(&list))
}

fn owner_cell(owner_id: Option<i64>, email: Option<String>) -> Cell {
    match (owner_id, email) {
        (Some(id), Some(email)) => links::user_cell(id, &email),
        _ => Cell::text("—"),
    }
}

pub async fn change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let d = backoffice::account_detail(&state.db, parse_id(&id, "Account")?).await?;
    let a = &d.account;
    let owner = d.members.iter().find(|u| Some(u.id) == a.owner_id);
    let subscription = d.subscription.as_ref().map_or_else(
        || Cell::text("—"),
        |s| {
            let sub = &s.subscription;
            Cell::link(
                format!(
                    "#{} {} ({})",
                    sub.id,
                    s.plan_name,
                    sub.status.replace('_', " ")
                ),
                links::href(links::SUBSCRIPTIONS, sub.id),
            )
        },
    );
    let field = |label: &str, cell: Cell| (label.to_owned(), cell);
    let fields = vec![
        field("ID", Cell::text(a.id.to_string())),
        field("Name", Cell::text(&a.name)),
        field("Slug", Cell::text(&a.slug)),
        field("Status", Cell::badge(&a.status)),
        field(
            "Plan",
            Cell::link(&d.plan.name, links::href(links::PLANS, d.plan.id)),
        ),
        field("Credits", Cell::text(a.credits.to_string())),
        field("Subscription", subscription),
        field(
            "Owner",
            owner_cell(a.owner_id, owner.map(|u| u.email.clone())),
        ),
        field("Billing email", Cell::opt(a.billing_email.clone())),
        field("Address line 1", Cell::opt(a.billing_address_line1.clone())),
        field("Address line 2", Cell::opt(a.billing_address_line2.clone())),
        field("City", Cell::opt(a.billing_city.clone())),
        field("State", Cell::opt(a.billing_state.clone())),
        field("Postal code", Cell::opt(a.billing_postal_code.clone())),
        field("Country", Cell::opt(a.billing_country.clone())),
        field("Tax ID", Cell::opt(a.tax_id.clone())),
        field("Created", Cell::text(time(a.created_at))),
        field("Updated", Cell::text(time(a.updated_at))),
    ];
    let adjust = FormView {
        title: "Adjust credits".into(),
        action: format!("{LIST}{}/adjust/", a.id),
        fields: vec![
            Field::new("number", "amount", "Amount", "")
                .required()
                .help("Signed: 500 adds credits, -200 removes them. The balance cannot go below zero."),
            Field::new("text", "reason", "Reason", "")
                .required()
                .help("Kept in the ledger with your email, e.g. \"Goodwill credit for outage\"."),
        ],
        submit: "Adjust credits".into(),
        danger: false,
    };
    let mut crumbs = crumbs();
    crumbs.push(("Accounts".into(), LIST.into()));
    let page = ChangePage {
        chrome: staffer
            .chrome(&state, format!("Account #{}", a.id), crumbs)
            .await?,
        heading: format!("Account #{} — {}", a.id, a.name),
        fields,
        tables: tables(&d),
        forms: vec![adjust],
    };
    Ok(html(&page))
}

/// The account's related records, each row linking to its own page.
fn tables(d: &AccountDetail) -> Vec<TableView> {
    let id = d.account.id;
    let members = d
        .members
        .iter()
        .map(|u| {
            vec![
                links::user_cell(u.id, &u.email),
                Cell::text(format!("{} {}", u.first_name, u.last_name).trim()),
                Cell::text(&u.role),
                yes_no(u.is_active),
            ]
        })
        .collect();
    let mut invoices: Vec<Vec<Cell>> = d.invoices.items.iter().map(invoice_cells).collect();
    more_link(
        &mut invoices,
        d.invoices.count,
        "invoices",
        &links::of_account(links::INVOICES, id),
    );
    let payments = d
        .payments
        .iter()
        .map(|r| {
            let p = &r.payment;
            vec![
                Cell::link(format!("#{}", p.id), links::href(links::PAYMENTS, p.id)),
                Cell::text(&r.invoice_number),
                Cell::text(money(p.amount, &p.currency)),
                Cell::text(p.payment_method.replace('_', " ")),
                Cell::opt(p.manual_reference.clone()),
                Cell::badge(&p.status),
                Cell::text(time(p.created_at)),
            ]
        })
        .collect();
    let sites = d
        .sites
        .iter()
        .map(|(s, industry)| {
            vec![
                Cell::link(&s.name, links::href(links::SITES, s.id)),
                Cell::opt(s.domain.clone()),
                Cell::text(industry),
                yes_no(s.is_active),
            ]
        })
        .collect();
    let mut ledger: Vec<Vec<Cell>> = d
        .ledger
        .items
        .iter()
        .map(|t| {
            vec![
                Cell::link(time(t.created_at), links::href(links::LEDGER, t.id)),
                Cell::text(&t.transaction_type),
                Cell::text(format!("{:+}", t.amount)),
                Cell::text(t.balance_after.to_string()),
                Cell::text(&t.description),
            ]
        })
        .collect();
    more_link(
        &mut ledger,
        d.ledger.count,
        "credit transactions",
        &links::of_account(links::LEDGER, id),
    );
    vec![
        table(
            "Members",
            &["Email", "Name", "Role", "Active"],
            members,
            "No members.",
        ),
        table("Invoices", &INVOICE_COLUMNS, invoices, "No invoices."),
        table(
            "Payments",
            &[
                "ID",
                "Invoice",
                "Amount",
                "Method",
                "Reference",
                "Status",
                "Submitted",
            ],
            payments,
            "No payments.",
        ),
        table(
            "Sites",
            &["Name", "Domain", "Industry", "Active"],
            sites,
            "No sites.",
        ),
        table(
            "Credit ledger (newest first)",
            &["When", "Type", "Amount", "Balance after", "Description"],
            ledger,
            "No credit transactions.",
        ),
    ]
}

/// When a table shows only the newest rows, a last row linking to all of them.
fn more_link(rows: &mut Vec<Vec<Cell>>, total: u64, what: &str, href: &str) {
    if total > rows.len() as u64 {
        rows.push(vec![Cell::link(
            format!("All {total} {what} →"),
            href.to_owned(),
        )]);
    }
}

#[derive(Deserialize, Default)]
pub struct AdjustForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

/// "Adjust credits": one `adjustment` ledger row through `credits::adjust`, then back to the
/// account's page with the outcome.
pub async fn adjust(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
    Form(form): Form<AdjustForm>,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    let id = parse_id(&id, "Account")?;
    let back = Redirect::to(&format!("{LIST}{id}/")).into_response();
    let Ok(amount) = form.amount.trim().parse::<i64>() else {
        let text =
            "Amount: enter a whole number of credits, e.g. 500 or -200. Nothing was changed.";
        staffer.flash_error(&state, text.into()).await?;
        return Ok(back);
    };
    match credits::adjust(&state.db, &staffer.user, id, amount, &form.reason).await {
        Ok(entry) => {
            let text = format!(
                "Credits adjusted by {:+}; the balance is now {}.",
                entry.amount, entry.balance_after
            );
            staffer.flash_success(&state, text).await?;
        }
        Err(e @ (Error::Conflict(_) | Error::Invalid { .. })) => {
            staffer.flash_error(&state, problem_text(&e)).await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(back)
}

/// Every field's problem, as one sentence per problem ("Reason: This field is required.").
pub(crate) fn problem_text(e: &Error) -> String {
    match e {
        Error::Invalid { fields, .. } if !fields.is_empty() => fields
            .iter()
            .flat_map(|(field, messages)| {
                let name = field_label(field);
                messages.iter().map(move |m| format!("{name}: {m}"))
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}
