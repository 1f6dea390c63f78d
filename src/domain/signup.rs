//! Sign-up: a free trial or a paid plan, validated field by field, created in one transaction.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use serde::Deserialize;

use crate::auth::password;
use crate::db::{Db, is_unique_violation};
use crate::domain::accounts::{self, NewUser};
use crate::domain::billing_details::BillingDetails;
use crate::domain::idempotency::Seal;
use crate::domain::status::{
    AccountStatus, CreditTransactionType, PaymentMethod, SubscriptionStatus, role,
};
use crate::domain::validate::{
    check_password, normalize_email, optional_text, required_text, slugify,
};
use crate::domain::{audit, catalog, credits, invoices, notify};
use crate::entities::{
    account, account_payment_method, invoice, payment_method_config, plan, subscription, user,
};
use crate::error::{Error, Problems, Result};

pub(crate) const EMAIL_TAKEN: &str = "A user with this email already exists.";

/// What a sign-up form sends, from any interface. Everything optional: validation names
/// each missing field instead of failing on the first.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(
    description = "A sign-up: a free trial without `plan_slug`; a paid plan needs \
    `billing_country` and `payment_method` too (`bank_transfer`, or `local_wallet` where the \
    country has one: see `GET billing/admin/payment-methods?country=`). Every problem is \
    reported at once, by field."
)]
pub struct SignupInput {
    #[schema(value_type = String, example = "paiduser@test.com")]
    pub email: Option<String>,
    /// 8 to 128 characters, not entirely numeric, not a common password.
    #[schema(value_type = String, example = "TestPass123!")]
    pub password: Option<String>,
    /// The password again.
    #[schema(value_type = String, example = "TestPass123!")]
    pub password_confirm: Option<String>,
    #[schema(value_type = String, example = "Paid")]
    pub first_name: Option<String>,
    #[schema(value_type = String, example = "User")]
    pub last_name: Option<String>,
    /// Defaults to "first_name last_name".
    #[schema(nullable = false)]
    pub account_name: Option<String>,
    /// A public plan (`GET billing/plans`); absent or `free` for a free trial.
    #[schema(nullable = false, example = "starter")]
    pub plan_slug: Option<String>,
    /// Defaults to `email`.
    #[schema(nullable = false)]
    pub billing_email: Option<String>,
    #[schema(nullable = false)]
    pub billing_address_line1: Option<String>,
    #[schema(nullable = false)]
    pub billing_address_line2: Option<String>,
    #[schema(nullable = false)]
    pub billing_city: Option<String>,
    #[schema(nullable = false)]
    pub billing_state: Option<String>,
    #[schema(nullable = false)]
    pub billing_postal_code: Option<String>,
    /// ISO 3166 alpha-2; required for paid plans.
    #[schema(nullable = false, example = "PK")]
    pub billing_country: Option<String>,
    #[schema(nullable = false)]
    pub tax_id: Option<String>,
    // No doc comment here: utoipa would wrap the inlined enum in an `allOf` with an object.
    #[schema(value_type = PaymentMethod, inline, required = false)]
    pub payment_method: Option<String>,
}

/// A sign-up that passed validation.
struct Signup {
    email: String,
    password: String,
    first_name: String,
    last_name: String,
    account_name: String,
    plan: plan::Model,
    billing: BillingDetails,
    /// Present exactly when the plan is paid.
    payment_method: Option<payment_method_config::Model>,
}

#[derive(Debug)]
pub struct Registered {
    pub user: user::Model,
    pub account: account::Model,
    pub plan: plan::Model,
    pub subscription: Option<subscription::Model>,
    pub invoice: Option<invoice::Model>,
}

