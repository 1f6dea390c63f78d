//! Staff's payment queue: filter by status, search, paginate.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::domain::page::{self, Page, PageRequest};
use crate::domain::status;
use crate::entities::{account, invoice, payment, user};
use crate::error::{Error, Result};

/// A payment with what staff need to recognise it.
#[derive(Debug)]
pub struct PaymentRow {
    pub payment: payment::Model,
    pub invoice_number: String,
    pub account_name: String,
    pub approved_by: Option<String>,
}

#[derive(Debug, Default)]
pub struct StaffFilter {
    pub status: Option<String>,
    pub search: Option<String>,
}

/// Staff's payment queue, newest first. `search` matches (case-insensitive substring) the
/// manual reference, invoice number, account name, billing email or a member's email.
pub async fn list_for_staff(
    db: &Db,
    filter: StaffFilter,
    req: PageRequest,
) -> Result<Page<PaymentRow>> {
    let mut select = payment::Entity::find().order_by_desc(payment::Column::Id);
    if let Some(wanted) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        if !status::payment::ALL.contains(&wanted) {
            return Err(Error::field(
                "status",
                format!("Choose one of: {}.", status::payment::ALL.join(", ")),
            ));
        }
        select = select.filter(payment::Column::Status.eq(wanted));
    }
    if let Some(term) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        select = select.filter(search_condition(term));
    }
    let page = page::fetch(select, db.conn(), req).await?;
    let names = related_names(db, &page.items).await?;
    Ok(page.map(|payment| {
        let (invoice_number, account_name, approved_by) = names.describe(&payment);
        PaymentRow {
            payment,
            invoice_number,
            account_name,
            approved_by,
        }
    }))
}

fn search_condition(term: &str) -> Condition {
    let escaped: String = term
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
    let lower = |col: Expr| Expr::expr(Func::lower(col));
    let matching_accounts = Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .cond_where(
            Condition::any()
                .add(lower(Expr::col(account::Column::Name)).like(pattern()))
                .add(lower(Expr::col(account::Column::BillingEmail)).like(pattern())),
        )
        .to_owned();
    let matching_members = Query::select()
        .column(user::Column::AccountId)
        .from(user::Entity)
        .and_where(lower(Expr::col(user::Column::Email)).like(pattern()))
        .to_owned();
    let matching_invoices = Query::select()
        .column(invoice::Column::Id)
        .from(invoice::Entity)
        .and_where(lower(Expr::col(invoice::Column::InvoiceNumber)).like(pattern()))
        .to_owned();
    Condition::any()
        .add(
            lower(Expr::col((
                payment::Entity,
                payment::Column::ManualReference,
            )))
            .like(pattern()),
        )
        .add(payment::Column::AccountId.in_subquery(matching_accounts))
        .add(payment::Column::AccountId.in_subquery(matching_members))
        .add(payment::Column::InvoiceId.in_subquery(matching_invoices))
}

struct RelatedNames {
    invoices: HashMap<i64, String>,
    accounts: HashMap<i64, String>,
    users: HashMap<i64, String>,
}

impl RelatedNames {
    fn describe(&self, p: &payment::Model) -> (String, String, Option<String>) {
        (
            self.invoices
                .get(&p.invoice_id)
                .cloned()
                .unwrap_or_default(),
            self.accounts
                .get(&p.account_id)
                .cloned()
                .unwrap_or_default(),
            p.approved_by_id.and_then(|id| self.users.get(&id).cloned()),
        )
    }
}

/// Invoice numbers, account names and reviewer emails for a page of payments: three queries,
/// whatever the page size.
async fn related_names(db: &Db, payments: &[payment::Model]) -> Result<RelatedNames> {
    let invoice_ids: Vec<i64> = payments.iter().map(|p| p.invoice_id).collect();
    let account_ids: Vec<i64> = payments.iter().map(|p| p.account_id).collect();
    let user_ids: Vec<i64> = payments.iter().filter_map(|p| p.approved_by_id).collect();
    let invoices = invoice::Entity::find()
        .filter(invoice::Column::Id.is_in(invoice_ids))
        .all(db.conn())
        .await?;
    let accounts = account::Entity::find()
        .filter(account::Column::Id.is_in(account_ids))
        .all(db.conn())
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db.conn())
        .await?;
    Ok(RelatedNames {
        invoices: invoices
            .into_iter()
            .map(|i| (i.id, i.invoice_number))
            .collect(),
        accounts: accounts.into_iter().map(|a| (a.id, a.name)).collect(),
        users: users.into_iter().map(|u| (u.id, u.email)).collect(),
    })
}
