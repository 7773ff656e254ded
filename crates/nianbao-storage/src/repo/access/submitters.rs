//! Submitters recently authenticated: an office token and its own office, by the hash of the
//! token's secret and the office code, so that an office's next submissions skip the
//! authentication query.
//!
//! Only submissions use it, and only for an office token submitting for its own office (the
//! permission then depends on nothing that can change: a token's office and role are fixed, an
//! office's id and code too). It is not trusted with revocation: a submission authenticated from
//! here is written only if its token is still unrevoked in the write transaction itself
//! ([`batch`](crate::repo::write::batch) checks it with one query per group), so a revoked token writes
//! nothing after its revocation committed, from this process or any other. A revocation through
//! this process also drops the token's entries at once.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::entity::office;
use crate::repo::access::auth::{Caller, Role};

/// How long an entry is used before the token is read again.
pub const TTL: Duration = Duration::from_secs(60);
/// The most entries kept; when full, expired entries are dropped, and all if none had expired.
const CAPACITY: usize = 100_000;

/// (secret hash, office code) → (caller, office, when read).
type Entries = HashMap<(String, String), (Caller, office::Model, Instant)>;

/// The cache (one per service).
#[derive(Debug)]
pub struct Submitters {
    ttl: Duration,
    entries: Mutex<Entries>,
}

impl Default for Submitters {
    fn default() -> Self {
        Submitters::new(TTL)
    }
}

impl Submitters {
    /// An empty cache whose entries are used for `ttl`.
    pub fn new(ttl: Duration) -> Submitters {
        Submitters {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave a half-written entry: keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The caller and office read for this secret hash and office code within the TTL.
    pub fn get(&self, hash: &str, code: &str) -> Option<(Caller, office::Model)> {
        let mut entries = self.lock();
        let key = (hash.to_string(), code.to_string());
        match entries.get(&key) {
            Some((caller, office, at)) if at.elapsed() < self.ttl => {
                Some((caller.clone(), office.clone()))
            }
            Some(_) => {
                entries.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Keeps what authentication read, if it is an office token and its own office.
    pub fn put(&self, hash: &str, code: &str, caller: &Caller, office: Option<&office::Model>) {
        let Some(office) = office else { return };
        if caller.role != Role::Office || caller.office_id != Some(office.id) || office.code != code
        {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            let ttl = self.ttl;
            entries.retain(|_, (_, _, at)| at.elapsed() < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            (hash.to_string(), code.to_string()),
            (caller.clone(), office.clone(), Instant::now()),
        );
    }

    /// Drops every entry of a token (revoked).
    pub fn forget_token(&self, token_id: &str) {
        self.lock()
            .retain(|_, (caller, _, _)| caller.token_id != token_id);
    }

    /// How many entries are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(id: i64, code: &str) -> office::Model {
        let now = crate::repo::now();
        office::Model {
            id,
            code: code.into(),
            name: format!("单位{id}"),
            kind: "office".into(),
            parent_id: None,
            must_report: true,
            exempt_years: String::new(),
            created_at: now,
        }
    }

    fn caller(token: &str, role: Role, office_id: Option<i64>) -> Caller {
        Caller {
            token_id: token.into(),
            role,
            office_id,
        }
    }

    #[test]
    fn keeps_only_an_office_token_with_its_own_office() {
        let c = Submitters::default();
        let own = office(7, "a");
        c.put("h1", "a", &caller("t1", Role::Office, Some(7)), Some(&own));
        c.put("h2", "a", &caller("t2", Role::Office, Some(8)), Some(&own));
        c.put("h3", "a", &caller("t3", Role::City, Some(7)), Some(&own));
        c.put("h4", "a", &caller("t4", Role::Admin, None), Some(&own));
        c.put("h5", "b", &caller("t5", Role::Office, Some(7)), Some(&own));
        c.put("h6", "a", &caller("t6", Role::Office, Some(7)), None);
        assert_eq!(c.len(), 1);
        let (who, at) = c.get("h1", "a").expect("kept");
        assert_eq!((who.token_id.as_str(), at.id), ("t1", 7));
        assert!(c.get("h1", "b").is_none());
        assert!(c.get("h2", "a").is_none());
    }

    #[test]
    fn entries_expire_and_revoked_tokens_are_forgotten() {
        let c = Submitters::new(Duration::from_millis(30));
        c.put(
            "h1",
            "a",
            &caller("t1", Role::Office, Some(1)),
            Some(&office(1, "a")),
        );
        c.put(
            "h2",
            "b",
            &caller("t2", Role::Office, Some(2)),
            Some(&office(2, "b")),
        );
        c.forget_token("t2");
        assert!(c.get("h2", "b").is_none());
        assert!(c.get("h1", "a").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(c.get("h1", "a").is_none());
        assert!(c.is_empty());
    }
}
