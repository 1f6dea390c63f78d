//! One migration history for SQLite and PostgreSQL, embedded in the binary.

mod m0001_initial;
mod m0002_staff_sessions;
mod m0003_refresh_rotation;
mod m0004_idempotency_keys;
mod m0005_login_failures;
mod m0006_audit_log;
pub(crate) mod m0007_search_indexes;
mod m0008_login_attempts;
mod m0009_web_sessions;

use sea_orm_migration::prelude::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_staff_sessions::Migration),
            Box::new(m0003_refresh_rotation::Migration),
            Box::new(m0004_idempotency_keys::Migration),
            Box::new(m0005_login_failures::Migration),
            Box::new(m0006_audit_log::Migration),
            Box::new(m0007_search_indexes::Migration),
            Box::new(m0008_login_attempts::Migration),
            Box::new(m0009_web_sessions::Migration),
        ]
    }
}
