//! Cursor (keyset) pagination of the staff payment queue: newest first, forward-only `next`
//! links that keep the filters, no count, and a 400 on the `cursor` field for anything else.

mod common;

use common::TestApp;
use reqwest::StatusCode;

on_both_backends!(
    walking_next_links_visits_every_payment_once_newest_first,
    the_filters_and_page_size_are_kept_and_page_is_ignored,
    bad_cursors_and_sort_are_field_errors,
);

const QUEUE: &str = "/billing/admin/payments/";

/// Six customers confirm a payment each; staff approve the first. Returns (staff token,
/// payment ids in creation order).
async fn queue_of_six(app: &TestApp) -> (String, Vec<i64>) {
    let staff = app.staff_token("admin@example.com").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let (token, invoice) = app.paid_customer(&format!("user{i}@test.com")).await;
        let r = app
            .confirm(&token, invoice, "89.00", &format!("CUR-{i}"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.data()["payment_id"].as_i64().unwrap());
    }
    assert_eq!(app.approve(&staff, ids[0]).await.status, StatusCode::OK);
    (staff, ids)
}

/// Follows `next` from `first` to the end; returns the ids seen, page by page.
async fn walk(app: &TestApp, staff: &str, first: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut link = Some(first.to_owned());
    while let Some(path) = link {
        assert!(pages.len() < 20, "the walk does not end");
        let res = app.get(&path, Some(staff)).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        let data = res.data();
        assert!(data["count"].is_null(), "no count in cursor mode: {data}");
        assert!(data["previous"].is_null(), "forward-only: {data}");
        let ids: Vec<i64> = data["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        pages.push(ids);
        link = data["next"].as_str().map(|next| {
            assert_eq!(next.matches("cursor=").count(), 1, "{next}");
            next.to_owned()
        });
    }
    pages
}

async fn walking_next_links_visits_every_payment_once_newest_first(app: TestApp) {
    let (staff, ids) = queue_of_six(&app).await;
    let mut newest_first = ids.clone();
    newest_first.reverse();

    // Six payments in pages of two: three full pages, the last without `next`.
    let pages = walk(&app, &staff, &format!("{QUEUE}?cursor=&page_size=2")).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 2]);
    assert_eq!(pages.concat(), newest_first);

    // Five pending: 2, 2, 1, the approved one never shows.
    let pending = walk(
        &app,
        &staff,
        &format!("{QUEUE}?status=pending_approval&page_size=2&cursor="),
    )
    .await;
    assert_eq!(pending.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(pending.concat(), newest_first[..5]);

    // The cursor is the last id seen: below the oldest there is nothing, above the newest is
    // the whole queue.
    let empty = app
        .get(&format!("{QUEUE}?cursor={}", ids[0]), Some(&staff))
        .await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.data()["results"].as_array().unwrap().len(), 0);
    assert!(empty.data()["next"].is_null());
    let zero = app.get(&format!("{QUEUE}?cursor=0"), Some(&staff)).await;
    assert_eq!(zero.status, StatusCode::OK);
    assert_eq!(zero.data()["results"].as_array().unwrap().len(), 0);
    let all = app
        .get(
            &format!("{QUEUE}?cursor={}&page_size=100", ids[5] + 1000),
            Some(&staff),
        )
        .await;
    assert_eq!(all.data()["results"].as_array().unwrap().len(), 6);
    assert!(all.data()["next"].is_null());
}

async fn the_filters_and_page_size_are_kept_and_page_is_ignored(app: TestApp) {
    let (staff, ids) = queue_of_six(&app).await;
    let first = app
        .get(
            &format!("{QUEUE}?status=pending_approval&search=cur-&page=7&page_size=2&cursor="),
            Some(&staff),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let results = first.data()["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "page is ignored in cursor mode");
    assert_eq!(results[0]["id"], ids[5]);
    assert_eq!(results[0]["status"], "pending_approval");
    assert_eq!(results[0]["manual_reference"], "CUR-5");
    assert!(results[0]["invoice_number"].is_string());
    let next = first.data()["next"].as_str().unwrap();
    for kept in [
        "status=pending_approval",
        "search=cur-",
        "page_size=2",
        &format!("cursor={}", ids[4]),
    ] {
        assert!(next.contains(kept), "{kept} in {next}");
    }
    assert!(next.starts_with(QUEUE), "{next}");

    // A non-numeric page is ignored too; the default page size applies without page_size.
    let defaults = app
        .get(&format!("{QUEUE}?cursor&page=abc"), Some(&staff))
        .await;
    assert_eq!(defaults.status, StatusCode::OK, "{}", defaults.body);
    assert_eq!(defaults.data()["results"].as_array().unwrap().len(), 6);
    assert!(defaults.data()["next"].is_null());

    // Search by e-mail narrows the keyset walk like the page-number list.
    let one = app
        .get(&format!("{QUEUE}?cursor=&search=USER3@"), Some(&staff))
        .await;
    let results = one.data()["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{}", one.body);
    assert_eq!(results[0]["id"], ids[3]);
    assert!(one.data()["next"].is_null());

    // Page-number mode is unchanged.
    let numbered = app.get(&format!("{QUEUE}?page_size=2"), Some(&staff)).await;
    assert_eq!(numbered.data()["count"], 6);
    assert!(numbered.data()["next"].as_str().unwrap().contains("page=2"));
}

async fn bad_cursors_and_sort_are_field_errors(app: TestApp) {
    let staff = app.staff_token("admin@example.com").await;
    for bad in [
        "abc",
        "-1",
        "1.5",
        "%2B5",
        "1e3",
        "99999999999999999999",
        "%F0%9F%98%80",
    ] {
        let r = app
            .get(&format!("{QUEUE}?cursor={bad}"), Some(&staff))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.body["success"], false);
        assert!(r.body["errors"]["cursor"].is_array(), "{bad}: {}", r.body);
        assert!(r.body["request_id"].is_string());
    }
    for sort in ["id", "-id", "amount"] {
        let r = app
            .get(&format!("{QUEUE}?cursor=&sort={sort}"), Some(&staff))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{sort}: {}", r.body);
        let message = r.body["errors"]["cursor"][0].as_str().unwrap();
        assert!(message.contains("sort"), "{message}");
    }
    let bad_size = app
        .get(&format!("{QUEUE}?cursor=&page_size=x"), Some(&staff))
        .await;
    assert_eq!(bad_size.status, StatusCode::BAD_REQUEST);
    assert!(bad_size.body["errors"]["page_size"].is_array());
}
