//! Table definitions, one file per table. Only the domain and the database layer use them.

/// What every table file ends with: no relations declared, since the domain joins by hand
/// with explicit queries, and the default `ActiveModel` behaviour.
macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}
use no_relations;

pub mod account;
pub mod account_payment_method;
pub mod audit_entry;
pub mod bank_statement;
pub mod credit_cost;
pub mod credit_note;
pub mod credit_transaction;
pub mod credit_usage;
pub mod idempotency_key;
pub mod industry;
pub mod invoice;
pub mod invoice_sequence;
pub mod job;
pub mod login_attempt;
pub mod password_reset;
pub mod payment;
pub mod payment_method_config;
pub mod plan;
pub mod provider_event;
pub mod refresh_token;
pub mod setting;
pub mod site;
pub mod site_user_access;
pub mod statement_line;
pub mod status;
pub mod subscription;
pub mod top_up_package;
pub mod user;
pub mod web_session;
pub mod webhook_delivery;
pub mod webhook_endpoint;
