//! What the product side reads: credits (balance, ledger, costs, spending) and sites.

use serde::Serialize;
use utoipa::ToSchema;

use super::time;
use crate::domain::credits::Spent;
use crate::domain::sites::SiteWithAccess;
use crate::domain::status::{AccountStatus, CreditTransactionType, OperationType};
use crate::entities::{credit_cost, credit_transaction, industry, site};

/// The account's credit balance.
#[derive(Serialize, ToSchema)]
pub struct CreditBalance {
    pub account_id: i64,
    #[schema(example = 1000)]
    pub credits: i64,
    /// Credits can be spent while the account is `trial` or `active`.
    pub account_status: AccountStatus,
}

/// A row of the credit ledger: the balance is the sum of these, and `balance_after` chains
/// them.
#[derive(Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: i64,
    pub transaction_type: CreditTransactionType,
    /// Signed: grants are positive, spending negative.
    #[schema(example = -10)]
    pub amount: i64,
    pub balance_after: i64,
    pub description: String,
    /// What it refers to (a payment id, a usage id…).
    #[schema(required = true)]
    pub reference: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&credit_transaction::Model> for LedgerEntry {
    fn from(t: &credit_transaction::Model) -> Self {
        LedgerEntry {
            id: t.id,
            transaction_type: t.transaction_type,
            amount: t.amount,
            balance_after: t.balance_after,
            description: t.description.clone(),
            reference: t.reference.clone(),
            created_at: time(t.created_at),
        }
    }
}

/// What an operation costs: `credits_per_unit` for every started `unit_size` units.
#[derive(Serialize, ToSchema)]
pub struct CreditCost {
    #[schema(value_type = OperationType)]
    pub operation_type: String,
    #[schema(example = "Content generation")]
    pub display_name: String,
    #[schema(example = 1)]
    pub credits_per_unit: i64,
    #[schema(example = 100)]
    pub unit_size: i64,
    #[schema(example = "word")]
    pub unit_name: String,
}

impl From<&credit_cost::Model> for CreditCost {
    fn from(c: &credit_cost::Model) -> Self {
        CreditCost {
            operation_type: c.operation_type.clone(),
            display_name: c.display_name.clone(),
            credits_per_unit: c.credits_per_unit,
            unit_size: c.unit_size,
            unit_name: c.unit_name.clone(),
        }
    }
}

/// `data` of a credit spend.
#[derive(Serialize, ToSchema)]
pub struct CreditSpend {
    pub usage_id: i64,
    #[schema(value_type = OperationType)]
    pub operation_type: String,
    pub quantity: i64,
    pub credits_used: i64,
    pub balance_after: i64,
    /// The ledger row of the deduction.
    pub transaction_id: i64,
}

impl From<&Spent> for CreditSpend {
    fn from(spent: &Spent) -> Self {
        CreditSpend {
            usage_id: spent.usage.id,
            operation_type: spent.usage.operation_type.clone(),
            quantity: spent.usage.quantity,
            credits_used: spent.usage.credits_used,
            balance_after: spent.transaction.balance_after,
            transaction_id: spent.transaction.id,
        }
    }
}

/// An industry a site can belong to.
#[derive(Serialize, ToSchema)]
pub struct Industry {
    pub id: i64,
    #[schema(example = "technology")]
    pub slug: String,
    #[schema(example = "Technology")]
    pub name: String,
}

impl From<&industry::Model> for Industry {
    fn from(i: &industry::Model) -> Self {
        Industry {
            id: i.id,
            slug: i.slug.clone(),
            name: i.name.clone(),
        }
    }
}

/// A site of the account.
#[derive(Serialize, ToSchema)]
pub struct Site {
    pub id: i64,
    pub name: String,
    #[schema(required = true, example = "example.com")]
    pub domain: Option<String>,
    pub industry_id: i64,
    pub is_active: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&site::Model> for Site {
    fn from(s: &site::Model) -> Self {
        Site {
            id: s.id,
            name: s.name.clone(),
            domain: s.domain.clone(),
            industry_id: s.industry_id,
            is_active: s.is_active,
            created_at: time(s.created_at),
        }
    }
}

/// A site with the users who may work on it (its creator gets access automatically).
#[derive(Serialize, ToSchema)]
pub struct SiteDetail {
    #[serde(flatten)]
    pub site: Site,
    pub user_access: Vec<SiteAccess>,
}

/// One user's access to a site.
#[derive(Serialize, ToSchema)]
pub struct SiteAccess {
    pub user_id: i64,
    pub email: String,
    #[schema(example = "owner")]
    pub role: String,
}

impl From<&SiteWithAccess> for SiteDetail {
    fn from(s: &SiteWithAccess) -> Self {
        SiteDetail {
            site: (&s.site).into(),
            user_access: s
                .access
                .iter()
                .map(|(a, email)| SiteAccess {
                    user_id: a.user_id,
                    email: email.clone(),
                    role: a.role.clone(),
                })
                .collect(),
        }
    }
}
