//! Passwords (Argon2id) and session tokens.

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

/// Argon2's working memory (`m_cost` KiB, 19 MiB by default), kept from
/// one hash to the next. Allocating and freeing it per check is what let a
/// login storm grow the hub by ~19 MiB per thread that ever ran a check:
/// after the first such block is freed, glibc raises its mmap threshold and
/// serves the later ones from per-thread arenas that it does not give back.
#[derive(Default)]
pub struct Scratch(Vec<Block>);

impl Scratch {
    /// The blocks for `params`, reusing the last ones when the size fits.
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let n = params.block_count();
        if self.0.len() != n {
            // Replaced, not grown: one odd hash must not pin its size.
            self.0 = vec![Block::new(); n];
        }
        &mut self.0
    }
}

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    hash_password_with(&mut Scratch::default(), password)
}

/// Checks a password against a stored hash; a broken hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    verify_password_with(&mut Scratch::default(), password, hash)
}

/// [`hash_password`] in `scratch`'s memory.
pub fn hash_password_with(scratch: &mut Scratch, password: &str) -> Result<String, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let (algorithm, version, params) = (Algorithm::Argon2id, Version::V0x13, Params::DEFAULT);
    let salt = Salt::generate();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            scratch.blocks(&params),
        )
        .map_err(|e| err(&e))?;
    let hash = PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params).map_err(|e| err(&e))?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| err(&e))?),
    };
    Ok(hash.to_string())
}

/// [`verify_password`] in `scratch`'s memory, with the parameters the
/// stored hash names.
pub fn verify_password_with(scratch: &mut Scratch, password: &str, hash: &str) -> bool {
    use subtle::ConstantTimeEq;
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str());
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let params = Params::try_from(&parsed);
    let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, params) else {
        return false;
    };
    let mut buf = [0u8; Output::MAX_LENGTH];
    let Some(out) = buf.get_mut(..expected.len()) else {
        return false;
    };
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), salt, out, scratch.blocks(&params))
        .is_ok()
        && bool::from(out.ct_eq(expected.as_bytes()))
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
    fn one_scratch_serves_hashes_of_other_sizes_and_the_crates_own_format() {
        use argon2::password_hash::PasswordHasher;
        let mut s = Scratch::default();
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw-small")
        .unwrap()
        .to_string();
        let ours = hash_password_with(&mut s, "pw-default").unwrap();
        assert!(verify_password_with(&mut s, "pw-small", &small));
        assert!(verify_password_with(&mut s, "pw-default", &ours));
        assert!(!verify_password_with(&mut s, "pw-small", &ours));
        // And the crate reads ours (the format stays the standard one).
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2::PasswordVerifier::verify_password(&Argon2::default(), b"pw-default", &parsed)
                .is_ok()
        );
        // What the crate itself made (hashes stored before this change).
        let theirs = Argon2::default()
            .hash_password(b"pw-old")
            .unwrap()
            .to_string();
        assert!(verify_password_with(&mut s, "pw-old", &theirs));
        assert!(!verify_password_with(&mut s, "pw-Old", &theirs));
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
