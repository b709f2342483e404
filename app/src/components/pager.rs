//! Pagination links that keep the other query parameters.

use crate::i18n::{t, tf};
use leptos::prelude::*;

pub const PAGE_SIZE: i64 = 50;

/// The 1-based page number from the query (`page`), at least 1.
pub fn page_of(q: &str) -> i64 {
    q.parse::<i64>().ok().filter(|p| *p >= 1).unwrap_or(1)
}

/// Links to the previous and next page of `total` rows, keeping `params`.
pub fn pager(base: &str, params: &[(&str, String)], page: i64, total: i64) -> impl IntoView {
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let href = |p: i64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &p.to_string());
        format!("{base}?{}", s.finish())
    };
    let prev =
        (page > 1).then(|| view! { <a href=href(page - 1) rel="prev">{t("pager.prev")}</a> });
    let next =
        (page < pages).then(|| view! { <a href=href(page + 1) rel="next">{t("pager.next")}</a> });
    view! {
        <nav class="pagination" aria-label=t("pager.label")>
            {prev}
            <span class="current">{tf("pager.page_of", &[("page", &page.to_string()), ("pages", &pages.to_string())])}</span>
            {next}
        </nav>
    }
}
