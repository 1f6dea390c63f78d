//! [`ListSpec`], the one way every staff list searches, sorts and pages (re-exported by
//! `domain::page`, with which it is used).

use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, Order,
    QueryFilter, Select,
};

use crate::db::Db;
use crate::domain::page::{Counts, Listing, Page, PageRequest, count_by, fetch, sorted};
use crate::domain::search::{INDEXED_MATCHES_CAP, Search, contains};
use crate::domain::status_counts::{Counted, status_counts, with_status};
use crate::error::Result;

/// The subquery that finds, for a search term, the keys of related rows it matches
/// (`search::accounts_named`).
pub type KeysMatching = fn(&str) -> SelectStatement;

/// How one staff list searches and sorts: a constant per list, so that every list runs the
/// same steps — its own filters, then [`ListSpec::list`] (search, sort, page) and
/// [`ListSpec::counts`] — and only what it filters, searches and sorts by is written per list.
pub struct ListSpec<E: EntityTrait> {
    /// The columns the search box looks in, as case-insensitive substrings, by scanning. Empty
    /// when `indexed` answers instead, and for the payment queue, which searches through its
    /// own indexes and calls [`ListSpec::page`].
    pub search: &'static [E::Column],
    /// The search through the trigram indexes (`domain::search`), for the lists that grow with
    /// the customers: terms it cannot answer (too short, too broad) are scanned with its columns.
    pub indexed: Option<&'static Search>,
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
            indexed: None,
            linked: $crate::domain::page::list_spec!(@linked $m $(($link, $keys))?),
            sorts: &[$(($key, $m::Column::$sort)),*],
            default_sort: $default,
            ties: &[$(($m::Column::$tie, ::sea_orm::Order::$order)),*],
        }
    };
    ($m:ident: indexed $search:expr,
     sorts [$($key:literal $sort:ident),* $(,)?], default $default:literal,
     ties [$($tie:ident $order:ident),*]) => {
        $crate::domain::page::ListSpec::<$m::Entity> {
            search: &[],
            indexed: Some(&$search),
            linked: None,
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
    pub async fn searched<C: ConnectionTrait>(
        &self,
        select: Select<E>,
        listing: &Listing,
        db: &C,
    ) -> Result<Select<E>> {
        let Some(term) = listing.term() else {
            return Ok(select);
        };
        if let Some(search) = self.indexed {
            let condition = match search.ids_matching(db, term, INDEXED_MATCHES_CAP).await? {
                Some(ids) => {
                    Condition::all().add(Expr::col((E::default(), Alias::new("id"))).is_in(ids))
                }
                None => search.scan(term),
            };
            return Ok(select.filter(condition));
        }
        Ok(self.scanned(select, term))
    }

    /// Keeps the rows whose `search` columns (or `linked` rows) contain `term`.
    pub fn scanned(&self, select: Select<E>, term: &str) -> Select<E> {
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
        let select = self.searched(select, listing, db).await?;
        self.page(select, sort, db, req, None).await
    }

    /// [`ListSpec::list`] with the counts beside the list's filter by `column` (a status or a
    /// type): how many rows the search finds for each of its values under the other filters.
    /// `filtered(true)` selects what all the filters ask for, `filtered(false)` the same rows
    /// by any value of `column`.
    ///
    /// `counters`: when the filters ask for at most a status (`Some(status)` or `None`), the
    /// table's status counters and that status; with no search term they answer both the
    /// counts and the page's total, read once, instead of counting the table.
    pub async fn list_counted(
        &self,
        filtered: impl Fn(bool) -> Result<Select<E>>,
        column: E::Column,
        counters: Option<(Counted, Option<&str>)>,
        listing: &Listing,
        db: &Db,
        req: PageRequest,
    ) -> Result<(Page<E::Model>, Counts)> {
        if let (Some((of, status)), None) = (counters, listing.term()) {
            let counts = status_counts(db, of).await?;
            let total = with_status(&counts, status);
            let sort = listing.sort.as_deref();
            let page = self
                .page(filtered(true)?, sort, db.conn(), req, Some(total))
                .await?;
            return Ok((page, counts));
        }
        let all_values = self.searched(filtered(false)?, listing, db.conn()).await?;
        let counts = count_by(db.conn(), all_values, column).await?;
        Ok((
            self.list(filtered(true)?, listing, db.conn(), req).await?,
            counts,
        ))
    }

    /// Sorts the filtered and searched `select` by `sort` (the listing's, [`sorted`]) and
    /// fetches the page, with the count of every matching row.
    /// `count`: the number of matching rows when the caller knows it, else it is counted.
    pub async fn page<C: ConnectionTrait>(
        &self,
        select: Select<E>,
        sort: Option<&str>,
        db: &C,
        req: PageRequest,
        count: Option<u64>,
    ) -> Result<Page<E::Model>> {
        let select = sorted(select, sort, self.default_sort, self.sorts, self.ties)?;
        fetch(select, db, req, count).await
    }
}
