//! Which statement line paid which pending payment: pure, so it can be tested without a
//! database and run over ten thousand lines and payments in a blink.
//!
//! The rules, strongest first, each giving a confidence and a reason staff can read:
//! 1. the invoice number or the customer's reference appears in the remittance text
//!    (compared without case, spaces or dashes);
//! 2. the same amount and currency, a payer name like the account's, and a booking within
//!    [`WINDOW_DAYS`] of the confirmation;
//! 3. the same amount and currency within the window, and nothing else (low: never
//!    preselected).
//!
//! A line pairs with at most one payment and a payment with at most one line: candidate pairs
//! are taken best first: a transfer naming the payment, then the surest, then the closest
//! amount. Amount differences (bank fees, partial payments) stay visible and
//! keep a pair from being preselected.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::NaiveDate;

/// How far a booking may be from the customer's confirmation for rules 2 and 3.
pub const WINDOW_DAYS: i64 = 14;
/// How alike (Jaro-Winkler, 0 to 1) a payer name must be to the account's for rule 2.
const NAME_SIMILARITY: f64 = 0.9;
/// References shorter than this (after normalising) would match by accident.
const MIN_KEY_LEN: usize = 6;
/// Beyond this many payments of one amount, comparing names one by one is too slow and an
/// amount alone says nothing; only exact names are looked up then.
const FUZZY_BUCKET: usize = 200;

/// A credit booking waiting for its payment.
#[derive(Clone, Debug)]
pub struct Line {
    pub id: i64,
    pub booking_date: NaiveDate,
    pub amount: i64,
    pub currency: String,
    pub payer_name: Option<String>,
    pub remittance: String,
}

/// A payment awaiting review, with what a bank line may show of it.
#[derive(Clone, Debug)]
pub struct Pending {
    pub payment_id: i64,
    pub invoice_number: String,
    pub reference: Option<String>,
    pub amount: i64,
    pub currency: String,
    /// The account's name and the submitting user's full name.
    pub names: Vec<String>,
    pub submitted_on: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    InvoiceNumber,
    Reference,
    /// Same amount and a payer name this alike (0 to 100).
    PayerName(u8),
    AmountOnly,
}

impl Reason {
    /// Which evidence wins for one payment: a transfer that names it beats one that only
    /// looks like it, even when the amount is short (a fee) — 0 is strongest.
    fn strength(&self) -> u8 {
        match self {
            Reason::InvoiceNumber | Reason::Reference => 0,
            Reason::PayerName(_) => 1,
            Reason::AmountOnly => 2,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::InvoiceNumber => f.write_str("invoice number in the remittance text"),
            Reason::Reference => f.write_str("customer's reference in the remittance text"),
            Reason::PayerName(p) => write!(f, "same amount, payer name {p}% like the account's"),
            Reason::AmountOnly => f.write_str("same amount only"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub line_id: i64,
    pub payment_id: i64,
    pub confidence: Confidence,
    pub reason: Reason,
    /// What the bank booked minus what the payment claims (same currency), e.g. −150 for a
    /// fee deducted on the way; `None` when the currencies differ.
    pub difference: Option<i64>,
}

impl Suggestion {
    /// Ticked on the reconciliation page: only a sure pair for the exact amount.
    pub fn preselected(&self) -> bool {
        self.confidence == Confidence::High && self.difference == Some(0)
    }
}

/// The best pairing of `lines` with `pending`, one suggestion per paired line, in line order.
pub fn suggest(lines: &[Line], pending: &[Pending]) -> Vec<Suggestion> {
    let mut candidates = by_text(lines, pending);
    let found_by_text: std::collections::HashSet<i64> =
        candidates.iter().map(|c| c.line_id).collect();
    let rest: Vec<&Line> = lines
        .iter()
        .filter(|l| !found_by_text.contains(&l.id))
        .collect();
    candidates.extend(by_amount(&rest, pending));
    assign(candidates, lines)
}

/// Rule 1: every key (invoice number, reference) found in a line's remittance text.
fn by_text(lines: &[Line], pending: &[Pending]) -> Vec<Suggestion> {
    let mut keys: Vec<String> = Vec::new();
    let mut owners: Vec<Vec<(usize, Reason)>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, p) in pending.iter().enumerate() {
        let texts = [
            (Some(p.invoice_number.as_str()), Reason::InvoiceNumber),
            (p.reference.as_deref(), Reason::Reference),
        ];
        for (text, reason) in texts {
            let key = normalise(text.unwrap_or(""));
            if key.len() < MIN_KEY_LEN {
                continue;
            }
            let slot = *index.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                owners.push(Vec::new());
                keys.len() - 1
            });
            owners[slot].push((i, reason));
        }
    }
    if keys.is_empty() {
        return Vec::new();
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&keys)
        .expect("plain string patterns always build");
    let mut found = Vec::new();
    for line in lines {
        let text = normalise(&line.remittance);
        let bytes = text.as_bytes();
        for m in automaton.find_iter(&text) {
            // "inv…0001" must not count inside "inv…00012": digits may not run on.
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end()).copied();
            let key = keys[m.pattern().as_usize()].as_bytes();
            if runs_on(before, key.first()) || runs_on(after, key.last()) {
                continue;
            }
            for (i, reason) in &owners[m.pattern().as_usize()] {
                let p = &pending[*i];
                let difference = (p.currency == line.currency).then(|| line.amount - p.amount);
                let confidence = match difference {
                    Some(0) => Confidence::High,
                    Some(_) => Confidence::Medium,
                    None => Confidence::Low,
                };
                found.push(Suggestion {
                    line_id: line.id,
                    payment_id: p.payment_id,
                    confidence,
                    reason: reason.clone(),
                    difference,
                });
            }
        }
    }
    found
}

