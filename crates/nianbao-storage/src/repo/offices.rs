//! The office hierarchy: any depth, renames and moves kept in `office_history`.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set,
    TransactionTrait,
};

use crate::auth::{Caller, Role, office_refused};
use crate::entity::{office, office_history};
use crate::error::{StorageError, StorageResult};
use crate::repo::{access, audit};

/// Every office, indexed: the hierarchy is small (a city), so it is read whole.
#[derive(Debug, Default)]
pub struct Tree {
    offices: Vec<office::Model>,
    by_id: HashMap<i64, usize>,
    by_code: HashMap<String, usize>,
    children: HashMap<Option<i64>, Vec<usize>>,
}

impl Tree {
    /// Builds the index.
    pub fn new(mut offices: Vec<office::Model>) -> Tree {
        offices.sort_by(|a, b| a.code.cmp(&b.code));
        let mut tree = Tree::default();
        for (i, o) in offices.iter().enumerate() {
            tree.by_id.insert(o.id, i);
            tree.by_code.insert(o.code.clone(), i);
            tree.children.entry(o.parent_id).or_default().push(i);
        }
        tree.offices = offices;
        tree
    }

    /// An office by id.
    pub fn get(&self, id: i64) -> Option<&office::Model> {
        self.by_id.get(&id).map(|&i| &self.offices[i])
    }

    /// An office by code.
    pub fn by_code(&self, code: &str) -> Option<&office::Model> {
        self.by_code.get(code).map(|&i| &self.offices[i])
    }

    /// Whether `id` is `root` or below it.
    pub fn in_subtree(&self, root: i64, id: i64) -> bool {
        let mut current = Some(id);
        for _ in 0..=self.offices.len() {
            match current {
                Some(c) if c == root => return true,
                Some(c) => current = self.get(c).and_then(|o| o.parent_id),
                None => return false,
            }
        }
        false
    }

    /// Depth of an office (a root is 0).
    pub fn depth(&self, id: i64) -> i32 {
        let mut depth = 0;
        let mut current = self.get(id).and_then(|o| o.parent_id);
        while let Some(c) = current {
            depth += 1;
            if depth as usize > self.offices.len() {
                break;
            }
            current = self.get(c).and_then(|o| o.parent_id);
        }
        depth
    }

    /// The subtree under `root` (itself first), depth first, siblings by code; every office when `None`.
    pub fn subtree(&self, root: Option<i64>) -> Vec<&office::Model> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = match root {
            Some(id) => self.by_id.get(&id).copied().into_iter().collect(),
            None => self
                .children
                .get(&None)
                .map(|c| c.iter().rev().copied().collect())
                .unwrap_or_default(),
        };
        while let Some(i) = stack.pop() {
            if out.len() > self.offices.len() {
                break;
            }
            let o = &self.offices[i];
            out.push(o);
            if let Some(children) = self.children.get(&Some(o.id)) {
                stack.extend(children.iter().rev());
            }
        }
        out
    }

    /// Resolves an office the caller may act on; an unknown office and a forbidden one give the
    /// same refusal, except to an admin (who may know what exists).
    pub fn resolve(
        &self,
        caller: &Caller,
        code: &str,
        allowed: impl Fn(&office::Model) -> bool,
    ) -> StorageResult<&office::Model> {
        match self.by_code(code) {
            Some(o) if allowed(o) => Ok(o),
            None if caller.role == Role::Admin => Err(StorageError::NotFound(format!(
                "office {code}: not found / 单位 {code} 不存在"
            ))),
            _ => Err(office_refused(code)),
        }
    }
}

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
    fn of(tree: &Tree, o: &office::Model) -> OfficeView {
        let parent_code = o
            .parent_id
            .and_then(|p| tree.get(p))
            .map(|p| p.code.clone())
            .unwrap_or_default();
        OfficeView::with(o, parent_code, tree.depth(o.id))
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

/// Reads the whole hierarchy.
pub async fn load_tree(db: &impl ConnectionTrait) -> StorageResult<Tree> {
    Ok(Tree::new(office::Entity::find().all(db).await?))
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
    if access::find_by_code(&txn, &new.code).await?.is_some() {
        return Err(StorageError::AlreadyExists(format!(
            "office {}: exists already / 单位已存在",
            new.code
        )));
    }
    let parent = match &new.parent_code {
        Some(p) => Some(access::find_by_code(&txn, p).await?.ok_or_else(|| {
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
        Some(p) => access::depth(&txn, p.id).await? + 1,
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
    let tree = load_tree(&txn).await?;
    let current = tree.resolve(caller, &upd.code, |_| true)?.clone();
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
            let p = tree.resolve(caller, &parent, |_| true).map_err(|_| {
                StorageError::invalid(
                    "parent_code",
                    format!("unknown office {parent} / 上级单位不存在"),
                )
            })?;
            if tree.in_subtree(current.id, p.id) {
                return Err(StorageError::invalid(
                    "parent_code",
                    format!(
                        "{parent} is inside {} (a cycle) / 不能移到自身下级",
                        current.code
                    ),
                ));
            }
            Some(p.id)
        };
        if new_parent != current.parent_id {
            let code_of = |id: Option<i64>| {
                id.and_then(|i| tree.get(i))
                    .map(|o| o.code.clone())
                    .unwrap_or_default()
            };
            changes.push(("move", code_of(current.parent_id), code_of(new_parent)));
            active.parent_id = Set(new_parent);
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
    let tree = load_tree(&txn).await?;
    txn.commit().await?;
    Ok(OfficeView::of(&tree, &model))
}

/// The offices under `under` (or the caller's own subtree) that the caller may read.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    under: Option<&str>,
) -> StorageResult<Vec<OfficeView>> {
    let tree = load_tree(db).await?;
    let root = scope_root(&tree, caller, under)?;
    Ok(tree
        .subtree(root)
        .into_iter()
        .filter(|o| caller.can_read(&tree, o.id))
        .map(|o| OfficeView::of(&tree, o))
        .collect())
}

/// The root of the subtree a listing covers: the named office (which the caller must be able to
/// read), or the caller's own office, or everything for an admin.
pub fn scope_root(tree: &Tree, caller: &Caller, under: Option<&str>) -> StorageResult<Option<i64>> {
    match under {
        Some(code) => Ok(Some(
            tree.resolve(caller, code, |o| caller.can_read(tree, o.id))?
                .id,
        )),
        None if caller.role == Role::Admin => Ok(None),
        None => match caller.office_id {
            Some(id) => Ok(Some(id)),
            None => Err(StorageError::Denied(
                "the token has no office / 令牌未绑定单位".into(),
            )),
        },
    }
}

fn years_json(years: &[i32]) -> String {
    let mut years = years.to_vec();
    years.sort_unstable();
    years.dedup();
    serde_json::to_string(&years).unwrap_or_else(|_| "[]".into())
}
