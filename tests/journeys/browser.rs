//! A headless Chromium driven through chromedriver, with the few verbs a
//! journey needs: go, sign in, fill, choose, press, follow, see, and save a
//! screenshot of every page it passes under `target/screenshots/<journey>/`.
//!
//! When chromedriver is not installed the journeys are skipped with a message,
//! unless `BROWSER_TESTS=required` (as `.ci/run` sets it): then a missing
//! browser fails the run.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Where Debian's packages put them; `CHROMEDRIVER` / `CHROMIUM` override.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A browser on one journey: its chromedriver, its session, its screenshots.
pub struct Browser {
    client: Client,
    driver: Child,
    base: String,
    shots: PathBuf,
    taken: u32,
    /// axe-core's script, run on every page the journey opens.
    axe: Option<String>,
}

/// Where `.ci/run` installs axe-core (`npm install --prefix target/axe`);
/// `AXE_CORE` names another copy of `axe.min.js`.
fn axe_source() -> Option<String> {
    let default =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe/node_modules/axe-core/axe.min.js");
    let path = std::env::var("AXE_CORE").map_or(default, PathBuf::from);
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) => {
            assert!(
                !required(),
                "BROWSER_TESTS=required but axe-core is missing at {} \
                 (npm install --prefix target/axe axe-core@4.14.1)",
                path.display()
            );
            eprintln!(
                "axe-core not found at {}: pages are not audited",
                path.display()
            );
            None
        }
    }
}

fn executable(variable: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var(variable).map_or_else(|_| PathBuf::from(default), PathBuf::from);
    path.exists().then_some(path)
}

