//! SWIFT MT940 as German banks write it (`:86:` with `?00` posting text, `?20`–`?29`
//! remittance and `?32`/`?33` counterparty).
//!
//! The file is cut into fields here, because the `mt940` crate keeps no positions and its
//! whole-file sanitizers scan quadratically. The crate then checks each message's tag order and
//! reads `:20:`–`:62:` and the references and amount of every `:61:`. Three things are read here
//! instead: the dates and debit/credit mark of `:61:` (the crate panics on an entry date such as
//! `0230`, puts an entry date in January into the value date's year even when that is December,
//! and its names for RC/RD are swapped), and `:86:`, which is left out of what the crate sees
//! (it drops the subfield boundaries, refuses subfields it does not know, and allows only
//! SWIFT characters, so "Müller" would not survive).

mod details;

use chrono::{Datelike, NaiveDate};

use details::read_details;

use super::{
    Direction, Format, LineChecks, ParseError, Statement, StatementLine, checked_currency,
    minor_units,
};

/// One `:TAG:value` of the file, its continuation lines joined with `\n`.
struct RawField {
    tag: String,
    value: String,
    line: usize,
}

/// A `:61:` with the `:86:` that follows it, if any.
struct Booking<'f> {
    sixty_one: &'f RawField,
    details: Option<&'f RawField>,
}

pub(super) fn parse(bytes: &[u8]) -> Result<Statement, ParseError> {
    let text = decode(bytes);
    let fields = split_fields(&text);
    let messages = group_messages(&fields)?;

    let mut account = None;
    let mut currency = None;
    let mut checks = LineChecks::default();
    let mut lines = Vec::new();
    for message in messages {
        let read = read_message(message)?;
        match (&account, &read.account) {
            (None, _) => account = Some(read.account.clone()),
            (Some(first), this) if first != this => {
                return Err(ParseError::at_element(
                    message[0].line,
                    ":25:",
                    format!("the file holds statements of several accounts ({first} and {this})"),
                ));
            }
            _ => {}
        }
        currency.get_or_insert_with(|| read.currency.clone());
        for line in read.lines {
            checks.check(&line, Some(&read.currency), ":61:")?;
            lines.push(line);
        }
    }
    Ok(Statement {
        format: Format::Mt940,
        account,
        currency,
        lines,
    })
}

/// MT940 is meant to be ASCII; German banks write Latin-1 or Windows-1252 when it is not, and
/// some write UTF-8.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

fn tag_of(line: &str) -> Option<&str> {
    let rest = line.strip_prefix(':')?;
    let end = rest.find(':')?;
    let tag = &rest[..end];
    let mut chars = tag.chars();
    let well_formed = tag.len() >= 2
        && tag.len() <= 3
        && chars.by_ref().take(2).all(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_uppercase());
    well_formed.then_some(tag)
}

fn split_fields(text: &str) -> Vec<RawField> {
    let mut fields: Vec<RawField> = Vec::new();
    // After a message's closing "-" (or before the first tag) lines belong to no field.
    let mut in_field = false;
    for (index, raw_line) in text.split('\n').enumerate() {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if let Some(tag) = tag_of(line) {
            fields.push(RawField {
                tag: tag.to_string(),
                value: line[tag.len() + 2..].to_string(),
                line: index + 1,
            });
            in_field = true;
        } else if line.trim() == "-" || line.trim() == "-}" || line.starts_with('{') {
            in_field = false;
        } else if in_field
            && !line.trim().is_empty()
            && let Some(field) = fields.last_mut()
        {
            field.value.push('\n');
            field.value.push_str(line);
        }
    }
    for field in &mut fields {
        let trimmed = field.value.trim_end();
        field.value.truncate(trimmed.len());
    }
    fields
}

fn group_messages(fields: &[RawField]) -> Result<Vec<&[RawField]>, ParseError> {
    let starts: Vec<usize> = (0..fields.len())
        .filter(|index| fields[*index].tag == "20")
        .collect();
    let Some(first) = starts.first() else {
        return Err(ParseError::general(
            "not an MT940 file: no :20: field (transaction reference) found",
        ));
    };
    if *first != 0 {
        return Err(ParseError::at_element(
            fields[0].line,
            &format!(":{}:", fields[0].tag),
            "a field before the first :20:",
        ));
    }
    let mut bounds = starts.clone();
    bounds.push(fields.len());
    Ok(bounds.windows(2).map(|w| &fields[w[0]..w[1]]).collect())
}

