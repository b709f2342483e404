use langnghe_app::db::{demo, kiosks, ratings};
use langnghe_tests::{both_databases, location, TestApp};

/// Opens the first demo kiosk in this client (sets its cookie) and returns it.
async fn open_kiosk(app: &TestApp) -> kiosks::Kiosk {
    let token = demo::demo_kiosk_token(0);
    let r = app.get(&format!("/kiosk?token={token}")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/kiosk");
    let (status, body) = app.page("/kiosk").await;
    assert_eq!(status, 200);
    assert!(body.contains("Ông/Bà có hài lòng với sự phục vụ hôm nay không?"));
    kiosks::kiosk_by_token(&app.db, &token)
        .await
        .unwrap()
        .expect("demo kiosk")
}

async fn rate(app: &TestApp, score: &str, nonce: Option<&str>) -> String {
    let mut form = vec![("score", score)];
    if let Some(n) = nonce {
        form.push(("nonce", n));
    }
    let r = app.post_form("/kiosk", "/api/kiosk/rate", &form).await;
    assert_eq!(r.status(), 302);
    location(&r)
}

both_databases!(
    a_kiosk_rating_lands_with_its_kiosk_counter_and_unit,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app).await;
        let to = rate(&app, "4", None).await;
        assert!(to.starts_with("/kiosk/thanks?r="), "{to}");
        let id: i64 = to
            .split("r=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let row = ratings::get(&app.db, id).await.unwrap();
        assert_eq!(
            (row.kiosk_id, row.counter_id, row.unit_id),
            (Some(kiosk.id), Some(kiosk.counter_id), kiosk.unit_id)
        );
        assert_eq!(
            (row.channel.as_str(), row.score, row.faces),
            ("kiosk", 4, Some(kiosk.faces))
        );
        // The thank-you page offers the second step; its answers are added once.
        let (status, body) = app.page(&to).await;
        assert_eq!(status, 200);
        assert!(body.contains("Tiếp cận dịch vụ"));
        let inst = langnghe_app::db::instruments::published(&app.db, "SIPAS")
            .await
            .unwrap()
            .unwrap();
        let e1 = inst.elements[0].0.id.to_string();
        let sig = to.split("s=").nth(1).unwrap().to_string();
        let key = format!("answers[{e1}]");
        let r = app
            .post_form(
                &to,
                "/api/kiosk/details",
                &[
                    ("r", &id.to_string()),
                    ("s", &sig),
                    (&key, "2"),
                    ("comment", "Thiếu ghế chờ"),
                ],
            )
            .await;
        assert_eq!(location(&r), "/kiosk/done");
        let (_, body) = app.page("/kiosk/done").await;
        assert!(body.contains("Xin cảm ơn ông/bà!"));
        // A forged signature adds nothing.
        let r = app
            .post_form(
                &to,
                "/api/kiosk/details",
                &[("r", &id.to_string()), ("s", "00"), ("comment", "giả")],
            )
            .await;
        assert_eq!(location(&r), "/kiosk");
        let (checked, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!((checked, problems.len()), (1, 0));
        // A face the kiosk does not show is refused, nothing saved.
        let faces = kiosk.faces;
        if faces == 3 {
            assert_eq!(rate(&app, "2", None).await, "/kiosk?e=1");
        }
        assert_eq!(rate(&app, "9", None).await, "/kiosk?e=1");
        let (_, body) = app.page("/kiosk?e=1").await;
        assert!(
            body.contains("CHƯA được lưu"),
            "the kiosk says plainly that a rating was not saved"
        );
    }
);

both_databases!(
    a_retried_kiosk_rating_counts_once,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app).await;
        let a = rate(&app, "5", Some("nonce-123")).await;
        let b = rate(&app, "5", Some("nonce-123")).await;
        assert_eq!(
            a.split('&').next(),
            b.split('&').next(),
            "the same rating id"
        );
        assert_eq!(
            ratings::counted_scores(&app.db, kiosk.unit_id)
                .await
                .unwrap()
                .len(),
            1
        );
    }
);

