//! Helpers for the end-to-end tests: run the `nianbao` binary, start services as child processes
//! on free loopback ports, wait until they are healthy, and stop them (politely or with SIGKILL).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `nianbao` binary built by cargo for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nianbao"))
}

pub use nianbao_testkit::free_port;
pub use nianbao_testkit::pg::ScratchDb;

/// Runs `nianbao ARGS` to completion with extra environment.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env_remove("NIANBAO_SERVER")
        .env_remove("NIANBAO_TOKEN")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run {}: {e}", bin().display()),
    }
}

/// Runs and asserts success; returns stdout.
pub fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = run(args, env);
    assert!(
        out.status.success(),
        "nianbao {args:?} failed ({:?})\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The last non-empty line of a command's stdout (where `token create` prints the token).
pub fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// A service running as a child process.
pub struct Service {
    pub child: Child,
    pub url: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub log: PathBuf,
}

impl Service {
    /// Starts `nianbao serve KIND --listen 127.0.0.1:PORT EXTRA…` and waits until healthy.
    #[allow(dead_code)]
    pub fn start(
        kind: &str,
        port: u16,
        extra: &[&str],
        env: &[(&str, &str)],
        log_dir: &Path,
    ) -> Service {
        let mut args = vec![
            "serve".to_string(),
            kind.to_string(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let log = log_dir.join(format!("{kind}-{port}.log"));
        let child = spawn(&args, &env, &log);
        let s = Service {
            child,
            url: format!("http://127.0.0.1:{port}"),
            args,
            env,
            log,
        };
        s.wait_healthy();
        s
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if run(&["health", "--server", &self.url], &[])
                .status
                .success()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{} did not become healthy; log:\n{}",
            self.url,
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// Kills the process with SIGKILL (no chance to clean up) and waits for it.
    #[allow(dead_code)]
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the same service again with the same arguments.
    #[allow(dead_code)]
    pub fn restart(&mut self) {
        self.kill();
        self.child = spawn(&self.args, &self.env, &self.log);
        self.wait_healthy();
    }

    /// The service's log so far.
    #[allow(dead_code)]
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn spawn(args: &[String], env: &[(String, String)], log: &Path) -> Child {
    let (file, err) = nianbao_testkit::process::log_pair(log);
    let mut cmd = Command::new(bin());
    cmd.args(args).stdin(Stdio::null()).stdout(file).stderr(err);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin().display()))
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Storage, rendering and aggregation as three processes on one database, configured through
/// the environment as an operator would, with an admin token made on the database before the
/// services start.
pub struct Cluster {
    pub storage: Service,
    pub render: Service,
    pub aggregate: Service,
    pub admin: String,
}

impl Cluster {
    /// Starts the three services on `database`; each also gets `service_env`; logs go to `dir`.
    pub fn start(database: &str, service_env: &[(&str, &str)], dir: &Path) -> Cluster {
        let admin = last_line(&ok(
            &["token", "create", "--role", "admin", "--database", database],
            &[],
        ));
        assert!(admin.len() >= 20, "token: {admin}");
        let storage = Service::start(
            "storage",
            free_port(),
            &["--database", database],
            service_env,
            dir,
        );
        let s = storage.url.as_str();
        let render = Service::start(
            "render",
            free_port(),
            &[],
            &[&[("NIANBAO_RENDER__STORAGE_URL", s)], service_env].concat(),
            dir,
        );
        let aggregate = Service::start(
            "aggregate",
            free_port(),
            &[],
            &[
                &[
                    ("NIANBAO_AGGREGATE__STORAGE_URL", s),
                    ("NIANBAO_AGGREGATE__RENDER_URL", render.url.as_str()),
                ],
                service_env,
            ]
            .concat(),
            dir,
        );
        Cluster {
            storage,
            render,
            aggregate,
            admin,
        }
    }

    /// The CLI's environment for calling `service` with `token`.
    pub fn at<'a>(service: &'a Service, token: &'a str) -> [(&'a str, &'a str); 2] {
        [
            ("NIANBAO_SERVER", service.url.as_str()),
            ("NIANBAO_TOKEN", token),
        ]
    }

    /// Adds an organisation with the admin token: `kind` city, district or department, under
    /// `parent` when given, with `extra` flags (e.g. `--exempt`).
    pub fn add_org(
        &self,
        code: &str,
        name: &str,
        parent: Option<&str>,
        kind: &str,
        extra: &[&str],
    ) {
        let mut args = vec!["orgs", "add", code, name, "--kind", kind];
        if let Some(parent) = parent {
            args.extend(["--parent", parent]);
        }
        args.extend(extra);
        ok(&args, &Cluster::at(&self.storage, &self.admin));
    }

    /// A new token of `role` for `office`, made with the admin token.
    pub fn token(&self, office: &str, role: &str) -> String {
        last_line(&ok(
            &["token", "create", "--office", office, "--role", role],
            &Cluster::at(&self.storage, &self.admin),
        ))
    }

    /// The three services, for reading their logs.
    pub fn services(&self) -> [&Service; 3] {
        [&self.storage, &self.render, &self.aggregate]
    }
}
