//! Prepaid credits. The balance on the account row always equals the sum of its ledger rows:
//! every change here updates both in the caller's transaction, with a conditional update.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, UpdateMany,
};
use serde::Deserialize;
use serde_json::json;

use crate::db::Db;
use crate::domain::idempotency::Seal;
use crate::domain::staff::StaffActor;
use crate::domain::status::{self, AccountStatus, CreditTransactionType, OperationType};
use crate::domain::validate::required_text;
use crate::domain::{Member, audit, catalog, found, notify};
use crate::entities::{account, credit_transaction as ledger, credit_usage};
use crate::error::{Error, Problems, Result};

/// The most units one usage call may report.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// The largest correction staff may make at once, either way (a typo guard, far from overflow).
pub const MAX_ADJUSTMENT: i64 = 1_000_000_000;

/// Adds `amount` (> 0) to the balance and writes its ledger row.
pub async fn grant<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    amount: i64,
    kind: CreditTransactionType,
    description: String,
    reference: Option<String>,
) -> Result<ledger::Model> {
    let row = Grant {
        account_id,
        amount,
        kind,
        description,
        reference,
    };
    let granted = grant_with(txn, account::Entity::update_many(), row).await?;
    let (_, entry) = granted.ok_or_else(|| Error::NotFound("Account not found".into()))?;
    Ok(entry)
}

/// Credits to add to an account, with what its ledger row says.
pub struct Grant {
    pub account_id: i64,
    pub amount: i64,
    pub kind: CreditTransactionType,
    pub description: String,
    pub reference: Option<String>,
}

/// [`grant`] inside `also`, an update of the account row with its own changes and conditions
/// (settlement's activation): one conditional statement for both, returning the account as it
/// is now. `None`, and nothing written, when `also`'s conditions leave the row unchanged.
pub(crate) async fn grant_with<C: ConnectionTrait>(
    txn: &C,
    also: UpdateMany<account::Entity>,
    g: Grant,
) -> Result<Option<(account::Model, ledger::Model)>> {
    let account = also
        .col_expr(
            account::Column::Credits,
            Expr::col(account::Column::Credits).add(g.amount),
        )
        .filter(account::Column::Id.eq(g.account_id))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next();
    let Some(account) = account else {
        return Ok(None);
    };
    let entry = write_ledger(
        txn,
        g.account_id,
        g.kind,
        g.amount,
        account.credits,
        g.description,
        g.reference,
    )
    .await?;
    Ok(Some((account, entry)))
}

/// Takes `amount` (> 0) credits back for a refund (`refunds`), with its `refund` ledger row.
///
/// One conditional update (`credits = credits - n WHERE credits >= n`): a refund never takes
/// the balance below zero, whatever spends race it; `None` when the balance is too small.
pub async fn take_back<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    amount: i64,
    description: String,
    reference: String,
) -> Result<Option<ledger::Model>> {
    let taken = account::Entity::update_many()
        .col_expr(
            account::Column::Credits,
            Expr::col(account::Column::Credits).sub(amount),
        )
        .filter(account::Column::Id.eq(account_id))
        .filter(account::Column::Credits.gte(amount))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next();
    let Some(taken) = taken else {
        return Ok(None);
    };
    let kind = CreditTransactionType::Refund;
    let row = write_ledger(
        txn,
        account_id,
        kind,
        -amount,
        taken.credits,
        description,
        Some(reference),
    )
    .await?;
    Ok(Some(row))
}

