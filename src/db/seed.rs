//! Reference data, seeded idempotently: rows already present (by their natural key) are left
//! alone, so staff edits survive restarts and several servers may start at once.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

use crate::entities::status::{BillingCycle, PaymentMethod as Method};
use crate::entities::{credit_cost, industry, payment_method_config, plan, top_up_package};

/// (slug, name, price in cents, included credits, max sites, max users, public)
const PLANS: &[(&str, &str, i64, i64, i32, i32, bool)] = &[
    ("free", "Free", 0, 1000, 1, 1, true),
    ("starter", "Starter", 8900, 1000, 1, 2, true),
    ("growth", "Growth", 13900, 2000, 3, 5, true),
    ("scale", "Scale", 22900, 5000, 5, 10, true),
    ("internal", "Internal", 0, 100_000, 100, 100, false),
];

/// (name, credits, price in cents): the credit packages on sale from the start, in USD like
/// the plans. A credit costs a little more in small packages, as on the plans.
const TOP_UPS: &[(&str, i64, i64)] = &[
    ("500 credits", 500, 4900),
    ("2,000 credits", 2000, 17900),
    ("10,000 credits", 10_000, 79_000),
];

/// (country, method, display name, instructions, details JSON, sort order)
const PAYMENT_METHODS: &[(&str, Method, &str, &str, &str, i32)] = &[
    (
        "*",
        Method::Stripe,
        "Credit/Debit Card (Stripe)",
        "",
        "{}",
        10,
    ),
    ("*", Method::Paypal, "PayPal", "", "{}", 20),
    (
        "*",
        Method::BankTransfer,
        "Bank Transfer",
        "Bank: ABC Bank, Account: 1234567890, SWIFT: ABCPKKA",
        r#"{"bank_name":"ABC Bank","account_number":"1234567890","swift":"ABCPKKA"}"#,
        30,
    ),
    (
        "PK",
        Method::LocalWallet,
        "JazzCash / Easypaisa",
        "JazzCash: 03001234567",
        r#"{"wallet_provider":"JazzCash","wallet_number":"03001234567"}"#,
        40,
    ),
    (
        "IN",
        Method::LocalWallet,
        "UPI / Paytm",
        "UPI: billing@abcbank",
        r#"{"upi_id":"billing@abcbank"}"#,
        40,
    ),
    (
        "BD",
        Method::LocalWallet,
        "bKash / Nagad",
        "bKash: 01712345678",
        r#"{"wallet_number":"01712345678"}"#,
        40,
    ),
    (
        "KE",
        Method::LocalWallet,
        "M-Pesa",
        "M-Pesa Paybill: 123456",
        r#"{"paybill":"123456"}"#,
        40,
    ),
    (
        "PH",
        Method::LocalWallet,
        "GCash / Maya",
        "GCash: 09171234567",
        r#"{"wallet_number":"09171234567"}"#,
        40,
    ),
    (
        "ID",
        Method::LocalWallet,
        "GoPay / OVO",
        "GoPay: 081234567890",
        r#"{"wallet_number":"081234567890"}"#,
        40,
    ),
    (
        "BR",
        Method::LocalWallet,
        "Pix",
        "Pix key: billing@example.com",
        r#"{"pix_key":"billing@example.com"}"#,
        40,
    ),
    (
        "GB",
        Method::BankTransfer,
        "Bank Transfer (UK Faster Payments)",
        "Bank: ABC Bank UK, Sort code: 12-34-56, Account: 12345678",
        r#"{"bank_name":"ABC Bank UK","sort_code":"12-34-56","account_number":"12345678"}"#,
        30,
    ),
    (
        "DE",
        Method::BankTransfer,
        "SEPA Transfer",
        "Bank: ABC Bank EU, IBAN: DE89370400440532013000, BIC: ABCDDEFF",
        r#"{"bank_name":"ABC Bank EU","iban":"DE89370400440532013000","bic":"ABCDDEFF"}"#,
        30,
    ),
    (
        "AE",
        Method::BankTransfer,
        "Bank Transfer (UAE)",
        "Bank: ABC Bank UAE, IBAN: AE070331234567890123456",
        r#"{"bank_name":"ABC Bank UAE","iban":"AE070331234567890123456"}"#,
        30,
    ),
    (
        "NG",
        Method::BankTransfer,
        "Bank Transfer (Nigeria)",
        "Bank: ABC Bank Nigeria, Account: 0123456789",
        r#"{"bank_name":"ABC Bank Nigeria","account_number":"0123456789"}"#,
        30,
    ),
];

