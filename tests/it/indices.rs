//! Indices: the rollups agree with the raw ratings through every way a rating enters or leaves
//! the indices, and the figures on the ranking page and in its export equal those recomputed
//! from the raw CSV export.

use chrono::{Duration, TimeZone, Utc};
use langnghe_app::db::ratings::{self, NewRating, Rules};
use langnghe_app::db::rollup;
use langnghe_app::domain::rating::Channel;
use langnghe_tests::{both_databases, TestApp};
use std::collections::HashMap;

/// A moment of a local (Vietnam) day, `days_ago` before today, at `hour`:00.
fn at(days_ago: i64, hour: u32) -> chrono::DateTime<Utc> {
    let day = langnghe_app::db::today() - Duration::days(days_ago);
    chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

async fn instrument(app: &TestApp) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
    .unwrap()
}

/// The period of the seeded ratings: the last sixty days to today.
fn last_60_days() -> String {
    let today = langnghe_app::db::today();
    format!("{}..{today}", today - Duration::days(60))
}

/// Ratings over three units and forty days: web and SMS answers with scores cycling 1..5, a few
/// kiosk answers at 02:00 (flagged: nobody is served then), and one correction.
async fn seed(app: &TestApp) -> Vec<i64> {
    let inst = instrument(app).await;
    let units = [
        app.unit_id("XAPL").await,
        app.unit_id("STP").await,
        app.unit_id("SXD").await,
    ];
    let kiosk_row: (i64, i64, i64) = langnghe_app::db_run!(&app.db, c => sqlx::query_as(
        "SELECT k.id, c.unit_id, c.id FROM kiosks k JOIN counters c ON c.id = k.counter_id ORDER BY k.id LIMIT 1")
        .fetch_one(c).await)
    .unwrap();
    let mut list = Vec::new();
    for i in 0..120i64 {
        let unit = units[(i % 3) as usize];
        // Unit 0 mostly happy, unit 1 mixed, unit 2 less happy.
        let score = match i % 3 {
            0 => [5, 4, 5, 3, 4][(i / 3 % 5) as usize],
            1 => [5, 2, 4, 3, 1][(i / 3 % 5) as usize],
            _ => [2, 3, 4, 1, 3][(i / 3 % 5) as usize],
        };
        let channel = if i % 2 == 0 {
            Channel::Web
        } else {
            Channel::SmsLink
        };
        list.push((
            NewRating::new(unit, inst, channel, score),
            at(i % 40, 9 + (i % 7) as u32),
        ));
    }
    for k in 0..3 {
        let mut r = NewRating::new(kiosk_row.1, inst, Channel::Kiosk, 5);
        r.kiosk_id = Some(kiosk_row.0);
        r.counter_id = Some(kiosk_row.2);
        list.push((r, at(3 + k, 2)));
    }
    let out = ratings::save_many(&app.db, &Rules::default(), list)
        .await
        .unwrap();
    let ids: Vec<i64> = out.into_iter().map(|r| r.unwrap().id).collect();
    // A correction of the first rating: 5 becomes 2.
    let orig = ratings::get(&app.db, ids[0]).await.unwrap();
    let mut c = NewRating::new(orig.unit_id, inst, Channel::Web, 2);
    c.correction = Some((ids[0], "Nhập nhầm".into(), app.account_id("quantri").await));
    ratings::save_many(&app.db, &Rules::default(), vec![(c, at(0, 10))])
        .await
        .unwrap();
    ids
}

both_databases!(
    rollups_agree_with_the_raw_ratings,
    |app: TestApp| async move {
        let ids = seed(&app).await;
        assert_eq!(rollup::check(&app.db).await.unwrap(), vec![]);
        // The kiosk answers at 02:00 are flagged and left out; clearing one brings it in.
        let flagged: Vec<i64> = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT rating_id FROM rating_flags ORDER BY rating_id").fetch_all(c).await)
        .unwrap();
        assert_eq!(flagged.len(), 3, "three answers at night");
        let p = langnghe_app::domain::period::Period::parse(&last_60_days()).unwrap();
        let before: i64 = langnghe_app::db::indices::unit_tallies(&app.db, &p)
            .await
            .unwrap()
            .values()
            .map(|t| t.n())
            .sum();
        assert_eq!(before, 120, "120 answers, one replaced by its correction");
        let admin = app.account_id("quantri").await;
        ratings::clear_flag(&app.db, admin, flagged[0])
            .await
            .unwrap();
        let after: i64 = langnghe_app::db::indices::unit_tallies(&app.db, &p)
            .await
            .unwrap()
            .values()
            .map(|t| t.n())
            .sum();
        assert_eq!(after, 121);
        assert_eq!(rollup::check(&app.db).await.unwrap(), vec![]);
        // Kiosk details added after the rating land in the element rollup.
        let raw = langnghe_app::db::indices::unit_tallies_raw(&app.db, &p)
            .await
            .unwrap();
        let rolled = langnghe_app::db::indices::unit_tallies(&app.db, &p)
            .await
            .unwrap();
        assert_eq!(raw, rolled);
        // A rebuild from the raw rows gives the same rollups.
        rollup::rebuild(&app.db).await.unwrap();
        assert_eq!(rollup::check(&app.db).await.unwrap(), vec![]);
        assert_eq!(
            langnghe_app::db::indices::unit_tallies(&app.db, &p)
                .await
                .unwrap(),
            rolled
        );
        let _ = ids;
    }
);

