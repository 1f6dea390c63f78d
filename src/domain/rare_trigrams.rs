//! Keeps PostgreSQL's trigram search flat as a table grows, for terms whose trigrams most rows
//! share.
//!
//! pg_trgm answers `lower(col) LIKE '%term%'` by intersecting the posting lists of every
//! trigram of the term. A trigram in most rows ('com' of an email, 'inv' of an invoice number,
//! 'bil' of every demo billing email) costs a read of its whole posting tree, which grows with
//! the table: at a million accounts, 1,801 index pages for one search. So on a big table the
//! index is asked only for two rare three-character windows of the term, apart from each
//! other, chosen from a sample of the column ([`Sample::rarest`]), and the whole term is
//! checked on the rows they find (`strpos`, which no index serves). The estimate decides only the speed: whatever it says, the rows found
//! are exactly those that contain the term.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DbBackend, Statement, TryGetable};

use crate::error::{Error, Result};

/// Below this many rows (PostgreSQL's estimate) the whole pattern is asked: its posting
/// lists are short, and a sample would say little.
pub const MIN_TABLE_ROWS: f64 = 50_000.0;

/// Values read per sample.
const SAMPLE_ROWS: usize = 2_000;

/// A sample is taken again after this long, so that the estimate follows the data.
const FRESH_FOR: Duration = Duration::from_secs(5 * 60);

/// How often each three-character window occurs in a sample of one column's values.
#[derive(Debug, Default)]
pub struct Sample {
    /// Values sampled.
    values: u32,
    /// Values that contain the window, per window.
    counts: HashMap<[u8; 3], u32>,
}

/// A window found in more than this share of the sampled values is too common to narrow
/// the search by: the whole pattern, all of whose trigrams must match, then finds fewer rows.
const MAX_SHARE: f64 = 0.02;

impl Sample {
    /// Counts, in each value, every trigram it holds (once per value), as pg_trgm sees it:
    /// separators are alike, and the value's ends are word boundaries.
    pub fn of<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut sample = Sample::default();
        let mut seen = HashSet::new();
        for value in values {
            let padded: String = std::iter::once(' ')
                .chain(
                    value
                        .chars()
                        .map(|c| if is_separator_char(c) { ' ' } else { c }),
                )
                .chain(std::iter::once(' '))
                .collect();
            seen.clear();
            seen.extend(windows(&padded).map(|(_, w)| w));
            for w in &seen {
                *sample.counts.entry(*w).or_insert(0) += 1;
            }
            sample.values += 1;
        }
        sample
    }

    /// The windows to ask the index for, for `term` (lower-cased), rarest first: of its
    /// rare windows (those in at most [`MAX_SHARE`] of the values: a common one's posting
    /// list is what the narrowing avoids reading), the two apart that the fewest values
    /// should hold both of, taking them as independent (overlapping windows mostly occur
    /// together, so they are never paired); the rarest alone when no two are apart. Empty,
    /// for the whole pattern instead, when the term has no rare window.
    pub fn rarest(&self, term: &str) -> Vec<String> {
        // '-50' asks for what ' 50', '@50' or a value starting with '50' would: its trigram.
        let count = |w: &[u8; 3]| u64::from(self.counts.get(&trigram(*w)).copied().unwrap_or(0));
        let most = MAX_SHARE * f64::from(self.values);
        let rare: Vec<(usize, [u8; 3], u64)> = windows(term)
            .map(|(at, w)| (at, w, count(&w)))
            .filter(|(_, _, n)| *n as f64 <= most)
            .collect();
        let mut best: Option<(u64, [u8; 3], [u8; 3])> = None;
        for (i, (at, w, n)) in rare.iter().enumerate() {
            for (other_at, other, other_n) in &rare[i + 1..] {
                let both = n * other_n;
                if other_at.abs_diff(*at) >= 3 && other != w && best.is_none_or(|b| both < b.0) {
                    let (a, b) = if other_n < n {
                        (*other, *w)
                    } else {
                        (*w, *other)
                    };
                    best = Some((both, a, b));
                }
            }
        }
        let chosen = match best {
            Some((_, a, b)) => vec![a, b],
            // Equal counts: the first in the term.
            None => rare
                .iter()
                .min_by_key(|(_, _, n)| *n)
                .map(|(_, w, _)| *w)
                .into_iter()
                .collect(),
        };
        chosen
            .into_iter()
            .map(|w| String::from_utf8_lossy(&w).into_owned())
            .collect()
    }
}

