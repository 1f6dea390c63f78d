//! Connecting to SQLite or PostgreSQL, and the write transactions every state change runs in.

pub mod cache;
pub mod migrations;
pub mod seed;
pub mod write_gate;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    TransactionTrait,
};

use write_gate::{GateStats, Turn, WriteGate};

use crate::calendar::{Clock, Terms};

/// The shared database handle. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    /// SQLite allows one writer at a time. Queuing writers here (FIFO) instead of letting them
    /// spin in SQLite's busy handler keeps throughput steady and "database is locked" away from
    /// clients, and lets queued writers commit together (`write_gate.rs`). PostgreSQL has no
    /// gate: its row locks and conditional updates do the work.
    write_gate: Option<Arc<WriteGate>>,
    /// Reference data held in memory (see `cache.rs`).
    catalog: Arc<cache::CatalogCache>,
    /// Billing's time, shared by every clone (see `calendar.rs`).
    clock: Clock,
    terms: Arc<Terms>,
}

/// Connections of the pool: checked out, open and idle, and the most it opens.
#[derive(Clone, Copy, Debug)]
pub struct PoolUse {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

/// A write transaction. Dropping it without `commit` rolls back.
pub struct WriteTxn {
    // Field order matters: the transaction is rolled back before the gate opens.
    txn: DatabaseTransaction,
    turn: Option<Turn>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    /// Returns once the work is durably committed (on SQLite possibly together with other
    /// writers' — see `write_gate.rs`), or with the error that prevented it.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self.turn {
            Some(turn) => turn.commit(self.txn).await,
            None => self.txn.commit().await,
        }
    }
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        let is_sqlite = url.starts_with("sqlite:");
        if is_sqlite {
            // A SQLite connection holds no server's resources, only its page cache and
            // prepared statements: closing it when idle or old (sqlx's 10 and 30 minutes) and
            // opening another only throws those away, so connections once opened are kept.
            // No minimum is needed then; with one, sqlx opens it at once beside the first
            // connection, and the two race to switch a new file to WAL ("database is
            // locked").
            opts.max_connections(8)
                .min_connections(0)
                .idle_timeout(None::<Duration>)
                .max_lifetime(None::<Duration>);
            opts.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        } else {
            opts.max_connections(16).min_connections(1);
        }
        let conn = Database::connect(opts).await?;
        let write_gate = is_sqlite.then(Arc::default);
        Ok(Db {
            conn,
            write_gate,
            catalog: Arc::default(),
            clock: Clock::default(),
            terms: Arc::default(),
        })
    }

    /// The same handle with the lifecycle's terms from the settings (at start-up).
    pub fn with_terms(self, terms: Terms) -> Db {
        Db {
            terms: Arc::new(terms),
            ..self
        }
    }

    /// Billing's present moment (see `calendar.rs`).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn terms(&self) -> &Terms {
        &self.terms
    }

    /// For reads: any statement outside a write transaction.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn catalog_cache(&self) -> &cache::CatalogCache {
        &self.catalog
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE` behind the in-process gate
    /// (or a savepoint in the group of writers queued behind it), so a transaction that reads
    /// before it writes can never fail to upgrade its lock; another process (the CLI) waits in
    /// SQLite's busy timeout.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        match &self.write_gate {
            Some(gate) => {
                let (txn, turn) = gate.enter(&self.conn).await?;
                Ok(WriteTxn {
                    txn,
                    turn: Some(turn),
                })
            }
            None => Ok(WriteTxn {
                txn: self.conn.begin().await?,
                turn: None,
            }),
        }
    }

    /// SQLite's group commits so far (`None` on PostgreSQL, which has no write gate).
    pub fn write_gate_stats(&self) -> Option<GateStats> {
        self.write_gate.as_ref().map(|gate| gate.stats())
    }

    /// How the connection pool is used right now, for `/metrics`.
    pub fn pool_use(&self) -> Option<PoolUse> {
        fn of<D: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<D>) -> PoolUse {
            let open = pool.size();
            let idle = u32::try_from(pool.num_idle()).unwrap_or(open);
            PoolUse {
                in_use: open.saturating_sub(idle),
                idle,
                max: pool.options().get_max_connections(),
            }
        }
        // The backend is checked first: sea-orm's pool getters panic on the other one.
        match self.backend() {
            DbBackend::Sqlite => Some(of(self.conn.get_sqlite_connection_pool())),
            DbBackend::Postgres => Some(of(self.conn.get_postgres_connection_pool())),
            _ => None,
        }
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }
}

/// True when the error is a unique-constraint violation (a lost race on an insert).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
