//! Ports and child processes: a free loopback port, a child killed when dropped, log files that
//! collect a child's output, and the `NIANBAO_*` variables a child must not inherit.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::process::{Child, Command};

/// A free port on 127.0.0.1 (bound, read and released; another process may take it meanwhile,
/// which the callers' start-up waits catch).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port on 127.0.0.1: {e}"))
}

/// A child process, killed with SIGKILL and waited for when dropped.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A log file opened for appending, twice: for a child's stdout and stderr.
pub fn log_pair(log: &Path) -> (File, File) {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap_or_else(|e| panic!("log {}: {e}", log.display()));
    let err = file
        .try_clone()
        .unwrap_or_else(|e| panic!("log {}: {e}", log.display()));
    (file, err)
}

/// The last `bytes` bytes of a log file (from a character boundary), or all of it.
pub fn log_tail(log: &Path, bytes: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let start = text.len().saturating_sub(bytes);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_string()
}

/// The `NIANBAO_*` variables of the test's own environment (`NIANBAO_TEST_POSTGRES_URL`,
/// `NIANBAO_CORPUS`, a developer's `NIANBAO_SERVER`): a service reads `NIANBAO_*` as its
/// settings, so a child that must see only what the test gives it gets none of them.
pub fn nianbao_env() -> Vec<String> {
    std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("NIANBAO_"))
        .collect()
}

/// Removes every inherited `NIANBAO_*` variable from `cmd`.
pub fn without_nianbao_env(cmd: &mut Command) -> &mut Command {
    for k in nianbao_env() {
        cmd.env_remove(k);
    }
    cmd
}
