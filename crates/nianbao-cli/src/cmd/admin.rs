//! Operator commands: `migrate`, `token create|list|revoke`, `orgs add|list` (`orgs set-contact`
//! is in `reminders`).

use std::process::ExitCode;

use nianbao_proto::storage::v1 as pb;
use nianbao_storage::Role;

use super::remote::{self, block_on, refused, role_name};
use crate::client::ClientArgs;
use crate::output;

/// Run the database migrations and exit.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  nianbao migrate --database sqlite://data/nianbao.db\n  nianbao migrate --database postgres://nianbao@127.0.0.1:5432/nianbao"
)]
pub struct MigrateArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "NIANBAO_DATABASE__URL")]
    database: String,
}

pub fn migrate(args: MigrateArgs) -> anyhow::Result<ExitCode> {
    match block_on(nianbao_storage::migrate(&args.database))? {
        Ok(()) => {
            println!("migrated {}", redact(&args.database));
            Ok(ExitCode::from(output::EXIT_OK))
        }
        Err(e) => {
            eprintln!("error: {} / 数据库迁移失败: {e}", redact(&args.database));
            Ok(ExitCode::from(output::EXIT_USAGE))
        }
    }
}

/// A database URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = &url[s + 3..at];
            let user = user.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Manage tokens (admin).
#[derive(clap::Subcommand, Debug)]
pub enum Token {
    /// Create a token; the secret is printed alone on the last line of stdout, once.
    #[command(
        after_help = "Examples:\n  nianbao token create --role admin --database sqlite://data/nianbao.db   # bootstrap, straight on the database\n  nianbao token create --office 140404-sfj --role office                  # through the server, with an admin token\n  nianbao token create --office city --role city --label 'review desk'"
    )]
    Create(TokenCreateArgs),
    /// List tokens (never their secrets).
    #[command(after_help = "Examples:\n  nianbao token list\n  nianbao token list --json")]
    List(JsonClientArgs),
    /// Revoke a token at once.
    #[command(after_help = "Examples:\n  nianbao token revoke t0123456789abcdef")]
    Revoke(TokenRevokeArgs),
}

/// Client connection and `--json`.
#[derive(clap::Args, Debug)]
pub struct JsonClientArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The office the token acts for (required for office and city tokens).
    #[arg(long)]
    office: Option<String>,
    /// office | city | admin.
    #[arg(long, value_parser = ["office", "city", "admin"])]
    role: String,
    /// A label to recognise the token by.
    #[arg(long, default_value = "")]
    label: String,
    /// Create straight on this database instead of through the server (bootstrap).
    #[arg(long)]
    database: Option<String>,
    /// Machine-readable output (the token is still alone on the last line).
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct TokenRevokeArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The token id (from `nianbao token list`).
    id: String,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

pub fn token(cmd: Token) -> anyhow::Result<ExitCode> {
    match cmd {
        Token::Create(a) => token_create(a),
        Token::List(a) => block_on(token_list(a))?,
        Token::Revoke(a) => block_on(token_revoke(a))?,
    }
}

fn token_create(args: TokenCreateArgs) -> anyhow::Result<ExitCode> {
    let role =
        Role::parse(&args.role).ok_or_else(|| anyhow::anyhow!("unknown role {}", args.role))?;
    if let Some(url) = &args.database {
        let made = block_on(nianbao_storage::bootstrap_token(
            url,
            role,
            args.office.as_deref(),
            &args.label,
        ))?;
        return match made {
            Ok(t) => {
                print_created(
                    &t.id,
                    role.as_str(),
                    args.office.as_deref().unwrap_or(""),
                    &t.secret,
                    args.json,
                );
                Ok(ExitCode::from(output::EXIT_OK))
            }
            Err(e) => {
                eprintln!("error: {e}");
                Ok(ExitCode::from(match e.code() {
                    tonic::Code::InvalidArgument | tonic::Code::NotFound => output::EXIT_REFUSED,
                    _ => output::EXIT_USAGE,
                }))
            }
        };
    }
    block_on(async move {
        let mut c = remote::storage(&args.client).await?;
        let request = pb::CreateTokenRequest {
            office_code: args.office.clone().unwrap_or_default(),
            role: match role {
                Role::Office => pb::Role::Office,
                Role::City => pb::Role::City,
                Role::Admin => pb::Role::Admin,
            } as i32,
            label: args.label.clone(),
        };
        match c.create_token(request).await {
            Ok(r) => {
                let r = r.into_inner();
                let info = r.info.unwrap_or_default();
                print_created(
                    &info.id,
                    role_name(info.role),
                    &info.office_code,
                    &r.token,
                    args.json,
                );
                Ok(ExitCode::from(output::EXIT_OK))
            }
            Err(e) => Ok(refused(&e, args.json)),
        }
    })?
}

fn print_created(id: &str, role: &str, office: &str, secret: &str, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::json!({"id": id, "role": role, "office": office})
        );
    } else {
        println!(
            "created token {id} (role {role}{}); keep the secret below, it is shown only once / 令牌仅显示一次，请妥善保存",
            if office.is_empty() {
                String::new()
            } else {
                format!(", office {office}")
            }
        );
    }
    println!("{secret}");
}

