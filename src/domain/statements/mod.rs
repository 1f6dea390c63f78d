//! Bank statements read into one shape, whatever the bank sent: ISO 20022 camt.053 (.001.02 and
//! .001.08), SWIFT MT940 (with the German `:86:` structure) and CSV read through a named column
//! profile. Pure functions over bytes: nothing here touches the database.
//!
//! A file is taken whole or not at all: the first bad entry fails the parse with its line, so an
//! operator never imports half a statement and then wonders which half.

mod camt053;
mod csv;
mod currency;
mod mt940;
mod profile;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use currency::is_known_currency;
pub use profile::{
    CsvProfile, ProfileColumn, builtin_profiles, load_profiles, profile_by_name, require_profile,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Camt053,
    Mt940,
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Camt053 => "camt053",
            Format::Mt940 => "mt940",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "camt053" | "camt.053" => Ok(Format::Camt053),
            "mt940" => Ok(Format::Mt940),
            "csv" => Ok(Format::Csv),
            other => Err(ParseError::general(format!(
                "unknown statement format '{other}' (known: camt053, mt940, csv)"
            ))),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Credit,
    Debit,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Credit => "credit",
            Direction::Debit => "debit",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    /// 1-based text line where the entry starts (see the module docs of each format).
    pub line_no: usize,
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    /// Minor units, never negative; `direction` says which way the money went.
    pub amount: i64,
    pub currency: String,
    pub direction: Direction,
    pub bank_reference: Option<String>,
    /// The counterparty: who paid for a credit, who was paid for a debit.
    pub payer_name: Option<String>,
    pub remittance: String,
}

/// Bumped only if the normalisation below must change; old fingerprints then stop matching,
/// which re-imports would notice as "all new", so it must stay fixed in practice.
const FINGERPRINT_SCHEME: &str = "tollgate-statement-line/1";

/// Runs of whitespace become one space: a bank that wraps a long remittance differently in
/// its next export still gives the same fingerprint.
fn normalise_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl StatementLine {
    /// Every field but `line_no`, normalised, in a fixed order; the position in the file is left
    /// out so that an export covering a longer period still yields the same fingerprints.
    fn normalised_fields(&self) -> String {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        [
            FINGERPRINT_SCHEME.to_string(),
            self.booking_date.to_string(),
            date(self.value_date),
            self.amount.to_string(),
            self.currency.clone(),
            self.direction.as_str().to_string(),
            normalise_text(self.bank_reference.as_deref().unwrap_or("")),
            normalise_text(self.payer_name.as_deref().unwrap_or("")),
            normalise_text(&self.remittance),
        ]
        .join("\u{1f}")
    }

    /// Hex SHA-256 of the normalised fields and `occurrence` (0 for the first line of a file with
    /// these fields, 1 for the second, ...).
    pub fn fingerprint(&self, occurrence: usize) -> String {
        fingerprint_of(&self.normalised_fields(), occurrence)
    }
}

