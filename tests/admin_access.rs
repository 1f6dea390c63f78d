//! Who may use the admin panel, over plain HTTP: every page the panel links to (found by
//! walking it from `/admin/` and the home page's sections) sends anonymous visitors to the
//! login; customers cannot sign in; no form changes anything without its CSRF token; pages
//! deny framing and foreign content; signing out revokes the session. And a bulk approval
//! racing an API approval of one of its payments grants credits exactly once.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use common::admin::{Page, Panel};
use common::{PASSWORD, TestApp};
use futures::future::join_all;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use tollgate::web::admin::RECORDS;

on_both_backends!(
    anonymous_visitors_are_sent_to_the_login_from_every_page,
    customers_cannot_sign_in,
    no_form_works_without_its_csrf_token,
    pages_deny_framing_and_foreign_content,
    the_session_cookie_is_http_only_and_same_site,
    signing_out_revokes_the_session,
    bulk_approval_racing_an_api_approval_grants_credits_once,
    a_session_opens_only_the_site_of_its_kind,
);

const STAFF: &str = "admin@example.com";
const LIST: &str = "/admin/billing/payment/";
const SESSION_COOKIE: &str = "tollgate_admin_session";

// --- Pages and forms, read from the HTML --------------------------------------------------------

/// `&amp;` and friends back to text, for attribute values.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The start tags in `html`, each as (name, attributes); attribute names are lower case and
/// valueless attributes map to "".
fn tags(html: &str) -> Vec<(String, BTreeMap<String, String>, usize)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(at) = html[i..].find('<') {
        let start = i + at;
        let mut j = start + 1;
        if !bytes.get(j).is_some_and(u8::is_ascii_alphabetic) {
            i = j;
            continue;
        }
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric()) {
            j += 1;
        }
        let name = html[start + 1..j].to_ascii_lowercase();
        let mut attrs = BTreeMap::new();
        loop {
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' || bytes[j] == b'/' {
                break;
            }
            let key_start = j;
            while j < bytes.len() && !b"=> \t\n\r/".contains(&bytes[j]) {
                j += 1;
            }
            let key = html[key_start..j].to_ascii_lowercase();
            let mut value = String::new();
            if bytes.get(j) == Some(&b'=') {
                j += 1;
                if let Some(&quote) = bytes.get(j).filter(|b| **b == b'"' || **b == b'\'') {
                    let end = html[j + 1..]
                        .find(quote as char)
                        .map_or(html.len(), |e| j + 1 + e);
                    value = unescape(&html[j + 1..end]);
                    j = end + 1;
                } else {
                    let v_start = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    value = unescape(&html[v_start..j]);
                }
            }
            attrs.insert(key, value);
        }
        let end = html[j..].find('>').map_or(html.len(), |e| j + e + 1);
        out.push((name, attrs, end));
        i = end;
    }
    out
}

/// The panel pages `html` links to: paths under /admin/ (queries dropped), no static files.
fn admin_links(html: &str) -> Vec<String> {
    tags(html)
        .into_iter()
        .filter(|(name, _, _)| name == "a")
        .filter_map(|(_, attrs, _)| attrs.get("href").cloned())
        .map(|href| href.split(['?', '#']).next().unwrap_or_default().to_owned())
        .filter(|p| p.starts_with("/admin/") && !p.starts_with("/admin/static/"))
        .collect()
}

/// A POST form on a page: where it goes and the fields a browser would send.
#[derive(Debug, Clone)]
struct PostForm {
    action: String,
    fields: Vec<(String, String)>,
    /// Whether it has a button to send it (a list without actions has a form but no button).
    submittable: bool,
}

