//! Size limits: every field of every form on every page, posted with a value far longer than any
//! real one, is refused without a server error and without the value reaching the database;
//! a body past its limit gets 413 with a clear message.

use crate::security::{form_endpoints, walk, Walk, Want};
use langnghe_tests::{both_databases, location, TestApp};
use scraper::{Html, Selector};

/// The over-long value posted in each field.
const LONG: usize = 100_000;
/// The over-long value of a search field (an address longer than 8 KB is refused by many
/// proxies before it reaches us).
const LONG_QUERY: usize = 8_000;
/// No stored text may be this long after the walk (the longest field a form takes is far less).
const STORED_MAX: i64 = 20_000;

/// A form found on a page: where it posts, how, and the values a browser would send as is.
pub(crate) struct FormSpec {
    pub action: String,
    /// A filter or search form (method get) rather than a post.
    pub get: bool,
    pub multipart: bool,
    pub defaults: Vec<(String, String)>,
    pub names: Vec<String>,
}

pub(crate) fn forms_of(html: &str) -> Vec<FormSpec> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form").unwrap();
    let control_sel = Selector::parse("input[name], textarea[name], select[name], button[name]")
        .expect("selector");
    let option_sel = Selector::parse("option").unwrap();
    let mut out = Vec::new();
    for form in doc.select(&form_sel) {
        let action = form.value().attr("action").unwrap_or("").to_string();
        let get = !form
            .value()
            .attr("method")
            .is_some_and(|m| m.eq_ignore_ascii_case("post"));
        if !(action.starts_with("/api/") || get && action.starts_with('/')) {
            continue;
        }
        let multipart = form.value().attr("enctype") == Some("multipart/form-data");
        let mut defaults = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for c in form.select(&control_sel) {
            let el = c.value();
            let name = el.attr("name").unwrap_or("").to_string();
            let ty = el.attr("type").unwrap_or("text");
            if el.name() == "input" && matches!(ty, "file" | "submit" | "reset" | "image") {
                continue;
            }
            if !names.contains(&name) {
                names.push(name.clone());
            }
            let value = match el.name() {
                "textarea" => c.text().collect::<String>(),
                "select" => {
                    let options: Vec<_> = c.select(&option_sel).collect();
                    options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or(options.first())
                        .map(|o| {
                            o.value()
                                .attr("value")
                                .map(str::to_string)
                                .unwrap_or_else(|| o.text().collect())
                        })
                        .unwrap_or_default()
                }
                // The clicked button sends its value (the kiosk's faces): the first one here.
                "button" => match el.attr("value") {
                    Some(v) if !defaults.iter().any(|(k, _)| *k == name) => v.to_string(),
                    _ => continue,
                },
                _ if matches!(ty, "checkbox" | "radio") => {
                    if el.attr("checked").is_none() {
                        continue;
                    }
                    el.attr("value").unwrap_or("on").to_string()
                }
                _ => el.attr("value").unwrap_or("").to_string(),
            };
            defaults.push((name, value));
        }
        // A second button may post the same fields elsewhere (remove beside save).
        let formaction_sel = Selector::parse("button[formaction]").unwrap();
        for b in form.select(&formaction_sel) {
            let other = b.value().attr("formaction").unwrap_or("");
            if other.starts_with("/api/") && other != action {
                out.push(FormSpec {
                    action: other.to_string(),
                    get,
                    multipart,
                    defaults: defaults.clone(),
                    names: names.clone(),
                });
            }
        }
        out.push(FormSpec {
            action,
            get,
            multipart,
            defaults,
            names,
        });
    }
    out
}

/// Posts `fields` to `action` as the browser would from `page`.
pub(crate) async fn post(
    who: &TestApp,
    page: &str,
    action: &str,
    multipart: bool,
    fields: &[(String, String)],
) -> reqwest::Response {
    let req = who
        .client
        .post(who.url(action))
        .header("Origin", &who.base)
        .header("Referer", who.url(page));
    let req = if multipart {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.clone(), v.clone());
        }
        req.multipart(form)
    } else {
        req.form(fields)
    };
    req.send().await.expect("post")
}

