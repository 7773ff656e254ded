//! Reminder plans: one per city and year, stored and audited.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::entity::{office, reminder_plan};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::{Caller, Role};
use crate::repo::access::permit::{self as access, Need};
use crate::repo::audit;

/// A plan's settings other than its city, year and switch (stored as JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanSettings {
    /// Days from the deadline on which an office that owes its report is reminded.
    pub offsets: Vec<i32>,
    /// After the deadline, a reminder every this many days late (0: none).
    pub repeat_every_days: i32,
    /// The last day late with a repeated reminder.
    pub repeat_until_days: i32,
    /// Days late after which the parent office is told (0: never).
    pub escalate_after_days: i32,
    /// A daily digest to the city staff.
    pub digest: bool,
    /// The local hour from which the digest is sent.
    pub digest_hour: i32,
    /// Deadlines by office kind (`*`: any other kind).
    pub deadlines: BTreeMap<String, NaiveDate>,
    /// Where to submit.
    pub submit_url: String,
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            offsets: vec![-7, -1, 0],
            repeat_every_days: 3,
            repeat_until_days: 60,
            escalate_after_days: 7,
            digest: true,
            digest_hour: 9,
            deadlines: BTreeMap::new(),
            submit_url: String::new(),
        }
    }
}

/// A plan of a city and year, stored or the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The city.
    pub org_code: String,
    /// The year reported on.
    pub year: i32,
    /// Whether reminders are sent.
    pub enabled: bool,
    /// The rest.
    pub settings: PlanSettings,
    /// Who stored it (empty for the defaults).
    pub updated_by: String,
    /// When (none for the defaults).
    pub updated_at: Option<DateTime<Utc>>,
    /// Whether it is stored.
    pub stored: bool,
}

impl Plan {
    fn of(org_code: String, m: reminder_plan::Model) -> Plan {
        Plan {
            org_code,
            year: m.year,
            enabled: m.enabled,
            settings: serde_json::from_str(&m.settings).unwrap_or_default(),
            updated_by: m.updated_by,
            updated_at: Some(m.updated_at),
            stored: true,
        }
    }
}

/// Refuses a plan whose numbers make no sense, naming the field.
pub fn check(s: &PlanSettings) -> StorageResult<()> {
    if s.offsets.len() > 20 {
        return Err(StorageError::invalid(
            "plan.offsets",
            "at most 20 offsets / 提醒时点最多 20 个",
        ));
    }
    for (i, o) in s.offsets.iter().enumerate() {
        if !(-90..=365).contains(o) {
            return Err(StorageError::invalid(
                format!("plan.offsets[{i}]"),
                format!("{o}: between -90 and 365 days / 应在 -90 到 365 天之间"),
            ));
        }
    }
    let ranges = [
        ("plan.repeat_every_days", s.repeat_every_days, 0, 90),
        ("plan.repeat_until_days", s.repeat_until_days, 0, 365),
        ("plan.escalate_after_days", s.escalate_after_days, 0, 365),
        ("plan.digest_hour", s.digest_hour, 0, 23),
    ];
    for (field, v, lo, hi) in ranges {
        if !(lo..=hi).contains(&v) {
            return Err(StorageError::invalid(
                field,
                format!("{v}: between {lo} and {hi} / 应在 {lo} 到 {hi} 之间"),
            ));
        }
    }
    for kind in s.deadlines.keys() {
        if kind.trim().is_empty() || kind.chars().count() > 64 {
            return Err(StorageError::invalid(
                "plan.deadlines",
                "an office kind is empty or too long / 单位类别为空或过长",
            ));
        }
    }
    if s.submit_url.chars().count() > 500 {
        return Err(StorageError::invalid(
            "plan.submit_url",
            "at most 500 characters / 最多 500 个字符",
        ));
    }
    Ok(())
}

/// The plan of a city and year, or the defaults (disabled) when none is stored.
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    org_code: &str,
    year: i32,
) -> StorageResult<Plan> {
    let org = access::resolve(db, caller, org_code, Need::Review).await?;
    let found = reminder_plan::Entity::find()
        .filter(reminder_plan::Column::OfficeId.eq(org.id))
        .filter(reminder_plan::Column::Year.eq(year))
        .one(db)
        .await?;
    Ok(match found {
        Some(m) => Plan::of(org.code, m),
        None => Plan {
            org_code: org.code,
            year,
            enabled: false,
            settings: PlanSettings::default(),
            updated_by: String::new(),
            updated_at: None,
            stored: false,
        },
    })
}

/// Stores the plan of a city and year, audited with its settings.
pub async fn set(
    db: &DatabaseConnection,
    caller: &Caller,
    org_code: &str,
    year: i32,
    enabled: bool,
    settings: PlanSettings,
) -> StorageResult<Plan> {
    check(&settings)?;
    let json =
        serde_json::to_string(&settings).map_err(|e| StorageError::Internal(e.to_string()))?;
    let txn = db.begin().await?;
    let org = access::resolve(&txn, caller, org_code, Need::Review).await?;
    let existing = reminder_plan::Entity::find()
        .filter(reminder_plan::Column::OfficeId.eq(org.id))
        .filter(reminder_plan::Column::Year.eq(year))
        .one(&txn)
        .await?;
    let now = super::super::now();
    let model = match existing {
        Some(m) => {
            let mut active = m.into_active_model();
            active.enabled = Set(enabled);
            active.settings = Set(json.clone());
            active.updated_by = Set(caller.token_id.clone());
            active.updated_at = Set(now);
            active.update(&txn).await?
        }
        None => {
            reminder_plan::ActiveModel {
                office_id: Set(org.id),
                year: Set(year),
                enabled: Set(enabled),
                settings: Set(json.clone()),
                updated_by: Set(caller.token_id.clone()),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        &caller.token_id,
        "reminders.set",
        &format!("{org_code}/{year}"),
        audit::OK,
        &format!("enabled={enabled} {json}"),
    )
    .await?;
    txn.commit().await?;
    Ok(Plan::of(org.code, model))
}

/// The stored plans the caller may see: every plan for an admin, those of offices within its
/// subtree for a city token; refused to an office token.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    enabled_only: bool,
) -> StorageResult<Vec<Plan>> {
    if caller.role == Role::Office {
        return Err(StorageError::Denied(
            "reminder plans are for city staff / 提醒计划仅限市级人员".into(),
        ));
    }
    let mut query = reminder_plan::Entity::find().order_by_asc(reminder_plan::Column::Id);
    if enabled_only {
        query = query.filter(reminder_plan::Column::Enabled.eq(true));
    }
    let mut out = Vec::new();
    for m in query.all(db).await? {
        let Some(org) = office::Entity::find_by_id(m.office_id).one(db).await? else {
            continue;
        };
        let visible = match (caller.role, caller.office_id) {
            (Role::Admin, _) => true,
            (_, Some(root)) => access::is_within(db, root, org.id).await?,
            _ => false,
        };
        if visible {
            out.push(Plan::of(org.code, m));
        }
    }
    Ok(out)
}