async fn token_list(args: JsonClientArgs) -> anyhow::Result<ExitCode> {
    let mut c = remote::storage(&args.client).await?;
    let tokens = match c.list_tokens(pb::ListTokensRequest {}).await {
        Ok(r) => r.into_inner().tokens,
        Err(e) => return Ok(refused(&e, args.json)),
    };
    if args.json {
        let docs: Vec<_> = tokens
            .iter()
            .map(|t| serde_json::json!({"id": t.id, "office": t.office_code, "role": role_name(t.role), "label": t.label, "created_at": t.created_at, "revoked": t.revoked}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&docs)?);
    } else {
        let rows: Vec<Vec<String>> = tokens
            .iter()
            .map(|t| {
                vec![
                    t.id.clone(),
                    role_name(t.role).into(),
                    t.office_code.clone(),
                    t.label.clone(),
                    t.created_at.clone(),
                    if t.revoked {
                        "revoked".into()
                    } else {
                        "active".into()
                    },
                ]
            })
            .collect();
        output::table(
            &["id", "role", "office", "label", "created", "state"],
            &rows,
        );
    }
    Ok(ExitCode::from(output::EXIT_OK))
}

async fn token_revoke(args: TokenRevokeArgs) -> anyhow::Result<ExitCode> {
    let mut c = remote::storage(&args.client).await?;
    match c
        .revoke_token(pb::RevokeTokenRequest {
            id: args.id.clone(),
        })
        .await
    {
        Ok(_) => {
            if args.json {
                println!("{}", serde_json::json!({"id": args.id, "revoked": true}));
            } else {
                println!("revoked {}", args.id);
            }
            Ok(ExitCode::from(output::EXIT_OK))
        }
        Err(e) => Ok(refused(&e, args.json)),
    }
}

/// Manage the office hierarchy.
#[derive(clap::Subcommand, Debug)]
pub enum Orgs {
    /// Add an office (admin).
    #[command(
        after_help = "Examples:\n  nianbao orgs add 140400 长治市人民政府 --kind city\n  nianbao orgs add 140404 上党区人民政府 --parent 140400 --kind district\n  nianbao orgs add 140404-sfj 长治市上党区司法局 --parent 140404 --kind department"
    )]
    Add(OrgsAddArgs),
    /// List an office subtree (default: your own).
    #[command(
        after_help = "Examples:\n  nianbao orgs list\n  nianbao orgs list --under 140404 --json"
    )]
    List(OrgsListArgs),
    /// Set an office's contacts for deadline reminders (admin, or city role over its subtree).
    #[command(
        after_help = "Examples:\n  nianbao orgs set-contact 140404-sfj --email bgs@sfj.example.cn\n  nianbao orgs set-contact 140404 --email a@x.cn,b@x.cn --webhook https://hooks.example.cn/nianbao\n  nianbao orgs set-contact 1404 --group staff --email gongkai@city.example.cn"
    )]
    SetContact(super::reminders::SetContactArgs),
}

#[derive(clap::Args, Debug)]
pub struct OrgsAddArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Office code (letters, digits, '-', '_', '.').
    code: String,
    /// Office name as printed.
    name: String,
    /// Parent office code.
    #[arg(long)]
    parent: Option<String>,
    /// Kind: city, district, county, department, …
    #[arg(long, default_value = "department")]
    kind: String,
    /// The office does not have to file reports.
    #[arg(long)]
    exempt: bool,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct OrgsListArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Root of the subtree.
    #[arg(long)]
    under: Option<String>,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

pub fn orgs(cmd: Orgs) -> anyhow::Result<ExitCode> {
    match cmd {
        Orgs::Add(a) => block_on(orgs_add(a))?,
        Orgs::List(a) => block_on(orgs_list(a))?,
        Orgs::SetContact(a) => super::reminders::set_contact(a),
    }
}

fn office_json(o: &pb::OfficeInfo) -> serde_json::Value {
    serde_json::json!({"code": o.code, "name": o.name, "kind": o.kind, "parent": o.parent_code, "must_report": o.must_report, "exempt_years": o.exempt_years, "depth": o.depth})
}

async fn orgs_add(args: OrgsAddArgs) -> anyhow::Result<ExitCode> {
    let mut c = remote::storage(&args.client).await?;
    let request = pb::CreateOfficeRequest {
        code: args.code.clone(),
        name: args.name.clone(),
        kind: args.kind.clone(),
        parent_code: args.parent.clone().unwrap_or_default(),
        must_report: !args.exempt,
        exempt_years: vec![],
    };
    match c.create_office(request).await {
        Ok(r) => {
            let o = r.into_inner().office.unwrap_or_default();
            if args.json {
                println!("{}", office_json(&o));
            } else {
                println!(
                    "added {} {}{}",
                    o.code,
                    o.name,
                    if o.parent_code.is_empty() {
                        String::new()
                    } else {
                        format!(" under {}", o.parent_code)
                    }
                );
            }
            Ok(ExitCode::from(output::EXIT_OK))
        }
        Err(e) => Ok(refused(&e, args.json)),
    }
}

async fn orgs_list(args: OrgsListArgs) -> anyhow::Result<ExitCode> {
    let mut c = remote::storage(&args.client).await?;
    let offices = match c
        .list_offices(pb::ListOfficesRequest {
            under: args.under.clone().unwrap_or_default(),
        })
        .await
    {
        Ok(r) => r.into_inner().offices,
        Err(e) => return Ok(refused(&e, args.json)),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&offices.iter().map(office_json).collect::<Vec<_>>())?
        );
    } else {
        let rows: Vec<Vec<String>> = offices
            .iter()
            .map(|o| {
                vec![
                    format!("{}{}", "  ".repeat(o.depth.max(0) as usize), o.code),
                    o.name.clone(),
                    o.kind.clone(),
                    if o.must_report {
                        "yes".into()
                    } else {
                        "no".into()
                    },
                ]
            })
            .collect();
        output::table(&["code", "name", "kind", "must report"], &rows);
    }
    Ok(ExitCode::from(output::EXIT_OK))
}
