//! Journeys in headless Chromium. Each saves a screenshot under target/screenshots on failure.

use fantoccini::Locator;
use langnghe_app::db::{demo, ratings};
use langnghe_tests::{both_databases, Browser, TestApp};

both_databases!(
    a_citizen_rates_on_the_kiosk_page,
    |app: TestApp| async move {
        let Some(b) = Browser::start(1024, 600).await else {
            return;
        };
        let result = async {
            let token = demo::demo_kiosk_token(0);
            b.client
                .goto(&app.url(&format!("/kiosk?token={token}")))
                .await
                .map_err(|e| e.to_string())?;
            b.wait_for_path("/kiosk").await?;
            let face = b
                .client
                .find(Locator::Css("button.face-4"))
                .await
                .map_err(|e| e.to_string())?;
            face.click().await.map_err(|e| e.to_string())?;
            let thanks = b.wait_for_path("/kiosk/thanks").await?;
            let (list, total) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
                .await
                .map_err(|e| e.to_string())?;
            if total != 1 || list[0].score != 4 || list[0].channel != "kiosk" {
                return Err(format!(
                    "expected one kiosk rating of 4, got {total}: {list:?}"
                ));
            }
            // The optional second step: one element and a comment.
            let first = b
                .client
                .find(Locator::Css(".element-row .mini-face.face-2"))
                .await
                .map_err(|e| e.to_string())?;
            first.click().await.map_err(|e| e.to_string())?;
            let comment = b
                .client
                .find(Locator::Id("comment"))
                .await
                .map_err(|e| e.to_string())?;
            comment
                .send_keys("Cần thêm ghế chờ")
                .await
                .map_err(|e| e.to_string())?;
            b.click(".kiosk-actions button[type=submit]").await?;
            b.wait_for_path("/kiosk/done").await?;
            let (list, _) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
                .await
                .map_err(|e| e.to_string())?;
            if list[0].comment.as_deref() != Some("Cần thêm ghế chờ") {
                return Err(format!(
                    "comment not saved after {thanks}: {:?}",
                    list[0].comment
                ));
            }
            // The thank-you page goes back to the faces by itself.
            b.wait_for_exact_path("/kiosk").await?;
            Ok::<_, String>(())
        }
        .await;
        b.finish("kiosk-rating", app.backend, result).await;
    }
);

both_databases!(
    a_citizen_sends_a_case_in_the_browser_and_finds_it_by_its_code,
    |app: TestApp| async move {
        let Some(b) = Browser::start(360, 800).await else {
            return;
        };
        let result = async {
            let e = |e: fantoccini::error::CmdError| e.to_string();
            b.client.goto(&app.url("/feedback/new")).await.map_err(e)?;
            for (field, value) in [
                ("f-name", "Phan Thị Thu"),
                ("f-phone", "0905 123 456"),
                ("f-address", "Thôn Đông, xã An Phú Lâm"),
                ("f-content", "Đề nghị niêm yết lệ phí chứng thực tại quầy."),
            ] {
                b.fill(field, value).await?;
            }
            let png = std::env::temp_dir().join(format!("langnghe-{}.png", std::process::id()));
            std::fs::write(
                &png,
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0",
            )
            .map_err(|e| e.to_string())?;
            b.fill("f-files", &png.display().to_string()).await?;
            b.click("input[name=consent]").await?;
            b.click("form button[type=submit].btn-big").await?;
            let path = b.wait_for_path("/feedback/track/PA").await?;
            let code = path.trim_start_matches("/feedback/track/").to_string();
            let case = langnghe_app::db::feedback::by_code(&app.db, &code)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("case not saved")?;
            let files = langnghe_app::db::feedback::attachments(&app.db, case.id)
                .await
                .map_err(|e| e.to_string())?;
            if case.citizen_name != "Phan Thị Thu" || files.len() != 1 {
                return Err(format!("saved {case:?} with {} files", files.len()));
            }
            // Another day, another browser session: find it by code and phone.
            b.client.delete_all_cookies().await.map_err(e)?;
            b.client
                .goto(&app.url("/feedback/track"))
                .await
                .map_err(e)?;
            b.fill("f-code", &code).await?;
            b.fill("f-contact", "0905123456").await?;
            b.click("form button[type=submit]").await?;
            b.wait_for_exact_path(&format!("/feedback/track/{code}"))
                .await?;
            let text = b
                .client
                .find(Locator::Css("main"))
                .await
                .map_err(e)?
                .text()
                .await
                .map_err(e)?;
            if !text.contains(&code) || !text.contains("Mới tiếp nhận") {
                return Err(format!("lookup page: {text}"));
            }
            Ok::<_, String>(())
        }
        .await;
        b.finish("feedback-case", app.backend, result).await;
    }
);

