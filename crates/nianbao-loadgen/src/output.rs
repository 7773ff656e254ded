//! The outcome of a run, as a table for people and as JSON.

use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;

use crate::Args;
use crate::rss::Sample;
use crate::stats::{OpSummary, Recorder, summarize};

/// Everything a run measured.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// Storage server URL.
    pub server: String,
    /// Workers.
    pub concurrency: usize,
    /// Measured seconds.
    pub seconds: f64,
    /// The mix as given.
    pub mix: String,
    /// Successful requests per second, all operations.
    pub total_per_second: f64,
    /// Per operation.
    pub operations: Vec<OpSummary>,
    /// Failed requests: operation, code, count.
    pub errors: Vec<(String, String, u64)>,
    /// Server resident memory once a second (KiB).
    pub memory: Vec<Sample>,
    /// Operations skipped and why.
    pub notes: Vec<String>,
}

impl Outcome {
    /// Summarizes a run.
    pub fn new(
        args: &Args,
        rec: &mut Recorder,
        elapsed: Duration,
        memory: Vec<Sample>,
        notes: Vec<String>,
    ) -> Outcome {
        let operations = summarize(rec, elapsed);
        let total: u64 = operations.iter().map(|o| o.ok).sum();
        Outcome {
            server: args.server.clone(),
            concurrency: args.concurrency,
            seconds: elapsed.as_secs_f64(),
            mix: format!("{:?}", args.mix).replace('"', ""),
            total_per_second: total as f64 / elapsed.as_secs_f64().max(1e-9),
            operations,
            errors: rec
                .errors
                .iter()
                .map(|((op, code), n)| (op.name().to_string(), code.clone(), *n))
                .collect(),
            memory,
            notes,
        }
    }

    /// A plain-text table.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} workers for {:.1} s against {}: {:.1} requests/s",
            self.concurrency, self.seconds, self.server, self.total_per_second
        );
        let _ = writeln!(
            s,
            "{:<10} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "operation", "ok", "errors", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        for o in &self.operations {
            let _ = writeln!(
                s,
                "{:<10} {:>8} {:>7} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                o.op, o.ok, o.errors, o.per_second, o.p50_ms, o.p90_ms, o.p99_ms, o.max_ms
            );
        }
        if !self.errors.is_empty() {
            let _ = writeln!(s, "errors by code:");
            for (op, code, n) in &self.errors {
                let _ = writeln!(s, "  {op:<10} {code:<20} {n}");
            }
        }
        if let (Some(first), Some(max), Some(last)) = (
            self.memory.first(),
            self.memory.iter().map(|m| m.rss_kib).max(),
            self.memory.last(),
        ) {
            let _ = writeln!(
                s,
                "server RSS: start {:.1} MiB, max {:.1} MiB, end {:.1} MiB ({} samples)",
                first.rss_kib as f64 / 1024.0,
                max as f64 / 1024.0,
                last.rss_kib as f64 / 1024.0,
                self.memory.len()
            );
            let series: Vec<String> = self
                .memory
                .iter()
                .step_by(5)
                .map(|m| format!("{:.0}s:{:.0}", m.t, m.rss_kib as f64 / 1024.0))
                .collect();
            let _ = writeln!(s, "  every 5 s (MiB): {}", series.join(" "));
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        s
    }
}
