use clap::Parser;
use langnghe_tests::{both_databases, location, TestApp};

both_databases!(
    admin_create_command_makes_an_administrator,
    |app: TestApp| async move {
        let cli = langnghe_server::config::Cli::parse_from([
            "langnghe",
            "--database-url",
            &app.database_url,
            "--data-dir",
            &app.data_dir.display().to_string(),
            "admin",
            "create",
            "--username",
            "quantri2",
            "--full-name",
            "Quản trị thứ hai",
            "--password",
            "mot-mat-khau-dai",
        ]);
        langnghe_server::cli::run(cli).await.expect("admin create");
        let r = app.login("quantri2", "mot-mat-khau-dai").await;
        assert_eq!(location(&r), "/staff");
        assert_eq!(
            app.get("/admin/accounts").await.status(),
            200,
            "the new account is an administrator"
        );
    }
);