/// The longest text stored in any column of any table (sessions aside, which keep a refused
/// form's values for one page view), as (length, "table.column").
async fn longest_stored(app: &TestApp) -> Vec<(i64, String)> {
    let columns: Vec<(String, String)> = langnghe_app::db_run!(&app.db, c => {
        let sql = if app.backend == langnghe_tests::Backend::Sqlite {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND (p.type LIKE '%TEXT%' OR p.type LIKE '%CHAR%' OR p.type = '')"
        } else {
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        };
        sqlx::query_as::<_, (String, String)>(sql).fetch_all(c).await
    })
    .unwrap();
    let mut over = Vec::new();
    for (table, column) in columns {
        if table == "tower_sessions" || table.starts_with("_sqlx") || table.starts_with("sqlite_") {
            continue;
        }
        let sql = if app.backend == langnghe_tests::Backend::Sqlite {
            format!(
                "SELECT CAST(COALESCE(MAX(LENGTH(\"{column}\")), 0) AS BIGINT) FROM \"{table}\""
            )
        } else {
            format!("SELECT CAST(COALESCE(MAX(LENGTH(\"{column}\"::text)), 0) AS BIGINT) FROM \"{table}\"")
        };
        let n: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(&sql).fetch_one(c).await)
            .unwrap_or_else(|e| panic!("{table}.{column}: {e}"));
        if n > STORED_MAX {
            over.push((n, format!("{table}.{column}")));
        }
    }
    over
}

/// The people of the form walk.
pub(crate) const ADMIN: usize = 0;
pub(crate) const ANONYMOUS: usize = 1;
pub(crate) const KIOSK: usize = 2;
pub(crate) const CITIZEN: usize = 3;
pub(crate) const TRACKER: usize = 4;

/// Every page with a form, as the person who sees it: each page route an administrator or an
/// anonymous visitor may open, and the pages reached only with a link, a device or in some
/// state (a survey link, a kiosk and its second step, a sign-up, a case at each step, a draft
/// survey, a flagged rating, a draft session, a held one with minutes to review).
pub(crate) struct FormPages {
    pub visitors: Vec<TestApp>,
    pub pages: Vec<(usize, String)>,
}

impl FormPages {
    pub fn list(&self) -> Vec<(&TestApp, String)> {
        self.pages
            .iter()
            .map(|(who, p)| (&self.visitors[*who], p.clone()))
            .collect()
    }
}

