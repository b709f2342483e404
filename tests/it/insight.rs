//! What a leader sees that no other tool shows (issue 21), with designed data on both databases:
//! a drop in one counter raises one alert that reaches the digest once, the heat map's cells
//! equal a recount, themes count designed comments exactly, two periods compared with the change
//! beyond chance, and the periodic report arrives at a local SMTP server with its workbook.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use langnghe_app::db::ratings::{self, NewRating, Rules};
use langnghe_app::db::{insight, kiosks, settings};
use langnghe_app::domain::rating::Channel;
use langnghe_tests::sinks::SmtpSink;
use langnghe_tests::{both_databases, TestApp};

fn today() -> NaiveDate {
    langnghe_app::db::today()
}

/// `day` at `hour`:`minute` in Vietnam.
fn local(day: NaiveDate, hour: u32, minute: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

async fn instrument(app: &TestApp) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
    .unwrap()
}

/// One designed answer: unit, counter, score, comment, when.
struct A {
    unit: i64,
    counter: Option<i64>,
    score: i32,
    comment: &'static str,
    at: chrono::DateTime<Utc>,
}

async fn save(app: &TestApp, answers: Vec<A>) {
    let inst = instrument(app).await;
    let list = answers
        .into_iter()
        .map(|a| {
            let mut r = NewRating::new(a.unit, inst, Channel::Web, a.score);
            r.counter_id = a.counter;
            r.comment = a.comment.to_string();
            (r, a.at)
        })
        .collect();
    for r in ratings::save_many(&app.db, &Rules::default(), list)
        .await
        .unwrap()
    {
        r.unwrap();
    }
}

/// `n` answers of which `sat` are satisfied, on `days` spread over `from..` (one per day, cycling),
/// at 09:00 plus a minute each.
fn batch(unit: i64, counter: Option<i64>, n: usize, sat: usize, days: &[NaiveDate]) -> Vec<A> {
    (0..n)
        .map(|i| A {
            unit,
            counter,
            score: if i < sat {
                [4, 5][i % 2]
            } else {
                [1, 2, 3][i % 3]
            },
            comment: "",
            at: local(days[i % days.len()], 9, (i % 50) as u32),
        })
        .collect()
}

async fn counter(app: &TestApp, unit: i64, name: &str) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let id = kiosks::create_counter(&mut tx, None, unit, name, "")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

