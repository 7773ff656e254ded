//! Processes of the aggregation bench: spawning the services, ports, and reading a process's
//! memory and CPU time from /proc.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::Res;

/// A child process killed when dropped.
pub use nianbao_testkit::process::KillOnDrop as Proc;

pub fn vm_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU seconds a process has used so far (assumes 100 clock ticks per second).
pub fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

pub fn spawn(bin: &Path, args: &[&str], env: &[(&str, &str)], log: &Path) -> Res<Proc> {
    let out = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new(bin)
        .args(args)
        .env("NIANBAO_LOG__FILTER", "warn")
        .envs(env.iter().copied())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    Ok(Proc(child))
}

pub async fn wait_port(port: u16) -> Res<()> {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("nothing listens on port {port}"))
}
