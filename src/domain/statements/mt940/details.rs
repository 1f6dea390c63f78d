//! The German `:86:` field: a business transaction code, then `?NN` subfields (DFÜ agreement,
//! annex 3), or free text from banks that do not structure it.

#[derive(Default)]
pub(super) struct Details {
    pub(super) remittance: String,
    pub(super) payer: Option<String>,
}

/// Longest content of one `?2x`/`?3x` subfield; a subfield filled to it was most likely cut
/// mid-word by the bank, so its continuation is appended without a space.
const SUBFIELD_WIDTH: usize = 27;
/// Likewise for the 65-character lines of an unstructured `:86:`.
const LINE_WIDTH: usize = 65;

fn join_wrapped<'t>(parts: impl IntoIterator<Item = &'t str>, width: usize) -> String {
    let mut joined = String::new();
    let mut previous_full = false;
    for part in parts {
        if part.trim().is_empty() {
            continue;
        }
        let continues = previous_full;
        if !joined.is_empty() && !continues {
            joined.push(' ');
        }
        let piece = if continues { part } else { part.trim_start() };
        previous_full = part.chars().count() >= width;
        joined.push_str(if previous_full {
            piece
        } else {
            piece.trim_end()
        });
    }
    joined.trim().to_string()
}

/// The `(code, content)` subfields of a structured `:86:` body: a separator only starts a
/// subfield when two digits follow it, so a `?` inside the text stays text.
fn subfields(body: &str, separator: char) -> Vec<(u8, &str)> {
    let starts: Vec<usize> = body
        .char_indices()
        .filter(|(at, c)| {
            *c == separator
                && body[at + c.len_utf8()..]
                    .get(..2)
                    .is_some_and(|code| code.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(at, _)| at)
        .collect();
    let mut found = Vec::with_capacity(starts.len());
    for (index, start) in starts.iter().enumerate() {
        let code_at = start + separator.len_utf8();
        let end = starts.get(index + 1).copied().unwrap_or(body.len());
        let code = body[code_at..code_at + 2].parse().unwrap_or(0);
        found.push((code, &body[code_at + 2..end]));
    }
    found
}

/// `:86:` as `GVC?00posting text?20...?29 remittance?32?33 name`, or plain text when it does
/// not follow that structure. Posting text (`?00`, e.g. "SEPA-GUTSCHRIFT") says nothing about
/// who paid for what, so it is left out.
pub(super) fn read_details(value: &str) -> Details {
    let joined: String = value.split('\n').collect();
    let mut chars = joined.chars();
    let code_digits = chars
        .by_ref()
        .take(3)
        .filter(|c| c.is_ascii_digit())
        .count();
    let separator = chars.next().filter(|c| !c.is_alphanumeric() && *c != ' ');
    let Some(separator) = separator.filter(|_| code_digits == 3) else {
        return Details {
            remittance: join_wrapped(value.split('\n'), LINE_WIDTH),
            payer: None,
        };
    };
    let mut remittance = Vec::new();
    let mut payer = Vec::new();
    let body = &joined[3..];
    for (code, content) in subfields(body, separator) {
        match code {
            20..=29 | 60..=63 => remittance.push(content),
            32 | 33 => payer.push(content),
            _ => {}
        }
    }
    let payer = join_wrapped(payer, SUBFIELD_WIDTH);
    Details {
        remittance: join_wrapped(remittance, SUBFIELD_WIDTH),
        payer: (!payer.is_empty()).then_some(payer),
    }
}