both_databases!(
    a_drop_in_one_counter_raises_one_alert_that_reaches_the_digest_once,
    |app: TestApp| async move {
        let t = today();
        let cal = langnghe_app::db::calendar::load(&app.db).await.unwrap();
        let (from, to) = langnghe_app::domain::insight::recent_window(&cal, t, 10);
        let window: Vec<NaiveDate> = (0..=(to - from).num_days())
            .map(|k| from + Duration::days(k))
            .filter(|d| cal.is_working(*d))
            .collect();
        let before: Vec<NaiveDate> = (20..60).map(|k| from - Duration::days(k)).collect();
        let xapl = app.unit_id("XAPL").await;
        let (a, b) = (
            counter(&app, xapl, "Quầy Đất đai").await,
            counter(&app, xapl, "Quầy Hộ tịch").await,
        );
        let mut list = Vec::new();
        // Usual level: counters A and B 100 answers each, 80 satisfied; 200 web answers, 160.
        list.extend(batch(xapl, Some(a), 100, 80, &before));
        list.extend(batch(xapl, Some(b), 100, 80, &before));
        list.extend(batch(xapl, None, 200, 160, &before));
        // The last ten working days: counter A drops to 12 of 30 (40 %), with low comments;
        // counter B and the web stay at 80 % (24 of 30, 160 of 200).
        let mut drop = batch(xapl, Some(a), 30, 12, &window);
        for (i, d) in drop
            .iter_mut()
            .enumerate()
            .filter(|(_, d)| d.score <= 2)
            .take(2)
        {
            d.comment = [
                "Chờ cả buổi sáng ở quầy đất đai",
                "Cán bộ quầy đất đai cáu gắt",
            ][i % 2];
        }
        list.extend(drop);
        list.extend(batch(xapl, Some(b), 30, 24, &window));
        list.extend(batch(xapl, None, 200, 160, &window));
        save(&app, list).await;
        // Counter A: 12/30 = 0.40 is below the 0.1 % limit of Binomial(30, 0.8), 0.5348 (by
        // scipy, see domain::insight). Counter B 0.80: no. The whole unit: 196/260 = 0.754
        // against its usual 320/400 = 0.80 with 260 answers: the limit is about
        // 0.80 − 3.09·√(0.8·0.2/260) ≈ 0.723, so no alert for the unit either.
        let raised = langnghe_app::reports::insight::check_alerts(&app.db, t)
            .await
            .unwrap();
        assert_eq!(raised.len(), 1, "exactly one alert");
        let open = insight::open_alerts(&app.db).await.unwrap();
        assert_eq!(open.keys().copied().collect::<Vec<_>>(), vec![(xapl, a)]);
        // Checked again (another instance, or later the same day): still one.
        let again = langnghe_app::reports::insight::check_alerts(&app.db, t)
            .await
            .unwrap();
        assert!(again.is_empty());
        assert_eq!(insight::open_alerts(&app.db).await.unwrap().len(), 1);
        // The dashboard shows it with the counter, the shares and the low comments.
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let (_, dash) = leader.page(&format!("/dashboard?unit={xapl}")).await;
        assert!(
            dash.contains("Quầy Đất đai") && dash.contains("40.0 %") && dash.contains("80.0 %"),
            "{dash}"
        );
        assert!(
            dash.contains("Chờ cả buổi sáng ở quầy đất đai"),
            "the low comments of the stretch"
        );
        // The leaders' daily e-mail carries it once.
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE accounts SET email = 'lanhdao@lamgiang.gov.vn' WHERE username = 'lanhdao'")
            .execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        langnghe_app::notify::queue_digests(&app.db, &app.base, t)
            .await
            .unwrap();
        langnghe_app::notify::queue_digests(&app.db, &app.base, t + Duration::days(1))
            .await
            .unwrap();
        let digests: Vec<String> = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT CAST(params AS TEXT) FROM outbox WHERE event = 'feedback.digest' ORDER BY id").fetch_all(c).await).unwrap();
        let with_alert: Vec<&String> = digests
            .iter()
            .filter(|p| p.contains("Quầy Đất đai"))
            .collect();
        assert_eq!(
            with_alert.len(),
            1,
            "the alert reaches the digest once: {digests:?}"
        );
        // Once the stretch is over (no answers in a later window), the alert is cleared; a new
        // drop later would raise a new one.
        let later = t + Duration::days(60);
        langnghe_app::reports::insight::check_alerts(&app.db, later)
            .await
            .unwrap();
        assert!(insight::open_alerts(&app.db).await.unwrap().is_empty());
    }
);

