//! CSV exports read through a [`CsvProfile`]. A record's `line_no` is the text line it starts
//! on, preamble lines counted.

use ::csv::{ReaderBuilder, StringRecord};
use chrono::NaiveDate;
use encoding_rs::Encoding;

use super::{
    CsvProfile, Direction, Format, LineChecks, LineCounter, ParseError, ProfileColumn, Statement,
    StatementLine, checked_currency, minor_units_shown,
};

/// A mapped column found in the file: its index in a record and the name errors use for it.
#[derive(Clone)]
struct Found {
    index: usize,
    shown: String,
}

struct Columns {
    booking_date: Found,
    value_date: Option<Found>,
    amount: Option<Found>,
    debit: Option<Found>,
    credit: Option<Found>,
    currency: Option<Found>,
    payer: Option<Found>,
    remittance: Vec<Found>,
    reference: Option<Found>,
}

pub(super) fn parse(bytes: &[u8], profile: &CsvProfile) -> Result<Statement, ParseError> {
    profile.validate()?;
    let text = decode(bytes, profile)?;
    let body_start = skip_lines(&text, profile.skip_lines)?;
    let mut reader = ReaderBuilder::new()
        .delimiter(profile.separator as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(&text.as_bytes()[body_start..]);
    // Lines are counted here from each record's byte offset: with CRLF line ends the csv crate
    // starts the next record at the "\n" of the previous one's end, and counts lines likewise.
    let body = &text[body_start..];
    let mut counter = LineCounter::new(body.as_bytes());
    let mut line_of = |byte: Option<u64>| {
        let mut offset = byte.map_or(body.len(), |b| b as usize);
        while matches!(body.as_bytes().get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        counter.line_at(offset) + profile.skip_lines
    };
    let csv_error = |error: ::csv::Error, line: usize| {
        ParseError::at(line, format!("not readable as CSV: {error}"))
    };

    let mut records = reader.records();
    let header = if profile.has_header {
        let record = match records.next() {
            Some(Ok(record)) => record,
            Some(Err(error)) => {
                let line = line_of(error.position().map(|p| p.byte()));
                return Err(csv_error(error, line));
            }
            None => {
                let line = profile.skip_lines + 1;
                return Err(ParseError::at(line, "the file ends before its header row"));
            }
        };
        Some((line_of(record.position().map(|p| p.byte())), record))
    } else {
        None
    };
    let columns = resolve_columns(profile, header.as_ref())?;
    let fixed_currency = profile.currency.as_ref().map(|c| c.to_ascii_uppercase());

    let mut checks = LineChecks::default();
    let mut lines = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = line_of(error.position().map(|p| p.byte()));
                return Err(csv_error(error, line));
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let line_no = line_of(record.position().map(|p| p.byte()));
        let line = read_record(&record, line_no, profile, &columns, &fixed_currency)?;
        checks.check(&line, fixed_currency.as_deref(), "currency")?;
        lines.push(line);
    }
    Ok(Statement {
        format: Format::Csv,
        account: None,
        currency: fixed_currency,
        lines,
    })
}

fn decode(bytes: &[u8], profile: &CsvProfile) -> Result<String, ParseError> {
    let encoding = Encoding::for_label(profile.encoding.as_bytes())
        .ok_or_else(|| ParseError::general(format!("unknown encoding '{}'", profile.encoding)))?;
    let bytes = match encoding == encoding_rs::UTF_8 {
        true => bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes),
        false => bytes,
    };
    if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok(text.into_owned());
    }
    let valid = match std::str::from_utf8(bytes) {
        Err(error) if encoding == encoding_rs::UTF_8 => error.valid_up_to(),
        _ => 0,
    };
    let line = 1 + bytes[..valid].iter().filter(|b| **b == b'\n').count();
    Err(ParseError::at(
        line,
        format!(
            "not {} text (profile '{}'): is the encoding right?",
            encoding.name(),
            profile.name
        ),
    ))
}

fn skip_lines(text: &str, count: usize) -> Result<usize, ParseError> {
    let mut offset = 0;
    for skipped in 0..count {
        match text[offset..].find('\n') {
            Some(at) => offset += at + 1,
            None => {
                return Err(ParseError::general(format!(
                    "the file has {} lines, fewer than the {count} the profile skips",
                    skipped + 1
                )));
            }
        }
    }
    Ok(offset)
}