fn runs_on(neighbour: Option<u8>, edge: Option<&u8>) -> bool {
    matches!((neighbour, edge), (Some(n), Some(e)) if n.is_ascii_digit() && e.is_ascii_digit())
}

/// Rules 2 and 3, for lines whose text named no pending payment.
fn by_amount(lines: &[&Line], pending: &[Pending]) -> Vec<Suggestion> {
    let mut buckets: HashMap<(&str, i64), Vec<&Pending>> = HashMap::new();
    for p in pending {
        buckets
            .entry((p.currency.as_str(), p.amount))
            .or_default()
            .push(p);
    }
    let mut found = Vec::new();
    for line in lines {
        let Some(bucket) = buckets.get(&(line.currency.as_str(), line.amount)) else {
            continue;
        };
        let near: Vec<&&Pending> = bucket
            .iter()
            .filter(|p| (line.booking_date - p.submitted_on).num_days().abs() <= WINDOW_DAYS)
            .collect();
        let payer = line.payer_name.as_deref().map(normalise_name);
        let named: Vec<(&Pending, u8)> = match &payer {
            Some(payer) if !payer.is_empty() => near
                .iter()
                .filter_map(|p| {
                    let best = p
                        .names
                        .iter()
                        .map(|n| normalise_name(n))
                        .map(|n| match near.len() <= FUZZY_BUCKET {
                            true => similarity(payer, &n),
                            false => f64::from(u8::from(*payer == n)),
                        })
                        .fold(0.0, f64::max);
                    (best >= NAME_SIMILARITY).then(|| (**p, (best * 100.0).round() as u8))
                })
                .collect(),
            _ => Vec::new(),
        };
        if !named.is_empty() {
            // One payer and one amount: as sure as a reference. Several: staff choose.
            let confidence = match named.len() {
                1 => Confidence::High,
                _ => Confidence::Medium,
            };
            found.extend(named.into_iter().map(|(p, score)| Suggestion {
                line_id: line.id,
                payment_id: p.payment_id,
                confidence,
                reason: Reason::PayerName(score),
                difference: Some(0),
            }));
        } else if near.len() <= FUZZY_BUCKET {
            found.extend(near.into_iter().map(|p| Suggestion {
                line_id: line.id,
                payment_id: p.payment_id,
                confidence: Confidence::Low,
                reason: Reason::AmountOnly,
                difference: Some(0),
            }));
        }
    }
    found
}

/// Best pairs first; each line and each payment used once.
fn assign(mut candidates: Vec<Suggestion>, lines: &[Line]) -> Vec<Suggestion> {
    candidates.sort_by_key(|c| {
        (
            c.reason.strength(),
            std::cmp::Reverse(c.confidence),
            c.difference.map_or(i64::MAX, i64::abs),
            c.line_id,
            c.payment_id,
        )
    });
    let mut lines_taken = std::collections::HashSet::new();
    let mut payments_taken = std::collections::HashSet::new();
    let mut chosen: HashMap<i64, Suggestion> = HashMap::new();
    for c in candidates {
        if lines_taken.contains(&c.line_id) || payments_taken.contains(&c.payment_id) {
            continue;
        }
        lines_taken.insert(c.line_id);
        payments_taken.insert(c.payment_id);
        chosen.insert(c.line_id, c);
    }
    lines.iter().filter_map(|l| chosen.remove(&l.id)).collect()
}

/// Lower case letters and digits only: "BT-2025 1208" and "bt20251208" are one key.
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words of a name, lower case, in order, without punctuation.
fn normalise_name(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join(" ")
}

/// How alike two names are, whichever order their words come in ("Doe John" is "John Doe").
fn similarity(a: &str, b: &str) -> f64 {
    let sorted = |s: &str| {
        let mut words: Vec<&str> = s.split(' ').collect();
        words.sort_unstable();
        words.join(" ")
    };
    strsim::jaro_winkler(a, b).max(strsim::jaro_winkler(&sorted(a), &sorted(b)))
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