/// The POST forms on a page, with plausible values in empty fields, so that the form would be
/// accepted were it not for its token.
fn post_forms(html: &str, page_path: &str) -> Vec<PostForm> {
    let mut forms = Vec::new();
    let mut current: Option<PostForm> = None;
    let all = tags(html);
    for (idx, (name, attrs, end)) in all.iter().enumerate() {
        match name.as_str() {
            "form" => {
                if let Some(done) = current.take() {
                    forms.push(done);
                }
                if attrs
                    .get("method")
                    .is_some_and(|m| m.eq_ignore_ascii_case("post"))
                {
                    let action = attrs
                        .get("action")
                        .filter(|a| !a.is_empty())
                        .cloned()
                        .unwrap_or_else(|| page_path.to_owned());
                    current = Some(PostForm {
                        action,
                        fields: Vec::new(),
                        submittable: false,
                    });
                }
            }
            "button" => {
                if let Some(form) = current.as_mut()
                    && attrs.get("type").is_none_or(|t| t == "submit")
                {
                    form.submittable = true;
                }
            }
            "input" | "textarea" | "select" => {
                let Some(form) = current.as_mut() else {
                    continue;
                };
                let Some(field) = attrs.get("name").cloned() else {
                    continue;
                };
                let kind = attrs.get("type").map_or("text", String::as_str);
                let value = match (name.as_str(), kind) {
                    ("input", "checkbox") => {
                        if attrs.contains_key("checked") || field == "_selected_action" {
                            attrs.get("value").cloned().unwrap_or_else(|| "on".into())
                        } else {
                            continue;
                        }
                    }
                    ("input", "submit" | "image") => {
                        form.submittable = true;
                        continue;
                    }
                    ("input", "button" | "reset") => continue,
                    ("input", "number") => Some(attrs.get("value").cloned().unwrap_or_default())
                        .filter(|v| !v.is_empty())
                        .unwrap_or_else(|| "1".into()),
                    ("input", _) => Some(attrs.get("value").cloned().unwrap_or_default())
                        .filter(|v| !v.is_empty())
                        .unwrap_or_else(|| "CSRF probe".into()),
                    ("textarea", _) => {
                        let close = html[*end..].find("</textarea>").unwrap_or(0);
                        Some(unescape(&html[*end..*end + close]))
                            .filter(|v| !v.is_empty())
                            .unwrap_or_else(|| "CSRF probe".into())
                    }
                    _ => {
                        // A select: its selected option, else the first with a value.
                        let options: Vec<&BTreeMap<String, String>> = all[idx + 1..]
                            .iter()
                            .take_while(|(n, _, _)| n == "option")
                            .map(|(_, a, _)| a)
                            .collect();
                        let chosen =
                            options
                                .iter()
                                .find(|a| a.contains_key("selected"))
                                .or_else(|| {
                                    options
                                        .iter()
                                        .find(|a| a.get("value").is_some_and(|v| !v.is_empty()))
                                });
                        chosen
                            .and_then(|a| a.get("value").cloned())
                            .unwrap_or_default()
                    }
                };
                form.fields.push((field, value));
            }
            _ => {}
        }
    }
    if let Some(done) = current.take() {
        forms.push(done);
    }
    forms.retain(|f| f.submittable);
    forms
}

/// `/admin/billing/payment/12/` → `/admin/billing/payment/{id}/`: one visit per kind of page.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every kind of page the panel links to, walked from the home page and the record types in
/// `RECORDS`, as (path, the page as staff see it). Panics on a link that leads nowhere.
async fn crawl(panel: &mut Panel) -> Vec<(String, Page)> {
    let mut queue: VecDeque<String> = VecDeque::from(["/admin/".to_owned()]);
    queue.extend(RECORDS.iter().map(|record| record.meta.list.to_owned()));
    let mut seen = BTreeSet::new();
    let mut pages = Vec::new();
    let mut broken = Vec::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(shape(&path)) {
            continue;
        }
        let page = panel.get(&path).await;
        if page.status != StatusCode::OK {
            broken.push(format!("{path} → {}", page.status));
            continue;
        }
        queue.extend(admin_links(&page.body));
        pages.push((path, page));
        assert!(pages.len() < 200, "the panel has more pages than expected");
    }
    assert!(
        broken.is_empty(),
        "panel links that do not lead to a page: {broken:#?}"
    );
    pages
}

