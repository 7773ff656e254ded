//! `StorageSettings`: where to listen, which database, how to log, the server's TLS.

use nianbao_common::{LogSettings, TlsSettings};
use serde::Deserialize;

/// The default database: an embedded SQLite file, created with its directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/nianbao.db?mode=rwc";

/// Settings of the storage service (`[listen]`, `[database]`, `[log]`; env `NIANBAO_DATABASE__URL`, …).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// The address to listen on.
    pub listen: String,
    /// The database.
    pub database: DatabaseSettings,
    /// Logging.
    pub log: LogSettings,
    /// The server's TLS (`[tls]`).
    pub tls: TlsSettings,
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings {
            listen: "127.0.0.1:50051".into(),
            database: DatabaseSettings::default(),
            log: LogSettings::default(),
            tls: TlsSettings::default(),
        }
    }
}

/// The database connection.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH[?mode=rwc]` or `postgres://USER@HOST:PORT/DB`.
    pub url: String,
    /// Pool size for PostgreSQL (SQLite uses one writer connection).
    pub max_connections: u32,
    /// Whether new revisions store their report content compressed (DEFLATE). Both forms are
    /// always read, so this may change at any restart.
    pub compress_content: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: DEFAULT_DATABASE_URL.into(),
            max_connections: 10,
            compress_content: true,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn defaults_then_env() {
        let s: StorageSettings = nianbao_common::load_settings(None, HashMap::new()).unwrap();
        assert_eq!(s, StorageSettings::default());
        assert_eq!(s.database.url, DEFAULT_DATABASE_URL);
        assert!(s.database.compress_content);
        let env = HashMap::from([
            (
                "NIANBAO_DATABASE__URL".to_string(),
                "postgres://db/n".to_string(),
            ),
            (
                "NIANBAO_DATABASE__MAX_CONNECTIONS".to_string(),
                "3".to_string(),
            ),
            ("NIANBAO_LISTEN".to_string(), "0.0.0.0:9000".to_string()),
            (
                "NIANBAO_DATABASE__COMPRESS_CONTENT".to_string(),
                "false".to_string(),
            ),
        ]);
        let s: StorageSettings = nianbao_common::load_settings(None, env).unwrap();
        assert_eq!(s.database.url, "postgres://db/n");
        assert_eq!(s.database.max_connections, 3);
        assert!(!s.database.compress_content);
        assert_eq!(s.listen, "0.0.0.0:9000");
    }
}
