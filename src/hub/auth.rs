//! Passwords (Argon2id) and session tokens.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored hash; a broken hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash of nothing, verified against when the login is unknown so that
/// unknown users and wrong passwords take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// SHA-256 of a secret, in hex: what is stored of session and upstream
/// tokens. Enough for random 256-bit tokens (no guessing to slow down).
pub fn digest(secret: &str) -> String {
    use sha2::Digest;
    let sum = sha2::Sha256::digest(secret.as_bytes());
    let mut out = String::with_capacity(64);
    for b in sum {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// What the idempotency store keeps of a request: `sha256:` + digest.
pub fn request_digest(request: &str) -> String {
    format!("sha256:{}", digest(request))
}

/// Compares two digests in constant time, so the time of a refusal
/// tells nothing about how much of a guess was right.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A random session token (256 bits, hex).
pub fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A readable random password for a generated admin or upstream secret.
pub fn generate_secret() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash_password("secret-pass").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("secret-pass", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("secret-pass", "garbage"));
    }

    #[test]
    fn digests_are_stable_hex_and_compare_exactly() {
        let d = digest("abc");
        assert_eq!(
            d,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same_secret(&d, &digest("abc")));
        assert!(!same_secret(&d, &digest("abd")));
        assert!(!same_secret(&d, "ba78"));
    }

    #[test]
    fn tokens_are_unique_and_long() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
    }
}
