//! Fitting caller text into fixed widths: cleaning, truncating and word-wrapping.
//!
//! Everything printed on a document comes from users (names, addresses, line descriptions), so
//! nothing here trusts its length or content: control characters become spaces, each field is
//! cut to [`MAX_FIELD_CHARS`] before it is measured, and wrapped text stops at a line limit with
//! an ellipsis. That keeps a hostile or broken field from pushing text off the page, overlapping
//! a neighbouring column, or making a render take unbounded time.

use super::fonts::Face;

/// Characters of one field that are ever looked at; beyond this nobody reads an invoice anyway.
pub(crate) const MAX_FIELD_CHARS: usize = 4_000;

const ELLIPSIS: char = '…';

/// `text` on one line: control characters (tabs, newlines…), which the fonts cannot draw, turn
/// into spaces, and only the first [`MAX_FIELD_CHARS`] characters are kept.
pub(crate) fn one_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .take(MAX_FIELD_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.trim().to_string()
}

/// `text` on one line, cut with an ellipsis if it is wider than `max_width` at `size` points.
pub(crate) fn truncate(face: &Face, text: &str, size: f32, max_width: f32) -> String {
    let text = one_line(text);
    if face.width(&text, size) <= max_width {
        return text;
    }
    ellipsize(face, &text, size, max_width)
}

/// The longest prefix of `text` that fits in `max_width` together with a trailing ellipsis.
fn ellipsize(face: &Face, text: &str, size: f32, max_width: f32) -> String {
    let mut budget = max_width - face.glyph(ELLIPSIS).advance * size;
    let mut out = String::new();
    for c in text.chars() {
        let w = face.glyph(c).advance * size;
        if w > budget {
            break;
        }
        budget -= w;
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    out.push(ELLIPSIS);
    out
}

/// Word-wraps `text` into lines no wider than `max_width`, keeping its own line breaks.
///
/// Words longer than a line are broken between characters. At most `max_lines` lines come back;
/// if the text needed more, the last one ends with an ellipsis. Always returns at least one
/// (possibly empty) line, so every field keeps its row.
pub(crate) fn wrap(
    face: &Face,
    text: &str,
    size: f32,
    max_width: f32,
    max_lines: usize,
) -> Vec<String> {
    let max_lines = max_lines.max(1);
    let text: String = text.chars().take(MAX_FIELD_CHARS).collect();
    let mut lines: Vec<String> = Vec::new();
    let space = face.glyph(' ').advance * size;

    'paragraphs: for paragraph in text.trim().split('\n') {
        let paragraph = one_line(paragraph);
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word_width = face.width(word, size);
            let gap = if line.is_empty() { 0.0 } else { space };
            if line_width + gap + word_width <= max_width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_width += gap + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
                if lines.len() > max_lines {
                    break 'paragraphs;
                }
            }
            if word_width <= max_width {
                line.push_str(word);
                line_width = word_width;
                continue;
            }
            for c in word.chars() {
                let w = face.glyph(c).advance * size;
                if line_width + w > max_width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                    if lines.len() > max_lines {
                        break 'paragraphs;
                    }
                }
                line.push(c);
                line_width += w;
            }
        }
        lines.push(line);
        if lines.len() > max_lines {
            break;
        }
    }

    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(face, last, size, max_width);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::super::fonts::{Fonts, Weight};
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let fonts = Fonts::load().unwrap();
        let face = fonts.face(Weight::Regular);
        let text = "Pro plan, monthly subscription for the period 2026-12-01 to 2026-12-31";
        let lines = wrap(face, text, 9.0, 120.0, 10);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(
            lines.iter().all(|l| face.width(l, 9.0) <= 120.0),
            "{lines:?}"
        );
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn over_long_text_is_cut_with_an_ellipsis() {
        let fonts = Fonts::load().unwrap();
        let face = fonts.face(Weight::Regular);
        let word = "x".repeat(100_000);
        let lines = wrap(face, &word, 9.0, 100.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with(ELLIPSIS));
        assert!(lines.iter().all(|l| face.width(l, 9.0) <= 100.0));

        let cut = truncate(face, &format!("12\t345\n{word}"), 9.0, 60.0);
        assert!(
            cut.starts_with("12 345") && cut.ends_with(ELLIPSIS),
            "{cut}"
        );
        assert!(face.width(&cut, 9.0) <= 60.0);
    }

    #[test]
    fn empty_and_blank_text_keep_one_line() {
        let fonts = Fonts::load().unwrap();
        let face = fonts.face(Weight::Regular);
        assert_eq!(wrap(face, "", 9.0, 100.0, 3), vec![String::new()]);
        assert_eq!(wrap(face, " \n\t ", 9.0, 100.0, 3), vec![String::new()]);
        assert_eq!(wrap(face, "a\nb", 9.0, 100.0, 3), vec!["a", "b"]);
        assert_eq!(wrap(face, "abc", 9.0, 0.0, 2), vec!["a", "…"]);
    }
}
