//! The office hierarchy: any depth, renames and moves kept in `office_history`.

use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel, Set, TransactionTrait};

use crate::entity::{office, office_history};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::Caller;
use crate::repo::access::permit::{self, Need};
use crate::repo::audit;
use crate::repo::read::subtree::{self, Member};

/// An office as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Parent code, empty for a root.
    pub parent_code: String,
    /// Must report.
    pub must_report: bool,
    /// Years exempt from reporting.
    pub exempt_years: Vec<i32>,
    /// Depth (a root is 0).
    pub depth: i32,
}

impl OfficeView {
    /// A listed office, its strings moved rather than copied (a province lists 100,000).
    fn of(member: Member) -> OfficeView {
        let o = member.office;
        OfficeView {
            exempt_years: serde_json::from_str(&o.exempt_years).unwrap_or_default(),
            code: o.code,
            name: o.name,
            kind: o.kind,
            parent_code: member.parent_code,
            must_report: o.must_report,
            depth: member.depth,
        }
    }

    fn with(o: &office::Model, parent_code: String, depth: i32) -> OfficeView {
        OfficeView {
            code: o.code.clone(),
            name: o.name.clone(),
            kind: o.kind.clone(),
            parent_code,
            must_report: o.must_report,
            exempt_years: serde_json::from_str(&o.exempt_years).unwrap_or_default(),
            depth,
        }
    }
}

/// A new office.
#[derive(Clone, Debug)]
pub struct NewOffice {
    /// Code (validated).
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Parent code, when not a root.
    pub parent_code: Option<String>,
    /// Must report.
    pub must_report: bool,
    /// Exempt years.
    pub exempt_years: Vec<i32>,
}

/// Creates an office (admin).
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    new: NewOffice,
) -> StorageResult<OfficeView> {
    caller.require_admin()?;
    let txn = db.begin().await?;
    if permit::find_by_code(&txn, &new.code).await?.is_some() {
        return Err(StorageError::AlreadyExists(format!(
            "office {}: exists already / 单位已存在",
            new.code
        )));
    }
    let parent = match &new.parent_code {
        Some(p) => Some(permit::find_by_code(&txn, p).await?.ok_or_else(|| {
            StorageError::invalid(
                "parent_code",
                format!("unknown office {p} / 上级单位不存在"),
            )
        })?),
        None => None,
    };
    let parent_id = parent.as_ref().map(|p| p.id);
    let model = office::ActiveModel {
        code: Set(new.code.clone()),
        name: Set(new.name),
        kind: Set(new.kind),
        parent_id: Set(parent_id),
        must_report: Set(new.must_report),
        exempt_years: Set(years_json(&new.exempt_years)),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &caller.token_id,
        "office.create",
        &model.code,
        audit::OK,
        "",
    )
    .await?;
    let depth = match &parent {
        Some(p) => permit::depth(&txn, p.id).await? + 1,
        None => 0,
    };
    txn.commit().await?;
    let parent_code = parent.map(|p| p.code).unwrap_or_default();
    Ok(OfficeView::with(&model, parent_code, depth))
}

/// Changes to an office; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct OfficeUpdate {
    /// The office.
    pub code: String,
    /// New name.
    pub name: Option<String>,
    /// New parent code (empty string: make it a root).
    pub parent_code: Option<String>,
    /// New must-report flag.
    pub must_report: Option<bool>,
    /// New exempt years.
    pub exempt_years: Option<Vec<i32>>,
}

/// Renames, moves or changes an office, keeping history (admin).
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    upd: OfficeUpdate,
) -> StorageResult<OfficeView> {
    caller.require_admin()?;
    let txn = db.begin().await?;
    let current = permit::resolve(&txn, caller, &upd.code, Need::Read).await?;
    let mut changes: Vec<(&str, String, String)> = Vec::new();
    let mut active = current.clone().into_active_model();
    if let Some(name) = upd.name.filter(|n| *n != current.name) {
        changes.push(("rename", current.name.clone(), name.clone()));
        active.name = Set(name);
    }
    if let Some(parent) = upd.parent_code {
        let new_parent = if parent.is_empty() {
            None
        } else {
            let p = permit::find_by_code(&txn, &parent).await?.ok_or_else(|| {
                StorageError::invalid(
                    "parent_code",
                    format!("unknown office {parent} / 上级单位不存在"),
                )
            })?;
            if permit::is_within(&txn, current.id, p.id).await? {
                return Err(StorageError::invalid(
                    "parent_code",
                    format!(
                        "{parent} is inside {} (a cycle) / 不能移到自身下级",
                        current.code
                    ),
                ));
            }
            Some(p)
        };
        if new_parent.as_ref().map(|p| p.id) != current.parent_id {
            let old = match current.parent_id {
                Some(id) => permit::find_by_id(&txn, id).await?.map(|o| o.code),
                None => None,
            };
            let new = new_parent.as_ref().map(|p| p.code.clone());
            changes.push(("move", old.unwrap_or_default(), new.unwrap_or_default()));
            active.parent_id = Set(new_parent.map(|p| p.id));
        }
    }
    if let Some(flag) = upd.must_report.filter(|f| *f != current.must_report) {
        changes.push((
            "must_report",
            current.must_report.to_string(),
            flag.to_string(),
        ));
        active.must_report = Set(flag);
    }
    if let Some(years) = upd.exempt_years {
        let json = years_json(&years);
        if json != current.exempt_years {
            changes.push(("exempt_years", current.exempt_years.clone(), json.clone()));
            active.exempt_years = Set(json);
        }
    }
    let model = if changes.is_empty() {
        current
    } else {
        active.update(&txn).await?
    };
    for (change, old, new) in &changes {
        office_history::ActiveModel {
            office_id: Set(model.id),
            at: Set(super::now()),
            actor: Set(caller.token_id.clone()),
            change: Set(change.to_string()),
            old_value: Set(old.clone()),
            new_value: Set(new.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            &caller.token_id,
            &format!("office.{change}"),
            &model.code,
            audit::OK,
            &format!("{old} -> {new}"),
        )
        .await?;
    }
    let parent_code = match model.parent_id {
        Some(id) => permit::find_by_id(&txn, id).await?.map(|o| o.code),
        None => None,
    };
    let depth = permit::depth(&txn, model.id).await?;
    txn.commit().await?;
    Ok(OfficeView::with(
        &model,
        parent_code.unwrap_or_default(),
        depth,
    ))
}

/// The offices under `under` (or the caller's own subtree) that the caller may read, in tree
/// order: one recursive query over the subtree, nothing outside it read.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    under: Option<&str>,
) -> StorageResult<Vec<OfficeView>> {
    let scope = subtree::scope(db, caller, under).await?;
    Ok(subtree::members(db, &scope)
        .await?
        .into_iter()
        .map(OfficeView::of)
        .collect())
}

fn years_json(years: &[i32]) -> String {
    let mut years = years.to_vec();
    years.sort_unstable();
    years.dedup();
    serde_json::to_string(&years).unwrap_or_else(|_| "[]".into())
}
