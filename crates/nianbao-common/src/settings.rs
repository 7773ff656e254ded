//! Layered settings: defaults (serde), then an optional TOML file, then `NIANBAO_<SECTION>__<KEY>`.
//!
//! The environment is passed in as a map: a binary passes [`process_env`], a test passes its own map.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The prefix of every settings variable (`NIANBAO_DATABASE__URL` sets `database.url`).
pub const ENV_PREFIX: &str = "NIANBAO";

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file, a variable or a value is wrong; the message names it.
    #[error("invalid settings / 配置无效: {0}")]
    Invalid(#[from] config::ConfigError),
    /// The TLS files are missing or unreadable.
    #[error("invalid TLS settings / TLS 配置无效: {0}")]
    Tls(String),
    /// A service URL that cannot be used.
    #[error("invalid service URL / 服务地址无效 {url}: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why it cannot be used.
        reason: String,
    },
}

/// Logging settings, shared by every service (`[log]`, `NIANBAO_LOG__FILTER`, `NIANBAO_LOG__JSON`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// An `EnvFilter` directive; `RUST_LOG` wins over it, `info,sqlx=warn` when neither is set.
    pub filter: Option<String>,
    /// One JSON object per line instead of human-readable lines.
    pub json: bool,
}

/// TLS for a gRPC server (`[tls]`, `NIANBAO_TLS__CERT_FILE`, `NIANBAO_TLS__KEY_FILE`,
/// `NIANBAO_TLS__CLIENT_CA_FILE`): PEM files; with a client CA, clients must present a certificate.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// The server certificate chain (PEM).
    pub cert_file: Option<std::path::PathBuf>,
    /// The server private key (PEM).
    pub key_file: Option<std::path::PathBuf>,
    /// A CA bundle (PEM) that client certificates must chain to.
    pub client_ca_file: Option<std::path::PathBuf>,
}

impl TlsSettings {
    /// The rustls configuration, or `None` when no certificate is configured.
    pub fn load(&self) -> Result<Option<tonic::transport::ServerTlsConfig>, SettingsError> {
        let (Some(cert), Some(key)) = (&self.cert_file, &self.key_file) else {
            if self.cert_file.is_some() || self.key_file.is_some() {
                return Err(SettingsError::Tls(
                    "tls.cert_file and tls.key_file go together / 证书和私钥须同时配置".into(),
                ));
            }
            return Ok(None);
        };
        let read = |p: &std::path::Path| {
            std::fs::read(p)
                .map_err(|e| SettingsError::Tls(format!("{}: {e} / 无法读取", p.display())))
        };
        let identity = tonic::transport::Identity::from_pem(read(cert)?, read(key)?);
        let mut config = tonic::transport::ServerTlsConfig::new().identity(identity);
        if let Some(ca) = &self.client_ca_file {
            config = config.client_ca_root(tonic::transport::Certificate::from_pem(read(ca)?));
        }
        Ok(Some(config))
    }
}

/// TLS of a service's connection to another service (`[render.storage_tls]`,
/// `NIANBAO_RENDER__STORAGE_TLS__CA_FILE`, `…__CERT_FILE`, `…__KEY_FILE`; the same under
/// `aggregate`): the CA that signed the server's certificate, and the client certificate and
/// key to present when the server asks for one (`tls.client_ca_file` on that server).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ClientTlsSettings {
    /// CA bundle (PEM) that the server's certificate must chain to.
    pub ca_file: Option<std::path::PathBuf>,
    /// The client certificate chain (PEM).
    pub cert_file: Option<std::path::PathBuf>,
    /// The client private key (PEM).
    pub key_file: Option<std::path::PathBuf>,
}

impl ClientTlsSettings {
    /// `endpoint` with TLS configured, or unchanged when nothing is set.
    pub fn apply(
        &self,
        endpoint: tonic::transport::Endpoint,
    ) -> Result<tonic::transport::Endpoint, SettingsError> {
        if self.cert_file.is_some() != self.key_file.is_some() {
            return Err(SettingsError::Tls(
                "storage_tls.cert_file and storage_tls.key_file go together / 客户端证书和私钥须同时配置"
                    .into(),
            ));
        }
        if self.ca_file.is_none() && self.cert_file.is_none() {
            return Ok(endpoint);
        }
        let read = |p: &std::path::Path| {
            std::fs::read(p)
                .map_err(|e| SettingsError::Tls(format!("{}: {e} / 无法读取", p.display())))
        };
        let mut config = tonic::transport::ClientTlsConfig::new();
        if let Some(ca) = &self.ca_file {
            config = config.ca_certificate(tonic::transport::Certificate::from_pem(read(ca)?));
        }
        if let (Some(cert), Some(key)) = (&self.cert_file, &self.key_file) {
            config = config.identity(tonic::transport::Identity::from_pem(
                read(cert)?,
                read(key)?,
            ));
        }
        endpoint
            .tls_config(config)
            .map_err(|e| SettingsError::Tls(format!("{e} / 客户端 TLS 配置无效")))
    }
}

/// Loads settings of type `T`: serde defaults, then `file` (TOML) when given, then the
/// `NIANBAO_<SECTION>__<KEY>` entries of `env` (values parsed as numbers or booleans when they look like one).
pub fn load_settings<T: DeserializeOwned>(
    file: Option<&Path>,
    env: HashMap<String, String>,
) -> Result<T, SettingsError> {
    let mut builder = config::Config::builder();
    if let Some(path) = file {
        builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
    }
    builder = builder.add_source(
        config::Environment::with_prefix(ENV_PREFIX)
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            .source(Some(env)),
    );
    Ok(builder.build()?.try_deserialize()?)
}

/// The `NIANBAO_*` variables of the process environment, for [`load_settings`].
pub fn process_env() -> HashMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Example {
        database: Db,
        log: LogSettings,
    }

    #[derive(Debug, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Db {
        url: String,
        max_connections: u32,
    }

    impl Default for Db {
        fn default() -> Self {
            Db {
                url: "sqlite://default.db".into(),
                max_connections: 5,
            }
        }
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_apply_without_file_or_env() {
        let s: Example = load_settings(None, HashMap::new()).unwrap();
        assert_eq!(s.database.url, "sqlite://default.db");
        assert_eq!(s.database.max_connections, 5);
        assert!(!s.log.json);
    }

    #[test]
    fn env_overrides_file() {
        let dir = tempdir();
        let path = dir.join("nianbao.toml");
        std::fs::write(
            &path,
            "[database]\nurl = \"sqlite://file.db\"\nmax_connections = 2\n[log]\njson = true\n",
        )
        .unwrap();
        let s: Example = load_settings(
            Some(&path),
            env(&[
                ("NIANBAO_DATABASE__URL", "postgres://db/x"),
                ("NIANBAO_LOG__FILTER", "debug"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database.url, "postgres://db/x");
        assert_eq!(s.database.max_connections, 2);
        assert!(s.log.json);
        assert_eq!(s.log.filter.as_deref(), Some("debug"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_key_is_refused() {
        let err = load_settings::<Example>(None, env(&[("NIANBAO_DATABASE__URLL", "x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("urll"), "{err}");
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "nianbao-settings-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
