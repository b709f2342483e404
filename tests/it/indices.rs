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
        let p = langnghe_app::domain::period::Period::parse(&format!(
            "{}..{}",
            langnghe_app::db::today() - Duration::days(60),
            langnghe_app::db::today()
        ))
        .unwrap();
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
        let period = format!(
            "{}..{}",
            langnghe_app::db::today() - Duration::days(60),
            langnghe_app::db::today()
        );
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
        for r in raw.iter().filter(|r| r["counted"] == "1") {
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
        assert!(unit_page.contains("<svg class=\"chart\""));
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
        let period = format!(
            "{}..{}",
            langnghe_app::db::today() - Duration::days(60),
            langnghe_app::db::today()
        );
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
                .find(|r| cell(*r, 1) == row["unit"])
                .unwrap_or_else(|| panic!("{} in the workbook", row["unit"]));
            assert_eq!(cell(r, 2), row["answers"], "answers of {}", row["unit"]);
            if let Ok(share) = row["share_satisfied"].parse::<f64>() {
                let x: f64 = range
                    .get((r, 5))
                    .and_then(|d| d.to_string().parse().ok())
                    .unwrap();
                assert!((x - share).abs() < 1e-9, "share of {}", row["unit"]);
                found += 1;
            }
        }
        assert!(found >= 3);
        // The read-only JSON API gives the same figures to a key of the province.
        let mut tx = app.db.begin().await.unwrap();
        let (_, key) = langnghe_app::db::dossiers::create_key(
            &mut tx,
            None,
            "Báo cáo",
            app.unit_id("LG").await,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
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
        // The public transparency page needs no sign-in (last complete quarter).
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
