//! End-to-end tests: the real `nianbao` binary as separate processes on loopback ports,
//! on SQLite and on PostgreSQL (when `NIANBAO_TEST_POSTGRES_URL` is set, as `.ci/run` does).

#[allow(dead_code)]
mod support;

mod console;
mod flow;
mod hostile_files;
mod mtls;
mod publication;
mod python_client;
mod shape;
