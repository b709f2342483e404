//! `langnghe backup` and `langnghe restore`: a backup taken while the app serves comes back
//! whole in a new database (same counts, the ratings' hash chains intact); a restore refuses to
//! replace data without --force, refuses a database in use, and refuses missing, damaged or
//! foreign backup files without touching the database.

use clap::Parser;
use langnghe_app::db::backup::{self, Counts};
use langnghe_app::db::{demo, ratings, Db};
use langnghe_tests::{
    both_databases, fresh_database_url, location, temp_data_dir, Backend, TestApp,
};
use std::path::{Path, PathBuf};

/// Runs `langnghe <args>` in-process against the database at `url`.
async fn langnghe(url: &str, data_dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let dir = data_dir.display().to_string();
    let mut argv = vec!["langnghe", "--database-url", url, "--data-dir", &dir];
    argv.extend_from_slice(args);
    langnghe_server::cli::run(langnghe_server::config::Cli::parse_from(argv)).await
}

/// A kiosk rating posted as a citizen does; checks that it was saved.
async fn rate_at_kiosk(app: &TestApp, score: &str) {
    let r = app
        .post_form("/kiosk", "/api/kiosk/rate", &[("score", score)])
        .await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    assert!(to.starts_with("/kiosk/thanks?r="), "rating not saved: {to}");
}

/// A new, empty database of the app's kind, and its data directory.
async fn fresh_database(app: &TestApp) -> (String, PathBuf) {
    let dir = temp_data_dir();
    let url = fresh_database_url(app.backend, &dir)
        .await
        .expect("a fresh database");
    (url, dir)
}

/// Closes a pool and drops it: a connection that was on its way back when the pool closed is
/// only let go with the pool, and a restore would find the database in use.
async fn close(db: Db) {
    db.close().await;
    drop(db);
}

async fn counts_at(url: &str) -> Counts {
    let db = Db::connect(url).await.unwrap();
    let c = backup::counts(&db).await.unwrap();
    close(db).await;
    c
}

async fn has_schema(url: &str) -> bool {
    let db = Db::connect(url).await.unwrap();
    let yes = backup::table_exists(&db, "units").await.unwrap();
    close(db).await;
    yes
}

both_databases!(
    a_backup_taken_while_serving_comes_back_whole_in_a_new_database,
    |app: TestApp| async move {
        // Some of everything, through the running app.
        let r = app
            .get(&format!("/kiosk?token={}", demo::demo_kiosk_token(0)))
            .await;
        assert_eq!(r.status(), 303, "the demo kiosk opens");
        for score in ["5", "3", "4"] {
            rate_at_kiosk(&app, score).await;
        }
        app.case_received_on("XAPL", langnghe_app::db::today(), "0912000444", "vi")
            .await;
        let session = app.published_session("saturday", 10, None).await;
        let r = app
            .post_form(
                &format!("/sessions/{session}"),
                "/api/sessions/signup",
                &[
                    ("session_id", session.to_string().as_str()),
                    ("name", "Trần Văn Bảy"),
                    ("phone", "0912000445"),
                    ("slot", ""),
                ],
            )
            .await;
        assert!(location(&r).starts_with("/sessions/signup/DT"), "signed up");
        let at_backup = backup::counts(&app.db).await.unwrap();
        assert_eq!(
            at_backup,
            Counts {
                ratings: 3,
                feedback_cases: 1,
                session_signups: 1
            }
        );

        // The backup, while the app keeps serving.
        let file = app.data_dir.join("langnghe.backup");
        langnghe(
            &app.database_url,
            &app.data_dir,
            &["backup", &file.display().to_string()],
        )
        .await
        .expect("backup");
        assert!(std::fs::metadata(&file).unwrap().len() > 0);
        assert_eq!(
            app.get("/healthz").await.status(),
            200,
            "the app still serves"
        );
        rate_at_kiosk(&app, "2").await;
        assert_eq!(backup::counts(&app.db).await.unwrap().ratings, 4);
        // A backup never overwrites a file.
        let err = langnghe(
            &app.database_url,
            &app.data_dir,
            &["backup", &file.display().to_string()],
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("already exists"), "{err}");

        // Restored into a new database: what there was at backup time, chains intact.
        let (url, dir) = fresh_database(&app).await;
        let file_arg = file.display().to_string();
        langnghe(&url, &dir, &["restore", &file_arg])
            .await
            .expect("restore into a new database");
        assert_eq!(counts_at(&url).await, at_backup);
        langnghe(&url, &dir, &["verify"])
            .await
            .expect("verify passes on the restored copy");
        let restored = Db::connect(&url).await.unwrap();
        let (checked, problems) = ratings::verify(&restored).await.unwrap();
        assert_eq!((checked, problems.len()), (3, 0));
        close(restored).await;

        // Onto a database with data: refused without --force.
        let err = langnghe(&url, &dir, &["restore", &file_arg])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("already has data"), "{err}");
        assert!(err.contains("--force"), "{err}");
        // Not even with --force while a server has the database open.
        let err = langnghe(
            &app.database_url,
            &app.data_dir,
            &["restore", &file_arg, "--force"],
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("is in use"), "{err}");
        assert_eq!(backup::counts(&app.db).await.unwrap().ratings, 4);
        // With --force and nobody connected, the backup replaces what is there.
        let db = Db::connect(&url).await.unwrap();
        langnghe_app::db_run!(&db, c => sqlx::query("DELETE FROM session_signups").execute(c).await.map(|r| r.rows_affected()))
            .unwrap();
        close(db).await;
        assert_eq!(counts_at(&url).await.session_signups, 0);
        langnghe(&url, &dir, &["restore", &file_arg, "--force"])
            .await
            .expect("restore --force");
        assert_eq!(counts_at(&url).await, at_backup);
    }
);