/// Runs one SQL statement with one id on the test database.
async fn sql(app: &TestApp, sql: &str, id: i64) {
    match &app.db {
        langnghe_app::db::Db::Sqlite(p) => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()),
        langnghe_app::db::Db::Postgres(p) => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

/// The ids of the flagged (not cleared) ratings, in order.
async fn flagged_ids(app: &TestApp) -> Vec<i64> {
    let f = ratings::Filter {
        flagged_only: true,
        ..Default::default()
    };
    let (rows, _) = ratings::list(&app.db, "/", &f, 500, 0).await.unwrap();
    let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    ids.sort();
    ids
}

both_databases!(
    a_burst_is_flagged_whole_and_left_out,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app).await;
        rate(&app, "3", None).await;
        // Six identical answers in a few seconds, each its own request (so its own batch): the
        // fifth completes the burst, and the four before it, already committed and counted,
        // leave the counts with it; the sixth continues it.
        for _ in 0..6 {
            rate(&app, "5", None).await;
        }
        let counted = ratings::counted_scores(&app.db, kiosk.unit_id)
            .await
            .unwrap();
        assert_eq!(counted, vec![3], "every answer of the burst is left out");
        let f = ratings::Filter {
            flagged_only: true,
            ..Default::default()
        };
        let (flagged, total) = ratings::list(&app.db, "/", &f, 50, 0).await.unwrap();
        assert_eq!(total, 6);
        assert!(flagged
            .iter()
            .all(|r| r.flag.as_deref() == Some("burst") && r.score == 5));
        // The rollups moved with them (the earlier four left them in the burst's transaction).
        assert_eq!(
            langnghe_app::db::rollup::check(&app.db).await.unwrap(),
            vec![]
        );
        // An admin clears one: it counts again, and the rollups follow.
        let admin = app.account_id("quantri").await;
        ratings::clear_flag(&app.db, admin, flagged[0].id)
            .await
            .unwrap();
        assert_eq!(
            ratings::counted_scores(&app.db, kiosk.unit_id)
                .await
                .unwrap(),
            vec![3, 5]
        );
        assert_eq!(
            langnghe_app::db::rollup::check(&app.db).await.unwrap(),
            vec![]
        );
        // Flags and the clearing are chained: verify is content.
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems, vec![]);
    }
);

both_databases!(
    a_burst_inside_one_batch_is_flagged_whole,
    |app: TestApp| async move {
        let app = app;
        let kiosk: (i64, i64, i64) = langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT k.id, c.unit_id, c.id FROM kiosks k JOIN counters c ON c.id = k.counter_id ORDER BY k.id LIMIT 1")
            .fetch_one(c).await)
        .unwrap();
        let inst: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
        .unwrap();
        let t0 = langnghe_app::db::now();
        let answer = |score: i32, secs: i64| {
            let mut r = ratings::NewRating::new(
                kiosk.1,
                inst,
                langnghe_app::domain::rating::Channel::Kiosk,
                score,
            );
            r.kiosk_id = Some(kiosk.0);
            r.counter_id = Some(kiosk.2);
            (r, t0 + chrono::Duration::seconds(secs))
        };
        // 4, then five 5s within 20 s, then a 4: one batch (spread so that no minute has more
        // than six answers). The five are the burst.
        let jobs: Vec<_> = [
            (4, 0),
            (5, 40),
            (5, 45),
            (5, 50),
            (5, 55),
            (5, 60),
            (4, 101),
        ]
        .iter()
        .map(|(s, t)| answer(*s, *t))
        .collect();
        let out = ratings::save_batch(&app.db, &open_all_day(), &jobs).await;
        let flagged: Vec<bool> = out
            .iter()
            .map(|r| r.as_ref().unwrap().suspicious.is_some())
            .collect();
        assert_eq!(
            flagged,
            vec![false, true, true, true, true, true, false],
            "the whole burst, answers before the fifth included"
        );
        assert_eq!(
            ratings::counted_scores(&app.db, kiosk.1).await.unwrap(),
            vec![4, 4]
        );
        assert_eq!(
            langnghe_app::db::rollup::check(&app.db).await.unwrap(),
            vec![]
        );
    }
);

