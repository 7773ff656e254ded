//! Scratch PostgreSQL databases: one per test, created through `psql` on the server named by
//! `NIANBAO_TEST_POSTGRES_URL` and dropped (with its connections) at the end.

use std::process::Command;

/// A database that exists for the lifetime of this value.
pub struct ScratchDb {
    /// Its URL.
    pub url: String,
    admin: String,
    name: String,
}

impl ScratchDb {
    /// Creates `nianbao_<tag>_<pid>_<n>`; `None` when `NIANBAO_TEST_POSTGRES_URL` is unset or
    /// empty. Panics when the server refuses, so a configured but broken server fails the test.
    pub fn create(tag: &str) -> Option<ScratchDb> {
        let admin = std::env::var("NIANBAO_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let name = format!(
            "nianbao_{tag}_{}_{}",
            std::process::id(),
            crate::process::free_port()
        );
        let status = Command::new("psql")
            .args([admin.as_str(), "-qc", &format!("CREATE DATABASE {name}")])
            .status()
            .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
        assert!(status.success(), "cannot create database {name} on {admin}");
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(admin.clone());
        Some(ScratchDb {
            url: format!("{base}/{name}"),
            admin,
            name,
        })
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                self.admin.as_str(),
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .status();
    }
}
