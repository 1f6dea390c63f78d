//! Page-number and keyset (cursor) pagination, sorting by a named column and per-value counts,
//! shared by every list; and [`ListSpec`] (`domain::list_spec`), the one way every staff list
//! searches, sorts and pages.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Value,
};

pub(crate) use crate::domain::list_spec::list_spec;
pub use crate::domain::list_spec::{KeysMatching, ListSpec};
use crate::domain::status::TextEnum;
use crate::error::{Error, Result};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;
/// Far past any real list; keeps offsets well inside the databases' 64-bit integers.
pub const MAX_PAGE: u64 = 10_000_000;

#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    /// 1-based.
    pub page: u64,
    pub page_size: u64,
}

impl PageRequest {
    /// Clamps to sane bounds: 1 ≤ page ≤ 10 million, 1 ≤ page_size ≤ 100.
    pub fn new(page: Option<u64>, page_size: Option<u64>) -> Self {
        PageRequest {
            page: page.unwrap_or(1).clamp(1, MAX_PAGE),
            page_size: clamp_page_size(page_size),
        }
    }
}

fn clamp_page_size(page_size: Option<u64>) -> u64 {
    page_size
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE)
}

#[derive(Debug)]
pub struct Page<T> {
    pub count: u64,
    pub items: Vec<T>,
    pub request: PageRequest,
}

impl<T> Page<T> {
    pub fn has_next(&self) -> bool {
        self.request.page.saturating_mul(self.request.page_size) < self.count
    }
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            count: self.count,
            items: self.items.into_iter().map(f).collect(),
            request: self.request,
        }
    }
}

/// Runs `select` for one page, with the total count: `known` when the caller has it from
/// elsewhere (the payment status counters), else counted.
pub async fn fetch<E, C>(
    select: Select<E>,
    db: &C,
    req: PageRequest,
    known: Option<u64>,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    C: ConnectionTrait,
{
    let count = match known {
        Some(count) => count,
        None => select.clone().count(db).await?,
    };
    let items = select
        .offset((req.page - 1).saturating_mul(req.page_size))
        .limit(req.page_size)
        .all(db)
        .await?;
    Ok(Page {
        count,
        items,
        request: req,
    })
}

/// Forward-only keyset ("cursor") paging, newest first: a page holds the rows whose id is below
/// the cursor, which is the id of the previous page's last row. Nothing is counted and nothing
/// is skipped, so a deep page costs what the first one does.
#[derive(Clone, Copy, Debug)]
pub struct KeysetRequest {
    /// Only rows with an id below this; `None` for the first page.
    pub before: Option<i64>,
    pub page_size: u64,
}

impl KeysetRequest {
    /// Reads a `cursor` query parameter (empty: the first page); anything but a non-negative
    /// whole number is a field error. A `sort` is refused: keyset pages follow the id only.
    pub fn parse(cursor: &str, page_size: Option<u64>, sort: Option<&str>) -> Result<Self> {
        if sort.is_some_and(|s| !s.trim().is_empty()) {
            return Err(Error::field(
                "cursor",
                "Cursor pagination lists newest first; remove sort or cursor.",
            ));
        }
        let before = match cursor.trim() {
            "" => None,
            c => Some(
                Some(c)
                    .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|c| c.parse::<i64>().ok())
                    .ok_or_else(|| {
                        Error::field(
                            "cursor",
                            "Invalid cursor: follow the previous page's `next` link.",
                        )
                    })?,
            ),
        };
        Ok(KeysetRequest {
            before,
            page_size: clamp_page_size(page_size),
        })
    }
}

#[derive(Debug)]
pub struct KeysetPage<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last one.
    pub next: Option<i64>,
}

/// Runs `select` (not yet ordered) for one keyset page along the integer column `id`, highest
/// first: one query for `page_size + 1` rows, the extra one only telling whether more follow.
pub async fn fetch_keyset<E, C>(
    select: Select<E>,
    db: &C,
    id: E::Column,
    req: KeysetRequest,
) -> Result<KeysetPage<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    C: ConnectionTrait,
{
    let mut select = select.order_by_desc(id);
    if let Some(before) = req.before {
        select = select.filter(id.lt(before));
    }
    let mut items = select.limit(req.page_size + 1).all(db).await?;
    let more = items.len() as u64 > req.page_size;
    items.truncate(req.page_size as usize);
    let next = match items.last().filter(|_| more).map(|last| last.get(id)) {
        None => None,
        Some(Value::BigInt(Some(n))) => Some(n),
        Some(Value::Int(Some(n))) => Some(n.into()),
        Some(other) => {
            return Err(Error::Internal(anyhow::anyhow!(
                "keyset column holds {other:?}, not an integer"
            )));
        }
    };
    Ok(KeysetPage { items, next })
}

/// Orders by the column `sort` names (`name` ascending, `-name` descending), or by `default`
/// when none is given, then by `ties` so pages are stable; a name not in `columns` is a field
/// error. Every staff list sorts through this.
pub fn sorted<E: EntityTrait>(
    select: Select<E>,
    sort: Option<&str>,
    default: &str,
    columns: &[(&str, E::Column)],
    ties: &[(E::Column, sea_orm::Order)],
) -> Result<Select<E>> {
    let sort = sort.filter(|s| !s.is_empty()).unwrap_or(default);
    let (name, desc) = sort.strip_prefix('-').map_or((sort, false), |n| (n, true));
    let column = columns
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
        .ok_or_else(|| Error::field("sort", "Unknown sort column."))?;
    let mut select = match desc {
        true => select.order_by_desc(column),
        false => select.order_by_asc(column),
    };
    for (tie, order) in ties {
        select = select.order_by(*tie, order.clone());
    }
    Ok(select)
}

/// What a staff list is searched and sorted by, as typed: the search box's term and the sort
/// column's name (`-name` descending), each `None` when not given.
#[derive(Debug, Default, Clone)]
pub struct Listing {
    pub search: Option<String>,
    pub sort: Option<String>,
}

impl Listing {
    /// The search box's term, trimmed; `None` when there is nothing to search for.
    pub fn term(&self) -> Option<&str> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// A filter's exact value (a plan's slug, a payment method); `None` when the filter is unset or
/// left empty. Not trimmed: unlike a search term, it must match a stored value as typed.
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// A filter value checked against its choices: a mistyped URL says so instead of listing nothing.
pub fn choice<T: TextEnum>(value: &Option<String>, field: &str) -> Result<Option<T>> {
    match given(value) {
        None => Ok(None),
        Some(v) => T::from_text(v)
            .map(Some)
            .ok_or_else(|| Error::field(field, format!("Choose one of: {}.", T::listed()))),
    }
}

/// Rows per value of a column, by the value's text.
pub type Counts = HashMap<String, u64>;

/// How many rows of `select` have each value of `column` (for filter sidebars).
pub async fn count_by<E, C>(
    db: &C,
    select: Select<E>,
    column: E::Column,
) -> Result<HashMap<String, u64>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let counts: Vec<(String, i64)> = select
        .select_only()
        .column(column)
        .column_as(Expr::col(column).count(), "n")
        .group_by(column)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|(value, n)| (value, u64::try_from(n).unwrap_or(0)))
        .collect())
}