// --- Data -------------------------------------------------------------------------------------

/// A record of every kind: a free trial with a site, an approved paid customer (subscription,
/// paid invoice, ledger rows) and one awaiting approval. Returns the pending one's (token,
/// payment id).
async fn populate(app: &TestApp) -> (String, i64) {
    let trial = app.register_free("trial@test.com").await;
    let trial_token = trial.data()["token"].as_str().unwrap().to_owned();
    let industries = app.get("/industries/", None).await;
    let industry = industries.data()["results"][0]["id"].as_i64().unwrap();
    let site = app
        .post(
            "/sites/",
            Some(&trial_token),
            json!({"name": "Blog", "industry_id": industry}),
        )
        .await;
    assert_eq!(site.status, StatusCode::CREATED, "{}", site.body);

    let reviewer = app.staff_token("reviewer@example.com").await;
    let mut pending = None;
    for (i, email) in ["paid@test.com", "waiting@test.com"].iter().enumerate() {
        let (token, invoice) = app.paid_customer(email).await;
        let r = app
            .confirm(&token, invoice, "89.00", &format!("BT-{i}"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.data()["payment_id"].as_i64().unwrap();
        if i == 0 {
            assert_eq!(app.approve(&reviewer, id).await.status, StatusCode::OK);
        } else {
            pending = Some((token, id));
        }
    }
    pending.unwrap()
}

async fn assert_still_pending(app: &TestApp, token: &str) {
    let payments = app.get("/billing/payments/", Some(token)).await;
    assert_eq!(
        payments.data()["results"][0]["status"],
        "pending_approval",
        "{}",
        payments.body
    );
    let me = app.get("/auth/me/", Some(token)).await;
    assert_eq!(me.data()["user"]["account"]["status"], "pending_payment");
    assert_eq!(app.assert_ledger_consistent(token).await, 0);
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// `name=value` from a response's `Set-Cookie` headers, with the cookie's attributes.
fn set_cookie(page: &Page, name: &str) -> Option<String> {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

/// A page without what changes by itself as time passes (the home page's queue age).
fn steady(body: &str) -> String {
    match body.find("Oldest waiting for") {
        Some(at) => {
            let end = body[at..].find("</p>").map_or(body.len(), |e| at + e);
            format!("{}{}", &body[..at], &body[end..])
        }
        None => body.to_owned(),
    }
}

/// The text of the page's error message.
fn error_message(body: &str) -> String {
    let start = body
        .find("class=\"msg msg-error\"")
        .expect("an error message");
    let text = &body[start..];
    let text = &text[text.find('>').unwrap() + 1..];
    text[..text.find('<').unwrap()].to_owned()
}

// --- Tests ------------------------------------------------------------------------------------

async fn anonymous_visitors_are_sent_to_the_login_from_every_page(app: TestApp) {
    populate(&app).await;
    let mut staff = Panel::staff(&app, STAFF).await;
    let pages = crawl(&mut staff).await;
    let shapes: BTreeSet<String> = pages.iter().map(|(p, _)| shape(p)).collect();
    // The pages there must be, whatever else is added.
    for must in ["/admin/", LIST, "/admin/billing/payment/{id}/"] {
        assert!(shapes.contains(must), "{must} not reached: {shapes:#?}");
    }
    for record in RECORDS {
        let (label, href) = (record.meta.title, record.meta.list);
        assert!(shapes.contains(href), "{label} ({href}) not reached");
    }

    let anonymous = client();
    for (path, _) in &pages {
        let resp = anonymous
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("GET");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "anonymous GET {path}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with("/admin/login/?next=%2Fadmin"),
            "{path} → {location}"
        );
    }
    // Nor does an API token open the panel, a customer's or staff's: it uses its own sessions.
    let customer = app.login("trial@test.com", PASSWORD).await;
    let api_staff = app.login("reviewer@example.com", "adminpass").await;
    for token in [customer, api_staff] {
        let resp = anonymous
            .get(format!("{}/admin/", app.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    }
    // Anonymous posts change nothing either.
    let resp = anonymous
        .post(format!("{}{LIST}", app.address))
        .form(&[
            ("action", "approve_selected"),
            ("_selected_action", "2"),
            ("confirmed", "yes"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

async fn customers_cannot_sign_in(app: TestApp) {
    tollgate::domain::accounts::create_staff_user(&app.db, STAFF, "adminpass")
        .await
        .expect("staff");
    let r = app.register_paid("customer@test.com").await;
    assert_eq!(r.status, StatusCode::CREATED);

    let mut messages = Vec::new();
    for (email, password) in [
        ("customer@test.com", PASSWORD),       // a customer, right password
        (STAFF, "wrong-password"),             // staff, wrong password
        ("nobody@test.com", "wrong-password"), // nobody at all
    ] {
        let mut panel = Panel::new(&app);
        let page = panel.login(email, password).await;
        assert_eq!(
            page.status,
            StatusCode::UNAUTHORIZED,
            "{email}: {}",
            page.body
        );
        assert!(set_cookie(&page, SESSION_COOKIE).is_none(), "{email}");
        messages.push(error_message(&page.body));
        let home = panel.get("/admin/").await;
        assert_eq!(home.status, StatusCode::SEE_OTHER, "{email} has no session");
    }
    assert!(
        messages[0].contains("correct email and password"),
        "{messages:?}"
    );
    assert!(messages.iter().all(|m| *m == messages[0]), "{messages:?}");

    // The login form itself needs its CSRF token (a double-submit cookie).
    let mut panel = Panel::new(&app);
    let page = panel
        .post(
            "/admin/login/",
            &[
                ("email", STAFF),
                ("password", "adminpass"),
                ("csrf_token", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

async fn no_form_works_without_its_csrf_token(app: TestApp) {
    let (waiting, payment) = populate(&app).await;
    let mut staff = Panel::staff(&app, STAFF).await;
    let mut pages = crawl(&mut staff).await;
    // A pending payment's page has the Approve and Reject forms, whichever payment was crawled.
    let pending_page = format!("{LIST}{payment}/");
    pages.push((pending_page.clone(), staff.get(&pending_page).await));

    // Every POST form the panel shows, once per kind, with its own fields but no token.
    let mut probed = BTreeSet::new();
    for (path, page) in &pages {
        for form in post_forms(&page.body, path) {
            if !probed.insert(shape(&form.action)) {
                continue;
            }
            let fields: Vec<(&str, &str)> = form
                .fields
                .iter()
                .filter(|(k, _)| k != "csrf_token")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            for token in [None, Some(""), Some("forged")] {
                let mut sent = fields.clone();
                // With no csrf_token field at all, `Panel::post` would add the right one.
                sent.push(("csrf_token", token.unwrap_or("")));
                if token.is_none() {
                    sent.retain(|(k, _)| *k != "csrf_token");
                }
                let resp = match token {
                    None => staff
                        .client
                        .post(format!("{}{}", staff.base, form.action))
                        .form(&sent)
                        .send()
                        .await
                        .expect("POST"),
                    Some(_) => {
                        let p = staff.post(&form.action, &sent).await;
                        assert_eq!(
                            p.status,
                            StatusCode::FORBIDDEN,
                            "POST {} (from {path}) with csrf_token={token:?}: {}",
                            form.action,
                            p.body
                        );
                        continue;
                    }
                };
                assert_eq!(
                    resp.status(),
                    StatusCode::FORBIDDEN,
                    "POST {} (from {path}) without csrf_token",
                    form.action
                );
            }
            // The page the form is on reads the same as before.
            let again = staff.get(path).await;
            assert_eq!(
                steady(&again.body),
                steady(&page.body),
                "{path} changed after a refused POST"
            );
        }
    }
    for must in [
        LIST,
        "/admin/logout/",
        "/admin/billing/payment/{id}/approve/",
        "/admin/billing/payment/{id}/reject/",
    ] {
        assert!(probed.contains(must), "{must} not probed: {probed:#?}");
    }

    // The queue's bulk approval, confirmed, with another staff session's token.
    let mut other = Panel::staff(&app, "other@example.com").await;
    other.get(LIST).await;
    let page = staff
        .post(
            LIST,
            &[
                ("action", "approve_selected"),
                ("_selected_action", &payment.to_string()),
                ("confirmed", "yes"),
                ("csrf_token", &other.csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("CSRF verification failed"),
        "{}",
        page.body
    );
    assert_still_pending(&app, &waiting).await;
    // Still signed in (the refused logout did not sign anyone out).
    assert_eq!(staff.get("/admin/").await.status, StatusCode::OK);
}

async fn pages_deny_framing_and_foreign_content(app: TestApp) {
    populate(&app).await;
    let mut staff = Panel::staff(&app, STAFF).await;
    let mut pages = crawl(&mut staff).await;
    // The login page, a redirect and an error page too.
    let mut anonymous = Panel::new(&app);
    for path in ["/admin/login/", "/admin/", "/admin/billing/payment/999999/"] {
        let page = if path.contains("999999") {
            staff.get(path).await
        } else {
            anonymous.get(path).await
        };
        pages.push((path.to_owned(), page));
    }
    for (path, page) in &pages {
        let header = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{path}: no {name} header"))
                .to_owned()
        };
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
        // Nothing the CSP would block: no inline script or style, nothing from elsewhere.
        for (name, attrs, _) in tags(&page.body) {
            if name == "script" {
                let src = attrs.get("src").expect("scripts are files");
                assert_eq!(src, "/admin/static/admin.js", "{path}");
            }
            assert!(name != "style", "{path}: inline <style>");
            assert!(
                !attrs.contains_key("style"),
                "{path}: style attribute on <{name}>"
            );
            assert!(
                !attrs.keys().any(|k| k.starts_with("on")),
                "{path}: inline handler on <{name}>"
            );
            for link in ["src", "href"] {
                if let Some(url) = attrs.get(link) {
                    assert!(
                        !url.contains("//") && !url.starts_with("javascript:"),
                        "{path}: <{name} {link}={url}>"
                    );
                }
            }
        }
    }
}

async fn the_session_cookie_is_http_only_and_same_site(app: TestApp) {
    tollgate::domain::accounts::create_staff_user(&app.db, STAFF, "adminpass")
        .await
        .expect("staff");
    let mut panel = Panel::new(&app);
    let page = panel.login(STAFF, "adminpass").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let cookie = set_cookie(&page, SESSION_COOKIE).expect("session cookie");
    // One cookie path for every web page (panel and portal), so the attribute is exactly `/`.
    let attributes: Vec<&str> = cookie.split("; ").collect();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(attributes.contains(&attribute), "{cookie}");
    }
    assert!(
        attributes.iter().any(|a| a.starts_with("Max-Age=")),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert!(cookie_value(&cookie).len() >= 32, "an unguessable token");

    // Behind a proxy that says the request came over HTTPS, the cookies are Secure.
    let http = client();
    let url = |p: &str| format!("{}{p}", app.address);
    let form = http
        .get(url("/admin/login/"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("GET");
    let csrf_cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tollgate_admin_login_csrf="))
        .expect("login CSRF cookie")
        .to_owned();
    assert!(csrf_cookie.contains("Secure"), "{csrf_cookie}");
    let token = cookie_value(&csrf_cookie);
    let signed_in = http
        .post(url("/admin/login/"))
        .header("x-forwarded-proto", "https")
        .header("cookie", format!("tollgate_admin_login_csrf={token}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", STAFF),
            ("password", "adminpass"),
            ("next", "/admin/"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
        .expect("session cookie")
        .to_owned();
    assert!(
        session.contains("Secure") && session.contains("HttpOnly"),
        "{session}"
    );

    // `next` never leaves the panel.
    for next in [
        "https://evil.example/",
        "//evil.example/",
        "/api/v1/auth/me/",
    ] {
        let mut panel = Panel::new(&app);
        panel.get("/admin/login/").await;
        let page = panel
            .post(
                "/admin/login/",
                &[("email", STAFF), ("password", "adminpass"), ("next", next)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/admin/"), "next={next}");
    }
}

async fn signing_out_revokes_the_session(app: TestApp) {
    let (waiting, payment) = populate(&app).await;
    tollgate::domain::accounts::create_staff_user(&app.db, STAFF, "adminpass")
        .await
        .expect("staff");
    let mut panel = Panel::new(&app);
    let signed_in = panel.login(STAFF, "adminpass").await;
    let session = cookie_value(&set_cookie(&signed_in, SESSION_COOKIE).expect("session"));
    assert_eq!(panel.get(LIST).await.status, StatusCode::OK);
    let csrf = panel.csrf.clone();

    // A logout without the token is refused and signs nobody out.
    let refused = panel.post("/admin/logout/", &[("csrf_token", "")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(panel.get("/admin/").await.status, StatusCode::OK);

    let out = panel.post("/admin/logout/", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location.as_deref(), Some("/admin/login/"));
    let cleared = set_cookie(&out, SESSION_COOKIE).expect("cookie removed");
    assert!(cookie_value(&cleared).is_empty(), "{cleared}");

    // The old cookie, replayed by someone who kept it, opens nothing and changes nothing.
    let http = client();
    let replay = |req: reqwest::RequestBuilder| {
        req.header("cookie", format!("{SESSION_COOKIE}={session}"))
            .send()
    };
    for path in ["/admin/", LIST, &format!("{LIST}{payment}/")] {
        let resp = replay(http.get(format!("{}{path}", app.address)))
            .await
            .expect("GET");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert!(location.starts_with("/admin/login/"), "{location}");
    }
    let id = payment.to_string();
    let resp = replay(http.post(format!("{}{LIST}", app.address)).form(&[
        ("csrf_token", csrf.as_str()),
        ("action", "approve_selected"),
        ("_selected_action", id.as_str()),
        ("confirmed", "yes"),
    ]))
    .await
    .expect("POST");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/admin/login/")
    );
    assert_still_pending(&app, &waiting).await;
}

/// One round: five customers confirm; the panel approves all five in one bulk action while the
/// API approves one of them. Returns whether the bulk action won.
async fn race_once(app: &TestApp, panel: &mut Panel, api_staff: &str, round: usize) -> bool {
    let emails: Vec<String> = (0..5)
        .map(|i| format!("race{round}-{i}@test.com"))
        .collect();
    let customers = join_all(emails.iter().map(|e| app.paid_customer(e))).await;
    let references: Vec<String> = (0..5).map(|i| format!("R{round}-{i}")).collect();
    let confirms = customers
        .iter()
        .zip(&references)
        .map(|((token, invoice), reference)| app.confirm(token, *invoice, "89.00", reference));
    let ids: Vec<i64> = join_all(confirms)
        .await
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            r.data()["payment_id"].as_i64().unwrap()
        })
        .collect();
    // The payment both paths want: first, middle or last in the bulk's order.
    let raced = [0, 2, 4][round % 3];
    let id_strings: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut form = vec![("action", "approve_selected"), ("confirmed", "yes")];
    form.extend(
        id_strings
            .iter()
            .map(|id| ("_selected_action", id.as_str())),
    );

    let (bulk, api) = tokio::join!(panel.post(LIST, &form), app.approve(api_staff, ids[raced]));
    let bulk_won = match bulk.status {
        StatusCode::SEE_OTHER => true,
        StatusCode::CONFLICT => false,
        other => panic!("bulk approval answered {other}: {}", bulk.body),
    };
    let api_won = match api.status {
        StatusCode::OK => true,
        StatusCode::CONFLICT => false,
        other => panic!("API approval answered {other}: {}", api.body),
    };
    assert!(
        bulk_won != api_won,
        "exactly one path wins (bulk {bulk_won}, API {api_won})"
    );
    if !bulk_won {
        assert!(
            bulk.body
                .contains(&format!("not pending approval: #{}", ids[raced])),
            "the refusal names the payment: {}",
            bulk.body
        );
    }

    for (i, (token, _)) in customers.iter().enumerate() {
        let approved = bulk_won || i == raced;
        let payment = &app.get("/billing/payments/", Some(token)).await.body["data"]["results"][0];
        let me = app.get("/auth/me/", Some(token)).await;
        let account = &me.data()["user"]["account"];
        let credits = app.assert_ledger_consistent(token).await;
        let ledger = app.get("/billing/credits/transactions/", Some(token)).await;
        if approved {
            assert_eq!(payment["status"], "succeeded", "{payment}");
            assert_eq!(account["status"], "active");
            assert_eq!(credits, 1000, "credits granted once");
            assert_eq!(ledger.data()["count"], 1);
        } else {
            assert_eq!(payment["status"], "pending_approval", "{payment}");
            assert_eq!(payment["approved_by"], Value::Null);
            assert_eq!(account["status"], "pending_payment");
            assert_eq!(credits, 0);
            assert_eq!(ledger.data()["count"], 0);
        }
    }
    bulk_won
}

async fn bulk_approval_racing_an_api_approval_grants_credits_once(app: TestApp) {
    let mut panel = Panel::staff(&app, STAFF).await;
    panel.get(LIST).await; // the session's CSRF token
    let api_staff = app.staff_token("reviewer@example.com").await;
    let mut outcomes = Vec::new();
    for round in 0..4 {
        outcomes.push(race_once(&app, &mut panel, &api_staff, round).await);
    }
    eprintln!("{:?}: bulk won {outcomes:?}", app.backend);
}

/// One sessions table serves staff's panel and customers' portal: a session is found only as
/// its own kind, a staff session only while its user is staff, and a flash keeps its level.
async fn a_session_opens_only_the_site_of_its_kind(app: TestApp) {
    use tollgate::auth::web_sessions;
    use tollgate::entities::web_session::{FlashLevel, SessionKind};
    let staff = tollgate::domain::accounts::create_staff_user(&app.db, STAFF, "adminpass")
        .await
        .expect("staff");
    let registered = app.register_free("kinds@example.com").await;
    let customer = registered.data()["user"]["id"].as_i64().expect("user id");

    let as_customer = web_sessions::open(&app.db, staff.id, SessionKind::Customer)
        .await
        .expect("open");
    let found = |token: String, kind| {
        let db = app.db.clone();
        async move { web_sessions::find(&db, &token, kind).await.expect("find") }
    };
    assert!(
        found(as_customer.clone(), SessionKind::Staff)
            .await
            .is_none()
    );
    assert!(found(as_customer, SessionKind::Customer).await.is_some());

    let customer_as_staff = web_sessions::open(&app.db, customer, SessionKind::Staff)
        .await
        .expect("open");
    assert!(
        found(customer_as_staff, SessionKind::Staff).await.is_none(),
        "a staff session of a user who is not staff opens nothing"
    );

    let token = web_sessions::open(&app.db, staff.id, SessionKind::Staff)
        .await
        .expect("open");
    let (session, _) = found(token.clone(), SessionKind::Staff)
        .await
        .expect("live");
    web_sessions::flash(&app.db, session.id, FlashLevel::Error, "Nope.".into())
        .await
        .expect("flash");
    let (session, _) = found(token.clone(), SessionKind::Staff)
        .await
        .expect("live");
    let taken = web_sessions::take_flash(&app.db, &session)
        .await
        .expect("take");
    assert_eq!(taken, Some((FlashLevel::Error, "Nope.".to_owned())));
    let (session, _) = found(token, SessionKind::Staff).await.expect("live");
    assert_eq!(session.flash, None, "a flash is shown once");
    assert_eq!(session.flash_level, None);
}
