//! Page-number pagination shared by every list.

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QuerySelect, Select};

use crate::error::Result;

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
            page_size: page_size
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, MAX_PAGE_SIZE),
        }
    }
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
