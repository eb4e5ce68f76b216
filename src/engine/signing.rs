//! Request signing: the Standard Webhooks signature every delivery carries, and ROOK's legacy `x-rook-hash`.
//!
//! Both are recomputed for every attempt (verifiers reject timestamps older than five minutes).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;

/// The prefix of every Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Why a signature could not be made. Messages never contain the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// A secret is not `whsec_` followed by non-empty standard base64.
    #[error("malformed signing secret: {0}")]
    MalformedSecret(&'static str),
    /// No secret was given, so there is nothing to sign with.
    #[error("no signing secret given")]
    NoSecret,
}

/// A new Standard Webhooks secret: `whsec_` + standard base64 (44 characters) of 32 random bytes from the OS.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", BASE64.encode(key))
}

/// The `webhook-signature` header value for one attempt: `v1,<base64 HMAC-SHA256>` per secret over
/// `{msg_id}.{timestamp_secs}.{body}`, keyed with the secret's decoded bytes, joined by single spaces (two
/// secrets sign during a rotation). `body` is signed byte for byte as given.
pub fn standard_signature(
    secrets: &[&str],
    msg_id: &str,
    timestamp_secs: i64,
    body: &[u8],
) -> Result<String, SigningError> {
    if secrets.is_empty() {
        return Err(SigningError::NoSecret);
    }
    let mut signatures = Vec::with_capacity(secrets.len());
    for secret in secrets {
        signatures.push(sign_one(secret, msg_id, timestamp_secs, body)?);
    }
    Ok(signatures.join(" "))
}

