//! Sessions: a token exchanged at sign-in for a random session id in an `HttpOnly`,
//! `SameSite=Strict` cookie; the token stays on the server, in memory, until sign-out or expiry.
//!
//! Sessions live in this process only: several replicas of the console need sticky sessions.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use nianbao_model::Report;
use rand::RngCore;

use crate::AppState;
use crate::error::WebError;

/// The session cookie's name.
pub const COOKIE: &str = "nianbao_session";

/// A secret that is never printed (`Debug` shows `***`).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: String) -> Secret {
        Secret(s)
    }
    /// The secret itself, for the `authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// What a token may do, as the storage service told at sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Writes its own office's reports.
    Office,
    /// Reads and reviews its subtree.
    City,
    /// Everything.
    Admin,
}

impl Role {
    /// City staff (city or admin).
    pub fn is_city(self) -> bool {
        matches!(self, Role::City | Role::Admin)
    }
    /// The role in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Office => "填报单位",
            Role::City => "主管部门",
            Role::Admin => "管理员",
        }
    }
}

/// An uploaded document read and checked, waiting to be submitted.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The report read from it.
    pub report: Report,
    /// The idempotency key of its submission.
    pub request_id: String,
}

/// A signed-in user.
#[derive(Debug)]
pub struct Session {
    /// The user's token.
    pub token: Secret,
    /// The token's role.
    pub role: Role,
    /// The token's office (empty for an admin token bound to none).
    pub office_code: String,
    /// That office's name.
    pub office_name: String,
    /// The token every form that changes something must carry.
    pub csrf: String,
    expires: Mutex<Instant>,
    uploads: Mutex<HashMap<String, Pending>>,
}

impl Session {
    /// Keeps an uploaded report for submission; returns its id.
    pub fn keep_upload(&self, pending: Pending) -> String {
        let id = random_hex(16);
        let mut uploads = lock(&self.uploads);
        if uploads.len() >= 8 {
            uploads.clear();
        }
        uploads.insert(id.clone(), pending);
        id
    }

    /// An upload kept by [`Session::keep_upload`].
    pub fn upload(&self, id: &str) -> Option<Pending> {
        lock(&self.uploads).get(id).cloned()
    }

    /// Whether `form_token` is this session's CSRF token (compared in constant time).
    pub fn csrf_ok(&self, form_token: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), form_token.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// Refuses a form without this session's CSRF token.
    pub fn check_csrf(&self, form_token: &str) -> Result<(), WebError> {
        if self.csrf_ok(form_token) {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "the form has expired or was not sent by this console; reload the page and try again / 表单已失效或来源不明，请刷新页面后重试"
                    .into(),
            ))
        }
    }
}

/// The sessions of this process.
pub struct Sessions {
    map: Mutex<HashMap<String, Arc<Session>>>,
    ttl: Duration,
}

impl Sessions {
    /// An empty store whose sessions end after `ttl` without a request.
    pub fn new(ttl: Duration) -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// Starts a session; returns its id (the cookie's value).
    pub fn create(
        &self,
        token: Secret,
        role: Role,
        office_code: String,
        office_name: String,
    ) -> String {
        let id = random_hex(32);
        let session = Session {
            token,
            role,
            office_code,
            office_name,
            csrf: random_hex(32),
            expires: Mutex::new(Instant::now() + self.ttl),
            uploads: Mutex::new(HashMap::new()),
        };
        let mut map = lock(&self.map);
        let now = Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, s| *lock(&s.expires) > now);
        }
        map.insert(id.clone(), Arc::new(session));
        id
    }

    /// The live session of `id`, its expiry pushed back; an expired one is removed.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        let mut map = lock(&self.map);
        let session = map.get(id)?.clone();
        let now = Instant::now();
        let mut expires = lock(&session.expires);
        if *expires <= now {
            drop(expires);
            map.remove(id);
            return None;
        }
        *expires = now + self.ttl;
        drop(expires);
        Some(session)
    }

    /// Ends a session.
    pub fn remove(&self, id: &str) {
        lock(&self.map).remove(id);
    }

    /// How many sessions are held.
    pub fn len(&self) -> usize {
        lock(&self.map).len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The `Set-Cookie` value that starts a session.
pub fn set_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends it.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session id in a request's cookies.
pub fn cookie_of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The signed-in user of a request; a request without a live session is sent to sign in.
pub struct User(pub Arc<Session>);

impl FromRequestParts<Arc<AppState>> for User {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let id = cookie_of(&parts.headers).ok_or(WebError::SignedOut)?;
        state.sessions.get(&id).map(User).ok_or(WebError::SignedOut)
    }
}

/// Failed sign-ins allowed from one address within [`FAILURE_WINDOW`] (the storage service allows
/// 50 per address a minute; the console, whose own address storage sees, allows fewer per user).
pub const MAX_FAILURES: u32 = 10;
/// The window over which failures are counted.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// Counts failed sign-ins per client address; past [`MAX_FAILURES`] in [`FAILURE_WINDOW`] the
/// address may not try again until the window ends.
#[derive(Debug, Default)]
pub struct FailureLimiter {
    seen: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl FailureLimiter {
    /// Records one failure from `ip`.
    pub fn record(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut seen = lock(&self.seen);
        if seen.len() > 100_000 {
            seen.retain(|_, (_, since)| now.duration_since(*since) < FAILURE_WINDOW);
        }
        let entry = seen.entry(ip).or_insert((0, now));
        if now.duration_since(entry.1) >= FAILURE_WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// Whether `ip` has failed too often lately.
    pub fn blocked(&self, ip: IpAddr) -> bool {
        lock(&self.seen)
            .get(&ip)
            .is_some_and(|(n, since)| *n >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// `n` random bytes in hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_csrf_is_checked() {
        let store = Sessions::new(Duration::from_millis(30));
        let id = store.create(
            Secret::new("nbt_x".into()),
            Role::City,
            "1404".into(),
            "市".into(),
        );
        let s = store.get(&id).unwrap();
        assert!(s.csrf_ok(&s.csrf.clone()));
        assert!(!s.csrf_ok(""));
        assert!(!s.csrf_ok(&"0".repeat(64)));
        assert_eq!(format!("{:?}", s.token), "***");
        std::thread::sleep(Duration::from_millis(50));
        assert!(store.get(&id).is_none());
        assert!(store.is_empty());
    }

    #[test]
    fn limiter_blocks_after_ten_failures() {
        let l = FailureLimiter::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(!l.blocked(ip));
            l.record(ip);
        }
        assert!(l.blocked(ip));
        assert!(!l.blocked("10.0.0.2".parse().unwrap()));
    }
}
