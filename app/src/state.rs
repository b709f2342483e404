//! The state every request shares: the database pool, the settings, the rating writer and a
//! few short-lived read caches. The app server keeps no state of its own, so several instances
//! can run behind a load balancer on one PostgreSQL.

use crate::cache::TtlCache;
use crate::db::instruments::Instrument;
use crate::db::kiosks::Kiosk;
use crate::db::ratings::RatingWriter;
use crate::db::Db;
use std::sync::Arc;
use std::time::Duration;

pub use crate::config::AppConfig;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<AppConfig>,
    pub ratings: RatingWriter,
    /// Kiosks by the hash of their device token (None: no such active kiosk).
    pub kiosks: TtlCache<String, Option<Kiosk>>,
    /// The published instrument by code.
    pub instruments: TtlCache<String, Arc<Instrument>>,
    /// Rendered kiosk faces pages by (kiosk, language, "not saved" banner).
    pub kiosk_pages: TtlCache<(i64, &'static str, bool), Arc<str>>,
}

impl AppState {
    pub fn new(db: Db, mut config: AppConfig) -> AppState {
        // Kiosk device keys are derived from the server secret.
        config.rules.key_secret = Arc::new(config.secret.clone());
        let ratings = RatingWriter::start(db.clone(), config.rules.clone());
        AppState {
            db,
            config: Arc::new(config),
            ratings,
            kiosks: TtlCache::new(Duration::from_secs(15)),
            instruments: TtlCache::new(Duration::from_secs(30)),
            kiosk_pages: TtlCache::new(Duration::from_secs(10)),
        }
    }

    /// The published version of instrument `code`, cached for a few seconds.
    pub async fn instrument(&self, code: &str) -> Result<Arc<Instrument>, crate::db::DbError> {
        if let Some(i) = self.instruments.get(&code.to_string()) {
            return Ok(i);
        }
        let i = Arc::new(
            crate::db::instruments::published(&self.db, code)
                .await?
                .ok_or(crate::db::DbError::NotFound)?,
        );
        self.instruments.put(code.to_string(), i.clone());
        Ok(i)
    }

    /// The active kiosk a device token belongs to, cached for a few seconds.
    pub async fn kiosk_by_token(&self, token: &str) -> Result<Option<Kiosk>, crate::db::DbError> {
        let key = crate::db::kiosks::hash_token(token);
        if let Some(k) = self.kiosks.get(&key) {
            return Ok(k);
        }
        let k = crate::db::kiosks::kiosk_by_token(&self.db, token).await?;
        self.kiosks.put(key, k.clone());
        Ok(k)
    }
}

impl AppConfig {
    /// The origin (`scheme://host[:port]`) of the base URL.
    pub fn origin(&self) -> String {
        url::Url::parse(&self.base_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    }
}
