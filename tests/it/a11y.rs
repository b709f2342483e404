//! Accessibility in headless Chromium: axe-core (WCAG 2.0/2.1 A and AA rules) on every main page,
//! as a citizen on a phone and on a desktop and as staff on a desktop, each also in high contrast
//! with the largest font; a citizen journey done with the keyboard only; the font-size and
//! contrast toggles.
//!
//! axe-core comes from npm: `npm ci --prefix tests/axe` puts it in `tests/axe/node_modules` (the
//! tests run it themselves when npm is there). Without it these tests are skipped loudly, and fail
//! under `CI=true`.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::Locator;
use langnghe_app::db::{ratings, sessions};
use langnghe_tests::{both_databases, figure, location, Browser, TestApp, SECRET};
use serde_json::{json, Value};

/// The axe-core script and its version, or `None` (loudly) when `npm ci` has not been run.
fn axe_core() -> Option<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("axe/node_modules/axe-core");
    let read = || -> std::io::Result<(String, String)> {
        let src = std::fs::read_to_string(dir.join("axe.min.js"))?;
        let pkg: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("package.json"))?)
            .map_err(std::io::Error::other)?;
        Ok((src, pkg["version"].as_str().unwrap_or("?").to_string()))
    };
    // A new checkout has no node_modules yet: fetch the pinned axe-core once if npm is there
    // (one test at a time: `npm ci` empties the folder first).
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if read().is_err() {
        let axe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("axe");
        let _ = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&axe)
            .stdout(std::process::Stdio::null())
            .status();
    }
    match read() {
        Ok(found) => Some(found),
        Err(e) => {
            if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
                panic!("CI=true but axe-core is missing ({e}): run `npm ci --prefix tests/axe`");
            }
            eprintln!("\n*** axe-core not installed ({e}): this accessibility test was SKIPPED (npm ci --prefix tests/axe) ***\n");
            None
        }
    }
}

/// Runs axe on the current page (the script is sent along, so it needs nothing from the page and
/// is not subject to its Content-Security-Policy) and returns its version and violations.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  resultTypes: ['violations']
}).then(r => done({
  version: axe.version,
  violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({ target: n.target.map(String).join(' '), html: n.html.slice(0, 160) }))
  }))
})).catch(e => done({ error: String(e) }));
"#;

/// One way of looking at the site: a window size, and the contrast/large-font preference.
#[derive(Clone, Copy)]
struct View {
    name: &'static str,
    width: u32,
    height: u32,
    contrast_large: bool,
}

const PHONE: View = View {
    name: "phone",
    width: 390,
    height: 844,
    contrast_large: false,
};
const PHONE_HC: View = View {
    name: "phone, high contrast, A++",
    width: 390,
    height: 844,
    contrast_large: true,
};
const DESKTOP: View = View {
    name: "desktop",
    width: 1280,
    height: 800,
    contrast_large: false,
};
const DESKTOP_HC: View = View {
    name: "desktop, high contrast, A++",
    width: 1280,
    height: 800,
    contrast_large: true,
};

/// One violation on one page.
struct Finding {
    page: String,
    view: &'static str,
    rule: String,
    impact: String,
    help: String,
    targets: Vec<String>,
}

struct Audit {
    axe: String,
    version: String,
    findings: Vec<Finding>,
    checks: usize,
    pages: std::collections::BTreeSet<String>,
    /// Saves a screenshot of every page checked when `A11Y_SCREENSHOTS` is set.
    shots: bool,
}

