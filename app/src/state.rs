//! The state every request shares: the database pool and the settings. The app server keeps no
//! other state, so several instances can run behind a load balancer on one PostgreSQL.

use crate::db::Db;
use std::sync::Arc;

/// Settings the app needs at run time (parsed by the server crate from flags and environment).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The public base URL, e.g. `https://langnghe.example.gov.vn` (no trailing slash).
    pub base_url: String,
    /// The secret that signs tokens (survey links, confirmation codes).
    pub secret: Vec<u8>,
    /// Whether cookies are marked `Secure` (the base URL is HTTPS).
    pub secure_cookies: bool,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<AppConfig>,
}

impl AppConfig {
    /// The origin (`scheme://host[:port]`) of the base URL.
    pub fn origin(&self) -> String {
        url::Url::parse(&self.base_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    }
}