/// Parses the CSV body (after its byte-order mark) into rows of named fields.
fn csv_rows(body: &[u8]) -> Vec<HashMap<String, String>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut r = csv::Reader::from_reader(body);
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

both_databases!(
    the_ranking_equals_a_recomputation_from_the_raw_export,
    |app: TestApp| async move {
        seed(&app).await;
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let period = last_60_days();
        let raw = leader
            .get(&format!("/indices/ratings.csv?period={period}"))
            .await;
        assert_eq!(raw.status(), 200);
        assert!(raw.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let raw = csv_rows(&raw.bytes().await.unwrap());
        assert_eq!(raw.len(), 124, "every rating, counted or not");
        // Recompute per unit from the raw export: counted rows only.
        let mut by_unit: HashMap<String, (i64, i64, i64)> = HashMap::new();
        for r in raw.iter().filter(|r| r["counted"] == "yes") {
            let e = by_unit.entry(r["unit_code"].clone()).or_default();
            let s: i64 = r["score"].parse().unwrap();
            e.0 += 1;
            e.1 += i64::from(s >= 4);
            e.2 += s;
        }
        let ranking = leader
            .get(&format!("/indices/ranking.csv?period={period}"))
            .await;
        assert_eq!(ranking.status(), 200);
        let ranking = csv_rows(&ranking.bytes().await.unwrap());
        let (_, page) = leader.page(&format!("/indices?period={period}")).await;
        let mut checked = 0;
        for row in &ranking {
            let (n, sat, sum) = by_unit.get(&row["unit_code"]).copied().unwrap_or_default();
            assert_eq!(row["answers"].parse::<i64>().unwrap(), n, "{row:?}");
            if n > 0 {
                let share: f64 = row["share_satisfied"].parse().unwrap();
                assert!((share - sat as f64 / n as f64).abs() < 1e-6, "{row:?}");
                let mean: f64 = row["mean"].parse().unwrap();
                assert!((mean - sum as f64 / n as f64).abs() < 1e-6, "{row:?}");
                // The page shows the same share, rounded to one decimal.
                let shown = format!("{:.1} %", sat as f64 / n as f64 * 100.0);
                assert!(page.contains(&shown), "{shown} on the page");
                checked += 1;
            }
        }
        assert!(checked >= 3, "units with answers: {checked}");
        // Units with answers are ranked; the ones below the sample-size rule are flagged.
        assert!(page.contains("Chưa đủ mẫu") || ranking.iter().all(|r| r["enough"] == "true"));
        // The leader's dashboard (the whole province) shows the same share over every unit.
        let (all_n, all_sat, _) = by_unit
            .values()
            .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, 0));
        let (status, dash) = leader.page(&format!("/dashboard?period={period}")).await;
        assert_eq!(status, 200);
        let shown = format!("{:.1} %", all_sat as f64 / all_n as f64 * 100.0);
        assert!(dash.contains(&shown), "{shown} on the dashboard");
        assert!(
            dash.contains(&format!("{all_n} phiếu")),
            "{all_n} answers on the dashboard"
        );
        // A unit's page shows its figures and the trend chart.
        let xapl = app.unit_id("XAPL").await;
        let (status, unit_page) = leader
            .page(&format!("/indices/unit/{xapl}?period={period}"))
            .await;
        assert_eq!(status, 200);
        assert!(unit_page.contains("<svg") && unit_page.contains("class=\"chart\""));
        let (n, sat, _) = by_unit["XAPL"];
        assert!(unit_page.contains(&format!("{:.1} %", sat as f64 / n as f64 * 100.0)));
        // An official of another unit cannot read this unit's figures.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        assert_eq!(
            other
                .get(&format!("/indices/unit/{xapl}?period={period}"))
                .await
                .status(),
            403
        );
    }
);

