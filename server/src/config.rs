//! Configuration from command-line flags and the environment (`langnghe --help`).

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "langnghe",
    version,
    about = "Lắng Nghe — citizen feedback, satisfaction surveys and dialogue for a province"
)]
pub struct Cli {
    #[command(flatten)]
    pub opts: Opts,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Opts {
    /// Database URL: `sqlite:…` (default: a file in the data directory) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite file and the generated secret.
    #[arg(long, env = "LANGNGHE_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(
        long,
        env = "LANGNGHE_LISTEN",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub listen: SocketAddr,
    /// Public base URL used in links and QR codes (default: http://<listen address>).
    #[arg(long, env = "LANGNGHE_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Secret that signs tokens; generated and kept in the data directory when not given.
    /// Several instances on one PostgreSQL must share it.
    #[arg(long, env = "LANGNGHE_SECRET", hide_env_values = true, global = true)]
    pub secret: Option<String>,
    /// Do not fill the embedded default database with the demo province (a database named by
    /// --database-url never gets it; `langnghe demo` fills one on purpose).
    #[arg(long, env = "LANGNGHE_NO_DEMO", global = true)]
    pub no_demo: bool,
    /// Directory of static files (CSS, icons).
    #[arg(long, env = "LANGNGHE_PUBLIC_DIR", global = true)]
    pub public_dir: Option<PathBuf>,
    /// Behind a reverse proxy or load balancer: take the client's address from the last
    /// `X-Forwarded-For` entry (for the rate limits on public forms and sign-in).
    #[arg(long, env = "LANGNGHE_TRUST_PROXY", global = true)]
    pub trust_proxy: bool,
    /// How many days a survey link sent after a dossier stays valid.
    #[arg(long, env = "LANGNGHE_SURVEY_DAYS", default_value_t = 7, global = true)]
    pub survey_days: i64,
    /// When counters are open (kiosk answers outside these hours are set aside as suspicious):
    /// `07:00-17:30;sat 07:00-12:00` (the default), or `always`.
    #[arg(long, env = "LANGNGHE_OPENING_HOURS", global = true)]
    pub opening_hours: Option<String>,
    /// Minutes between two checks for overdue feedback cases (each gets an apology with a new
    /// date); 0 turns the check off on this instance.
    #[arg(
        long,
        env = "LANGNGHE_DEADLINE_CHECK_MINUTES",
        default_value_t = 10,
        global = true
    )]
    pub deadline_check_minutes: u64,
    /// Seconds between two passes of the outbox worker that sends e-mail, SMS and Zalo messages
    /// (channels are set at /admin/notifications); 0 turns sending off on this instance.
    #[arg(
        long,
        env = "LANGNGHE_OUTBOX_SECONDS",
        default_value_t = 5,
        global = true
    )]
    pub outbox_seconds: u64,
    /// Seconds a client has to send a request's line and headers (also the longest a kept-alive
    /// connection may stay idle).
    #[arg(
        long,
        env = "LANGNGHE_HEADER_TIMEOUT_SECONDS",
        default_value_t = 15,
        global = true
    )]
    pub header_timeout_seconds: u64,
    /// Seconds without a byte of a request body, or without the client taking a byte of the
    /// response, before the connection is closed.
    #[arg(
        long,
        env = "LANGNGHE_IDLE_TIMEOUT_SECONDS",
        default_value_t = 60,
        global = true
    )]
    pub idle_timeout_seconds: u64,
    /// Connections one client address may hold at once (0: no cap). Default 256, and no cap
    /// with --trust-proxy (every connection then comes from the proxy, which limits its clients).
    #[arg(long, env = "LANGNGHE_MAX_CONNECTIONS_PER_ADDRESS", global = true)]
    pub max_connections_per_address: Option<usize>,
    /// Connections held at once, from all clients.
    #[arg(
        long,
        env = "LANGNGHE_MAX_CONNECTIONS",
        default_value_t = 10_000,
        global = true
    )]
    pub max_connections: usize,
    /// The shared secret the SMS provider signs inbound texts with (HMAC-SHA-256 of the body
    /// in `X-Signature`); without it `POST /api/v1/inbound/sms` answers 404.
    #[arg(
        long,
        env = "LANGNGHE_SMS_INBOUND_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub sms_inbound_secret: Option<String>,
    /// The shared secret Zalo OA events are signed with; without it
    /// `POST /api/v1/inbound/zalo` answers 404.
    #[arg(
        long,
        env = "LANGNGHE_ZALO_INBOUND_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub zalo_inbound_secret: Option<String>,
    /// Log format: `text` or `json`.
    #[arg(
        long,
        env = "LANGNGHE_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage staff accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Check every unit's chain of ratings: reports any row changed, removed or inserted behind
    /// the application's back (exit status 1 when something is wrong).
    Verify,
    /// Write a consistent copy of the database to a new file; the server may keep running.
    ///
    /// SQLite: `VACUUM INTO`, then an integrity check of the copy. PostgreSQL: `pg_dump
    /// --format=custom` (the client tools of the server's major version must be on PATH).
    Backup {
        /// The backup file to write; it must not exist yet.
        file: PathBuf,
    },
    /// Replace the database with a backup made by `langnghe backup` (stop the server first).
    ///
    /// A database in use, or one that already has data (without --force), is refused. SQLite:
    /// the backup is checked and copied over the database file. PostgreSQL: `pg_restore --clean
    /// --if-exists --no-owner` in one transaction. Newer migrations are applied afterwards.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace a database that already has data.
        #[arg(long)]
        force: bool,
    },
    /// Generate demo data into an empty database (with extra synthetic units for scale tests).
    Demo {
        /// Extra generated communes.
        #[arg(long, default_value_t = 0)]
        synthetic_units: usize,
        /// Random seed (the same seed gives the same data).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Kiosk ratings to generate.
        #[arg(long, default_value_t = 600)]
        ratings: usize,
        /// Completed dossiers with survey links (about two in three answered).
        #[arg(long, default_value_t = 60)]
        dossiers: usize,
        /// Over how many past days.
        #[arg(long, default_value_t = 60)]
        days: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator account (the first one, on a new database).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// The password (or set LANGNGHE_ADMIN_PASSWORD).
        #[arg(long, env = "LANGNGHE_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        /// Code of the unit the account belongs to (default: the province root).
        #[arg(long)]
        unit: Option<String>,
        /// Name of the province, when the database has no units yet.
        #[arg(long, default_value = "Tỉnh")]
        province: String,
    },
}

