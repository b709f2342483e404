//! Feedback cases: the citizen's form and lookup, every step of handling, deadlines on the
//! working-day calendar, apologies, access between units, the public page and attachments.

use chrono::NaiveDate;
use langnghe_app::db::{calendar, feedback as fb, notify};
use langnghe_tests::{both_databases, location, TestApp};
use reqwest::multipart::{Form, Part};
use reqwest::Response;

/// A file whose bytes are a PNG (signature and header chunk).
fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    v.extend_from_slice(&[0x90, 0x77, 0x53, 0xDE]);
    v
}

const CITIZEN: [(&str, &str); 5] = [
    ("name", "Nguyễn Văn An"),
    ("phone", "0912 345 678"),
    ("email", "an.nguyen@example.vn"),
    ("address", "12 Lê Lợi, xã An Phú Lâm"),
    (
        "content",
        "Thủ tục đất đai yêu cầu nộp lại bản sao sổ hộ khẩu. Tôi là Nguyễn Văn An, số 0912345678.",
    ),
];

/// Posts the case form (multipart) from `page`, with `fields` and optional files.
async fn post_case(
    app: &TestApp,
    page: &str,
    fields: &[(&str, &str)],
    files: Vec<(&str, &str, Vec<u8>)>,
) -> Response {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
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
    app.client
        .post(app.url("/api/feedback/submit"))
        .header("Origin", &app.base)
        .header("Referer", app.url(page))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn citizen_fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<(&'a str, &'a str)> = CITIZEN.to_vec();
    v.push(("consent", "1"));
    v.extend_from_slice(extra);
    v
}

/// A citizen sends a case on the web; returns its code (the redirect goes to its page).
async fn citizen_sends(app: &TestApp, extra: &[(&'static str, &'static str)]) -> String {
    let r = post_case(app, "/feedback/new", &citizen_fields(extra), vec![]).await;
    let to = location(&r);
    assert!(to.starts_with("/feedback/track/PA"), "sent: {to}");
    to.trim_start_matches("/feedback/track/").to_string()
}

/// An official enters a case received on `day` (by phone) for unit `unit` (empty: their own).
async fn official_enters(app: &TestApp, day: NaiveDate, unit: &str) -> i64 {
    let day = day.to_string();
    let mut fields = citizen_fields(&[("mode", "staff"), ("channel", "phone")]);
    fields.push(("received_on", &day));
    fields.push(("unit_id", unit));
    let r = post_case(app, "/feedback/cases/new", &fields, vec![]).await;
    let to = location(&r);
    assert!(to.starts_with("/feedback/cases/"), "entered: {to}");
    to.trim_start_matches("/feedback/cases/").parse().unwrap()
}

async fn case_id(app: &TestApp, code: &str) -> i64 {
    fb::by_code(&app.db, code).await.unwrap().expect("case").id
}

/// The working day `n` working days before today on the seeded calendar.
async fn working_days_ago(app: &TestApp, n: u32) -> NaiveDate {
    let cal = calendar::load(&app.db).await.unwrap();
    let mut d = langnghe_app::db::today();
    let mut left = n;
    while left > 0 {
        d -= chrono::Duration::days(1);
        if cal.is_working(d) {
            left -= 1;
        }
    }
    d
}