both_databases!(
    verify_names_a_flag_removed_or_changed_with_sql,
    |app: TestApp| async move {
        open_kiosk(&app).await;
        for _ in 0..5 {
            rate(&app, "5", None).await;
        }
        let ids = flagged_ids(&app).await;
        assert_eq!(ids.len(), 5);
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems, vec![]);
        // Someone with database access removes a flag: the answer would count again.
        sql(
            &app,
            "DELETE FROM rating_flags WHERE rating_id = $1",
            ids[0],
        )
        .await;
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].rating_id, Some(ids[0]));
        assert!(problems[0].what.contains("removed"), "{problems:?}");
        // The command says so and fails.
        use clap::Parser;
        let cli = langnghe_server::config::Cli::parse_from([
            "langnghe",
            "--database-url",
            &app.database_url,
            "--data-dir",
            &app.data_dir.display().to_string(),
            "verify",
        ]);
        assert!(langnghe_server::cli::run(cli).await.is_err());
        // Another one is "cleared" by hand, without the application.
        sql(
            &app,
            "UPDATE rating_flags SET cleared_at = flagged_at WHERE rating_id = $1",
            ids[1],
        )
        .await;
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        let named: Vec<Option<i64>> = problems.iter().map(|p| p.rating_id).collect();
        assert_eq!(named, vec![Some(ids[1]), Some(ids[0])], "{problems:?}");
        assert!(problems[0].what.contains("cleared"), "{problems:?}");
        // A flag's reason changed, and an event of the chain itself changed or removed.
        sql(
            &app,
            "UPDATE rating_flags SET reason = 'outside_hours' WHERE rating_id = $1",
            ids[2],
        )
        .await;
        sql(
            &app,
            "UPDATE flag_events SET reason = 'outside_hours' WHERE rating_id = $1",
            ids[3],
        )
        .await;
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p.rating_id == Some(ids[2]) && p.what.contains("changed")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.rating_id == Some(ids[3]) && p.what.contains("flag chain")),
            "{problems:?}"
        );
        let last: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT MAX(id) FROM flag_events").fetch_one(c).await)
        .unwrap();
        sql(&app, "DELETE FROM flag_events WHERE id = $1", last).await;
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p.rating_id.is_none() && p.what.contains("head")),
            "the head notices the last event removed: {problems:?}"
        );
    }
);

both_databases!(
    verify_finds_a_row_altered_by_direct_sql,
    |app: TestApp| async move {
        open_kiosk(&app).await;
        let mut ids = Vec::new();
        for s in ["1", "3", "5"] {
            let to = rate(&app, s, None).await;
            ids.push(
                to.split("r=")
                    .nth(1)
                    .unwrap()
                    .split('&')
                    .next()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap(),
            );
        }
        let (checked, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!((checked, problems.len()), (3, 0));
        // Someone with database access turns a 1 into a 5.
        let sql = "UPDATE ratings SET score = 5 WHERE id = $1";
        match &app.db {
            langnghe_app::db::Db::Sqlite(p) => {
                sqlx::query(sql).bind(ids[0]).execute(p).await.map(|_| ())
            }
            langnghe_app::db::Db::Postgres(p) => {
                sqlx::query(sql).bind(ids[0]).execute(p).await.map(|_| ())
            }
        }
        .unwrap();
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].rating_id, Some(ids[0]));
        // The command says so and fails.
        use clap::Parser;
        let cli = langnghe_server::config::Cli::parse_from([
            "langnghe",
            "--database-url",
            &app.database_url,
            "--data-dir",
            &app.data_dir.display().to_string(),
            "verify",
        ]);
        assert!(langnghe_server::cli::run(cli).await.is_err());
        // Deleting the last row is noticed too.
        let sql = "DELETE FROM ratings WHERE id = $1";
        match &app.db {
            langnghe_app::db::Db::Sqlite(p) => {
                sqlx::query(sql).bind(ids[2]).execute(p).await.map(|_| ())
            }
            langnghe_app::db::Db::Postgres(p) => {
                sqlx::query(sql).bind(ids[2]).execute(p).await.map(|_| ())
            }
        }
        .unwrap();
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert!(
            problems.iter().any(|p| p.rating_id.is_none()),
            "the chain head notices a removed last row: {problems:?}"
        );
    }
);

