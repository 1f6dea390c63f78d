//! Driving the admin panel and the customer portal over plain HTTP: a cookie-keeping client that signs in as staff and
//! posts forms with the page's CSRF token, without following redirects (tests check them).
#![allow(dead_code)]

use reqwest::StatusCode;
use reqwest::redirect::Policy;

use super::TestApp;

pub struct Panel {
    pub client: reqwest::Client,
    pub base: String,
    /// The session's CSRF token, read from the last page that had a form.
    pub csrf: String,
}

pub struct Page {
    pub status: StatusCode,
    /// `Location` of a redirect.
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

/// The value of the first `name="csrf_token"` field on a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

impl Panel {
    pub fn new(app: &TestApp) -> Panel {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        Panel {
            client,
            base: app.address.clone(),
            csrf: String::new(),
        }
    }

    /// Creates a staff user (as `createsuperuser` does) and signs in.
    pub async fn staff(app: &TestApp, email: &str) -> Panel {
        tollgate::domain::accounts::create_staff_user(&app.db, email, "adminpass")
            .await
            .expect("staff user");
        let mut panel = Panel::new(app);
        let page = panel.login(email, "adminpass").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "login: {}", page.body);
        panel
    }

    async fn read(&mut self, resp: reqwest::Response) -> Page {
        let status = resp.status();
        let headers = resp.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        if let Some(token) = csrf_in(&body) {
            self.csrf = token;
        }
        Page {
            status,
            location,
            body,
            headers,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        self.read(resp).await
    }

    /// A GET whose answer is a file (a PDF): its status, headers and bytes.
    pub async fn get_file(&self, path: &str) -> super::FileRes {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        super::FileRes::read(resp).await
    }

    /// Posts a form; the session's CSRF token is added unless the fields carry one.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !fields.iter().any(|(k, _)| *k == "csrf_token") {
            form.push(("csrf_token".into(), self.csrf.clone()));
        }
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .expect("POST");
        self.read(resp).await
    }

    /// Opens the login page (for its CSRF cookie and token) and signs in.
    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        self.login_at("/admin/login/", email, password, "/admin/")
            .await
    }

    /// Signs in on the login page at `login` (the panel's or the portal's), then goes `next`.
    pub async fn login_at(&mut self, login: &str, email: &str, password: &str, next: &str) -> Page {
        self.get(login).await;
        let fields = [("email", email), ("password", password), ("next", next)];
        self.post(login, &fields).await
    }

    /// A customer signed in to the portal (their account made through the API beforehand).
    pub async fn customer(app: &TestApp, email: &str) -> Panel {
        let mut portal = Panel::new(app);
        let page = portal
            .login_at("/login/", email, super::PASSWORD, "/")
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "login: {}", page.body);
        portal
    }
}