fn fingerprint_of(normalised_fields: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(normalised_fields.as_bytes());
    hasher.update(b"\x1f");
    hasher.update(occurrence.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub format: Format,
    /// IBAN where the file gives one, else the bank's account id.
    pub account: Option<String>,
    /// The account's currency where the file states it.
    pub currency: Option<String>,
    pub lines: Vec<StatementLine>,
}

impl Statement {
    /// Each line with its fingerprint; the occurrence counted is how many earlier lines of this
    /// file had the same normalised fields, so two identical transfers stay two rows.
    pub fn fingerprinted_lines(&self) -> Vec<(&StatementLine, String)> {
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(self.lines.len());
        self.lines
            .iter()
            .map(|line| {
                let fields = line.normalised_fields();
                let occurrence = seen.entry(fields.clone()).or_insert(0);
                let fingerprint = fingerprint_of(&fields, *occurrence);
                *occurrence += 1;
                (line, fingerprint)
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: Option<usize>,
    /// Element path (camt), tag (MT940) or column (CSV) the problem is in.
    pub element: Option<String>,
    pub message: String,
}

impl ParseError {
    pub(crate) fn general(message: impl Into<String>) -> Self {
        ParseError {
            line: None,
            element: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            element: None,
            message: message.into(),
        }
    }

    pub(crate) fn at_element(line: usize, element: &str, message: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            element: Some(element.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.element) {
            (Some(line), Some(element)) => write!(f, "line {line} ({element}): {}", self.message),
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            (None, Some(element)) => write!(f, "{element}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParseError {}

/// The format a file announces itself as. CSV announces nothing, so it is never detected.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let head = String::from_utf8_lossy(head);
    let text = head.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') {
        return text
            .contains(camt053::NAMESPACE_PREFIX)
            .then_some(Format::Camt053);
    }
    let starts_with_tag = |tag: &str| text.lines().any(|l| l.trim_start().starts_with(tag));
    (starts_with_tag(":20:") && (starts_with_tag(":61:") || starts_with_tag(":60F:")))
        .then_some(Format::Mt940)
}

/// Reads the whole statement, or fails on the first problem found; nothing partial comes back.
pub fn parse(
    bytes: &[u8],
    format: Format,
    profile: Option<&CsvProfile>,
) -> Result<Statement, ParseError> {
    if let Some(found) = detect(bytes).filter(|found| *found != format) {
        return Err(ParseError::general(format!(
            "the file was declared {format} but looks like {found}"
        )));
    }
    match format {
        Format::Camt053 => camt053::parse(bytes),
        Format::Mt940 => mt940::parse(bytes),
        Format::Csv => {
            let profile = profile.ok_or_else(|| {
                ParseError::general("a CSV statement needs a column profile to be read")
            })?;
            csv::parse(bytes, profile)
        }
    }
}

/// Checks every format applies to each line as it is read: the line's currency is the
/// account's, and no bank reference comes twice in the file (a bank never reuses one within a
/// file, so a repeat means a broken or concatenated export).
#[derive(Default)]
struct LineChecks {
    reference_lines: HashMap<String, usize>,
}

impl LineChecks {
    fn check(
        &mut self,
        line: &StatementLine,
        account_currency: Option<&str>,
        element: &str,
    ) -> Result<(), ParseError> {
        if let Some(account_currency) = account_currency
            && account_currency != line.currency
        {
            return Err(ParseError::at_element(
                line.line_no,
                element,
                format!(
                    "wrong currency: the entry is in {}, the account is in {account_currency}",
                    line.currency
                ),
            ));
        }
        if let Some(reference) = &line.bank_reference
            && let Some(first) = self.reference_lines.insert(reference.clone(), line.line_no)
        {
            return Err(ParseError::at(
                line.line_no,
                format!(
                    "line {} repeats the bank reference of line {first} ({reference})",
                    line.line_no
                ),
            ));
        }
        Ok(())
    }
}

/// A currency code as written in a file: three letters naming an ISO 4217 currency.
fn checked_currency(code: &str) -> Result<String, String> {
    let code = code.trim().to_ascii_uppercase();
    if is_known_currency(&code) {
        Ok(code)
    } else if code.is_empty() {
        Err("the currency is missing".into())
    } else {
        Err(format!("currency '{code}' does not exist (ISO 4217)"))
    }
}

/// Plain decimal text ("1234.5", no sign) in minor units of `currency`, with a message that
/// names the text when it is not money.
fn minor_units(text: &str, currency: &str) -> Result<i64, String> {
    minor_units_shown(text, text, currency)
}

/// Like [`minor_units`] for text rewritten from the file's notation; messages quote `shown`,
/// what the file says.
fn minor_units_shown(text: &str, shown: &str, currency: &str) -> Result<i64, String> {
    use crate::domain::money::{AmountError, minor_places, parse_amount};
    parse_amount(text, currency).map_err(|error| match error {
        AmountError::TooManyDecimals(_) => format!(
            "amount '{shown}' has more decimals than {currency} allows ({})",
            minor_places(currency)
        ),
        AmountError::Negative => format!("amount '{shown}' is negative"),
        AmountError::TooLarge => format!("amount '{shown}' is too large"),
        AmountError::Malformed => format!("amount '{shown}' is not a number"),
    })
}

/// Counts newlines up to increasing byte offsets without rescanning from the start each time.
struct LineCounter<'t> {
    text: &'t [u8],
    offset: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// 1-based line of `offset`; offsets must not go backwards.
    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        debug_assert!(offset >= self.offset, "line offsets must only grow");
        if offset > self.offset {
            self.line += self.text[self.offset..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.offset = offset;
        }
        self.line
    }
}

#[cfg(test)]
mod tests;