fn required() -> bool {
    std::env::var("BROWSER_TESTS").is_ok_and(|value| value == "required")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium at 1280 × 900 for the app at
    /// `base`; `None` (with a message) if chromedriver is missing and not required.
    pub async fn open(base: &str, journey: &str) -> Option<Browser> {
        let (Some(driver_path), Some(chromium)) = (
            executable("CHROMEDRIVER", CHROMEDRIVER),
            executable("CHROMIUM", CHROMIUM),
        ) else {
            assert!(
                !required(),
                "BROWSER_TESTS=required but chromium or chromedriver is missing \
                 (apt-get install chromium chromium-driver)"
            );
            eprintln!("skipped {journey}: chromium or chromedriver is not installed");
            return None;
        };
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    "--force-device-scale-factor=1",
                    "--lang=zh-CN",
                ],
            }),
        );
        let webdriver = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&webdriver)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if started.elapsed() > Duration::from_secs(30) => {
                    panic!("chromedriver did not start a session: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("target/tmp has a parent")
            .join("screenshots")
            .join(journey);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("create the screenshot folder");
        Some(Browser {
            client,
            driver,
            base: base.to_string(),
            shots,
            taken: 0,
            axe: axe_source(),
        })
    }

    /// Ends the session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    pub async fn go(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|error| panic!("open {path}: {error}"));
        self.audit().await;
    }

    /// The current path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Signs in through the form, pressing Enter in the password field.
    pub async fn sign_in(&mut self, login: &str) {
        self.go("/login").await;
        self.fill("#login", login).await;
        self.fill("#password", crate::common::PASSWORD).await;
        self.enter("#password").await;
        assert!(
            !self.path().await.starts_with("/login"),
            "{login} could not sign in"
        );
    }

    /// Signs out with the header's button.
    pub async fn sign_out(&mut self) {
        self.click("form[action='/logout'] button").await;
        assert!(
            self.find_all("form[action='/logout']").await.is_empty(),
            "still signed in"
        );
    }

    async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(error) => panic!("no {css} on {}: {error}", self.path_now().await),
        }
    }

    async fn path_now(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_default()
    }

    /// Replaces a field's text, as a person selecting it and typing would.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear the field");
        field.send_keys(text).await.expect("type into the field");
    }

    /// Presses Enter in a field, submitting its form from the keyboard, and
    /// waits for the next page.
    pub async fn enter(&self, css: &str) {
        let before = self.page_id().await;
        let typed: char = fantoccini::key::Key::Enter.into();
        self.find(css)
            .await
            .send_keys(&typed.to_string())
            .await
            .expect("press Enter");
        self.wait_for_new_page(&before, "Enter").await;
    }

    /// Picks an option of a select by its value.
    pub async fn choose(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|error| panic!("choose {value} in {css}: {error}"));
    }

    /// Gives a file input a file, as the file picker would.
    pub async fn attach(&self, css: &str, file: &Path) {
        let absolute = file.canonicalize().expect("the file exists");
        self.find(css)
            .await
            .send_keys(absolute.to_str().expect("a UTF-8 path"))
            .await
            .expect("attach the file");
    }

    /// Presses the button labelled `label` (inside `scope` when given) and
    /// waits for the next page.
    pub async fn press(&self, label: &str) {
        self.press_in("", label).await;
    }

    pub async fn press_in(&self, scope: &str, label: &str) {
        let xpath = format!(
            "{}//button[normalize-space()={}]",
            scope_xpath(scope),
            xpath_literal(label)
        );
        self.click_and_wait(Locator::XPath(&xpath), label).await;
    }

    /// Follows the link whose text is `text`.
    pub async fn follow(&self, text: &str) {
        let xpath = format!("//a[normalize-space()={}]", xpath_literal(text));
        self.click_and_wait(Locator::XPath(&xpath), text).await;
    }

    /// Follows the first link whose text contains `text` (a dashboard line
    /// such as "1 待确认需求的服务单").
    pub async fn follow_containing(&self, text: &str) {
        let xpath = format!("//a[contains(normalize-space(), {})]", xpath_literal(text));
        self.click_and_wait(Locator::XPath(&xpath), text).await;
    }

    /// Clicks the first element matching `css` (a link whose text is not
    /// known in advance, such as a ticket number) and waits for the next page.
    pub async fn click(&self, css: &str) {
        self.click_and_wait(Locator::Css(css), css).await;
    }

    async fn click_and_wait(&self, target: Locator<'_>, what: &str) {
        let before = self.page_id().await;
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(target)
            .await;
        let element = match found {
            Ok(element) => element,
            Err(error) => panic!(
                "nothing to press named {what:?} on {}: {error}\n{}",
                self.path_now().await,
                self.text().await
            ),
        };
        element
            .click()
            .await
            .unwrap_or_else(|error| panic!("press {what:?}: {error}"));
        self.wait_for_new_page(&before, what).await;
        self.audit().await;
    }

    /// Runs axe-core on the page and fails on any violation, of any impact.
    pub async fn audit(&self) {
        let Some(axe) = &self.axe else {
            return;
        };
        self.client
            .execute(&format!("{axe}\nreturn true;"), vec![])
            .await
            .expect("load axe-core into the page");
        let script = "const done = arguments[arguments.length - 1];\
            axe.run(document, { resultTypes: ['violations'] }).then(result => done(\
              result.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ` +\
                v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))));";
        let found = self
            .client
            .execute_async(script, vec![])
            .await
            .expect("run axe-core");
        let violations: Vec<String> = found
            .as_array()
            .expect("axe-core answers with a list")
            .iter()
            .map(|item| item.as_str().unwrap_or_default().to_string())
            .collect();
        assert!(
            violations.is_empty(),
            "accessibility violations on {}:\n{}",
            self.path_now().await,
            violations.join("\n")
        );
    }

    /// The addresses the page's main content links to.
    pub async fn links(&self) -> Vec<String> {
        let found = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll('main a[href]'))\
                   .map(a => a.getAttribute('href'));",
                vec![],
            )
            .await
            .expect("list the links");
        found
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A new page has a new document; waits for it before anything is read.
    async fn wait_for_new_page(&self, before: &str, what: &str) {
        let started = Instant::now();
        while self.page_id().await == before {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{what:?} did not load a page"
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    /// A mark set on each document, to tell when a click has loaded a new one.
    async fn page_id(&self) -> String {
        let script = "if (document.readyState !== 'complete') { return 'loading'; } \
                      if (!window.__page_id) { window.__page_id = Math.random().toString(36); } \
                      return window.__page_id;";
        match self.client.execute(script, vec![]).await {
            Ok(value) => value.as_str().unwrap_or("").to_string(),
            Err(_) => "loading".into(),
        }
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Asserts the visible page says `text`.
    pub async fn see(&self, text: &str) {
        let shown = self.text().await;
        assert!(
            shown.contains(text),
            "expected {text:?} on {}:\n{shown}",
            self.path_now().await
        );
    }

    pub async fn see_not(&self, text: &str) {
        let shown = self.text().await;
        assert!(
            !shown.contains(text),
            "did not expect {text:?} on {}:\n{shown}",
            self.path_now().await
        );
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .expect("the element's text")
    }

    /// The value of a form field (what a person sees typed in it).
    pub async fn value_of(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .expect("the field's value")
            .unwrap_or_default()
    }

    /// The rows of the first table inside `scope`, as their cells' text.
    pub async fn rows(&self, scope: &str) -> Vec<Vec<String>> {
        let rows = self.find_all(&format!("{scope} tbody tr")).await;
        let mut table = Vec::new();
        for row in rows {
            let mut cells = Vec::new();
            for cell in row.find_all(Locator::Css("td")).await.expect("cells") {
                cells.push(cell.text().await.unwrap_or_default());
            }
            table.push(cells);
        }
        table
    }

    /// Whether the element is on screen below the sticky top bar (where an
    /// in-page jump must land), not under it or past the bottom.
    pub async fn in_sight(&self, css: &str) -> bool {
        let script = "const e = document.querySelector(arguments[0]);\
            const bar = document.querySelector('.topbar').getBoundingClientRect();\
            const stuck = getComputedStyle(document.querySelector('.topbar')).position === 'sticky';\
            const top = e.getBoundingClientRect().top;\
            return top >= (stuck ? bar.bottom : 0) && top < window.innerHeight;";
        let seen = self
            .client
            .execute(script, vec![json!(css)])
            .await
            .expect("measure the element");
        seen.as_bool().unwrap_or(false)
    }

    /// Resizes the window (the viewport follows).
    pub async fn width(&self, width: u32) {
        self.client
            .set_window_size(width, 900)
            .await
            .expect("resize the window");
    }

    /// Whether the page scrolls sideways at this width (a table too wide for
    /// the screen must scroll inside its own box, not push the page).
    pub async fn page_scrolls_sideways(&self) -> bool {
        let wider = self
            .client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1;",
                vec![],
            )
            .await
            .expect("measure the page");
        wider.as_bool().unwrap_or(true)
    }

    /// Buttons and fields that reach past the right edge of the window,
    /// other than those inside a box that scrolls sideways on its own (a wide
    /// table, the phone menu).
    pub async fn controls_off_screen(&self) -> Vec<String> {
        let script = "const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {\
                if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true; } return false; };\
            return Array.from(document.querySelectorAll('button, input, select, textarea, a.button'))\
              .filter(e => e.offsetParent !== null && !e.classList.contains('default-submit'))\
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !scrolls(e))\
              .map(e => e.name || e.id || e.textContent.trim().slice(0, 30));";
        let found = self
            .client
            .execute(script, vec![])
            .await
            .expect("measure the controls");
        found
            .as_array()
            .expect("a list of controls")
            .iter()
            .map(|name| name.as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The form fields of the page a screen reader could not name: no
    /// `<label>`, `aria-label`, `aria-labelledby` or title.
    pub async fn unlabelled_fields(&self) -> Vec<String> {
        let script = "return Array.from(document.querySelectorAll('input, select, textarea'))\
            .filter(e => !['hidden', 'submit', 'button'].includes(e.type))\
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')\
                && !e.getAttribute('aria-labelledby') && !e.title)\
            .map(e => e.name || e.id || e.outerHTML.slice(0, 80));";
        let found = self
            .client
            .execute(script, vec![])
            .await
            .expect("list the form fields");
        found
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .map(|name| name.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts every form field of the page has a label.
    pub async fn fields_are_labelled(&self) {
        let unlabelled = self.unlabelled_fields().await;
        assert!(
            unlabelled.is_empty(),
            "fields without a label on {}: {unlabelled:?}",
            self.path_now().await
        );
    }

    /// Saves a full-window screenshot as `NN-name.png`.
    pub async fn shot(&mut self, name: &str) {
        self.taken += 1;
        let png = self.client.screenshot().await.expect("take a screenshot");
        let file = self.shots.join(format!("{:02}-{name}.png", self.taken));
        std::fs::write(&file, png).expect("save the screenshot");
    }
}

fn scope_xpath(scope: &str) -> String {
    if scope.is_empty() {
        String::new()
    } else {
        css_scope_to_xpath(scope)
    }
}

/// The scopes the journeys use: `form[action='…']` and `#id`.
fn css_scope_to_xpath(scope: &str) -> String {
    if let Some(id) = scope.strip_prefix('#') {
        format!("//*[@id={}]", xpath_literal(id))
    } else if let Some(action) = scope
        .strip_prefix("form[action='")
        .and_then(|rest| rest.strip_suffix("']"))
    {
        format!("//form[@action={}]", xpath_literal(action))
    } else {
        panic!("unsupported scope {scope}")
    }
}

/// A string as an XPath literal (the labels never hold both quote kinds).
fn xpath_literal(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}
