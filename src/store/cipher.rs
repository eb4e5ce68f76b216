//! Secrets at rest: signing secrets and ROOK hash keys are stored encrypted (XChaCha20-Poly1305) with
//! a key the database does not hold, so a dump alone does not reveal them.
//!
//! Stored form: `enc:v2:<key id>:<base64 of nonce ‖ ciphertext>`. The key id (the first 8 hex digits
//! of the key's SHA-256) says which key wrote a value, so after a key rotation values written with a
//! previous key still read while `rook-notify reencrypt-secrets` rewrites them with the current one.
//!
//! A `v2` value is bound to its owner ([`SecretOwner`]: client, environment, what the secret is) as
//! the AEAD's associated data: a database writer who copies client A's ciphertext into client B's row
//! gets a value that fails to decrypt, not A's secret read through B. `v1` values (written before the
//! binding) still read, and are rewritten as `v2` at startup ([`crate::store::Store::upgrade_secrets`]).

use app::vocab::{Environment, SecretPurpose};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::StoreError;

const PREFIX: &str = "enc:v2:";
/// Values written before secrets were bound to their owner.
const PREFIX_V1: &str = "enc:v1:";

/// What a stored secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A signing secret of this purpose (notifications, or Data Webhook documents).
    Signing(SecretPurpose),
    /// The environment's legacy ROOK hash key.
    HashKey,
}

impl SecretKind {
    fn as_str(self) -> &'static str {
        match self {
            SecretKind::Signing(SecretPurpose::Notification) => "notification-signing-secret",
            SecretKind::Signing(SecretPurpose::Data) => "data-signing-secret",
            SecretKind::HashKey => "rook-hash-key",
        }
    }
}

/// Whose secret a stored value is: bound to its ciphertext.
#[derive(Debug, Clone, Copy)]
pub struct SecretOwner<'a> {
    pub client_uuid: &'a str,
    pub environment: Environment,
    pub kind: SecretKind,
}

impl SecretOwner<'_> {
    /// The associated data: every part is from a closed set or a UUID, so `/` cannot be forged into
    /// another owner's text.
    fn associated_data(&self) -> Vec<u8> {
        format!(
            "rook-notify/secret/{}/{}/{}",
            self.kind.as_str(),
            self.client_uuid.to_ascii_lowercase(),
            self.environment.as_str()
        )
        .into_bytes()
    }
}

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

