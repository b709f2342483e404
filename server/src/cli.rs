//! The command line: serve (default), migrate, verify, backup, restore, admin create, demo.

use crate::config::{AdminCommand, Cli, Command};
use crate::startup;
use langnghe_app::db::{accounts, demo, units};
use langnghe_app::domain::validate::{NewPassword, Username};
use langnghe_app::domain::Role;

pub fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_sessions=warn")
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let opts = cli.opts;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            // Every connection is an open file: take what the system allows.
            if let Some(n) = crate::serve::raise_open_file_limit() {
                tracing::info!(open_files = n, "open-file limit");
            }
            let db = startup::connect(&opts).await?;
            // The demo province (with its published passwords) belongs to the embedded default
            // only: `cargo run` with no DATABASE_URL. A database named by URL, PostgreSQL or
            // SQLite, starts empty (`langnghe demo` fills one on purpose).
            if opts.embedded_default() && !opts.no_demo {
                let spec = demo::DemoSpec {
                    secret: Some(opts.secret()?),
                    ..Default::default()
                };
                if startup::seed_demo_if_empty(&db, &spec).await? {
                    tracing::info!("new database: demo province created");
                }
            }
            // From the moment it listens, SIGTERM and Ctrl-C stop the server by draining its
            // requests (also while the start-up message is still being put together).
            let stop = startup::shutdown_signal();
            let running = startup::start(&opts, db.clone()).await?;
            tracing::info!(addr = %running.addr, database = db.backend_name(), "Lắng Nghe is listening");
            startup::print_demo_accounts(&db, &running.base_url).await;
            startup::print_first_admin_hint(&db, &opts).await;
            stop.await;
            tracing::info!("shutting down: finishing requests in flight");
            let _ = running.shutdown.send(true);
            let _ = running.handle.await;
            db.close().await;
            Ok(())
        }
        Command::Verify => {
            let db = startup::connect(&opts).await?;
            let verified = langnghe_app::db::ratings::verify(&db).await;
            db.close().await;
            let (checked, problems) = verified?;
            if problems.is_empty() {
                println!("verify: {checked} ratings checked, every chain intact");
                Ok(())
            } else {
                for p in &problems {
                    match p.rating_id {
                        Some(id) => println!("unit {}: rating {id}: {}", p.unit_id, p.what),
                        None => println!("unit {}: {}", p.unit_id, p.what),
                    }
                }
                anyhow::bail!("verify: {} problem(s) in {checked} ratings", problems.len())
            }
        }
        Command::Backup { file } => crate::backup::backup(&opts, &file).await,
        Command::Restore { file, force } => crate::backup::restore(&opts, &file, force).await,
        Command::Migrate => {
            let db = startup::connect(&opts).await?;
            db.close().await;
            println!("migrations applied ({})", db.backend_name());
            Ok(())
        }
        Command::Demo {
            synthetic_units,
            seed,
            ratings,
            dossiers,
            days,
        } => {
            let db = startup::connect(&opts).await?;
            if !demo::is_empty(&db).await? {
                anyhow::bail!("the database already has units; the demo generator only fills an empty database");
            }
            let started = std::time::Instant::now();
            let spec = demo::DemoSpec {
                synthetic_units,
                seed,
                ratings,
                dossiers,
                days,
                secret: Some(opts.secret()?),
                feedback: true,
            };
            demo::generate(&db, &spec).await?;
            println!(
                "demo data generated in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    username,
                    full_name,
                    password,
                    unit,
                    province,
                },
        } => {
            let db = startup::connect(&opts).await?;
            let username = Username::parse(&username)
                .map_err(|k| anyhow::anyhow!("{}", langnghe_app::i18n::Lang::En.t(k)))?;
            let password = NewPassword::parse(&password, &[username.as_str(), &full_name])
                .map_err(|k| anyhow::anyhow!("{}", langnghe_app::i18n::Lang::En.t(k)))?;
            let mut tx = db.begin().await?;
            let unit_id = match unit {
                Some(code) => {
                    let all = units::all(&db).await?;
                    all.into_iter()
                        .find(|u| u.code == code.to_uppercase())
                        .map(|u| u.id)
                        .ok_or_else(|| anyhow::anyhow!("no unit with code {code}"))?
                }
                None => match units::root(&db).await? {
                    Some(r) => r.id,
                    None => {
                        let input = units::UnitInput {
                            parent_id: None,
                            group_id: None,
                            code: "PROVINCE".into(),
                            name: province,
                            kind: "province".into(),
                            address: String::new(),
                            effective_from: chrono::NaiveDate::from_ymd_opt(2025, 7, 1)
                                .unwrap_or_default(),
                            effective_to: None,
                        };
                        units::create(&mut tx, None, &input).await?
                    }
                },
            };
            let new = accounts::NewAccount {
                username: username.as_str(),
                full_name: &full_name,
                email: "",
                password: password.as_str(),
                role: Role::Admin,
                unit_id,
            };
            let id = accounts::create(&mut tx, None, &new).await.map_err(|e| {
                if e.is_unique_violation() {
                    anyhow::anyhow!("an account named {} already exists", username.as_str())
                } else {
                    e.into()
                }
            })?;
            tx.commit().await?;
            println!("administrator {} created (id {id})", username.as_str());
            Ok(())
        }
    }
}