struct ReadMessage {
    account: String,
    currency: String,
    lines: Vec<StatementLine>,
}

fn read_message(fields: &[RawField]) -> Result<ReadMessage, ParseError> {
    let mut bookings: Vec<Booking> = Vec::new();
    let mut heads = Vec::new();
    let mut for_crate = Vec::with_capacity(fields.len());
    let mut last_tag = "";
    for field in fields {
        if field.tag == "86" {
            if last_tag == "61"
                && let Some(booking) = bookings.last_mut()
            {
                booking.details = Some(field);
            }
        } else {
            if field.tag == "61" {
                heads.push(read_head(&field.value, field.line)?);
                bookings.push(Booking {
                    sixty_one: field,
                    details: None,
                });
            }
            for_crate.push(::mt940::Field::new(&field.tag, &swift_safe(&field.value)));
        }
        last_tag = &field.tag;
    }
    let crate_fields: Vec<&RawField> = fields.iter().filter(|f| f.tag != "86").collect();
    let message = match ::mt940::Message::from_fields(for_crate) {
        Ok(message) => message,
        Err(error) => return Err(locate_crate_error(&crate_fields, error)),
    };

    let opening = crate_fields
        .iter()
        .find(|f| f.tag.starts_with("60"))
        .map_or(fields[0].line, |f| f.line);
    let currency = checked_currency(&message.opening_balance.iso_currency_code)
        .map_err(|m| ParseError::at_element(opening, ":60F:", m))?;

    let mut lines = Vec::with_capacity(bookings.len());
    for ((parsed, booking), head) in message.statement_lines.iter().zip(&bookings).zip(heads) {
        let line_no = booking.sixty_one.line;
        let amount = minor_units(&parsed.amount.to_string(), &currency)
            .map_err(|m| ParseError::at_element(line_no, ":61:", m))?;
        let customer_reference = Some(parsed.customer_ref.trim())
            .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("NONREF"));
        let bank_reference = parsed
            .bank_ref
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .or(customer_reference)
            .map(str::to_string);
        let details = booking
            .details
            .map(|field| read_details(&field.value))
            .unwrap_or_default();
        lines.push(StatementLine {
            line_no,
            booking_date: head.entry_date.unwrap_or(head.value_date),
            value_date: Some(head.value_date),
            amount,
            currency: currency.clone(),
            direction: head.direction,
            bank_reference,
            payer_name: details.payer,
            remittance: details.remittance,
        });
    }
    Ok(ReadMessage {
        account: message.account_id.trim().to_string(),
        currency,
        lines,
    })
}

/// The grammar's character set: anything else makes the crate refuse the field.
fn is_swift_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/-?:().,+{} \n\u{2018}".contains(c)
}

fn swift_safe(value: &str) -> String {
    if value.chars().all(is_swift_char) {
        value.to_string()
    } else {
        ::mt940::sanitizers::to_swift_charset(value)
    }
}

/// Bookings per trial message when looking for the field the crate refused.
const LOCATE_CHUNK: usize = 256;

fn crate_refuses(fields: &[&RawField]) -> bool {
    let fields = fields
        .iter()
        .map(|f| ::mt940::Field::new(&f.tag, &swift_safe(&f.value)))
        .collect();
    // A prefix lacks the closing tags, which is no fault of the fields it has.
    !matches!(
        ::mt940::Message::from_fields(fields),
        Ok(_) | Err(::mt940::ParseError::RequiredTagNotFoundError(_))
    )
}

