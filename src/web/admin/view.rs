//! The panel's page models: one generic list page, one generic change page, and the pieces
//! they are made of. Every record type fills these; the templates never see entities.

use askama::Template;

pub use crate::web::page::{Chrome, html};

/// One value on a page: text, optionally a link, a status badge and a warning flag.
#[derive(Default, Clone)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub badge: Option<String>,
    pub warn: Option<String>,
    /// A button posting (with the page's CSRF token) to this path; `text` is its label.
    pub post: Option<String>,
    /// An image shown inline from this same-site path (a payment's proof); `text` is its alt
    /// text, `href` where clicking it leads.
    pub image: Option<String>,
    /// Shown as written, line breaks and indentation kept (a raw webhook body).
    pub pre: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Default::default()
        }
    }
    pub fn opt(text: Option<impl Into<String>>) -> Cell {
        text.map_or_else(|| Cell::text("—"), Cell::text)
    }
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            href: Some(href.into()),
            ..Default::default()
        }
    }
    /// A status shown as a coloured badge (`badge-<status>` in the stylesheet).
    pub fn badge(status: &str) -> Cell {
        Cell {
            text: status.replace('_', " "),
            badge: Some(status.to_owned()),
            ..Default::default()
        }
    }
    /// A button that posts to `action` (e.g. a delivery's "Resend").
    pub fn button(label: impl Into<String>, action: impl Into<String>) -> Cell {
        Cell {
            text: label.into(),
            post: Some(action.into()),
            ..Default::default()
        }
    }
    /// An image from `src`, linked to itself at full size.
    pub fn image(alt: impl Into<String>, src: impl Into<String>) -> Cell {
        let src = src.into();
        Cell {
            text: alt.into(),
            href: Some(src.clone()),
            image: Some(src),
            ..Default::default()
        }
    }
    /// Text shown preformatted.
    pub fn pre(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            pre: true,
            ..Default::default()
        }
    }
    pub fn warned(mut self, warning: Option<String>) -> Cell {
        self.warn = warning;
        self
    }
}

pub struct Column {
    pub label: String,
    /// Link that sorts by this column (toggling direction), when sortable.
    pub sort_href: Option<String>,
    /// "▲" or "▼" when the list is sorted by this column.
    pub sorted: &'static str,
}

pub struct Row {
    pub id: i64,
    pub cells: Vec<Cell>,
}

pub struct FilterGroup {
    pub title: String,
    pub options: Vec<FilterOption>,
}

pub struct FilterOption {
    pub label: String,
    pub count: Option<u64>,
    pub href: String,
    pub selected: bool,
}

pub struct Pager {
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

pub struct Search {
    pub value: String,
    /// The other parameters of the list, kept when searching.
    pub hidden: Vec<(String, String)>,
}

/// A bulk action offered on a list (`value` is posted as `action`).
pub struct Action {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub heading: String,
    pub search: Option<Search>,
    pub filters: Vec<FilterGroup>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub actions: Vec<Action>,
    /// Where the action form posts; also carries the list's query to return to.
    pub action_url: String,
    pub pager: Pager,
    pub add_href: Option<String>,
}

pub struct TableView {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: String,
}

pub struct Field {
    pub name: String,
    pub label: String,
    /// text, textarea, number, checkbox, checkboxes (one per option, ticked when its value is
    /// among the comma-separated `value`), select, hidden
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub help: String,
    /// Why the submitted value was refused (a form shown again after a failed save).
    pub errors: Vec<String>,
}

impl Field {
    pub fn new(kind: &'static str, name: &str, label: &str, value: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            kind,
            value: value.into(),
            options: Vec::new(),
            required: false,
            help: String::new(),
            errors: Vec::new(),
        }
    }
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Field {
        self.help = help.into();
        self
    }
    pub fn options(mut self, options: Vec<(String, String)>) -> Field {
        self.options = options;
        self
    }
    /// A checkbox, ticked or not.
    pub fn checkbox(name: &str, label: &str, ticked: bool) -> Field {
        Field::new("checkbox", name, label, if ticked { "on" } else { "" })
    }
    /// For checkboxes: whether it is ticked.
    pub fn checked(&self) -> bool {
        self.value == "on"
    }
    /// A group of checkboxes sharing `name`, one per option (value, label); `ticked` are on.
    pub fn checkboxes(
        name: &str,
        label: &str,
        options: Vec<(String, String)>,
        ticked: &[String],
    ) -> Field {
        Field::new("checkboxes", name, label, ticked.join(",")).options(options)
    }
    /// For a group of checkboxes: whether the option `value` is ticked.
    pub fn ticks(&self, value: &str) -> bool {
        self.value.split(',').any(|v| v == value)
    }
}

/// Puts each refused field's messages beside it; returns the summary for the top of the page,
/// naming any problem that has no field on this form.
pub fn attach_errors(fields: &mut [Field], errors: &crate::error::FieldErrors) -> String {
    let mut unplaced = Vec::new();
    for (name, messages) in errors {
        match fields.iter_mut().find(|f| &f.name == name) {
            Some(field) => field.errors.extend(messages.iter().cloned()),
            None => unplaced.extend(messages.iter().map(|m| format!("{name}: {m}"))),
        }
    }
    let mut summary = String::from("Please correct the errors below.");
    for m in unplaced {
        summary.push(' ');
        summary.push_str(&m);
    }
    summary
}

pub struct FormView {
    pub title: String,
    pub action: String,
    pub fields: Vec<Field>,
    pub submit: String,
    /// Styled as a destructive action.
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "admin/change.html")]
pub struct ChangePage {
    pub chrome: Chrome,
    pub heading: String,
    pub fields: Vec<(String, Cell)>,
    pub tables: Vec<TableView>,
    pub forms: Vec<FormView>,
}
