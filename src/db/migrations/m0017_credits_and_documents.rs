//! Credit top-ups and refunds (`domain::top_ups`, `domain::refunds`).
//!
//! - `top_up_packages`: the credit packages customers can buy (credits for a price in minor
//!   units of one currency), managed by staff; seeded with a few (`db::seed`).
//! - `invoices.package_id` and `invoices.credits`: what a `top_up` invoice sells, copied when it
//!   is issued, so that a package edited or retired later changes nothing already billed.
//! - `payments.refunded_amount`: how much of the payment was given back, in minor units; the
//!   payment is `partially_refunded` until it equals the amount, then `refunded`.
//! - `credit_notes`: one per refund, numbered `CN-{account}-{YYYYMM}-{NNNN}` from the same
//!   per-account monthly counter table as invoices (under its own period key), with the amount,
//!   the credits it took back, the reason, and how the money went back: `manual` (paid out by
//!   staff) or through the provider (`stripe`, `paypal`), whose refund is an outbox job that
//!   records the provider's id or its error here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{References, add_columns, create, create_all, index, unique};

super::migration!(m => {
    add_columns(
        m,
        "invoices",
        vec![big_integer_null("package_id"), big_integer_null("credits")],
    )
    .await?;
    add_columns(
        m,
        "payments",
        vec![big_integer("refunded_amount").default(0).take()],
    )
    .await?;
    let packages = create("top_up_packages")
        .col(string("name"))
        .col(big_integer("credits"))
        .col(big_integer("price"))
        .col(string("currency"))
        .col(boolean("is_active"))
        .col(integer("sort_order"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .take();
    let notes = create("credit_notes")
        .col(string("number"))
        .reference("account_id", "accounts")
        .reference("invoice_id", "invoices")
        .reference("payment_id", "payments")
        .col(big_integer("amount"))
        .col(string("currency"))
        .col(big_integer("credits"))
        .col(text("reason"))
        .col(string("payout"))
        .col(string("payout_status"))
        .col(string_null("provider_ref"))
        .col(string_null("provider_error"))
        .reference_null("created_by_id", "users")
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .take();
    let indexes = [
        unique("top_up_packages", &["name"]),
        unique("credit_notes", &["number"]),
        index("credit_notes", &["payment_id"], false),
        index("credit_notes", &["account_id", "created_at"], false),
    ];
    create_all(m, [packages, notes], indexes).await
});
