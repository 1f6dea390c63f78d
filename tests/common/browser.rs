//! A real browser for tests: headless Chromium driven over WebDriver (chromedriver), one
//! browser per test, shared by the admin panel's and the portal's browser tests.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them `Browser::start` prints a note
//! and gives `None` (the test passes), unless `TOLLGATE_REQUIRE_BROWSER=1` (as in CI) makes
//! that a failure. Screenshots go to `target/screenshots/`; with
//! `TOLLGATE_UPDATE_SCREENSHOTS=1` the SQLite run also refreshes the README's, in
//! `docs/screenshots/`.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::{Backend, TestApp};

/// How long a page may take to appear.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// `name` on `PATH` (Debian's packages put both programs in /usr/bin).
fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Chromium and chromedriver, or `None` (announced once) when the tests should be skipped.
fn browser_programs() -> Option<(PathBuf, PathBuf)> {
    static ANNOUNCE: Once = Once::new();
    match (program("chromium"), program("chromedriver")) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        _ => {
            if std::env::var("TOLLGATE_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!(
                    "TOLLGATE_REQUIRE_BROWSER=1 but chromium/chromedriver were not found \
                     (apt-get install chromium chromium-driver)"
                );
            }
            ANNOUNCE.call_once(|| {
                // Written past the test harness's output capture, so it shows in every run.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: chromium/chromedriver not found; browser tests were skipped"
                );
            });
            None
        }
    }
}

