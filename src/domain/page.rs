//! Page-number and keyset (cursor) pagination, sorting by a named column and per-value counts,
//! shared by every list; and [`ListSpec`], the one way every staff list searches, sorts and
//! pages.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, ModelTrait,
    Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Value,
};

use crate::db::Db;
use crate::domain::search::contains;
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

/// Runs `select` for one page, with the total count.
pub async fn fetch<E, C>(select: Select<E>, db: &C, req: PageRequest) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    C: ConnectionTrait,
{
    let count = select.clone().count(db).await?;
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

/// The subquery that finds, for a search term, the keys of related rows it matches
/// (`search::accounts_named`).
pub type KeysMatching = fn(&str) -> SelectStatement;

/// How one staff list searches and sorts: a constant per list, so that every list runs the
/// same steps — its own filters, then [`ListSpec::list`] (search, sort, page) and
/// [`ListSpec::counts`] — and only what it filters, searches and sorts by is written per list.
pub struct ListSpec<E: EntityTrait> {
    /// The columns the search box looks in, as case-insensitive substrings. Empty only for the
    /// payment queue, which searches through its own indexes and calls [`ListSpec::page`].
    pub search: &'static [E::Column],
    /// A row also matches when this column is among the keys the subquery finds for the term
    /// (an invoice by its account's name, an account by a member's email).
    pub linked: Option<(E::Column, KeysMatching)>,
    /// The columns staff may sort by, by their name in the URL.
    pub sorts: &'static [(&'static str, E::Column)],
    /// The sort when none is asked for (`-id`: newest first).
    pub default_sort: &'static str,
    /// Applied after the asked-for sort, so that rows it ties keep one order across pages.
    pub ties: &'static [(E::Column, Order)],
}

/// A [`ListSpec`] over one entity module's columns, named without the `module::Column::` that
/// each entry would otherwise repeat:
///
/// ```text
/// list_spec! { plan: search [Name, Slug],
///     sorts ["id" Id, "name" Name, "order" SortOrder], default "order", ties [Id Asc] }
/// ```
///
/// `linked (Column, keys_matching)` after the search columns fills [`ListSpec::linked`].
macro_rules! list_spec {
    ($m:ident: search [$($search:ident),*] $(, linked ($link:ident, $keys:expr))?,
     sorts [$($key:literal $sort:ident),* $(,)?], default $default:literal,
     ties [$($tie:ident $order:ident),*]) => {
        $crate::domain::page::ListSpec::<$m::Entity> {
            search: &[$($m::Column::$search),*],
            linked: $crate::domain::page::list_spec!(@linked $m $(($link, $keys))?),
            sorts: &[$(($key, $m::Column::$sort)),*],
            default_sort: $default,
            ties: &[$(($m::Column::$tie, ::sea_orm::Order::$order)),*],
        }
    };
    (@linked $m:ident) => { None };
    (@linked $m:ident ($link:ident, $keys:expr)) => { Some(($m::Column::$link, $keys)) };
}
pub(crate) use list_spec;

impl<E> ListSpec<E>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    /// Keeps the rows the search box's term matches; all of them when there is no term.
    pub fn searched(&self, select: Select<E>, listing: &Listing) -> Select<E> {
        let Some(term) = listing.term() else {
            return select;
        };
        let mut any = Condition::any();
        for column in self.search {
            // Qualified with the list's table: a linked subquery reads another table, whose
            // columns may have the same names.
            any = any.add(contains((E::default(), *column), term));
        }
        if let Some((column, keys)) = self.linked {
            any = any.add(column.in_subquery(keys(term)));
        }
        select.filter(any)
    }

    /// The page of a staff list: searches the filtered `select` for the listing's term, sorts
    /// it as the listing's sort asks and fetches the page. Every staff list ends here but the
    /// payment queue, whose search goes through its own indexes ([`ListSpec::page`]).
    pub async fn list<C: ConnectionTrait>(
        &self,
        select: Select<E>,
        listing: &Listing,
        db: &C,
        req: PageRequest,
    ) -> Result<Page<E::Model>> {
        let sort = listing.sort.as_deref();
        self.page(self.searched(select, listing), sort, db, req)
            .await
    }

    /// [`ListSpec::list`] with the counts beside the list's filter by `column` (a status or a
    /// type): how many rows the search finds for each of its values under the other filters.
    /// `filtered(true)` selects what all the filters ask for, `filtered(false)` the same rows
    /// by any value of `column`.
    pub async fn list_counted(
        &self,
        filtered: impl Fn(bool) -> Result<Select<E>>,
        column: E::Column,
        listing: &Listing,
        db: &Db,
        req: PageRequest,
    ) -> Result<(Page<E::Model>, Counts)> {
        let counts = count_by(db.conn(), self.searched(filtered(false)?, listing), column).await?;
        Ok((
            self.list(filtered(true)?, listing, db.conn(), req).await?,
            counts,
        ))
    }

    /// Sorts the filtered and searched `select` by `sort` (the listing's, [`sorted`]) and
    /// fetches the page, with the count of every matching row.
    pub async fn page<C: ConnectionTrait>(
        &self,
        select: Select<E>,
        sort: Option<&str>,
        db: &C,
        req: PageRequest,
    ) -> Result<Page<E::Model>> {
        let select = sorted(select, sort, self.default_sort, self.sorts, self.ties)?;
        fetch(select, db, req).await
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
