//! The gRPC clients of the storage, rendering and aggregation services, each call carrying the
//! signed-in user's own token.
//!
//! **Invariant:** this is the console's only way to data; there is no client without a token.

use nianbao_proto::aggregate::v1::aggregation_service_client::AggregationServiceClient;
use nianbao_proto::render::v1::render_service_client::RenderServiceClient;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::error::WebError;
use crate::session::Secret;

/// The largest answer the console reads (a rendered PDF or a province export arrive in chunks).
const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        req.metadata_mut().insert("authorization", self.0.clone());
        Ok(req)
    }
}

/// A channel whose calls carry one user's token.
pub type Authed = InterceptedService<Channel, Bearer>;

/// The channels to the three services (made lazily; connected on first use).
#[derive(Clone)]
pub struct Upstreams {
    storage: Channel,
    render: Channel,
    aggregate: Channel,
}

impl Upstreams {
    /// Channels to storage, rendering and aggregation.
    pub fn new(storage: Channel, render: Channel, aggregate: Channel) -> Upstreams {
        Upstreams {
            storage,
            render,
            aggregate,
        }
    }

    /// One channel for all three (a `serve all` server).
    pub fn all(channel: Channel) -> Upstreams {
        Upstreams::new(channel.clone(), channel.clone(), channel)
    }

    fn bearer(token: &Secret) -> Result<Bearer, WebError> {
        format!("Bearer {}", token.expose())
            .parse()
            .map(Bearer)
            .map_err(|_| {
                WebError::BadRequest(
                    "the token contains characters not allowed / 令牌含非法字符".into(),
                )
            })
    }

    /// The storage service as `token`.
    pub fn storage(&self, token: &Secret) -> Result<StorageServiceClient<Authed>, WebError> {
        Ok(
            StorageServiceClient::with_interceptor(self.storage.clone(), Self::bearer(token)?)
                .max_decoding_message_size(MAX_MESSAGE),
        )
    }

    /// The rendering service as `token`.
    pub fn render(&self, token: &Secret) -> Result<RenderServiceClient<Authed>, WebError> {
        Ok(
            RenderServiceClient::with_interceptor(self.render.clone(), Self::bearer(token)?)
                .max_decoding_message_size(MAX_MESSAGE),
        )
    }

    /// The aggregation service as `token`.
    pub fn aggregate(&self, token: &Secret) -> Result<AggregationServiceClient<Authed>, WebError> {
        Ok(
            AggregationServiceClient::with_interceptor(
                self.aggregate.clone(),
                Self::bearer(token)?,
            )
            .max_decoding_message_size(MAX_MESSAGE),
        )
    }
}
