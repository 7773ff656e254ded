//! `nianbao orgs set-contact` and `nianbao reminders show|set|log`: contacts for reminders, a
//! city's reminder plan for a year, and what was sent.

use std::process::ExitCode;

use anyhow::Context;
use nianbao_proto::storage::v1 as pb;

use super::remote::{self, block_on, refused};
use crate::client::ClientArgs;
use crate::output;

/// `nianbao orgs set-contact`.
#[derive(clap::Args, Debug)]
pub struct SetContactArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The office.
    code: String,
    /// E-mail addresses (repeat, or separate with commas); none clears them.
    #[arg(long = "email", value_delimiter = ',')]
    emails: Vec<String>,
    /// A webhook URL that receives signed JSON (http:// or https://).
    #[arg(long)]
    webhook: Option<String>,
    /// `staff`: the city staff who read the daily digest, instead of the office's own contacts.
    #[arg(long, default_value = "")]
    group: String,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

/// The reminder plan of a city and year, and what was sent.
#[derive(clap::Subcommand, Debug)]
pub enum Reminders {
    /// The plan, its deadlines by office kind and the contacts it reaches.
    #[command(after_help = "Examples:\n  nianbao reminders show --org 1404 --year 2023")]
    Show(OrgYearArgs),
    /// Store the plan (a new plan is switched on; --off switches it off).
    #[command(
        after_help = "Examples:\n  nianbao reminders set --org 1404 --year 2023\n  nianbao reminders set --org 1404 --year 2023 --deadline department=2024-01-20 --offsets=-7,-3,-1,0 --escalate-after 5\n  nianbao reminders set --org 1404 --year 2023 --submit-url https://nianbao.changzhi.gov.cn\n  nianbao reminders set --org 1404 --year 2023 --off"
    )]
    Set(SetArgs),
    /// What was sent to whom and when, and what failed.
    #[command(
        after_help = "Examples:\n  nianbao reminders log --org 1404 --year 2023\n  nianbao reminders log --org 1404 --year 2023 --json"
    )]
    Log(OrgYearArgs),
}

#[derive(clap::Args, Debug)]
pub struct OrgYearArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The city.
    #[arg(long)]
    org: String,
    /// The year reported on.
    #[arg(long)]
    year: i32,
    /// Machine-readable output on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct SetArgs {
    #[command(flatten)]
    target: OrgYearArgs,
    /// Switch reminders on.
    #[arg(long, conflicts_with = "off")]
    on: bool,
    /// Switch reminders off.
    #[arg(long)]
    off: bool,
    /// Days from the deadline to remind on, negative before (default -7,-1,0).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    offsets: Option<Vec<i32>>,
    /// After the deadline, remind every N days late (default 3; 0: never).
    #[arg(long)]
    every: Option<i32>,
    /// Until N days late (default 60).
    #[arg(long)]
    until: Option<i32>,
    /// Tell the parent office after N days late (default 7; 0: never).
    #[arg(long)]
    escalate_after: Option<i32>,
    /// The daily digest to the city staff (default true).
    #[arg(long)]
    digest: Option<bool>,
    /// The local hour (UTC+8) of the digest (default 9).
    #[arg(long)]
    digest_hour: Option<i32>,
    /// The city's own deadline for an office kind, KIND=YYYY-MM-DD (`*` for every other kind).
    #[arg(long = "deadline")]
    deadlines: Vec<String>,
    /// Where to submit, quoted in every message.
    #[arg(long)]
    submit_url: Option<String>,
}

pub fn set_contact(args: SetContactArgs) -> anyhow::Result<ExitCode> {
    block_on(async move {
        let mut c = remote::storage(&args.client).await?;
        let contact = pb::Contact {
            office_code: args.code.clone(),
            group: args.group.clone(),
            emails: args.emails.clone(),
            webhook_url: args.webhook.clone().unwrap_or_default(),
            ..Default::default()
        };
        match c
            .set_contact(pb::SetContactRequest {
                contact: Some(contact),
            })
            .await
        {
            Ok(r) => {
                let c = r.into_inner().contact.unwrap_or_default();
                if args.json {
                    println!("{}", contact_json(&c));
                } else {
                    println!("{}", contact_line(&c));
                }
                Ok(ExitCode::from(output::EXIT_OK))
            }
            Err(e) => Ok(refused(&e, args.json)),
        }
    })?
}

