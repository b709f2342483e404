//! Rankings a province can defend (issue 15): each defect a statistician found, reproduced and
//! shown fixed on both databases, and a recomputation of every published figure from the raw
//! exports alone, by this test's own arithmetic (the formulas as the README states them).

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use langnghe_app::db::ratings::{self, NewRating, Rules};
use langnghe_app::domain::rating::Channel;
use langnghe_tests::{both_databases, TestApp};
use std::collections::{BTreeMap, HashMap};

fn today() -> NaiveDate {
    langnghe_app::db::today()
}

/// A moment of the local (Vietnam) day `days_ago` before today, at `hour`:`minute`.
fn at(days_ago: i64, hour: u32, minute: u32) -> chrono::DateTime<Utc> {
    let day = today() - Duration::days(days_ago);
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

/// Web answers of `unit` with these scores, `days_ago`, a minute apart from 08:00.
async fn rate(app: &TestApp, unit: i64, scores: &[i32], days_ago: i64) {
    let inst = instrument(app).await;
    let list = scores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                NewRating::new(unit, inst, Channel::Web, *s),
                at(days_ago, 8 + (i / 60) as u32 % 9, (i % 60) as u32),
            )
        })
        .collect();
    for r in ratings::save_many(&app.db, &Rules::default(), list)
        .await
        .unwrap()
    {
        r.unwrap();
    }
}

/// `sat` satisfied answers (alternately 4 and 5) and `n − sat` others (alternately 3, 2, 1).
fn scores(n: usize, sat: usize) -> Vec<i32> {
    (0..n)
        .map(|i| {
            if i < sat {
                [5, 4][i % 2]
            } else {
                [3, 2, 1][i % 3]
            }
        })
        .collect()
}

/// A feedback case of `unit_code` put into a given state with SQL (the workflow that gets a
/// case there is tested in `feedback`); returns its code.
#[allow(clippy::too_many_arguments)]
async fn case_in_state(
    app: &TestApp,
    unit_code: &str,
    received: NaiveDate,
    class: Option<&str>,
    status: &str,
    due_on: NaiveDate,
    answered: Option<(NaiveDate, bool)>,
    satisfied: Option<bool>,
) -> String {
    let (id, code) = app
        .case_received_on(unit_code, received, "0912000111", "vi")
        .await;
    let answered_at = answered.map(|(d, _)| langnghe_app::db::local_noon(d));
    let late = answered.is_some_and(|(_, l)| l);
    langnghe_app::db_run!(&app.db, c => sqlx::query(
        "UPDATE feedback_cases SET class = $1, status = $2, due_on = $3, answered_at = $4, answered_late = $5,
                citizen_satisfied = $6 WHERE id = $7")
        .bind(class).bind(status).bind(due_on).bind(answered_at).bind(late).bind(satisfied).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
    code
}

/// Parses a CSV body (after its byte-order mark) into rows of named fields.
fn csv_rows(body: &[u8], delimiter: u8) -> Vec<HashMap<String, String>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(body);
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

async fn get_csv(who: &TestApp, path: &str) -> Vec<HashMap<String, String>> {
    let r = who.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    csv_rows(&r.bytes().await.unwrap(), b',')
}

fn row<'a>(rows: &'a [HashMap<String, String>], code: &str) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["unit_code"] == code)
        .unwrap_or_else(|| panic!("no row for {code} in {rows:?}"))
}

fn f(r: &HashMap<String, String>, k: &str) -> f64 {
    r[k].parse()
        .unwrap_or_else(|_| panic!("{k} = {:?} in {r:?}", r[k]))
}

#[track_caller]
fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-6, "{what}: {a} ≠ {b}");
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

