//! Lists: `{"count", "next", "previous", "results"}`, with links that keep the request's other
//! query parameters.

use axum::http::Uri;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::page::{KeysetPage, Page as DomainPage};

/// One page of a list (unpaginated lists come whole, as a single page).
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    /// Items in the whole list, over all pages.
    #[schema(example = 1)]
    pub count: u64,
    /// This request with the next page number (a path under `/api/v1`); null on the last page.
    #[schema(required = true, example = "/billing/invoices/?page=2")]
    pub next: Option<String>,
    /// This request with the previous page number; null on the first page.
    #[schema(required = true)]
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// One page of a list that also pages by cursor (the staff payment queue): numbered pages
/// as in `Page`; with `cursor=` pages come newest first, `next` carries the next cursor,
/// and `count` and `previous` are null (the count is not computed).
#[derive(Serialize, ToSchema)]
pub struct CursorPage<T> {
    /// Null in cursor mode.
    #[schema(required = true)]
    pub count: Option<u64>,
    #[schema(required = true)]
    pub next: Option<String>,
    /// Always null in cursor mode.
    #[schema(required = true)]
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// This request's path and query with `key` set to `value` (in place of any earlier `key`).
fn link(uri: &Uri, key: &str, value: impl std::fmt::Display) -> String {
    let mut query: Vec<String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|kv| !kv.is_empty() && kv.split('=').next() != Some(key))
        .map(str::to_owned)
        .collect();
    query.push(format!("{key}={value}"));
    format!("{}/?{}", uri.path().trim_end_matches('/'), query.join("&"))
}

/// A page of the domain's list, each item shown with `show`.
pub fn page<T, R>(page: DomainPage<T>, uri: &Uri, show: impl FnMut(T) -> R) -> Page<R> {
    let req = page.request;
    let next = page.has_next().then(|| link(uri, "page", req.page + 1));
    let previous = (req.page > 1).then(|| link(uri, "page", req.page - 1));
    Page {
        count: page.count,
        next,
        previous,
        results: page.items.into_iter().map(show).collect(),
    }
}

/// A whole list as one page, each row shown as its reply type (the unpaginated lists show
/// the domain's rows by reference, through the reply type's `From`).
pub fn whole<'a, T, R: From<&'a T>>(rows: &'a [T]) -> Page<R> {
    let results: Vec<R> = rows.iter().map(R::from).collect();
    Page {
        count: results.len() as u64,
        next: None,
        previous: None,
        results,
    }
}

impl<T> From<Page<T>> for CursorPage<T> {
    fn from(p: Page<T>) -> Self {
        CursorPage {
            count: Some(p.count),
            next: p.next,
            previous: p.previous,
            results: p.results,
        }
    }
}

/// A keyset page: no count, `next` carries the cursor (other query parameters kept), and no
/// `previous` (forward-only).
pub fn keyset<T, R>(page: KeysetPage<T>, uri: &Uri, show: impl FnMut(T) -> R) -> CursorPage<R> {
    CursorPage {
        count: None,
        next: page.next.map(|cursor| link(uri, "cursor", cursor)),
        previous: None,
        results: page.items.into_iter().map(show).collect(),
    }
}