both_databases!(
    the_heat_map_cells_equal_a_recount,
    |app: TestApp| async move {
        let t = today();
        // The last Monday, Wednesday and Friday before today.
        let last = |wd: chrono::Weekday| {
            (1..=7)
                .map(|k| t - Duration::days(k))
                .find(|d| d.weekday() == wd)
                .unwrap()
        };
        let (mon, wed, fri) = (
            last(chrono::Weekday::Mon),
            last(chrono::Weekday::Wed),
            last(chrono::Weekday::Fri),
        );
        let xth = app.unit_id("XTH").await;
        let c = counter(&app, xth, "Quầy số 3").await;
        let a = |counter, score, day, hour, minute| A {
            unit: xth,
            counter,
            score,
            comment: "",
            at: local(day, hour, minute),
        };
        save(
            &app,
            vec![
                // Monday 08:xx: 5, 4, 2 → 2 of 3; Monday 09:05: 1 → 0 of 1.
                a(None, 5, mon, 8, 1),
                a(None, 4, mon, 8, 30),
                a(None, 2, mon, 8, 59),
                a(None, 1, mon, 9, 5),
                // Friday 16:xx: four 5s → 4 of 4.
                a(None, 5, fri, 16, 0),
                a(None, 5, fri, 16, 10),
                a(None, 5, fri, 16, 20),
                a(None, 5, fri, 16, 59),
                // Wednesday 10:xx at counter 3: 4 and 3 → 1 of 2.
                a(Some(c), 4, wed, 10, 15),
                a(Some(c), 3, wed, 10, 45),
            ],
        )
        .await;
        let period = format!("{}..{t}", t - Duration::days(8));
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let (_, page) = leader
            .page(&format!("/indices/unit/{xth}?period={period}"))
            .await;
        let cell =
            |day: &str, hour: u32, text: &str| format!("<title>{day} {hour}h: {text}</title>");
        for want in [
            cell("T2", 8, "66.7 % (2/3)"),
            cell("T2", 9, "0.0 % (0/1)"),
            cell("T6", 16, "100.0 % (4/4)"),
            cell("T4", 10, "50.0 % (1/2)"),
        ] {
            assert!(page.contains(&want), "{want} in the heat map");
        }
        // Only those four cells have answers (the others say —).
        let filled = page.matches("h: ").count() - page.matches("h: —").count();
        // each filled cell is named in its tooltip and in the chart's text alternative
        assert_eq!(
            filled, 8,
            "four cells with answers, each in its tooltip and the chart's text"
        );
        // One counter: only its cell.
        let (_, page) = leader
            .page(&format!("/indices/unit/{xth}?period={period}&counter={c}"))
            .await;
        assert!(page.contains(&cell("T4", 10, "50.0 % (1/2)")));
        assert!(!page.contains(&cell("T2", 8, "66.7 % (2/3)")));
        // A counter of another unit is not accepted as a filter.
        let other = counter(&app, app.unit_id("PLS").await, "Quầy khác").await;
        let (_, page) = leader
            .page(&format!(
                "/indices/unit/{xth}?period={period}&counter={other}"
            ))
            .await;
        assert!(
            page.contains(&cell("T2", 8, "66.7 % (2/3)")),
            "falls back to the whole unit"
        );
    }
);

both_databases!(
    themes_count_designed_comments_exactly,
    |app: TestApp| async move {
        let t = today();
        let xapl = app.unit_id("XAPL").await;
        let comments = [
            (2, "Phải chờ lâu quá mới đến lượt"), // waiting
            (1, "Cán bộ thái độ cáu gắt"),        // attitude
            (2, "CHO LAU, THAI DO KHONG TOT"),    // waiting + attitude (no diacritics)
            (3, "Lệ phí cao hơn niêm yết"),       // fees
            (4, "Ngồi phía trong rất mát"),       // none ("phía" is not "phí")
            (2, "Yêu cầu thêm bản sao y"),        // papers
            (5, "Rất tốt"),                       // none
        ];
        let list = comments
            .iter()
            .enumerate()
            .map(|(i, (s, c))| A {
                unit: xapl,
                counter: None,
                score: *s,
                comment: c,
                at: local(t - Duration::days(1 + i as i64), 10, 0),
            })
            .collect();
        save(&app, list).await;
        let period = format!("{}..{t}", t - Duration::days(10));
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let count = |page: &str, theme: &str| -> i64 {
            let at = page
                .find(&format!("<td>{theme}</td>"))
                .unwrap_or_else(|| panic!("{theme} row"));
            let rest = &page[at..];
            let s = rest.find("<strong>").unwrap() + 8;
            rest[s..rest[s..].find('<').unwrap() + s].parse().unwrap()
        };
        let (_, dash) = leader
            .page(&format!("/dashboard?unit={xapl}&period={period}"))
            .await;
        assert!(
            dash.contains("7 ý kiến trong kỳ") && dash.contains("2 ý kiến không thuộc chủ đề nào"),
            "{dash}"
        );
        assert_eq!(count(&dash, "Thời gian chờ"), 2);
        assert_eq!(count(&dash, "Thái độ cán bộ"), 2);
        assert_eq!(count(&dash, "Phí, lệ phí"), 1);
        assert_eq!(count(&dash, "Giấy tờ ngoài quy định"), 1);
        assert_eq!(count(&dash, "Cơ sở vật chất"), 0);
        // The administrator adds a phrase to a theme: the count follows at once.
        let facilities: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT id FROM comment_themes WHERE code = 'facilities'").fetch_one(c).await)
        .unwrap();
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let (_, page) = admin
            .submit(
                "/admin/themes",
                "/api/themes/save",
                &[
                    ("id", &facilities.to_string()),
                    ("code", "facilities"),
                    ("name_vi", "Cơ sở vật chất"),
                    ("name_en", "Facilities"),
                    ("keywords", "ghế\nngồi phía trong\nmát"),
                ],
            )
            .await;
        assert!(page.contains("Đã lưu chủ đề"), "{page}");
        let (_, dash) = leader
            .page(&format!("/dashboard?unit={xapl}&period={period}"))
            .await;
        assert_eq!(count(&dash, "Cơ sở vật chất"), 1);
        assert!(dash.contains("1 ý kiến không thuộc chủ đề nào"));
        // Keywords are checked, and only the administrator edits them.
        let (_, page) = admin
            .submit(
                "/admin/themes",
                "/api/themes/save",
                &[
                    ("id", ""),
                    ("code", "Xấu"),
                    ("name_vi", "X"),
                    ("name_en", "X"),
                    ("keywords", " , "),
                ],
            )
            .await;
        assert!(
            page.contains("Nhập ít nhất một từ khóa") && page.contains("Mã gồm 2–30"),
            "{page}"
        );
        let official = app.another_visitor();
        official.login_as("canbo").await;
        assert_eq!(official.get("/admin/themes").await.status(), 403);
    }
);

