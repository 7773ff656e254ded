//! Latency samples and error counts per operation, and their summary.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::mix::Op;

/// What one worker saw.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Latencies of successful requests, in microseconds, by operation.
    pub ok: BTreeMap<Op, Vec<u32>>,
    /// Failed requests by operation and gRPC code name.
    pub errors: BTreeMap<(Op, String), u64>,
    /// Latencies of successful requests by time window (index from the start) and operation.
    pub windows: BTreeMap<(u32, Op), Vec<u32>>,
}

impl Recorder {
    /// Records a success.
    pub fn success(&mut self, op: Op, took: Duration) {
        let micros = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        self.ok.entry(op).or_default().push(micros);
    }

    /// Records a success that started in time window `window` (counted from 0).
    pub fn success_in(&mut self, window: u32, op: Op, took: Duration) {
        self.success(op, took);
        let micros = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        self.windows.entry((window, op)).or_default().push(micros);
    }

    /// Records a failure with its code.
    pub fn failure(&mut self, op: Op, code: tonic::Code) {
        *self.errors.entry((op, format!("{code:?}"))).or_default() += 1;
    }

    /// Adds another worker's records.
    pub fn merge(&mut self, other: Recorder) {
        for (op, mut v) in other.ok {
            self.ok.entry(op).or_default().append(&mut v);
        }
        for (k, n) in other.errors {
            *self.errors.entry(k).or_default() += n;
        }
        for (k, mut v) in other.windows {
            self.windows.entry(k).or_default().append(&mut v);
        }
    }
}

/// The summary of one operation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct OpSummary {
    /// Operation name.
    pub op: String,
    /// Successful requests.
    pub ok: u64,
    /// Failed requests.
    pub errors: u64,
    /// Successful requests per second of the run.
    pub per_second: f64,
    /// Latency percentiles of successful requests, milliseconds.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

/// The value at quantile `q` (nearest rank) of sorted samples, in milliseconds.
pub fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

/// Summaries per operation over a run of `elapsed`.
pub fn summarize(rec: &mut Recorder, elapsed: Duration) -> Vec<OpSummary> {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let mut ops: Vec<Op> = rec.ok.keys().copied().collect();
    ops.extend(rec.errors.keys().map(|(op, _)| *op));
    ops.sort();
    ops.dedup();
    ops.into_iter()
        .map(|op| {
            let samples = rec.ok.entry(op).or_default();
            samples.sort_unstable();
            let errors = rec
                .errors
                .iter()
                .filter(|((o, _), _)| *o == op)
                .map(|(_, n)| n)
                .sum();
            OpSummary {
                op: op.name().to_string(),
                ok: samples.len() as u64,
                errors,
                per_second: samples.len() as f64 / secs,
                p50_ms: quantile_ms(samples, 0.50),
                p90_ms: quantile_ms(samples, 0.90),
                p99_ms: quantile_ms(samples, 0.99),
                max_ms: quantile_ms(samples, 1.0),
            }
        })
        .collect()
}

/// The latency of one operation within one time window of the run.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct WindowSummary {
    /// Operation name.
    pub op: String,
    /// Start of the window, seconds from the start of the run.
    pub start_s: f64,
    /// Successful requests in the window.
    pub ok: u64,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
    /// Slowest, milliseconds.
    pub max_ms: f64,
}

/// Summaries per window of `window` and operation, in time order.
pub fn summarize_windows(rec: &mut Recorder, window: Duration) -> Vec<WindowSummary> {
    rec.windows
        .iter_mut()
        .map(|((w, op), samples)| {
            samples.sort_unstable();
            WindowSummary {
                op: op.name().to_string(),
                start_s: f64::from(*w) * window.as_secs_f64(),
                ok: samples.len() as u64,
                p50_ms: quantile_ms(samples, 0.50),
                p99_ms: quantile_ms(samples, 0.99),
                max_ms: quantile_ms(samples, 1.0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(quantile_ms(&sorted, 0.50), 50.0);
        assert_eq!(quantile_ms(&sorted, 0.90), 90.0);
        assert_eq!(quantile_ms(&sorted, 0.99), 99.0);
        assert_eq!(quantile_ms(&sorted, 1.0), 100.0);
        assert_eq!(quantile_ms(&[], 0.5), 0.0);
        assert_eq!(quantile_ms(&[7000], 0.99), 7.0);
    }

    #[test]
    fn merges_and_summarizes() {
        let mut a = Recorder::default();
        let mut b = Recorder::default();
        for ms in [1, 2, 3] {
            a.success(Op::Get, Duration::from_millis(ms));
        }
        b.success(Op::Get, Duration::from_millis(4));
        b.failure(Op::Submit, tonic::Code::Unavailable);
        b.failure(Op::Submit, tonic::Code::Unavailable);
        a.merge(b);
        let s = summarize(&mut a, Duration::from_secs(2));
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].op.as_str(), s[0].ok, s[0].errors), ("submit", 0, 2));
        assert_eq!(
            (s[1].op.as_str(), s[1].ok, s[1].per_second, s[1].max_ms),
            ("get", 4, 2.0, 4.0)
        );
        assert_eq!(a.errors.get(&(Op::Submit, "Unavailable".into())), Some(&2));
    }

    #[test]
    fn windows_keep_their_own_percentiles() {
        let mut a = Recorder::default();
        let mut b = Recorder::default();
        for ms in 1..=100 {
            a.success_in(0, Op::Get, Duration::from_millis(ms));
        }
        b.success_in(1, Op::Get, Duration::from_millis(500));
        b.success_in(1, Op::List, Duration::from_millis(7));
        a.merge(b);
        let w = summarize_windows(&mut a, Duration::from_secs(30));
        assert_eq!(w.len(), 3);
        assert_eq!(
            (w[0].op.as_str(), w[0].start_s, w[0].ok, w[0].p99_ms),
            ("get", 0.0, 100, 99.0)
        );
        assert_eq!(
            (w[1].op.as_str(), w[1].start_s, w[1].p99_ms),
            ("get", 30.0, 500.0)
        );
        assert_eq!((w[2].op.as_str(), w[2].max_ms), ("list", 7.0));
        // The whole-run figures include every window.
        let all = summarize(&mut a, Duration::from_secs(60));
        assert_eq!((all[0].op.as_str(), all[0].ok), ("get", 101));
    }
}