async fn validate(db: &Db, input: SignupInput) -> Result<Signup> {
    let mut p = Problems::default();
    let email = match input.email.as_deref().map(str::trim) {
        None | Some("") => {
            p.add("email", "This field is required.");
            String::new()
        }
        Some(raw) => normalize_email(raw).unwrap_or_else(|| {
            p.add("email", "Enter a valid email address.");
            String::new()
        }),
    };
    let password = input.password.unwrap_or_default();
    if password.is_empty() {
        p.add("password", "This field is required.");
    } else {
        check_password(&password, "password", &mut p);
    }
    match input.password_confirm.as_deref() {
        None | Some("") => p.add("password_confirm", "This field is required."),
        Some(confirm) if confirm != password => {
            p.add("password_confirm", "Passwords do not match.")
        }
        Some(_) => {}
    }
    let first_name = required_text(input.first_name.as_deref(), "first_name", 150, &mut p);
    let last_name = required_text(input.last_name.as_deref(), "last_name", 150, &mut p);
    let account_name = optional_text(input.account_name.as_deref(), "account_name", 200, &mut p)
        .unwrap_or_else(|| format!("{first_name} {last_name}").trim().to_owned());

    let slug = input.plan_slug.as_deref().map(str::trim).unwrap_or("");
    let slug = if slug.is_empty() { "free" } else { slug };
    let plan = catalog::plan_by_slug(db, slug)
        .await?
        .filter(|plan| plan.is_active && plan.is_public);
    if plan.is_none() {
        p.add("plan_slug", "Unknown or unavailable plan.");
    }
    let paid = plan.as_ref().is_some_and(|plan| plan.price > 0);

    let billing = BillingDetails {
        billing_email: input.billing_email.clone(),
        billing_address_line1: input.billing_address_line1.clone(),
        billing_address_line2: input.billing_address_line2.clone(),
        billing_city: input.billing_city.clone(),
        billing_state: input.billing_state.clone(),
        billing_postal_code: input.billing_postal_code.clone(),
        billing_country: input.billing_country.clone(),
        tax_id: input.tax_id.clone(),
    }
    .checked(Some(&email), paid, &mut p);
    let country = billing.billing_country.clone();

    let payment_method = match (paid, input.payment_method.as_deref().map(str::trim)) {
        (false, _) => None,
        (true, None | Some("")) => {
            p.add("payment_method", "This field is required for paid plans.");
            None
        }
        (true, Some(method)) => {
            let offered = match PaymentMethod::parse(method) {
                Some(method) => catalog::payment_method(db, country.as_deref(), method).await?,
                None => None,
            };
            match offered {
                Some(m) if catalog::takes(db, m.payment_method) => Some(m),
                Some(m) => {
                    p.add(
                        "payment_method",
                        format!(
                            "{} is not set up on this server; choose bank_transfer or local_wallet.",
                            m.display_name
                        ),
                    );
                    None
                }
                None => {
                    p.add(
                        "payment_method",
                        "This payment method is not available in your country.",
                    );
                    None
                }
            }
        }
    };

    if !email.is_empty() && !p.has("email") && email_taken(db, &email).await? {
        p.add("email", EMAIL_TAKEN);
    }
    p.finish()?;
    let plan = plan.ok_or_else(|| Error::Internal(anyhow::anyhow!("plan checked above")))?;
    Ok(Signup {
        email,
        password,
        first_name,
        last_name,
        account_name,
        plan,
        billing,
        payment_method,
    })
}

pub(crate) async fn email_taken(db: &Db, email: &str) -> Result<bool> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .count(db.conn())
        .await?
        > 0)
}