both_databases!(
    a_citizen_sends_a_case_and_finds_it_by_code_and_phone,
    |app: TestApp| async move {
        let r = post_case(
            &app,
            "/feedback/new",
            &citizen_fields(&[]),
            vec![("don.png", "image/png", png())],
        )
        .await;
        let to = location(&r);
        assert!(to.starts_with("/feedback/track/PA"), "{to}");
        let code = to.trim_start_matches("/feedback/track/").to_string();
        let (status, body) = app.page(&to).await;
        assert_eq!(status, 200);
        assert!(
            body.contains(&code) && body.contains("Mới tiếp nhận"),
            "{body}"
        );
        assert!(body.contains("Đã gửi phản ánh"), "the flash gives the code");
        let case = fb::by_code(&app.db, &code).await.unwrap().unwrap();
        assert_eq!(case.channel, "web");
        assert_eq!(case.citizen_phone, "0912345678");
        assert_eq!(fb::attachments(&app.db, case.id).await.unwrap().len(), 1);
        let queued = notify::for_entity(&app.db, "feedback", case.id)
            .await
            .unwrap();
        assert_eq!(queued.len(), 1, "one receipt notice");
        assert_eq!(queued[0].0, "feedback.received");
        assert_eq!(queued[0].1, "email", "e-mail preferred when given");

        // Another browser needs the code and the phone number (in any format).
        let other = app.another_visitor();
        let r = other.get(&to).await;
        assert_eq!(location(&r), format!("/feedback/track?code={code}"));
        let (_, body) = other
            .submit(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", &code), ("contact", "0999999999")],
            )
            .await;
        assert!(
            body.contains("Không tìm thấy phản ánh"),
            "wrong phone refused"
        );
        let lower = code.to_lowercase();
        let r = other
            .post_form(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", &lower), ("contact", "+84 912 345 678")],
            )
            .await;
        assert_eq!(location(&r), to);
        let (status, body) = other.page(&to).await;
        assert_eq!(status, 200);
        assert!(body.contains("Quá trình xử lý") && body.contains("Tiếp nhận (kênh: Trang web)"));
    }
);

both_databases!(
    an_upload_that_is_not_a_pdf_jpeg_or_png_is_refused_and_the_form_kept,
    |app: TestApp| async move {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0 this program cannot be run".to_vec();
        let r = post_case(
            &app,
            "/feedback/new",
            &citizen_fields(&[]),
            vec![("anh-chup.jpg", "image/jpeg", exe)],
        )
        .await;
        assert_eq!(location(&r), "/feedback/new");
        let (_, body) = app.page("/feedback/new").await;
        assert!(
            body.contains("không phải PDF, JPEG hoặc PNG"),
            "clear message about the file"
        );
        assert!(body.contains("value=\"Nguyễn Văn An\""), "name kept");
        assert!(
            body.contains("value=\"12 Lê Lợi, xã An Phú Lâm\""),
            "address kept"
        );
        assert!(
            body.contains("Thủ tục đất đai yêu cầu nộp lại"),
            "content kept"
        );
        let (_, total) = fb::inbox(
            &app.db,
            "/",
            &Default::default(),
            langnghe_app::db::today(),
            langnghe_app::db::today(),
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(total, 0, "nothing saved");

        // Missing consent and contact are named, in Vietnamese.
        let r = post_case(
            &app,
            "/feedback/new",
            &[
                ("name", "Trần B"),
                ("address", "Xã X"),
                ("content", "Nội dung"),
            ],
            vec![],
        )
        .await;
        assert_eq!(location(&r), "/feedback/new");
        let (_, body) = app.page("/feedback/new").await;
        assert!(body.contains("Vui lòng nhập số điện thoại hoặc thư điện tử"));
        assert!(body.contains("Vui lòng đồng ý"));
        // A real PDF is accepted.
        let code = {
            let r = post_case(
                &app,
                "/feedback/new",
                &citizen_fields(&[]),
                vec![(
                    "to-trinh.pdf",
                    "application/octet-stream",
                    b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF".to_vec(),
                )],
            )
            .await;
            location(&r)
        };
        assert!(code.starts_with("/feedback/track/PA"), "{code}");
    }
);

both_databases!(
    an_official_of_another_unit_cannot_read_a_case_or_its_attachments,
    |app: TestApp| async move {
        let xapl = app.unit_id("XAPL").await.to_string();
        let r = post_case(
            &app,
            "/feedback/new",
            &citizen_fields(&[("unit_id", xapl.as_str())]),
            vec![("don.png", "image/png", png())],
        )
        .await;
        let code = location(&r)
            .trim_start_matches("/feedback/track/")
            .to_string();
        let id = case_id(&app, &code).await;
        let file = fb::attachments(&app.db, id).await.unwrap()[0].id;
        let case_url = format!("/feedback/cases/{id}");
        let file_url = format!("/feedback/cases/{id}/files/{file}");

        let anon = app.another_visitor();
        assert!(location(&anon.get(&file_url).await).starts_with("/login"));

        let stp = app.another_visitor();
        stp.login_as("canbo.stp").await;
        assert_eq!(stp.get(&case_url).await.status(), 403);
        assert_eq!(stp.get(&file_url).await.status(), 403);
        let (_, inbox) = stp.page("/feedback/cases").await;
        assert!(!inbox.contains(&code), "not in the other unit's inbox");
        let (_, body) = stp
            .submit(
                &case_url,
                "/api/feedback/assign",
                &[("id", &id.to_string()), ("assignee", "")],
            )
            .await;
        assert!(
            body.contains("không có quyền xem hoặc thay đổi"),
            "no step on it either"
        );

        let own = app.another_visitor();
        own.login_as("canbo").await;
        let (_, inbox) = own.page("/feedback/cases").await;
        assert!(inbox.contains(&code));
        let (status, body) = own.page(&case_url).await;
        assert_eq!(status, 200);
        assert!(body.contains("0912345678") && body.contains("don.png"));
        let r = own.get(&file_url).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.bytes().await.unwrap().to_vec(), png());
    }
);

