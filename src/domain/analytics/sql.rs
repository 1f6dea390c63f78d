//! The few places where SQLite and PostgreSQL spell an aggregate differently (date buckets,
//! seconds between two timestamps), and one way to run a read with bound values on either.
//! Everything else in the analytics queries is SQL both accept as written.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use crate::db::Db;
use crate::error::Result;

/// The backend a query is written for.
#[derive(Clone, Copy)]
pub(super) struct Dialect(DbBackend);

impl Dialect {
    pub(super) fn of(db: &Db) -> Dialect {
        Dialect(db.backend())
    }

    fn postgres(self) -> bool {
        self.0 == DbBackend::Postgres
    }

    /// `YYYY-MM` of a timestamp, in UTC. SQLite stores timestamps as UTC text, which
    /// `strftime` reads; PostgreSQL's `timestamptz` is formatted in the session's zone unless
    /// told otherwise, hence `AT TIME ZONE 'UTC'`.
    pub(super) fn month(self, col: &str) -> String {
        if self.postgres() {
            format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM')")
        } else {
            format!("strftime('%Y-%m', {col})")
        }
    }

    /// The Monday starting a timestamp's ISO week, `YYYY-MM-DD`, in UTC. SQLite has no
    /// `date_trunc`: `weekday 0` moves to the coming Sunday (or stays on one), six days back
    /// is that week's Monday.
    pub(super) fn week(self, col: &str) -> String {
        if self.postgres() {
            format!("to_char(date_trunc('week', {col} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')")
        } else {
            format!("date({col}, 'weekday 0', '-6 days')")
        }
    }

    /// Whole seconds from `earlier` to `later`, rounded (julianday is a float of days, so
    /// an hour comes back as 3599.9999…).
    pub(super) fn seconds(self, later: &str, earlier: &str) -> String {
        if self.postgres() {
            format!("CAST(ROUND(EXTRACT(EPOCH FROM ({later} - {earlier}))) AS BIGINT)")
        } else {
            format!("CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)")
        }
    }

    /// Runs `sql`, written with PostgreSQL's `$1, $2…`, with `values` bound. SQLite reads the
    /// same numbers as `?1, ?2…`. Only the query's own text is rewritten: every value given
    /// by a user is bound, never spliced in.
    pub(super) async fn rows(
        self,
        db: &Db,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<QueryResult>> {
        let sql = if self.postgres() {
            sql.to_owned()
        } else {
            sql.replace('$', "?")
        };
        let statement = Statement::from_sql_and_values(self.0, sql, values);
        Ok(db.conn().query_all_raw(statement).await?)
    }
}