/// Signs a customer up, in one transaction.
///
/// Free plan: account `trial` until `trial_ends_at`, with the plan's credits and a `trial` ledger row.
/// Paid plan: account and subscription `pending_payment` with 0 credits, a pending invoice with
/// the billing snapshot, and the chosen account payment method.
/// `seal` stores the request's answer with the change (see `idempotency`).
pub async fn register(
    db: &Db,
    input: SignupInput,
    seal: &Seal<'_, Registered>,
) -> Result<Registered> {
    let signup = validate(db, input).await?;
    // Hash before taking the write lock: it is the slow part.
    let password_hash = password::hash(&signup.password).await?;
    let now = db.now();
    let paid = signup.payment_method.is_some();

    let txn = db.begin_write().await?;
    let mut new_account = <account::ActiveModel as Default>::default();
    signup.billing.set_on(&mut new_account);
    new_account.name = Set(signup.account_name.clone());
    // Unique placeholder; the readable slug is set below once the id is known.
    new_account.slug = Set(format!("new-{}", uuid::Uuid::new_v4()));
    new_account.owner_id = Set(None);
    new_account.plan_id = Set(signup.plan.id);
    new_account.status = Set(if paid {
        AccountStatus::PendingPayment
    } else {
        AccountStatus::Trial
    });
    new_account.credits = Set(0);
    // A trial runs for the configured days; a paid sign-up has none.
    new_account.trial_ends_at = Set((!paid).then(|| now + db.terms().trial()));
    new_account.created_at = Set(now);
    new_account.updated_at = Set(now);
    let created = new_account.insert(&*txn).await?;

    let user = accounts::insert_user(
        &*txn,
        NewUser {
            email: signup.email.clone(),
            password_hash,
            first_name: signup.first_name,
            last_name: signup.last_name,
            account_id: Some(created.id),
            role: role::OWNER.into(),
            is_staff: false,
        },
    )
    .await?;

    let slug = claim_slug(&txn, created.id, &signup.account_name).await?;
    let mut owned: account::ActiveModel = created.into();
    owned.owner_id = Set(Some(user.id));
    owned.slug = Set(slug);
    let mut account = owned.update(&*txn).await?;

    let mut ledger_id = None;
    let mut trial_credits = 0;
    let (subscription, invoice) = match &signup.payment_method {
        None => {
            let granted = credits::grant(
                &*txn,
                account.id,
                signup.plan.included_credits,
                CreditTransactionType::Trial,
                format!("{} plan trial credits", signup.plan.name),
                None,
            )
            .await?;
            ledger_id = Some(granted.id);
            trial_credits = granted.amount;
            (None, None)
        }
        Some(method) => {
            let sub = subscription::ActiveModel {
                account_id: Set(account.id),
                plan_id: Set(signup.plan.id),
                status: Set(SubscriptionStatus::PendingPayment),
                current_period_start: Set(None),
                current_period_end: Set(None),
                external_payment_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&*txn)
            .await?;
            let invoice = invoices::issue(
                &*txn,
                &account,
                &sub,
                invoices::Bill::first_period(&signup.plan, now),
                now,
            )
            .await?;
            account_payment_method::ActiveModel {
                account_id: Set(account.id),
                method_type: Set(method.payment_method),
                display_name: Set(method.display_name.clone()),
                is_default: Set(true),
                details: Set(method.details.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&*txn)
            .await?;
            (Some(sub), Some(invoice))
        }
    };
    account = account::Entity::find_by_id(account.id)
        .one(&*txn)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("account vanished")))?;
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(user.id),
            action: "account.register",
            object_type: "account",
            object_id: account.id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"status": account.status, "plan": signup.plan.slug,
                                      "credits": account.credits,
                                      "invoice": invoice.as_ref().map(|i| i.invoice_number.clone())}),
            ledger_id,
        },
    )
    .await?;
    notify::account_created(&*txn, &account, user.id, invoice.as_ref()).await?;
    let registered = Registered {
        user,
        account,
        plan: signup.plan,
        subscription,
        invoice,
    };
    seal.write(&*txn, &registered).await?;
    txn.commit().await?;
    crate::telemetry::counters::credits_granted(trial_credits);
    Ok(registered)
}

/// The account's slug: its name slugified, or `name-{id}` when another account has it.
/// Tried inside a savepoint so that losing a race for the plain slug rolls back only the try.
async fn claim_slug(txn: &crate::db::WriteTxn, id: i64, name: &str) -> Result<String> {
    let base = slugify(name);
    let attempt = txn.begin().await?;
    let claimed = account::Entity::update_many()
        .col_expr(account::Column::Slug, base.clone().into())
        .filter(account::Column::Id.eq(id))
        .exec(&attempt)
        .await;
    match claimed {
        Ok(_) => {
            attempt.commit().await?;
            Ok(base)
        }
        Err(e) if is_unique_violation(&e) => {
            attempt.rollback().await?;
            Ok(format!("{base}-{id}"))
        }
        Err(e) => Err(e.into()),
    }
}