both_databases!(
    an_official_handles_a_case_through_every_step,
    |app: TestApp| async move {
        app.login_as("canbo").await;
        let today = langnghe_app::db::today();
        let id = official_enters(&app, today, "").await;
        let case = fb::get(&app.db, id).await.unwrap();
        assert_eq!(case.channel, "phone");
        assert_eq!(case.unit_id, app.unit_id("XAPL").await);
        let url = format!("/feedback/cases/{id}");
        let sid = id.to_string();
        let me = langnghe_app::db::accounts::in_subtree(&app.db, "/")
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.username == "canbo")
            .unwrap()
            .id
            .to_string();
        let (_, body) = app
            .submit(
                &url,
                "/api/feedback/assign",
                &[("id", &sid), ("assignee", &me)],
            )
            .await;
        assert!(body.contains("Đã giao cho Lê Thị Cán"), "assigned");
        let (_, mine) = app.page("/feedback/cases?mine=1").await;
        assert!(mine.contains(&case.code));

        // Not accepted without a reason is refused; competent starts the handling deadline.
        let (_, body) = app
            .submit(
                &url,
                "/api/feedback/classify",
                &[("id", &sid), ("class", "not_accepted"), ("reason", "")],
            )
            .await;
        assert!(
            body.contains("Vui lòng nhập thông tin này"),
            "a reason is needed"
        );
        let (_, body) = app
            .submit(
                &url,
                "/api/feedback/classify",
                &[("id", &sid), ("class", "competent")],
            )
            .await;
        assert!(body.contains("Đang xử lý"), "{body}");
        let cal = calendar::load(&app.db).await.unwrap();
        let case = fb::get(&app.db, id).await.unwrap();
        assert_eq!(case.due_on, cal.add_working_days(today, 20));
        let (_, open) = app.page("/feedback/cases?status=open").await;
        assert!(open.contains(&case.code), "not answered yet");
        // A second classification is refused: the case has moved on.
        let (_, body) = app
            .submit(
                &url,
                "/api/feedback/classify",
                &[("id", &sid), ("class", "applying")],
            )
            .await;
        assert!(body.contains("vừa được người khác xử lý"));

        let (_, body) = app
            .answer_and_publish(id, "UBND xã đã bỏ yêu cầu nộp bản sao sổ hộ khẩu.")
            .await;
        assert!(
            body.contains("Đã trả lời") && body.contains("Trả lời đúng hạn"),
            "{body}"
        );
        let (_, open) = app.page("/feedback/cases?status=open").await;
        assert!(
            !open.contains(&case.code),
            "answered cases leave the open list"
        );
        let (_, body) = app
            .submit(&url, "/api/feedback/close", &[("id", &sid)])
            .await;
        assert!(body.contains("Đã kết thúc"));
        for step in [
            "Tiếp nhận (kênh: Điện thoại)",
            "Giao cho Lê Thị Cán",
            "Phân loại: Thuộc thẩm quyền xử lý",
            "Đã trả lời và công khai",
            "Kết thúc",
        ] {
            assert!(body.contains(step), "timeline has {step}");
        }

        // The citizen finds the answer and rates it once.
        let citizen = app.another_visitor();
        let r = citizen
            .post_form(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", &case.code), ("contact", "an.nguyen@example.vn")],
            )
            .await;
        let page = location(&r);
        let (_, body) = citizen.page(&page).await;
        assert!(
            body.contains("UBND xã đã bỏ yêu cầu"),
            "the answer is shown"
        );
        let (_, body) = citizen
            .submit(
                &page,
                "/api/feedback/rate",
                &[("code", &case.code), ("satisfied", "no")],
            )
            .await;
        assert!(body.contains("Ông/bà đã đánh giá: không hài lòng"));
        let (_, body) = citizen
            .submit(
                &page,
                "/api/feedback/rate",
                &[("code", &case.code), ("satisfied", "yes")],
            )
            .await;
        assert!(body.contains("Ông/bà đã đánh giá câu trả lời này rồi"));
        assert_eq!(
            fb::get(&app.db, id).await.unwrap().citizen_satisfied,
            Some(false)
        );
        // The rating feeds Decision 766's ratios: on time, but rated dissatisfied.
        let (_, inbox) = app.page("/feedback/cases").await;
        assert!(
            inbox.contains("1 phản ánh thuộc thẩm quyền: trả lời đúng hạn 100 %; không bị đánh giá không hài lòng hay quá hạn 0 %"),
            "766 ratios on the inbox"
        );
        let events: Vec<String> = notify::for_entity(&app.db, "feedback", id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.0)
            .collect();
        assert_eq!(
            events,
            [
                "feedback.received",
                "feedback.classified",
                "feedback.answered"
            ]
        );
    }
);