both_databases!(
    a_correction_made_at_night_is_not_judged_as_a_kiosk_answer,
    |app: TestApp| async move {
        let kiosk: (i64, i64, i64) = langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT k.id, c.unit_id, c.id FROM kiosks k JOIN counters c ON c.id = k.counter_id ORDER BY k.id LIMIT 1")
            .fetch_one(c).await)
        .unwrap();
        let inst: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
        .unwrap();
        // Vietnam time: a morning answer, then the official's correction at 02:00, a time at
        // which a kiosk answer would be flagged (nobody is served then).
        let day = langnghe_app::db::today() - chrono::Duration::days(2);
        let local = |h: u32| {
            use chrono::TimeZone;
            chrono_tz::Asia::Ho_Chi_Minh
                .from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap())
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let kiosk_answer = |score| {
            let mut r = ratings::NewRating::new(
                kiosk.1,
                inst,
                langnghe_app::domain::rating::Channel::Kiosk,
                score,
            );
            r.kiosk_id = Some(kiosk.0);
            r.counter_id = Some(kiosk.2);
            r
        };
        let rules = ratings::Rules::default();
        let first = ratings::save_many(&app.db, &rules, vec![(kiosk_answer(5), local(10))])
            .await
            .unwrap()[0]
            .as_ref()
            .unwrap()
            .id;
        let mut correction = kiosk_answer(2);
        correction.correction = Some((first, "Bấm nhầm".into(), app.account_id("quantri").await));
        let fixed = ratings::save_many(
            &app.db,
            &rules,
            vec![(correction, local(2) + chrono::Duration::days(1))],
        )
        .await
        .unwrap()[0]
            .as_ref()
            .unwrap()
            .id;
        // The same kiosk answering at that hour is flagged: the rule is on.
        let night = ratings::save_many(
            &app.db,
            &rules,
            vec![(kiosk_answer(4), local(2) + chrono::Duration::days(1))],
        )
        .await
        .unwrap()[0]
            .as_ref()
            .unwrap()
            .id;
        let flagged: Vec<i64> = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT rating_id FROM rating_flags ORDER BY rating_id").fetch_all(c).await)
        .unwrap();
        assert_eq!(
            flagged,
            vec![night],
            "the correction {fixed} is not flagged"
        );
        assert_eq!(
            ratings::counted_scores(&app.db, kiosk.1).await.unwrap(),
            vec![2]
        );
    }
);

