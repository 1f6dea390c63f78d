//! The subscription lifecycle (`domain::lifecycle`).
//!
//! - `accounts.trial_ends_at`: when a free trial ends (empty for trials begun before trials
//!   ended, which keep running), and how many of its reminders went out.
//! - `subscriptions.cancel_at_period_end`, `scheduled_plan_id` (a downgrade waiting for the
//!   period end) and `past_due_since` (the due date its dunning counts from).
//! - `invoices.purpose` (`subscription`, `renewal`, `plan_change`), the plan it is for and the
//!   period it pays. One open renewal per subscription and period is a unique index, so
//!   servers racing to issue it cannot both succeed; a voided one does not count.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{add_columns, index};

super::migration!(m => {
    add_columns(
        m,
        "accounts",
        vec![
            timestamp_with_time_zone_null("trial_ends_at"),
            integer("trial_reminders_sent").default(0).take(),
        ],
    )
    .await?;
    add_columns(
        m,
        "subscriptions",
        vec![
            boolean("cancel_at_period_end").default(false).take(),
            big_integer_null("scheduled_plan_id"),
            timestamp_with_time_zone_null("past_due_since"),
        ],
    )
    .await?;
    add_columns(
        m,
        "invoices",
        vec![
            string("purpose").default("subscription").take(),
            big_integer_null("plan_id"),
            timestamp_with_time_zone_null("period_start"),
            timestamp_with_time_zone_null("period_end"),
        ],
    )
    .await?;
    m.get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX ux_invoices_open_renewal ON invoices (subscription_id, period_start) \
             WHERE purpose = 'renewal' AND status <> 'void'",
        )
        .await?;
    for idx in [
        index("subscriptions", &["status", "current_period_end"], false),
        index("accounts", &["status", "trial_ends_at"], false),
        index("invoices", &["subscription_id", "status"], false),
    ] {
        m.create_index(idx).await?;
    }
    Ok(())
});
