//! The initial schema: every table of the domain model in DESIGN.md.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{References, create, create_all, index};

super::migration!(m => {
    let tables = [
        create("plans")
            .col(string_uniq("slug"))
            .col(string("name"))
            .col(big_integer("price"))
            .col(string("currency"))
            .col(string("billing_cycle"))
            .col(big_integer("included_credits"))
            .col(integer("max_sites"))
            .col(integer("max_users"))
            .col(boolean("is_active"))
            .col(boolean("is_public"))
            .col(integer("sort_order"))
            .take(),
        create("accounts")
            .col(string("name"))
            .col(string_uniq("slug"))
            .col(big_integer_null("owner_id"))
            .reference("plan_id", "plans")
            .col(string("status"))
            .col(big_integer("credits"))
            .col(string_null("billing_email"))
            .col(string_null("billing_address_line1"))
            .col(string_null("billing_address_line2"))
            .col(string_null("billing_city"))
            .col(string_null("billing_state"))
            .col(string_null("billing_postal_code"))
            .col(string_null("billing_country"))
            .col(string_null("tax_id"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .take(),
        create("users")
            .col(string_uniq("email"))
            .col(string("password_hash"))
            .col(string("first_name"))
            .col(string("last_name"))
            .reference_null("account_id", "accounts")
            .col(string("role"))
            .col(boolean("is_staff"))
            .col(boolean("is_superuser"))
            .col(boolean("is_active"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("last_login_at"))
            .take(),
        create("subscriptions")
            .reference("account_id", "accounts")
            .reference("plan_id", "plans")
            .col(string("status"))
            .col(timestamp_with_time_zone_null("current_period_start"))
            .col(timestamp_with_time_zone_null("current_period_end"))
            .col(string_null("external_payment_id"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .take(),
        create("invoices")
            .col(string_uniq("invoice_number"))
            .reference("account_id", "accounts")
            .reference_null("subscription_id", "subscriptions")
            .col(string("status"))
            .col(string("currency"))
            .col(big_integer("subtotal"))
            .col(big_integer("tax"))
            .col(big_integer("total"))
            .col(text("line_items"))
            .col(date("due_date"))
            .col(timestamp_with_time_zone_null("paid_at"))
            .col(text("metadata"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .take(),
        Table::create()
            .table("invoice_sequences")
            .reference("account_id", "accounts")
            .col(string("period"))
            .col(big_integer("last_number"))
            .primary_key(Index::create().col("account_id").col("period"))
            .take(),
        create("payments")
            .reference("invoice_id", "invoices")
            .reference("account_id", "accounts")
            .col(big_integer("amount"))
            .col(string("currency"))
            .col(string("payment_method"))
            .col(string("status"))
            .col(string_null("manual_reference"))
            .col(text_null("manual_notes"))
            .col(string_null("proof"))
            .col(text_null("admin_notes"))
            .reference_null("approved_by_id", "users")
            .col(timestamp_with_time_zone_null("approved_at"))
            .col(string_null("failure_reason"))
            .reference_null("submitted_by_id", "users")
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .take(),
        create("payment_method_configs")
            .col(string("country_code"))
            .col(string("payment_method"))
            .col(string("display_name"))
            .col(text("instructions"))
            .col(text("details"))
            .col(boolean("is_enabled"))
            .col(integer("sort_order"))
            .take(),
        create("account_payment_methods")
            .reference("account_id", "accounts")
            .col(string("method_type"))
            .col(string("display_name"))
            .col(boolean("is_default"))
            .col(text("details"))
            .col(timestamp_with_time_zone("created_at"))
            .take(),
        create("credit_transactions")
            .reference("account_id", "accounts")
            .col(string("transaction_type"))
            .col(big_integer("amount"))
            .col(big_integer("balance_after"))
            .col(string("description"))
            .col(string_null("reference"))
            .col(timestamp_with_time_zone("created_at"))
            .take(),
        create("credit_costs")
            .col(string_uniq("operation_type"))
            .col(string("display_name"))
            .col(big_integer("credits_per_unit"))
            .col(big_integer("unit_size"))
            .col(string("unit_name"))
            .col(boolean("is_active"))
            .take(),
        create("credit_usages")
            .reference("account_id", "accounts")
            .reference("user_id", "users")
            .col(string("operation_type"))
            .col(big_integer("quantity"))
            .col(big_integer("credits_used"))
            .reference("transaction_id", "credit_transactions")
            .col(timestamp_with_time_zone("created_at"))
            .take(),
        create("industries")
            .col(string_uniq("slug"))
            .col(string("name"))
            .col(boolean("is_active"))
            .take(),
        create("sites")
            .reference("account_id", "accounts")
            .col(string("name"))
            .col(string_null("domain"))
            .reference("industry_id", "industries")
            .col(boolean("is_active"))
            .col(timestamp_with_time_zone("created_at"))
            .take(),
        create("site_user_access")
            .reference("site_id", "sites")
            .reference("user_id", "users")
            .col(string("role"))
            .col(timestamp_with_time_zone("created_at"))
            .take(),
        create("refresh_tokens")
            .reference("user_id", "users")
            .col(string_uniq("token_hash"))
            .col(timestamp_with_time_zone("expires_at"))
            .col(timestamp_with_time_zone_null("revoked_at"))
            .col(timestamp_with_time_zone("created_at"))
            .take(),
        Table::create()
            .table("settings")
            .col(string("key").primary_key())
            .col(text("value"))
            .take(),
    ];
    let indexes = [
        index("accounts", &["status"], false),
        index("users", &["account_id"], false),
        index("subscriptions", &["account_id"], false),
        index("invoices", &["account_id"], false),
        index("payments", &["status", "id"], false),
        index("payments", &["account_id"], false),
        index("payments", &["invoice_id"], false),
        index("payments", &["manual_reference"], false),
        index(
            "payment_method_configs",
            &["country_code", "payment_method"],
            true,
        ),
        index("account_payment_methods", &["account_id"], false),
        index("credit_transactions", &["account_id", "id"], false),
        index("credit_usages", &["account_id"], false),
        index("sites", &["account_id"], false),
        index("site_user_access", &["site_id", "user_id"], true),
        index("refresh_tokens", &["user_id"], false),
    ];
    create_all(m, tables, indexes).await?;
    // At most one confirmation awaiting review per invoice. A partial unique index (same SQL
    // on both backends) makes two racing confirmations impossible, not merely unlikely.
    m.get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX ux_payments_one_pending_per_invoice \
             ON payments (invoice_id) WHERE status = 'pending_approval'",
        )
        .await?;
    Ok(())
});
