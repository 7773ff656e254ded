//! The gRPC clients of the storage, rendering and aggregation services, each call carrying the
//! signed-in user's own token (through the shared helper, `nianbao_common::client`).
//!
//! **Invariant:** this is the console's only way to data; there is no client without a token.

use nianbao_common::client::{self, PassToken};
use nianbao_proto::aggregate::v1::aggregation_service_client::AggregationServiceClient;
use nianbao_proto::render::v1::render_service_client::RenderServiceClient;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::transport::Channel;

use crate::error::WebError;
use crate::session::Secret;
use crate::settings::WebSettings;

/// A channel whose calls carry one user's token.
pub type Authed = client::Calling;

/// The channels to the three services (made lazily; connected on first use).
#[derive(Clone)]
pub struct Upstreams {
    storage: Channel,
    render: Channel,
    aggregate: Channel,
}

impl Upstreams {
    /// Channels to the services at the settings' URLs, with `upstream_tls` (call it inside the
    /// runtime that serves).
    pub fn connect(settings: &WebSettings) -> Result<Upstreams, WebError> {
        let channel = |url: &str| {
            client::channel(url, &settings.upstream_tls)
                .map_err(|e| WebError::Settings(e.to_string()))
        };
        Ok(Upstreams {
            storage: channel(&settings.storage_url)?,
            render: channel(&settings.render_url)?,
            aggregate: channel(&settings.aggregate_url)?,
        })
    }

    fn token(token: &Secret) -> Result<PassToken, WebError> {
        PassToken::bearer(token.expose()).ok_or_else(|| {
            WebError::BadRequest(
                "the token contains characters not allowed / 令牌含非法字符".into(),
            )
        })
    }

    /// The storage service as `token`.
    pub fn storage(&self, token: &Secret) -> Result<StorageServiceClient<Authed>, WebError> {
        Ok(client::storage(&self.storage, Self::token(token)?))
    }

    /// The rendering service as `token`.
    pub fn render(&self, token: &Secret) -> Result<RenderServiceClient<Authed>, WebError> {
        Ok(client::render(&self.render, Self::token(token)?))
    }

    /// The aggregation service as `token`.
    pub fn aggregate(&self, token: &Secret) -> Result<AggregationServiceClient<Authed>, WebError> {
        Ok(client::aggregate(&self.aggregate, Self::token(token)?))
    }
}