pub(crate) async fn form_pages(app: &TestApp) -> FormPages {
    let Walk {
        official: _,
        leader: _,
        admin,
        table,
        xapl,
    } = walk(app).await;
    let anonymous = app.another_visitor();
    // Pages reached only with a link or a device: a dossier's survey, a kiosk and its
    // second step, a sign-up's own page.
    let survey = app
        .survey_link(serde_json::json!({"code": "HS-LIMITS", "unit_code": "XAPL"}))
        .await
        .trim_start_matches(&app.base)
        .to_string();
    let kiosk = app.another_visitor();
    let token = langnghe_app::db::demo::demo_kiosk_token(0);
    let r = kiosk.get(&format!("/kiosk?token={token}")).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let (_, faces) = kiosk.page("/kiosk").await;
    let face = forms_of(&faces)
        .into_iter()
        .find(|f| f.action == "/api/kiosk/rate")
        .expect("a face form on the kiosk");
    let r = post(&kiosk, "/kiosk", &face.action, false, &face.defaults).await;
    let thanks = location(&r);
    assert!(
        thanks.starts_with("/kiosk/thanks?"),
        "a face is taken: {thanks}"
    );
    let session = app.published_session("saturday", 50, None).await;
    let citizen = app.another_visitor();
    let r = citizen
        .post_form(
            &format!("/sessions/{session}"),
            "/api/sessions/signup",
            &[
                ("session_id", session.to_string().as_str()),
                ("name", "Lê Văn Hải"),
                ("phone", "0912 000 111"),
                ("topic", ""),
            ],
        )
        .await;
    let signup_page = location(&r);
    assert!(
        signup_page.starts_with("/sessions/signup/"),
        "{signup_page}"
    );

    // The forms a page offers only in some state: a case to answer, one answered (closed by
    // staff, rated by the citizen), one awaiting approval; a draft survey; a flagged rating;
    // a draft session; a held one with a question, a participant who came and may rate it.
    let today = langnghe_app::db::today();
    let handled = |steps: &'static [(&'static str, &'static str)], publish: bool| {
        let admin = &admin;
        async move {
            let (id, code) = app
                .case_received_on("XAPL", today, "0912345678", "vi")
                .await;
            let page = format!("/feedback/cases/{id}");
            for (action, answer) in steps {
                let sid = id.to_string();
                let (_, body) = admin
                    .submit(
                        &page,
                        action,
                        &[("id", &sid), ("class", "competent"), ("answer", answer)],
                    )
                    .await;
                assert!(
                    body.contains("flash-ok") || body.contains("flash-info"),
                    "{action}: {body}"
                );
            }
            if publish {
                let (_, body) = admin
                    .review_and_publish(&page, "/api/feedback/review", "")
                    .await;
                assert!(body.contains("flash-ok"), "published: {body}");
            }
            (page, code)
        }
    };
    const CLASSIFY: (&str, &str) = ("/api/feedback/classify", "");
    const ANSWER: (&str, &str) = ("/api/feedback/answer", "Xã đã niêm yết lệ phí tại quầy.");
    let (to_answer, _) = handled(&[CLASSIFY], false).await;
    // A draft waiting for its review before it is published.
    let (drafted, _) = handled(&[CLASSIFY, ANSWER], false).await;
    let (answered, answered_code) = handled(&[CLASSIFY, ANSWER], true).await;
    let tracker = app.another_visitor();
    let r = tracker
        .post_form(
            "/feedback/track",
            "/api/feedback/track",
            &[("code", &answered_code), ("contact", "0912345678")],
        )
        .await;
    let tracked = location(&r);
    let mut settings = langnghe_app::db::calendar::feedback_settings(&app.db)
        .await
        .unwrap();
    settings.approval_required = true;
    let mut tx = app.db.begin().await.unwrap();
    langnghe_app::db::calendar::save_feedback_settings(&mut tx, None, &settings)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (awaiting, _) = handled(&[CLASSIFY, ANSWER], true).await;
    let draft_instrument = langnghe_app::db::instruments::new_draft(&app.db, None, "SIPAS")
        .await
        .unwrap();
    let flagged = app.web_rating(xapl, 1).await;
    langnghe_app::db_run!(&app.db, c => sqlx::query(
        "INSERT INTO rating_flags (rating_id, reason, flagged_at) VALUES ($1, 'burst', $2)")
        .bind(flagged).bind(chrono::Utc::now()).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
    // A kiosk's day held for review, with its alert (reviewed, released on its page).
    let held_kiosk: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
        "SELECT id FROM kiosks ORDER BY id LIMIT 1").fetch_one(c).await)
    .unwrap();
    langnghe_app::db_run!(&app.db, c => sqlx::query(
        "INSERT INTO kiosk_days (kiosk_id, day, answers, satisfied, held_at) VALUES ($1, $2, 40, 40, $3)
         ON CONFLICT (kiosk_id, day) DO UPDATE SET held_at = excluded.held_at")
        .bind(held_kiosk).bind(today).bind(chrono::Utc::now()).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
    langnghe_app::db_run!(&app.db, c => sqlx::query(
        "INSERT INTO kiosk_alerts (kiosk_id, kind, addr, day, detail, hits, created_at, last_at) VALUES ($1, 'day_held', '', $2, '{}', 1, $3, $3)")
        .bind(held_kiosk).bind(today).bind(chrono::Utc::now()).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
    let admin_id = app.account_id("quantri").await;
    let draft_session = {
        let kinds = langnghe_app::db::sessions::kinds(&app.db).await.unwrap();
        let start = chrono::Utc::now() + chrono::Duration::days(3);
        let mut tx = app.db.begin().await.unwrap();
        let id = langnghe_app::db::sessions::create(
            &mut tx,
            admin_id,
            &langnghe_app::db::sessions::NewSession {
                unit_id: xapl,
                kind_id: kinds[0].id,
                title: "Đối thoại doanh nghiệp quý IV".into(),
                starts_at: start,
                ends_at: start + chrono::Duration::hours(2),
                place: "Hội trường".into(),
                capacity: 30,
                description: String::new(),
                slot_minutes: None,
                procedures: vec![],
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    };
    let held = app.published_session("thursday", 10, Some(30)).await;
    let slot = langnghe_app::db::sessions::get(&app.db, held)
        .await
        .unwrap()
        .slot_starts()[0]
        .to_rfc3339();
    let r = citizen
        .post_form(
            &format!("/sessions/{held}"),
            "/api/sessions/signup",
            &[
                ("session_id", held.to_string().as_str()),
                ("name", "Võ Thị Lan"),
                ("phone", "0912 000 222"),
                ("slot", slot.as_str()),
            ],
        )
        .await;
    let came = location(&r)
        .trim_start_matches("/sessions/signup/")
        .to_string();
    let start = chrono::Utc::now() - chrono::Duration::hours(3);
    langnghe_app::db_run!(&app.db, c => sqlx::query(
        "UPDATE dialogue_sessions SET starts_at = $1, ends_at = $2 WHERE id = $3")
        .bind(start).bind(start + chrono::Duration::hours(2)).bind(held).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
    langnghe_app::db::sessions::check_in(&app.db, admin_id, held, &came)
        .await
        .unwrap();
    let held_page = format!("/sessions/manage/{held}");
    let (_, body) = admin
        .submit(
            &held_page,
            "/api/sessions/question",
            &[
                ("id", &held.to_string()),
                ("asker", "Võ Thị Lan"),
                ("question", "Khi nào làm đường thôn?"),
            ],
        )
        .await;
    assert!(body.contains("flash-ok"), "question: {body}");
    // Minutes published, then a question added: the page offers the review of the change
    // and a leader's take-down at once.
    langnghe_app::db::sessions::publish_minutes(&app.db, admin_id, held, None)
        .await
        .unwrap();
    let (_, body) = admin
        .submit(
            &held_page,
            "/api/sessions/question",
            &[
                ("id", &held.to_string()),
                ("asker", "Võ Thị Lan"),
                ("question", "Bao giờ có đèn đường?"),
            ],
        )
        .await;
    assert!(body.contains("flash-ok"), "question: {body}");
    let rate_page =
        langnghe_app::db::sessions::rate_url("", langnghe_tests::SECRET.as_bytes(), &came);

    let mut pages: Vec<(usize, String)> = Vec::new();
    for (_, path, want) in &table {
        if want[3] == Want::Ok {
            pages.push((ADMIN, path.clone()));
        }
        if want[0] == Want::Ok {
            pages.push((ANONYMOUS, path.clone()));
        }
    }
    pages.push((ANONYMOUS, survey));
    pages.push((KIOSK, thanks));
    pages.push((KIOSK, "/kiosk".into()));
    pages.push((CITIZEN, signup_page));
    pages.push((ADMIN, to_answer));
    pages.push((ADMIN, drafted));
    pages.push((ADMIN, answered));
    pages.push((TRACKER, tracked));
    pages.push((ADMIN, awaiting));
    pages.push((ADMIN, format!("/admin/instruments/{draft_instrument}")));
    pages.push((ADMIN, "/ratings".into()));
    pages.push((ADMIN, format!("/sessions/manage/{draft_session}")));
    pages.push((ADMIN, held_page));
    pages.push((ANONYMOUS, rate_page));
    FormPages {
        visitors: vec![admin, anonymous, kiosk, citizen, tracker],
        pages,
    }
}

both_databases!(
    every_form_field_refuses_an_over_long_value,
    |app: TestApp| async move {
        let fp = form_pages(&app).await;
        let pages = fp.list();

        let long = "x".repeat(LONG);
        let mut posted = 0;
        let mut searched = 0;
        let mut endpoints_posted = std::collections::BTreeSet::new();
        let mut endpoints_seen = std::collections::BTreeSet::new();
        let mut wrong = Vec::new();
        for (who, path) in &pages {
            let (status, html) = who.page(path).await;
            if status != 200 {
                wrong.push(format!("{path}: page answered {status}"));
                continue;
            }
            for form in forms_of(&html) {
                if form.get {
                    // Filters and searches: an over-long criterion is a page, not an error.
                    for name in &form.names {
                        let url = format!("{}?{name}={}", form.action, &long[..LONG_QUERY]);
                        let s = who.get(&url).await.status().as_u16();
                        searched += 1;
                        if s >= 500 {
                            wrong.push(format!("{path} → GET {} field {name}: {s}", form.action));
                        }
                    }
                    continue;
                }
                endpoints_seen.insert(form.action.trim_start_matches("/api/").to_string());
                // Signing out would end the walk's session; it takes no field.
                if form.action == "/api/logout"
                    || form.action == "/api/login" && who.session_cookie().is_some()
                {
                    continue;
                }
                for name in &form.names {
                    let mut fields: Vec<(String, String)> = form
                        .defaults
                        .iter()
                        .filter(|(k, _)| k != name)
                        .cloned()
                        .collect();
                    fields.push((name.clone(), long.clone()));
                    // The public forms' rate limits are not under test here.
                    langnghe_app::db::throttle::purge(
                        &app.db,
                        chrono::Utc::now() + chrono::Duration::days(1),
                    )
                    .await
                    .unwrap();
                    let r = post(who, path, &form.action, form.multipart, &fields).await;
                    posted += 1;
                    endpoints_posted.insert(form.action.trim_start_matches("/api/").to_string());
                    let s = r.status().as_u16();
                    if s >= 500 || s == 413 {
                        wrong.push(format!("{path} → {} field {name}: {s}", form.action));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        let over = longest_stored(&app).await;
        assert!(
            over.is_empty(),
            "over-long values reached the database: {over:?}"
        );
        // Every form endpoint was found on some page (and posted, if it has a field).
        let not_reached: Vec<String> = form_endpoints()
            .into_iter()
            .filter(|e| !endpoints_seen.contains(e))
            .collect();
        assert!(
            not_reached.is_empty(),
            "form endpoints no page offered: {not_reached:?}"
        );
        langnghe_tests::figure(
            "limits",
            &format!(
                "{:?}: {posted} over-long field posts on {} pages ({} form endpoints) and {searched} over-long searches, none stored, no 5xx",
                app.backend,
                pages.len(),
                endpoints_posted.len()
            ),
        );
    }
);

/// A body that streams `bytes` bytes of `fill` without announcing its length.
fn chunked(bytes: usize, fill: u8) -> reqwest::Body {
    const CHUNK: usize = 64 * 1024;
    let sizes: Vec<usize> = (0..bytes.div_ceil(CHUNK))
        .map(|i| CHUNK.min(bytes - i * CHUNK))
        .collect();
    reqwest::Body::wrap_stream(futures_util::stream::iter(
        sizes
            .into_iter()
            .map(move |n| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![fill; n]))),
    ))
}

/// Posts `path` announcing a body of `length` bytes without sending it (as a client whose
/// upload is refused before it starts): the status and the body of the answer.
async fn announced(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    length: usize,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.base.trim_start_matches("http://").to_string();
    let mut tcp = tokio::net::TcpStream::connect(&host).await.unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nContent-Length: {length}\r\nConnection: close\r\n",
        app.base
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tcp.read_to_end(&mut answer),
    )
    .await
    .expect("an answer without the body")
    .unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const MB: usize = 1024 * 1024;

both_databases!(
    bodies_past_their_limit_are_refused_with_a_clear_message,
    |app: TestApp| async move {
        let clear = "Nội dung gửi lên quá lớn";
        // A form past 4 MB, announced and streamed without its length.
        let (status, page) = announced(&app, "/api/feedback/track", &[FORM], 5 * MB).await;
        assert_eq!(status, 413);
        assert!(page.contains(clear), "{page}");
        let r = app
            .client
            .post(app.url("/api/feedback/track"))
            .header("Origin", &app.base)
            .header(FORM.0, FORM.1)
            .body(chunked(4 * MB + 1, b'9'))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert!(r.text().await.unwrap().contains(clear));
        // The case form takes three files of 5 MB, not more.
        let (status, page) = announced(
            &app,
            "/api/feedback/submit",
            &[("Content-Type", "multipart/form-data; boundary=XyZ")],
            25 * MB,
        )
        .await;
        assert_eq!(status, 413);
        assert!(page.contains("tối đa 3 tệp"), "{page}");
        // The machine API answers in JSON.
        let key = app.api_key("LG").await;
        let limit = langnghe_server::api_v1::DOSSIER_BODY_LIMIT;
        let json = ("Content-Type", "application/json");
        let (status, answer) = announced(
            &app,
            "/api/v1/dossiers",
            &[json, ("X-API-Key", key.as_str())],
            limit + 1,
        )
        .await;
        assert_eq!(status, 413);
        assert!(answer.contains(r#""error":"too_large""#), "{answer}");
        let r = app
            .client
            .post(app.url("/api/v1/dossiers"))
            .header("X-API-Key", &key)
            .header(json.0, json.1)
            .body(chunked(limit + 1, b' '))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"], "too_large");
        assert_eq!(langnghe_app::db::dossiers::count(&app.db).await.unwrap(), 0);
        langnghe_tests::figure(
            "limits",
            &format!(
                "{:?}: bodies past their limit (forms 4 MB, case form 20 MB, dossier API 64 KB; announced or streamed) answer 413 with a clear message",
                app.backend
            ),
        );
    }
);
