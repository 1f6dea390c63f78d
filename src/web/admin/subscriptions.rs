//! `/admin/billing/subscription/`: subscriptions by status and plan; each with its period,
//! external payment id and invoices. Read-only.

use crate::db::Db;
use crate::domain::backoffice::{self, SubscriptionFilter, SubscriptionRow};
use crate::domain::page::PageRequest;
use crate::domain::status::SubscriptionStatus;
use crate::entities::invoice;
use crate::error::Result;
use crate::web::admin::filters::{self, account_param};
use crate::web::admin::invoices::{INVOICE_COLUMNS, invoice_cells, table};
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::view::{Cell, TableView};

const SUBSCRIPTIONS: &str = links::SUBSCRIPTIONS;

pub struct Subscriptions;

impl Record for Subscriptions {
    const META: Meta = Meta::new(
        SUBSCRIPTIONS,
        "Subscriptions",
        "subscription",
        Section::Billing,
    )
    .read_only();
    type Row = SubscriptionRow;
    /// The subscription with its invoices.
    type Detail = (SubscriptionRow, Vec<invoice::Model>);

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "Account", "Plan", "Status" => "status", "Period start" => "start",
        "Period end" => "end", "External payment ID", "Created" => "created",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<SubscriptionRow>> {
        let filter = SubscriptionFilter {
            status: q.get("status").map(str::to_owned),
            plan: q.get("plan").map(str::to_owned),
            account_id: account_param(q),
            listing: q.listing(),
        };
        let (page, counts) = backoffice::subscriptions(db, &filter, req).await?;
        let mut filters = vec![
            filters::counted::<SubscriptionStatus>(q, SUBSCRIPTIONS, "status", &counts),
            filters::plan(db, q, SUBSCRIPTIONS).await?,
        ];
        filters.extend(filters::account(q, SUBSCRIPTIONS));
        Ok(Listed { page, filters })
    }

    fn cells(row: &SubscriptionRow) -> Vec<Cell> {
        let s = &row.subscription;
        vec![
            Cell::link(s.id.to_string(), links::href(SUBSCRIPTIONS, s.id)),
            links::account_cell(s.account_id, &row.account_name),
            Cell::text(&row.plan_name),
            Cell::badge(s.status.as_str()),
            Cell::opt(s.current_period_start.map(time)),
            Cell::opt(s.current_period_end.map(time)),
            Cell::opt(s.external_payment_id.clone()),
            Cell::text(time(s.created_at)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<Self::Detail> {
        backoffice::subscription_detail(db, id).await
    }

    fn heading((row, _): &Self::Detail) -> String {
        format!(
            "Subscription #{} — {}",
            row.subscription.id, row.account_name
        )
    }

    fn title((row, _): &Self::Detail) -> String {
        format!("Subscription #{}", row.subscription.id)
    }

    fn facts((row, _): &Self::Detail) -> Vec<(String, Cell)> {
        let s = &row.subscription;
        vec![
            fact("ID", Cell::text(s.id.to_string())),
            fact("Status", Cell::badge(s.status.as_str())),
            fact(
                "Account",
                links::account_cell(s.account_id, &row.account_name),
            ),
            fact(
                "Plan",
                Cell::link(&row.plan_name, links::href(links::PLANS, s.plan_id)),
            ),
            fact("Period start", Cell::opt(s.current_period_start.map(time))),
            fact("Period end", Cell::opt(s.current_period_end.map(time))),
            fact(
                "External payment ID",
                Cell::opt(s.external_payment_id.clone()),
            ),
            fact("Created", Cell::text(time(s.created_at))),
            fact("Updated", Cell::text(time(s.updated_at))),
        ]
    }

    fn tables((_, invoices): &Self::Detail) -> Vec<TableView> {
        let rows = invoices.iter().map(invoice_cells).collect();
        vec![table("Invoices", &INVOICE_COLUMNS, rows, "No invoices.")]
    }
}
