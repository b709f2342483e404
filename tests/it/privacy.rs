//! Personal data stays private and nothing a citizen types can take over a page (issue 17):
//! every leaked format absent from every public page, the review before publishing and the
//! words an official adds, a leader's take-down, break-out payloads in every form field kept as
//! text, attachments served under a name we make, decomposed text stored composed and found,
//! and messages without a gateway neither sent nor logged.

use crate::limits::{form_pages, forms_of, post, ADMIN, KIOSK};
use chrono::Utc;
use langnghe_app::db::{audit, feedback as fb, notify, procedures, sessions};
use langnghe_tests::{both_databases, form_value, location, TestApp};
use reqwest::multipart::{Form, Part};
use scraper::{Html, Selector};

/// `s` in decomposed form (NFD): what some phones and macOS send.
fn nfd(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd().collect()
}

/// What the citizen of these tests typed in the case form.
const NAME: &str = "Trần Văn Bình";

/// Sends the case form as a citizen (multipart, with `files`); returns the case's code.
async fn send_case(app: &TestApp, content: &str, files: Vec<(&str, &str, Vec<u8>)>) -> String {
    let xapl = app.unit_id("XAPL").await.to_string();
    let mut form = Form::new().text("unit_id", xapl);
    for (k, v) in [
        ("name", NAME),
        ("phone", "0987 111 222"),
        ("email", "binh.tran@gmail.com"),
        ("address", "12 Lê Lợi, thôn 2, xã An Phú Lạc"),
        ("content", content),
        ("consent", "1"),
    ] {
        form = form.text(k, v.to_string());
    }
    for (name, mime, bytes) in files {
        form = form.part(
            "files",
            Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str(mime)
                .unwrap(),
        );
    }
    let r = app
        .client
        .post(app.url("/api/feedback/submit"))
        .header("Origin", &app.base)
        .header("Referer", app.url("/feedback/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let to = location(&r);
    assert!(to.starts_with("/feedback/track/PA"), "case not sent: {to}");
    to.trim_start_matches("/feedback/track/").to_string()
}

/// Classifies case `code` as within the unit's competence (as `official`); returns its id.
async fn accepted(official: &TestApp, code: &str) -> i64 {
    let id = fb::by_code(&official.db, code).await.unwrap().unwrap().id;
    let (_, body) = official
        .submit(
            &format!("/feedback/cases/{id}"),
            "/api/feedback/classify",
            &[("id", &id.to_string()), ("class", "competent")],
        )
        .await;
    assert!(body.contains("flash-ok"), "{body}");
    id
}

/// The text of every element matching `css` on `html`, joined.
fn text_of(html: &str, css: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A dialogue session of XAPL that was held three hours ago, with one sign-up; returns its id.
async fn held_session(app: &TestApp, signup: (&str, &str, &str)) -> i64 {
    let id = app.published_session("saturday", 20, None).await;
    let r = app
        .another_visitor()
        .post_form(
            &format!("/sessions/{id}"),
            "/api/sessions/signup",
            &[
                ("session_id", &id.to_string()),
                ("name", signup.0),
                ("phone", signup.1),
                ("id_number", signup.2),
            ],
        )
        .await;
    assert!(location(&r).starts_with("/sessions/signup/"), "signed up");
    let start = Utc::now() - chrono::Duration::hours(3);
    langnghe_app::db_run!(&app.db, c => sqlx::query(
        "UPDATE dialogue_sessions SET starts_at = $1, ends_at = $2 WHERE id = $3")
        .bind(start).bind(start + chrono::Duration::hours(2)).bind(id).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
    id
}

/// The issue's question at a dialogue session, and its answer quoting the phone.
const QUESTION: &str = "Ông Trần Văn Bình (0987 111 222, thôn 2) hỏi khi nào sửa đường. CCCD \
                        001203001234, thư binh.tran@gmail.com. Anh Phùng Văn Khiêm \
                        (0978 111 222, CCCD 079188012345) hỏi thêm về đèn.";
const MINUTES_ANSWER: &str = "Đã gọi 0987.111.222 và trả lời ông Bình: quý I năm sau sửa đường.";

/// Every way the issue's leaked data was written; none may reach a public page.
const CONTENT: &str = "Tôi là Trần Văn Bình (0987 111 222, thôn 2). CCCD 001203001234.
Gọi (0912) 345 678, 0912/345/678, 0912  345  678, \u{ff10}\u{ff19}\u{ff11}\u{ff12}\u{ff13}\u{ff14}\u{ff15}\u{ff16}\u{ff17}\u{ff18} hoặc +84 912.345.678.
Thư: hoa.nguyen (at) gmail.com, hoa.nguyen [at] gmail [dot] com, hoa.nguyen a còng gmail chấm com.
Tên không dấu: Tran Van Binh; gọi tắt là Bình.
Ông Nguyễn Văn Tư ở số 12 đường Trần Hưng Đạo lấn lối đi chung; bà Lê Thị Hoa ở tổ 5, ấp Bình Hòa cũng thấy.
Hộ chiếu C1234567, thửa đất số 4521.";

/// What must not be on any public page (each piece of the above).
const LEAKED: &[&str] = &[
    "Trần Văn Bình",
    "Tran Van Binh",
    "0987",
    "111 222",
    "111.222",
    "0912",
    "345 678",
    "345/678",
    "345  678",
    "\u{ff10}\u{ff19}",
    "912.345.678",
    "001203001234",
    "hoa.nguyen",
    "binh.tran",
    "gmail",
    "Nguyễn Văn Tư",
    "Lê Thị Hoa",
    "Trần Hưng Đạo",
    "thôn 2",
    "tổ 5",
    "Bình Hòa",
    "C1234567",
    "4521",
    "Phùng Văn Khiêm",
    "0978",
    "079188012345",
    "12 Lê Lợi",
];

fn leaks(page: &str, html: &str, found: &mut Vec<String>) {
    for l in LEAKED {
        if html.contains(l) {
            found.push(format!("{page}: {l}"));
        }
    }
    let decomposed = nfd(NAME);
    if html.contains(&decomposed) {
        found.push(format!("{page}: the name in NFD"));
    }
}

both_databases!(
    every_leaked_format_is_absent_from_every_public_page,
    |app: TestApp| async move {
        // A case with every format, and the name typed decomposed too.
        let content = format!("{CONTENT}\nNgười ký: {}", nfd(NAME));
        let code = send_case(&app, &content, vec![]).await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let id = accepted(&official, &code).await;
        let (_, body) = official
            .answer_and_publish(
                id,
                "Gửi ông Bình (0987.111.222): UBND xã đã kiểm tra thửa đất số 4521 theo phản ánh \
                 của ông Trần Văn Bình và đã mời ông Nguyễn Văn Tư làm việc về lối đi chung.",
            )
            .await;
        assert!(body.contains("Đã trả lời"), "{body}");
        // The minutes of a session where the same was said aloud.
        let sid = held_session(&app, ("Phùng Văn Khiêm", "0978 111 222", "079188012345")).await;
        let manage = format!("/sessions/manage/{sid}");
        let (_, body) = official
            .submit(
                &manage,
                "/api/sessions/question",
                &[
                    ("id", &sid.to_string()),
                    ("asker", NAME),
                    ("asker_phone", "0987111222"),
                    ("asker_address", "thôn 2, xã An Phú Lạc"),
                    ("question", QUESTION),
                    ("answer", MINUTES_ANSWER),
                    ("answered_by", "Phó Chủ tịch UBND xã"),
                ],
            )
            .await;
        assert!(body.contains("flash-ok"), "{body}");
        let (_, body) = official
            .review_and_publish(&manage, "/api/sessions/publish_minutes", "")
            .await;
        assert!(body.contains("Đã công bố biên bản"), "{body}");

        let public = app.another_visitor();
        let mut found = Vec::new();
        for page in [
            "/feedback/answers".to_string(),
            "/feedback/answers?q=loi+di+chung".to_string(),
            format!("/feedback/answers?q={code}"),
            format!("/sessions/{sid}"),
            "/sessions".to_string(),
            "/transparency".to_string(),
            "/".to_string(),
        ] {
            let (status, html) = public.page(&page).await;
            assert_eq!(status, 200, "{page}");
            leaks(&page, &html, &mut found);
        }
        assert!(
            found.is_empty(),
            "personal data on public pages: {found:#?}"
        );

        // What is shown is the rest of the text, with the marks where data came out.
        let (_, answers) = public.page("/feedback/answers?q=loi+di+chung").await;
        let case = text_of(&answers, "article.public-case");
        assert!(case.contains(&code), "the case is found: {answers}");
        assert!(!case.contains("Bình"), "not even the given name: {case}");
        assert!(
            case.contains("Ông […] ở […] lấn lối đi chung; bà […] ở […], […] cũng thấy."),
            "{case}"
        );
        assert!(case.contains("Gửi ông […] ([…]): UBND xã đã kiểm tra thửa đất số […]"));
        let (_, minutes) = public.page(&format!("/sessions/{sid}")).await;
        let m = text_of(&minutes, "section.minutes");
        assert!(
            m.contains("Ông […] ([…], […]) hỏi khi nào sửa đường. CCCD […], thư […]. Anh […] ([…], CCCD […]) hỏi thêm về đèn."),
            "{m}"
        );
        assert!(m.contains("Đã gọi […] và trả lời ông […]: quý I năm sau sửa đường."));
        assert!(
            m.contains("Phó Chủ tịch UBND xã"),
            "the answerer's title stays"
        );
        let (_, calendar) = public.page("/sessions").await;
        assert!(
            calendar.contains(&format!("/sessions/{sid}#minutes")),
            "listed under the minutes of past sessions"
        );
        // The internal record keeps what was typed, in NFC.
        let stored = fb::get(&app.db, id).await.unwrap();
        assert!(stored.content.contains("Người ký: Trần Văn Bình"));
        assert!(stored.answer.contains("0987.111.222"));
    }
);

both_databases!(
    the_review_highlights_each_removal_and_an_extra_word_is_removed,
    |app: TestApp| async move {
        let code = send_case(&app, "Đường vào xóm bị lấn chiếm.", vec![]).await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let id = accepted(&official, &code).await;
        let page = format!("/feedback/cases/{id}");
        let sid = id.to_string();
        let draft = "Hợp tác xã Bình Minh đã bồi thường cho bác Tư; liên hệ 0912 345 678.";
        let (_, body) = official
            .submit(
                &page,
                "/api/feedback/answer",
                &[("id", &sid), ("answer", draft)],
            )
            .await;
        // Nothing is public yet: the official sees the public text, each removal struck through.
        let removed = text_of(&body, "#review del.removal");
        assert!(
            removed.contains("0912 345 678") && removed.contains("Tư"),
            "{removed}"
        );
        assert!(
            !removed.contains("Bình Minh"),
            "a company name is not found by itself"
        );
        assert!(text_of(&body, "#review").contains("[…]"));
        let (_, answers) = app.page(&format!("/feedback/answers?q={code}")).await;
        assert!(
            !text_of(&answers, "article.public-case").contains(&code),
            "not published before its review"
        );
        let before = form_value(&body, "/api/feedback/review", "reviewed").unwrap();

        // The official adds the company; the review shows it struck through too.
        let (_, body) = official
            .submit(
                &page,
                "/api/feedback/review",
                &[
                    ("id", &sid),
                    ("extra", "hop tac xa binh minh"),
                    ("step", "preview"),
                ],
            )
            .await;
        assert!(
            text_of(&body, "#review del.removal").contains("Hợp tác xã Bình Minh"),
            "{body}"
        );
        // Publishing what was shown before the word was added is refused: it is not what
        // would go public now.
        let (_, body) = official
            .submit(
                &page,
                "/api/feedback/review",
                &[
                    ("id", &sid),
                    ("extra", "hop tac xa binh minh"),
                    ("reviewed", &before),
                    ("step", "publish"),
                ],
            )
            .await;
        assert!(body.contains("đã thay đổi so với bản bạn xem"), "{body}");
        assert_eq!(fb::get(&app.db, id).await.unwrap().status, "processing");

        // Ten presses of "publish" at once (two officials, a double click): published once.
        let reviewed = form_value(&body, "/api/feedback/review", "reviewed").unwrap();
        let presses = (0..10).map(|_| {
            let who = official.clone_session();
            let (page, sid, reviewed) = (page.clone(), sid.clone(), reviewed.clone());
            tokio::spawn(async move {
                who.post_form(
                    &page,
                    "/api/feedback/review",
                    &[
                        ("id", &sid),
                        ("extra", "hop tac xa binh minh"),
                        ("reviewed", &reviewed),
                        ("step", "publish"),
                    ],
                )
                .await
                .status()
            })
        });
        for p in futures_util::future::join_all(presses).await {
            let s = p.unwrap();
            assert!(s.is_redirection(), "{s}");
        }
        let case = fb::get(&app.db, id).await.unwrap();
        assert_eq!(case.status, "answered");
        let answered: Vec<String> = notify::for_entity(&app.db, "feedback", id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.0)
            .filter(|e| e == "feedback.answered")
            .collect();
        assert_eq!(answered.len(), 1, "the citizen is told once");
        let events = fb::events(&app.db, id, false).await.unwrap();
        assert_eq!(events.iter().filter(|e| e.kind == "answered").count(), 1);

        // The public page shows the reviewed text; the record keeps the original and the words.
        let (_, answers) = app.page(&format!("/feedback/answers?q={code}")).await;
        let public = text_of(&answers, "article.public-case");
        assert!(
            public.contains("[…] đã bồi thường cho bác […]; liên hệ […]."),
            "{public}"
        );
        assert!(!answers.contains("Bình Minh") && !answers.contains("0912"));
        assert_eq!(case.answer, draft);
        assert_eq!(case.public_extra, "hop tac xa binh minh");
        let log = audit::latest(&app.db, "/", true, 100, 0).await.unwrap();
        let row = log
            .iter()
            .find(|r| r.action == "feedback.publish" && r.entity_id == Some(id))
            .expect("an audit entry for the publication");
        assert!(row.detail.contains("1 extra words"), "{}", row.detail);
        assert!(
            !row.detail.contains("Bình Minh"),
            "the words stay on the case"
        );
        // The citizen reads the full answer on their own page.
        let citizen = app.another_visitor();
        let r = citizen
            .post_form(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", &code), ("contact", "0987111222")],
            )
            .await;
        let (_, own) = citizen.page(&location(&r)).await;
        assert!(own.contains(draft), "the citizen's own answer is whole");
    }
);

both_databases!(
    a_leader_takes_a_published_text_down_and_only_a_leader_puts_it_back,
    |app: TestApp| async move {
        let code = send_case(&app, "Cổng chợ ngập nước.", vec![]).await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let id = accepted(&official, &code).await;
        official.answer_and_publish(id, "Xã đã nạo vét cống.").await;
        let page = format!("/feedback/cases/{id}");
        let sid = id.to_string();
        let listed = |app: TestApp, code: String| async move {
            let (_, html) = app.page(&format!("/feedback/answers?q={code}")).await;
            text_of(&html, "article.public-case").contains(&code)
        };
        assert!(listed(app.another_visitor(), code.clone()).await);
        // An official may not take it down.
        let (_, body) = official.page(&page).await;
        assert!(
            !body.contains("/api/feedback/withdraw"),
            "no take-down for an official"
        );
        let (_, body) = official
            .submit(
                &page,
                "/api/feedback/withdraw",
                &[("id", &sid), ("reason", "Thử")],
            )
            .await;
        assert!(body.contains("không có quyền xem hoặc thay đổi"), "{body}");
        // The leader does, with a reason.
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let (_, body) = leader
            .submit(
                &page,
                "/api/feedback/withdraw",
                &[("id", &sid), ("reason", "")],
            )
            .await;
        assert!(
            body.contains("Vui lòng nhập thông tin này"),
            "a reason is needed"
        );
        let (_, body) = leader
            .submit(
                &page,
                "/api/feedback/withdraw",
                &[
                    ("id", &sid),
                    ("reason", "Người dân đề nghị không công khai"),
                ],
            )
            .await;
        assert!(body.contains("Đã gỡ khỏi trang công khai"), "{body}");
        assert!(!listed(app.another_visitor(), code.clone()).await, "gone");
        let (_, again) = leader
            .submit(
                &page,
                "/api/feedback/withdraw",
                &[("id", &sid), ("reason", "Lần nữa")],
            )
            .await;
        assert!(again.contains("không có trên trang công khai"), "once");
        let log = audit::latest(&app.db, "/", true, 100, 0).await.unwrap();
        assert!(log
            .iter()
            .any(|r| r.action == "feedback.withdraw" && r.entity_id == Some(id)));
        let events = fb::events(&app.db, id, false).await.unwrap();
        let w = events.iter().find(|e| e.kind == "withdrawn").unwrap();
        assert!(!w.public, "an internal step");
        // The citizen still reads their answer.
        let citizen = app.another_visitor();
        let r = citizen
            .post_form(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", &code), ("contact", "binh.tran@gmail.com")],
            )
            .await;
        let (_, own) = citizen.page(&location(&r)).await;
        assert!(own.contains("Xã đã nạo vét cống."));
        // Only a leader publishes it again, from its review.
        let (_, body) = official.page(&page).await;
        assert!(!body.contains("/api/feedback/review"));
        let (_, body) = leader
            .review_and_publish(&page, "/api/feedback/review", "")
            .await;
        assert!(body.contains("Đã công khai lại"), "{body}");
        assert!(listed(app.another_visitor(), code.clone()).await);

        // Minutes: published by the official, taken down by the leader, gone from the public
        // pages; the official cannot put them back, the leader can.
        let s = held_session(&app, ("Đỗ Thị Nga", "0912 000 777", "")).await;
        let manage = format!("/sessions/manage/{s}");
        official
            .submit(
                &manage,
                "/api/sessions/question",
                &[
                    ("id", &s.to_string()),
                    ("asker", "Đỗ Thị Nga"),
                    ("question", "Khi nào có đèn đường?"),
                ],
            )
            .await;
        let (_, body) = official
            .review_and_publish(&manage, "/api/sessions/publish_minutes", "")
            .await;
        assert!(body.contains("Đã công bố biên bản"), "{body}");
        assert!(
            !body.contains("/api/sessions/withdraw_minutes"),
            "not for an official"
        );
        let (_, body) = leader
            .submit(
                &manage,
                "/api/sessions/withdraw_minutes",
                &[("id", &s.to_string()), ("reason", "Cần sửa")],
            )
            .await;
        assert!(body.contains("Đã gỡ khỏi trang công khai"), "{body}");
        let (_, public) = app.page(&format!("/sessions/{s}")).await;
        assert!(!public.contains("Khi nào có đèn đường?"));
        let (_, calendar) = app.page("/sessions").await;
        assert!(!calendar.contains(&format!("/sessions/{s}#minutes")));
        let (_, body) = official.page(&manage).await;
        assert!(
            !body.contains("/api/sessions/publish_minutes"),
            "the official cannot"
        );
        let (_, body) = official
            .submit(
                &manage,
                "/api/sessions/publish_minutes",
                &[
                    ("id", &s.to_string()),
                    ("step", "publish"),
                    ("reviewed", "x"),
                ],
            )
            .await;
        assert!(body.contains("không có quyền xem hoặc thay đổi"), "{body}");
        let (_, body) = leader
            .review_and_publish(&manage, "/api/sessions/publish_minutes", "")
            .await;
        assert!(body.contains("Đã công bố biên bản"), "{body}");
        let (_, public) = app.page(&format!("/sessions/{s}")).await;
        assert!(public.contains("Khi nào có đèn đường?"));
        let log = audit::latest(&app.db, "/", true, 100, 0).await.unwrap();
        assert!(log
            .iter()
            .any(|r| r.action == "session.withdraw_minutes" && r.detail == "Cần sửa"));
    }
);

both_databases!(
    the_public_minutes_are_the_text_reviewed_not_a_later_edit,
    |app: TestApp| async move {
        let s = held_session(&app, ("Lò Văn Páo", "0912 000 888", "")).await;
        let manage = format!("/sessions/manage/{s}");
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let (_, body) = official
            .submit(
                &manage,
                "/api/sessions/question",
                &[
                    ("id", &s.to_string()),
                    ("asker", "Lò Văn Páo"),
                    ("question", "Cầu treo qua suối Nậm Lướt hỏng."),
                ],
            )
            .await;
        assert!(body.contains("flash-ok"));
        // Before review nothing is public; the review page is the one to publish from.
        let (_, public) = app.page(&format!("/sessions/{s}")).await;
        assert!(!public.contains("Cầu treo"));
        official
            .review_and_publish(&manage, "/api/sessions/publish_minutes", "")
            .await;
        let qid = sessions::questions(&app.db, s).await.unwrap()[0].id;
        // An edit after publication is not public until it is reviewed and published again.
        let (_, body) = official
            .submit(
                &manage,
                "/api/sessions/question",
                &[
                    ("id", &s.to_string()),
                    ("question_id", &qid.to_string()),
                    ("asker", "Lò Văn Páo"),
                    (
                        "question",
                        "Cầu treo qua suối Nậm Lướt hỏng; gọi anh Páo 0911 222 333.",
                    ),
                ],
            )
            .await;
        assert!(
            body.contains("/api/sessions/publish_minutes"),
            "to review again"
        );
        let (_, public) = app.page(&format!("/sessions/{s}")).await;
        let m = text_of(&public, "section.minutes");
        assert!(
            m.contains("Cầu treo qua suối Nậm Lướt hỏng.") && !m.contains("0911"),
            "{m}"
        );
        official
            .review_and_publish(&manage, "/api/sessions/publish_minutes", "Nậm Lướt")
            .await;
        let (_, public) = app.page(&format!("/sessions/{s}")).await;
        let m = text_of(&public, "section.minutes");
        assert!(
            m.contains("Cầu treo qua suối […] hỏng; gọi anh […] […]."),
            "{m}"
        );
    }
);

/// Payloads that end the element or the attribute they are written in. Each marks what it
/// would create with `data-pwn` or an address at `evil.example`.
const PAYLOADS: &[&str] = &[
    "</textarea><meta http-equiv=\"refresh\" content=\"1;url=https://evil.example/\" data-pwn=\"1\">",
    "</textarea><script data-pwn=\"1\">alert(1)</script>",
    "\"><img src=x onerror=alert(1) data-pwn=\"1\">",
    "'><svg onload=alert(1) data-pwn=\"1\"></svg>",
    "</title><base href=\"https://evil.example/\" data-pwn=\"1\">",
    "<iframe src=\"https://evil.example/\" data-pwn=\"1\"></iframe>",
    "</option></select><form action=\"https://evil.example/\" data-pwn=\"1\"><button>x</button></form>",
];

/// What a payload would have made of the page, if anything.
fn injected(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut out = Vec::new();
    let all = Selector::parse("*").unwrap();
    for e in doc.select(&all) {
        let el = e.value();
        for (k, v) in el.attrs() {
            // A value attribute holds what was typed, as text.
            if k == "value" {
                continue;
            }
            // A link or an address elsewhere (not a link of this site carrying the text).
            let elsewhere =
                (v.starts_with("http") || v.starts_with("//") || v.contains(";url=http"))
                    && v.contains("evil.example");
            if k == "data-pwn" || elsewhere || k.starts_with("on") {
                out.push(format!("<{} {k}={v:?}>", el.name()));
            }
        }
        if matches!(el.name(), "base" | "iframe") {
            out.push(format!("<{}>", el.name()));
        }
        if el.name() == "script" && el.attr("src").is_none() {
            out.push("an inline <script>".into());
        }
        if el.name() == "meta"
            && el
                .attr("http-equiv")
                .is_some_and(|h| h.eq_ignore_ascii_case("refresh"))
        {
            let to = el.attr("content").unwrap_or("");
            if !to.contains("url=/") {
                out.push(format!("<meta refresh {to:?}>"));
            }
        }
    }
    out
}

/// The endpoints whose form shows a textarea again with what was typed (the form error path or
/// the saved value), each of which must show the payload as its text.
const TEXTAREA_FORMS: &[&str] = &[
    "feedback/submit",
    "feedback/classify",
    "feedback/answer",
    "feedback/review",
    "feedback/approve",
    "feedback/return",
    "sessions/signup",
    "sessions/question",
    "sessions/publish_minutes",
    "sessions/rate",
    "survey/submit",
    "notify/template",
];

both_databases!(
    break_out_payloads_stay_text_in_every_form_field,
    |app: TestApp| async move {
        // Content-Security-Policy: no base element, no form posting elsewhere, no plugin, no
        // inline script (a meta refresh cannot be refused by CSP: escaping is what stops it).
        let r = app.get("/").await;
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        for d in [
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(d), "{d} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");

        let mut fp = form_pages(&app).await;
        // The case form as a kiosk shows it (the issue's example).
        fp.pages.push((KIOSK, "/feedback/new".into()));
        // Citizens' pages first: the staff's forms change what they show (a session cancelled
        // with a reason that is a payload takes its sign-up form away).
        fp.pages.sort_by_key(|(who, _)| *who == ADMIN);
        let mut wrong = Vec::new();
        let mut echoed = std::collections::BTreeSet::new();
        let mut posts = 0;
        for (who, path) in fp.list() {
            let (status, html) = who.page(&path).await;
            if status != 200 {
                continue;
            }
            for form in forms_of(&html) {
                let endpoint = form.action.trim_start_matches("/api/").to_string();
                if form.action == "/api/logout"
                    || form.action == "/api/login" && who.session_cookie().is_some()
                {
                    continue;
                }
                let doc = Html::parse_document(&html);
                let hidden_sel = Selector::parse("input[type=hidden]").unwrap();
                let hidden: Vec<String> = doc
                    .select(&hidden_sel)
                    .filter_map(|e| e.value().attr("name").map(str::to_string))
                    .collect();
                // The fields a person types into get each payload; the hidden ones keep
                // their values (then, once, get a payload too).
                let typed: Vec<&String> =
                    form.names.iter().filter(|n| !hidden.contains(n)).collect();
                // Each payload as it is, and past every length limit (so that the form comes
                // back with what was typed even where the payload itself would be accepted).
                let has_textarea = html.contains("<textarea");
                // The over-long ones first: a payload accepted as it is may move the page on
                // (a case sent back to its official no longer shows the form).
                let mut rounds: Vec<(String, bool)> = Vec::new();
                if has_textarea {
                    for p in PAYLOADS {
                        rounds.push((format!("{p}{}", "x".repeat(5001)), false));
                    }
                }
                for p in PAYLOADS {
                    rounds.push((p.to_string(), false));
                }
                rounds.push((PAYLOADS.concat(), true));
                for (payload, everything) in rounds {
                    if !everything && typed.is_empty() {
                        continue;
                    }
                    let fields: Vec<(String, String)> = form
                        .names
                        .iter()
                        .map(|n| {
                            let hidden_field = hidden.contains(n);
                            if hidden_field && !everything {
                                let v = form
                                    .defaults
                                    .iter()
                                    .find(|(k, _)| k == n)
                                    .map(|(_, v)| v.clone())
                                    .unwrap_or_default();
                                (n.clone(), v)
                            } else {
                                (n.clone(), payload.clone())
                            }
                        })
                        .collect();
                    langnghe_app::db::throttle::purge(
                        &app.db,
                        Utc::now() + chrono::Duration::days(1),
                    )
                    .await
                    .unwrap();
                    let (back, body) = if form.get {
                        let q: String = url::form_urlencoded::Serializer::new(String::new())
                            .extend_pairs(&fields)
                            .finish();
                        let to = format!("{}?{q}", form.action);
                        let (_, body) = who.page(&to).await;
                        (to, body)
                    } else {
                        let r = post(who, &path, &form.action, form.multipart, &fields).await;
                        posts += 1;
                        let s = r.status().as_u16();
                        if s >= 500 {
                            wrong.push(format!("{path} → {endpoint}: {s}"));
                            continue;
                        }
                        if !r.status().is_redirection() {
                            let body = r.text().await.unwrap_or_default();
                            (path.clone(), body)
                        } else {
                            let to = location(&r);
                            let (_, body) = who.page(&to).await;
                            (to, body)
                        }
                    };
                    for i in injected(&body) {
                        wrong.push(format!("{path} → {endpoint} → {back}: {i}"));
                    }
                    if everything {
                        continue;
                    }
                    // Shown again as text: a textarea holds exactly what was typed.
                    let doc = Html::parse_document(&body);
                    let ta = Selector::parse("textarea[name]").unwrap();
                    for t in doc.select(&ta) {
                        let name = t.value().attr("name").unwrap_or("");
                        if typed.iter().any(|n| *n == name)
                            && t.text().collect::<String>() == payload
                        {
                            echoed.insert(endpoint.clone());
                        }
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        let missing: Vec<&&str> = TEXTAREA_FORMS
            .iter()
            .filter(|e| !echoed.contains(**e))
            .collect();
        assert!(
            missing.is_empty(),
            "textareas that never showed the payload back as text: {missing:?} (shown: {echoed:?})"
        );
        langnghe_tests::figure(
            "privacy",
            &format!(
                "{:?}: {} break-out posts ({} payloads, every form field) on {} pages: no element injected, {} textarea forms show the payload as text",
                app.backend,
                posts,
                PAYLOADS.len() + 1,
                fp.pages.len(),
                echoed.len()
            ),
        );
    }
);

/// A file that is a PDF to anything reading its first bytes, and a web page to a browser.
const POLYGLOT: &[u8] =
    b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body></html>\n%%EOF\n";

both_databases!(
    a_polyglot_attachment_is_served_as_a_pdf_under_a_name_we_make,
    |app: TestApp| async move {
        let code = send_case(
            &app,
            "Đơn kèm theo.",
            vec![
                ("evil.html", "text/html", POLYGLOT.to_vec()),
                (
                    "invoice_\u{202e}fdp.exe",
                    "application/pdf",
                    b"%PDF-1.7\n%%EOF\n".to_vec(),
                ),
            ],
        )
        .await;
        let case = fb::by_code(&app.db, &code).await.unwrap().unwrap();
        let files = fb::attachments(&app.db, case.id).await.unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[1].file_name, "invoice_fdp.exe",
            "the override is gone"
        );
        let official = app.another_visitor();
        official.login_as("canbo").await;
        for (n, f) in files.iter().enumerate() {
            let r = official
                .get(&format!("/feedback/cases/{}/files/{}", case.id, f.id))
                .await;
            assert_eq!(r.status(), 200);
            let h = r.headers();
            assert_eq!(h["content-type"], "application/pdf");
            assert_eq!(h["x-content-type-options"], "nosniff");
            let name = format!("hs-{code}-{}.pdf", n + 1);
            assert_eq!(
                h["content-disposition"].to_str().unwrap(),
                format!("attachment; filename=\"{name}\"; filename*=UTF-8''{name}")
            );
        }
        let r = official
            .get(&format!(
                "/feedback/cases/{}/files/{}",
                case.id, files[0].id
            ))
            .await;
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            POLYGLOT,
            "the bytes as sent"
        );
        // The case page links the generated names and shows the sender's as plain text.
        let (_, page) = official.page(&format!("/feedback/cases/{}", case.id)).await;
        let links = text_of(&page, "ul.files a[download]");
        assert!(
            links.contains(&format!("hs-{code}-1.pdf"))
                && links.contains(&format!("hs-{code}-2.pdf")),
            "{links}"
        );
        let listed = text_of(&page, "ul.files");
        assert!(listed.contains("evil.html") && listed.contains("invoice_fdp.exe"));
        assert!(!page.contains('\u{202e}'), "no override on the page");
    }
);

both_databases!(
    decomposed_text_is_stored_composed_answered_and_found,
    |app: TestApp| async move {
        // A procedure saved through the form with its name typed decomposed.
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let (_, body) = admin
            .submit(
                "/admin/procedures/new",
                "/api/procedures/save",
                &[
                    ("code", "9.000917"),
                    ("name", &nfd("Đăng ký biến động đất đai lần đầu")),
                    ("field", &nfd("Đất đai")),
                    ("processing_days", "10"),
                    ("active", "1"),
                ],
            )
            .await;
        assert!(body.contains("flash-ok"), "{body}");
        let p = procedures::get_by_code(&app.db, "9.000917")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            p.name, "Đăng ký biến động đất đai lần đầu",
            "stored composed"
        );
        // One written straight to the database decomposed (an import, an older row): folding
        // must not write NUL (PostgreSQL refuses it) and must find it.
        let mut tx = app.db.begin().await.unwrap();
        procedures::upsert(
            &mut tx,
            None,
            &langnghe_app::domain::procedure::ProcedureInput {
                code: "9.000918".into(),
                name: nfd("Cấp đổi giấy chứng nhận quyền sử dụng đất"),
                field: nfd("Đất đai"),
                processing_days: 7,
            },
        )
        .await
        .expect("a decomposed procedure is saved");
        tx.commit().await.unwrap();
        let nul: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM procedures WHERE search_text LIKE '%' || CHR(0) || '%'").fetch_one(c).await)
        .unwrap_or(0);
        assert_eq!(nul, 0);
        let nfd_query: String =
            url::form_urlencoded::byte_serialize(nfd("biến động").as_bytes()).collect();
        for q in ["bien+dong+dat+dai", nfd_query.as_str(), "BIẾN+ĐỘNG"] {
            let (_, html) = app.page(&format!("/procedures?q={q}")).await;
            assert!(html.contains("9.000917"), "{q} finds the procedure");
        }
        let cap: String = url::form_urlencoded::byte_serialize(nfd("cấp đổi").as_bytes()).collect();
        for q in ["cap+doi+giay", cap.as_str()] {
            let (_, html) = app.page(&format!("/procedures?q={q}")).await;
            assert!(
                html.contains("9.000918"),
                "{q} finds the one stored decomposed"
            );
        }

        // A case typed decomposed, answered decomposed, published and found.
        let code = send_case(
            &app,
            &nfd("Thủ tục đất đai ở xã giải quyết quá chậm."),
            vec![],
        )
        .await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let id = accepted(&official, &code).await;
        let (_, body) = official
            .answer_and_publish(
                id,
                &nfd("Xã đã rút ngắn thời gian giải quyết thủ tục đất đai."),
            )
            .await;
        assert!(body.contains("Đã trả lời"), "published: {body}");
        let case = fb::get(&app.db, id).await.unwrap();
        assert_eq!(case.content, "Thủ tục đất đai ở xã giải quyết quá chậm.");
        assert_eq!(
            case.answer,
            "Xã đã rút ngắn thời gian giải quyết thủ tục đất đai."
        );
        let rut: String =
            url::form_urlencoded::byte_serialize(nfd("rút ngắn").as_bytes()).collect();
        for q in ["rut+ngan+thoi+gian", rut.as_str(), "r%C3%BAt+ng%E1%BA%AFn"] {
            let (_, html) = app.page(&format!("/feedback/answers?q={q}")).await;
            assert!(
                text_of(&html, "article.public-case").contains(&code),
                "{q} finds the answer"
            );
        }
        // Straight into the database decomposed, then answered: no NUL in the search column.
        let (cid, ccode) = app
            .case_received_on("XAPL", langnghe_app::db::today(), "0912345678", "vi")
            .await;
        langnghe_app::db_run!(&app.db, c => sqlx::query("UPDATE feedback_cases SET content = $1 WHERE id = $2")
            .bind(nfd("Lệ phí trước bạ quá cao")).bind(cid).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        accepted(&official, &ccode).await;
        official
            .answer_and_publish(cid, &nfd("Lệ phí theo Nghị định 10/2022"))
            .await;
        let nul: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM feedback_cases WHERE public_search LIKE '%' || CHR(0) || '%'").fetch_one(c).await)
        .unwrap_or(0);
        assert_eq!(nul, 0);
        let (_, html) = app.page("/feedback/answers?q=le+phi+truoc+ba").await;
        assert!(text_of(&html, "article.public-case").contains(&ccode));

        // Any posted form, not only those parsed by the validators: a kiosk's comment typed
        // decomposed is stored (and hash-chained) composed.
        let kiosk = app.another_visitor();
        let token = langnghe_app::db::demo::demo_kiosk_token(0);
        kiosk.get(&format!("/kiosk?token={token}")).await;
        let r = kiosk
            .post_form(
                "/kiosk",
                "/api/kiosk/rate",
                &[("score", "5"), ("nonce", "nfd-1")],
            )
            .await;
        let thanks = location(&r);
        let (_, page) = kiosk.page(&thanks).await;
        let rid = form_value(&page, "/api/kiosk/details", "r").expect("the second step");
        let sig = form_value(&page, "/api/kiosk/details", "s").unwrap();
        let comment = nfd("Cán bộ hướng dẫn tận tình");
        kiosk
            .post_form(
                &thanks,
                "/api/kiosk/details",
                &[("r", &rid), ("s", &sig), ("comment", &comment)],
            )
            .await;
        let stored: String = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT comment FROM rating_comments WHERE rating_id = $1")
            .bind(rid.parse::<i64>().unwrap()).fetch_one(c).await)
        .unwrap();
        assert_eq!(stored, "Cán bộ hướng dẫn tận tình");
        let (checked, problems) = langnghe_app::db::ratings::verify(&app.db).await.unwrap();
        assert!(checked > 0 && problems.is_empty(), "the chain holds");
    }
);

both_databases!(
    a_message_without_a_gateway_is_not_sent_and_the_administrator_is_warned,
    |app: TestApp| async move {
        let link = app
            .survey_link(serde_json::json!({"code": "HS-NOGW", "unit_code": "XAPL",
                "citizen_phone": "0912 345 678", "completed_at": "2026-11-20T09:30:00+07:00"}))
            .await;
        let http = reqwest::Client::new();
        let n = langnghe_app::notify::run_once_at(&app.db, &app.base, &http, "w", Utc::now())
            .await
            .unwrap();
        assert_eq!(n, 1);
        let log = notify::log(&app.db, false, 10).await.unwrap();
        let row = log.iter().find(|d| d.event == "survey.invitation").unwrap();
        assert_eq!(row.status, "unsent");
        assert_eq!(
            (row.body.as_str(), row.subject.as_str()),
            ("", ""),
            "no text kept"
        );
        assert_eq!(row.recipient, "…678");
        assert_eq!(row.sent_at, None);
        // Not tried again: nothing is due.
        assert_eq!(
            langnghe_app::notify::run_once_at(&app.db, &app.base, &http, "w", Utc::now())
                .await
                .unwrap(),
            0
        );
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let (_, page) = admin.page("/admin/notifications").await;
        assert!(
            page.contains("Chưa gửi — chưa cấu hình cổng gửi"),
            "in the delivery log"
        );
        assert!(page.contains("Có tin nhắn không được gửi") && page.contains("1 tin chưa gửi"));
        let token = link.rsplit('/').next().unwrap();
        assert!(
            !page.contains(token),
            "the one-time link is nowhere on the page"
        );
        let (_, home) = admin.page("/staff").await;
        assert!(
            home.contains("Có tin nhắn không được gửi"),
            "on the staff home"
        );
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let (_, home) = official.page("/staff").await;
        assert!(
            !home.contains("Có tin nhắn không được gửi"),
            "for the administrator only"
        );
    }
);

both_databases!(
    texts_published_under_older_rules_are_made_again_at_start,
    |app: TestApp| async move {
        // An answer and minutes published by an older version, with the phone left in (as the
        // issue found them); the next start makes them again with the current rules.
        let code = send_case(&app, "Cống thoát nước tắc.", vec![]).await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let id = accepted(&official, &code).await;
        official
            .answer_and_publish(id, "Đã thông cống; gọi 0912 345 678 nếu tắc lại.")
            .await;
        let s = held_session(&app, ("Hà Văn Sơn", "0912 000 999", "")).await;
        let manage = format!("/sessions/manage/{s}");
        official
            .submit(
                &manage,
                "/api/sessions/question",
                &[
                    ("id", &s.to_string()),
                    ("asker", "Hà Văn Sơn"),
                    ("question", "Anh Sơn hỏi về cống."),
                ],
            )
            .await;
        official
            .review_and_publish(&manage, "/api/sessions/publish_minutes", "")
            .await;
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE feedback_cases SET public_answer = 'Đã thông cống; gọi 0912 345 678 nếu tắc lại.', public_rules = 0 WHERE id = $1")
            .bind(id).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE session_questions SET public_question = 'Anh Sơn hỏi về cống.', public_at = NULL WHERE session_id = $1")
            .bind(s).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE dialogue_sessions SET minutes_rules = 0 WHERE id = $1")
            .bind(s).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        let (_, before) = app.page(&format!("/feedback/answers?q={code}")).await;
        assert!(before.contains("0912 345 678"), "the old text, as it was");
        app.db.migrate().await.unwrap();
        let (_, after) = app.page(&format!("/feedback/answers?q={code}")).await;
        let public = text_of(&after, "article.public-case");
        assert!(
            public.contains("Đã thông cống; gọi […] nếu tắc lại."),
            "{public}"
        );
        let (_, minutes) = app.page(&format!("/sessions/{s}")).await;
        let m = text_of(&minutes, "section.minutes");
        assert!(m.contains("Anh […] hỏi về cống."), "{m}");
        let case = fb::get(&app.db, id).await.unwrap();
        assert_eq!(
            case.answer, "Đã thông cống; gọi 0912 345 678 nếu tắc lại.",
            "the record stays"
        );
    }
);
