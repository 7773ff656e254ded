//! The outcome of a run, as a table for people and as JSON.

use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;

use crate::Args;
use crate::rss::{MemorySummary, Sample};
use crate::stats::{OpSummary, Recorder, WindowSummary, summarize, summarize_windows};

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
    /// Latency per operation and time window of `window_s` seconds.
    pub windows: Vec<WindowSummary>,
    /// The window length, seconds.
    pub window_s: f64,
    /// Server resident memory once a second (KiB).
    pub memory: Vec<Sample>,
    /// What the server's memory did (when sampled).
    pub memory_summary: Option<MemorySummary>,
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
        let windows = summarize_windows(rec, args.window);
        let memory_summary = crate::rss::summarize(&memory, args.warmup);
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
            windows,
            window_s: args.window.as_secs_f64(),
            memory,
            memory_summary,
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
        self.windows_table(&mut s);
        self.memory_table(&mut s);
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        s
    }

    fn windows_table(&self, s: &mut String) {
        if self.windows.len() <= self.operations.len() {
            return;
        }
        let _ = writeln!(
            s,
            "by {:.0} s window: operation start-s ok p50/p99/max ms",
            self.window_s
        );
        for w in &self.windows {
            let _ = writeln!(
                s,
                "  {:<10} {:>6.0} {:>7} {:>8.2} {:>8.2} {:>8.2}",
                w.op, w.start_s, w.ok, w.p50_ms, w.p99_ms, w.max_ms
            );
        }
    }

    fn memory_table(&self, s: &mut String) {
        let Some(m) = &self.memory_summary else {
            return;
        };
        let _ = writeln!(
            s,
            "server RSS: first {:.1} MiB, after {:.0} s warm-up {:.1} MiB, max {:.1} MiB, last {:.1} MiB ({} samples)",
            m.first_mib,
            m.warmup_s,
            m.after_warmup_mib,
            m.max_mib,
            m.last_mib,
            self.memory.len()
        );
        let _ = writeln!(
            s,
            "  second half: {:+.2} MiB/min (anonymous {:+.2} MiB/min); last: anonymous {:.1} MiB, files and shared {:.1} MiB, {} threads",
            m.second_half_mib_per_min,
            m.second_half_anon_mib_per_min,
            m.last_anon_mib,
            m.last_file_shmem_mib,
            m.last_threads
        );
        // About 60 points whatever the length of the run.
        let step = (self.memory.len() / 60).max(1);
        let series: Vec<String> = self
            .memory
            .iter()
            .step_by(step)
            .map(|m| {
                format!(
                    "{:.0}s:{:.1}/{:.1}",
                    m.t,
                    m.rss_kib as f64 / 1024.0,
                    m.anon_kib as f64 / 1024.0
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "  every {step} s (RSS/anonymous MiB): {}",
            series.join(" ")
        );
    }
}