impl Audit {
    /// Runs axe on the page the browser shows now.
    async fn check(&mut self, b: &Browser, page: &str, view: View) -> Result<(), String> {
        let script = format!("{}\n{RUN_AXE}", self.axe);
        let r = b
            .client
            .execute_async(&script, vec![])
            .await
            .map_err(|e| format!("axe on {page}: {e}"))?;
        if let Some(e) = r["error"].as_str() {
            return Err(format!("axe on {page}: {e}"));
        }
        self.version = r["version"].as_str().unwrap_or("?").to_string();
        for v in r["violations"].as_array().into_iter().flatten() {
            self.findings.push(Finding {
                page: page.to_string(),
                view: view.name,
                rule: v["id"].as_str().unwrap_or("?").into(),
                impact: v["impact"].as_str().unwrap_or("?").into(),
                help: v["help"].as_str().unwrap_or("").into(),
                targets: v["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|n| {
                        format!(
                            "{}  {}",
                            n["target"].as_str().unwrap_or("?"),
                            n["html"].as_str().unwrap_or("")
                        )
                    })
                    .collect(),
            });
        }
        self.checks += 1;
        self.pages.insert(page.to_string());
        if self.shots {
            let name: String = format!("{} {} {page}", self.checks, view.name)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let dir = std::env::var("CARGO_TARGET_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|_| {
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
                })
                .join("screenshots/a11y");
            // The whole page: the window made as tall as the page for the picture.
            let full = b
                .client
                .execute("return document.documentElement.scrollHeight", vec![])
                .await
                .map_err(|e| e.to_string())?
                .as_u64()
                .unwrap_or(800) as u32;
            let (w, h) = b
                .client
                .get_window_size()
                .await
                .map_err(|e| e.to_string())?;
            b.client
                .set_window_size(w as u32, (full + 150).min(8000))
                .await
                .map_err(|e| e.to_string())?;
            let png = b.client.screenshot().await.map_err(|e| e.to_string())?;
            b.client
                .set_window_size(w as u32, h as u32)
                .await
                .map_err(|e| e.to_string())?;
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            std::fs::write(dir.join(format!("{name}.png")), png).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Opens `path` and checks it.
    async fn visit(
        &mut self,
        b: &Browser,
        app: &TestApp,
        page: &str,
        path: &str,
        view: View,
    ) -> Result<(), String> {
        b.client
            .goto(&app.url(path))
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        self.check(b, page, view).await
    }

    fn serious(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.impact == "serious" || f.impact == "critical")
            .collect()
    }

    fn report(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&format!(
                "[{}] {} — {} ({}) on {} ({}):\n",
                f.impact,
                f.rule,
                f.help,
                f.targets.len(),
                f.page,
                f.view
            ));
            for t in f.targets.iter().take(5) {
                out.push_str(&format!("      {t}\n"));
            }
        }
        out
    }
}

/// Puts the browser in `view`: its window size and the preference cookies.
async fn enter_view(b: &Browser, app: &TestApp, view: View) -> Result<(), String> {
    b.client
        .set_window_size(view.width, view.height)
        .await
        .map_err(|e| e.to_string())?;
    let q = if view.contrast_large {
        "fs=3&hc=1"
    } else {
        "fs=1&hc=0"
    };
    b.client
        .goto(&app.url(&format!("/prefs?{q}&next=%2F")))
        .await
        .map_err(|e| e.to_string())?;
    let class = b
        .client
        .execute("return document.body.className", vec![])
        .await
        .map_err(|e| e.to_string())?;
    let want_hc = view.contrast_large;
    if class.as_str().unwrap_or("").split(' ').any(|c| c == "hc") != want_hc {
        return Err(format!("the preference did not apply: body class {class}"));
    }
    Ok(())
}

/// What the pages need to show something: ratings, a case, a session with a sign-up, a dossier
/// with its survey link.
struct Fixture {
    xapl: i64,
    case_id: i64,
    case_code: String,
    case_phone: &'static str,
    session: i64,
    signup: String,
    survey: String,
    rating: i64,
    procedure: i64,
    kiosk: i64,
    account: i64,
    instrument: i64,
}

