//! The settings the app runs with, as the server crate parsed them from flags and environment.

use crate::db::ratings::Rules;

/// Settings the app needs at run time (parsed by the server crate from flags and environment).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The public base URL, e.g. `https://langnghe.example.gov.vn` (no trailing slash).
    pub base_url: String,
    /// The secret that signs tokens (survey links, confirmation codes).
    pub secret: Vec<u8>,
    /// Whether cookies are marked `Secure` (the base URL is HTTPS).
    pub secure_cookies: bool,
    /// How many days a survey link stays valid.
    pub survey_days: i64,
    /// The rules kiosk answers are judged by (opening hours, bursts).
    pub rules: Rules,
    /// Behind a reverse proxy or load balancer: the client's address is the last one the proxy
    /// appended to `X-Forwarded-For` (else the peer address of the connection).
    pub trust_proxy: bool,
    /// The secret the SMS provider signs inbound texts with (`X-Signature`); without it
    /// `POST /api/v1/inbound/sms` answers 404.
    pub sms_inbound_secret: Option<Vec<u8>>,
    /// The secret Zalo OA events are signed with; without it `POST /api/v1/inbound/zalo`
    /// answers 404.
    pub zalo_inbound_secret: Option<Vec<u8>>,
}