both_databases!(
    answers_wait_for_a_leader_when_approval_is_required,
    |app: TestApp| async move {
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let (_, body) = admin
            .submit(
                "/admin/calendar",
                "/api/calendar/settings",
                &[
                    ("forward_days", "5"),
                    ("applying_days", "10"),
                    ("competent_days", "20"),
                    ("due_soon_days", "2"),
                    ("apology_days", "5"),
                    ("approval_required", "1"),
                ],
            )
            .await;
        assert!(body.contains("Đã lưu thời hạn"));
        app.login_as("canbo").await;
        let id = official_enters(&app, langnghe_app::db::today(), "").await;
        let (url, sid) = (format!("/feedback/cases/{id}"), id.to_string());
        app.submit(
            &url,
            "/api/feedback/classify",
            &[("id", &sid), ("class", "applying")],
        )
        .await;
        let (_, body) = app.answer_and_publish(id, "Dự thảo lần một").await;
        assert!(body.contains("Chờ lãnh đạo duyệt"), "{body}");
        let (_, body) = app
            .submit(
                &url,
                "/api/feedback/approve",
                &[("id", &sid), ("step", "publish")],
            )
            .await;
        assert!(
            body.contains("không có quyền xem hoặc thay đổi"),
            "an official cannot approve"
        );
        let (_, answers) = app.page("/feedback/answers?q=du+thao").await;
        assert!(
            !answers.contains("Dự thảo lần một"),
            "not published before approval"
        );

        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let (_, body) = leader
            .submit(
                &url,
                "/api/feedback/return",
                &[("id", &sid), ("note", "Nêu rõ căn cứ pháp lý.")],
            )
            .await;
        assert!(body.contains("Lãnh đạo trả lại dự thảo: Nêu rõ căn cứ pháp lý."));
        app.answer_and_publish(id, "Dự thảo lần hai, theo Nghị định 20/2008")
            .await;
        let (_, body) = leader
            .review_and_publish(&url, "/api/feedback/approve", "")
            .await;
        assert!(body.contains("Lãnh đạo duyệt câu trả lời") && body.contains("Đã trả lời"));
        let (_, answers) = app.page("/feedback/answers?q=du+thao+lan+hai").await;
        assert!(
            answers.contains("Dự thảo lần hai"),
            "published after approval"
        );
        // The citizen never sees internal steps.
        let case = fb::get(&app.db, id).await.unwrap();
        let citizen = app.another_visitor();
        citizen
            .post_form(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", &case.code), ("contact", "0912345678")],
            )
            .await;
        let (_, body) = citizen
            .page(&format!("/feedback/track/{}", case.code))
            .await;
        assert!(!body.contains("Nêu rõ căn cứ") && !body.contains("Dự thảo lần một"));
    }
);