impl Opts {
    /// An instance for a test or a bench: database `database_url`, files in `data_dir`, a free
    /// port on 127.0.0.1, secret `secret`, every hour open, no background jobs.
    pub fn local(database_url: &str, data_dir: &std::path::Path, secret: &str) -> Opts {
        Opts {
            database_url: Some(database_url.to_string()),
            data_dir: data_dir.to_path_buf(),
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            base_url: None,
            secret: Some(secret.to_string()),
            no_demo: false,
            public_dir: None,
            trust_proxy: false,
            survey_days: 7,
            opening_hours: Some("always".into()),
            deadline_check_minutes: 0,
            outbox_seconds: 0,
            header_timeout_seconds: 15,
            idle_timeout_seconds: 60,
            max_connections_per_address: None,
            max_connections: 10_000,
            log_format: "text".into(),
            sms_inbound_secret: None,
            zalo_inbound_secret: None,
        }
    }

    /// The limits of the connection loop (see [`crate::serve`]).
    pub fn connection_limits(&self) -> crate::serve::Limits {
        let per_address = match self.max_connections_per_address {
            Some(0) => None,
            Some(n) => Some(n),
            None if self.trust_proxy => None,
            None => crate::serve::Limits::default().per_address,
        };
        crate::serve::Limits {
            per_address,
            total: self.max_connections.max(1),
            header_timeout: std::time::Duration::from_secs(self.header_timeout_seconds.max(1)),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_seconds.max(1)),
        }
    }

    /// Whether the database is the embedded default (no `--database-url` / `DATABASE_URL`):
    /// only that one gets the demo province by itself.
    pub fn embedded_default(&self) -> bool {
        self.database_url
            .as_deref()
            .is_none_or(|u| u.trim().is_empty())
    }

    /// The database URL, defaulting to `sqlite:<data_dir>/langnghe.db`.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("sqlite:{}", self.data_dir.join("langnghe.db").display()))
    }

    pub fn base_url(&self, bound: SocketAddr) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_string()
    }

    /// The signing secret: given, or read from (or generated into) `<data_dir>/secret`.
    pub fn secret(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(s) = self.secret.as_ref().filter(|s| !s.is_empty()) {
            return Ok(s.as_bytes().to_vec());
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let path = self.data_dir.join("secret");
        if let Ok(s) = std::fs::read_to_string(&path) {
            if s.trim().len() >= 32 {
                return Ok(s.trim().as_bytes().to_vec());
            }
        }
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let s = hex::encode(bytes);
        // Created readable by its owner only (0600) from the first byte, never widened after.
        let mut file = std::fs::OpenOptions::new();
        file.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            file.mode(0o600);
        }
        std::io::Write::write_all(&mut file.open(&path)?, s.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // A file left by an older version with a wider mode is narrowed.
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(s.into_bytes())
    }

    /// An inbound webhook's secret as configured: `None` when absent or blank.
    pub fn inbound_secret(s: &Option<String>) -> Option<Vec<u8>> {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes().to_vec())
    }

    /// The rating rules: opening hours from `--opening-hours`, the default burst rule.
    pub fn rules(&self) -> anyhow::Result<langnghe_app::db::ratings::Rules> {
        use langnghe_app::domain::rating::OpeningHours;
        let hours = match &self.opening_hours {
            Some(s) if !s.trim().is_empty() => OpeningHours::parse(s).ok_or_else(|| {
                anyhow::anyhow!(
                    "--opening-hours: expected e.g. 07:00-17:30;sat 07:00-12:00, or always"
                )
            })?,
            _ => OpeningHours::default(),
        };
        Ok(langnghe_app::db::ratings::Rules {
            hours,
            ..Default::default()
        })
    }

    pub fn public_dir(&self) -> PathBuf {
        if let Some(p) = &self.public_dir {
            return p.clone();
        }
        let here = PathBuf::from("public");
        if here.join("style.css").exists() {
            here
        } else {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../public"))
        }
    }
}
