//! The parts of a camt.053 entry read here, as serde structs over local element names (the
//! same for .001.02 and .001.08 where they differ only in nesting), and the statement lines an
//! entry gives.

use serde::Deserialize;

use super::EntrySpan;
use crate::domain::statements::{
    Direction, ParseError, StatementLine, checked_currency, minor_units,
};

#[derive(Deserialize, Default)]
pub(super) struct Account {
    #[serde(rename = "Id")]
    pub(super) id: Option<AccountId>,
    #[serde(rename = "Ccy")]
    pub(super) currency: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct AccountId {
    #[serde(rename = "IBAN")]
    pub(super) iban: Option<String>,
    #[serde(rename = "Othr")]
    pub(super) other: Option<OtherId>,
}

#[derive(Deserialize, Default)]
pub(super) struct OtherId {
    #[serde(rename = "Id")]
    pub(super) id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Entry {
    #[serde(rename = "Amt")]
    amount: Option<Amount>,
    #[serde(rename = "CdtDbtInd")]
    credit_debit: Option<String>,
    #[serde(rename = "BookgDt")]
    booking_date: Option<DateChoice>,
    #[serde(rename = "ValDt")]
    value_date: Option<DateChoice>,
    #[serde(rename = "AcctSvcrRef")]
    servicer_reference: Option<String>,
    #[serde(rename = "NtryDtls", default)]
    details: Vec<EntryDetails>,
    #[serde(rename = "AddtlNtryInf")]
    additional_info: Option<String>,
}

#[derive(Deserialize)]
struct Amount {
    #[serde(rename = "@Ccy")]
    currency: Option<String>,
    #[serde(rename = "$text")]
    value: Option<String>,
}

#[derive(Deserialize)]
struct DateChoice {
    #[serde(rename = "Dt")]
    date: Option<String>,
    #[serde(rename = "DtTm")]
    date_time: Option<String>,
}

#[derive(Deserialize)]
struct EntryDetails {
    #[serde(rename = "TxDtls", default)]
    transactions: Vec<Transaction>,
}

#[derive(Deserialize)]
struct Transaction {
    #[serde(rename = "Refs")]
    references: Option<References>,
    /// .001.08 puts the transaction amount here; .001.02 only under AmtDtls.
    #[serde(rename = "Amt")]
    amount: Option<Amount>,
    #[serde(rename = "AmtDtls")]
    amount_details: Option<AmountDetails>,
    #[serde(rename = "CdtDbtInd")]
    credit_debit: Option<String>,
    #[serde(rename = "RltdPties")]
    parties: Option<Parties>,
    #[serde(rename = "RmtInf")]
    remittance: Option<Remittance>,
    #[serde(rename = "AddtlTxInf")]
    additional_info: Option<String>,
}

#[derive(Deserialize)]
struct References {
    #[serde(rename = "TxId")]
    transaction_id: Option<String>,
    #[serde(rename = "AcctSvcrRef")]
    servicer_reference: Option<String>,
}

#[derive(Deserialize)]
struct AmountDetails {
    #[serde(rename = "TxAmt")]
    transaction_amount: Option<TransactionAmount>,
}

#[derive(Deserialize)]
struct TransactionAmount {
    #[serde(rename = "Amt")]
    amount: Option<Amount>,
}

#[derive(Deserialize)]
struct Parties {
    #[serde(rename = "Dbtr")]
    debtor: Option<Party>,
    #[serde(rename = "Cdtr")]
    creditor: Option<Party>,
}

/// `.001.02` names the party directly (`Dbtr/Nm`); `.001.08` wraps it (`Dbtr/Pty/Nm`).
#[derive(Deserialize)]
struct Party {
    #[serde(rename = "Nm")]
    name: Option<String>,
    #[serde(rename = "Pty")]
    party: Option<NamedParty>,
}

#[derive(Deserialize)]
struct NamedParty {
    #[serde(rename = "Nm")]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Remittance {
    #[serde(rename = "Ustrd", default)]
    unstructured: Vec<String>,
}

/// The lines one entry gives: one, or one per transaction of a batch with its own amounts.
pub(super) fn entry_lines(
    entry: &Entry,
    span: &EntrySpan,
    out: &mut Vec<StatementLine>,
) -> Result<(), ParseError> {
    let line = span.line;
    let (amount, currency) = read_amount(entry.amount.as_ref(), line, "Ntry/Amt")?;
    let direction = read_direction(entry.credit_debit.as_deref(), line, "Ntry/CdtDbtInd")?;
    let booking_date =
        read_date(entry.booking_date.as_ref(), line, "Ntry/BookgDt")?.ok_or_else(|| {
            ParseError::at_element(line, "Ntry/BookgDt", "the entry has no booking date")
        })?;
    let value_date = read_date(entry.value_date.as_ref(), line, "Ntry/ValDt")?;
    let transactions: Vec<&Transaction> = entry
        .details
        .iter()
        .flat_map(|details| details.transactions.iter())
        .collect();
    let entry_info = text_of(entry.additional_info.as_deref());

    let is_batch = transactions.len() > 1
        && transactions
            .iter()
            .all(|transaction| transaction_amount(transaction).is_some());
    if !is_batch {
        let first = transactions.first();
        let bank_reference = first
            .and_then(|transaction| own_reference(transaction))
            .or_else(|| text_of(entry.servicer_reference.as_deref()));
        let payer_name = first.and_then(|transaction| counterparty(transaction, direction));
        let mut remittance: Vec<String> = transactions
            .iter()
            .flat_map(|transaction| remittance_parts(transaction))
            .collect();
        remittance.extend(entry_info);
        out.push(StatementLine {
            line_no: line,
            booking_date,
            value_date,
            amount,
            currency,
            direction,
            bank_reference,
            payer_name,
            remittance: remittance.join(" "),
        });
        return Ok(());
    }

    let signed = |amount: i64, direction: Direction| match direction {
        Direction::Credit => amount as i128,
        Direction::Debit => -(amount as i128),
    };
    let mut batch_total: i128 = 0;
    for (index, transaction) in transactions.iter().enumerate() {
        let transaction_line = span.transaction_lines.get(index).copied().unwrap_or(line);
        let element = "Ntry/NtryDtls/TxDtls/Amt";
        let (transaction_amount, transaction_currency) =
            read_amount(transaction_amount(transaction), transaction_line, element)?;
        if transaction_currency != currency {
            return Err(ParseError::at_element(
                transaction_line,
                element,
                format!(
                    "wrong currency: the transaction is in {transaction_currency}, its entry in {currency}"
                ),
            ));
        }
        let transaction_direction = match transaction.credit_debit.as_deref() {
            Some(_) => read_direction(
                transaction.credit_debit.as_deref(),
                transaction_line,
                "Ntry/NtryDtls/TxDtls/CdtDbtInd",
            )?,
            None => direction,
        };
        batch_total += signed(transaction_amount, transaction_direction);
        let mut remittance = remittance_parts(transaction);
        remittance.extend(entry_info.clone());
        out.push(StatementLine {
            line_no: transaction_line,
            booking_date,
            value_date,
            amount: transaction_amount,
            currency: currency.clone(),
            direction: transaction_direction,
            // The entry's AcctSvcrRef is shared by the whole batch, so it cannot stand for one
            // transaction of it.
            bank_reference: own_reference(transaction),
            payer_name: counterparty(transaction, transaction_direction),
            remittance: remittance.join(" "),
        });
    }
    if batch_total != signed(amount, direction) {
        return Err(ParseError::at_element(
            line,
            "Ntry/NtryDtls",
            format!(
                "the {} transactions of this batch entry do not add up to its amount",
                transactions.len()
            ),
        ));
    }
    Ok(())
}

fn transaction_amount(transaction: &Transaction) -> Option<&Amount> {
    transaction.amount.as_ref().or_else(|| {
        transaction
            .amount_details
            .as_ref()
            .and_then(|details| details.transaction_amount.as_ref())
            .and_then(|amount| amount.amount.as_ref())
    })
}

/// Trimmed text, or None where a bank left it empty or wrote the ISO placeholder.
fn text_of(text: Option<&str>) -> Option<String> {
    let text = text?.trim();
    (!text.is_empty() && text != "NOTPROVIDED").then(|| text.to_string())
}

fn own_reference(transaction: &Transaction) -> Option<String> {
    let references = transaction.references.as_ref()?;
    text_of(references.transaction_id.as_deref())
        .or_else(|| text_of(references.servicer_reference.as_deref()))
}

fn counterparty(transaction: &Transaction, direction: Direction) -> Option<String> {
    let parties = transaction.parties.as_ref()?;
    let party = match direction {
        Direction::Credit => parties.debtor.as_ref()?,
        Direction::Debit => parties.creditor.as_ref()?,
    };
    text_of(party.name.as_deref())
        .or_else(|| text_of(party.party.as_ref().and_then(|p| p.name.as_deref())))
}

fn remittance_parts(transaction: &Transaction) -> Vec<String> {
    let mut parts: Vec<String> = transaction
        .remittance
        .iter()
        .flat_map(|remittance| remittance.unstructured.iter())
        .filter_map(|text| text_of(Some(text)))
        .collect();
    parts.extend(text_of(transaction.additional_info.as_deref()));
    parts
}

fn read_amount(
    amount: Option<&Amount>,
    line: usize,
    element: &str,
) -> Result<(i64, String), ParseError> {
    let fail = |message: String| ParseError::at_element(line, element, message);
    let amount = amount.ok_or_else(|| fail("the entry has no amount".into()))?;
    let code = amount
        .currency
        .as_deref()
        .ok_or_else(|| fail("<Amt> has no Ccy attribute".into()))?;
    let currency = checked_currency(code).map_err(fail)?;
    let text = amount.value.as_deref().unwrap_or("").trim();
    if text.is_empty() {
        return Err(fail("the entry has no amount".into()));
    }
    let minor = minor_units(text, &currency).map_err(fail)?;
    Ok((minor, currency))
}

fn read_direction(
    indicator: Option<&str>,
    line: usize,
    element: &str,
) -> Result<Direction, ParseError> {
    match indicator.map(str::trim) {
        Some("CRDT") => Ok(Direction::Credit),
        Some("DBIT") => Ok(Direction::Debit),
        Some(other) => Err(ParseError::at_element(
            line,
            element,
            format!("'{other}' is neither CRDT nor DBIT"),
        )),
        None => Err(ParseError::at_element(
            line,
            element,
            "the entry does not say whether it is a credit or a debit",
        )),
    }
}

/// `Dt`, or the date part of `DtTm`; a time zone suffix (`2025-12-08+01:00`) is the bank's
/// local date already, so only the first ten characters count.
fn read_date(
    choice: Option<&DateChoice>,
    line: usize,
    element: &str,
) -> Result<Option<chrono::NaiveDate>, ParseError> {
    let Some(choice) = choice else {
        return Ok(None);
    };
    let Some(text) = choice.date.as_deref().or(choice.date_time.as_deref()) else {
        return Ok(None);
    };
    let text = text.trim();
    text.get(..10)
        .and_then(|date| chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok())
        .map(Some)
        .ok_or_else(|| ParseError::at_element(line, element, format!("'{text}' is not a date")))
}