/// The three-byte windows of `text`, with their offsets, that `LIKE '%window%'` turns into
/// trigrams of `LIKE '%text%'` and nothing else (pg_trgm splits a pattern into words of
/// letters and digits, padding a word's start with two spaces and its end with one):
/// three ASCII letters or digits ('g50': one trigram); a separator then two ('-50': a word
/// starting with '50'); two then a separator ('00@': a word ending in '00'). A window with a
/// separator in the middle would only ask for the start of a word with one letter, too
/// common to help; `%`, `_` and `\` would be read as LIKE's own; and multi-byte letters
/// are left out, so that no window splits a character.
fn windows(text: &str) -> impl Iterator<Item = (usize, [u8; 3])> + '_ {
    text.as_bytes()
        .windows(3)
        .enumerate()
        .filter(|(_, w)| {
            let (word, separator) = (is_word(w[0]), is_separator(w[0]));
            is_word(w[1])
                && ((word && (is_word(w[2]) || is_separator(w[2]))) || (separator && is_word(w[2])))
        })
        .map(|(at, w)| (at, [w[0], w[1], w[2]]))
}

/// A character pg_trgm keeps in a word (for the ASCII ones the windows are made of).
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A character between words that a LIKE pattern takes literally.
fn is_separator(b: u8) -> bool {
    b.is_ascii() && !is_word(b) && !matches!(b, b'%' | b'_' | b'\\')
}

/// An ASCII character pg_trgm splits words at (LIKE's own included, in a value).
fn is_separator_char(c: char) -> bool {
    c.is_ascii() && !c.is_ascii_alphanumeric()
}

/// The trigram pg_trgm indexes for a window: its separator read as a space.
fn trigram(w: [u8; 3]) -> [u8; 3] {
    w.map(|b| if is_word(b) { b } else { b' ' })
}

/// What one column's search asks of its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// `lower(col) LIKE '%term%'`: every trigram of the term.
    Whole,
    /// `lower(col) LIKE '%w%'` for each window, then the whole term checked on what they find.
    Windows(Vec<String>),
}

/// Samples per (table, column), with when each was taken; `None` for a table too small to
/// need one. Per process: each server of a shared database samples for itself, and a sample
/// from another database (in tests) changes only which windows are asked, never the rows.
type Samples = HashMap<(&'static str, &'static str), (Instant, Option<Arc<Sample>>)>;

static SAMPLES: LazyLock<RwLock<Samples>> = LazyLock::new(RwLock::default);

/// What to ask of `table.column`'s index for `term` (lower-cased): [`Ask::Whole`] on
/// SQLite, on a small table, or for a term without windows.
pub async fn ask<C: ConnectionTrait>(
    db: &C,
    table: &'static str,
    column: &'static str,
    term: &str,
) -> Result<Ask> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(Ask::Whole);
    }
    let Some(sample) = sample(db, table, column).await? else {
        return Ok(Ask::Whole);
    };
    let rarest = sample.rarest(term);
    Ok(if rarest.is_empty() {
        Ask::Whole
    } else {
        Ask::Windows(rarest)
    })
}

/// The column's sample, taken when missing or stale; `None` for a small table.
async fn sample<C: ConnectionTrait>(
    db: &C,
    table: &'static str,
    column: &'static str,
) -> Result<Option<Arc<Sample>>> {
    let cached = SAMPLES
        .read()
        .ok()
        .and_then(|all| all.get(&(table, column)).cloned());
    if let Some((taken, sample)) = cached
        && taken.elapsed() < FRESH_FOR
    {
        return Ok(sample);
    }
    let sample = take_sample(db, table, column, MIN_TABLE_ROWS)
        .await?
        .map(Arc::new);
    if let Ok(mut all) = SAMPLES.write() {
        all.insert((table, column), (Instant::now(), sample.clone()));
    }
    Ok(sample)
}

