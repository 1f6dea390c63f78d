//! ISO 20022 camt.053 (bank to customer statement), versions .001.02 and .001.08.
//!
//! One streaming pass over the document checks that it is well formed, finds the root namespace
//! and the byte span of every `Stmt/Acct` and `Stmt/Ntry`; each span is then deserialised on its
//! own with serde. That keeps the text line of every entry (serde alone loses positions), lets an
//! error name the entry it is in, and stays linear in the file's size.
//!
//! A batch entry (`NtryDtls` with several `TxDtls`, each with its own amount) becomes one line
//! per transaction, since each is a separate payer to match; its `line_no` is the line of that
//! `<TxDtls>`. A batch whose transaction amounts do not add up to the entry's amount is refused.

mod entries;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::{Format, LineChecks, LineCounter, ParseError, Statement, checked_currency};
use entries::{Account, Entry, entry_lines};

pub(super) const NAMESPACE_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.";
const SUPPORTED_VERSIONS: [&str; 2] = ["02", "08"];

/// Where an entry stands in the file, found by the streaming pass.
pub(super) struct EntrySpan {
    start: usize,
    end: usize,
    pub(super) line: usize,
    pub(super) transaction_lines: Vec<usize>,
    account_index: usize,
}

/// The statement skeleton: account spans (one per `Stmt`) and entry spans, in document order.
struct Layout {
    accounts: Vec<Option<(usize, usize)>>,
    entries: Vec<EntrySpan>,
}

pub(super) fn parse(bytes: &[u8]) -> Result<Statement, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let line = 1 + bytes[..error.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        ParseError::at(line, "not UTF-8 text, which camt.053 files are")
    })?;
    let markup = text.trim_start_matches('\u{feff}').trim_start();
    if !markup.starts_with('<') {
        return Err(ParseError::at(
            1 + text[..text.len() - markup.len()].matches('\n').count(),
            "not a camt.053 file: it does not start with XML markup",
        ));
    }
    let layout = scan(text)?;

    let mut accounts = Vec::with_capacity(layout.accounts.len());
    for span in &layout.accounts {
        let account: Account = match span {
            Some((start, end)) => quick_xml::de::from_str(&text[*start..*end])
                .map_err(|error| ParseError::general(format!("Stmt/Acct: {error}")))?,
            None => Account::default(),
        };
        let currency = match &account.currency {
            Some(code) => Some(checked_currency(code).map_err(|message| ParseError {
                line: None,
                element: Some("Stmt/Acct/Ccy".into()),
                message,
            })?),
            None => None,
        };
        let id = account.id.and_then(|id| {
            id.iban
                .or_else(|| id.other.and_then(|other| other.id))
                .map(|id| id.trim().to_string())
        });
        accounts.push((id, currency));
    }
    if let Some(first) = accounts.first()
        && let Some(other) = accounts.iter().find(|account| account.0 != first.0)
    {
        return Err(ParseError::general(format!(
            "the file holds statements of several accounts ({} and {}); import them one by one",
            first.0.as_deref().unwrap_or("unnamed"),
            other.0.as_deref().unwrap_or("unnamed")
        )));
    }

    let mut checks = LineChecks::default();
    let mut lines = Vec::with_capacity(layout.entries.len());
    for span in &layout.entries {
        let entry: Entry = quick_xml::de::from_str(&text[span.start..span.end])
            .map_err(|error| ParseError::at_element(span.line, "Ntry", error.to_string()))?;
        let first_new = lines.len();
        entry_lines(&entry, span, &mut lines)?;
        let account_currency = accounts[span.account_index].1.as_deref();
        for line in &lines[first_new..] {
            checks.check(line, account_currency, "Ntry/Amt")?;
        }
    }
    let (account, currency) = accounts.into_iter().next().unwrap_or((None, None));
    Ok(Statement {
        format: Format::Camt053,
        account,
        currency,
        lines,
    })
}