/// chromedriver, started in a process group of its own that the browser it launches joins;
/// dropping it kills the whole group, so nothing outlives the test, even one that panicked.
struct Driver {
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals only the group chromedriver leads.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub struct Browser {
    pub client: Client,
    pub base: String,
    pub backend: Backend,
    // Dropped in this order: the driver (and browser) first, then the profile directory.
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh headless Chromium pointed at `app`, or `None` when browser tests are skipped.
    pub async fn start(app: &TestApp) -> Option<Browser> {
        Browser::launch(app, 1400, true).await
    }

    /// A browser window `width` pixels wide, with JavaScript on or off; `None` when browser
    /// tests are skipped.
    pub async fn launch(app: &TestApp, width: u32, javascript: bool) -> Option<Browser> {
        let (chromium, chromedriver) = browser_programs()?;
        let profile = tempfile::tempdir().expect("profile dir");
        let (driver, webdriver) = start_driver(&chromedriver).await;

        let mut capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},1000"),
                ],
            },
        });
        if width < 500 {
            // Chromium's windows are at least 500 px wide: a phone is emulated instead.
            capabilities["goog:chromeOptions"]["mobileEmulation"] =
                json!({"deviceMetrics": {"width": width, "height": 812, "pixelRatio": 1}});
        }
        if !javascript {
            // The pages' own scripts are blocked; WebDriver's scripts still run.
            capabilities["goog:chromeOptions"]["prefs"] =
                json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .expect("a headless Chromium session");
        Some(Browser {
            client,
            base: app.address.clone(),
            backend: app.backend,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Ends the session so Chromium shuts down cleanly (the driver's drop is the safety net).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    }

    /// The current path and query, e.g. `/admin/billing/payment/?status=failed`.
    pub async fn location(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element {css} on {}: {e}", self.location().await),
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.expect(css)
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {script:?}: {e}"))
    }

    /// Runs `action` (a click that submits or follows a link) and waits for the next page to
    /// have loaded: the old document is marked first, so a page at the same URL counts too.
    pub async fn navigating<F: std::future::Future<Output = ()>>(&self, action: F) {
        self.js("window.__tollgate_old_page = true; return true;")
            .await;
        action.await;
        let deadline = Instant::now() + PATIENCE;
        loop {
            let done = self
                .client
                .execute(
                    "return window.__tollgate_old_page === undefined \
                     && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if done {
                return;
            }
            assert!(Instant::now() < deadline, "the next page never loaded");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// The location with the path's trailing slash dropped and the query decoded, for
    /// comparing places: the panel serves its pages with and without the slash, and the
    /// login's `next` (read after the server trimmed the slash) comes back without it.
    pub async fn place(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        let path = url.path().trim_end_matches('/');
        let query: Vec<String> = url.query_pairs().map(|(k, v)| format!("{k}={v}")).collect();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", query.join("&"))
        }
    }

    /// Clicks something that loads another page.
    pub async fn click_to_page(&self, css: &str) {
        let target = self.find(css).await;
        self.navigating(async {
            target.click().await.expect("click");
        })
        .await;
    }

    pub async fn click_link_to_page(&self, xpath: &str) {
        let target = self
            .client
            .find(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("no link {xpath}: {e}"));
        self.navigating(async {
            target.click().await.expect("click");
        })
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// The one message shown at the top of the page, e.g. a success flash.
    pub async fn message(&self, level: &str) -> String {
        self.text(&format!(".msg-{level}")).await
    }

    /// Saves a PNG of the window to `target/screenshots/{backend}-{name}.png`; the SQLite run
    /// also writes `docs/screenshots/{name}.png` when `TOLLGATE_UPDATE_SCREENSHOTS=1`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG image");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(|d| manifest.join(d))
            .unwrap_or_else(|| manifest.join("target"));
        let backend = match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let dir = target.join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{backend}-{name}.png")), &png).expect("screenshot");
        if matches!(self.backend, Backend::Sqlite)
            && std::env::var("TOLLGATE_UPDATE_SCREENSHOTS").as_deref() == Ok("1")
        {
            let docs = manifest.join("docs/screenshots");
            std::fs::create_dir_all(&docs).expect("docs/screenshots");
            std::fs::write(docs.join(format!("{name}.png")), &png).expect("docs screenshot");
        }
    }

    /// Like `screenshot`, with the window stretched to the page's full height.
    pub async fn screenshot_whole_page(&self, name: &str) {
        let (width, height) = self.client.get_window_size().await.expect("window size");
        let page = self
            .js("return document.documentElement.scrollHeight;")
            .await
            .as_u64()
            .expect("page height");
        let chrome = height.saturating_sub(
            self.js("return window.innerHeight;")
                .await
                .as_u64()
                .unwrap_or(height),
        );
        let tall = u32::try_from(page + chrome)
            .unwrap_or(u32::MAX)
            .max(height as u32);
        self.client
            .set_window_size(width as u32, tall)
            .await
            .expect("resize");
        self.screenshot(name).await;
        self.client
            .set_window_size(width as u32, height as u32)
            .await
            .expect("resize back");
    }
}

/// Starts chromedriver on a free port and waits until it answers; returns it with its URL.
/// A port taken between choosing and binding it (by a test running alongside) means another try.
async fn start_driver(chromedriver: &Path) -> (Driver, String) {
    for _ in 0..3 {
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{} did not start: {e}", chromedriver.display()));
        let mut driver = Driver { child };
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            // Ours must be the one answering: it is still running.
            if let Ok(Some(_)) = driver.child.try_wait() {
                break;
            }
            if let Ok(resp) = reqwest::get(format!("{webdriver}/status")).await
                && let Ok(status) = resp.json::<Value>().await
                && status["value"]["ready"] == true
                && matches!(driver.child.try_wait(), Ok(None))
            {
                return (driver, webdriver);
            }
            assert!(Instant::now() < deadline, "chromedriver never became ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("chromedriver exited at start three times");
}

/// Staff's steps in the panel, for the tests that review payments there.
impl Browser {
    /// Fills the login form and submits it.
    pub async fn log_in(&self, email: &str, password: &str) {
        assert!(self.location().await.starts_with("/admin/login/"));
        self.type_into("input[name=email]", email).await;
        self.type_into("input[name=password]", password).await;
        self.click_to_page(".login-box button[type=submit]").await;
    }

    pub async fn tick(&self, payment_id: i64) {
        self.click(&format!("input.action-select[value='{payment_id}']"))
            .await;
    }

    pub async fn choose_action(&self, label: &str) {
        self.find("select[name=action]")
            .await
            .select_by_label(label)
            .await
            .expect("action chosen");
    }
}

/// The axe-core script, or `None` (announced once) when the accessibility check is skipped.
fn axe_source() -> Option<String> {
    static ANNOUNCE: Once = Once::new();
    match std::env::var("TOLLGATE_AXE_JS") {
        Ok(path) if !path.is_empty() => {
            Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        }
        _ => {
            if std::env::var("TOLLGATE_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("TOLLGATE_REQUIRE_BROWSER=1 but TOLLGATE_AXE_JS is not set");
            }
            ANNOUNCE.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: TOLLGATE_AXE_JS is not set; the accessibility check was skipped"
                );
            });
            None
        }
    }
}

impl Browser {
    /// Runs axe-core on the page; fails on any serious or critical violation.
    pub async fn assert_accessible(&self) {
        let Some(source) = axe_source() else {
            return;
        };
        self.js(&source).await;
        let script = "const done = arguments[arguments.length - 1];\
            axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations\
              .filter(v => v.impact === 'serious' || v.impact === 'critical')\
              .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '))));";
        let found = self
            .client
            .execute_async(script, vec![])
            .await
            .expect("axe ran");
        let found: Vec<Value> = found.as_array().cloned().unwrap_or_default();
        assert!(found.is_empty(), "{}: {found:#?}", self.location().await);
    }
}
