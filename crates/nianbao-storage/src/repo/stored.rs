//! What is stored as JSON text: findings, changed cells, report content.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use nianbao_model::{Finding, Report, Severity, interchange};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{StorageError, StorageResult};

/// A finding as stored with a revision.
#[derive(Debug, Serialize, Deserialize)]
struct StoredFinding {
    rule: String,
    severity: String,
    cells: Vec<String>,
    expected: Option<String>,
    actual: Option<String>,
    message_zh: String,
    message_en: String,
}

/// Findings as JSON text.
pub fn findings_to_json(findings: &[Finding]) -> String {
    let stored: Vec<StoredFinding> = findings
        .iter()
        .map(|f| StoredFinding {
            rule: f.rule.clone(),
            severity: f.severity.as_str().to_string(),
            cells: f.cells.clone(),
            expected: f.expected.clone(),
            actual: f.actual.clone(),
            message_zh: f.message_zh.clone(),
            message_en: f.message_en.clone(),
        })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".into())
}

/// Findings from JSON text.
pub fn findings_from_json(text: &str) -> StorageResult<Vec<Finding>> {
    let stored: Vec<StoredFinding> = serde_json::from_str(text)
        .map_err(|e| StorageError::Internal(format!("stored findings: {e}")))?;
    Ok(stored
        .into_iter()
        .map(|s| Finding {
            rule: s.rule,
            severity: if s.severity == "error" {
                Severity::Error
            } else {
                Severity::Warning
            },
            cells: s.cells,
            expected: s.expected,
            actual: s.actual,
            message_zh: s.message_zh,
            message_en: s.message_en,
        })
        .collect())
}

/// A list of strings as JSON text.
pub fn strings_to_json(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// A list of strings from JSON text.
pub fn strings_from_json(text: &str) -> StorageResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StorageError::Internal(format!("stored list: {e}")))
}

/// The canonical content of a report and its SHA-256 (hex).
pub fn content_and_checksum(report: &Report) -> (String, String) {
    let content = interchange::to_json(report);
    let checksum = hex::encode(Sha256::digest(content.as_bytes()));
    (content, checksum)
}

/// A stored report.
pub fn parse_content(content: &str) -> StorageResult<Report> {
    interchange::from_json(content)
        .map_err(|e| StorageError::Internal(format!("stored report content: {e}")))
}

/// The cell keys whose value or note differs between two reports (every printed cell when there
/// is no previous report).
pub fn changed_cells(previous: Option<&Report>, current: &Report) -> Vec<String> {
    let Some(prev) = previous else {
        return current.cells.keys().map(|k| k.to_string()).collect();
    };
    let keys: BTreeSet<&str> = prev
        .cells
        .keys()
        .chain(current.cells.keys())
        .chain(prev.cell_notes.keys())
        .chain(current.cell_notes.keys())
        .copied()
        .collect();
    keys.into_iter()
        .filter(|k| {
            prev.cells.get(k) != current.cells.get(k)
                || prev.cell_notes.get(k) != current.cell_notes.get(k)
        })
        .map(str::to_string)
        .collect()
}

/// A digest of the values of some cells of a report (for finding marks).
pub fn cells_digest(report: &Report, cells: &[String]) -> String {
    let mut hasher = Sha256::new();
    for key in cells {
        let value = report
            .cells
            .get(key.as_str())
            .map(|v| format!("{v:?}"))
            .unwrap_or_default();
        hasher.update(key.as_bytes());
        hasher.update(b"=");
        hasher.update(value.as_bytes());
        hasher.update(b";");
    }
    hex::encode(hasher.finalize())
}

/// The bytes the packed-report cache may hold (entries plus a fixed overhead each).
pub const PACKED_CACHE_BYTES: usize = 40 * 1024 * 1024;

/// What an entry costs beyond its bytes (key, map slot, reference counts).
const PACKED_ENTRY_OVERHEAD: usize = 64;

/// Packed reports (`nianbao_proto::packed`) of stored revisions by revision id and content
/// checksum. Revisions are immutable, so an entry is never stale. Bounded in bytes: once full,
/// new entries are not admitted (a scan larger than the cache still hits on what is cached,
/// where evicting the oldest would hit on nothing).
#[derive(Debug, Default)]
pub struct PackedCache {
    entries: HashMap<(i64, u64), Arc<[u8]>>,
    bytes: usize,
}

fn checksum_key(checksum: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    checksum.hash(&mut h);
    h.finish()
}

/// The process-wide packed-report cache.
pub fn packed_cache() -> &'static SharedPackedCache {
    static CACHE: OnceLock<SharedPackedCache> = OnceLock::new();
    CACHE.get_or_init(SharedPackedCache::new)
}

/// A [`PackedCache`] behind a lock.
#[derive(Debug, Default)]
pub struct SharedPackedCache(Mutex<PackedCache>);

impl SharedPackedCache {
    /// An empty cache (the service uses the one of [`packed_cache`]).
    pub fn new() -> SharedPackedCache {
        SharedPackedCache(Mutex::new(PackedCache::default()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PackedCache> {
        // A panic while holding the lock cannot leave the map inconsistent: take it as is.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached packed reports among `(revision id, checksum)` pairs, by revision id.
    pub fn get_many<'a>(
        &self,
        wanted: impl Iterator<Item = (i64, &'a str)>,
    ) -> HashMap<i64, Arc<[u8]>> {
        let cache = self.lock();
        wanted
            .filter_map(|(id, checksum)| {
                cache
                    .entries
                    .get(&(id, checksum_key(checksum)))
                    .map(|b| (id, b.clone()))
            })
            .collect()
    }

    /// Remembers packed reports while the cache has room.
    pub fn insert_many(&self, items: Vec<(i64, String, Arc<[u8]>)>) {
        let mut cache = self.lock();
        for (id, checksum, bytes) in items {
            let cost = bytes.len() + PACKED_ENTRY_OVERHEAD;
            if cache.bytes + cost > PACKED_CACHE_BYTES {
                return;
            }
            if cache
                .entries
                .insert((id, checksum_key(&checksum)), bytes)
                .is_none()
            {
                cache.bytes += cost;
            }
        }
    }

    /// Entries and bytes held.
    #[cfg(test)]
    pub fn size(&self) -> (usize, usize) {
        let cache = self.lock();
        (cache.entries.len(), cache.bytes)
    }
}