/// `plain` encrypted with `key` for `owner`, in the stored form.
fn seal(key: &Key, plain: &str, owner: &SecretOwner<'_>) -> String {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let aad = owner.associated_data();
    // Encrypting a byte string with a fresh nonce cannot fail.
    let sealed = key
        .cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: &aad })
        .unwrap_or_default();
    let mut blob = nonce.to_vec();
    blob.extend(sealed);
    format!("{PREFIX}{}:{}", key.id, base64::engine::general_purpose::STANDARD.encode(blob))
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

    /// The stored form of `plain`, owned by `owner`.
    pub fn encrypt(&self, plain: &str, owner: &SecretOwner<'_>) -> String {
        seal(&self.current, plain, owner)
    }

    /// A `v1` value (not bound to its owner) rewritten as a `v2` value bound to `owner`, under the same
    /// key; `None` when the value is not `v1`.
    pub fn bind_v1(&self, stored: &str, owner: &SecretOwner<'_>) -> Result<Option<String>, StoreError> {
        let Some(rest) = stored.strip_prefix(PREFIX_V1) else { return Ok(None) };
        let plain = self.decrypt(stored, owner)?;
        let id = rest.split(':').next().unwrap_or_default();
        let key = self.key(id).ok_or_else(|| StoreError::Corrupt(format!("secret key {id} is not configured")))?;
        Ok(Some(seal(key, &plain, owner)))
    }

    /// The clear text of a stored value, which must belong to `owner`.
    pub fn decrypt(&self, stored: &str, owner: &SecretOwner<'_>) -> Result<String, StoreError> {
        let corrupt = |why: &str| StoreError::Corrupt(format!("encrypted {}: {why}", owner.kind.as_str()));
        let (rest, aad) = match stored.strip_prefix(PREFIX) {
            Some(rest) => (rest, owner.associated_data()),
            None => (stored.strip_prefix(PREFIX_V1).ok_or_else(|| corrupt("not in the encrypted form"))?, Vec::new()),
        };
        let (id, data) = rest.split_once(':').ok_or_else(|| corrupt("no key id"))?;
        let key = self.key(id).ok_or_else(|| corrupt(&format!("written with key {id}, which is not configured")))?;
        let blob = base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| corrupt("bad base64"))?;
        if blob.len() < 24 {
            return Err(corrupt("too short"));
        }
        let (nonce, sealed) = blob.split_at(24);
        let plain = key
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &aad })
            .map_err(|_| corrupt("authentication failed (altered, or moved from another row)"))?;
        String::from_utf8(plain).map_err(|_| corrupt("not UTF-8"))
    }

    fn key(&self, id: &str) -> Option<&Key> {
        std::iter::once(&self.current).chain(&self.previous).find(|k| k.id == id)
    }

    /// The id of the key that wrote a stored value, when it is one this cipher does not have (so the
    /// value cannot be read); `None` when the key is known or the value is not in an encrypted form.
    pub fn unknown_key<'s>(&self, stored: &'s str) -> Option<&'s str> {
        let rest = stored.strip_prefix(PREFIX).or_else(|| stored.strip_prefix(PREFIX_V1))?;
        let (id, _) = rest.split_once(':')?;
        self.key(id).is_none().then_some(id)
    }

    /// Whether a stored value is to be rewritten: written with an older key, or before secrets were
    /// bound to their owner.
    pub fn is_stale(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("{PREFIX}{}:", self.current.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: SecretOwner<'static> = SecretOwner {
        client_uuid: "0190b7e2-0000-7000-8000-00000000000a",
        environment: Environment::Sandbox,
        kind: SecretKind::Signing(SecretPurpose::Notification),
    };

    /// The `v1` form, as values were written before the owner binding.
    fn encrypt_v1(key: [u8; 32], plain: &str) -> String {
        let cipher = XChaCha20Poly1305::new(&key.into());
        let nonce = [5u8; 24];
        let mut blob = nonce.to_vec();
        blob.extend(cipher.encrypt(XNonce::from_slice(&nonce), plain.as_bytes()).unwrap());
        format!(
            "enc:v1:{}:{}",
            hex::encode(&Sha256::digest(key)[..4]),
            base64::engine::general_purpose::STANDARD.encode(blob)
        )
    }

    #[test]
    fn values_round_trip_and_do_not_contain_the_clear_text() {
        let cipher = SecretCipher::new([7; 32], &[]);
        let stored = cipher.encrypt("whsec_c2VjcmV0", &A);
        assert!(stored.starts_with("enc:v2:"));
        assert!(!stored.contains("whsec_"));
        assert_ne!(stored, cipher.encrypt("whsec_c2VjcmV0", &A), "a fresh nonce every time");
        assert_eq!(cipher.decrypt(&stored, &A).unwrap(), "whsec_c2VjcmV0");
    }

    #[test]
    fn a_value_does_not_decrypt_for_another_owner() {
        let cipher = SecretCipher::new([7; 32], &[]);
        let stored = cipher.encrypt("whsec_c2VjcmV0", &A);
        let others = [
            SecretOwner { client_uuid: "0190b7e2-0000-7000-8000-00000000000b", ..A },
            SecretOwner { environment: Environment::Production, ..A },
            SecretOwner { kind: SecretKind::Signing(SecretPurpose::Data), ..A },
            SecretOwner { kind: SecretKind::HashKey, ..A },
        ];
        for other in others {
            assert!(cipher.decrypt(&stored, &other).is_err(), "{other:?} read A's value");
        }
        let upper = SecretOwner { client_uuid: "0190B7E2-0000-7000-8000-00000000000A", ..A };
        assert_eq!(cipher.decrypt(&stored, &upper).unwrap(), "whsec_c2VjcmV0", "a UUID in either case is one owner");
    }

    #[test]
    fn v1_values_still_read_and_are_stale() {
        let cipher = SecretCipher::new([7; 32], &[]);
        let stored = encrypt_v1([7; 32], "key");
        assert_eq!(cipher.decrypt(&stored, &A).unwrap(), "key");
        assert!(cipher.is_stale(&stored));
        assert!(!cipher.is_stale(&cipher.encrypt("key", &A)));
        let bound = cipher.bind_v1(&stored, &A).unwrap().expect("a v1 value is rewritten");
        assert!(bound.starts_with("enc:v2:"));
        assert_eq!(cipher.decrypt(&bound, &A).unwrap(), "key");
        assert!(cipher.decrypt(&bound, &SecretOwner { kind: SecretKind::HashKey, ..A }).is_err());
        assert_eq!(cipher.bind_v1(&bound, &A).unwrap(), None, "a v2 value is left alone");
        // A v1 value of a previous key stays under that key.
        let rotated = SecretCipher::new([8; 32], &[[7; 32]]);
        let bound = rotated.bind_v1(&stored, &A).unwrap().unwrap();
        assert_eq!(SecretCipher::new([7; 32], &[]).decrypt(&bound, &A).unwrap(), "key");
    }

    #[test]
    fn values_of_a_previous_key_still_read_and_are_stale() {
        let old = SecretCipher::new([1; 32], &[]);
        let stored = old.encrypt("key", &A);
        let rotated = SecretCipher::new([2; 32], &[[1; 32]]);
        assert_eq!(rotated.decrypt(&stored, &A).unwrap(), "key");
        assert!(rotated.is_stale(&stored));
        assert_eq!(rotated.unknown_key(&stored), None);
        let forgot = SecretCipher::new([2; 32], &[]);
        assert!(forgot.decrypt(&stored, &A).is_err());
        assert_eq!(forgot.unknown_key(&stored), Some(old.key_id()));
        assert_eq!(forgot.unknown_key(&encrypt_v1([1; 32], "key")), Some(old.key_id()));
    }

    #[test]
    fn tampering_is_detected() {
        let cipher = SecretCipher::new([3; 32], &[]);
        let mut stored = cipher.encrypt("key", &A);
        stored.pop();
        stored.push('A');
        assert!(cipher.decrypt(&stored, &A).is_err());
    }

    #[test]
    fn keys_parse_from_hex_or_base64() {
        assert_eq!(parse_key(&"ab".repeat(32)).unwrap(), [0xab; 32]);
        assert_eq!(parse_key(&base64::engine::general_purpose::STANDARD.encode([9u8; 32])).unwrap(), [9; 32]);
        assert!(parse_key("short").is_err());
        assert_eq!(generate_key().len(), 64);
    }
}