fn resolve_columns(
    profile: &CsvProfile,
    header: Option<&(usize, StringRecord)>,
) -> Result<Columns, ParseError> {
    let find = |column: &ProfileColumn| -> Result<Found, ParseError> {
        match (column, header) {
            (ProfileColumn::Number(number), _) => Ok(Found {
                index: number - 1,
                shown: format!("column {number}"),
            }),
            (ProfileColumn::Name(name), Some((line, header))) => {
                let wanted = name.trim();
                let index = header
                    .iter()
                    .position(|cell| cell.trim() == wanted)
                    .or_else(|| {
                        let wanted = wanted.to_lowercase();
                        header
                            .iter()
                            .position(|cell| cell.trim().to_lowercase() == wanted)
                    })
                    .ok_or_else(|| {
                        let present: Vec<&str> = header.iter().map(str::trim).collect();
                        ParseError::at(
                            *line,
                            format!(
                                "the header has no column '{name}' (profile '{}'); it has: {}",
                                profile.name,
                                present.join(", ")
                            ),
                        )
                    })?;
                Ok(Found {
                    index,
                    shown: wanted.to_string(),
                })
            }
            (ProfileColumn::Name(name), None) => Err(ParseError::general(format!(
                "column '{name}' is named, but profile '{}' reads no header",
                profile.name
            ))),
        }
    };
    let optional = |column: &Option<ProfileColumn>| column.as_ref().map(&find).transpose();
    Ok(Columns {
        booking_date: find(&profile.booking_date)?,
        value_date: optional(&profile.value_date)?,
        amount: optional(&profile.amount)?,
        debit: optional(&profile.debit)?,
        credit: optional(&profile.credit)?,
        currency: optional(&profile.currency_column)?,
        payer: optional(&profile.payer)?,
        remittance: profile
            .remittance
            .iter()
            .map(&find)
            .collect::<Result<_, _>>()?,
        reference: optional(&profile.reference)?,
    })
}

impl Columns {
    /// The mapped column a record of `width` fields lacks, the leftmost first.
    fn first_missing(&self, width: usize) -> Option<&Found> {
        [
            Some(&self.booking_date),
            self.value_date.as_ref(),
            self.amount.as_ref(),
            self.debit.as_ref(),
            self.credit.as_ref(),
            self.currency.as_ref(),
            self.payer.as_ref(),
            self.reference.as_ref(),
        ]
        .into_iter()
        .flatten()
        .chain(&self.remittance)
        .filter(|found| found.index >= width)
        .min_by_key(|found| found.index)
    }
}