fn contact_json(c: &pb::Contact) -> serde_json::Value {
    serde_json::json!({"office": c.office_code, "group": c.group, "emails": c.emails, "webhook": c.webhook_url, "updated_by": c.updated_by, "updated_at": c.updated_at})
}

fn contact_line(c: &pb::Contact) -> String {
    let group = if c.group.is_empty() {
        String::new()
    } else {
        format!(" ({})", c.group)
    };
    let webhook = if c.webhook_url.is_empty() {
        String::new()
    } else {
        format!(" webhook {}", c.webhook_url)
    };
    format!(
        "{}{group}: {}{webhook}",
        c.office_code,
        if c.emails.is_empty() {
            "-".to_string()
        } else {
            c.emails.join(", ")
        }
    )
}

pub fn run(cmd: Reminders) -> anyhow::Result<ExitCode> {
    match cmd {
        Reminders::Show(a) => block_on(show(a))?,
        Reminders::Set(a) => block_on(set(a))?,
        Reminders::Log(a) => block_on(log(a))?,
    }
}

fn plan_json(p: &pb::ReminderPlan) -> serde_json::Value {
    serde_json::json!({
        "org": p.org_code, "year": p.year, "enabled": p.enabled, "offsets": p.offsets,
        "repeat_every_days": p.repeat_every_days, "repeat_until_days": p.repeat_until_days,
        "escalate_after_days": p.escalate_after_days, "digest": p.digest,
        "digest_hour": p.digest_hour, "deadlines": p.deadlines, "submit_url": p.submit_url,
        "stored": p.stored, "updated_by": p.updated_by, "updated_at": p.updated_at,
    })
}

fn print_plan(p: &pb::ReminderPlan) {
    let plan = nianbao_notify::scheduler::plan_from_pb(p);
    println!(
        "{} {} 年度报告提醒：{}{}",
        p.org_code,
        p.year,
        if p.enabled {
            "已开启 on"
        } else {
            "未开启 off"
        },
        if p.stored {
            ""
        } else {
            "（未保存，以下为默认值 defaults）"
        }
    );
    let days: Vec<String> = plan.reminder_days().iter().map(|d| d.to_string()).collect();
    println!(
        "提醒日 reminder days (from the deadline): {}",
        days.join(", ")
    );
    println!(
        "逾期 {} 天后告知上级 escalate after days late: {}",
        p.escalate_after_days,
        if p.escalate_after_days > 0 {
            "yes"
        } else {
            "no"
        }
    );
    println!(
        "每日汇总 digest: {}{}",
        if p.digest { "yes" } else { "no" },
        if p.digest {
            format!(", from {}:00 (UTC+8)", p.digest_hour)
        } else {
            String::new()
        }
    );
    let mut kinds: Vec<&str> = vec!["department", "district", "county", "city", "province"];
    for k in p.deadlines.keys() {
        if !kinds.contains(&k.as_str()) {
            kinds.push(k);
        }
    }
    let rows: Vec<Vec<String>> = kinds
        .iter()
        .map(|k| {
            let own = p.deadlines.contains_key(*k);
            vec![
                k.to_string(),
                plan.deadline(k).to_string(),
                if own { "city 本市" } else { "format 格式" }.to_string(),
            ]
        })
        .collect();
    output::table(&["kind", "deadline", "set by"], &rows);
    if !p.submit_url.is_empty() {
        println!("报送方式 submit at: {}", p.submit_url);
    }
    if p.stored {
        println!("updated {} by {}", p.updated_at, p.updated_by);
    }
}

async fn show(a: OrgYearArgs) -> anyhow::Result<ExitCode> {
    let mut c = remote::storage(&a.client).await?;
    let plan = match c
        .get_reminder_plan(pb::GetReminderPlanRequest {
            org_code: a.org.clone(),
            year: a.year,
        })
        .await
    {
        Ok(r) => r.into_inner().plan.unwrap_or_default(),
        Err(e) => return Ok(refused(&e, a.json)),
    };
    let contacts = match c
        .list_contacts(pb::ListContactsRequest {
            under: a.org.clone(),
        })
        .await
    {
        Ok(r) => r.into_inner().contacts,
        Err(e) => return Ok(refused(&e, a.json)),
    };
    if a.json {
        let mut doc = plan_json(&plan);
        doc["contacts"] = contacts.iter().map(contact_json).collect();
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print_plan(&plan);
        println!("联系人 contacts ({}):", contacts.len());
        for ct in &contacts {
            println!("  {}", contact_line(ct));
        }
    }
    Ok(ExitCode::from(output::EXIT_OK))
}