const INDUSTRIES: &[(&str, &str)] = &[
    ("technology", "Technology"),
    ("ecommerce", "E-commerce"),
    ("healthcare", "Healthcare"),
    ("finance", "Finance"),
    ("education", "Education"),
    ("travel", "Travel & Hospitality"),
    ("food", "Food & Beverage"),
    ("real-estate", "Real Estate"),
    ("marketing", "Marketing & Advertising"),
    ("legal", "Legal"),
    ("automotive", "Automotive"),
    ("home-garden", "Home & Garden"),
];

/// (operation, display name, credits per unit, unit size, unit name)
const CREDIT_COSTS: &[(&str, &str, i64, i64, &str)] = &[
    ("clustering", "Keyword clustering", 10, 1, "request"),
    ("idea_generation", "Idea generation", 15, 1, "request"),
    ("content_generation", "Content generation", 1, 100, "word"),
    ("image_generation", "Image generation", 5, 1, "image"),
    (
        "image_prompt_extraction",
        "Image prompt extraction",
        2,
        1,
        "request",
    ),
    ("linking", "Internal linking", 8, 1, "request"),
    ("optimization", "Content optimization", 1, 200, "word"),
    (
        "site_structure_generation",
        "Site structure generation",
        50,
        1,
        "request",
    ),
];

/// Inserts the rows whose unique `key` is not taken yet, so that seeding twice changes nothing.
async fn insert_missing<A, C>(
    db: &C,
    rows: impl IntoIterator<Item = A>,
    key: impl IntoIterator<Item = <A::Entity as EntityTrait>::Column>,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait,
    C: ConnectionTrait,
{
    A::Entity::insert_many(rows)
        .on_conflict_do_nothing_on(key)
        .exec(db)
        .await?;
    Ok(())
}

pub async fn seed_reference_data<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let plans = PLANS.iter().enumerate().map(|(i, p)| plan::ActiveModel {
        slug: Set(p.0.into()),
        name: Set(p.1.into()),
        price: Set(p.2),
        currency: Set("USD".into()),
        billing_cycle: Set(BillingCycle::Monthly.as_str().into()),
        included_credits: Set(p.3),
        max_sites: Set(p.4),
        max_users: Set(p.5),
        is_active: Set(true),
        is_public: Set(p.6),
        sort_order: Set(i as i32),
        ..Default::default()
    });
    insert_missing(db, plans, [plan::Column::Slug]).await?;

    let methods = PAYMENT_METHODS
        .iter()
        .map(|m| payment_method_config::ActiveModel {
            country_code: Set(m.0.into()),
            payment_method: Set(m.1),
            display_name: Set(m.2.into()),
            instructions: Set(m.3.into()),
            details: Set(m.4.into()),
            is_enabled: Set(true),
            sort_order: Set(m.5),
            ..Default::default()
        });
    insert_missing(
        db,
        methods,
        [
            payment_method_config::Column::CountryCode,
            payment_method_config::Column::PaymentMethod,
        ],
    )
    .await?;

    let industries = INDUSTRIES.iter().map(|i| industry::ActiveModel {
        slug: Set(i.0.into()),
        name: Set(i.1.into()),
        is_active: Set(true),
        ..Default::default()
    });
    insert_missing(db, industries, [industry::Column::Slug]).await?;

    let costs = CREDIT_COSTS.iter().map(|c| credit_cost::ActiveModel {
        operation_type: Set(c.0.into()),
        display_name: Set(c.1.into()),
        credits_per_unit: Set(c.2),
        unit_size: Set(c.3),
        unit_name: Set(c.4.into()),
        is_active: Set(true),
        ..Default::default()
    });
    insert_missing(db, costs, [credit_cost::Column::OperationType]).await?;

    let now = chrono::Utc::now();
    let top_ups = TOP_UPS
        .iter()
        .enumerate()
        .map(|(i, t)| top_up_package::ActiveModel {
            name: Set(t.0.into()),
            credits: Set(t.1),
            price: Set(t.2),
            currency: Set("USD".into()),
            is_active: Set(true),
            sort_order: Set(i as i32),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    insert_missing(db, top_ups, [top_up_package::Column::Name]).await?;
    Ok(())
}