both_databases!(
    a_backup_taken_during_writes_is_one_consistent_moment,
    |app: TestApp| async move {
        let kiosk = app.another_visitor();
        let r = kiosk
            .get(&format!("/kiosk?token={}", demo::demo_kiosk_token(0)))
            .await;
        assert_eq!(r.status(), 303, "the demo kiosk opens");
        let writer = tokio::spawn(async move {
            for i in 0..40 {
                rate_at_kiosk(&kiosk, ["1", "2", "3", "4", "5"][i % 5]).await;
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while backup::counts(&app.db).await.unwrap().ratings < 5 {
            assert!(
                std::time::Instant::now() < deadline,
                "the kiosk's first ratings never arrived"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let before = backup::counts(&app.db).await.unwrap().ratings;
        let file = app.data_dir.join("during-writes.backup");
        langnghe(
            &app.database_url,
            &app.data_dir,
            &["backup", &file.display().to_string()],
        )
        .await
        .expect("backup during writes");
        let after = backup::counts(&app.db).await.unwrap().ratings;
        writer.await.expect("the kiosk kept rating");

        let (url, dir) = fresh_database(&app).await;
        langnghe(&url, &dir, &["restore", &file.display().to_string()])
            .await
            .expect("restore");
        let restored = Db::connect(&url).await.unwrap();
        let n = backup::counts(&restored).await.unwrap().ratings;
        assert!(
            (before..=after).contains(&n),
            "{n} ratings restored, {before} to {after} expected"
        );
        // Every chain ends where its recorded head says: no rating half in, none missing.
        let (checked, problems) = ratings::verify(&restored).await.unwrap();
        assert_eq!(checked as i64, n);
        assert!(problems.is_empty(), "{problems:?}");
        close(restored).await;
    }
);

/// A database file of another application, as a backup of this one would be made.
async fn foreign_backup(backend: Backend, dir: &Path) -> PathBuf {
    match backend {
        Backend::Sqlite => {
            let file = dir.join("other.db");
            let db = Db::connect(&format!("sqlite:{}", file.display()))
                .await
                .unwrap();
            langnghe_app::db_run!(&db, c => sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY)").execute(c).await.map(|r| r.rows_affected()))
                .unwrap();
            close(db).await;
            file
        }
        Backend::Postgres => {
            let other = fresh_database_url(backend, dir).await.unwrap();
            let db = Db::connect(&other).await.unwrap();
            langnghe_app::db_run!(&db, c => sqlx::query("CREATE TABLE notes (id BIGINT PRIMARY KEY)").execute(c).await.map(|r| r.rows_affected()))
                .unwrap();
            close(db).await;
            let file = dir.join("other.dump");
            let status = std::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--file")
                .arg(&file)
                .arg(format!("--dbname={other}"))
                .status()
                .expect("pg_dump");
            assert!(status.success());
            file
        }
    }
}

both_databases!(
    a_missing_damaged_or_foreign_backup_is_refused_and_changes_nothing,
    |app: TestApp| async move {
        let (url, dir) = fresh_database(&app).await;
        let restore = |file: PathBuf| {
            let (url, dir) = (url.clone(), dir.clone());
            async move {
                langnghe(&url, &dir, &["restore", &file.display().to_string()])
                    .await
                    .expect_err("the restore is refused")
                    .to_string()
            }
        };

        let err = restore(dir.join("no-such.backup")).await;
        assert!(err.contains("there is no backup file"), "{err}");

        let garbage = dir.join("garbage.backup");
        std::fs::write(&garbage, "this is not a backup at all\n".repeat(200)).unwrap();
        let err = restore(garbage).await;
        assert!(err.contains("is not a usable"), "{err}");

        let err = restore(foreign_backup(app.backend, &dir).await).await;
        assert!(err.contains("not a Lắng Nghe"), "{err}");

        // A real backup cut in half (a copy interrupted, a full disk).
        let whole = dir.join("whole.backup");
        langnghe(
            &app.database_url,
            &app.data_dir,
            &["backup", &whole.display().to_string()],
        )
        .await
        .expect("backup");
        let bytes = std::fs::read(&whole).unwrap();
        let half = dir.join("half.backup");
        std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
        let err = restore(half).await;
        assert!(!err.is_empty());

        assert!(
            !has_schema(&url).await,
            "the refused restores left the new database empty"
        );
        // The whole backup does restore.
        langnghe(&url, &dir, &["restore", &whole.display().to_string()])
            .await
            .expect("restore");
        assert!(has_schema(&url).await);
    }
);