/// A staff correction of an account's balance, by a signed `amount`, with the reason on record.
///
/// One conditional update (`credits = credits + amount WHERE credits + amount >= 0`) plus its
/// `adjustment` ledger row, in one transaction: a removal can never take the balance below
/// zero, even racing spends, and the balance keeps equalling the ledger's sum.
pub async fn adjust(
    db: &Db,
    staff: &StaffActor,
    account_id: i64,
    amount: i64,
    reason: &str,
) -> Result<ledger::Model> {
    let mut p = Problems::default();
    if amount == 0 {
        p.add(
            "amount",
            "Enter a non-zero amount: positive adds credits, negative removes them.",
        );
    } else if amount.abs() > MAX_ADJUSTMENT {
        p.add(
            "amount",
            format!("Adjust by at most {MAX_ADJUSTMENT} credits at a time."),
        );
    }
    let reason = required_text(Some(reason), "reason", 500, &mut p);
    p.finish()?;

    let txn = db.begin_write().await?;
    let adjusted = account::Entity::update_many()
        .col_expr(
            account::Column::Credits,
            Expr::col(account::Column::Credits).add(amount),
        )
        .col_expr(account::Column::UpdatedAt, Utc::now().into())
        .filter(account::Column::Id.eq(account_id))
        .filter(Expr::col(account::Column::Credits).add(amount).gte(0))
        .exec_with_returning(&*txn)
        .await?
        .into_iter()
        .next();
    let Some(adjusted) = adjusted else {
        // Nothing changed; tell apart a missing account from a balance too small to remove from.
        let now: account::Model = found(&*txn, account_id, "Account").await?;
        return Err(Error::Conflict(format!(
            "Cannot remove {} credits: the account has only {}, and a balance cannot go below zero. \
             Nothing was changed.",
            -amount, now.credits
        )));
    };
    let entry = write_ledger(
        &*txn,
        account_id,
        CreditTransactionType::Adjustment,
        amount,
        adjusted.credits,
        format!("Staff adjustment by {}: {reason}", staff.email),
        Some(format!("staff:{}", staff.id)),
    )
    .await?;
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(staff.id()),
            action: "credits.adjust",
            object_type: "account",
            object_id: account_id,
            before: json!({"credits": adjusted.credits - amount}),
            after: json!({"credits": adjusted.credits, "reason": reason}),
            ledger_id: Some(entry.id),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(entry)
}

