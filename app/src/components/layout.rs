//! The shell around every page: header with the signed-in unit and role, navigation by role,
//! language switch, font size A- A A+ and the high-contrast toggle (plain links that set a
//! cookie, so they work without JavaScript), the flash message and the footer.

use crate::components::state::{Flash, FlashKind, Prefs};
use crate::domain::Role;
use crate::i18n::{t, Lang};
use leptos::prelude::*;

/// A static file read once at start-up, with the fingerprint of its content.
#[derive(Debug, Clone)]
pub struct Asset {
    /// The first 12 hex digits of the SHA-256 of the content.
    pub hash: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The files the pages link to; each is served under a fingerprinted name.
pub const ASSET_FILES: [&str; 4] = ["style.css", "kiosk.css", "kiosk.js", "favicon.svg"];

static ASSETS: std::sync::OnceLock<std::collections::HashMap<&'static str, Asset>> =
    std::sync::OnceLock::new();

/// Reads and fingerprints the static files of `dir`, once per process (later calls keep the first
/// reading). A file that cannot be read keeps its plain address.
pub fn load_assets(dir: &std::path::Path) {
    use sha2::{Digest, Sha256};
    ASSETS.get_or_init(|| {
        ASSET_FILES
            .iter()
            .filter_map(|name| {
                let bytes = std::fs::read(dir.join(name)).ok()?;
                let hash = hex::encode(Sha256::digest(&bytes))[..12].to_string();
                let content_type = match name.rsplit('.').next() {
                    Some("css") => "text/css; charset=utf-8",
                    Some("js") => "text/javascript; charset=utf-8",
                    Some("svg") => "image/svg+xml",
                    _ => "application/octet-stream",
                };
                Some((
                    *name,
                    Asset {
                        hash,
                        content_type,
                        bytes,
                    },
                ))
            })
            .collect()
    });
}

/// The address of static file `name` ("style.css"): `/static/style.<hash>.css` once the files are
/// loaded (cached for a year: the address changes with the content), else `/style.css`.
pub fn asset(name: &str) -> String {
    match ASSETS.get().and_then(|m| m.get(name)) {
        Some(a) => match name.rsplit_once('.') {
            Some((stem, ext)) => format!("/static/{stem}.{}.{ext}", a.hash),
            None => format!("/static/{name}.{}", a.hash),
        },
        None => format!("/{name}"),
    }
}

/// The loaded file behind a fingerprinted name ("style.<hash>.css"): the file and whether the
/// hash is the current one (an old hash gets today's content, not to be kept for long).
pub fn fingerprinted(file: &str) -> Option<(&'static Asset, bool)> {
    let (stem_hash, ext) = file.rsplit_once('.')?;
    let (stem, hash) = stem_hash.rsplit_once('.')?;
    let name = format!("{stem}.{ext}");
    let a = ASSETS.get()?.get(name.as_str())?;
    Some((a, a.hash == hash))
}

/// One navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// Everything the shell shows, computed from the request context.
#[derive(Debug, Clone)]
pub struct ShellInfo {
    pub title: String,
    pub lang: Lang,
    pub prefs: Prefs,
    pub user: Option<(String, Role, String)>,
    pub nav: Vec<NavItem>,
    pub flash: Option<Flash>,
    pub here: String,
    /// The browser is a registered kiosk (a public device).
    pub kiosk: bool,
}

/// Seconds without a touch after which a page opened from a kiosk goes back to the faces
/// through `/kiosk/reset` (kiosk.js counts only idle time).
pub const KIOSK_IDLE_SECS: u32 = 120;
/// The same without JavaScript (a `<noscript>` refresh counts from the page's loading, so it
/// is longer: a visitor typing a complaint is not cut off).
pub const KIOSK_NOSCRIPT_SECS: u32 = 300;
/// The idle return for a member of staff signed in on a kiosk (which signs them out).
pub const KIOSK_STAFF_IDLE_SECS: u32 = 300;

fn pref_href(param: &str, value: &str, here: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    format!("/prefs?{param}={value}&next={next}")
}

/// The page shell around `body`.
pub fn shell(info: ShellInfo, body: impl IntoView) -> impl IntoView {
    let ShellInfo {
        title,
        lang,
        prefs,
        user,
        nav,
        flash,
        here,
        kiosk,
    } = info;
    // A page opened from a kiosk (nobody signed in): no site navigation and no sign-in link, a
    // big button back to the faces, and the idle return; both go through /kiosk/reset, which
    // forgets what was typed and gives the next visitor Vietnamese. A member of staff signed in
    // on a kiosk gets the ordinary pages with a longer idle return that signs them out.
    let kiosk_public = kiosk && user.is_none();
    let font_class = ["fs-s", "fs-m", "fs-l", "fs-xl"][prefs.font.min(3) as usize];
    let mut body_class = if prefs.contrast {
        format!("{font_class} hc")
    } else {
        font_class.to_string()
    };
    if kiosk_public {
        body_class.push_str(" kiosk-mode");
    }
    let full_title = format!("{} · {}", title, t("app.name"));
    let lang_links = [(Lang::Vi, "Tiếng Việt", "VI"), (Lang::En, "English", "EN")]
        .into_iter()
        .map(|(l, name, short)| {
            let cur = (l == lang).then_some("true");
            view! { <a class="pref" href=pref_href("lang", l.code(), &here) aria-current=cur lang=l.code() title=name>{short}</a> }
        })
        .collect_view();
    let font_links = [(0u8, "A-", "pref.font_smaller"), (1, "A", "pref.font_normal"), (2, "A+", "pref.font_larger"), (3, "A++", "pref.font_largest")]
        .into_iter()
        .map(|(v, label, key)| {
            let cur = (v == prefs.font).then_some("true");
            view! { <a class="pref" href=pref_href("fs", &v.to_string(), &here) aria-current=cur title=t(key)>{label}</a> }
        })
        .collect_view();
    let contrast_href = pref_href("hc", if prefs.contrast { "0" } else { "1" }, &here);
    let contrast_cur = prefs.contrast.then_some("true");
    let prefs_view = view! {
        <div class="prefs">
            <div class="pref-group" role="group" aria-label=t("pref.language")>
                <span class="pref-label visually-hidden">{t("pref.language")}</span>
                {lang_links}
            </div>
            <div class="pref-group" role="group" aria-label=t("pref.font_size")>
                <span class="pref-label visually-hidden">{t("pref.font_size")}</span>
                {font_links}
            </div>
            <div class="pref-group">
                <a class="pref pref-contrast" href=contrast_href aria-current=contrast_cur>
                    <span class="pref-icon" aria-hidden="true">"◐"</span><span class="pref-text">{t("pref.contrast")}</span>
                </a>
            </div>
        </div>
    }
    .into_any();
    let top = if kiosk_public {
        view! {
            <header class="site-header kiosk-bar">
                <div class="header-inner">
                    <a class="btn btn-primary btn-big kiosk-home" href="/kiosk/reset">{t("kiosk_page.back")}</a>
                    {prefs_view}
                </div>
            </header>
        }
        .into_any()
    } else {
        site_top(user, nav, prefs_view)
    };
    let flash_view = flash.map(|f| {
        let (class, role) = match f.kind {
            FlashKind::Ok => ("flash flash-ok", "status"),
            FlashKind::Error => ("flash flash-error", "alert"),
            FlashKind::Info => ("flash flash-info", "status"),
        };
        view! { <div class=class role=role>{f.text()}</div> }
    });
    let refresh = kiosk_public.then(|| {
        let content = format!("{KIOSK_NOSCRIPT_SECS};url=/kiosk/reset");
        view! { <noscript><meta http-equiv="refresh" content=content/></noscript> }
    });
    let idle = kiosk.then(|| {
        if kiosk_public {
            KIOSK_IDLE_SECS
        } else {
            KIOSK_STAFF_IDLE_SECS
        }
        .to_string()
    });
    let status = kiosk_public.then(|| {
        view! { <div id="kiosk-status" class="kiosk-status" role="status" aria-live="assertive"></div> }
    });
    let footer = (!kiosk_public).then(|| {
        view! { <footer class="site-footer"><p>{t("app.footer")}</p></footer> }
    });
    view! {
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                {refresh}
                <title>{full_title}</title>
                <link rel="stylesheet" href=asset("style.css")/>
                <link rel="icon" href=asset("favicon.svg") type="image/svg+xml"/>
            </head>
            <body class=body_class>
                <a class="skip-link" href="#main">{t("shell.skip")}</a>
                {top}
                <main id="main" class="container"
                    data-return=idle
                    data-return-to=kiosk.then_some("/kiosk/reset")
                    data-offline-form=kiosk_public.then(|| t("kiosk_js.offline_form"))>
                    {flash_view}
                    {body}
                    {status}
                </main>
                {footer}
                {kiosk.then(|| view! { <script src=asset("kiosk.js") defer></script> })}
            </body>
        </html>
    }
}

/// The site's header (brand, who is signed in, the display bar) and its navigation by role.
fn site_top(
    user: Option<(String, Role, String)>,
    nav: Vec<NavItem>,
    prefs_view: AnyView,
) -> AnyView {
    let who = user.map(|(name, role, unit)| {
        view! {
            <div class="who">
                <a class="who-name" href="/account" title=t("nav.account")>{name}</a>
                <span class="who-role">{t(role.label_key())}</span>
                <span class="who-unit">{unit}</span>
                <form class="inline" method="post" action="/api/logout">
                    <button type="submit" class="btn btn-small btn-secondary">{t("nav.logout")}</button>
                </form>
            </div>
        }
    });
    let signed_in = who.is_some();
    let many = nav.len() > 4;
    let mut links: Vec<(String, String, bool, &'static str)> = nav
        .iter()
        .map(|n| (n.href.clone(), n.label.clone(), n.current, ""))
        .collect();
    if !signed_in {
        links.push(("/login".into(), t("nav.login"), false, "nav-right"));
    }
    let items = move || {
        links
            .iter()
            .map(|(href, label, current, class)| {
                let cur = current.then_some("page");
                view! { <li class=*class><a href=href.clone() aria-current=cur>{label.clone()}</a></li> }
            })
            .collect_view()
    };
    // With many links a phone gets them behind a "Menu" disclosure (works without JavaScript);
    // wider screens see the plain bar. The list is written twice and CSS shows one (the other is
    // `display: none`, so it is neither seen, focused nor read); the bar comes first so that on
    // a desktop the first link to a page is the one on screen.
    let nav_view = if many {
        let current = nav
            .iter()
            .find(|n| n.current)
            .map(|n| n.label.clone())
            .unwrap_or_default();
        view! {
            <ul class="nav-wide">{items()}</ul>
            <details class="nav-menu">
                <summary>{t("nav.menu")} <span class="nav-menu-current">{current}</span></summary>
                <ul>{items()}</ul>
            </details>
        }
        .into_any()
    } else {
        view! { <ul>{items()}</ul> }.into_any()
    };
    view! {
        <header class="site-header">
            <div class="header-inner">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"LN"</span>
                    <span class="brand-name">{t("app.name")}</span>
                    <span class="brand-sub">{t("app.tagline")}</span>
                </a>
                {who}
                {prefs_view}
            </div>
        </header>
        <nav class="main-nav" aria-label=t("nav.label")>{nav_view}</nav>
    }
    .into_any()
}

/// The heading of a page, with an optional lead sentence.
pub fn page_head(title: String, lead: Option<String>) -> impl IntoView {
    view! {
        <div class="page-head">
            <h1>{title}</h1>
            {lead.map(|l| view! { <p class="lead">{l}</p> })}
        </div>
    }
}

/// A date as the citizen reads it: dd/mm/yyyy.
pub fn fmt_date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A moment in Asia/Ho_Chi_Minh, dd/mm/yyyy HH:MM (24 h).
pub fn fmt_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}
