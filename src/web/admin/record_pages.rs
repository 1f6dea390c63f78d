//! What the plan, payment-method, industry and site pages share: yes/no filters, ids from
//! paths, and telling a refused form (shown again) from a real error (an error page).

use crate::domain::page::PageRequest;
use crate::error::{Error, FieldErrors};
use crate::web::admin::query::ListQuery;
use crate::web::admin::view::{Cell, FilterGroup, Search};
use crate::web::error::PageError;

/// Rows per list page, as Django's admin shows; every list of the panel pages by it.
pub const PAGE_SIZE: u64 = 100;

pub fn page_request(q: &ListQuery) -> PageRequest {
    PageRequest {
        page: q.page(),
        page_size: PAGE_SIZE,
    }
}

/// `key=yes` / `key=no` in the URL; anything else means "all".
pub fn flag(q: &ListQuery, key: &str) -> Option<bool> {
    match q.get(key) {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    }
}

/// The sidebar group for a yes/no column: All, Yes, No (titled by its key, as every filter).
pub fn yes_no_filter(q: &ListQuery, path: &str, key: &str) -> FilterGroup {
    q.choice_filter(path, key, &[("yes", "Yes"), ("no", "No")], None)
}

pub fn yes_no(value: bool) -> Cell {
    Cell::badge(if value { "yes" } else { "no" })
}

/// The list's search box, keeping the list's other parameters.
pub fn search_box(q: &ListQuery) -> Option<Search> {
    Some(Search {
        value: q.get("q").unwrap_or_default().to_owned(),
        hidden: q.hidden(&["q", "p"]),
    })
}

/// An id from the path; anything that is not one is "not found", like a missing record.
pub fn parse_id(raw: &str, what: &str) -> Result<i64, PageError> {
    raw.parse()
        .map_err(|_| PageError(Error::NotFound(format!("{what} not found"))))
}

/// A save's failure: bad input comes back as the fields to flag on the form shown again;
/// anything else becomes the error page.
pub fn refused(err: Error) -> Result<FieldErrors, PageError> {
    match err {
        Error::Invalid { fields, .. } => Ok(fields),
        other => Err(PageError(other)),
    }
}
