//! An account's billing details — whom its invoices are addressed to — checked by one rule at
//! sign-up and whenever the customer edits them later. Issued invoices keep the copy made
//! when they were issued (`invoices::billing_snapshot`); an edit changes only future ones.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use serde::Serialize;

use crate::db::Db;
use crate::domain::validate::{normalize_country, normalize_email, optional_text};
use crate::domain::{Member, audit, catalog, found};
use crate::entities::account;
use crate::error::{Problems, Result};

/// The billing fields: as typed (the input of [`BillingDetails::checked`]) or as stored.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct BillingDetails {
    pub billing_email: Option<String>,
    pub billing_address_line1: Option<String>,
    pub billing_address_line2: Option<String>,
    pub billing_city: Option<String>,
    pub billing_state: Option<String>,
    pub billing_postal_code: Option<String>,
    /// ISO 3166 alpha-2: which payment methods the account is offered.
    pub billing_country: Option<String>,
    pub tax_id: Option<String>,
}

impl BillingDetails {
    pub fn of(a: &account::Model) -> BillingDetails {
        BillingDetails {
            billing_email: a.billing_email.clone(),
            billing_address_line1: a.billing_address_line1.clone(),
            billing_address_line2: a.billing_address_line2.clone(),
            billing_city: a.billing_city.clone(),
            billing_state: a.billing_state.clone(),
            billing_postal_code: a.billing_postal_code.clone(),
            billing_country: a.billing_country.clone(),
            tax_id: a.tax_id.clone(),
        }
    }

    /// The values to store, each problem named by its field: an empty billing email becomes
    /// `fallback_email` (the user's), a country is a two-letter code and required for a paid
    /// plan (`country_required`), every text trimmed and within its column's length.
    pub fn checked(
        &self,
        fallback_email: Option<&str>,
        country_required: bool,
        p: &mut Problems,
    ) -> BillingDetails {
        let billing_email = match self.billing_email.as_deref().map(str::trim) {
            None | Some("") => fallback_email.filter(|e| !e.is_empty()).map(str::to_owned),
            Some(raw) => normalize_email(raw).or_else(|| {
                p.add("billing_email", "Enter a valid email address.");
                None
            }),
        };
        let billing_country = match self.billing_country.as_deref().map(str::trim) {
            None | Some("") => {
                if country_required {
                    p.add("billing_country", "This field is required for paid plans.");
                }
                None
            }
            Some(raw) => normalize_country(raw).or_else(|| {
                p.add(
                    "billing_country",
                    "Enter a two-letter ISO 3166 country code.",
                );
                None
            }),
        };
        let mut text = |value: &Option<String>, field: &str, max: usize| {
            optional_text(value.as_deref(), field, max, p)
        };
        BillingDetails {
            billing_email,
            billing_address_line1: text(&self.billing_address_line1, "billing_address_line1", 255),
            billing_address_line2: text(&self.billing_address_line2, "billing_address_line2", 255),
            billing_city: text(&self.billing_city, "billing_city", 100),
            billing_state: text(&self.billing_state, "billing_state", 100),
            billing_postal_code: text(&self.billing_postal_code, "billing_postal_code", 20),
            billing_country,
            tax_id: text(&self.tax_id, "tax_id", 50),
        }
    }

    pub fn set_on(self, row: &mut account::ActiveModel) {
        row.billing_email = Set(self.billing_email);
        row.billing_address_line1 = Set(self.billing_address_line1);
        row.billing_address_line2 = Set(self.billing_address_line2);
        row.billing_city = Set(self.billing_city);
        row.billing_state = Set(self.billing_state);
        row.billing_postal_code = Set(self.billing_postal_code);
        row.billing_country = Set(self.billing_country);
        row.tax_id = Set(self.tax_id);
    }
}

/// The customer edits their account's billing details, for the invoices issued from now on.
/// A paid plan keeps a country (its payment methods depend on it). Audited, in one
/// transaction.
pub async fn update(db: &Db, member: &Member, typed: BillingDetails) -> Result<account::Model> {
    member.ensure_can_write()?;
    let plan = catalog::plan_by_id(db.conn(), member.account.plan_id).await?;
    let mut p = Problems::default();
    let details = typed.checked(Some(&member.user.email), plan.price > 0, &mut p);
    p.finish()?;
    let txn = db.begin_write().await?;
    let before: account::Model = found(&*txn, member.account.id, "Account").await?;
    let was = BillingDetails::of(&before);
    let mut row = before.into_active_model();
    details.clone().set_on(&mut row);
    row.updated_at = Set(Utc::now());
    let saved = row.update(&*txn).await?;
    let changed = [(saved.id, Some(&was), &details)];
    audit::commit_changes(
        txn,
        member.user.id,
        "account.billing_update",
        "account",
        changed,
    )
    .await?;
    Ok(saved)
}