both_databases!(
    a_failed_batch_retried_one_by_one_flags_nobody,
    |app: TestApp| async move {
        // Hold the whole app (a block that only reads `app.db` would drop the rest, and with
        // it the test's database).
        let app = app;
        // Four citizens in a row give a 5 at the same kiosk (a queue, not a burst), and in the
        // same batch one answer that cannot be saved (its instrument does not exist): the batch
        // fails, and the writer saves the others one by one. Judged one by one, the four must
        // still be four answers of a queue, not five copies of themselves.
        let kiosk: (i64, i64, i64) = langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT k.id, c.unit_id, c.id FROM kiosks k JOIN counters c ON c.id = k.counter_id ORDER BY k.id LIMIT 1")
            .fetch_one(c).await)
        .unwrap();
        let inst: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
        .unwrap();
        let t0 = langnghe_app::db::now();
        let mut jobs = Vec::new();
        for i in 0..4 {
            let mut r = ratings::NewRating::new(
                kiosk.1,
                inst,
                langnghe_app::domain::rating::Channel::Kiosk,
                5,
            );
            r.kiosk_id = Some(kiosk.0);
            r.counter_id = Some(kiosk.2);
            r.faces = Some(5);
            jobs.push((r, t0 + chrono::Duration::seconds(i)));
        }
        let bad = ratings::NewRating::new(
            kiosk.1,
            inst + 1_000_000,
            langnghe_app::domain::rating::Channel::Web,
            1,
        );
        jobs.push((bad, t0 + chrono::Duration::seconds(4)));
        let rules = open_all_day();
        let out = ratings::save_batch(&app.db, &rules, &jobs).await;
        assert!(out[4].is_err(), "the bad answer is refused");
        for (i, r) in out[..4].iter().enumerate() {
            let saved = r.as_ref().expect("saved");
            assert_eq!(saved.suspicious, None, "answer {i} is not a burst");
        }
        let flags: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM rating_flags").fetch_one(c).await)
        .unwrap();
        assert_eq!(flags, 0);
        assert_eq!(
            ratings::counted_scores(&app.db, kiosk.1).await.unwrap(),
            vec![5, 5, 5, 5]
        );
        // And the kiosk memory holds the four only: a fifth 5 within 20 s is the burst.
        let mut fifth = jobs[0].0.clone();
        fifth.client_nonce = None;
        let out = ratings::save_batch(
            &app.db,
            &rules,
            &[(fifth, t0 + chrono::Duration::seconds(5))],
        )
        .await;
        assert!(out[0].as_ref().unwrap().suspicious.is_some());
    }
);

both_databases!(
    flags_made_before_the_flag_chain_are_chained_once,
    |app: TestApp| async move {
        // A database from before the flag chain: a flag and a cleared flag without events,
        // and the marker the migration leaves.
        let unit = app.unit_id("XAPL").await;
        let a = app.web_rating(unit, 1).await;
        let b = app.web_rating(unit, 2).await;
        let admin = app.account_id("quantri").await;
        let now = langnghe_app::db::ratings::now_micros();
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "INSERT INTO rating_flags (rating_id, reason, flagged_at, cleared_by, cleared_at) VALUES ($1, 'burst', $3, NULL, NULL), ($2, 'outside_hours', $3, $4, $3)")
            .bind(a).bind(b).bind(now).bind(admin).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems.len(), 2, "not chained yet: {problems:?}");
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ('flags.chain_pending', '1', $1)")
            .bind(now).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        app.db.migrate().await.unwrap();
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems, vec![]);
        let events: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM flag_events").fetch_one(c).await)
        .unwrap();
        assert_eq!(events, 3, "a flag, a flag and its clearing");
        // Only once: a flag slipped in later is not made legitimate by the next start.
        let c = app.web_rating(unit, 3).await;
        sql(
            &app,
            "INSERT INTO rating_flags (rating_id, reason, flagged_at) VALUES ($1, 'burst', CURRENT_TIMESTAMP)",
            c,
        )
        .await;
        app.db.migrate().await.unwrap();
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].rating_id, Some(c));
    }
);

/// The writer's rules with the kiosk open around the clock: these tests stamp answers with the
/// time they run, and the rule under test is not the opening hours (an evening run would see
/// every answer flagged "outside opening hours").
fn open_all_day() -> ratings::Rules {
    let day = (
        chrono::NaiveTime::MIN,
        chrono::NaiveTime::from_hms_opt(23, 59, 59).expect("a time"),
    );
    ratings::Rules {
        hours: langnghe_app::domain::rating::OpeningHours {
            weekday: day,
            saturday: Some(day),
            sunday: Some(day),
        },
        ..Default::default()
    }
}