async fn set(a: SetArgs) -> anyhow::Result<ExitCode> {
    let t = &a.target;
    let mut c = remote::storage(&t.client).await?;
    let mut plan = match c
        .get_reminder_plan(pb::GetReminderPlanRequest {
            org_code: t.org.clone(),
            year: t.year,
        })
        .await
    {
        Ok(r) => r.into_inner().plan.unwrap_or_default(),
        Err(e) => return Ok(refused(&e, t.json)),
    };
    plan.enabled = match (a.on, a.off) {
        (_, true) => false,
        (true, _) => true,
        // A new plan is switched on; a stored one keeps its switch.
        _ => plan.enabled || !plan.stored,
    };
    if let Some(o) = &a.offsets {
        plan.offsets = o.clone();
    }
    let numbers = [
        (a.every, &mut plan.repeat_every_days),
        (a.until, &mut plan.repeat_until_days),
        (a.escalate_after, &mut plan.escalate_after_days),
        (a.digest_hour, &mut plan.digest_hour),
    ];
    for (given, field) in numbers {
        if let Some(v) = given {
            *field = v;
        }
    }
    if let Some(d) = a.digest {
        plan.digest = d;
    }
    for d in &a.deadlines {
        let (kind, date) = d
            .split_once('=')
            .with_context(|| format!("--deadline {d}: use KIND=YYYY-MM-DD / 格式应为 类别=日期"))?;
        plan.deadlines
            .insert(kind.trim().to_lowercase(), date.trim().to_string());
    }
    if let Some(u) = &a.submit_url {
        plan.submit_url = u.clone();
    }
    match c
        .set_reminder_plan(pb::SetReminderPlanRequest { plan: Some(plan) })
        .await
    {
        Ok(r) => {
            let p = r.into_inner().plan.unwrap_or_default();
            if t.json {
                println!("{}", plan_json(&p));
            } else {
                print_plan(&p);
            }
            Ok(ExitCode::from(output::EXIT_OK))
        }
        Err(e) => Ok(refused(&e, t.json)),
    }
}

async fn log(a: OrgYearArgs) -> anyhow::Result<ExitCode> {
    let mut c = remote::storage(&a.client).await?;
    let mut all = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = match c
            .list_reminder_log(pb::ListReminderLogRequest {
                org_code: a.org.clone(),
                year: a.year,
                page_size: 1000,
                page_token: page_token.clone(),
            })
            .await
        {
            Ok(r) => r.into_inner(),
            Err(e) => return Ok(refused(&e, a.json)),
        };
        all.extend(page.deliveries);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    if a.json {
        let rows: Vec<serde_json::Value> = all
            .iter()
            .map(|d| {
                serde_json::json!({
                    "office": d.office_code, "step": d.step, "channel": d.channel,
                    "recipients": d.recipients, "subject": d.subject, "state": d.state,
                    "attempts": d.attempts, "claimed_by": d.claimed_by, "claimed_at": d.claimed_at,
                    "sent_at": d.sent_at, "error": d.error, "retry_at": d.retry_at,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::from(output::EXIT_OK));
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|d| {
            let when = if d.sent_at.is_empty() {
                &d.claimed_at
            } else {
                &d.sent_at
            };
            let note = match d.state.as_str() {
                "failed" => format!("{} (retry {})", d.error, d.retry_at),
                _ => d.subject.clone(),
            };
            vec![
                when.chars().take(19).collect(),
                d.office_code.clone(),
                d.step.clone(),
                d.channel.clone(),
                d.state.clone(),
                d.attempts.to_string(),
                d.recipients.join(", "),
                note,
            ]
        })
        .collect();
    output::table(
        &[
            "time (UTC)",
            "office",
            "step",
            "channel",
            "state",
            "tries",
            "to",
            "subject / error",
        ],
        &rows,
    );
    Ok(ExitCode::from(output::EXIT_OK))
}
