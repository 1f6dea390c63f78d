//! `/admin/billing/subscription/`: subscriptions by status, plan and whether they renew in the
//! next 7 days; each with its period, its cancellation or scheduled plan, its invoices and its
//! timeline, and the forms that change its plan or cancel it at the period end (handled in
//! `subscription_actions`).

use axum::Router;
use axum::routing::post;

use crate::db::Db;
use crate::domain::backoffice::{
    self, About, Event, SubscriptionDetail, SubscriptionFilter, SubscriptionRow,
};
use crate::domain::catalog;
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::domain::status::SubscriptionStatus;
use crate::entities::plan;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::filters::{self, account_param};
use crate::web::admin::invoices::{INVOICE_COLUMNS, invoice_cells, money, table};
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{
    self, ColumnDef, Identified, Listed, Meta, Record, Section, columns, fact,
};
use crate::web::admin::record_pages::yes_no;
use crate::web::admin::subscription_actions;
use crate::web::admin::view::{Cell, Field, FormView, TableView};
use crate::web::admin::webhooks::button;

const SUBSCRIPTIONS: &str = links::SUBSCRIPTIONS;

/// A subscription's page: what the domain reads of it, and the plans its "Change plan" form
/// offers.
pub struct SubscriptionPage {
    pub detail: SubscriptionDetail,
    /// The active plans, public or not (staff may move an account to an internal plan).
    pub plans: Vec<plan::Model>,
}

impl Identified for SubscriptionPage {
    fn id(&self) -> i64 {
        self.detail.row.id()
    }
}

fn scheduled_cell(row: &SubscriptionRow) -> Cell {
    Cell::opt(row.scheduled_plan_name.clone())
}

pub struct Subscriptions;

impl Record for Subscriptions {
    const META: Meta = Meta::new(
        SUBSCRIPTIONS,
        "Subscriptions",
        "subscription",
        Section::Billing,
    );
    type Row = SubscriptionRow;
    type Detail = SubscriptionPage;

    fn routes() -> Router<AppState> {
        let path = "/billing/subscription/{id}";
        record::routes::<Self>()
            .route(
                &format!("{path}/plan"),
                post(subscription_actions::change_plan),
            )
            .route(
                &format!("{path}/{{verb}}"),
                post(subscription_actions::set_cancel),
            )
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "Account", "Plan", "Status" => "status", "Period start" => "start",
        "Period end" => "end", "Cancels at period end", "Scheduled plan", "External payment ID",
        "Created" => "created",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<SubscriptionRow>> {
        let filter = SubscriptionFilter {
            status: q.get("status").map(str::to_owned),
            plan: q.get("plan").map(str::to_owned),
            account_id: account_param(q),
            renews_within: filters::renews_within(q)?,
            listing: q.listing(),
        };
        let (page, counts) = backoffice::subscriptions(db, &filter, req).await?;
        let mut filters = vec![
            filters::counted::<SubscriptionStatus>(q, SUBSCRIPTIONS, "status", &counts),
            filters::renews(q, SUBSCRIPTIONS),
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
            yes_no(s.cancel_at_period_end),
            scheduled_cell(row),
            Cell::opt(s.external_payment_id.clone()),
            Cell::text(time(s.created_at)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<SubscriptionPage> {
        let detail = backoffice::subscription_detail(db, id).await?;
        let plans = catalog::all_plans(db).await?;
        let plans = plans.into_iter().filter(|p| p.is_active).collect();
        Ok(SubscriptionPage { detail, plans })
    }

    fn heading(page: &SubscriptionPage) -> String {
        let row = &page.detail.row;
        format!(
            "Subscription #{} — {}",
            row.subscription.id, row.account_name
        )
    }

    fn title(page: &SubscriptionPage) -> String {
        format!("Subscription #{}", page.detail.row.subscription.id)
    }

    fn facts(page: &SubscriptionPage) -> Vec<(String, Cell)> {
        let row = &page.detail.row;
        let s = &row.subscription;
        let scheduled = match (s.scheduled_plan_id, &row.scheduled_plan_name) {
            (Some(id), Some(name)) => Cell::link(name, links::href(links::PLANS, id)),
            _ => scheduled_cell(row),
        };
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
            fact("Cancels at period end", yes_no(s.cancel_at_period_end)),
            fact("Scheduled plan", scheduled),
            fact("Past due since", Cell::opt(s.past_due_since.map(time))),
            fact(
                "External payment ID",
                Cell::opt(s.external_payment_id.clone()),
            ),
            fact("Created", Cell::text(time(s.created_at))),
            fact("Updated", Cell::text(time(s.updated_at))),
        ]
    }

    fn tables(page: &SubscriptionPage) -> Vec<TableView> {
        let d = &page.detail;
        let invoices = d.invoices.iter().map(invoice_cells).collect();
        let events = d.timeline.iter().map(event_cells).collect();
        vec![
            table(
                "Timeline",
                &["When", "Event", "Details", "By"],
                events,
                "Nothing has happened to it yet.",
            ),
            table("Invoices", &INVOICE_COLUMNS, invoices, "No invoices."),
        ]
    }

    /// "Change plan", and "Cancel at period end" or "Undo cancellation", on the account's
    /// current subscription only: the plan actions act on the account's newest.
    fn forms(page: &SubscriptionPage, _staff: &StaffActor) -> Vec<FormView> {
        let d = &page.detail;
        let s = &d.row.subscription;
        if !d.current {
            return Vec::new();
        }
        let action = |verb: &str| format!("{}{verb}/", links::href(SUBSCRIPTIONS, s.id));
        let current_slug = page
            .plans
            .iter()
            .find(|p| p.id == s.plan_id)
            .map(|p| p.slug.clone())
            .unwrap_or_default();
        let options = page
            .plans
            .iter()
            .map(|p| {
                let price = money(p.price, &p.currency);
                let label = format!("{} — {price} / {}", p.name, p.billing_cycle);
                (p.slug.clone(), label)
            })
            .collect();
        let mut forms = vec![FormView {
            title: "Change plan".into(),
            action: action("plan"),
            fields: vec![
                Field::new("select", "plan_slug", "Plan", current_slug)
                    .options(options)
                    .required()
                    .help(
                        "A dearer plan is invoiced for the rest of the period and applies once \
                         paid; a cheaper one applies from the period end. Choosing the current \
                         plan withdraws a scheduled change.",
                    ),
            ],
            submit: "Change plan".into(),
            danger: false,
        }];
        // Only a running subscription can be cancelled (a past-due one is refused, saying why).
        if !matches!(
            s.status,
            SubscriptionStatus::Active | SubscriptionStatus::PastDue
        ) {
            return forms;
        }
        let ends = s.current_period_end.map(time).unwrap_or_default();
        forms.push(match s.cancel_at_period_end {
            true => button(
                "Undo cancellation",
                action("resume"),
                "Undo cancellation",
                false,
            ),
            false => button(
                &format!("Cancel at period end ({ends})"),
                action("cancel"),
                "Cancel at period end",
                true,
            ),
        });
        forms
    }
}

/// One timeline row: when, what, the particulars (linking to the invoice or payment), who.
fn event_cells(e: &Event) -> Vec<Cell> {
    let details = match e.about {
        Some(About::Invoice(id)) => Cell::link(&e.details, links::href(links::INVOICES, id)),
        Some(About::Payment(id)) => Cell::link(&e.details, links::href(links::PAYMENTS, id)),
        None => Cell::text(&e.details),
    };
    vec![
        Cell::text(time(e.at)),
        Cell::text(&e.what),
        details,
        Cell::text(e.by.as_deref().unwrap_or("tollgate")),
    ]
}
