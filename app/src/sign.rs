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

#[cfg(test)]
mod tests {
    use super::*;

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
