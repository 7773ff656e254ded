//! The server's resident memory over time, from `/proc/PID/status` (`VmRSS`), once a second.

use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;

/// One sample.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Sample {
    /// Seconds since the start of the run.
    pub t: f64,
    /// Resident set size in KiB.
    pub rss_kib: u64,
}

/// `VmRSS` in KiB from the text of `/proc/PID/status`.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
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
                if let Some(rss_kib) = parse_vm_rss(&text) {
                    out.push(Sample { t: start.elapsed().as_secs_f64(), rss_kib });
                }
            }
            _ = stop.changed() => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss() {
        let text = "Name:\tnianbao\nVmPeak:\t  900 kB\nVmRSS:\t   51234 kB\nThreads:\t5\n";
        assert_eq!(parse_vm_rss(text), Some(51234));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }

    #[tokio::test]
    async fn samples_this_process() {
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(sample(std::process::id(), rx));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let _ = tx.send(true);
        let samples = task.await.unwrap_or_default();
        assert!(
            !samples.is_empty() && samples.iter().all(|s| s.rss_kib > 0),
            "{samples:?}"
        );
    }
}