/// Reads about [`SAMPLE_ROWS`] values of the column from pages picked at random
/// (`TABLESAMPLE SYSTEM`, which reads only those pages), when PostgreSQL estimates the table
/// at `min_rows` rows or more (its estimate, from the last `ANALYZE`, costs nothing to read).
pub async fn take_sample<C: ConnectionTrait>(
    db: &C,
    table: &str,
    column: &str,
    min_rows: f64,
) -> Result<Option<Sample>> {
    // `table` and `column` are the searches' constants, never a client's text.
    let rows = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT reltuples::float8 FROM pg_class WHERE oid = '{table}'::regclass"),
        ))
        .await?
        .map(|row| f64::try_get_by_index(&row, 0))
        .transpose()
        .map_err(|e| Error::Internal(anyhow::anyhow!("reltuples: {e:?}")))?
        .unwrap_or(-1.0);
    if rows < min_rows {
        return Ok(None);
    }
    // Twice the rows wanted, as pages hold unequal numbers of rows.
    let percent = (200.0 * SAMPLE_ROWS as f64 / rows).clamp(0.001, 100.0);
    let values = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT lower({column}) FROM {table} TABLESAMPLE SYSTEM ({percent:.4}) \
                 WHERE {column} IS NOT NULL LIMIT {SAMPLE_ROWS}"
            ),
        ))
        .await?
        .iter()
        .map(|row| String::try_get_by_index(row, 0))
        .collect::<std::result::Result<Vec<String>, _>>()
        .map_err(|e| Error::Internal(anyhow::anyhow!("sample: {e:?}")))?;
    Ok(Some(Sample::of(values.iter().map(String::as_str))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_two_rarest_windows_apart_are_asked_for() {
        // 'p17', '17q', 'r42' and '42s' are each in 100 of 10,000 values; the first two
        // overlap, so the second window is 'r42'.
        let values: Vec<String> = (0..10_000)
            .map(|i| format!("p{}q-r{}s", i / 100, i % 100))
            .collect();
        let sample = Sample::of(values.iter().map(String::as_str));
        assert_eq!(sample.rarest("p17q-r42s"), strings(&["p17", "r42"]));
        // A window no value has is as rare as can be.
        assert_eq!(sample.rarest("zzz-1"), strings(&["zzz"]));
    }

    #[test]
    fn a_common_window_is_not_asked_for() {
        let values: Vec<String> = (0..10_000)
            .map(|i| format!("billing{i}@demo.test"))
            .collect();
        let sample = Sample::of(values.iter().map(String::as_str));
        // '000' is the rarest (9 of 10,000: 1000, 2000…), but 'g50' (111) and '00@' (99, the
        // words ending in '00') are apart and should both be in about one value; 'ng5'
        // (1,111) and 'bil' (all) are never asked for.
        assert_eq!(sample.rarest("billing5000@"), strings(&["00@", "g50"]));
        // No two rare windows apart: the rarest alone.
        assert_eq!(sample.rarest("billing5000"), strings(&["000"]));

        // pg_trgm reads 'mo-' as the end of a word 'mo', which every 'demo account' has, though
        // none holds the text 'mo-'.
        let values: Vec<String> = (0..10_000).map(|i| format!("demo account {i}")).collect();
        let sample = Sample::of(values.iter().map(String::as_str));
        assert_eq!(sample.rarest("demo-5004"), strings(&["004"]));
        // A value's start is a word's: '-51' asks for the words starting with '51', which
        // 111 of these 1,000 values are.
        let values: Vec<String> = (0..1000).map(|i| format!("5{i}")).collect();
        let sample = Sample::of(values.iter().map(String::as_str));
        assert!(sample.rarest("x-51").is_empty());
    }

    #[test]
    fn a_common_or_windowless_term_is_asked_whole() {
        let values: Vec<String> = (0..1000).map(|i| format!("inv-{i}-0001")).collect();
        let sample = Sample::of(values.iter().map(String::as_str));
        assert!(sample.rarest("inv-").is_empty(), "every value has 'inv'");
        assert!(sample.rarest("ab").is_empty());
        assert!(
            sample.rarest("a-b-c").is_empty(),
            "a separator in the middle"
        );
        assert!(sample.rarest("é-ü-ñ").is_empty());
        assert!(sample.rarest("%5_").is_empty(), "LIKE's own characters");
    }
}