async fn write_ledger<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    kind: CreditTransactionType,
    amount: i64,
    balance_after: i64,
    description: String,
    reference: Option<String>,
) -> Result<ledger::Model> {
    let row = ledger::ActiveModel {
        account_id: Set(account_id),
        transaction_type: Set(kind),
        amount: Set(amount),
        balance_after: Set(balance_after),
        description: Set(description),
        reference: Set(reference),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if amount < 0 {
        notify::credits_spent(
            txn,
            account_id,
            balance_after - amount,
            balance_after,
            row.id,
        )
        .await?;
    }
    Ok(row)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UsageInput {
    #[schema(value_type = OperationType, inline)]
    pub operation_type: Option<String>,
    /// Units used (requests, words, images…); 1 when absent.
    #[schema(nullable = false, minimum = 1, maximum = 1_000_000, example = 150)]
    pub quantity: Option<i64>,
}

#[derive(Debug)]
pub struct Spent {
    pub usage: credit_usage::Model,
    pub transaction: ledger::Model,
}

/// Charges the account for a product operation, priced by the credit cost table.
///
/// One conditional update (`credits = credits - n WHERE credits >= n`) plus its ledger and
/// usage rows: the balance can never go below zero, however many spends race.
pub async fn spend(
    db: &Db,
    member: &Member,
    input: UsageInput,
    seal: &Seal<'_, Spent>,
) -> Result<Spent> {
    let mut problems = Problems::default();
    let operation = input.operation_type.unwrap_or_default();
    let cost = if operation.trim().is_empty() {
        problems.add("operation_type", "This field is required.");
        None
    } else {
        let cost = catalog::credit_cost(db, operation.trim()).await?;
        if cost.is_none() {
            problems.add("operation_type", "Unknown operation type.");
        }
        cost
    };
    let quantity = input.quantity.unwrap_or(1);
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        problems.add(
            "quantity",
            format!("Quantity must be between 1 and {MAX_QUANTITY}."),
        );
    }
    problems.finish()?;
    member.ensure_can_use_features()?;
    let cost = cost.ok_or_else(|| Error::Internal(anyhow::anyhow!("cost checked above")))?;
    // Every started unit is charged: 150 words at 1 credit per 100 words cost 2 credits.
    let units = (quantity + cost.unit_size - 1) / Ord::max(cost.unit_size, 1);
    let credits = units * cost.credits_per_unit;

    let txn = db.begin_write().await?;
    let charged = account::Entity::update_many()
        .col_expr(
            account::Column::Credits,
            Expr::col(account::Column::Credits).sub(credits),
        )
        .filter(account::Column::Id.eq(member.account.id))
        .filter(account::Column::Credits.gte(credits))
        .filter(account::Column::Status.is_in(AccountStatus::USABLE))
        .exec_with_returning(&*txn)
        .await?
        .into_iter()
        .next();
    let Some(charged) = charged else {
        // Nothing changed; tell apart a lapsed account from a short balance.
        let now: account::Model = found(&*txn, member.account.id, "Account").await?;
        status::ensure_account_usable(now.status)?;
        return Err(Error::InsufficientCredits(format!(
            "Insufficient credits: {} needed, {} available",
            credits, now.credits
        )));
    };
    let description = format!("{} ({} {})", cost.display_name, quantity, cost.unit_name);
    let transaction = write_ledger(
        &*txn,
        member.account.id,
        CreditTransactionType::Deduction,
        -credits,
        charged.credits,
        description,
        None,
    )
    .await?;
    let usage = credit_usage::ActiveModel {
        account_id: Set(member.account.id),
        user_id: Set(member.user.id),
        operation_type: Set(cost.operation_type.clone()),
        quantity: Set(quantity),
        credits_used: Set(credits),
        transaction_id: Set(transaction.id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::record(
        &*txn,
        audit::Action {
            actor: Some(member.user.id),
            action: "credits.spend",
            object_type: "account",
            object_id: member.account.id,
            before: json!({"credits": charged.credits + credits}),
            after: json!({"credits": charged.credits, "operation_type": usage.operation_type,
                          "quantity": usage.quantity}),
            ledger_id: Some(transaction.id),
        },
    )
    .await?;
    let spent = Spent { usage, transaction };
    seal.write(&*txn, &spent).await?;
    txn.commit().await?;
    crate::telemetry::counters::credits_spent(credits);
    Ok(spent)
}

pub async fn balance(db: &Db, account_id: i64) -> Result<i64> {
    let account: account::Model = found(db.conn(), account_id, "Account").await?;
    Ok(account.credits)
}

/// What the account spent on one kind of operation, over all time.
#[derive(Debug, FromQueryResult)]
pub struct UsageTotal {
    pub operation_type: String,
    pub quantity: i64,
    pub credits_used: i64,
}

/// The account's spending by operation, the most credits first.
pub async fn usage_by_operation(db: &Db, account_id: i64) -> Result<Vec<UsageTotal>> {
    use crate::entities::credit_usage as usage;
    use sea_orm::sea_query::{Alias, Func, SimpleExpr};
    // PostgreSQL sums BIGINT into NUMERIC: cast back, on both databases alike.
    let total = |column: usage::Column| -> SimpleExpr {
        Func::cast_as(Func::sum(Expr::col(column)), Alias::new("BIGINT")).into()
    };
    Ok(usage::Entity::find()
        .select_only()
        .column(usage::Column::OperationType)
        .column_as(total(usage::Column::Quantity), "quantity")
        .column_as(total(usage::Column::CreditsUsed), "credits_used")
        .filter(usage::Column::AccountId.eq(account_id))
        .group_by(usage::Column::OperationType)
        .order_by_desc(total(usage::Column::CreditsUsed))
        .order_by_asc(usage::Column::OperationType)
        .into_model::<UsageTotal>()
        .all(db.conn())
        .await?)
}
