//! The aggregation service's settings (`[aggregate]`, `NIANBAO_AGGREGATE__*`).

use serde::Deserialize;

/// Where the aggregation service finds storage and, for the city report, rendering.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct AggregateSettings {
    /// The storage service URL (`NIANBAO_AGGREGATE__STORAGE_URL`).
    pub storage_url: String,
    /// TLS towards storage, also used towards rendering (`NIANBAO_AGGREGATE__STORAGE_TLS__…`).
    pub storage_tls: nianbao_common::ClientTlsSettings,
    /// The rendering service URL (`NIANBAO_AGGREGATE__RENDER_URL`, default http://127.0.0.1:50052).
    pub render_url: String,
    /// The server's own TLS when it runs alone ([`crate::run`]): the process's `[tls]`, set by the
    /// caller, not a key of this section.
    #[serde(skip)]
    pub tls: nianbao_common::TlsSettings,
}

impl Default for AggregateSettings {
    fn default() -> Self {
        AggregateSettings {
            storage_url: "http://127.0.0.1:50051".into(),
            storage_tls: Default::default(),
            render_url: "http://127.0.0.1:50052".into(),
            tls: Default::default(),
        }
    }
}
