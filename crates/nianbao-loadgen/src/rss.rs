//! The server's resident memory over time, from `/proc/PID/status`, once a second: `VmRSS` and
//! its parts (`RssAnon`: heap and stacks; `RssFile`: mapped files; `RssShmem`: shared memory
//! such as SQLite's WAL index), the thread count, and a summary that tells a plateau from growth.

use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;

/// One sample.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Sample {
    /// Seconds since the start of the run.
    pub t: f64,
    /// Resident set size in KiB.
    pub rss_kib: u64,
    /// Anonymous resident memory (heap, stacks) in KiB.
    pub anon_kib: u64,
    /// Resident file-backed memory in KiB.
    pub file_kib: u64,
    /// Resident shared memory in KiB.
    pub shmem_kib: u64,
    /// Threads of the process.
    pub threads: u64,
}

fn field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// `VmRSS` in KiB from the text of `/proc/PID/status`.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    field(status, "VmRSS")
}

/// A sample at `t` from the text of `/proc/PID/status` (`None` without `VmRSS`; the parts are 0
/// where the kernel does not give them).
pub fn parse_status(status: &str, t: f64) -> Option<Sample> {
    Some(Sample {
        t,
        rss_kib: parse_vm_rss(status)?,
        anon_kib: field(status, "RssAnon").unwrap_or(0),
        file_kib: field(status, "RssFile").unwrap_or(0),
        shmem_kib: field(status, "RssShmem").unwrap_or(0),
        threads: field(status, "Threads").unwrap_or(0),
    })
}

/// Samples until `stop` turns true; ends early when the process is gone.
pub async fn sample(pid: u32, mut stop: watch::Receiver<bool>) -> Vec<Sample> {
    let start = Instant::now();
    let mut out = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let Ok(text) = tokio::fs::read_to_string(format!("/proc/{pid}/status")).await else {
                    break;
                };
                if let Some(s) = parse_status(&text, start.elapsed().as_secs_f64()) {
                    out.push(s);
                }
            }
            _ = stop.changed() => break,
        }
    }
    out
}

/// What the memory did over a run, in MiB.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct MemorySummary {
    /// The first sample (when the load started).
    pub first_mib: f64,
    /// The first sample at or after the warm-up.
    pub after_warmup_mib: f64,
    /// The largest sample.
    pub max_mib: f64,
    /// The last sample.
    pub last_mib: f64,
    /// Least-squares slope of `VmRSS` over the second half of the run, MiB per minute.
    pub second_half_mib_per_min: f64,
    /// The same for `RssAnon` (heap and stacks).
    pub second_half_anon_mib_per_min: f64,
    /// Anonymous memory in the last sample.
    pub last_anon_mib: f64,
    /// File-backed plus shared memory in the last sample.
    pub last_file_shmem_mib: f64,
    /// Threads in the last sample.
    pub last_threads: u64,
    /// The warm-up the summary was given, seconds.
    pub warmup_s: f64,
}

/// Least-squares slope of `y` over `t` (per second); 0 with fewer than two distinct times.
pub fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let mt = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let cov: f64 = points.iter().map(|p| (p.0 - mt) * (p.1 - my)).sum();
    let var: f64 = points.iter().map(|p| (p.0 - mt).powi(2)).sum();
    if var == 0.0 { 0.0 } else { cov / var }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Summarizes samples; `None` when there are none.
pub fn summarize(samples: &[Sample], warmup: Duration) -> Option<MemorySummary> {
    let first = samples.first()?;
    let last = samples.last()?;
    let warm = warmup.as_secs_f64();
    let after = samples.iter().find(|s| s.t >= warm).unwrap_or(last);
    let half = samples.len() / 2;
    let second: Vec<&Sample> = samples[half..].iter().collect();
    let per_min = |f: fn(&Sample) -> u64| {
        let pts: Vec<(f64, f64)> = second.iter().map(|s| (s.t, mib(f(s)))).collect();
        slope(&pts) * 60.0
    };
    Some(MemorySummary {
        first_mib: mib(first.rss_kib),
        after_warmup_mib: mib(after.rss_kib),
        max_mib: mib(samples.iter().map(|s| s.rss_kib).max().unwrap_or(0)),
        last_mib: mib(last.rss_kib),
        second_half_mib_per_min: per_min(|s| s.rss_kib),
        second_half_anon_mib_per_min: per_min(|s| s.anon_kib),
        last_anon_mib: mib(last.anon_kib),
        last_file_shmem_mib: mib(last.file_kib + last.shmem_kib),
        last_threads: last.threads,
        warmup_s: warm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss_and_its_parts() {
        let text = "Name:\tnianbao\nVmPeak:\t  900 kB\nVmRSS:\t   51234 kB\nRssAnon:\t   40000 kB\nRssFile:\t   11000 kB\nRssShmem:\t     234 kB\nThreads:\t5\n";
        assert_eq!(parse_vm_rss(text), Some(51234));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
        let s = parse_status(text, 2.0);
        assert_eq!(
            s,
            Some(Sample {
                t: 2.0,
                rss_kib: 51234,
                anon_kib: 40000,
                file_kib: 11000,
                shmem_kib: 234,
                threads: 5
            })
        );
        // `VmRSSx:` is not `VmRSS:`.
        assert_eq!(parse_vm_rss("VmRSSx:\t7 kB\n"), None);
    }

    #[test]
    fn slope_of_a_line_and_of_a_plateau() {
        let line: Vec<(f64, f64)> = (0..10)
            .map(|i| (f64::from(i), 3.0 + 0.5 * f64::from(i)))
            .collect();
        assert!((slope(&line) - 0.5).abs() < 1e-9);
        let flat: Vec<(f64, f64)> = (0..10).map(|i| (f64::from(i), 7.0)).collect();
        assert_eq!(slope(&flat), 0.0);
        assert_eq!(slope(&[(1.0, 2.0)]), 0.0);
    }

    #[test]
    fn summary_tells_growth_from_a_plateau() {
        let kib = |m: u64| m * 1024;
        // Grows 1 MiB a second for 10 s, then stays at 40 MiB for 10 s.
        let samples: Vec<Sample> = (0..20u32)
            .map(|i| Sample {
                t: f64::from(i),
                rss_kib: kib(30 + u64::from(i.min(10))),
                anon_kib: kib(20 + u64::from(i.min(10))),
                ..Sample::default()
            })
            .collect();
        let s = summarize(&samples, Duration::from_secs(5)).unwrap_or_default();
        assert_eq!(
            (s.first_mib, s.after_warmup_mib, s.max_mib, s.last_mib),
            (30.0, 35.0, 40.0, 40.0)
        );
        assert_eq!(s.second_half_mib_per_min, 0.0);
        // Growing throughout: 60 MiB a minute.
        let growing: Vec<Sample> = (0..20u32)
            .map(|i| Sample {
                t: f64::from(i),
                rss_kib: kib(30 + u64::from(i)),
                ..Sample::default()
            })
            .collect();
        let g = summarize(&growing, Duration::from_secs(5)).unwrap_or_default();
        assert!((g.second_half_mib_per_min - 60.0).abs() < 1e-6, "{g:?}");
        assert!(summarize(&[], Duration::from_secs(5)).is_none());
    }

    #[tokio::test]
    async fn samples_this_process() {
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(sample(std::process::id(), rx));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let _ = tx.send(true);
        let samples = task.await.unwrap_or_default();
        assert!(
            !samples.is_empty() && samples.iter().all(|s| s.rss_kib > 0 && s.threads > 0),
            "{samples:?}"
        );
    }
}
