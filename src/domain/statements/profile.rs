//! Named column mappings for CSV exports: banks agree on no CSV layout, so the operator names
//! one (a built-in or one of their own from a JSON file) when importing.

use serde::{Deserialize, Serialize};

use super::{ParseError, is_known_currency};

/// A column by its header name, or by its position (1 = first) where the file has no header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProfileColumn {
    Number(usize),
    Name(String),
}

impl std::fmt::Display for ProfileColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProfileColumn::Number(number) => write!(f, "column {number}"),
            ProfileColumn::Name(name) => write!(f, "column '{name}'"),
        }
    }
}

fn comma() -> char {
    ','
}
fn dot() -> char {
    '.'
}
fn utf8() -> String {
    "utf-8".into()
}
fn yes() -> bool {
    true
}
fn iso_date() -> String {
    "%Y-%m-%d".into()
}

/// How to read one bank's CSV export. Either `amount` (signed: negative is a debit) or both
/// `debit` and `credit` (separate columns) must be given, and `currency` (the account's fixed
/// currency) or `currency_column` or both (then every row must be in the fixed one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvProfile {
    pub name: String,
    #[serde(default = "comma")]
    pub separator: char,
    /// A WHATWG encoding label: "utf-8", "windows-1252", "iso-8859-15", ...
    #[serde(default = "utf8")]
    pub encoding: String,
    #[serde(default = "yes")]
    pub has_header: bool,
    /// Lines before the header (or the first record): the account and period preamble many
    /// German exports start with.
    #[serde(default)]
    pub skip_lines: usize,
    /// A chrono format, e.g. "%d.%m.%Y".
    #[serde(default = "iso_date")]
    pub date_format: String,
    #[serde(default = "dot")]
    pub decimal_separator: char,
    #[serde(default)]
    pub thousands_separator: Option<char>,
    pub booking_date: ProfileColumn,
    #[serde(default)]
    pub value_date: Option<ProfileColumn>,
    #[serde(default)]
    pub amount: Option<ProfileColumn>,
    #[serde(default)]
    pub debit: Option<ProfileColumn>,
    #[serde(default)]
    pub credit: Option<ProfileColumn>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub currency_column: Option<ProfileColumn>,
    #[serde(default)]
    pub payer: Option<ProfileColumn>,
    /// Joined with a space, in this order; empty cells are skipped.
    #[serde(default)]
    pub remittance: Vec<ProfileColumn>,
    #[serde(default)]
    pub reference: Option<ProfileColumn>,
}

