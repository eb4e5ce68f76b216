//! Secrets at rest: signing secrets and ROOK hash keys are stored encrypted (XChaCha20-Poly1305) with
//! a key the database does not hold, so a dump alone does not reveal them.
//!
//! Stored form: `enc:v1:<key id>:<base64 of nonce ‖ ciphertext>`. The key id (the first 8 hex digits
//! of the key's SHA-256) says which key wrote a value, so after a key rotation values written with a
//! previous key still read while `rook-notify reencrypt-secrets` rewrites them with the current one.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::StoreError;

const PREFIX: &str = "enc:v1:";

/// One encryption key.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// Encrypts with the current key; decrypts with whichever known key wrote a value.
#[derive(Clone)]
pub struct SecretCipher {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material.
        f.debug_struct("SecretCipher").field("key_id", &self.current.id).finish_non_exhaustive()
    }
}

fn key(bytes: [u8; 32]) -> Key {
    let id = hex::encode(&Sha256::digest(bytes)[..4]);
    Key { id, cipher: XChaCha20Poly1305::new(&bytes.into()) }
}

/// Parses a key given as 64 hex digits or as base64 of 32 bytes.
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| e.to_string())?
    } else {
        base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| "not hex or base64".to_owned())?
    };
    bytes.try_into().map_err(|_| "a secret key is 32 bytes (64 hex digits or 44 base64 characters)".to_owned())
}

/// A new random key, as 64 hex digits.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl SecretCipher {
    /// A cipher writing with `current` and also reading values written with `previous` keys.
    pub fn new(current: [u8; 32], previous: &[[u8; 32]]) -> Self {
        SecretCipher { current: key(current), previous: previous.iter().map(|k| key(*k)).collect() }
    }

    /// The current key's id (safe to print).
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// The stored form of `plain`.
    pub fn encrypt(&self, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Encrypting a byte string with a fresh nonce cannot fail.
        let sealed = self.current.cipher.encrypt(XNonce::from_slice(&nonce), plain.as_bytes()).unwrap_or_default();
        let mut blob = nonce.to_vec();
        blob.extend(sealed);
        format!("{PREFIX}{}:{}", self.current.id, base64::engine::general_purpose::STANDARD.encode(blob))
    }

    /// The clear text of a stored value.
    pub fn decrypt(&self, stored: &str) -> Result<String, StoreError> {
        let corrupt = |why: &str| StoreError::Corrupt(format!("encrypted secret: {why}"));
        let rest = stored.strip_prefix(PREFIX).ok_or_else(|| corrupt("not in the encrypted form"))?;
        let (id, data) = rest.split_once(':').ok_or_else(|| corrupt("no key id"))?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| corrupt(&format!("written with key {id}, which is not configured")))?;
        let blob = base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| corrupt("bad base64"))?;
        if blob.len() < 24 {
            return Err(corrupt("too short"));
        }
        let (nonce, sealed) = blob.split_at(24);
        let plain =
            key.cipher.decrypt(XNonce::from_slice(nonce), sealed).map_err(|_| corrupt("authentication failed"))?;
        String::from_utf8(plain).map_err(|_| corrupt("not UTF-8"))
    }

    /// Whether a stored value was written with an older key (to be rewritten).
    pub fn is_stale(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("{PREFIX}{}:", self.current.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_do_not_contain_the_clear_text() {
        let cipher = SecretCipher::new([7; 32], &[]);
        let stored = cipher.encrypt("whsec_c2VjcmV0");
        assert!(stored.starts_with("enc:v1:"));
        assert!(!stored.contains("whsec_"));
        assert_ne!(stored, cipher.encrypt("whsec_c2VjcmV0"), "a fresh nonce every time");
        assert_eq!(cipher.decrypt(&stored).unwrap(), "whsec_c2VjcmV0");
    }

    #[test]
    fn values_of_a_previous_key_still_read_and_are_stale() {
        let old = SecretCipher::new([1; 32], &[]);
        let stored = old.encrypt("key");
        let rotated = SecretCipher::new([2; 32], &[[1; 32]]);
        assert_eq!(rotated.decrypt(&stored).unwrap(), "key");
        assert!(rotated.is_stale(&stored));
        assert!(!rotated.is_stale(&rotated.encrypt("key")));
        let forgot = SecretCipher::new([2; 32], &[]);
        assert!(forgot.decrypt(&stored).is_err());
    }

    #[test]
    fn tampering_is_detected() {
        let cipher = SecretCipher::new([3; 32], &[]);
        let mut stored = cipher.encrypt("key");
        stored.pop();
        stored.push('A');
        assert!(cipher.decrypt(&stored).is_err());
    }

    #[test]
    fn keys_parse_from_hex_or_base64() {
        assert_eq!(parse_key(&"ab".repeat(32)).unwrap(), [0xab; 32]);
        assert_eq!(parse_key(&base64::engine::general_purpose::STANDARD.encode([9u8; 32])).unwrap(), [9; 32]);
        assert!(parse_key("short").is_err());
        assert_eq!(generate_key().len(), 64);
    }
}
