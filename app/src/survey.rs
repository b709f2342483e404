//! One-time survey links: the token is derived from the server secret and the dossier id, so
//! the same dossier always gets the same link (the dossier API is idempotent) and the database
//! keeps only the token's hash. A citizen's phone is kept only as a keyed hash and last digits.

use crate::config::AppConfig;

/// The token of a dossier's survey link (32 hex characters).
pub fn token(config: &AppConfig, dossier_id: i64) -> String {
    crate::sign::sign(&config.secret, &format!("survey:{dossier_id}"))
}

/// The public address of a survey link.
pub fn url(config: &AppConfig, token: &str) -> String {
    format!("{}/s/{token}", config.base_url)
}

/// Whether a path segment looks like a survey token.
pub fn is_token(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The keyed hash of a normalised phone number.
pub fn phone_hash(config: &AppConfig, phone: &str) -> String {
    crate::sign::sign(&config.secret, &format!("phone:{phone}"))
}

/// Where a survey link stands.
pub enum LinkState {
    Open(crate::db::dossiers::Link),
    Used(crate::db::dossiers::Link),
    Expired(crate::db::dossiers::Link),
    Unknown,
}

/// The survey link a token opens, and whether it may still be answered.
pub async fn link_state(db: &crate::db::Db, token: &str) -> crate::db::DbResult<LinkState> {
    if !is_token(token) {
        return Ok(LinkState::Unknown);
    }
    Ok(match crate::db::dossiers::link_by_token(db, token).await? {
        None => LinkState::Unknown,
        Some(l) if l.used_at.is_some() => LinkState::Used(l),
        Some(l) if l.expires_at < chrono::Utc::now() => LinkState::Expired(l),
        Some(l) => LinkState::Open(l),
    })
}