impl CsvProfile {
    /// The checks a profile must pass before any file is read with it.
    pub fn validate(&self) -> Result<(), ParseError> {
        let fail = |message: String| ParseError {
            line: None,
            element: Some(format!("CSV profile '{}'", self.name)),
            message,
        };
        if self.name.trim().is_empty() {
            return Err(ParseError::general("a CSV profile has no name"));
        }
        if !self.separator.is_ascii() || self.separator.is_ascii_alphanumeric() {
            return Err(fail(format!(
                "separator '{}' must be one ASCII punctuation or whitespace character",
                self.separator
            )));
        }
        if encoding_rs::Encoding::for_label(self.encoding.as_bytes()).is_none() {
            return Err(fail(format!("unknown encoding '{}'", self.encoding)));
        }
        let format_broken = chrono::format::StrftimeItems::new(&self.date_format)
            .any(|item| matches!(item, chrono::format::Item::Error));
        if format_broken || self.date_format.trim().is_empty() {
            return Err(fail(format!(
                "date format '{}' is not valid",
                self.date_format
            )));
        }
        if self.decimal_separator.is_ascii_digit()
            || Some(self.decimal_separator) == self.thousands_separator
        {
            return Err(fail(
                "the decimal separator must differ from digits and the thousands separator".into(),
            ));
        }
        match (&self.amount, &self.debit, &self.credit) {
            (Some(_), None, None) | (None, Some(_), Some(_)) => {}
            _ => {
                return Err(fail(
                    "give either 'amount' (signed) or both 'debit' and 'credit'".into(),
                ));
            }
        }
        match (&self.currency, &self.currency_column) {
            (None, None) => {
                return Err(fail(
                    "give 'currency' or 'currency_column' (or both)".into(),
                ));
            }
            (Some(code), _) if !is_known_currency(code) => {
                return Err(fail(format!("currency '{code}' does not exist (ISO 4217)")));
            }
            _ => {}
        }
        for column in self.columns() {
            match column {
                ProfileColumn::Number(0) => {
                    return Err(fail("column numbers start at 1".into()));
                }
                ProfileColumn::Name(_) if !self.has_header => {
                    return Err(fail(format!(
                        "{column} is named, but the file has no header: use its number"
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Every mapped column, with what it holds, in the profile's order.
    pub(super) fn columns(&self) -> Vec<&ProfileColumn> {
        [
            Some(&self.booking_date),
            self.value_date.as_ref(),
            self.amount.as_ref(),
            self.debit.as_ref(),
            self.credit.as_ref(),
            self.currency_column.as_ref(),
            self.payer.as_ref(),
            self.reference.as_ref(),
        ]
        .into_iter()
        .flatten()
        .chain(&self.remittance)
        .collect()
    }
}

fn named(name: &str) -> ProfileColumn {
    ProfileColumn::Name(name.to_string())
}

/// Profiles that come with tollgate: `generic` (the layout tollgate documents for hand-made
/// files) and `de-soll-haben` (the semicolon, Windows-1252 export with separate Soll/Haben
/// columns and a preamble that German savings and cooperative banks give).
pub fn builtin_profiles() -> Vec<CsvProfile> {
    vec![
        CsvProfile {
            name: "generic".into(),
            separator: ',',
            encoding: "utf-8".into(),
            has_header: true,
            skip_lines: 0,
            date_format: "%Y-%m-%d".into(),
            decimal_separator: '.',
            thousands_separator: None,
            booking_date: named("booking_date"),
            value_date: Some(named("value_date")),
            amount: Some(named("amount")),
            debit: None,
            credit: None,
            currency: None,
            currency_column: Some(named("currency")),
            payer: Some(named("payer")),
            remittance: vec![named("remittance")],
            reference: Some(named("reference")),
        },
        CsvProfile {
            name: "de-soll-haben".into(),
            separator: ';',
            encoding: "windows-1252".into(),
            has_header: true,
            skip_lines: 4,
            date_format: "%d.%m.%Y".into(),
            decimal_separator: ',',
            thousands_separator: Some('.'),
            booking_date: named("Buchungstag"),
            value_date: Some(named("Valuta")),
            amount: None,
            debit: Some(named("Soll")),
            credit: Some(named("Haben")),
            currency: Some("EUR".into()),
            currency_column: Some(named("Währung")),
            payer: Some(named("Auftraggeber/Empfänger")),
            remittance: vec![named("Verwendungszweck")],
            reference: Some(named("Referenz")),
        },
    ]
}

/// The profile called `name`: the operator's own (`extra`) first, so one of theirs may replace a
/// built-in of the same name.
pub fn profile_by_name(name: &str, extra: &[CsvProfile]) -> Option<CsvProfile> {
    extra
        .iter()
        .find(|profile| profile.name == name)
        .cloned()
        .or_else(|| builtin_profiles().into_iter().find(|p| p.name == name))
}

/// Like [`profile_by_name`], with an error that lists the names there are.
pub fn require_profile(name: &str, extra: &[CsvProfile]) -> Result<CsvProfile, ParseError> {
    profile_by_name(name, extra).ok_or_else(|| {
        let mut known: Vec<String> = extra.iter().map(|p| p.name.clone()).collect();
        for builtin in builtin_profiles() {
            if !known.contains(&builtin.name) {
                known.push(builtin.name);
            }
        }
        ParseError::general(format!(
            "unknown CSV profile '{name}' (known: {})",
            known.join(", ")
        ))
    })
}

/// The operator's profiles from a JSON array of profile objects; each is validated.
pub fn load_profiles(json: &str) -> Result<Vec<CsvProfile>, ParseError> {
    let profiles: Vec<CsvProfile> = serde_json::from_str(json).map_err(|error| ParseError {
        line: Some(error.line()),
        element: None,
        message: format!("not a list of CSV profiles: {error}"),
    })?;
    for (index, profile) in profiles.iter().enumerate() {
        profile.validate()?;
        if profiles[..index].iter().any(|p| p.name == profile.name) {
            return Err(ParseError::general(format!(
                "CSV profile '{}' is defined twice",
                profile.name
            )));
        }
    }
    Ok(profiles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_are_valid_and_round_trip_through_json() {
        let builtins = builtin_profiles();
        for profile in &builtins {
            profile.validate().unwrap();
        }
        let json = serde_json::to_string(&builtins).unwrap();
        assert_eq!(load_profiles(&json).unwrap(), builtins);
    }

    #[test]
    fn operator_profiles_replace_builtins_of_the_same_name() {
        let mut own = builtin_profiles().remove(0);
        own.separator = ';';
        let found = profile_by_name("generic", std::slice::from_ref(&own)).unwrap();
        assert_eq!(found.separator, ';');
        assert_eq!(profile_by_name("nope", &[]), None);
    }

    #[test]
    fn invalid_profiles_are_refused_with_their_name() {
        let base = r#""name": "p", "booking_date": "d", "amount": "a""#;
        let cases = [
            (
                format!("{{{base}}}"),
                "give 'currency' or 'currency_column'",
            ),
            (
                format!("{{{base}, \"currency\": \"XXY\"}}"),
                "'XXY' does not exist",
            ),
            (
                format!("{{{base}, \"currency\": \"EUR\", \"encoding\": \"klingon\"}}"),
                "unknown encoding",
            ),
            (
                format!("{{{base}, \"currency\": \"EUR\", \"date_format\": \"%Q\"}}"),
                "date format",
            ),
            (
                format!("{{{base}, \"currency\": \"EUR\", \"separator\": \"x\"}}"),
                "separator",
            ),
            (
                format!("{{{base}, \"currency\": \"EUR\", \"has_header\": false}}"),
                "no header",
            ),
            (
                format!("{{{base}, \"currency\": \"EUR\", \"debit\": \"s\"}}"),
                "either 'amount'",
            ),
            (
                r#"{"name": "p", "booking_date": 0, "amount": 2, "currency": "EUR"}"#.to_string(),
                "start at 1",
            ),
        ];
        for (profile, words) in cases {
            let error = load_profiles(&format!("[{profile}]")).unwrap_err();
            assert!(error.to_string().contains(words), "{words}: {error}");
            assert!(error.to_string().starts_with("CSV profile 'p'"), "{error}");
        }
        let twice =
            format!("[{{{base}, \"currency\": \"EUR\"}}, {{{base}, \"currency\": \"EUR\"}}]");
        assert!(
            load_profiles(&twice)
                .unwrap_err()
                .to_string()
                .contains("defined twice")
        );
    }
}