both_databases!(
    the_xlsx_export_opens_and_the_json_api_agrees,
    |app: TestApp| async move {
        seed(&app).await;
        let period = last_60_days();
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let csv = leader
            .get(&format!("/indices/ranking.csv?period={period}"))
            .await;
        let csv = csv_rows(&csv.bytes().await.unwrap());
        let r = leader
            .get(&format!("/indices/ranking.xlsx?period={period}"))
            .await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
        let bytes = r.bytes().await.unwrap().to_vec();
        // Read it back: the same units with the same answers and shares as the CSV.
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a valid XLSX file");
        let sheet = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&sheet).unwrap();
        let cell =
            |r: usize, c: usize| range.get((r, c)).map(|d| d.to_string()).unwrap_or_default();
        assert!(
            cell(0, 0).contains("MỨC ĐỘ HÀI LÒNG"),
            "title: {}",
            cell(0, 0)
        );
        let mut found = 0;
        for row in &csv {
            let r = (0..range.height())
                .find(|r| cell(*r, 4) == row["unit"])
                .unwrap_or_else(|| panic!("{} in the workbook", row["unit"]));
            assert_eq!(cell(r, 3), row["unit_code"], "code of {}", row["unit"]);
            assert_eq!(cell(r, 5), row["answers"], "answers of {}", row["unit"]);
            assert_eq!(
                cell(r, 0),
                row["rank"],
                "rank of {} (a number or empty)",
                row["unit"]
            );
            assert_eq!(
                cell(r, 1),
                row["of"],
                "ranked units of {}'s group",
                row["unit"]
            );
            if let Ok(share) = row["share_satisfied"].parse::<f64>() {
                let x: f64 = range
                    .get((r, 8))
                    .and_then(|d| d.to_string().parse().ok())
                    .unwrap();
                assert!((x - share).abs() < 1e-9, "share of {}", row["unit"]);
                found += 1;
            }
        }
        assert!(found >= 3);
        // The read-only JSON API gives the same figures to a key of the province.
        let key = app.api_key("LG").await;
        let anon = app
            .client
            .get(app.url(&format!("/api/v1/indices?period={period}")))
            .send()
            .await
            .unwrap();
        assert_eq!(anon.status(), 401);
        let bad = app
            .client
            .get(app.url("/api/v1/indices?period=2026-Q9"))
            .header("X-API-Key", &key)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        let v: serde_json::Value = app
            .client
            .get(app.url(&format!("/api/v1/indices?period={period}")))
            .header("X-API-Key", &key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let units: Vec<&serde_json::Value> = v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["units"].as_array().unwrap())
            .collect();
        assert_eq!(units.len(), csv.len());
        for row in &csv {
            let u = units
                .iter()
                .find(|u| u["unit_code"] == row["unit_code"].as_str())
                .unwrap();
            assert_eq!(u["answers"].as_i64().unwrap().to_string(), row["answers"]);
            let s: i64 = u["scores"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .sum();
            assert_eq!(s.to_string(), row["answers"], "scores add up");
        }
        // The public transparency page needs no sign-in (the current quarter by default).
        let (status, page) = app.page("/transparency").await;
        assert_eq!(status, 200);
        assert!(page.contains("Công khai mức độ hài lòng") && page.contains("Xã An Phú Lạc"));
        // Anonymous visitors cannot read the officials' rankings or exports.
        assert_ne!(app.get("/indices").await.status(), 200);
        assert_ne!(
            app.get(&format!("/indices/ranking.xlsx?period={period}"))
                .await
                .status(),
            200
        );
    }
);