async fn fixture(app: &TestApp) -> Fixture {
    let xapl = app.unit_id("XAPL").await;
    let instrument: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
        "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
    .unwrap();
    let list = [5, 4, 4, 2, 5, 3, 1]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                ratings::NewRating::new(
                    xapl,
                    instrument,
                    langnghe_app::domain::rating::Channel::Web,
                    *s,
                ),
                chrono::Utc::now() - chrono::Duration::hours(1 + i as i64),
            )
        })
        .collect();
    let rating = ratings::save_many(&app.db, &Default::default(), list)
        .await
        .unwrap()[0]
        .as_ref()
        .unwrap()
        .id;
    let case_phone = "0912345678";
    let (case_id, case_code) = app
        .case_received_on("XAPL", langnghe_app::db::today(), case_phone, "vi")
        .await;
    let session = app.published_session("saturday", 20, None).await;
    let sid = session.to_string();
    let r = app
        .another_visitor()
        .post_form(
            &format!("/sessions/{session}"),
            "/api/sessions/signup",
            &[
                ("session_id", &sid),
                ("name", "Trần Văn Bình"),
                ("phone", "0905 111 222"),
                ("topic", "Hỏi về cấp đổi giấy chứng nhận."),
            ],
        )
        .await;
    let signup = location(&r);
    assert!(signup.starts_with("/sessions/signup/DT"), "{signup}");
    // A completed dossier sent by the one-stop software, with its survey link.
    let survey = app
        .survey_link(
            json!({"code": "HS-A11Y", "unit_code": "XAPL", "procedure_code": "1.001193",
                   "citizen_phone": "0912 345 678", "completed_at": "2026-01-20T09:30:00+07:00"}),
        )
        .await
        .trim_start_matches(&app.base)
        .to_string();
    let id = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            langnghe_app::db_run!(&db, c => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await)
                .unwrap()
        }
    };
    Fixture {
        xapl,
        case_id,
        case_code,
        case_phone,
        session,
        signup,
        survey,
        rating,
        procedure: id("SELECT id FROM procedures ORDER BY id LIMIT 1").await,
        kiosk: id("SELECT id FROM kiosks ORDER BY id LIMIT 1").await,
        account: id("SELECT id FROM accounts ORDER BY id LIMIT 1").await,
        instrument,
    }
}

/// The citizen's pages reached by their address.
fn citizen_pages(fx: &Fixture) -> Vec<(&'static str, String)> {
    vec![
        ("home", "/".into()),
        ("procedures", "/procedures?q=dat+dai".into()),
        ("feedback form", "/feedback/new".into()),
        ("feedback lookup", "/feedback/track".into()),
        ("published answers", "/feedback/answers".into()),
        (
            "case sent from a kiosk",
            format!("/feedback/sent/{}", fx.case_code),
        ),
        ("sessions", "/sessions".into()),
        ("session", format!("/sessions/{}", fx.session)),
        ("session sign-up", fx.signup.clone()),
        (
            "session rating link",
            sessions::rate_url(
                "",
                SECRET.as_bytes(),
                fx.signup.trim_start_matches("/sessions/signup/"),
            ),
        ),
        ("transparency", "/transparency".into()),
        ("sign-in", "/login".into()),
        ("survey lookup", "/survey".into()),
        ("phone survey", fx.survey.clone()),
        ("survey done", "/s/done".into()),
        ("not found", "/no-such-page".into()),
    ]
}

