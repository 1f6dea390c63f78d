use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// Who acted: a customer, a member of staff, or none (the command line).
    pub actor_id: Option<i64>,
    pub request_id: String,
    /// `payment.approve`, `credits.spend`, `plan.update`…
    pub action: String,
    pub object_type: String,
    pub object_id: i64,
    /// JSON of the fields the action changed, as they were and as they became.
    #[sea_orm(column_type = "Text")]
    pub before: String,
    #[sea_orm(column_type = "Text")]
    pub after: String,
    /// The ledger row the action wrote, for money changes.
    pub ledger_id: Option<i64>,
}

super::no_relations!();
