//! Connecting to the services: `--server URL --token T` (or `NIANBAO_SERVER`, `NIANBAO_TOKEN`) on every client command.

use anyhow::Context;
use nianbao_common::client::{Calling, PassToken};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Endpoint;

/// Where the server is and who we are. Flatten into every client command's args.
#[derive(clap::Args, Debug, Clone)]
pub struct ClientArgs {
    /// Server URL, e.g. http://127.0.0.1:50051.
    #[arg(long, env = "NIANBAO_SERVER", default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// Bearer token (from `nianbao token create`).
    #[arg(long, env = "NIANBAO_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// A channel with the token attached (`authorization: Bearer <token>` on every request, by the
/// interceptor the services use too, `nianbao_common::client::PassToken`).
pub type AuthChannel = Calling;

impl ClientArgs {
    /// Connects to the server (giving up on an unanswered connection after 10 s).
    pub async fn connect(&self) -> anyhow::Result<AuthChannel> {
        let (endpoint, auth) = self.prepare()?;
        let channel = endpoint.connect().await.with_context(|| {
            format!(
                "cannot connect to {} / 无法连接服务器 (is `nianbao serve` running?)",
                self.server
            )
        })?;
        Ok(InterceptedService::new(channel, auth))
    }

    /// The endpoint and the token header, checked without connecting: what is wrong here is
    /// bad usage, which no retry mends.
    pub fn prepare(&self) -> anyhow::Result<(Endpoint, PassToken)> {
        let endpoint = Endpoint::from_shared(self.server.clone())
            .with_context(|| format!("invalid server URL {} / 服务器地址无效", self.server))?
            .connect_timeout(std::time::Duration::from_secs(10));
        let auth = match &self.token {
            Some(t) => PassToken::bearer(t).context(
                "the token contains characters not allowed in a header / 令牌含非法字符",
            )?,
            None => PassToken::default(),
        };
        Ok((endpoint, auth))
    }
}