both_databases!(
    two_periods_compared_with_the_change_beyond_chance,
    |app: TestApp| async move {
        let t = today();
        let xapl = app.unit_id("XAPL").await;
        let days_a: Vec<NaiveDate> = (45..60).map(|k| t - Duration::days(k)).collect();
        let days_b: Vec<NaiveDate> = (2..17).map(|k| t - Duration::days(k)).collect();
        let mut list = batch(xapl, None, 60, 45, &days_a);
        list.extend(batch(xapl, None, 60, 30, &days_b));
        save(&app, list).await;
        let a = format!("{}..{}", t - Duration::days(60), t - Duration::days(45));
        let b = format!("{}..{}", t - Duration::days(17), t - Duration::days(2));
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let (status, page) = leader
            .page(&format!("/indices/compare?unit={xapl}&a={a}&b={b}"))
            .await;
        assert_eq!(status, 200);
        // 45/60 → 30/60: −25 points; statsmodels' Newcombe interval (−0.403461, −0.076780).
        assert!(page.contains("75.0 %") && page.contains("50.0 %"));
        assert!(page.contains("-25.0"), "{page}");
        assert!(page.contains("-40.3 … -7.7"), "the interval");
        assert!(page.contains("khác biệt có ý nghĩa"));
        // Several units on one chart.
        let pls = app.unit_id("PLS").await;
        let (_, page) = leader
            .page(&format!("/indices/compare?unit={xapl}&a={a}&b={b}&w={pls}"))
            .await;
        assert!(page.contains("chart series") && page.contains(">PLS<") && page.contains(">XAPL<"));
        // Another unit's official cannot compare this one.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        assert_eq!(
            other
                .get(&format!("/indices/compare?unit={xapl}"))
                .await
                .status(),
            403
        );
    }
);

/// The MIME parts of a mail: (headers, body) for each part of a multipart message.
fn parts(data: &str) -> Vec<(String, String)> {
    let Some(b) = data.split("boundary=").nth(1).map(|r| {
        r.trim_start_matches('"')
            .split(['"', ';', '\r', '\n'])
            .next()
            .unwrap()
            .to_string()
    }) else {
        return Vec::new();
    };
    data.split(&format!("--{b}"))
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .filter_map(|p| {
            p.split_once("\r\n\r\n")
                .map(|(h, body)| (h.to_string(), body.to_string()))
        })
        .collect()
}

