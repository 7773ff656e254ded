//! Resolving one office for a request with indexed queries, never the whole hierarchy: the office
//! by its unique code, and subtree membership by one recursive query up the parent chain (a
//! single statement, so it sees one consistent snapshot even while offices move).

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Iterable, QueryFilter,
    Statement, Value,
};

use crate::entity::office;
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::{Caller, Role, office_refused};

/// What the caller wants to do with an office.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Read its data.
    Read,
    /// Submit its reports.
    Submit,
    /// Accept, return, publish, reopen, mark findings.
    Review,
}

/// A statement with `?` placeholders, numbered (`$1`, `$2`, …) for PostgreSQL.
pub fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        sql.to_string()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `alias."column" AS "alias_column"` for every column of an entity, so that its model can be
/// read from a joined row with the prefix `alias_` (`FromQueryResult::from_query_result`).
pub fn prefixed<E: EntityTrait>(alias: &str) -> String {
    E::Column::iter()
        .map(|c| format!("{alias}.\"{0}\" AS \"{alias}_{0}\"", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One office by code (the unique index on `code`).
pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> StorageResult<Option<office::Model>> {
    Ok(office::Entity::find()
        .filter(office::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// One office by id.
pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> StorageResult<Option<office::Model>> {
    Ok(office::Entity::find_by_id(id).one(db).await?)
}

/// The longest parent chain followed (a guard against a corrupt cycle).
const MAX_DEPTH: i64 = 10_000;

/// Whether office `id` is `root` or below it: one recursive query up the parent chain.
pub async fn is_within(db: &impl ConnectionTrait, root: i64, id: i64) -> StorageResult<bool> {
    if root == id {
        return Ok(true);
    }
    let stmt = statement(
        db,
        "WITH RECURSIVE up(id, parent_id, depth) AS ( \
             SELECT id, parent_id, 0 FROM offices WHERE id = ? \
             UNION ALL \
             SELECT o.id, o.parent_id, up.depth + 1 FROM offices o JOIN up ON o.id = up.parent_id \
             WHERE up.depth < ?) \
         SELECT COUNT(*) AS n FROM up WHERE id = ?",
        vec![id.into(), MAX_DEPTH.into(), root.into()],
    );
    let n: i64 = match db.query_one_raw(stmt).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(n > 0)
}

/// Depth of an office (a root is 0): one recursive query up the parent chain.
pub async fn depth(db: &impl ConnectionTrait, id: i64) -> StorageResult<i32> {
    let stmt = statement(
        db,
        "WITH RECURSIVE up(id, parent_id, depth) AS ( \
             SELECT id, parent_id, 0 FROM offices WHERE id = ? \
             UNION ALL \
             SELECT o.id, o.parent_id, up.depth + 1 FROM offices o JOIN up ON o.id = up.parent_id \
             WHERE up.depth < ?) \
         SELECT COUNT(*) AS n FROM up",
        vec![id.into(), MAX_DEPTH.into()],
    );
    let n: i64 = match db.query_one_raw(stmt).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(i32::try_from(n.max(1) - 1).unwrap_or(i32::MAX))
}

/// Resolves the office `code` for what the caller wants to do with it. An unknown office and a
/// forbidden one give the same refusal, except to an admin (who may know what exists).
pub async fn resolve(
    db: &impl ConnectionTrait,
    caller: &Caller,
    code: &str,
    need: Need,
) -> StorageResult<office::Model> {
    let found = find_by_code(db, code).await?;
    permit(db, caller, code, found, need).await
}

/// The office found for `code` (`None`: no such office) if the caller may do what it wants with
/// it, or the refusal of [`resolve`].
pub async fn permit(
    db: &impl ConnectionTrait,
    caller: &Caller,
    code: &str,
    found: Option<office::Model>,
    need: Need,
) -> StorageResult<office::Model> {
    let Some(office) = found else {
        return Err(if caller.role == Role::Admin {
            StorageError::NotFound(format!("office {code}: not found / 单位 {code} 不存在"))
        } else {
            office_refused(code)
        });
    };
    let allowed = match (caller.role, need) {
        (Role::Admin, _) => true,
        (Role::Office, Need::Read | Need::Submit) => caller.office_id == Some(office.id),
        (Role::Office, Need::Review) => false,
        (Role::City, Need::Submit) => false,
        (Role::City, Need::Read | Need::Review) => match caller.office_id {
            Some(root) => is_within(db, root, office.id).await?,
            None => false,
        },
    };
    if allowed {
        Ok(office)
    } else {
        Err(office_refused(code))
    }
}