/// One pass of the XML reader: well-formedness, the namespace, and the spans to deserialise.
fn scan(text: &str) -> Result<Layout, ParseError> {
    let mut reader = Reader::from_str(text);
    let mut lines = LineCounter::new(text.as_bytes());
    // Each open element: its local name and the byte offset of its `<`.
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut layout = Layout {
        accounts: Vec::new(),
        entries: Vec::new(),
    };
    let mut saw_root = false;
    loop {
        let event_start = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|error| {
            let at = reader.error_position() as usize;
            ParseError::at(
                lines.line_at(at.max(event_start)),
                format!("ill-formed XML: {error}"),
            )
        })?;
        match event {
            Event::Start(start) => {
                let name = local_name(start.local_name().as_ref());
                if open.is_empty() {
                    root_start(&mut saw_root, &start, lines.line_at(event_start))?;
                } else if open.len() == 2 && open[1].0 == "BkToCstmrStmt" && name == "Stmt" {
                    layout.accounts.push(None);
                } else if is_entry_path(&open, &name) {
                    layout.entries.push(EntrySpan {
                        start: event_start,
                        end: event_start,
                        line: lines.line_at(event_start),
                        transaction_lines: Vec::new(),
                        account_index: layout.accounts.len().saturating_sub(1),
                    });
                } else if name == "TxDtls"
                    && open.len() == 5
                    && open[3].0 == "Ntry"
                    && open[4].0 == "NtryDtls"
                    && let Some(entry) = layout.entries.last_mut()
                {
                    entry.transaction_lines.push(lines.line_at(event_start));
                }
                open.push((name, event_start));
            }
            Event::Empty(start) => {
                let name = local_name(start.local_name().as_ref());
                if open.is_empty() {
                    root_start(&mut saw_root, &start, lines.line_at(event_start))?;
                } else if is_entry_path(&open, &name) {
                    // An empty <Ntry/> still is an entry, and fails for its missing amount.
                    layout.entries.push(EntrySpan {
                        start: event_start,
                        end: reader.buffer_position() as usize,
                        line: lines.line_at(event_start),
                        transaction_lines: Vec::new(),
                        account_index: layout.accounts.len().saturating_sub(1),
                    });
                }
            }
            Event::End(_) => {
                let (name, start) = open.pop().unwrap_or_default();
                let end = reader.buffer_position() as usize;
                if open.len() == 3 && open[2].0 == "Stmt" {
                    if name == "Ntry"
                        && let Some(entry) = layout.entries.last_mut()
                    {
                        entry.end = end;
                    } else if name == "Acct"
                        && let Some(account) = layout.accounts.last_mut()
                    {
                        *account = Some((start, end));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some((name, start)) = open.last() {
        let opened = lines.line_at(*start);
        return Err(ParseError::at(
            lines.line_at(text.trim_end().len()),
            format!("the file ends inside <{name}> (opened on line {opened}): truncated XML"),
        ));
    }
    if !saw_root {
        return Err(ParseError::general(
            "not a camt.053 file: no XML element found",
        ));
    }
    if layout.accounts.is_empty() {
        return Err(ParseError::general(
            "not a camt.053 statement: no Document/BkToCstmrStmt/Stmt element",
        ));
    }
    Ok(layout)
}

fn is_entry_path(open: &[(String, usize)], name: &str) -> bool {
    open.len() == 3 && open[1].0 == "BkToCstmrStmt" && open[2].0 == "Stmt" && name == "Ntry"
}

fn root_start(
    saw_root: &mut bool,
    start: &quick_xml::events::BytesStart<'_>,
    line: usize,
) -> Result<(), ParseError> {
    if *saw_root {
        return Err(ParseError::at(
            line,
            "ill-formed XML: a second root element",
        ));
    }
    *saw_root = true;
    check_namespace(start, line)
}

fn local_name(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// The root must be in a camt.053 namespace of a version read here.
fn check_namespace(
    root: &quick_xml::events::BytesStart<'_>,
    line: usize,
) -> Result<(), ParseError> {
    let prefix = root
        .name()
        .prefix()
        .map(|prefix| String::from_utf8_lossy(prefix.as_ref()).into_owned());
    let binding = match &prefix {
        Some(prefix) => format!("xmlns:{prefix}"),
        None => "xmlns".to_string(),
    };
    let namespace = root
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.as_ref() == binding.as_bytes())
        .map(|attribute| String::from_utf8_lossy(&attribute.value).into_owned())
        .unwrap_or_default();
    let Some(version) = namespace.strip_prefix(NAMESPACE_PREFIX) else {
        let shown = if namespace.is_empty() {
            "none".to_string()
        } else {
            namespace
        };
        return Err(ParseError::at_element(
            line,
            "Document",
            format!("not a camt.053 statement: the root element's namespace is {shown}"),
        ));
    };
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(ParseError::at_element(
            line,
            "Document",
            format!("camt.053.001.{version} is not read here (only .001.02 and .001.08)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