both_databases!(
    forwarding_after_five_working_days_is_flagged_late,
    |app: TestApp| async move {
        app.login_as("canbo").await;
        let stp = app.unit_id("STP").await.to_string();
        // Received 7 working days ago: the 5-day limit has passed.
        let late = official_enters(&app, working_days_ago(&app, 7).await, "").await;
        let on_time = official_enters(&app, working_days_ago(&app, 2).await, "").await;
        for (id, flagged) in [(late, true), (on_time, false)] {
            let (url, sid) = (format!("/feedback/cases/{id}"), id.to_string());
            let (_, body) = app
                .submit(
                    &url,
                    "/api/feedback/classify",
                    &[("id", &sid), ("class", "outside"), ("forward_unit", &stp)],
                )
                .await;
            let case = fb::get(&app.db, id).await.unwrap();
            assert_eq!(case.forward_late, flagged, "case {id}");
            assert_eq!(
                body.contains("Chuyển muộn"),
                flagged,
                "the page says it: {id}"
            );
            assert_eq!(
                case.unit_id,
                app.unit_id("STP").await,
                "now with the competent unit"
            );
            assert_eq!(case.status, "received");
        }
        // The competent unit has it in its inbox, flagged; the first unit can still read it.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        let (_, inbox) = other.page("/feedback/cases").await;
        let code = fb::get(&app.db, late).await.unwrap().code;
        assert!(inbox.contains(&code) && inbox.contains("Chuyển muộn"));
        assert_eq!(
            app.get(&format!("/feedback/cases/{late}")).await.status(),
            200
        );
        // Outside the province: the case ends with the body named.
        let ext = official_enters(&app, langnghe_app::db::today(), "").await;
        let (_, body) = app
            .submit(
                &format!("/feedback/cases/{ext}"),
                "/api/feedback/classify",
                &[
                    ("id", &ext.to_string()),
                    ("class", "outside"),
                    ("forward_external", "Bộ Tư pháp"),
                ],
            )
            .await;
        assert!(body.contains("Chuyển đến Bộ Tư pháp") && body.contains("Đã chuyển cơ quan khác"));
        // Forward without a target is refused with the field named.
        let none = official_enters(&app, langnghe_app::db::today(), "").await;
        let (_, body) = app
            .submit(
                &format!("/feedback/cases/{none}"),
                "/api/feedback/classify",
                &[("id", &none.to_string()), ("class", "outside")],
            )
            .await;
        assert!(body.contains("Chọn đơn vị có thẩm quyền"));
    }
);

both_databases!(
    a_not_accepted_case_shows_its_reason_on_the_lookup_page,
    |app: TestApp| async move {
        let code = citizen_sends(&app, &[]).await;
        let id = case_id(&app, &code).await;
        let official = app.another_visitor();
        official.login_as("quantri").await;
        official
            .submit(
                &format!("/feedback/cases/{id}"),
                "/api/feedback/classify",
                &[
                    ("id", &id.to_string()),
                    ("class", "not_accepted"),
                    (
                        "reason",
                        "Nội dung là khiếu nại, đề nghị gửi theo Luật Khiếu nại.",
                    ),
                ],
            )
            .await;
        let (_, body) = app.page(&format!("/feedback/track/{code}")).await;
        assert!(
            body.contains("Không thụ lý")
                && body.contains("Nội dung là khiếu nại, đề nghị gửi theo Luật Khiếu nại."),
            "{body}"
        );
    }
);

