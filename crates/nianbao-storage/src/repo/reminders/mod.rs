//! Reminders: contacts of offices, a reminder plan per city and year ([`plans`]), and the
//! deliveries claimed once before they are sent ([`deliveries`]).
//!
//! Contacts and plans are for the city: an admin, or a city token over its subtree, reads and
//! writes them; an office token is refused, so no office sees another's addresses.

pub mod deliveries;
pub mod plans;

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set, TransactionTrait,
};

use crate::entity::contact;
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::Caller;
use crate::repo::access::permit::{self as access, Need};
use crate::repo::audit;
use crate::repo::read::subtree;

/// The group of an office's own contacts.
pub const OWN: &str = "";
/// The group of the city staff who read the daily digest.
pub const STAFF: &str = "staff";
/// The most addresses of one contact.
pub const MAX_EMAILS: usize = 20;

/// Contacts to store for an office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactInput {
    /// The office.
    pub office_code: String,
    /// [`OWN`] or [`STAFF`].
    pub group: String,
    /// E-mail addresses (may be empty).
    pub emails: Vec<String>,
    /// A webhook URL, or empty.
    pub webhook_url: String,
}

/// A stored contact with its office's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactView {
    /// The office's code.
    pub office_code: String,
    /// The row.
    pub model: contact::Model,
    /// The addresses.
    pub emails: Vec<String>,
}

impl ContactView {
    fn of(office_code: String, model: contact::Model) -> ContactView {
        let emails = serde_json::from_str(&model.emails).unwrap_or_default();
        ContactView {
            office_code,
            model,
            emails,
        }
    }
}

/// Whether `s` is an e-mail address we can send to: one `@`, a local part and a dotted domain,
/// no spaces, quotes, angle brackets or separators.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let bad = |c: char| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\@".contains(c);
    !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && !local.chars().any(bad)
        && !domain.chars().any(bad)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Whether `s` is an http(s) URL with a host and no spaces.
pub fn valid_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty()
                && s.len() <= 2000
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

fn check_contact(input: &ContactInput) -> StorageResult<()> {
    if input.group != OWN && input.group != STAFF {
        return Err(StorageError::invalid(
            "contact.group",
            format!(
                "unknown group {:?}, use \"\" or \"staff\" / 联系人组只能为空或 staff",
                input.group
            ),
        ));
    }
    if input.emails.len() > MAX_EMAILS {
        return Err(StorageError::invalid(
            "contact.emails",
            format!("at most {MAX_EMAILS} addresses / 邮箱地址最多 {MAX_EMAILS} 个"),
        ));
    }
    for (i, e) in input.emails.iter().enumerate() {
        if !valid_email(e) {
            return Err(StorageError::invalid(
                format!("contact.emails[{i}]"),
                format!("{e:?} is not an e-mail address / 不是有效的邮箱地址"),
            ));
        }
    }
    if !input.webhook_url.is_empty() && !valid_url(&input.webhook_url) {
        return Err(StorageError::invalid(
            "contact.webhook_url",
            "not an http:// or https:// URL / 不是有效的 http(s) 地址",
        ));
    }
    Ok(())
}

/// Stores the contacts of an office (replacing its group's earlier ones), audited.
pub async fn set_contact(
    db: &DatabaseConnection,
    caller: &Caller,
    input: ContactInput,
) -> StorageResult<ContactView> {
    let mut input = input;
    input.emails = input.emails.iter().map(|e| e.trim().to_string()).collect();
    input.emails.dedup();
    input.webhook_url = input.webhook_url.trim().to_string();
    check_contact(&input)?;
    let txn = db.begin().await?;
    let office = access::resolve(&txn, caller, &input.office_code, Need::Review).await?;
    let existing = contact::Entity::find()
        .filter(contact::Column::OfficeId.eq(office.id))
        .filter(contact::Column::Grp.eq(input.group.as_str()))
        .one(&txn)
        .await?;
    let emails =
        serde_json::to_string(&input.emails).map_err(|e| StorageError::Internal(e.to_string()))?;
    let now = super::now();
    let model = match existing {
        Some(m) => {
            let mut active = m.into_active_model();
            active.emails = Set(emails);
            active.webhook_url = Set(input.webhook_url.clone());
            active.updated_by = Set(caller.token_id.clone());
            active.updated_at = Set(now);
            active.update(&txn).await?
        }
        None => {
            contact::ActiveModel {
                office_id: Set(office.id),
                grp: Set(input.group.clone()),
                emails: Set(emails),
                webhook_url: Set(input.webhook_url.clone()),
                updated_by: Set(caller.token_id.clone()),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    // The addresses are not secrets, but the webhook URL may carry one: only its host is logged.
    let detail = format!(
        "group={:?} emails={} webhook={}",
        input.group,
        input.emails.len(),
        url_host(&input.webhook_url)
    );
    audit::record(
        &txn,
        &caller.token_id,
        "contact.set",
        &input.office_code,
        audit::OK,
        &detail,
    )
    .await?;
    txn.commit().await?;
    Ok(ContactView::of(office.code, model))
}

/// The host of a URL (`-` when none), for logs.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    if host.is_empty() { "-" } else { host }
}

/// The contacts of every office of the subtree under `under` (admin, or a city token over it).
pub async fn list_contacts(
    db: &DatabaseConnection,
    caller: &Caller,
    under: &str,
) -> StorageResult<Vec<ContactView>> {
    let root = access::resolve(db, caller, under, Need::Review).await?;
    let scope = subtree::Scope {
        root: Some(root.id),
        only: None,
    };
    let codes: HashMap<i64, String> = subtree::members(db, &scope)
        .await?
        .into_iter()
        .map(|m| (m.office.id, m.office.code))
        .collect();
    let mut out: Vec<ContactView> = contact::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| {
            let code = codes.get(&m.office_id)?.clone();
            Some(ContactView::of(code, m))
        })
        .collect();
    out.sort_by(|a, b| {
        (a.office_code.as_str(), a.model.grp.as_str())
            .cmp(&(b.office_code.as_str(), b.model.grp.as_str()))
    });
    Ok(out)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn addresses_and_urls_are_checked() {
        for ok in ["a@b.cn", "zhang.san+nb@sfj.changzhi.gov.cn"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "@b.cn", "a@b", "a b@c.cn", "a@b..cn", "a@.b.cn", "<a@b.cn>", "a@b@c.cn",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert!(valid_url("https://hooks.example.cn/x?k=1"));
        assert!(valid_url("http://127.0.0.1:8080/"));
        for bad in ["ftp://x", "https://", "https:// x", "x"] {
            assert!(!valid_url(bad), "{bad}");
        }
        assert_eq!(
            url_host("https://u:p@hooks.example.cn/x?k=1"),
            "hooks.example.cn"
        );
        assert_eq!(url_host(""), "-");
    }
}
