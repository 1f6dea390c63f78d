//! Importing a statement file: parsed whole first (a malformed file stores nothing), then its
//! lines written in one transaction, a line whose fingerprint is already stored skipped, so
//! the same file imported twice adds nothing.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, TryInsertResult};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::matching::Suggestion;
use crate::db::Db;
use crate::domain::audit;
use crate::domain::staff::StaffActor;
use crate::domain::statements::{self, CsvProfile, Format, Statement};
use crate::entities::bank_statement;
use crate::entities::statement_line::{self, Direction};
use crate::error::{Error, Result};

/// Lines written per statement: well under SQLite's limit of bound values.
const BATCH: usize = 500;

/// A statement file as given.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    /// `None`: read from the file (camt.053 and MT940 say what they are; CSV needs a profile).
    pub format: Option<Format>,
    /// The CSV column mapping, by name.
    pub profile: Option<&'a str>,
    /// Profiles the operator configured beside the built-in ones.
    pub extra_profiles: &'a [CsvProfile],
}

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    /// `None` when the file added nothing (nothing is written then).
    pub statement_id: Option<i64>,
    pub format: Format,
    pub read: usize,
    pub new: usize,
    pub already: usize,
    /// Debit lines: kept with the statement, never matched.
    pub debits: usize,
    /// The pairs suggested for this file's unlinked credit lines.
    pub suggestions: Vec<Suggestion>,
    /// This file's unlinked credit lines that no pending payment fits.
    pub unmatched: usize,
}

/// Imports one statement. `progress(done, total)` is called as lines are written.
pub async fn import(
    db: &Db,
    importer: Option<&StaffActor>,
    upload: Upload<'_>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<Imported> {
    let statement = parse(&upload)?;
    let sha256 = hex::encode(Sha256::digest(upload.bytes));
    let total = statement.lines.len();
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let row = bank_statement::ActiveModel {
        file_name: Set(upload.file_name.chars().take(255).collect()),
        format: Set(statement.format.to_string()),
        sha256: Set(sha256),
        account: Set(statement.account.clone()),
        currency: Set(statement.currency.clone()),
        lines_read: Set(count(total)),
        lines_new: Set(0),
        imported_by_id: Set(importer.map(|s| s.id())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let rows: Vec<statement_line::ActiveModel> = statement
        .fingerprinted_lines()
        .into_iter()
        .map(|(line, fingerprint)| statement_line::ActiveModel {
            statement_id: Set(row.id),
            fingerprint: Set(fingerprint),
            line_no: Set(count(line.line_no)),
            booking_date: Set(line.booking_date),
            value_date: Set(line.value_date),
            amount: Set(line.amount),
            currency: Set(line.currency.clone()),
            direction: Set(match line.direction {
                statements::Direction::Credit => Direction::Credit,
                statements::Direction::Debit => Direction::Debit,
            }),
            bank_reference: Set(line.bank_reference.clone()),
            payer_name: Set(line.payer_name.clone()),
            remittance: Set(line.remittance.clone()),
            payment_id: Set(None),
            linked_by_id: Set(None),
            linked_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    let mut new = 0;
    let mut done = 0;
    for batch in rows.chunks(BATCH) {
        let inserted = statement_line::Entity::insert_many(batch.to_vec())
            .on_conflict_do_nothing_on([statement_line::Column::Fingerprint])
            .exec_without_returning(&*txn)
            .await?;
        new += match inserted {
            TryInsertResult::Inserted(rows) => rows as usize,
            TryInsertResult::Empty | TryInsertResult::Conflicted => 0,
        };
        done += batch.len();
        progress(done, total);
    }
    let debits = statement
        .lines
        .iter()
        .filter(|l| l.direction == statements::Direction::Debit)
        .count();
    let mut imported = Imported {
        statement_id: None,
        format: statement.format,
        read: total,
        new,
        already: total - new,
        debits,
        suggestions: Vec::new(),
        unmatched: 0,
    };
    if new == 0 {
        // The same file again: the statement row goes with the rolled-back transaction.
        return Ok(imported);
    }
    bank_statement::Entity::update(bank_statement::ActiveModel {
        id: Set(row.id),
        lines_new: Set(count(new)),
        ..Default::default()
    })
    .exec(&*txn)
    .await?;
    audit::record(
        &*txn,
        audit::Action {
            actor: importer.map(|s| s.id()),
            action: "statement.import",
            object_type: "bank_statement",
            object_id: row.id,
            before: serde_json::Value::Null,
            after: json!({"file": row.file_name, "format": row.format, "read": total, "new": new}),
            ledger_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    imported.statement_id = Some(row.id);
    (imported.suggestions, imported.unmatched) =
        super::overview::suggestions_for_statement(db, row.id).await?;
    Ok(imported)
}

fn parse(upload: &Upload<'_>) -> Result<Statement> {
    let unreadable = |message: String| Error::field("file", message);
    let format = match (upload.format, upload.profile) {
        (Some(format), _) => format,
        (None, Some(_)) => Format::Csv,
        (None, None) => statements::detect(upload.bytes).ok_or_else(|| {
            unreadable(
                "Not a camt.053 or MT940 statement; for a CSV file, choose its profile.".into(),
            )
        })?,
    };
    let profile = match (format, upload.profile) {
        (Format::Csv, Some(name)) => Some(
            statements::profile_by_name(name, upload.extra_profiles)
                .ok_or_else(|| unreadable(format!("No CSV profile is named \"{name}\".")))?,
        ),
        (Format::Csv, None) => return Err(unreadable("A CSV statement needs a profile.".into())),
        _ => None,
    };
    statements::parse(upload.bytes, format, profile.as_ref())
        .map_err(|e| unreadable(format!("The statement could not be read: {e}")))
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