both_databases!(
    a_deadline_across_tet_and_a_weekend_and_the_apology_when_overdue,
    |app: TestApp| async move {
        let cal = calendar::load(&app.db).await.unwrap();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        // Seeded: the 2026 Lunar New Year break (14–22 February).
        assert_eq!(cal.add_working_days(d(2026, 2, 12), 5), d(2026, 2, 26));
        let settings = calendar::feedback_settings(&app.db).await.unwrap();
        let (id, code) = app
            .case_received_on("XAPL", d(2026, 2, 12), "0912000111", "vi")
            .await;
        let case = fb::get(&app.db, id).await.unwrap();
        assert_eq!(case.forward_due, d(2026, 2, 26));
        app.login_as("canbo").await;
        let (_, body) = app.page(&format!("/feedback/cases/{id}")).await;
        assert!(body.contains("26/02/2026"), "the deadline is shown");
        // The administrator's checker gives the same date.
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let (_, body) = admin.page("/admin/calendar?from=2026-02-12&n=5").await;
        assert!(body.contains("đến hạn Thứ Năm 26/02/2026"), "checker");

        // Past its deadline (when run after February 2026): one apology with a new date.
        let today = langnghe_app::db::today();
        if today > d(2026, 2, 26) {
            let (_, overdue) = app.page("/feedback/cases?due=overdue").await;
            assert!(overdue.contains(&code), "in the overdue filter");
            assert_eq!(
                langnghe_server::startup::apologise_overdue(&app.db)
                    .await
                    .unwrap(),
                1
            );
            assert_eq!(
                langnghe_server::startup::apologise_overdue(&app.db)
                    .await
                    .unwrap(),
                0,
                "once"
            );
            let case = fb::get(&app.db, id).await.unwrap();
            let promised = case.extended_due_on.expect("new date");
            assert_eq!(promised, cal.add_working_days(today, settings.apology_days));
            let citizen = app.another_visitor();
            citizen
                .post_form(
                    "/feedback/track",
                    "/api/feedback/track",
                    &[("code", &code), ("contact", "0912000111")],
                )
                .await;
            let (_, body) = citizen.page(&format!("/feedback/track/{code}")).await;
            let new_date = promised.format("%d/%m/%Y").to_string();
            assert!(
                body.contains("Thư xin lỗi và hẹn lại") && body.contains(&new_date),
                "{body}"
            );
            let sent: Vec<String> = notify::for_entity(&app.db, "feedback", id)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.0)
                .collect();
            assert!(sent.contains(&"feedback.apology".to_string()));
        }
    }
);

both_databases!(
    the_public_page_shows_no_personal_data_and_finds_words_without_diacritics,
    |app: TestApp| async move {
        let p = langnghe_app::db::procedures::get_by_code(&app.db, "1.012754")
            .await
            .unwrap()
            .unwrap();
        let proc = format!("{} — {}", p.code, p.name);
        let code = {
            let mut f = citizen_fields(&[]);
            f.push(("procedure", proc.as_str()));
            let r = post_case(&app, "/feedback/new", &f, vec![]).await;
            location(&r)
                .trim_start_matches("/feedback/track/")
                .to_string()
        };
        let id = case_id(&app, &code).await;
        assert_eq!(fb::get(&app.db, id).await.unwrap().procedure_id, Some(p.id));
        let official = app.another_visitor();
        official.login_as("quantri").await;
        let url = format!("/feedback/cases/{id}");
        official
            .submit(
                &url,
                "/api/feedback/classify",
                &[("id", &id.to_string()), ("class", "applying")],
            )
            .await;
        official
            .answer_and_publish(id, "Gửi ông Nguyễn Văn An (an.nguyen@example.vn): thủ tục đất đai không yêu cầu sổ hộ khẩu.")
            .await;
        for q in [
            "thu+tuc+dat+dai",
            "th%E1%BB%A7+t%E1%BB%A5c+%C4%91%E1%BA%A5t+%C4%91ai",
            "DAT+DAI+so+ho+khau",
        ] {
            let (_, body) = app.page(&format!("/feedback/answers?q={q}")).await;
            assert!(body.contains(&code), "{q} finds it");
            for personal in [
                "Nguyễn Văn An",
                "0912345678",
                "0912 345 678",
                "an.nguyen@example.vn",
                "12 Lê Lợi",
                "Lê Lợi",
            ] {
                assert!(!body.contains(personal), "{personal} is not shown");
            }
            assert!(
                body.contains("yêu cầu nộp lại bản sao sổ hộ khẩu"),
                "the rest is shown"
            );
        }
        let (_, body) = app.page("/feedback/answers?q=xay+dung+cau+duong").await;
        assert!(body.contains("0 câu trả lời"));
    }
);