both_databases!(
    a_citizen_signs_up_for_a_session_and_cancels_in_the_browser,
    |app: TestApp| async move {
        let id = app.published_session("saturday", 20, None).await;
        let Some(b) = Browser::start(360, 800).await else {
            return;
        };
        let result = async {
            let e = |e: fantoccini::error::CmdError| e.to_string();
            b.client.goto(&app.url("/sessions")).await.map_err(e)?;
            b.click(&format!("a[href='/sessions/{id}']")).await?;
            b.wait_for_exact_path(&format!("/sessions/{id}")).await?;
            for (field, value) in [
                ("f-name", "Phan Văn Đức"),
                ("f-phone", "0905 222 333"),
                ("f-topic", "Hỏi về cấp giấy phép xây dựng nhà ở riêng lẻ."),
            ] {
                b.fill(field, value).await?;
            }
            b.click("form button[type=submit].btn-big").await?;
            let path = b.wait_for_path("/sessions/signup/DT").await?;
            let code = path.trim_start_matches("/sessions/signup/").to_string();
            let main = |b: &Browser| {
                let c = b.client.clone();
                async move { c.find(Locator::Css("main")).await?.text().await }
            };
            let text = main(&b).await.map_err(e)?;
            if !text.contains(&code) || !text.contains("Đã xác nhận") {
                return Err(format!("confirmation page: {text}"));
            }
            b.fill("f-phone", "0905222333").await?;
            b.click("form[action='/api/sessions/cancel'] button[type=submit]")
                .await?;
            b.wait_for_exact_path(&format!("/sessions/signup/{code}"))
                .await?;
            let mut text = String::new();
            for _ in 0..50 {
                text = main(&b).await.map_err(e)?;
                if text.contains("Đã hủy đăng ký") {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            let su = langnghe_app::db::sessions::signup_by_code(&app.db, &code)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("sign-up not saved")?;
            if su.status != "cancelled" || !text.contains("Đã hủy") {
                return Err(format!("after cancelling: {} / {text}", su.status));
            }
            if langnghe_app::db::sessions::get(&app.db, id)
                .await
                .map_err(|e| e.to_string())?
                .confirmed_count
                != 0
            {
                return Err("the place was not given back".into());
            }
            Ok::<_, String>(())
        }
        .await;
        b.finish("session-signup", app.backend, result).await;
    }
);

both_databases!(
    a_leader_reads_the_dashboard_and_drills_from_the_ranking_into_a_unit,
    |app: TestApp| async move {
        // A few answers so the commune has figures; the 2 carries a comment.
        let inst: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
        .unwrap();
        let unit = app.unit_id("XAPL").await;
        let list = [5, 4, 4, 2, 5]
            .iter()
            .map(|s| {
                let mut r = ratings::NewRating::new(
                    unit,
                    inst,
                    langnghe_app::domain::rating::Channel::Web,
                    *s,
                );
                if *s == 2 {
                    r.comment = "Phải chờ quá lâu ở quầy đất đai".into();
                }
                (r, chrono::Utc::now() - chrono::Duration::hours(1))
            })
            .collect();
        ratings::save_many(&app.db, &Default::default(), list)
            .await
            .unwrap();
        let Some(b) = Browser::start(1280, 900).await else {
            return;
        };
        let result = async {
            b.sign_in(&app, "lanhdao", "langnghe-lanhdao").await?;
            // The dashboard first: this quarter's share, the low rating with its comment.
            b.click("main a[href='/dashboard']").await?;
            b.wait_for_exact_path("/dashboard").await?;
            let text = b.text("main").await?;
            for want in [
                "Bảng điều hành",
                "80.0 %",
                "Phiếu không hài lòng gần đây",
                "Phải chờ quá lâu ở quầy đất đai",
            ] {
                if !text.contains(want) {
                    return Err(format!("dashboard lacks {want:?}: {text}"));
                }
            }
            b.click("main a[href^='/indices?period=']").await?;
            b.wait_for_exact_path("/indices").await?;
            let text = b.text("main").await?;
            if !text.contains("Khối xã, phường") || !text.contains("80.0 %") {
                return Err(format!("ranking page: {text}"));
            }
            b.click(&format!("a[href^='/indices/unit/{unit}?']"))
                .await?;
            b.wait_for_path(&format!("/indices/unit/{unit}")).await?;
            let text = b.text("main").await?;
            if !text.contains("Xã An Phú Lạc")
                || !text.contains("80.0 %")
                || !text.contains("5 phiếu")
            {
                return Err(format!("unit page: {text}"));
            }
            b.text("svg.chart").await?;
            Ok::<_, String>(())
        }
        .await;
        b.finish("leader-dashboard-ranking", app.backend, result)
            .await;
    }
);

both_databases!(
    a_citizen_answers_the_survey_of_a_dossier_on_a_phone,
    |app: TestApp| async move {
        // The one-stop system sends the finished dossier; its reply carries the citizen's link.
        let link = app
            .survey_link(
                serde_json::json!({"code": "HS-PHONE-1", "unit_code": "XAPL",
                "procedure_code": "1.001193", "citizen_phone": "0912 345 678"}),
            )
            .await;
        let Some(b) = Browser::start(390, 844).await else {
            return;
        };
        let result = async {
            b.open(&link).await?;
            let text = b.text("main").await?;
            if !text.contains("HS-PHONE-1") {
                return Err(format!("survey page: {text}"));
            }
            // One detail answered but not the overall question: told so, the answer kept.
            b.click(".criterion label.face-3").await?;
            b.fill("f-comment", "Cán bộ hướng dẫn tận tình").await?;
            b.submit("form.survey button[type=submit]").await?;
            let text = b.text("main").await?;
            if !text.contains("Vui lòng chọn mức hài lòng chung.") {
                return Err(format!("no message for the missing overall answer: {text}"));
            }
            b.click("label[for='overall-4']").await?;
            b.click("form.survey button[type=submit]").await?;
            b.wait_for_exact_path("/s/done").await?;
            let (list, total) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
                .await
                .map_err(|e| e.to_string())?;
            let r = list.first().ok_or("no rating saved")?;
            if total != 1
                || r.score != 4
                || r.dossier_code.as_deref() != Some("HS-PHONE-1")
                || r.comment.as_deref() != Some("Cán bộ hướng dẫn tận tình")
            {
                return Err(format!("saved {total}: {list:?}"));
            }
            // The link is used up: opening it again says so.
            b.open(&link).await?;
            let text = b.text("main").await?;
            if !text.contains("Phiếu đã được sử dụng") {
                return Err(format!("second visit: {text}"));
            }
            Ok::<_, String>(())
        }
        .await;
        b.finish("phone-survey", app.backend, result).await;
    }
);

both_databases!(
    an_official_answers_a_case_and_the_citizen_reads_the_answer,
    |app: TestApp| async move {
        // A citizen's case for the commune, sent from the web form.
        let citizen = app.another_visitor();
        citizen.get("/feedback/new").await;
        let xapl = app.unit_id("XAPL").await.to_string();
        let code = citizen
            .send_case(&[
                ("name", "Trần Thị Bích"),
                ("phone", "0935 111 222"),
                ("address", "Thôn Tây, xã An Phú Lạc"),
                ("unit_id", xapl.as_str()),
                (
                    "content",
                    "Xin hỏi lệ phí đăng ký khai sinh quá hạn là bao nhiêu?",
                ),
                ("consent", "1"),
            ])
            .await;
        let case = langnghe_app::db::feedback::by_code(&app.db, &code)
            .await
            .unwrap()
            .expect("case sent");
        let Some(b) = Browser::start(1280, 800).await else {
            return;
        };
        let result = async {
            b.sign_in(&app, "canbo", "langnghe-canbo").await?;
            b.click("main a[href='/feedback/cases']").await?;
            b.wait_for_exact_path("/feedback/cases").await?;
            b.click(&format!("a[href='/feedback/cases/{}']", case.id))
                .await?;
            b.wait_for_exact_path(&format!("/feedback/cases/{}", case.id))
                .await?;
            b.click("input[name=class][value=competent]").await?;
            b.submit("form[action='/api/feedback/classify'] button[type=submit]")
                .await?;
            let text = b.text("main").await?;
            if !text.contains("Đang xử lý") {
                return Err(format!("after classifying: {text}"));
            }
            b.fill(
                "f-answer",
                "Đăng ký khai sinh quá hạn được miễn lệ phí theo Thông tư 85/2019/TT-BTC.",
            )
            .await?;
            b.submit("form[action='/api/feedback/answer'] button[type=submit]")
                .await?;
            // The public text is shown for review before anything goes public.
            let text = b.text("#review").await?;
            if !text.contains("Xem lại bản sẽ công khai") {
                return Err(format!("the review: {text}"));
            }
            b.submit("form[action='/api/feedback/review'] button[value=publish]")
                .await?;
            let text = b.text("main").await?;
            if !text.contains("Đã trả lời") || !text.contains("Trả lời đúng hạn") {
                return Err(format!("after answering: {text}"));
            }
            // The citizen, in another browser session, finds the answer by code and phone.
            b.client
                .delete_all_cookies()
                .await
                .map_err(|e| e.to_string())?;
            b.open(&app.url("/feedback/track")).await?;
            b.fill("f-code", &code).await?;
            b.fill("f-contact", "0935111222").await?;
            b.click("form button[type=submit]").await?;
            b.wait_for_exact_path(&format!("/feedback/track/{code}"))
                .await?;
            let text = b.text("main").await?;
            if !text.contains("miễn lệ phí theo Thông tư 85/2019/TT-BTC") {
                return Err(format!("citizen's page: {text}"));
            }
            Ok::<_, String>(())
        }
        .await;
        b.finish("official-answers-case", app.backend, result).await;
    }
);

both_databases!(
    a_citizen_books_a_no_wait_thursday_slot_on_a_phone_and_every_text_gives_the_slot,
    |app: TestApp| async move {
        use chrono::TimeZone;
        use langnghe_tests::sinks::HttpSink;
        let sms = HttpSink::start().await;
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let today = chrono::Utc::now().with_timezone(&tz).date_naive();
        let tomorrow = today + chrono::Duration::days(1);
        // No-wait Thursday tomorrow 08:00–11:00 in slots of an hour: 08:00, 09:00, 10:00. The
        // citizen takes 09:00, so a text that says "08:00" gives the session's start, not the slot.
        let id = crate::sessions::session_at(&app, "thursday", tomorrow, (8, 11), Some(60)).await;
        let day = tomorrow.format("%d/%m/%Y").to_string();
        let Some(b) = Browser::start(360, 640).await else {
            return;
        };
        let result = async {
            let e = |e: fantoccini::error::CmdError| e.to_string();
            b.open(&app.url(&format!("/sessions/{id}"))).await?;
            // The 09:00 slot, chosen as a thumb would: by its label.
            let picked = b
                .client
                .execute(
                    "const l = [...document.querySelectorAll('label.slot')].find(l => l.textContent.includes('09:00'));
                     if (!l) return false; l.querySelector('input').click(); return l.querySelector('input').checked;",
                    vec![],
                )
                .await
                .map_err(e)?;
            if picked != serde_json::Value::Bool(true) {
                return Err("no 09:00 slot to pick".into());
            }
            b.fill("f-name", "Phạm Thị Hoa").await?;
            b.fill("f-phone", "0912 000 009").await?;
            b.submit("form button[type=submit].btn-big").await?;
            let path = b.wait_for_path("/sessions/signup/DT").await?;
            let page = b.client.find(Locator::Css("main")).await.map_err(e)?.text().await.map_err(e)?;
            if !page.contains("09:00") {
                return Err(format!("the confirmation page does not give the slot: {page}"));
            }
            // The confirmation text, as the gateway received it.
            let texts = crate::sessions::sms_texts(&app, &sms).await;
            let want = format!("09:00 {day}");
            if texts.len() != 1 || !texts[0].contains(&want) || texts[0].contains("08:00") {
                return Err(format!("confirmation text for {path}: {texts:?}"));
            }
            // The reminder, queued at noon the day before.
            let noon = tz
                .from_local_datetime(&today.and_hms_opt(12, 0, 0).ok_or("noon")?)
                .single()
                .ok_or("noon")?
                .with_timezone(&chrono::Utc);
            langnghe_app::db::sessions::queue_messages(
                &app.db,
                langnghe_tests::SECRET.as_bytes(),
                &app.base,
                noon,
            )
            .await
            .map_err(|e| e.to_string())?;
            let texts = crate::sessions::sms_texts(&app, &sms).await;
            if texts.len() != 2 || !texts[1].contains(&want) || texts[1].contains("08:00") {
                return Err(format!("reminder text: {texts:?}"));
            }
            Ok::<_, String>(())
        }
        .await;
        b.finish("slot-time-on-a-phone", app.backend, result).await;
    }
);