both_databases!(
    decision_766_judges_a_case_only_once_it_is_due_or_answered,
    |app: TestApp| async move {
        let t = today();
        // A period that runs 30 days past today, as the current quarter does.
        let period = format!("{}..{}", t - Duration::days(20), t + Duration::days(30));
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        // Sở Tư pháp's only case is open and due in 8 days: nothing to judge yet. It used to
        // score 0 of 6 points.
        case_in_state(
            &app,
            "STP",
            t - Duration::days(2),
            Some("competent"),
            "processing",
            t + Duration::days(8),
            None,
            None,
        )
        .await;
        let rows = get_csv(&leader, &format!("/indices/ranking.csv?period={period}")).await;
        let stp = row(&rows, "STP");
        assert_eq!(stp["cases_judged"], "0", "{stp:?}");
        assert_eq!(stp["r766_on_time"], "", "no data, not 0 %");
        assert_eq!(
            stp["g766_points"], "",
            "no data at all: no points, never 18 of 18"
        );
        assert_eq!(stp["g766_with_data"], "0");
        let (_, page) = leader.page(&format!("/indices?period={period}")).await;
        assert!(page.contains("chưa có dữ liệu"), "the page says no data");
        // An unclassified case past its 5-day classification limit counts as not on time.
        case_in_state(
            &app,
            "STP",
            t - Duration::days(15),
            None,
            "received",
            t - Duration::days(8),
            None,
            None,
        )
        .await;
        // Answered on time; answered late and rated not satisfied; outside its competence.
        case_in_state(
            &app,
            "STP",
            t - Duration::days(10),
            Some("applying"),
            "answered",
            t + Duration::days(2),
            Some((t - Duration::days(3), false)),
            Some(true),
        )
        .await;
        case_in_state(
            &app,
            "STP",
            t - Duration::days(18),
            Some("competent"),
            "closed",
            t - Duration::days(5),
            Some((t - Duration::days(1), true)),
            Some(false),
        )
        .await;
        case_in_state(
            &app,
            "STP",
            t - Duration::days(12),
            Some("outside"),
            "forwarded",
            t - Duration::days(6),
            None,
            None,
        )
        .await;
        let rows = get_csv(&leader, &format!("/indices/ranking.csv?period={period}")).await;
        let stp = row(&rows, "STP");
        // Judged: the unclassified one (late), the on-time answer, the late answer = 3.
        // r1 = 1/3; failed (dissatisfied or overdue) = the unclassified + the late one = 2 →
        // r2 = (3 − 2)/3; no dossiers → r3 no data. Total on r1 and r2: (6·⅓ + 6·⅓) = 4 of
        // 12 possible → 4 × 18 / 12 = 6.
        assert_eq!(stp["cases_judged"], "3", "{stp:?}");
        assert_eq!(stp["cases_on_time"], "1");
        assert_eq!(stp["cases_dissatisfied_or_overdue"], "2");
        close(f(stp, "r766_on_time"), 1.0 / 3.0, "r1");
        close(f(stp, "r766_not_dissatisfied"), 1.0 / 3.0, "r2");
        assert_eq!(stp["r766_dossiers"], "");
        close(
            f(stp, "g766_points"),
            6.0,
            "total on the two ratios with data",
        );
        assert_eq!(stp["g766_with_data"], "2");
        // The cases export says which were judged and how.
        let cases = get_csv(&leader, &format!("/indices/cases.csv?period={period}")).await;
        let judged: Vec<_> = cases
            .iter()
            .filter(|c| c["unit_code"] == "STP" && c["judged_766"] == "yes")
            .collect();
        assert_eq!(judged.len(), 3, "{cases:?}");
        assert_eq!(judged.iter().filter(|c| c["on_time"] == "yes").count(), 1);
        assert!(
            cases.iter().all(|c| !c.contains_key("citizen_name")
                && !c.values().any(|v| v.contains("0912000111"))),
            "no personal data in the export"
        );
        // The dashboard's "answered on time" is the same figure, with its counts; its overdue
        // count is the inbox's (the unclassified case, open past its limit).
        let stp_id = app.unit_id("STP").await;
        let (_, dash) = leader
            .page(&format!("/dashboard?period={period}&unit={stp_id}"))
            .await;
        assert!(dash.contains("33.3 % (1/3)"), "{dash}");
        assert!(dash.contains("đang quá hạn 1"), "{dash}");
    }
);

