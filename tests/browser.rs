//! A headless Chromium for the browser journeys, driven through chromedriver.

use crate::{figure, Backend, TestApp};
use std::os::unix::process::CommandExt;

/// A headless Chromium driven through chromedriver (Debian's `chromium` and `chromium-driver`).
pub struct Browser {
    pub client: fantoccini::Client,
    child: std::process::Child,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a window of `width`×`height`. Returns
    /// `None` (with a loud message) when they are not installed, unless `CI=true`.
    pub async fn start(width: u32, height: u32) -> Option<Browser> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
            l.local_addr().ok()?.port()
        };
        // In a process group of its own, so that the browsers it starts end with it.
        let child = match std::process::Command::new("chromedriver")
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
                    panic!("CI=true but chromedriver cannot start ({e}): install chromium and chromium-driver");
                }
                eprintln!("\n*** chromedriver not found: this browser test was SKIPPED (apt-get install chromium chromium-driver) ***\n");
                return None;
            }
        };
        let mut caps = serde_json::Map::new();
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--window-size={width},{height}"),
        ];
        if let Ok(bin) = std::env::var("CHROMIUM_BIN") {
            args.push(format!("--binary={bin}"));
        }
        let mut opts = serde_json::json!({ "args": args });
        if std::path::Path::new("/usr/bin/chromium").exists() {
            opts["binary"] = serde_json::json!("/usr/bin/chromium");
        }
        caps.insert("goog:chromeOptions".into(), opts);
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = String::new();
        for _ in 0..50 {
            match fantoccini::ClientBuilder::rustls()
                .expect("tls")
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Some(Browser { client, child }),
                Err(e) => {
                    last_err = e.to_string();
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
        panic!("cannot start a browser session: {last_err}");
    }

    /// Saves a screenshot under `target/screenshots/<name>.png` (used when a journey fails).
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    /// Waits until the page's path starts with `prefix`.
    pub async fn wait_for_path(&self, prefix: &str) -> Result<String, String> {
        self.wait_until(|p| p.starts_with(prefix), prefix).await
    }

    /// Waits until the page's path is exactly `path`.
    pub async fn wait_for_exact_path(&self, path: &str) -> Result<String, String> {
        self.wait_until(|p| p == path, path).await
    }

    async fn wait_until(&self, ok: impl Fn(&str) -> bool, prefix: &str) -> Result<String, String> {
        for _ in 0..100 {
            if let Ok(u) = self.client.current_url().await {
                if ok(u.path()) {
                    return Ok(format!(
                        "{}{}",
                        u.path(),
                        u.query().map(|q| format!("?{q}")).unwrap_or_default()
                    ));
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(format!("the page never reached {prefix}"))
    }
}

impl Browser {
    /// Opens `url` (a full address).
    pub async fn open(&self, url: &str) -> Result<(), String> {
        self.client
            .goto(url)
            .await
            .map_err(|e| format!("open {url}: {e}"))
    }

    /// Types `value` into the field whose id is `id`.
    pub async fn fill(&self, id: &str, value: &str) -> Result<(), String> {
        self.client
            .find(fantoccini::Locator::Id(id))
            .await
            .map_err(|e| format!("field #{id}: {e}"))?
            .send_keys(value)
            .await
            .map_err(|e| format!("typing into #{id}: {e}"))
    }

    /// Clicks the first element matching the CSS selector `css`.
    pub async fn click(&self, css: &str) -> Result<(), String> {
        self.client
            .find(fantoccini::Locator::Css(css))
            .await
            .map_err(|e| format!("element {css}: {e}"))?
            .click()
            .await
            .map_err(|e| format!("clicking {css}: {e}"))
    }

    /// Clicks `css` (a submit button) and waits until the page it leads to has loaded, also
    /// when that page has the same address (a form that comes back with a message).
    pub async fn submit(&self, css: &str) -> Result<(), String> {
        let old = self
            .client
            .find(fantoccini::Locator::Css("html"))
            .await
            .map_err(|e| format!("page root: {e}"))?;
        self.click(css).await?;
        for _ in 0..200 {
            // The old page's root goes stale once the browser has moved on.
            if old.attr("lang").await.is_err() {
                for _ in 0..200 {
                    let state = self
                        .client
                        .execute("return document.readyState", vec![])
                        .await;
                    if matches!(state, Ok(serde_json::Value::String(s)) if s == "complete") {
                        return Ok(());
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                return Err(format!("the page after {css} never finished loading"));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(format!("no new page after clicking {css}"))
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> Result<String, String> {
        self.client
            .find(fantoccini::Locator::Css(css))
            .await
            .map_err(|e| format!("element {css}: {e}"))?
            .text()
            .await
            .map_err(|e| format!("text of {css}: {e}"))
    }

    /// Signs in on `app`'s sign-in page as a member of staff and waits for the staff page.
    pub async fn sign_in(
        &self,
        app: &TestApp,
        username: &str,
        password: &str,
    ) -> Result<(), String> {
        self.open(&app.url("/login")).await?;
        self.fill("f-username", username).await?;
        self.fill("f-password", password).await?;
        self.click("form button[type=submit]").await?;
        self.wait_for_path("/staff").await.map(|_| ())
    }

    /// Ends a journey: a failure saves `target/screenshots/<name>-<backend>.png` and fails the
    /// test; a success is counted in the `journeys` figure.
    pub async fn finish(&self, name: &str, backend: Backend, result: Result<(), String>) {
        let db = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        match result {
            Ok(()) => figure("journeys", &format!("passed: {name} ({db})")),
            Err(e) => {
                self.screenshot(&format!("{name}-{db}")).await;
                panic!("browser journey {name} failed on {db}: {e}");
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver and every Chromium process it started (they share its process group);
        // killing chromedriver alone leaves the browsers running.
        // `--` before the negative id: without it procps' kill reads `-<id>` wrongly (it sent
        // SIGKILL to every process when the id began with 1).
        let group = self.child.id();
        if group > 1 {
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{group}")])
                .stderr(std::process::Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