/// The staff pages (as the province administrator, who sees them all).
fn staff_pages(fx: &Fixture) -> Vec<(&'static str, String)> {
    let x = fx.xapl;
    vec![
        ("staff home", "/staff".into()),
        ("account", "/account".into()),
        ("feedback inbox", "/feedback/cases".into()),
        ("case entry", "/feedback/cases/new".into()),
        ("case", format!("/feedback/cases/{}", fx.case_id)),
        ("sessions admin", "/sessions/manage".into()),
        ("session admin", format!("/sessions/manage/{}", fx.session)),
        ("session kinds", "/admin/session-kinds".into()),
        ("dashboard", "/dashboard".into()),
        ("indices", "/indices".into()),
        ("unit indices", format!("/indices/unit/{x}")),
        (
            "procedure indices",
            format!("/indices/unit/{x}/procedure/{}", fx.procedure),
        ),
        ("ratings", "/ratings".into()),
        (
            "rating correction",
            format!("/ratings/{}/correct", fx.rating),
        ),
        ("units", "/admin/units".into()),
        ("unit", format!("/admin/units/{x}")),
        ("unit form", "/admin/units/new".into()),
        ("unit edit", format!("/admin/units/{x}/edit")),
        ("unit merge", "/admin/units/merge".into()),
        ("procedures admin", "/admin/procedures".into()),
        ("procedure form", "/admin/procedures/new".into()),
        (
            "procedure edit",
            format!("/admin/procedures/{}/edit", fx.procedure),
        ),
        ("procedure import", "/admin/procedures/import".into()),
        ("kiosks", "/admin/kiosks".into()),
        ("kiosk form", "/admin/kiosks/new".into()),
        ("kiosk", format!("/admin/kiosks/{}", fx.kiosk)),
        ("accounts", "/admin/accounts".into()),
        ("account form", "/admin/accounts/new".into()),
        ("account admin", format!("/admin/accounts/{}", fx.account)),
        ("audit", "/admin/audit".into()),
        ("API keys", "/admin/api-keys".into()),
        ("instruments", "/admin/instruments".into()),
        (
            "instrument",
            format!("/admin/instruments/{}", fx.instrument),
        ),
        ("calendar and settings", "/admin/calendar".into()),
        ("notifications", "/admin/notifications".into()),
        ("index rules", "/admin/index-rules".into()),
    ]
}

async fn audit_everything(
    b: &Browser,
    app: &TestApp,
    fx: &Fixture,
    a: &mut Audit,
) -> Result<(), String> {
    let e = |e: fantoccini::error::CmdError| e.to_string();
    // A citizen, on a phone and on a desktop, each plain and in high contrast with A++.
    for view in [PHONE, DESKTOP, PHONE_HC, DESKTOP_HC] {
        enter_view(b, app, view).await?;
        for (page, path) in citizen_pages(fx) {
            a.visit(b, app, page, &path, view).await?;
        }
        // The case page, reached from the lookup form with its code and phone.
        b.client
            .goto(&app.url("/feedback/track"))
            .await
            .map_err(e)?;
        for (id, v) in [
            ("f-code", fx.case_code.as_str()),
            ("f-contact", fx.case_phone),
        ] {
            b.fill(id, v).await?;
        }
        b.click("main form button[type=submit]").await?;
        b.wait_for_exact_path(&format!("/feedback/track/{}", fx.case_code))
            .await?;
        a.check(b, "followed case", view).await?;
        // A form sent back with its errors.
        b.client.goto(&app.url("/feedback/new")).await.map_err(e)?;
        b.client
            .execute(
                "document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))",
                vec![],
            )
            .await
            .map_err(e)?;
        b.click("main form button[type=submit]").await?;
        b.client
            .wait()
            .for_element(Locator::Css(".error-text"))
            .await
            .map_err(e)?;
        a.check(b, "feedback form with errors", view).await?;
    }
    // The kiosk has its own full-screen pages (no preferences): the set-up page, the faces, the
    // second step and the thank-you page, on a phone, a desktop and its 1024×600 tablet.
    for (view, w, h) in [
        (PHONE, 390, 844),
        (DESKTOP, 1280, 800),
        (DESKTOP, 1024, 600),
    ] {
        b.client.set_window_size(w, h).await.map_err(e)?;
        b.client.delete_all_cookies().await.map_err(e)?;
        a.visit(b, app, "kiosk set-up", "/kiosk", view).await?;
        let token = langnghe_app::db::demo::demo_kiosk_token(0);
        a.visit(
            b,
            app,
            "kiosk faces",
            &format!("/kiosk?token={token}"),
            view,
        )
        .await?;
        b.click("button.face-4").await?;
        b.wait_for_path("/kiosk/thanks").await?;
        a.check(b, "kiosk details", view).await?;
        b.click(".kiosk-actions button[type=submit]").await?;
        b.wait_for_path("/kiosk/done").await?;
        a.check(b, "kiosk thank-you", view).await?;
    }
    b.client.delete_all_cookies().await.map_err(e)?;
    // Staff on a desktop, plain and in high contrast with A++.
    b.sign_in(app, "quantri", "langnghe-quantri").await?;
    for view in [DESKTOP, DESKTOP_HC] {
        enter_view(b, app, view).await?;
        for (page, path) in staff_pages(fx) {
            a.visit(b, app, page, &path, view).await?;
        }
    }
    // An official's pages: their own unit and the phone-size menu.
    b.client.delete_all_cookies().await.map_err(e)?;
    b.sign_in(app, "canbo", "langnghe-canbo").await?;
    for view in [PHONE, PHONE_HC] {
        enter_view(b, app, view).await?;
        a.visit(b, app, "staff home", "/staff", view).await?;
        a.visit(b, app, "feedback inbox", "/feedback/cases", view)
            .await?;
        a.visit(
            b,
            app,
            "case",
            &format!("/feedback/cases/{}", fx.case_id),
            view,
        )
        .await?;
        // The navigation menu opened.
        b.click("details.nav-menu > summary").await?;
        a.check(b, "staff menu opened", view).await?;
    }
    Ok(())
}

