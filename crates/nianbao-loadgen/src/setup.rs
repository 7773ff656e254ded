//! Who the workers are: office tokens given on the command line, or offices and tokens the
//! load generator creates itself after bootstrapping an admin token on the database.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

/// The code of the root office the generated offices hang under.
pub const ROOT: &str = "loadgen-root";

/// One office a worker submits for.
#[derive(Clone, Debug)]
pub struct Identity {
    /// Office code.
    pub code: String,
    /// Office name (as the report prints it).
    pub name: String,
    /// Office-role token.
    pub token: String,
}

/// The identities of a run.
#[derive(Clone, Debug)]
pub struct Identities {
    /// Office tokens, one per office.
    pub offices: Vec<Identity>,
    /// A city token over every office (for aggregation), when known.
    pub city: Option<(String, String)>,
}

/// A request with `authorization: Bearer TOKEN`.
pub fn authed<T>(token: &str, msg: T) -> anyhow::Result<tonic::Request<T>> {
    let mut req = tonic::Request::new(msg);
    let value = format!("Bearer {token}")
        .parse()
        .context("the token contains characters not allowed in a header / 令牌含非法字符")?;
    req.metadata_mut().insert("authorization", value);
    Ok(req)
}

/// A channel to `url` (connects on first use).
pub fn channel(url: &str) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(url.to_string())
        .with_context(|| format!("invalid server URL {url} / 服务器地址无效"))?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .connect_lazy())
}

/// Office identities for given tokens (asks the server who each one is).
pub async fn from_tokens(server: &str, tokens: &[String]) -> anyhow::Result<Identities> {
    let mut storage = StorageServiceClient::new(channel(server)?);
    let mut offices = Vec::new();
    for token in tokens {
        let me = storage
            .who_am_i(authed(token, pb::WhoAmIRequest {})?)
            .await
            .with_context(|| format!("WhoAmI on {server} / 无法识别令牌"))?
            .into_inner();
        if me.role != pb::Role::Office as i32 {
            bail!(
                "--token: token {} is not an office token / 不是单位令牌",
                me.token_id
            );
        }
        let name = storage
            .list_offices(authed(
                token,
                pb::ListOfficesRequest {
                    under: me.office_code.clone(),
                },
            )?)
            .await
            .ok()
            .and_then(|r| {
                r.into_inner()
                    .offices
                    .into_iter()
                    .find(|o| o.code == me.office_code)
            })
            .map_or_else(|| me.office_code.clone(), |o| o.name);
        offices.push(Identity {
            code: me.office_code,
            name,
            token: token.clone(),
        });
    }
    Ok(Identities {
        offices,
        city: None,
    })
}

/// The `nianbao` binary: `--nianbao-bin`, else next to this executable, else on PATH.
pub fn nianbao_bin(given: Option<PathBuf>) -> PathBuf {
    given
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(|d| d.join("nianbao")))
                .filter(|p| p.is_file())
        })
        .unwrap_or_else(|| PathBuf::from("nianbao"))
}

/// Bootstraps an admin token on `database` with `nianbao token create --role admin --database URL`,
/// then creates `n` offices under [`ROOT`] (reusing any that exist) with fresh tokens, and a city token.
pub async fn bootstrap(
    server: &str,
    database: &str,
    bin: &PathBuf,
    n: usize,
) -> anyhow::Result<Identities> {
    let out = tokio::process::Command::new(bin)
        .args(["token", "create", "--role", "admin", "--database", database])
        .output()
        .await
        .with_context(|| format!("cannot run {} / 无法运行", bin.display()))?;
    if !out.status.success() {
        bail!(
            "`{} token create --database` failed / 创建管理令牌失败: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let admin = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut storage = StorageServiceClient::new(channel(server)?);
    create_office(&mut storage, &admin, ROOT, "压力测试市人民政府", "city", "").await?;
    let mut offices = Vec::new();
    for i in 0..n {
        let code = format!("loadgen-{i:03}");
        let name = format!("压力测试市第{i}局");
        create_office(&mut storage, &admin, &code, &name, "department", ROOT).await?;
        let token = create_token(&mut storage, &admin, &code, pb::Role::Office).await?;
        offices.push(Identity { code, name, token });
    }
    let city = create_token(&mut storage, &admin, ROOT, pb::Role::City).await?;
    Ok(Identities {
        offices,
        city: Some((ROOT.to_string(), city)),
    })
}

async fn create_office(
    storage: &mut StorageServiceClient<Channel>,
    admin: &str,
    code: &str,
    name: &str,
    kind: &str,
    parent: &str,
) -> anyhow::Result<()> {
    let req = pb::CreateOfficeRequest {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        parent_code: parent.into(),
        must_report: true,
        exempt_years: vec![],
    };
    match storage.create_office(authed(admin, req)?).await {
        Ok(_) => Ok(()),
        Err(s) if s.code() == Code::AlreadyExists => Ok(()),
        Err(s) => Err(anyhow::anyhow!("CreateOffice {code}: {s}")),
    }
}

async fn create_token(
    storage: &mut StorageServiceClient<Channel>,
    admin: &str,
    code: &str,
    role: pb::Role,
) -> anyhow::Result<String> {
    let req = pb::CreateTokenRequest {
        office_code: code.into(),
        role: role as i32,
        label: "loadgen".into(),
    };
    Ok(storage
        .create_token(authed(admin, req)?)
        .await
        .with_context(|| format!("CreateToken {code} / 创建令牌失败"))?
        .into_inner()
        .token)
}
