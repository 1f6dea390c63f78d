//! The list's state lives in its URL (filters, search, sort, page); this keeps it together
//! when one part changes.

use std::collections::HashMap;

use crate::domain::page::Listing;
use crate::web::admin::view::{Column, FilterGroup, FilterOption, Pager};

/// Query parameters in order, without empties.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pairs: Vec<(String, String)>,
}

impl ListQuery {
    pub fn parse(raw: Option<&str>) -> ListQuery {
        let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        ListQuery { pairs }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The same query with `key` set (or removed when `value` is `None`). Changing anything but
    /// the page goes back to page 1.
    pub fn with(&self, key: &str, value: Option<&str>) -> ListQuery {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != key && (key == "p" || k != "p"))
            .cloned()
            .collect();
        if let Some(v) = value {
            pairs.push((key.to_owned(), v.to_owned()));
        }
        ListQuery { pairs }
    }

    /// `?a=1&b=2`, or "" when empty.
    pub fn to_query_string(&self) -> String {
        if self.pairs.is_empty() {
            return String::new();
        }
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            out.append_pair(k, v);
        }
        format!("?{}", out.finish())
    }

    pub fn href(&self, path: &str) -> String {
        format!("{path}{}", self.to_query_string())
    }

    /// The parameters other than `except`, for hidden form fields.
    pub fn hidden(&self, except: &[&str]) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter(|(k, _)| !except.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    /// What the list is searched (`q`) and sorted (`o`) by, as typed.
    pub fn listing(&self) -> Listing {
        Listing {
            search: self.get("q").map(str::to_owned),
            sort: self.get("o").map(str::to_owned),
        }
    }

    /// Page number (`p`, from 1).
    pub fn page(&self) -> u64 {
        self.get("p")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
            .min(crate::domain::page::MAX_PAGE)
    }
}

impl ListQuery {
    /// A sidebar link that sets `key` to `value` (`None`: "All"), selected when it is the
    /// current choice.
    pub fn filter_option(
        &self,
        path: &str,
        key: &str,
        value: Option<&str>,
        label: &str,
        count: Option<u64>,
    ) -> FilterOption {
        FilterOption {
            label: label.to_owned(),
            count,
            href: self.with(key, value).href(path),
            selected: self.get(key) == value,
        }
    }

    /// A sidebar group choosing `key` among `choices` (value, label), "All" first; with
    /// `counts` (rows per value, under the other filters), each option says how many it lists.
    pub fn choice_filter(
        &self,
        path: &str,
        key: &str,
        choices: &[(&str, &str)],
        counts: Option<&HashMap<String, u64>>,
    ) -> FilterGroup {
        let count = |v: &str| counts.map(|c| c.get(v).copied().unwrap_or(0));
        let all = counts.map(|c| c.values().sum());
        let mut options = vec![self.filter_option(path, key, None, "All", all)];
        options.extend(
            choices
                .iter()
                .map(|(v, label)| self.filter_option(path, key, Some(v), label, count(v))),
        );
        FilterGroup {
            title: key.replace('_', " "),
            options,
        }
    }

    /// A column heading; with a `key`, a link that sorts by it (`o=key`, then `o=-key`).
    pub fn column(&self, path: &str, label: &str, key: Option<&str>, default_sort: &str) -> Column {
        let Some(key) = key else {
            return Column {
                label: label.into(),
                sort_href: None,
                sorted: "",
            };
        };
        let sort = self.get("o").unwrap_or(default_sort);
        let (sorted, next) = if sort == key {
            ("▲", format!("-{key}"))
        } else if sort == format!("-{key}") {
            ("▼", key.to_owned())
        } else {
            ("", key.to_owned())
        };
        Column {
            label: label.into(),
            sort_href: Some(self.with("o", Some(&next)).href(path)),
            sorted,
        }
    }

    /// Page links for `total` rows at `page_size` a page.
    pub fn pager(&self, path: &str, total: u64, page_size: u64) -> Pager {
        let pages = total.div_ceil(page_size.max(1)).max(1);
        let current = self.page();
        let link = |n: u64| self.with("p", Some(&n.to_string())).href(path);
        Pager {
            total,
            page: current,
            pages,
            prev: (current > 1).then(|| link(current - 1)),
            next: (current < pages).then(|| link(current + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_other_parameters_and_resets_the_page() {
        let q = ListQuery::parse(Some("status=failed&q=bt+1&p=3"));
        assert_eq!(
            q.with("o", Some("-id")).to_query_string(),
            "?status=failed&q=bt+1&o=-id"
        );
        assert_eq!(
            q.with("p", Some("4")).to_query_string(),
            "?status=failed&q=bt+1&p=4"
        );
        assert_eq!(q.with("status", None).href("/x/"), "/x/?q=bt+1");
        assert_eq!(q.page(), 3);
        assert_eq!(
            q.hidden(&["q", "p"]),
            vec![("status".into(), "failed".into())]
        );
    }
}
