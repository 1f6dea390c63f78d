//! A mail's content, written once as a [`Body`] (heading, paragraphs, a table of facts, one
//! call to action, notes) and rendered by two templates into its plain-text and HTML parts,
//! so every mail has both and they always say the same. A letter may carry files (a receipt's
//! or a credit note's PDF).

use askama::Template;

/// One rendered mail to one recipient.
#[derive(Debug, Clone)]
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Files sent with it; none for most mails.
    pub attachments: Vec<Attachment>,
}

/// A file sent with a letter.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What a mail says.
#[derive(Debug, Default)]
pub struct Body {
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// Label and value, e.g. ("Amount", "89.00 USD").
    pub facts: Vec<(String, String)>,
    /// The button: its label and absolute link.
    pub action: Option<(String, String)>,
    /// Smaller text after the button (payment instructions, "if this was not you…").
    pub notes: Vec<String>,
}

impl Body {
    pub fn fact(mut self, label: &str, value: impl Into<String>) -> Body {
        self.facts.push((label.to_owned(), value.into()));
        self
    }
}

#[derive(Template)]
#[template(path = "mail/letter.txt")]
struct TextPart<'a> {
    product: &'a str,
    body: &'a Body,
}

#[derive(Template)]
#[template(path = "mail/letter.html")]
struct HtmlPart<'a> {
    product: &'a str,
    subject: &'a str,
    body: &'a Body,
}

/// Renders `body` for `to`, both parts.
pub fn letter(product: &str, to: &str, subject: String, body: &Body) -> askama::Result<Letter> {
    let text = TextPart { product, body }.render()?;
    let html = HtmlPart {
        product,
        subject: &subject,
        body,
    }
    .render()?;
    Ok(Letter {
        to: to.to_owned(),
        subject,
        text,
        html,
        attachments: Vec::new(),
    })
}