both_databases!(
    a_merger_mid_period_keeps_every_answer_in_its_successor,
    |app: TestApp| async move {
        use langnghe_app::db::units::{self, UnitInput};
        let t = today();
        let xapl = units::get(&app.db, app.unit_id("XAPL").await)
            .await
            .unwrap();
        let commune = |code: &str, name: &str, from: NaiveDate| UnitInput {
            parent_id: xapl.parent_id,
            group_id: xapl.group_id,
            code: code.into(),
            name: name.into(),
            kind: xapl.kind.clone(),
            address: String::new(),
            effective_from: from,
            effective_to: None,
        };
        let mut tx = app.db.begin().await.unwrap();
        let a = units::create(
            &mut tx,
            None,
            &commune("XTA", "Xã Thử A", t - Duration::days(400)),
        )
        .await
        .unwrap();
        let b = units::create(
            &mut tx,
            None,
            &commune("XTB", "Xã Thử B", t - Duration::days(400)),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Before the merger: A 30 answers (20 satisfied), B 52 (40): the 82 answers.
        rate(&app, a, &scores(30, 20), 30).await;
        rate(&app, b, &scores(52, 40), 25).await;
        let merged_on = t - Duration::days(10);
        let mut tx = app.db.begin().await.unwrap();
        let c = units::merge(
            &mut tx,
            None,
            &[a, b],
            &commune("XTC", "Xã Thử Hợp Nhất", merged_on),
            false,
            "",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        rate(&app, c, &scores(10, 9), 3).await;
        let period = format!("{}..{t}", t - Duration::days(40));
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let rows = get_csv(&leader, &format!("/indices/ranking.csv?period={period}")).await;
        // The successor carries the whole period: 30 + 52 + 10 = 92 answers, 20 + 40 + 9 = 69
        // satisfied; the predecessors have no rows of their own (nothing vanishes, nothing is
        // counted twice).
        let xtc = row(&rows, "XTC");
        assert_eq!(xtc["answers"], "92", "{xtc:?}");
        assert_eq!(xtc["satisfied"], "69");
        close(
            f(xtc, "share_satisfied"),
            69.0 / 92.0,
            "share of the merged unit",
        );
        assert_eq!(xtc["merged_on"], merged_on.to_string());
        assert_eq!(xtc["merged_from"], "XTA XTB");
        assert_eq!(xtc["status"], "ranked", "92 answers ≥ 30");
        assert!(!rows
            .iter()
            .any(|r| r["unit_code"] == "XTA" || r["unit_code"] == "XTB"));
        let total: i64 = rows
            .iter()
            .map(|r| r["answers"].parse::<i64>().unwrap())
            .sum();
        assert_eq!(total, 92, "every answer of the period counted once");
        let (_, page) = leader.page(&format!("/indices?period={period}")).await;
        assert!(
            page.contains(&format!("Sáp nhập ngày {}", dmy(merged_on))),
            "the row says merged"
        );
        // The unit page shows the same figure and the trend the same answers.
        let (_, unit_page) = leader
            .page(&format!("/indices/unit/{c}?period={period}"))
            .await;
        assert!(
            unit_page.contains(&format!("{:.1} %", 69.0 / 92.0 * 100.0)),
            "{unit_page}"
        );
        // Each month of the trend counts the predecessors' answers with the successor's.
        let mut months: BTreeMap<(i32, u32), i64> = BTreeMap::new();
        use chrono::Datelike;
        for (days_ago, n) in [(30, 30), (25, 52), (3, 10)] {
            let d = t - Duration::days(days_ago);
            *months.entry((d.year(), d.month())).or_default() += n;
        }
        for ((y, m), n) in &months {
            let label = format!("{m:02}/{y}: ");
            let at = unit_page
                .find(&format!("<title>{label}"))
                .unwrap_or_else(|| panic!("{label} in {unit_page}"));
            assert!(
                unit_page[at..]
                    .split("</title>")
                    .next()
                    .unwrap()
                    .contains(&format!("(n = {n})")),
                "{label} n = {n}"
            );
        }
        // A predecessor's page points to the unit that carries it.
        let (_, pred_page) = leader
            .page(&format!("/indices/unit/{a}?period={period}"))
            .await;
        assert!(
            pred_page.contains(&format!("/indices/unit/{c}?period=")),
            "{pred_page}"
        );
        // Before the merger each predecessor is ranked on its own.
        let before = format!("{}..{}", t - Duration::days(60), t - Duration::days(20));
        let rows = get_csv(&leader, &format!("/indices/ranking.csv?period={before}")).await;
        assert_eq!(row(&rows, "XTA")["answers"], "30");
        assert_eq!(row(&rows, "XTB")["answers"], "52");
        assert!(
            !rows.iter().any(|r| r["unit_code"] == "XTC"),
            "not yet in force"
        );
        // The API says the same.
        let key = app.api_key("LG").await;
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
        let u = v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["units"].as_array().unwrap())
            .find(|u| u["unit_code"] == "XTC")
            .unwrap()
            .clone();
        assert_eq!(u["answers"], 92);
        assert_eq!(u["merged_on"], merged_on.to_string());
        assert_eq!(u["merged_from"], serde_json::json!(["XTA", "XTB"]));
    }
);

both_databases!(
    two_answers_do_not_outrank_239_and_a_commune_sees_its_place_in_the_province,
    |app: TestApp| async move {
        let t = today();
        let period = format!("{}..{t}", t - Duration::days(30));
        let xth = app.unit_id("XTH").await;
        let pht = app.unit_id("PHT").await;
        let pls = app.unit_id("PLS").await;
        rate(&app, xth, &scores(239, 215), 5).await;
        rate(&app, pht, &scores(2, 2), 4).await;
        rate(&app, pls, &scores(40, 30), 6).await;
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let rows = get_csv(&leader, &format!("/indices/ranking.csv?period={period}")).await;
        // 2 answers are below the 30 a unit needs: listed apart, unranked.
        let p = row(&rows, "PHT");
        assert_eq!(p["rank"], "");
        assert_eq!(p["status"], "not_enough_answers");
        assert_eq!(p["required"], "30");
        // Ranked on the Wilson lower bound: XTH 215/239 → 0.854934 (statsmodels'
        // proportion_confint(215, 239, method="wilson")); PLS 30/40 → 0.598... below it.
        let x = row(&rows, "XTH");
        assert_eq!(x["rank"], "1");
        assert_eq!(x["of"], "2");
        close(f(x, "ci_low"), 0.854934, "XTH lower bound");
        assert_eq!(row(&rows, "PLS")["rank"], "2");
        // Even with no floor at all (an administrator's choice), 2 of 2 (interval 34–100 %)
        // ranks below 215 of 239.
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let mut form: Vec<(&str, String)> =
            langnghe_app::domain::index_rules::IndexRules::default().to_fields();
        form.iter_mut()
            .find(|(k, _)| *k == "min_answers")
            .unwrap()
            .1 = "0".into();
        let form_ref: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, saved) = admin
            .submit("/admin/index-rules", "/api/indices/rules", &form_ref)
            .await;
        assert!(saved.contains("Đã lưu quy tắc tính điểm"), "{saved}");
        let rows = get_csv(&leader, &format!("/indices/ranking.csv?period={period}")).await;
        assert_eq!(row(&rows, "PHT")["status"], "ranked");
        assert_eq!(row(&rows, "XTH")["rank"], "1");
        assert_eq!(
            row(&rows, "PLS")["rank"],
            "2",
            "30/40 → 0.598 > 2/2 → 0.342"
        );
        assert_eq!(row(&rows, "PHT")["rank"], "3");
        close(f(row(&rows, "PHT"), "ci_low"), 0.342380, "PHT lower bound");
        // The funnel plot draws each unit as a labelled dot against the group's limits.
        let (_, page) = leader.page(&format!("/indices?period={period}")).await;
        assert!(page.contains("chart funnel"), "a funnel plot");
        assert!(
            page.contains("215/239") && page.contains(">XTH<"),
            "XTH's dot, labelled"
        );
        assert!(page.contains("class=\"limit95\"") && page.contains("class=\"limit998\""));
        // A leader of Phường Hòa Thuận sees its place among the province's communes: 3 of 3,
        // not 1 of 1, without the other communes' names.
        let mut tx = app.db.begin().await.unwrap();
        langnghe_app::db::accounts::create(
            &mut tx,
            None,
            &langnghe_app::db::accounts::NewAccount {
                username: "lanhdao.pht",
                full_name: "Lãnh đạo Phường Hòa Thuận",
                email: "",
                password: "mot-mat-khau-dai-hon",
                role: langnghe_app::domain::Role::Leader,
                unit_id: pht,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let local = app.another_visitor();
        let r = local.login("lanhdao.pht", "mot-mat-khau-dai-hon").await;
        assert_eq!(langnghe_tests::location(&r), "/staff");
        let rows = get_csv(&local, &format!("/indices/ranking.csv?period={period}")).await;
        assert_eq!(rows.len(), 1, "only its own unit: {rows:?}");
        assert_eq!(rows[0]["rank"], "3");
        assert_eq!(rows[0]["of"], "3");
        let (_, page) = local.page(&format!("/indices?period={period}")).await;
        assert!(page.contains("/ 3"), "rank 3 of 3 on the page");
        assert!(
            !page.contains("Xã Tân Hòa") && !page.contains(">XTH<"),
            "no other commune named"
        );
        assert!(page.contains("215/239"), "but their dots are on the funnel");
        let key = {
            let mut tx = app.db.begin().await.unwrap();
            let (_, k) = langnghe_app::db::dossiers::create_key(&mut tx, None, "Một cửa", pht)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            k
        };
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
        assert_eq!(units.len(), 1);
        assert_eq!(units[0]["rank"], 3);
        assert_eq!(units[0]["of"], 3);
    }
);

both_databases!(
    overdue_is_one_count_on_the_dashboard_the_inbox_and_the_digest,
    |app: TestApp| async move {
        let t = today();
        // Open and past its deadline; open, past it, with an apology and a new date (still
        // overdue by law); open and due tomorrow; answered late (no longer open).
        case_in_state(
            &app,
            "XAPL",
            t - Duration::days(12),
            Some("competent"),
            "processing",
            t - Duration::days(1),
            None,
            None,
        )
        .await;
        let apologised = case_in_state(
            &app,
            "XAPL",
            t - Duration::days(14),
            Some("applying"),
            "processing",
            t - Duration::days(3),
            None,
            None,
        )
        .await;
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE feedback_cases SET extended_due_on = $1, apologies = 1 WHERE code = $2")
            .bind(t + Duration::days(5)).bind(&apologised).execute(c).await.map(|r| r.rows_affected())).unwrap();
        case_in_state(
            &app,
            "XAPL",
            t - Duration::days(3),
            Some("competent"),
            "processing",
            t + Duration::days(1),
            None,
            None,
        )
        .await;
        case_in_state(
            &app,
            "XAPL",
            t - Duration::days(20),
            Some("competent"),
            "answered",
            t - Duration::days(8),
            Some((t - Duration::days(4), true)),
            None,
        )
        .await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let (_, inbox) = official.page("/feedback/cases").await;
        let overdue_stat = "href=\"/feedback/cases?due=overdue\" class=\"stat stat-danger\"><span class=\"stat-value\">2</span>";
        assert!(
            inbox.contains(overdue_stat),
            "the inbox counts 2 overdue: {inbox}"
        );
        let (_, list) = official.page("/feedback/cases?due=overdue").await;
        assert!(
            list.contains(&apologised),
            "the apologised case is in the overdue list"
        );
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let xapl = app.unit_id("XAPL").await;
        let (_, dash) = leader.page(&format!("/dashboard?unit={xapl}")).await;
        assert!(dash.contains("đang quá hạn 2"), "{dash}");
        // The leaders' digest counts the same two.
        langnghe_app::db_run!(&app.db, c => sqlx::query("UPDATE accounts SET email = 'lanhdao@lamgiang.gov.vn' WHERE username = 'lanhdao'")
            .execute(c).await.map(|r| r.rows_affected())).unwrap();
        langnghe_app::notify::queue_digests(&app.db, &app.base, t)
            .await
            .unwrap();
        let params: String = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT CAST(params AS TEXT) FROM outbox WHERE event = 'feedback.digest' ORDER BY id DESC LIMIT 1").fetch_one(c).await).unwrap();
        let v: serde_json::Value = serde_json::from_str(&params).unwrap();
        assert_eq!(v["overdue"], 2, "{v}");
    }
);

// ---------------------------------------------------------------------------------------------
// Recomputation from the raw exports
// ---------------------------------------------------------------------------------------------

/// Wilson's 95 % score interval (Wilson 1927), written here from the formula.
fn wilson(k: i64, n: i64) -> (f64, f64) {
    let z = 1.959963984540054_f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// What this test knows of a unit from the exports alone.
#[derive(Default, Debug)]
struct Recount {
    n: i64,
    sat: i64,
    sum: i64,
    dossiers: i64,
    dossiers_bad: i64,
    judged: i64,
    on_time: i64,
    failed: i64,
}

/// Decision 766's rule as the README states it, applied to one row of `cases.csv`.
fn judged(
    c: &HashMap<String, String>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Option<(bool, bool)> {
    let in_authority = match c["class"].as_str() {
        "applying" | "competent" => true,
        "" => ["received", "processing", "awaiting_approval"].contains(&c["status"].as_str()),
        _ => false,
    };
    let due: NaiveDate = c["due_on"].parse().unwrap();
    let answered: Option<NaiveDate> = c["answered_on"].parse().ok();
    let in_p = |d: NaiveDate| from <= d && d <= to;
    if !in_authority || !((in_p(due) && due < today) || answered.is_some_and(in_p)) {
        return None;
    }
    let late = c["answered_late"] == "yes";
    let on_time = answered.is_some() && !late;
    let overdue = late || (answered.is_none() && due < today);
    let failed = overdue || c["citizen_satisfied"] == "no";
    Some((on_time, failed))
}

async fn post_dossier(app: &TestApp, key: &str, body: serde_json::Value) -> i64 {
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .header("X-API-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json::<serde_json::Value>().await.unwrap()["dossier_id"]
        .as_i64()
        .unwrap()
}

both_databases!(
    every_published_figure_is_recomputed_from_the_raw_exports_alone,
    |app: TestApp| async move {
        let t = today();
        let inst = instrument(&app).await;
        // The instrument's criteria: (element id, criterion id) of the first two elements.
        let crit: Vec<(i64, i64)> = langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT c.element_id, c.id FROM instrument_criteria c WHERE c.instrument_id = $1 ORDER BY c.position, c.id")
            .bind(inst).fetch_all(c).await).unwrap();
        let elements: Vec<i64> = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT id FROM instrument_elements WHERE instrument_id = $1 ORDER BY position").bind(inst).fetch_all(c).await).unwrap();
        let units = [
            ("XAPL", 0i64),
            ("XTH", 1),
            ("PLS", 2),
            ("STP", 3),
            ("SXD", 4),
        ];
        let mut list = Vec::new();
        for (code, k) in units {
            let id = app.unit_id(code).await;
            for i in 0..(35 + 9 * k) {
                let score = [5, 4, 3, 5, 2, 4, 1, 5][((i + k) % 8) as usize];
                let mut r = NewRating::new(
                    id,
                    inst,
                    if i % 3 == 0 {
                        Channel::SmsLink
                    } else {
                        Channel::Web
                    },
                    score,
                );
                // Full answers on every other rating: criteria scores vary with i.
                if i % 2 == 0 {
                    r.answers = crit
                        .iter()
                        .enumerate()
                        .take(9)
                        .map(|(j, (e, c))| (*e, Some(*c), 1 + ((i + j as i64 + k) % 5) as i32))
                        .collect();
                } else if i % 5 == 1 {
                    // The kiosk's second step: answers to whole elements.
                    r.answers = elements
                        .iter()
                        .take(3)
                        .enumerate()
                        .map(|(j, e)| (*e, None, 2 + ((i + j as i64) % 4) as i32))
                        .collect();
                }
                list.push((r, at(1 + i % 25, 9 + (i % 7) as u32, (i * 7 % 60) as u32)));
            }
        }
        // Answers at 02:00 from a kiosk: flagged, not counted.
        let kiosk: (i64, i64, i64) = langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT k.id, c.unit_id, c.id FROM kiosks k JOIN counters c ON c.id = k.counter_id ORDER BY k.id LIMIT 1")
            .fetch_one(c).await).unwrap();
        for d in 0..3 {
            let mut r = NewRating::new(kiosk.1, inst, Channel::Kiosk, 5);
            r.kiosk_id = Some(kiosk.0);
            r.counter_id = Some(kiosk.2);
            list.push((r, at(2 + d, 2, 0)));
        }
        let saved: Vec<i64> = ratings::save_many(&app.db, &Rules::default(), list)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.unwrap().id)
            .collect();
        // A correction: the first rating becomes a 1.
        let orig = ratings::get(&app.db, saved[0]).await.unwrap();
        let mut c = NewRating::new(orig.unit_id, inst, Channel::Web, 1);
        c.correction = Some((
            saved[0],
            "Nhập nhầm".into(),
            app.account_id("quantri").await,
        ));
        ratings::save_many(&app.db, &Rules::default(), vec![(c, at(0, 9, 0))])
            .await
            .unwrap();
        // Dossiers of XAPL and STP, procedure 2.000720 (a code with a trailing zero): late,
        // complained about, rated 1 through its link, fine.
        let key = app.api_key("LG").await;
        for (i, (unit, late, complained)) in [
            ("XAPL", true, false),
            ("XAPL", false, true),
            ("XAPL", false, false),
            ("XAPL", false, false),
            ("STP", false, false),
            ("STP", true, false),
        ]
        .iter()
        .enumerate()
        {
            let done = at(4 + i as i64, 10, 0);
            let due = if *late {
                done - Duration::hours(30)
            } else {
                done + Duration::days(2)
            };
            let id = post_dossier(
                &app,
                &key,
                serde_json::json!({
                "code": format!("H41.12-{i:04}"), "unit_code": unit, "procedure_code": "2.000720",
                "received_at": (done - Duration::days(6)).to_rfc3339(), "due_at": due.to_rfc3339(),
                "completed_at": done.to_rfc3339(), "complained": complained }),
            )
            .await;
            if i == 2 {
                let mut r = NewRating::new(app.unit_id("XAPL").await, inst, Channel::SmsLink, 1);
                r.dossier_id = Some(id);
                ratings::save_many(&app.db, &Rules::default(), vec![(r, at(3, 15, 0))])
                    .await
                    .unwrap();
            }
        }
        // Cases at XAPL and XTH.
        case_in_state(
            &app,
            "XAPL",
            t - Duration::days(20),
            Some("competent"),
            "answered",
            t - Duration::days(10),
            Some((t - Duration::days(12), false)),
            Some(true),
        )
        .await;
        case_in_state(
            &app,
            "XAPL",
            t - Duration::days(20),
            Some("applying"),
            "answered",
            t - Duration::days(9),
            Some((t - Duration::days(6), true)),
            Some(false),
        )
        .await;
        case_in_state(
            &app,
            "XAPL",
            t - Duration::days(9),
            None,
            "received",
            t - Duration::days(2),
            None,
            None,
        )
        .await;
        case_in_state(
            &app,
            "XTH",
            t - Duration::days(15),
            Some("competent"),
            "answered",
            t - Duration::days(5),
            Some((t - Duration::days(7), false)),
            Some(false),
        )
        .await;
        case_in_state(
            &app,
            "XTH",
            t - Duration::days(2),
            Some("competent"),
            "processing",
            t + Duration::days(6),
            None,
            None,
        )
        .await;

        let (from, to) = (t - Duration::days(30), t);
        let period = format!("{from}..{to}");
        let leader = app.another_visitor();
        leader.login_as("lanhdao").await;
        let raw = get_csv(&leader, &format!("/indices/ratings.csv?period={period}")).await;
        let dossiers = get_csv(&leader, &format!("/indices/dossiers.csv?period={period}")).await;
        let cases = get_csv(&leader, &format!("/indices/cases.csv?period={period}")).await;
        let ranking = get_csv(&leader, &format!("/indices/ranking.csv?period={period}")).await;
        assert!(raw.len() > 200);
        assert_eq!(dossiers.len(), 6);
        // Procedure codes are text: quoted in the comma file (a reader that types columns reads
        // "2.000720", not 2.00072).
        let body = leader
            .get(&format!("/indices/dossiers.csv?period={period}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(body.contains("\"2.000720\""), "quoted code");

        // --- Recount, per ranking row, from the exports alone.
        let mut by: BTreeMap<String, Recount> = BTreeMap::new();
        let counted: Vec<&HashMap<String, String>> =
            raw.iter().filter(|r| r["counted"] == "yes").collect();
        for r in &raw {
            if r["counted"] == "no" {
                assert!(
                    r["why_not"].starts_with("flagged:") || r["why_not"] == "corrected",
                    "{r:?}"
                );
            }
            assert!(
                r["time"].ends_with("+07:00"),
                "ISO 8601 with the offset: {}",
                r["time"]
            );
        }
        for r in &counted {
            let e = by.entry(r["ranked_in"].clone()).or_default();
            let s: i64 = r["score"].parse().unwrap();
            e.n += 1;
            e.sat += i64::from(s >= 4);
            e.sum += s;
        }
        let rated_bad: Vec<&str> = counted
            .iter()
            .filter(|r| r["score"].parse::<i64>().unwrap() <= 2 && !r["dossier_code"].is_empty())
            .map(|r| r["dossier_code"].as_str())
            .collect();
        for d in &dossiers {
            let e = by.entry(d["ranked_in"].clone()).or_default();
            e.dossiers += 1;
            let due = chrono::DateTime::parse_from_rfc3339(&d["due_at"]).unwrap();
            let done = chrono::DateTime::parse_from_rfc3339(&d["completed_at"]).unwrap();
            let bad = done > due
                || d["complained"] == "yes"
                || rated_bad.contains(&d["dossier_code"].as_str());
            assert_eq!(
                d["rated_dissatisfied"] == "yes",
                rated_bad.contains(&d["dossier_code"].as_str())
            );
            e.dossiers_bad += i64::from(bad);
        }
        for c in &cases {
            if let Some((on_time, failed)) = judged(c, from, to, t) {
                let e = by.entry(c["ranked_in"].clone()).or_default();
                e.judged += 1;
                e.on_time += i64::from(on_time);
                e.failed += i64::from(failed);
            }
        }
        // --- Every ranking row against the recount.
        let (e, floor) = (0.05_f64, 30_i64);
        for row in &ranking {
            let code = &row["unit_code"];
            let rc = by.remove(code).unwrap_or_default();
            assert_eq!(row["answers"], rc.n.to_string(), "{code}");
            assert_eq!(row["satisfied"], rc.sat.to_string(), "{code}");
            assert_eq!(row["dossiers"], rc.dossiers.to_string(), "{code}");
            let yamane = if rc.dossiers == 0 {
                0
            } else {
                (rc.dossiers as f64 / (1.0 + rc.dossiers as f64 * e * e) - 1e-9).ceil() as i64
            };
            let required = yamane.max(floor);
            assert_eq!(row["required"], required.to_string(), "{code}");
            assert_eq!(
                row["enough"],
                if rc.n > 0 && rc.n >= required {
                    "yes"
                } else {
                    "no"
                },
                "{code}"
            );
            if rc.n > 0 {
                close(f(row, "share_satisfied"), rc.sat as f64 / rc.n as f64, code);
                close(f(row, "mean"), rc.sum as f64 / rc.n as f64, code);
                let (lo, hi) = wilson(rc.sat, rc.n);
                close(f(row, "ci_low"), lo, code);
                close(f(row, "ci_high"), hi, code);
                close(
                    f(row, "par_points"),
                    rc.sat as f64 / rc.n as f64 * 14.0,
                    code,
                );
            }
            // Decision 766: ratios with data, total scaled to 18 on them.
            let mut earned = 0.0;
            let mut possible = 0.0;
            let ratio = |k: &str, part: i64, whole: i64, earned: &mut f64, possible: &mut f64| {
                if whole == 0 {
                    assert_eq!(row[k], "", "{code} {k}: no data");
                } else {
                    let v = part as f64 / whole as f64;
                    close(f(row, k), v, &format!("{code} {k}"));
                    *earned += 6.0 * v;
                    *possible += 6.0;
                }
            };
            ratio(
                "r766_on_time",
                rc.on_time,
                rc.judged,
                &mut earned,
                &mut possible,
            );
            ratio(
                "r766_not_dissatisfied",
                rc.judged - rc.failed,
                rc.judged,
                &mut earned,
                &mut possible,
            );
            ratio(
                "r766_dossiers",
                rc.dossiers - rc.dossiers_bad,
                rc.dossiers,
                &mut earned,
                &mut possible,
            );
            if possible == 0.0 {
                assert_eq!(row["g766_points"], "", "{code}");
            } else {
                close(
                    f(row, "g766_points"),
                    earned * 18.0 / possible,
                    &format!("{code} 766"),
                );
            }
        }
        assert!(
            by.values()
                .all(|r| r.n == 0 && r.dossiers == 0 && r.judged == 0),
            "every counted record belongs to a ranking row: {by:?}"
        );
        // --- Ranks: within each group, ranked units by the Wilson lower bound (ties: same n
        // and same satisfied), competition ranks.
        let mut groups: BTreeMap<String, Vec<&HashMap<String, String>>> = BTreeMap::new();
        for r in &ranking {
            groups.entry(r["group"].clone()).or_default().push(r);
        }
        for (g, rows) in &groups {
            let mut ok: Vec<(f64, i64, i64, &str)> = rows
                .iter()
                .filter(|r| r["enough"] == "yes")
                .map(|r| {
                    let n: i64 = r["answers"].parse().unwrap();
                    let s: i64 = r["satisfied"].parse().unwrap();
                    (wilson(s, n).0, n, s, r["unit_code"].as_str())
                })
                .collect();
            ok.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut expect: HashMap<&str, usize> = HashMap::new();
            for (i, x) in ok.iter().enumerate() {
                let rank = ok
                    .iter()
                    .position(|y| y.1 == x.1 && y.2 == x.2)
                    .map(|p| p + 1)
                    .unwrap();
                expect.insert(x.3, rank.min(i + 1));
            }
            for r in rows {
                let want = expect
                    .get(r["unit_code"].as_str())
                    .map(|x| x.to_string())
                    .unwrap_or_default();
                assert_eq!(r["rank"], want, "rank of {} in {g}", r["unit_code"]);
                assert_eq!(r["of"], ok.len().to_string());
            }
        }
        // --- Criterion, element and overall indices (the dashboard of the province).
        let crit_cols: Vec<String> = raw[0]
            .keys()
            .filter(|k| k.contains('.') && k.len() <= 8)
            .cloned()
            .collect();
        let elem_cols: Vec<String> = raw[0]
            .keys()
            .filter(|k| k.chars().all(|c| c.is_ascii_uppercase()) && !k.is_empty())
            .cloned()
            .collect();
        assert!(
            !crit_cols.is_empty() && !elem_cols.is_empty(),
            "{:?}",
            raw[0].keys()
        );
        let share = |col: &str| -> Option<f64> {
            let v: Vec<i64> = counted
                .iter()
                .filter_map(|r| r[col].parse::<i64>().ok())
                .collect();
            (!v.is_empty()).then(|| v.iter().filter(|s| **s >= 4).count() as f64 / v.len() as f64)
        };
        let mut element_ix: Vec<f64> = Vec::new();
        let mut all_elements: Vec<String> = elem_cols.clone();
        for c in &crit_cols {
            let e = c.split('.').next().unwrap().to_string();
            if !all_elements.contains(&e) {
                all_elements.push(e);
            }
        }
        for e in &all_elements {
            let crits: Vec<f64> = crit_cols
                .iter()
                .filter(|c| c.starts_with(&format!("{e}.")))
                .filter_map(|c| share(c))
                .collect();
            let ix = if crits.is_empty() {
                share(e)
            } else {
                Some(crits.iter().sum::<f64>() / crits.len() as f64)
            };
            if let Some(ix) = ix {
                element_ix.push(ix);
            }
        }
        let overall = element_ix.iter().sum::<f64>() / element_ix.len() as f64;
        let (_, dash) = leader.page(&format!("/dashboard?period={period}")).await;
        assert!(
            dash.contains(&format!("{:.1} %", overall * 100.0)),
            "overall index {overall} on the dashboard"
        );
        for ix in &element_ix {
            assert!(
                dash.contains(&format!("{:.1} %", ix * 100.0)),
                "element index {ix} on the dashboard"
            );
        }
        // --- The page, the XLSX and the API say the same.
        let (_, page) = leader.page(&format!("/indices?period={period}")).await;
        let api_key = app.api_key("LG").await;
        let api: serde_json::Value = app
            .client
            .get(app.url(&format!("/api/v1/indices?period={period}")))
            .header("X-API-Key", &api_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let api_units: Vec<&serde_json::Value> = api["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["units"].as_array().unwrap())
            .collect();
        let bytes = leader
            .get(&format!("/indices/ranking.xlsx?period={period}"))
            .await
            .bytes()
            .await
            .unwrap()
            .to_vec();
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&sheet).unwrap();
        let cell =
            |r: usize, c: usize| range.get((r, c)).map(|d| d.to_string()).unwrap_or_default();
        for row in &ranking {
            let code = &row["unit_code"];
            let u = api_units
                .iter()
                .find(|u| u["unit_code"] == code.as_str())
                .unwrap();
            assert_eq!(u["answers"].as_i64().unwrap().to_string(), row["answers"]);
            assert_eq!(
                u["rank"]
                    .as_i64()
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
                row["rank"],
                "{code}"
            );
            assert_eq!(u["of"].as_i64().unwrap().to_string(), row["of"]);
            assert_eq!(u["status"], row["status"].as_str());
            for (i, k) in ["r766_on_time", "r766_not_dissatisfied", "r766_dossiers"]
                .iter()
                .enumerate()
            {
                match u["g766_ratios"][i].as_f64() {
                    Some(v) => close(v, f(row, k), &format!("api {code} {k}")),
                    None => assert_eq!(row[*k], ""),
                }
            }
            let x = (0..range.height())
                .find(|r| cell(*r, 3) == *code)
                .unwrap_or_else(|| panic!("{code} in the XLSX"));
            assert_eq!(
                cell(x, 0),
                row["rank"],
                "XLSX rank of {code} is a number or empty"
            );
            assert_eq!(
                cell(x, 2),
                if row["status"] == "ranked" {
                    "Được xếp hạng"
                } else {
                    "Chưa đủ mẫu"
                }
            );
            if let Ok(s) = row["share_satisfied"].parse::<f64>() {
                close(
                    cell(x, 8).parse().unwrap(),
                    s,
                    &format!("xlsx share {code}"),
                );
                assert!(
                    page.contains(&format!("{:.1} %", s * 100.0)),
                    "{code}'s share on the page"
                );
            }
            if let Ok(r1) = row["r766_dossiers"].parse::<f64>() {
                close(cell(x, 18).parse().unwrap(), r1, &format!("xlsx r3 {code}"));
            }
        }
        // --- The Excel variant: semicolons, decimal commas, codes kept as text.
        let excel = leader
            .get(&format!(
                "/indices/dossiers.csv?period={period}&format=excel"
            ))
            .await;
        assert!(excel.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("excel"));
        let body = excel.text().await.unwrap();
        assert!(
            body.contains(";\"=\"\"2.000720\"\"\";") || body.contains(";=\"2.000720\";"),
            "{body}"
        );
        let excel_rank = leader
            .get(&format!(
                "/indices/ranking.csv?period={period}&format=excel"
            ))
            .await
            .bytes()
            .await
            .unwrap();
        let rows = csv_rows(&excel_rank, b';');
        let xapl = row(&rows, "=\"XAPL\"");
        assert!(
            xapl["share_satisfied"].contains(',') && !xapl["share_satisfied"].contains('.'),
            "{xapl:?}"
        );
    }
);
