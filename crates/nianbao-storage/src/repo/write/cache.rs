//! The reports a writer decided on lately, parsed, by (report row, revision number).
//!
//! A revision never changes once committed, so an entry is never stale; entries are added only
//! after their transaction committed (a rolled-back number may be written again with another
//! content). The next submission of an office-year compares with its latest revision, and the
//! cross-year rules read the year before: both are usually here, so the writer does not parse
//! their stored JSON again.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use nianbao_model::Report;

/// Reports kept per writer. A 2021 report of the demo's size takes a few tens of kilobytes
/// parsed, so this bounds a writer's cache to a few megabytes.
pub const CAPACITY: usize = 256;

/// A bounded map of parsed reports, the oldest entry evicted first.
#[derive(Debug, Default)]
pub struct ReportCache {
    entries: HashMap<(i64, i64), Arc<Report>>,
    order: VecDeque<(i64, i64)>,
}

impl ReportCache {
    /// The report of revision `number` of report row `report_id`, if kept.
    pub fn get(&self, report_id: i64, number: i64) -> Option<Arc<Report>> {
        self.entries.get(&(report_id, number)).cloned()
    }

    /// Keeps a committed revision's report.
    pub fn insert(&mut self, report_id: i64, number: i64, report: Arc<Report>) {
        if self.entries.insert((report_id, number), report).is_none() {
            self.order.push_back((report_id, number));
        }
        while self.order.len() > CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }

    /// Entries kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is kept.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nianbao_model::{Edition, Office};

    #[test]
    fn keeps_the_newest_entries_up_to_the_capacity() {
        let report = Arc::new(Report::new(
            Office {
                code: "x".into(),
                name: "x".into(),
            },
            2023,
            Edition::E2021,
        ));
        let mut cache = ReportCache::default();
        for n in 1..=(CAPACITY as i64 + 10) {
            cache.insert(7, n, report.clone());
        }
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.get(7, 10).is_none());
        assert!(cache.get(7, 11).is_some());
        assert!(cache.get(7, CAPACITY as i64 + 10).is_some());
        cache.insert(7, CAPACITY as i64 + 10, report);
        assert_eq!(cache.len(), CAPACITY);
    }
}