both_databases!(
    the_periodic_report_arrives_with_its_workbook,
    |app: TestApp| async move {
        let t = today();
        let cal = langnghe_app::db::calendar::load(&app.db).await.unwrap();
        // The first working day of this month: last month's report falls due.
        let due_day = langnghe_app::reports::subscription::first_working_day(&cal, t);
        let last_month_day = t.with_day(1).unwrap() - Duration::days(3);
        let xapl = app.unit_id("XAPL").await;
        save(&app, batch(xapl, None, 40, 30, &[last_month_day])).await;
        let smtp = SmtpSink::start().await;
        let mut tx = app.db.begin().await.unwrap();
        settings::put(&mut tx, "outbox.smtp_url", &smtp.url())
            .await
            .unwrap();
        settings::put(&mut tx, "outbox.mail_from", "baocao@lamgiang.example.vn")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE accounts SET email = 'lanhdao@lamgiang.gov.vn' WHERE username = 'lanhdao'")
            .execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        // The leader subscribes on their account page.
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let (_, page) = leader
            .submit(
                "/account",
                "/api/reports/subscribe",
                &[("frequency", "month")],
            )
            .await;
        assert!(page.contains("Đã đăng ký nhận báo cáo định kỳ"), "{page}");
        // The day before the first working day nothing is due; on it, one report; again, none.
        let q = |d| langnghe_app::reports::subscription::queue_reports(&app.db, &app.base, d);
        if due_day.day() > 1 {
            assert_eq!(q(due_day - Duration::days(1)).await.unwrap(), 0);
        }
        assert_eq!(q(due_day).await.unwrap(), 1);
        assert_eq!(q(due_day).await.unwrap(), 0, "once per period");
        let http = reqwest::Client::new();
        while langnghe_app::notify::run_once_at(&app.db, &app.base, &http, "w", Utc::now())
            .await
            .unwrap()
            > 0
        {}
        let mails = smtp.mails();
        let mail = mails
            .iter()
            .find(|m| m.to.iter().any(|x| x.contains("lanhdao@")))
            .expect("the report mail");
        let subject = mail.header("Subject").unwrap_or_default();
        assert!(
            subject.contains("=?utf-8?") || subject.contains("Báo cáo"),
            "{subject}"
        );
        let ps = parts(&mail.data);
        let xlsx = ps
            .iter()
            .find(|(h, _)| h.contains("spreadsheetml"))
            .unwrap_or_else(|| {
                panic!(
                    "an XLSX part in {}",
                    mail.data.chars().take(2000).collect::<String>()
                )
            });
        use base64::Engine;
        let clean: String = xlsx.1.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(clean.trim_end_matches('-'))
            .unwrap();
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> =
            Xlsx::new(std::io::Cursor::new(bytes)).expect("a readable workbook");
        let names = book.sheet_names().to_vec();
        assert_eq!(names.len(), 3, "{names:?}");
        let summary = book.worksheet_range(&names[0]).unwrap();
        let cell = |r: usize, c: usize| {
            summary
                .get((r, c))
                .map(|d| d.to_string())
                .unwrap_or_default()
        };
        assert!(
            cell(0, 0).contains("Tỉnh Lam Giang") || cell(0, 0).contains("Lam Giang"),
            "{}",
            cell(0, 0)
        );
        // Share satisfied of last month: 30 of 40.
        assert_eq!(cell(2, 0), "Tỷ lệ hài lòng");
        assert!((cell(2, 1).parse::<f64>().unwrap() - 0.75).abs() < 1e-9);
        assert_eq!(cell(3, 1), "40");
        // The printable page of the same report.
        let p = langnghe_app::pages::report::last_month(due_day).key();
        let (status, page) = leader.page(&format!("/dashboard/report?period={p}")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("75.0 %") && page.contains("chart funnel"),
            "{page}"
        );
    }
);