/// The shortest prefix of `fields` the crate refuses ends with the culprit.
fn first_refused(fields: &[&RawField]) -> Option<usize> {
    if !crate_refuses(fields) {
        return None;
    }
    let (mut low, mut high) = (1, fields.len());
    while low < high {
        let middle = (low + high) / 2;
        if crate_refuses(&fields[..middle]) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(low - 1)
}

/// The crate names no position, so the field it refused is looked for here: the bookings are
/// tried in chunks behind the message's header (one more pass over the message), then the
/// refusing chunk is bisected. Only files that fail pay for this.
fn locate_crate_error(fields: &[&RawField], error: ::mt940::ParseError) -> ParseError {
    let blame = |field: &RawField| {
        ParseError::at_element(
            field.line,
            &format!(":{}:", field.tag),
            crate_message(&error),
        )
    };
    let first_booking = fields
        .iter()
        .position(|f| f.tag == "61")
        .unwrap_or(fields.len());
    let bookings_end = first_booking
        + fields[first_booking..]
            .iter()
            .take_while(|f| f.tag == "61")
            .count();
    let header = &fields[..first_booking];
    for chunk_start in (first_booking..bookings_end).step_by(LOCATE_CHUNK) {
        let chunk_end = (chunk_start + LOCATE_CHUNK).min(bookings_end);
        let trial: Vec<&RawField> = header
            .iter()
            .chain(&fields[chunk_start..chunk_end])
            .copied()
            .collect();
        if let Some(index) = first_refused(&trial) {
            return blame(trial[index]);
        }
    }
    match first_refused(fields) {
        Some(index) => blame(fields[index]),
        None => {
            let line = fields.first().map_or(1, |f| f.line);
            ParseError::at(line, format!("this MT940 message is incomplete: {error}"))
        }
    }
}

/// The crate's message in one line: its syntax errors are pest's multi-line drawings, of which
/// the position in the field and what was expected are what an operator can use.
fn crate_message(error: &::mt940::ParseError) -> String {
    let shown = error.to_string();
    if !shown.starts_with("Pest parsing error") {
        return shown;
    }
    let position = shown
        .split_once("--> ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|line_col| line_col.split_once(':'))
        .map(|(_, column)| format!(" at character {column}"))
        .unwrap_or_default();
    let expected = shown
        .lines()
        .find_map(|line| line.trim().strip_prefix("= "))
        .map(|expected| format!(" ({expected})"))
        .unwrap_or_default();
    format!("the field does not follow the MT940 syntax{position}{expected}")
}

struct Head {
    value_date: NaiveDate,
    entry_date: Option<NaiveDate>,
    direction: Direction,
}

/// `YYMMDD[MMDD](C|D|RC|RD)...`: the dates and the mark of a `:61:`.
fn read_head(value: &str, line: usize) -> Result<Head, ParseError> {
    let fail = |message: String| ParseError::at_element(line, ":61:", message);
    let digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
    let value_text = value.get(..6).filter(|t| digits(t)).ok_or_else(|| {
        fail(format!(
            "'{value}' does not start with a value date (YYMMDD)"
        ))
    })?;
    let number =
        |range: std::ops::Range<usize>, text: &str| text[range].parse::<u32>().unwrap_or(0);
    let value_date = NaiveDate::from_ymd_opt(
        2000 + number(0..2, value_text) as i32,
        number(2..4, value_text),
        number(4..6, value_text),
    )
    .ok_or_else(|| fail(format!("value date '{value_text}' is not a date")))?;
    let mut rest = &value[6..];
    let mut entry_date = None;
    if let Some(entry_text) = rest.get(..4).filter(|t| digits(t)) {
        let (month, day) = (number(0..2, entry_text), number(2..4, entry_text));
        // Only month and day are given: the entry's year is the one that puts it nearest the
        // value date (a December value date may be booked in January).
        entry_date = [
            value_date.year() - 1,
            value_date.year(),
            value_date.year() + 1,
        ]
        .into_iter()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .min_by_key(|date| (*date - value_date).num_days().abs());
        if entry_date.is_none() {
            return Err(fail(format!(
                "entry date '{entry_text}' is not a date (MMDD)"
            )));
        }
        rest = &rest[4..];
    }
    // RC is the reversal of a credit, so money leaves the account; RD the reverse.
    let direction = if rest.starts_with("RC") || rest.starts_with('D') {
        Direction::Debit
    } else if rest.starts_with("RD") || rest.starts_with('C') {
        Direction::Credit
    } else {
        return Err(fail(format!(
            "no debit/credit mark (C, D, RC, RD) after the dates in '{value}'"
        )));
    };
    Ok(Head {
        value_date,
        entry_date,
        direction,
    })
}

#[cfg(test)]
mod tests;
