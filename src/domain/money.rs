//! Money as integer minor units. Parsing and formatting are exact: no floating point anywhere.

use serde_json::Value;

/// Decimal places of a currency's minor unit (ISO 4217). Two unless listed.
pub fn minor_places(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// `8900, "USD"` → `"89.00"`.
pub fn format_minor(minor: i64, currency: &str) -> String {
    let places = minor_places(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if places == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(places);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = places as usize
    )
}

#[derive(Debug, PartialEq, Eq)]
pub enum AmountError {
    Malformed,
    TooManyDecimals(u32),
    Negative,
    TooLarge,
}

impl AmountError {
    pub fn message(&self) -> String {
        match self {
            AmountError::Malformed => "Enter a valid amount, such as \"89.00\".".into(),
            AmountError::TooManyDecimals(p) => format!("Use at most {p} decimal places."),
            AmountError::Negative => "Amount must not be negative.".into(),
            AmountError::TooLarge => "Amount is too large.".into(),
        }
    }
}

/// Parses a decimal amount ("89", "89.0", "89.00") into minor units of `currency`.
pub fn parse_amount(text: &str, currency: &str) -> Result<i64, AmountError> {
    let places = minor_places(currency);
    let text = text.trim();
    if text.starts_with('-') {
        return Err(AmountError::Negative);
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
        return Err(AmountError::Malformed);
    }
    // Trailing zeros beyond the currency's places change nothing ("89.000" is 89.00).
    let frac = frac.trim_end_matches('0');
    if frac.len() > places as usize {
        return Err(AmountError::TooManyDecimals(places));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| AmountError::TooLarge)?
    };
    let frac_minor: i64 = if frac.is_empty() {
        0
    } else {
        let padded = format!("{frac:0<width$}", width = places as usize);
        padded.parse().map_err(|_| AmountError::Malformed)?
    };
    whole
        .checked_mul(10i64.pow(places))
        .and_then(|w| w.checked_add(frac_minor))
        .ok_or(AmountError::TooLarge)
}

/// Accepts an amount sent as a JSON string ("89.00") or number (89, 89.0).
pub fn parse_amount_value(value: &Value, currency: &str) -> Result<i64, AmountError> {
    match value {
        Value::String(s) => parse_amount(s, currency),
        // A JSON number's own text as sent (serde_json's `arbitrary_precision`), never an f64
        // round trip: 89.1 is exactly 89.10, and 88.99999999999999999 is refused for its
        // decimals instead of being rounded to 89.00.
        Value::Number(n) if !n.as_str().contains(['e', 'E']) => parse_amount(n.as_str(), currency),
        _ => Err(AmountError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_currency_places() {
        assert_eq!(format_minor(8900, "USD"), "89.00");
        assert_eq!(format_minor(5, "USD"), "0.05");
        assert_eq!(format_minor(-1234, "USD"), "-12.34");
        assert_eq!(format_minor(500, "JPY"), "500");
        assert_eq!(format_minor(1500, "KWD"), "1.500");
    }

    #[test]
    fn parses_equal_spellings_to_the_same_amount() {
        for s in ["89", "89.0", "89.00", "89.000", " 89.00 ", "+89"] {
            assert_eq!(parse_amount(s, "USD"), Ok(8900), "{s}");
        }
        assert_eq!(parse_amount(".5", "USD"), Ok(50));
        assert_eq!(parse_amount("0.01", "USD"), Ok(1));
    }

    #[test]
    fn rejects_what_is_not_money() {
        assert_eq!(
            parse_amount("89.001", "USD"),
            Err(AmountError::TooManyDecimals(2))
        );
        assert_eq!(parse_amount("-1", "USD"), Err(AmountError::Negative));
        for s in ["", ".", "abc", "1,00", "1.2.3", "1e3", "NaN", "89 USD"] {
            assert_eq!(parse_amount(s, "USD"), Err(AmountError::Malformed), "{s}");
        }
        assert_eq!(
            parse_amount("99999999999999999999", "USD"),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn json_numbers_are_read_from_their_text() {
        assert_eq!(parse_amount_value(&serde_json::json!(89), "USD"), Ok(8900));
        assert_eq!(
            parse_amount_value(&serde_json::json!(89.1), "USD"),
            Ok(8910)
        );
        assert_eq!(
            parse_amount_value(&serde_json::json!(true), "USD"),
            Err(AmountError::Malformed)
        );
        let number = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        for text in ["88.99999999999999999", "89.0000000000000000001", "89.001"] {
            assert_eq!(
                parse_amount_value(&number(text), "USD"),
                Err(AmountError::TooManyDecimals(2)),
                "{text}"
            );
        }
        assert_eq!(parse_amount_value(&number("89.000"), "USD"), Ok(8900));
        assert_eq!(
            parse_amount_value(&number("8.9e1"), "USD"),
            Err(AmountError::Malformed)
        );
    }
}
