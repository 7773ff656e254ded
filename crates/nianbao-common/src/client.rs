//! One way for a service to call another (rendering, aggregation, the console and the reminder
//! scheduler calling storage; aggregation and the console calling rendering): the connection,
//! the caller's token passed through, and the message-size limits.
//!
//! - [`channel`]: the endpoint from a URL with a connect timeout and the client TLS settings
//!   (CA, client certificate), connected lazily (call it inside the tokio runtime that serves).
//! - [`PassToken`]: an interceptor adding the caller's `authorization` to every call, so access
//!   control stays in storage; the token comes from the incoming request ([`PassToken::of`]) or
//!   is the service's own ([`PassToken::bearer`], the reminder scheduler).
//! - [`storage`], [`render`], [`aggregate`]: the generated clients over a channel with a token,
//!   reading answers up to [`MAX_ANSWER_BYTES`].
//!
//! What the called service answers is passed on by [`crate::upstream`].

use std::time::Duration;

use nianbao_proto::aggregate::v1::aggregation_service_client::AggregationServiceClient;
use nianbao_proto::render::v1::render_service_client::RenderServiceClient;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::{ClientTlsSettings, SettingsError};

/// How long a connection to another service may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest answer read from another service (the office list of a province runs to several
/// MiB; documents and exports arrive in chunks).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// A lazily connected channel to the service at `url`, with `tls` (nothing set: plain text).
pub fn channel(url: &str, tls: &ClientTlsSettings) -> Result<Channel, SettingsError> {
    let endpoint = Endpoint::from_shared(url.to_string())
        .map_err(|e| SettingsError::Url {
            url: url.to_string(),
            reason: e.to_string(),
        })?
        .connect_timeout(CONNECT_TIMEOUT);
    Ok(tls.apply(endpoint)?.connect_lazy())
}

/// The caller's `authorization` value, passed on as is (or none).
#[derive(Clone, Debug, Default)]
pub struct PassToken(Option<MetadataValue<Ascii>>);

impl PassToken {
    /// The `authorization` of an incoming request.
    pub fn of<T>(request: &tonic::Request<T>) -> PassToken {
        PassToken(request.metadata().get("authorization").cloned())
    }

    /// `Bearer <secret>`; `None` when the secret holds characters a header may not.
    pub fn bearer(secret: &str) -> Option<PassToken> {
        format!("Bearer {secret}")
            .parse()
            .ok()
            .map(Some)
            .map(PassToken)
    }
}

impl tonic::service::Interceptor for PassToken {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(token) = &self.0 {
            req.metadata_mut().insert("authorization", token.clone());
        }
        Ok(req)
    }
}

/// A channel whose calls carry a caller's token.
pub type Calling = InterceptedService<Channel, PassToken>;

/// The storage service over `channel`, as `token`.
pub fn storage(channel: &Channel, token: PassToken) -> StorageServiceClient<Calling> {
    StorageServiceClient::with_interceptor(channel.clone(), token)
        .max_decoding_message_size(MAX_ANSWER_BYTES)
}

/// The rendering service over `channel`, as `token`.
pub fn render(channel: &Channel, token: PassToken) -> RenderServiceClient<Calling> {
    RenderServiceClient::with_interceptor(channel.clone(), token)
        .max_decoding_message_size(MAX_ANSWER_BYTES)
}

/// The aggregation service over `channel`, as `token`.
pub fn aggregate(channel: &Channel, token: PassToken) -> AggregationServiceClient<Calling> {
    AggregationServiceClient::with_interceptor(channel.clone(), token)
        .max_decoding_message_size(MAX_ANSWER_BYTES)
}

#[cfg(test)]
mod tests {
    use tonic::service::Interceptor;

    use super::*;

    #[test]
    fn the_token_is_passed_on_and_nothing_is_added_without_one() {
        let mut incoming = tonic::Request::new(());
        incoming
            .metadata_mut()
            .insert("authorization", MetadataValue::from_static("Bearer abc"));
        let mut pass = PassToken::of(&incoming);
        let out = pass.call(tonic::Request::new(())).map_err(|s| s.code());
        assert_eq!(
            out.map(|r| r.metadata().get("authorization").cloned()),
            Ok(Some(MetadataValue::from_static("Bearer abc")))
        );
        let mut none = PassToken::of(&tonic::Request::new(()));
        let out = none.call(tonic::Request::new(())).map_err(|s| s.code());
        assert_eq!(out.map(|r| r.metadata().len()), Ok(0));
        assert!(PassToken::bearer("a\nb").is_none());
    }

    #[tokio::test]
    async fn a_bad_url_is_named() {
        let e = channel("not a url", &ClientTlsSettings::default()).err();
        assert!(e.is_some_and(|e| e.to_string().contains("not a url")));
        assert!(channel("http://127.0.0.1:1", &ClientTlsSettings::default()).is_ok());
    }
}
