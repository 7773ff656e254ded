//! Bearer tokens: generation, hashing, constant-time comparison, and who may do what.

use rand::RngCore;
use sha2::{Digest, Sha256};
use tonic::metadata::MetadataMap;

use crate::error::{StorageError, StorageResult};

/// The role a token is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Writes and reads its own office only.
    Office,
    /// Reads and reviews within its office's subtree.
    City,
    /// Everything, including offices and tokens.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::City => "city",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "office" => Some(Role::Office),
            "city" => Some(Role::City),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who is calling: an authenticated, unrevoked token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The token id (never the secret).
    pub token_id: String,
    /// The token's role.
    pub role: Role,
    /// The token's office, when bound to one.
    pub office_id: Option<i64>,
}

impl Caller {
    /// Refuses unless the caller is an admin.
    pub fn require_admin(&self) -> StorageResult<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(StorageError::Denied(
                "this needs an admin token / 需要管理员令牌".into(),
            ))
        }
    }
}

/// The refusal for an office the caller may not touch, identical to the one for an unknown office.
pub fn office_refused(code: &str) -> StorageError {
    StorageError::Denied(format!(
        "office {code}: not found or not permitted / 单位 {code} 不存在或无权访问"
    ))
}

/// Failed authentications allowed from one client address within [`FAILURE_WINDOW`].
pub const MAX_FAILURES: u32 = 50;
/// The window over which failures are counted.
pub const FAILURE_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Counts failed authentications per client address; past [`MAX_FAILURES`] within
/// [`FAILURE_WINDOW`], every request from that address is refused (`RESOURCE_EXHAUSTED`) until
/// the window ends, so tokens cannot be guessed by brute force.
#[derive(Debug, Default)]
pub struct FailureLimiter {
    seen: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (u32, std::time::Instant)>>,
}

impl FailureLimiter {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut std::collections::HashMap<std::net::IpAddr, (u32, std::time::Instant)>) -> T,
    ) -> T {
        let mut guard = match self.seen.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Records one failure from `peer`.
    pub fn record(&self, peer: Option<std::net::IpAddr>) {
        let Some(ip) = peer else { return };
        let now = std::time::Instant::now();
        self.with(|seen| {
            if seen.len() > 100_000 {
                seen.retain(|_, (_, since)| now.duration_since(*since) < FAILURE_WINDOW);
            }
            let entry = seen.entry(ip).or_insert((0, now));
            if now.duration_since(entry.1) >= FAILURE_WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        });
    }

    /// Whether `peer` has failed too often lately.
    pub fn blocked(&self, peer: Option<std::net::IpAddr>) -> bool {
        let Some(ip) = peer else { return false };
        self.with(|seen| {
            seen.get(&ip)
                .is_some_and(|(n, since)| *n >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW)
        })
    }
}

/// A new secret: `nbt_` and 32 random bytes in hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("nbt_{}", hex::encode(bytes))
}

/// A new token id: `t` and 8 random bytes in hex.
pub fn new_token_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    format!("t{}", hex::encode(bytes))
}

/// The SHA-256 of a secret, in hex: what is stored.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The secret of `authorization: Bearer <secret>`.
pub fn bearer(metadata: &MetadataMap) -> StorageResult<String> {
    let value = metadata
        .get("authorization")
        .ok_or(StorageError::Unauthenticated)?;
    let text = value.to_str().map_err(|_| StorageError::Unauthenticated)?;
    let secret = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .ok_or(StorageError::Unauthenticated)?
        .trim();
    if secret.is_empty() || secret.len() > 256 {
        return Err(StorageError::Unauthenticated);
    }
    Ok(secret.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), hash_secret(&b));
        assert!(!hash_secret(&a).contains(&a[4..]));
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn bearer_parses_header() {
        let mut m = MetadataMap::new();
        assert!(matches!(bearer(&m), Err(StorageError::Unauthenticated)));
        m.insert("authorization", "Basic abc".parse().unwrap());
        assert!(matches!(bearer(&m), Err(StorageError::Unauthenticated)));
        m.insert("authorization", "Bearer nbt_x".parse().unwrap());
        assert_eq!(bearer(&m).unwrap(), "nbt_x");
    }
}