both_databases!(
    the_calendar_is_edited_by_the_administrator_only,
    |app: TestApp| async move {
        let official = app.another_visitor();
        official.login_as("canbo").await;
        assert_eq!(official.get("/admin/calendar").await.status(), 403);
        app.login_as("quantri").await;
        // Thursday 4 March 2027 + 2 working days is Monday 8; with 8 March off, Tuesday 9.
        let (_, body) = app.page("/admin/calendar?from=2027-03-04&n=2").await;
        assert!(
            body.contains("08/03/2027"),
            "{}",
            &body[body.find("check-result").unwrap_or(0)..][..200]
        );
        let (_, body) = app
            .submit(
                "/admin/calendar",
                "/api/calendar/set",
                &[
                    ("day", "2027-03-08"),
                    ("kind", "holiday"),
                    ("name", "Nghỉ bù thử"),
                ],
            )
            .await;
        assert!(body.contains("Đã lưu ngày 08/03/2027") && body.contains("Nghỉ bù thử"));
        let (_, body) = app.page("/admin/calendar?from=2027-03-04&n=2").await;
        assert!(body.contains("09/03/2027"));
        // A make-up Saturday counts.
        app.submit(
            "/admin/calendar",
            "/api/calendar/set",
            &[
                ("day", "2027-03-06"),
                ("kind", "workday"),
                ("name", "Làm bù"),
            ],
        )
        .await;
        let (_, body) = app.page("/admin/calendar?from=2027-03-04&n=2").await;
        assert!(body.contains("Thứ Bảy 06/03/2027"), "make-up Saturday");
        app.submit(
            "/admin/calendar?year=2027",
            "/api/calendar/remove",
            &[("day", "2027-03-06")],
        )
        .await;
        app.submit(
            "/admin/calendar?year=2027",
            "/api/calendar/remove",
            &[("day", "2027-03-08")],
        )
        .await;
        let (_, body) = app.page("/admin/calendar?from=2027-03-04&n=2").await;
        assert!(body.contains("08/03/2027"));
        let (_, body) = app
            .submit(
                "/admin/calendar",
                "/api/calendar/settings",
                &[
                    ("forward_days", "0"),
                    ("applying_days", "x"),
                    ("competent_days", "20"),
                    ("due_soon_days", "2"),
                    ("apology_days", "5"),
                ],
            )
            .await;
        assert!(body.contains("Nhập số ngày làm việc từ 1 đến 365"));
        assert_eq!(
            calendar::feedback_settings(&app.db)
                .await
                .unwrap()
                .forward_days,
            5,
            "nothing saved"
        );
    }
);

both_databases!(
    a_case_sent_from_a_kiosk_records_its_channel_and_stays_private,
    |app: TestApp| async move {
        let token = langnghe_app::db::demo::demo_kiosk_token(0);
        let r = app.get(&format!("/kiosk?token={token}")).await;
        assert_eq!(location(&r), "/kiosk");
        let (_, faces) = app.page("/kiosk").await;
        assert!(
            faces.contains("href=\"/feedback/new\""),
            "the kiosk offers the form"
        );
        let r = post_case(&app, "/feedback/new", &citizen_fields(&[]), vec![]).await;
        let to = location(&r);
        assert!(to.starts_with("/feedback/sent/PA"), "{to}");
        let code = to.trim_start_matches("/feedback/sent/").to_string();
        let (_, body) = app.page(&to).await;
        assert!(
            body.contains(&code) && !body.contains("Nguyễn Văn An"),
            "only the code is shown"
        );
        let case = fb::by_code(&app.db, &code).await.unwrap().unwrap();
        assert_eq!(case.channel, "kiosk");
        let kiosk = langnghe_app::db::kiosks::kiosk_by_token(&app.db, &token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(case.unit_id, kiosk.unit_id, "the kiosk's unit by default");
        // The next visitor at the same kiosk cannot open it without the phone number.
        let r = app.get(&format!("/feedback/track/{code}")).await;
        assert_eq!(location(&r), format!("/feedback/track?code={code}"));
    }
);
