//! `/admin/accounts/account/`: customer accounts by status and plan, searchable by name, slug,
//! billing email or a member's email; each account's page with its subscription, invoices,
//! payments, sites and credit ledger, and the "Adjust credits" form.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::db::Db;
use crate::domain::backoffice::{self, AccountDetail, AccountFilter, AccountRow};
use crate::domain::credits;
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::domain::status::AccountStatus;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::web::admin::filters;
use crate::web::admin::invoices::{
    INVOICE_COLUMNS, field_label, invoice_cells, payment_cells, table,
};
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{self, ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::record_pages::{parse_id, yes_no};
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{Cell, Field, FormView, TableView};
use crate::web::error::PageError;
use crate::web::form::Posted;
use crate::web::page::FlashLevel;
use crate::web::session::SignedInPage;

const LIST: &str = links::ACCOUNTS;

/// Customer accounts.
pub struct Accounts;

impl Record for Accounts {
    const META: Meta = Meta::new(LIST, "Accounts", "account", Section::Accounts);
    type Row = AccountRow;
    type Detail = AccountDetail;

    fn routes() -> Router<AppState> {
        record::routes::<Self>().route("/accounts/account/{id}/adjust", post(adjust))
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "Name" => "name", "Slug", "Status" => "status", "Plan",
        "Credits" => "credits", "Owner", "Billing email", "Created" => "created",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<AccountRow>> {
        let filter = AccountFilter {
            status: q.get("status").map(str::to_owned),
            plan: q.get("plan").map(str::to_owned),
            listing: q.listing(),
        };
        let (page, counts) = backoffice::accounts(db, &filter, req).await?;
        let filters = vec![
            filters::counted::<AccountStatus>(q, LIST, "status", &counts),
            filters::plan(db, q, LIST).await?,
        ];
        Ok(Listed { page, filters })
    }

    fn cells(row: &AccountRow) -> Vec<Cell> {
        let a = &row.account;
        let href = links::href(LIST, a.id);
        vec![
            Cell::link(a.id.to_string(), &href),
            Cell::link(&a.name, &href),
            Cell::text(&a.slug),
            Cell::badge(a.status.as_str()),
            Cell::text(&row.plan_name),
            Cell::text(a.credits.to_string()),
            owner_cell(a.owner_id, row.owner_email.clone()),
            Cell::opt(a.billing_email.clone()),
            Cell::text(time(a.created_at)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<AccountDetail> {
        backoffice::account_detail(db, id).await
    }

    fn heading(d: &AccountDetail) -> String {
        format!("Account #{} — {}", d.account.id, d.account.name)
    }

    fn title(d: &AccountDetail) -> String {
        format!("Account #{}", d.account.id)
    }

    fn facts(d: &AccountDetail) -> Vec<(String, Cell)> {
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
                        sub.status.as_str().replace('_', " ")
                    ),
                    links::href(links::SUBSCRIPTIONS, sub.id),
                )
            },
        );
        vec![
            fact("ID", Cell::text(a.id.to_string())),
            fact("Name", Cell::text(&a.name)),
            fact("Slug", Cell::text(&a.slug)),
            fact("Status", Cell::badge(a.status.as_str())),
            fact(
                "Plan",
                Cell::link(&d.plan.name, links::href(links::PLANS, d.plan.id)),
            ),
            fact("Credits", Cell::text(a.credits.to_string())),
            fact("Subscription", subscription),
            fact(
                "Owner",
                owner_cell(a.owner_id, owner.map(|u| u.email.clone())),
            ),
            fact("Billing email", Cell::opt(a.billing_email.clone())),
            fact("Address line 1", Cell::opt(a.billing_address_line1.clone())),
            fact("Address line 2", Cell::opt(a.billing_address_line2.clone())),
            fact("City", Cell::opt(a.billing_city.clone())),
            fact("State", Cell::opt(a.billing_state.clone())),
            fact("Postal code", Cell::opt(a.billing_postal_code.clone())),
            fact("Country", Cell::opt(a.billing_country.clone())),
            fact("Tax ID", Cell::opt(a.tax_id.clone())),
            fact("Created", Cell::text(time(a.created_at))),
            fact("Updated", Cell::text(time(a.updated_at))),
        ]
    }

    fn tables(d: &AccountDetail) -> Vec<TableView> {
        tables(d)
    }

    /// "Adjust credits" (posted to `adjust`).
    fn forms(d: &AccountDetail, _staff: &StaffActor) -> Vec<FormView> {
        let a = &d.account;
        vec![FormView {
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
    }]
    }
}

fn owner_cell(owner_id: Option<i64>, email: Option<String>) -> Cell {
    match (owner_id, email) {
        (Some(id), Some(email)) => links::user_cell(id, &email),
        _ => Cell::text("—"),
    }
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
            let mut cells = payment_cells(&r.payment);
            cells.insert(1, Cell::text(&r.invoice_number));
            cells
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
                Cell::text(t.transaction_type.as_str()),
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
#[serde(default)]
pub struct AdjustForm {
    amount: String,
    reason: String,
}

/// "Adjust credits": one `adjustment` ledger row through `credits::adjust`, then back to the
/// account's page with the outcome.
pub async fn adjust(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by: staffer, form }: Posted<Staffer, AdjustForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Account")?;
    let back = Redirect::to(&format!("{LIST}{id}/")).into_response();
    let Ok(amount) = form.amount.trim().parse::<i64>() else {
        let text =
            "Amount: enter a whole number of credits, e.g. 500 or -200. Nothing was changed.";
        staffer
            .flash(&state, FlashLevel::Error, text.into())
            .await?;
        return Ok(back);
    };
    match credits::adjust(&state.db, &staffer.staff, id, amount, &form.reason).await {
        Ok(entry) => {
            let text = format!(
                "Credits adjusted by {:+}; the balance is now {}.",
                entry.amount, entry.balance_after
            );
            staffer.flash(&state, FlashLevel::Success, text).await?;
        }
        Err(e @ (Error::Conflict(_) | Error::Invalid { .. })) => {
            staffer
                .flash(&state, FlashLevel::Error, problem_text(&e))
                .await?;
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