/// Posts a dossier of XAPL completed three days ago through the one-stop API.
async fn dossier(app: &TestApp, key: &str, code: &str, late: bool, complained: bool) -> i64 {
    let done = at(3, 10);
    let due = if late {
        done - Duration::days(1)
    } else {
        done + Duration::days(2)
    };
    let body = serde_json::json!({
        "code": code, "unit_code": "XAPL", "procedure_code": "1.001193",
        "received_at": (done - Duration::days(5)).to_rfc3339(),
        "due_at": due.to_rfc3339(), "completed_at": done.to_rfc3339(),
        "complained": complained,
    });
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .header("X-API-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "dossier {code}: {}", r.status());
    let v: serde_json::Value = r.json().await.unwrap();
    v["dossier_id"].as_i64().unwrap()
}

both_databases!(
    decision_766_and_the_administrators_rules_reach_every_ranking,
    |app: TestApp| async move {
        seed(&app).await;
        let key = app.api_key("LG").await;
        // Five dossiers of XAPL: one late, one complained about, one rated 1 by its citizen,
        // two fine (one rated 5). Decision 766's third ratio: (5 − 3) / 5.
        dossier(&app, &key, "HS-766-1", false, false).await;
        dossier(&app, &key, "HS-766-2", true, false).await;
        dossier(&app, &key, "HS-766-3", false, true).await;
        let rated_bad = dossier(&app, &key, "HS-766-4", false, false).await;
        let rated_good = dossier(&app, &key, "HS-766-5", false, false).await;
        // A complaint sent again later without the flag does not clear it.
        dossier(&app, &key, "HS-766-3", false, false).await;
        let inst = instrument(&app).await;
        let xapl = app.unit_id("XAPL").await;
        let mut bad = NewRating::new(xapl, inst, Channel::SmsLink, 1);
        bad.dossier_id = Some(rated_bad);
        let mut good = NewRating::new(xapl, inst, Channel::SmsLink, 5);
        good.dossier_id = Some(rated_good);
        ratings::save_many(
            &app.db,
            &Rules::default(),
            vec![(bad, at(2, 9)), (good, at(2, 10))],
        )
        .await
        .unwrap();
        let period = last_60_days();
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let row = |rows: &[HashMap<String, String>], code: &str| {
            rows.iter()
                .find(|r| r["unit_code"] == code)
                .cloned()
                .unwrap()
        };
        let before = row(&ranking_csv(&leader, &period).await, "XAPL");
        assert_eq!(before["dossiers"], "5");
        assert_eq!(before["dossiers_bad"], "3", "{before:?}");
        let f = |k: &str, r: &HashMap<String, String>| r[k].parse::<f64>().unwrap();
        assert!((f("r766_dossiers", &before) - 0.4).abs() < 1e-9);
        assert_eq!(before["r766_on_time"], "", "no feedback cases: no ratio");
        assert_eq!(before["g766_with_data"], "1");
        // r1 and r2 have no data and earn nothing: the total is scored on r3 alone and
        // brought to 18: 6 × 0.4 = 2.4 of 6 → 2.4 × 18 / 6 = 7.2 (never 6 + 6 for nothing).
        assert!((f("g766_points", &before) - 7.2).abs() < 1e-9, "{before:?}");
        let share = f("share_satisfied", &before);
        assert!((f("par_points", &before) - share * 14.0).abs() < 1e-4);
        assert!((f("late_share", &before) - 0.2).abs() < 1e-9);

        let mut form = vec![
            ("par_max_points", "10"),
            ("band_excellent", "90"),
            ("band_good", "95"),
            ("band_fair", "65"),
            ("late_cap_pct", "15"),
            ("late_cap_band", "good"),
            ("w766_on_time", "6"),
            ("w766_not_dissatisfied", "6"),
            ("w766_dossiers", "10"),
            ("margin_pct", "5"),
            ("min_answers", "30"),
        ];
        // Only the province administrator sets the rules.
        for who in ["lanhdao", "canbo"] {
            let v = app.another_visitor();
            v.login_as(who).await;
            assert_eq!(v.get("/admin/index-rules").await.status(), 403, "{who}");
            form[2].1 = "80";
            let r = v
                .post_form("/admin/index-rules", "/api/indices/rules", &form)
                .await;
            assert!(!r.status().is_success(), "{who}: {}", r.status());
            form[2].1 = "95";
        }
        let unchanged = row(&ranking_csv(&leader, &period).await, "XAPL");
        assert_eq!(
            unchanged["par_points"], before["par_points"],
            "nothing saved"
        );
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let (status, page) = admin.page("/admin/index-rules").await;
        assert_eq!(status, 200);
        assert!(page.contains("value=\"14\""), "the default 14 points");
        // Bands that do not decrease are refused with the reason, everything typed kept.
        let (_, page) = admin
            .submit("/admin/index-rules", "/api/indices/rules", &form)
            .await;
        assert!(page.contains("Các ngưỡng phải giảm dần"), "{page}");
        assert!(page.contains("value=\"95\""));
        let same = row(&ranking_csv(&leader, &period).await, "XAPL");
        assert_eq!(same["g766_points"], before["g766_points"], "nothing saved");
        form[2].1 = "80";
        // Decision 766's three weights must add up to the group's 18 points: 6 + 6 + 10 is
        // refused with the reason, nothing saved.
        let (_, page) = admin
            .submit("/admin/index-rules", "/api/indices/rules", &form)
            .await;
        assert!(page.contains("phải cộng lại bằng 18"), "{page}");
        let same = row(&ranking_csv(&leader, &period).await, "XAPL");
        assert_eq!(same["par_points"], before["par_points"], "nothing saved");
        form[0].1 = "10,0";
        form[6].1 = "2";
        let (_, page) = admin
            .submit("/admin/index-rules", "/api/indices/rules", &form)
            .await;
        assert!(page.contains("Đã lưu quy tắc tính điểm"), "{page}");
        // Every ranking uses the new rules at once. Only r3 has data: still 0.4 × 18 = 7.2.
        let after = row(&ranking_csv(&leader, &period).await, "XAPL");
        assert!((f("g766_points", &after) - 7.2).abs() < 1e-9, "{after:?}");
        assert!((f("par_points", &after) - share * 10.0).abs() < 1e-4);
        // 20 % late ≥ 15 %: XAPL cannot be "good" or better.
        assert!(
            ["fair", "poor"].contains(&after["par_band"].as_str()),
            "{after:?}"
        );
        let (_, ranking) = leader.page(&format!("/indices?period={period}")).await;
        assert!(
            ranking.contains("tối đa 10<") && ranking.contains("tối đa 18<"),
            "{ranking}"
        );
        let (_, unit) = leader
            .page(&format!("/indices/unit/{xapl}?period={period}"))
            .await;
        assert!(
            unit.contains("7.20") && unit.contains("40.0 % (2/5)") && unit.contains("1/3"),
            "{unit}"
        );
        let (_, dash) = leader
            .page(&format!("/dashboard?period={period}&unit={xapl}"))
            .await;
        assert!(dash.contains("40.0 % (2/5)") && dash.contains("/ 18.00"));
    }
);

async fn ranking_csv(who: &TestApp, period: &str) -> Vec<HashMap<String, String>> {
    let r = who
        .get(&format!("/indices/ranking.csv?period={period}"))
        .await;
    assert_eq!(r.status(), 200);
    csv_rows(&r.bytes().await.unwrap())
}

both_databases!(
    a_procedure_drills_down_to_its_counters,
    |app: TestApp| async move {
        let inst = instrument(&app).await;
        let xapl = app.unit_id("XAPL").await;
        let mut counters = Vec::new();
        let mut tx = app.db.begin().await.unwrap();
        for name in ["Quầy Tư pháp – Hộ tịch", "Quầy Đất đai"] {
            let id = langnghe_app::db::kiosks::create_counter(&mut tx, None, xapl, name, "")
                .await
                .unwrap();
            counters.push((id, name.to_string()));
        }
        tx.commit().await.unwrap();
        let proc_id: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT id FROM procedures WHERE code = '1.001193'").fetch_one(c).await)
        .unwrap();
        // Counter A: 4, 5, 2 — counter B: 5, 5 — and one answer for another procedure.
        let mut list = Vec::new();
        for (counter, score) in [(0usize, 4), (0, 5), (0, 2), (1, 5), (1, 5)] {
            let mut r = NewRating::new(xapl, inst, Channel::Web, score);
            r.procedure_id = Some(proc_id);
            r.counter_id = Some(counters[counter].0);
            list.push((r, at(1, 10)));
        }
        list.push((NewRating::new(xapl, inst, Channel::Web, 1), at(1, 11)));
        ratings::save_many(&app.db, &Rules::default(), list)
            .await
            .unwrap();
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let (status, unit) = official.page(&format!("/indices/unit/{xapl}")).await;
        assert_eq!(status, 200);
        let link = format!("/indices/unit/{xapl}/procedure/{proc_id}?period=");
        assert!(
            unit.contains(&link),
            "the procedure links to its drill-down"
        );
        let (status, page) = official
            .page(&format!("/indices/unit/{xapl}/procedure/{proc_id}"))
            .await;
        assert_eq!(status, 200);
        // This procedure: 5 answers, 4 satisfied; counter A 2/3, counter B 2/2.
        assert!(page.contains("80.0 %"), "{page}");
        assert!(page.contains(&counters[0].1) && page.contains("66.7 %"));
        assert!(page.contains(&counters[1].1) && page.contains("100.0 %"));
        assert!(
            !page.contains("20.0 %"),
            "the other procedure's answer is not here"
        );
        // Another unit's official cannot drill into it.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        assert_eq!(
            other
                .get(&format!("/indices/unit/{xapl}/procedure/{proc_id}"))
                .await
                .status(),
            403
        );
    }
);
