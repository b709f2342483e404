//! Keyed signatures (HMAC-SHA-256 with the server secret) for values that travel through a
//! browser and must come back unchanged, and for tokens derived from the secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type H = Hmac<Sha256>;

fn mac(secret: &[u8], msg: &str) -> H {
    // HMAC takes a key of any length, so this cannot fail; an empty key is replaced all the same.
    let key: &[u8] = if secret.is_empty() { b"-" } else { secret };
    #[allow(clippy::expect_used)]
    let mut m = <H as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    m.update(msg.as_bytes());
    m
}

/// A 128-bit signature of `msg`, hex.
pub fn sign(secret: &[u8], msg: &str) -> String {
    hex::encode(&mac(secret, msg).finalize().into_bytes()[..16])
}

/// Whether `sig` is `msg`'s signature (constant-time comparison).
pub fn verify(secret: &[u8], msg: &str, sig: &str) -> bool {
    match hex::decode(sig) {
        Ok(bytes) if bytes.len() == 16 => mac(secret, msg).verify_truncated_left(&bytes).is_ok(),
        _ => false,
    }
}

/// Why a provider's webhook call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookRefusal {
    /// No `X-Signature`, or not 64 hex digits.
    Missing,
    /// `X-Timestamp` is not Unix seconds, or more than [`WEBHOOK_SKEW_SECONDS`] from our clock.
    Stale,
    /// The signature does not match.
    Wrong,
}

/// How far a webhook's `X-Timestamp` may be from our clock (seconds).
pub const WEBHOOK_SKEW_SECONDS: i64 = 300;

/// Checks a provider's webhook call: `signature` is the hex HMAC-SHA-256 of the raw body with
/// the shared secret (`sha256=` before it is allowed), or, with a timestamp (Unix seconds), of
/// `<timestamp>.<body>`; the timestamp must lie within five minutes of `now` (Unix seconds).
/// The comparison takes the same time whatever the bytes.
pub fn verify_webhook(
    secret: &[u8],
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now: i64,
) -> Result<(), WebhookRefusal> {
    let sig = signature
        .map(str::trim)
        .map(|s| s.strip_prefix("sha256=").unwrap_or(s))
        .and_then(|s| hex::decode(s).ok())
        .filter(|b| b.len() == 32)
        .ok_or(WebhookRefusal::Missing)?;
    let key: &[u8] = if secret.is_empty() { b"-" } else { secret };
    #[allow(clippy::expect_used)]
    let mut m = <H as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    if let Some(ts) = timestamp.map(str::trim) {
        let at: i64 = ts.parse().map_err(|_| WebhookRefusal::Stale)?;
        if (now - at).abs() > WEBHOOK_SKEW_SECONDS {
            return Err(WebhookRefusal::Stale);
        }
        m.update(ts.as_bytes());
        m.update(b".");
    }
    m.update(body);
    m.verify_slice(&sig).map_err(|_| WebhookRefusal::Wrong)
}

/// The hex HMAC-SHA-256 a provider sends for `body` (with `timestamp`, of `<timestamp>.<body>`).
pub fn webhook_signature(secret: &[u8], body: &[u8], timestamp: Option<&str>) -> String {
    let key: &[u8] = if secret.is_empty() { b"-" } else { secret };
    #[allow(clippy::expect_used)]
    let mut m = <H as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    if let Some(ts) = timestamp {
        m.update(ts.as_bytes());
        m.update(b".");
    }
    m.update(body);
    hex::encode(m.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_signatures_match_openssl_and_refuse_the_rest() {
        // printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac 'k3y'
        let body = br#"{"a":1}"#;
        let sig = webhook_signature(b"k3y", body, None);
        assert_eq!(
            sig,
            "32db719f172c48e89dbfa56ed20d9e19cdbfdbe9f652ccdf5fa03494d2444853"
        );
        assert_eq!(verify_webhook(b"k3y", body, Some(&sig), None, 0), Ok(()));
        let prefixed = format!("sha256={}", sig.to_uppercase());
        assert_eq!(
            verify_webhook(b"k3y", body, Some(&prefixed), None, 0),
            Ok(())
        );
        assert_eq!(
            verify_webhook(b"other", body, Some(&sig), None, 0),
            Err(WebhookRefusal::Wrong)
        );
        assert_eq!(
            verify_webhook(b"k3y", br#"{"a":2}"#, Some(&sig), None, 0),
            Err(WebhookRefusal::Wrong)
        );
        assert_eq!(
            verify_webhook(b"k3y", body, None, None, 0),
            Err(WebhookRefusal::Missing)
        );
        assert_eq!(
            verify_webhook(b"k3y", body, Some(&sig[..62]), None, 0),
            Err(WebhookRefusal::Missing)
        );
        // printf '%s' '1764728100.{"a":1}' | openssl dgst -sha256 -hmac 'k3y'
        let ts = "1764728100";
        let signed = webhook_signature(b"k3y", body, Some(ts));
        assert_eq!(
            signed,
            "6c627ae754b5bbd58487e53014b3a62ba324a57d1f4f67830928f32c96035b3a"
        );
        let at = 1_764_728_100;
        assert_eq!(
            verify_webhook(b"k3y", body, Some(&signed), Some(ts), at + 300),
            Ok(())
        );
        assert_eq!(
            verify_webhook(b"k3y", body, Some(&signed), Some(ts), at + 301),
            Err(WebhookRefusal::Stale)
        );
        assert_eq!(
            verify_webhook(b"k3y", body, Some(&signed), Some(ts), at - 301),
            Err(WebhookRefusal::Stale)
        );
        // The body-only signature does not pass with a timestamp.
        assert_eq!(
            verify_webhook(b"k3y", body, Some(&sig), Some(ts), at),
            Err(WebhookRefusal::Wrong)
        );
    }

    #[test]
    fn signatures_round_trip_and_differ() {
        let s = sign(b"secret", "kiosk:1:2");
        assert_eq!(s.len(), 32);
        assert!(verify(b"secret", "kiosk:1:2", &s));
        assert!(!verify(b"secret", "kiosk:1:3", &s));
        assert!(!verify(b"other", "kiosk:1:2", &s));
        assert!(!verify(b"secret", "kiosk:1:2", "zz"));
    }
}