both_databases!(
    axe_finds_no_serious_violation_on_any_main_page,
    |app: TestApp| async move {
        let Some((axe, _)) = axe_core() else {
            return;
        };
        let fx = fixture(&app).await;
        let Some(b) = Browser::start(DESKTOP.width, DESKTOP.height).await else {
            return;
        };
        let mut a = Audit {
            axe,
            version: String::new(),
            findings: Vec::new(),
            checks: 0,
            pages: Default::default(),
            shots: std::env::var_os("A11Y_SCREENSHOTS").is_some(),
        };
        if let Err(e) = audit_everything(&b, &app, &fx, &mut a).await {
            b.screenshot("a11y-axe").await;
            panic!("accessibility walk failed: {e}\n{}", a.report());
        }
        eprintln!("{}", a.report());
        let serious = a.serious();
        assert!(
            serious.is_empty(),
            "{} serious or critical accessibility violations (axe-core {}):\n{}",
            serious.len(),
            a.version,
            serious
                .iter()
                .map(|f| format!(
                    "[{}] {} on {} ({}): {}\n      {}",
                    f.impact,
                    f.rule,
                    f.page,
                    f.view,
                    f.help,
                    f.targets.join("\n      ")
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let minor: usize = a.findings.iter().map(|f| f.targets.len()).sum();
        figure(
            "axe",
            &format!(
                "{:?}: axe-core {}: {} pages in {} page × view checks (WCAG 2.1 A/AA and best practices), serious/critical violations 0 (minor/moderate: {minor})",
                app.backend,
                a.version,
                a.pages.len(),
                a.checks
            ),
        );
    }
);

/// Presses one key, as a keyboard does (to whatever has the focus).
async fn press(b: &Browser, key: Key) -> Result<(), String> {
    let k: char = key.into();
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    b.client
        .perform_actions(actions)
        .await
        .map_err(|e| e.to_string())
}

/// What has the focus and how it shows: `{tag, id, name, type, href, text, inMain, visible,
/// ring, ringContrast}`. The ring is the outline (or the label's, for a visually hidden radio or
/// checkbox drawn by its label); its contrast is against the background it is drawn on.
const FOCUS_INFO: &str = r#"
const el = document.activeElement;
if (!el || el === document.body) return null;
const lum = c => {
  const m = c.match(/[\d.]+/g); if (!m) return null;
  const [r, g, b] = m.slice(0, 3).map(Number).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const opaque = c => { const m = c.match(/[\d.]+/g); return m && (m.length < 4 || Number(m[3]) > 0.5); };
let shown = el;
const r0 = el.getBoundingClientRect();
if ((r0.width <= 2 || r0.height <= 2) && el.labels && el.labels.length) shown = el.labels[0];
const cs = getComputedStyle(shown);
const r = shown.getBoundingClientRect();
let ring = null, ringContrast = 0;
if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) {
  ring = cs.outlineWidth + ' ' + cs.outlineStyle + ' ' + cs.outlineColor;
  // The outline is drawn around the element, over its parent's background (or over its own
  // when the offset is negative).
  let bgEl = parseFloat(cs.outlineOffset) < 0 ? shown : shown.parentElement;
  let bg = 'rgb(255, 255, 255)';
  for (let p = bgEl; p; p = p.parentElement) {
    const c = getComputedStyle(p).backgroundColor;
    if (opaque(c)) { bg = c; break; }
  }
  const a = lum(cs.outlineColor), b = lum(bg);
  ringContrast = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
const visible = r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight
  && r.right > 0 && r.left < innerWidth && cs.visibility !== 'hidden';
return { tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
  href: el.getAttribute('href'), cls: el.className, text: (el.innerText || el.value || '').trim().slice(0, 40),
  inMain: !!el.closest('main'), inForm: el.closest('form') ? el.closest('form').getAttribute('action') : null,
  visible, ring, ringContrast };
"#;

async fn focus(b: &Browser) -> Result<Value, String> {
    b.client
        .execute(FOCUS_INFO, vec![])
        .await
        .map_err(|e| e.to_string())
}

fn describe(f: &Value) -> String {
    let pick = |k: &str| f[k].as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let mut s = f["tag"].as_str().unwrap_or("?").to_string();
    if let Some(id) = pick("id") {
        s.push_str(&format!("#{id}"));
    } else if let Some(h) = pick("href") {
        s.push_str(&format!("[href={h}]"));
    } else if let Some(n) = pick("name") {
        s.push_str(&format!("[name={n}]"));
    }
    if let Some(t) = pick("text") {
        s.push_str(&format!(" “{t}”"));
    }
    s
}

/// The focus is on something visible with a focus ring of at least 3:1 (WCAG 1.4.11, 2.4.7).
fn focus_problem(f: &Value) -> Option<String> {
    if f.is_null() {
        return Some("the focus is on nothing".into());
    }
    if f["visible"] != true {
        return Some(format!("{} has the focus but cannot be seen", describe(f)));
    }
    if f["ring"].is_null() {
        return Some(format!("{} shows no focus ring", describe(f)));
    }
    let c = f["ringContrast"].as_f64().unwrap_or(0.0);
    if c < 3.0 {
        return Some(format!(
            "{}: focus ring {} has contrast {c:.2}:1 (< 3:1)",
            describe(f),
            f["ring"]
        ));
    }
    None
}

/// Tabs through a whole page from its top: every stop must be visible with a focus ring, and the
/// first must be the skip link. Returns the number of stops.
async fn tab_through(
    b: &Browser,
    app: &TestApp,
    path: &str,
    problems: &mut Vec<String>,
) -> Result<usize, String> {
    b.client
        .goto(&app.url(path))
        .await
        .map_err(|e| e.to_string())?;
    let mut seen = std::collections::HashSet::new();
    let mut stops = 0;
    for i in 0..250 {
        press(b, Key::Tab).await?;
        let f = focus(b).await?;
        if i == 0 && f["cls"].as_str() != Some("skip-link") {
            problems.push(format!(
                "{path}: the first Tab stop is {}, not the skip link",
                describe(&f)
            ));
        }
        if f.is_null() {
            break;
        }
        let key = format!("{f}");
        if !seen.insert(key) {
            break; // back at the start (the browser's own UI is not reachable headless)
        }
        stops += 1;
        if let Some(p) = focus_problem(&f) {
            problems.push(format!("{path}: {p}"));
        }
    }
    Ok(stops)
}

both_databases!(
    a_citizen_sends_a_case_with_the_keyboard_only,
    |app: TestApp| async move {
        let Some(b) = Browser::start(PHONE.width, PHONE.height).await else {
            return;
        };
        let mut problems = Vec::new();
        let mut presses = 0usize;
        let result = async {
            // The home page: the first Tab stop is the skip link, shown when focused; Enter
            // takes the next Tab into the page's content.
            b.client
                .goto(&app.url("/"))
                .await
                .map_err(|e| e.to_string())?;
            press(&b, Key::Tab).await?;
            presses += 1;
            let f = focus(&b).await?;
            if f["cls"].as_str() != Some("skip-link") {
                return Err(format!(
                    "the first Tab stop is {}, not the skip link",
                    describe(&f)
                ));
            }
            if let Some(p) = focus_problem(&f) {
                return Err(format!("skip link: {p}"));
            }
            press(&b, Key::Enter).await?;
            press(&b, Key::Tab).await?;
            presses += 2;
            let f = focus(&b).await?;
            if f["inMain"] != true {
                return Err(format!(
                    "after the skip link, Tab went to {} outside the content",
                    describe(&f)
                ));
            }
            // On to the feedback form by its link.
            b.client
                .goto(&app.url("/"))
                .await
                .map_err(|e| e.to_string())?;
            let mut found = false;
            for _ in 0..60 {
                press(&b, Key::Tab).await?;
                presses += 1;
                let f = focus(&b).await?;
                if let Some(p) = focus_problem(&f) {
                    problems.push(format!("/: {p}"));
                }
                if f["href"].as_str() == Some("/feedback/new") {
                    found = true;
                    break;
                }
            }
            if !found {
                return Err("no link to the feedback form reached with Tab".into());
            }
            press(&b, Key::Enter).await?;
            presses += 1;
            b.wait_for_exact_path("/feedback/new").await?;
            // The form, field by field, in order, up to its submit button.
            let mut order = Vec::new();
            let mut sent = false;
            for _ in 0..80 {
                press(&b, Key::Tab).await?;
                presses += 1;
                let f = focus(&b).await?;
                if let Some(p) = focus_problem(&f) {
                    problems.push(format!("/feedback/new: {p}"));
                }
                let in_form = f["inForm"].as_str() == Some("/api/feedback/submit");
                if in_form {
                    order.push(describe(&f));
                }
                let text = match f["id"].as_str() {
                    Some("f-name") => Some("Đỗ Thị Hạnh"),
                    Some("f-phone") => Some("0905 444 555"),
                    Some("f-address") => Some("Thôn Tây, xã An Phú Lạc"),
                    Some("f-content") => {
                        Some("Bàn phím: đề nghị thêm biển chỉ dẫn tới quầy một cửa.")
                    }
                    _ => None,
                };
                if let Some(t) = text {
                    b.client
                        .active_element()
                        .await
                        .map_err(|e| e.to_string())?
                        .send_keys(t)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                if in_form && f["name"].as_str() == Some("consent") {
                    press(&b, Key::Space).await?;
                    presses += 1;
                }
                if in_form
                    && f["tag"].as_str() == Some("button")
                    && f["type"].as_str() == Some("submit")
                {
                    press(&b, Key::Enter).await?;
                    presses += 1;
                    sent = true;
                    break;
                }
            }
            if !sent {
                return Err(format!(
                    "Tab never reached the submit button; order: {order:?}"
                ));
            }
            let want = [
                "input#f-name",
                "input#f-phone",
                "textarea#f-content",
                "input[name=consent]",
            ];
            let pos = |w: &str| order.iter().position(|o| o.starts_with(w));
            let positions: Vec<_> = want.iter().map(|w| pos(w)).collect();
            if positions.iter().any(Option::is_none) || !positions.windows(2).all(|w| w[0] < w[1]) {
                return Err(format!("focus order of the form: {order:?}"));
            }
            let path = b.wait_for_path("/feedback/track/PA").await?;
            let code = path.trim_start_matches("/feedback/track/");
            let case = langnghe_app::db::feedback::by_code(&app.db, code)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("the case was not saved")?;
            if case.citizen_name != "Đỗ Thị Hạnh" {
                return Err(format!("saved {case:?}"));
            }
            // Every Tab stop of the citizen's and the staff's main pages can be seen.
            let mut stops = 0;
            for path in ["/", "/feedback/new", "/sessions"] {
                stops += tab_through(&b, &app, path, &mut problems).await?;
            }
            b.client
                .set_window_size(DESKTOP.width, DESKTOP.height)
                .await
                .map_err(|e| e.to_string())?;
            for path in ["/", "/feedback/track"] {
                stops += tab_through(&b, &app, path, &mut problems).await?;
            }
            b.sign_in(&app, "quantri", "langnghe-quantri").await?;
            for path in ["/staff", "/feedback/cases", "/indices"] {
                stops += tab_through(&b, &app, path, &mut problems).await?;
            }
            Ok::<_, String>((order.len(), stops))
        }
        .await;
        match result {
            Err(e) => {
                b.screenshot("a11y-keyboard").await;
                panic!("keyboard journey failed: {e}\n{}", problems.join("\n"));
            }
            Ok((fields, stops)) => {
                assert!(
                    problems.is_empty(),
                    "focus problems:\n{}",
                    problems.join("\n")
                );
                figure(
                    "keyboard",
                    &format!(
                        "{:?}: a case sent with the keyboard only ({presses} key presses, {fields} stops in the form, skip link first); {stops} Tab stops on 8 pages all visible with a focus ring ≥ 3:1",
                        app.backend
                    ),
                );
            }
        }
    }
);

both_databases!(
    the_font_size_and_contrast_toggles_work_and_persist,
    |app: TestApp| async move {
        // Without JavaScript: plain links that set a cookie and come back to the same page.
        let r = app.get("/prefs?fs=2&next=%2Fsessions%3Funit%3D1").await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/sessions?unit=1");
        let r = app.get("/prefs?hc=1&next=%2Fsessions").await;
        assert_eq!(location(&r), "/sessions");
        let (_, page) = app.page("/feedback/new").await;
        assert!(
            page.contains(r#"<body class="fs-l hc">"#),
            "the next page keeps A+ and high contrast"
        );
        let (_, page) = app.page("/prefs?hc=0&fs=1&next=%2F").await;
        assert!(page.is_empty());
        let (_, page) = app.page("/").await;
        assert!(page.contains(r#"<body class="fs-m">"#));

        let Some(b) = Browser::start(DESKTOP.width, DESKTOP.height).await else {
            return;
        };
        let result = async {
            let e = |e: fantoccini::error::CmdError| e.to_string();
            let style = |b: &Browser| {
                let c = b.client.clone();
                async move {
                    c.execute(
                        "const s = getComputedStyle(document.body); return [parseFloat(s.fontSize), s.backgroundColor, s.color, document.body.className, location.pathname + location.search]",
                        vec![],
                    )
                    .await
                }
            };
            b.client.goto(&app.url("/sessions?kind=0")).await.map_err(e)?;
            let before = style(&b).await.map_err(e)?;
            b.click(".prefs a[href^='/prefs?fs=2']").await?;
            let larger = style(&b).await.map_err(e)?;
            if larger[0].as_f64() <= before[0].as_f64() || larger[4] != "/sessions?kind=0" {
                return Err(format!("A+ : {before} → {larger}"));
            }
            b.click(".prefs a[href^='/prefs?hc=1']").await?;
            let hc = style(&b).await.map_err(e)?;
            if hc[1] != "rgb(0, 0, 0)" || hc[2] != "rgb(255, 255, 255)" || hc[4] != "/sessions?kind=0" {
                return Err(format!("contrast: {larger} → {hc}"));
            }
            // The next page keeps both.
            b.client.goto(&app.url("/feedback/new")).await.map_err(e)?;
            let next = style(&b).await.map_err(e)?;
            if next[0] != larger[0] || next[1] != "rgb(0, 0, 0)" {
                return Err(format!("not kept on the next page: {next}"));
            }
            // The current choice is announced, and both go back.
            let current = b
                .client
                .find(Locator::Css(".prefs a[aria-current=true][href^='/prefs?hc=0']"))
                .await
                .map_err(e)?;
            current.click().await.map_err(e)?;
            b.click(".prefs a[href^='/prefs?fs=1']").await?;
            let back = style(&b).await.map_err(e)?;
            if back[0] != before[0] || back[1] != before[1] || back[4] != "/feedback/new" {
                return Err(format!("back to normal: {before} vs {back}"));
            }
            Ok::<_, String>(())
        }
        .await;
        if let Err(e) = result {
            b.screenshot("a11y-toggles").await;
            panic!("toggles failed: {e}");
        }
    }
);
