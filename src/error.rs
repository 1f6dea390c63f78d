//! The one error type of tollgate, free of HTTP: domain code says *what* went wrong (not found,
//! conflict, invalid input…). `api/error.rs` alone decides which status and body that becomes,
//! for the JSON API and the panel's pages alike.

use std::collections::BTreeMap;

/// Field name → messages, as in the envelope's `errors` object.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: 400 with the offending fields named.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: FieldErrors,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The request is valid but the object's state forbids it (409).
    #[error("{0}")]
    Conflict(String),
    /// Another request held the same rows at the same moment (a deadlock or serialization
    /// failure); the transaction was rolled back, so nothing changed and a retry may succeed.
    #[error(
        "Another request changed the same records at the same moment. Nothing was changed; try again."
    )]
    Contended,
    #[error("{0}")]
    InsufficientCredits(String),
    /// A payment provider declined the payment as sent (a card refused at once): 402.
    #[error("{0}")]
    PaymentDeclined(String),
    /// The account must pay before it may do this (suspended for an unpaid invoice, a trial
    /// that ended, a cancelled subscription): 402.
    #[error("{0}")]
    PaymentRequired(String),
    /// Well-formed but refused as sent, e.g. an idempotency key reused for another request.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The client took too long to send its request (408).
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// Throttled: 429 with `Retry-After`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// A service tollgate depends on (file storage) did not answer; nothing was saved, and the
    /// same request may succeed later (503).
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: logged in full, answered as a bare 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A 400 naming one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), vec![message.clone()]);
        Error::Invalid { message, fields }
    }

    /// A 400 from collected field errors; `None` when there are none.
    pub fn from_fields(fields: FieldErrors) -> Option<Self> {
        if fields.is_empty() {
            return None;
        }
        let message = match fields.iter().next() {
            Some((name, msgs)) if fields.len() == 1 && msgs.len() == 1 => {
                format!("{name}: {}", msgs[0])
            }
            _ => "Validation failed".to_owned(),
        };
        Some(Error::Invalid { message, fields })
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        if is_contention(&err) {
            tracing::warn!(error = %err, "transaction lost a race for its rows");
            return Error::Contended;
        }
        Error::Internal(err.into())
    }
}

/// Collects field errors while validating a request, so every problem is reported at once.
#[derive(Default, Debug)]
pub struct Problems(FieldErrors);

impl Problems {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// `Err` with every collected problem, or `Ok(())` when there are none.
    pub fn finish(self) -> Result<()> {
        match Error::from_fields(self.0) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

/// True when the database gave up on a statement because another transaction held what it
/// needed: a PostgreSQL deadlock (40P01) or serialization failure (40001), or SQLite still busy
/// after its timeout. Nothing of the transaction was kept, so the work may be tried again.
pub fn is_contention(err: &sea_orm::DbErr) -> bool {
    use sea_orm::DbErr;
    use sea_orm::RuntimeErr;
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(e) = e.as_ref() else {
        return false;
    };
    // SQLite's primary result code SQLITE_BUSY is 5; extended codes keep it in the low byte.
    let sqlite_busy = |code: &str| code.parse::<i32>().is_ok_and(|c| c & 0xff == 5);
    e.code()
        .is_some_and(|code| code == "40P01" || code == "40001" || sqlite_busy(&code))
}