fn read_record(
    record: &StringRecord,
    line: usize,
    profile: &CsvProfile,
    columns: &Columns,
    fixed_currency: &Option<String>,
) -> Result<StatementLine, ParseError> {
    if let Some(missing) = columns.first_missing(record.len()) {
        let message = format!("the row has {} fields and lacks this one", record.len());
        return Err(ParseError::at_element(line, &missing.shown, message));
    }
    let cell = |found: &Found| -> Result<&str, ParseError> {
        record.get(found.index).map(str::trim).ok_or_else(|| {
            ParseError::at_element(
                line,
                &found.shown,
                format!("the row has {} fields and lacks this one", record.len()),
            )
        })
    };
    let optional_text = |found: &Option<Found>| -> Result<Option<String>, ParseError> {
        Ok(match found {
            Some(found) => Some(cell(found)?)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            None => None,
        })
    };
    let date = |found: &Found| -> Result<Option<NaiveDate>, ParseError> {
        let text = cell(found)?;
        if text.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(text, &profile.date_format)
            .map(Some)
            .map_err(|_| {
                let message = format!("'{text}' is not a date in {}", profile.date_format);
                ParseError::at_element(line, &found.shown, message)
            })
    };

    let currency = match &columns.currency {
        Some(found) if !cell(found)?.is_empty() => checked_currency(cell(found)?)
            .map_err(|m| ParseError::at_element(line, &found.shown, m))?,
        _ => fixed_currency.clone().ok_or_else(|| {
            ParseError::at(line, "the row names no currency and the profile fixes none")
        })?,
    };
    let booking_date = date(&columns.booking_date)?.ok_or_else(|| {
        ParseError::at_element(
            line,
            &columns.booking_date.shown,
            "the booking date is empty",
        )
    })?;
    let value_date = match &columns.value_date {
        Some(found) => date(found)?,
        None => None,
    };
    let amount_of = |found: &Found| -> Result<Option<(i64, bool)>, ParseError> {
        let text = cell(found)?;
        if text.is_empty() {
            return Ok(None);
        }
        signed_minor(text, profile, &currency)
            .map(Some)
            .map_err(|m| ParseError::at_element(line, &found.shown, m))
    };
    let (amount, direction) = match (&columns.amount, &columns.debit, &columns.credit) {
        (Some(found), _, _) => match amount_of(found)? {
            Some((amount, true)) => (amount, Direction::Debit),
            Some((amount, false)) => (amount, Direction::Credit),
            None => {
                return Err(ParseError::at_element(
                    line,
                    &found.shown,
                    "the amount is empty",
                ));
            }
        },
        (None, Some(debit), Some(credit)) => {
            let debit_amount = amount_of(debit)?.map(|(a, _)| a).filter(|a| *a != 0);
            let credit_amount = amount_of(credit)?.map(|(a, _)| a).filter(|a| *a != 0);
            match (debit_amount, credit_amount) {
                (Some(amount), None) => (amount, Direction::Debit),
                (None, Some(amount)) => (amount, Direction::Credit),
                (Some(_), Some(_)) => {
                    let message = format!(
                        "both '{}' and '{}' hold an amount",
                        debit.shown, credit.shown
                    );
                    return Err(ParseError::at(line, message));
                }
                (None, None) => {
                    let message = format!(
                        "neither '{}' nor '{}' holds an amount",
                        debit.shown, credit.shown
                    );
                    return Err(ParseError::at(line, message));
                }
            }
        }
        _ => unreachable!("validate() demands an amount column or a debit and credit column"),
    };
    let mut remittance = Vec::with_capacity(columns.remittance.len());
    for found in &columns.remittance {
        let text = cell(found)?;
        if !text.is_empty() {
            remittance.push(text);
        }
    }
    Ok(StatementLine {
        line_no: line,
        booking_date,
        value_date,
        amount,
        currency,
        direction,
        bank_reference: optional_text(&columns.reference)?,
        payer_name: optional_text(&columns.payer)?,
        remittance: remittance.join(" "),
    })
}

/// Amount text in the profile's notation ("-1.234,56") as minor units and whether it was
/// negative. Thousands separators must stand between groups of three digits, so "12.50" read
/// with a decimal comma is refused instead of becoming 1250.
fn signed_minor(text: &str, profile: &CsvProfile, currency: &str) -> Result<(i64, bool), String> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, '\u{a0}' | '\u{202f}'))
        .collect();
    let compact = compact.trim();
    let (negative, unsigned) = if let Some(rest) = compact.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = compact.strip_suffix('-') {
        (true, rest)
    } else {
        (false, compact.strip_prefix('+').unwrap_or(compact))
    };
    let not_number = || format!("amount '{text}' is not a number");
    let (whole, fraction) = match unsigned.split_once(profile.decimal_separator) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let whole = match profile.thousands_separator {
        Some(separator) if whole.contains(separator) => {
            let groups: Vec<&str> = whole.split(separator).collect();
            let well_grouped =
                (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
            if !well_grouped {
                return Err(format!(
                    "amount '{text}' has a misplaced thousands separator"
                ));
            }
            groups.concat()
        }
        _ => whole.to_string(),
    };
    if fraction.is_some_and(|f| f.contains(profile.decimal_separator)) {
        return Err(not_number());
    }
    let plain = match fraction {
        Some(fraction) => format!("{whole}.{fraction}"),
        None => whole,
    };
    let minor = minor_units_shown(&plain, text, currency)?;
    Ok((minor, negative && minor != 0))
}

#[cfg(test)]
mod tests;