fn sign_one(secret: &str, msg_id: &str, timestamp_secs: i64, body: &[u8]) -> Result<String, SigningError> {
    let key = decode_secret(secret)?;
    // The official crate refuses bodies that are not UTF-8 (it formats the body into a String); the scheme
    // itself signs bytes, so such bodies are signed here with the same construction instead of failing.
    if std::str::from_utf8(body).is_ok() {
        let webhook = standardwebhooks::Webhook::from_bytes(key.clone())
            .map_err(|_| SigningError::MalformedSecret("the key was rejected"))?;
        if let Ok(signature) = webhook.sign(msg_id, timestamp_secs, body) {
            return Ok(signature);
        }
    }
    let mut mac = new_hmac(&key);
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

fn decode_secret(secret: &str) -> Result<Vec<u8>, SigningError> {
    let encoded =
        secret.strip_prefix(SECRET_PREFIX).ok_or(SigningError::MalformedSecret("it does not start with \"whsec_\""))?;
    let key = BASE64.decode(encoded).map_err(|_| SigningError::MalformedSecret("it is not valid base64"))?;
    if key.is_empty() {
        return Err(SigningError::MalformedSecret("the key is empty"));
    }
    Ok(key)
}

/// ROOK's legacy `x-rook-hash`: lowercase hex HMAC-SHA256 keyed with `key`'s UTF-8 text over
/// `client_uuid + user_id + datetime` with no separators (`user_id` empty when `None`). It does not cover the
/// body; the Standard Webhooks signature is the one receivers should trust.
pub fn rook_hash(key: &str, client_uuid: &str, user_id: Option<&str>, datetime: &str) -> String {
    let message = format!("{client_uuid}{}{datetime}", user_id.unwrap_or(""));
    hmac_sha256_hex(key, &message)
}

/// Lowercase hex HMAC-SHA256 of `message`, keyed with `key`'s UTF-8 bytes.
pub fn hmac_sha256_hex(key: &str, message: &str) -> String {
    let mut mac = new_hmac(key.as_bytes());
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn new_hmac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC hashes or pads keys of any length, so this constructor has no failing case.
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC-SHA256 accepts keys of any length")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use standardwebhooks::Webhook;

    fn headers(msg_id: &str, timestamp: i64, signature: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert("webhook-id", msg_id.parse().expect("header value"));
        map.insert("webhook-timestamp", timestamp.to_string().parse().expect("header value"));
        map.insert("webhook-signature", signature.parse().expect("header value"));
        map
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn rook_test_vector() {
        assert_eq!(
            hmac_sha256_hex("ROOK_Secret_Key", "ROOK"),
            "382da6381717a0fdfeba9ef922041df3ea8db97bbd2d20af21e216bdd1e6096b"
        );
    }

    #[test]
    fn rook_hash_concatenates_without_separators() {
        let key = "ROOK_Secret_Key";
        assert_eq!(rook_hash(key, "RO", Some("O"), "K"), hmac_sha256_hex(key, "ROOK"));
        assert_eq!(rook_hash(key, "RO", None, "OK"), hmac_sha256_hex(key, "ROOK"));
        assert_eq!(
            rook_hash(key, "c-uuid", Some("user-1"), "2026-11-29T15:00:00.000Z"),
            hmac_sha256_hex(key, "c-uuiduser-12026-11-29T15:00:00.000Z")
        );
    }

    #[test]
    fn matches_the_official_test_vector() {
        let signature = standard_signature(
            &["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"],
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            br#"{"email":"test@example.com","username":"test_user"}"#,
        )
        .expect("signs");
        assert_eq!(signature, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn a_rotation_signature_verifies_with_each_secret_and_not_with_another() {
        let (old, new) = (generate_secret(), generate_secret());
        let body = br#"{"id":"0192","type":"user.created","datetime":"2026-11-29T15:00:00.000Z"}"#;
        let (id, ts) = ("01937c1e-7d2a-7000-8000-000000000001", now());
        let signature = standard_signature(&[&old, &new], id, ts, body).expect("signs");
        assert_eq!(signature.split(' ').count(), 2);
        assert!(signature.split(' ').all(|s| s.starts_with("v1,")));

        let map = headers(id, ts, &signature);
        for secret in [&old, &new] {
            Webhook::new(secret).expect("secret").verify(body, &map).expect("verifies with each secret");
        }
        let stranger = generate_secret();
        assert!(Webhook::new(&stranger).expect("secret").verify(body, &map).is_err());
        // A changed body or id no longer verifies.
        assert!(Webhook::new(&old).expect("secret").verify(b"{}", &map).is_err());
        assert!(Webhook::new(&old).expect("secret").verify(body, &headers("other", ts, &signature)).is_err());
    }

    #[test]
    fn the_body_is_signed_byte_for_byte() {
        let secret = generate_secret();
        let spaced = br#"{ "a" : 1 }"#;
        let compact = br#"{"a":1}"#;
        let a = standard_signature(&[&secret], "id", 1, spaced).expect("signs");
        let b = standard_signature(&[&secret], "id", 1, compact).expect("signs");
        assert_ne!(a, b);
        // Non-UTF-8 bytes are signed too, with the same construction.
        let raw = [0xff, 0x00, 0xfe];
        let sig = standard_signature(&[&secret], "id", 1, &raw).expect("signs bytes");
        let key = BASE64.decode(&secret[SECRET_PREFIX.len()..]).expect("key");
        let mut mac = new_hmac(&key);
        mac.update(b"id.1.");
        mac.update(&raw);
        assert_eq!(sig, format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())));
    }

    #[test]
    fn generated_secrets_have_the_standard_shape_and_differ() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_ne!(a, b);
        for s in [&a, &b] {
            let encoded = s.strip_prefix("whsec_").expect("prefix");
            assert_eq!(encoded.len(), 44);
            assert_eq!(BASE64.decode(encoded).expect("base64").len(), 32);
        }
    }

    #[test]
    fn malformed_secrets_are_errors_that_do_not_echo_the_secret() {
        for bad in ["C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "whsec_not*base64!", "whsec_"] {
            let err = standard_signature(&[bad], "id", 1, b"{}").expect_err(bad);
            assert!(matches!(err, SigningError::MalformedSecret(_)));
            assert!(!err.to_string().contains(bad.trim_start_matches("whsec_")) || bad == "whsec_");
        }
        assert_eq!(standard_signature(&[], "id", 1, b"{}"), Err(SigningError::NoSecret));
    }
}
