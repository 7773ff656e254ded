//! The subtree a listing or bulk read covers, read with one recursive query down from its root:
//! no request reads offices outside the subtree it names, and a page of a listing is chosen by
//! the database (a join of the report rows with the subtree), not by ids bound in the statement.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryResult,
    QuerySelect, Statement, StreamTrait, Value,
};
use tokio_stream::StreamExt;

use crate::entity::{office, report};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::{Caller, Role};
use crate::repo::access::permit::{self, Need, statement};

/// The longest parent chain followed down (a guard against a corrupt cycle).
const MAX_DEPTH: i64 = 10_000;

/// What a listing covers: the offices under `root` (every root when `None`), or only the office
/// `only` when the caller may read nothing else (an office token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The subtree's root; `None` for the whole hierarchy.
    pub root: Option<i64>,
    /// The one office readable, for an office token.
    pub only: Option<i64>,
}

/// The subtree a listing covers: the named office (which the caller must be able to read), or
/// the caller's own office, or everything for an admin. An unknown office and a forbidden one
/// give the same refusal, except to an admin.
pub async fn scope(
    db: &impl ConnectionTrait,
    caller: &Caller,
    under: Option<&str>,
) -> StorageResult<Scope> {
    let root = match under {
        Some(code) => Some(permit::resolve(db, caller, code, Need::Read).await?.id),
        None if caller.role == Role::Admin => None,
        None => match caller.office_id {
            Some(id) => Some(id),
            None => {
                return Err(StorageError::Denied(
                    "the token has no office / 令牌未绑定单位".into(),
                ));
            }
        },
    };
    let only = match caller.role {
        Role::Office => caller.office_id,
        Role::City | Role::Admin => None,
    };
    Ok(Scope { root, only })
}

/// `WITH RECURSIVE down(<columns>, depth)`: the offices of the scope with the given columns of
/// `offices` and their depth below its root (a root is 0), and the values it binds. The columns
/// are carried through the recursion (each step an index lookup by `parent_id`), so reading the
/// subtree joins nothing afterwards and its plan does not depend on table statistics.
fn down(scope: &Scope, columns: &[&str]) -> (String, Vec<Value>) {
    let (anchor, bound, mut values): (&str, i64, Vec<Value>) = match (scope.only, scope.root) {
        (Some(id), _) => ("id = ?", 0, vec![id.into()]),
        (None, Some(root)) => ("id = ?", MAX_DEPTH, vec![root.into()]),
        (None, None) => ("parent_id IS NULL", MAX_DEPTH, vec![]),
    };
    values.push(bound.into());
    let plain = columns.join(", ");
    let qualified: Vec<String> = columns.iter().map(|c| format!("o.{c}")).collect();
    let qualified = qualified.join(", ");
    (
        format!(
            "WITH RECURSIVE down({plain}, depth) AS ( \
                 SELECT {plain}, CAST(0 AS BIGINT) FROM offices WHERE {anchor} \
                 UNION ALL \
                 SELECT {qualified}, down.depth + 1 FROM offices o JOIN down ON o.parent_id = down.id \
                 WHERE down.depth < ?) "
        ),
        values,
    )
}

/// The columns of `offices`, for reading whole rows.
const OFFICE_COLUMNS: [&str; 8] = [
    "id",
    "code",
    "name",
    "kind",
    "parent_id",
    "must_report",
    "exempt_years",
    "created_at",
];

/// One office of a subtree.
#[derive(Clone, Debug)]
pub struct Member {
    /// The office.
    pub office: office::Model,
    /// Its parent's code, empty for a root of the hierarchy.
    pub parent_code: String,
    /// Its depth in the hierarchy (a root is 0).
    pub depth: i32,
}

/// Runs a statement and hands each row to `each` as it comes: a subtree of a province is
/// 100,000 rows, and a driver's row objects cost about a kilobyte each, so rows are not collected.
async fn each_row<C: ConnectionTrait + StreamTrait>(
    db: &C,
    stmt: Statement,
    mut each: impl FnMut(QueryResult) -> StorageResult<()>,
) -> StorageResult<()> {
    let rows = db.stream_raw(stmt).await?;
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.next().await {
        each(row?)?;
    }
    Ok(())
}

/// The offices of a scope in tree order: depth first, siblings by code.
pub async fn members<C: ConnectionTrait + StreamTrait>(
    db: &C,
    scope: &Scope,
) -> StorageResult<Vec<Member>> {
    let (with, values) = down(scope, &OFFICE_COLUMNS);
    let sql = format!("{with}SELECT * FROM down");
    let mut found = Vec::new();
    each_row(db, statement(db, &sql, values), |row| {
        let depth: i64 = row.try_get("", "depth")?;
        // Parent code and absolute depth are filled in by `in_tree_order`.
        found.push(Member {
            office: office::Model::from_query_result(&row, "")?,
            parent_code: String::new(),
            depth: i32::try_from(depth).unwrap_or(i32::MAX),
        });
        Ok(())
    })
    .await?;
    // Depth and code of the subtree's root, which the query measured from 0.
    let (base, root_parent_code) = match scope.only.or(scope.root) {
        Some(id) => {
            let parent = match found.iter().find(|m| m.office.id == id) {
                Some(m) => match m.office.parent_id {
                    Some(p) => permit::find_by_id(db, p).await?.map(|p| p.code),
                    None => None,
                },
                None => None,
            };
            (permit::depth(db, id).await?, parent.unwrap_or_default())
        }
        None => (0, String::new()),
    };
    in_tree_order(&mut found, base, &root_parent_code);
    Ok(found)
}

/// For each of `nodes` (id, parent, code), the index of its parent among them (`None`: a root
/// of the list, whose parent is not among them).
fn parent_indices(nodes: &[(i64, Option<i64>, &str)]) -> Vec<Option<usize>> {
    let index: HashMap<i64, usize> = nodes.iter().enumerate().map(|(i, n)| (n.0, i)).collect();
    nodes
        .iter()
        .map(|n| n.1.and_then(|p| index.get(&p).copied()))
        .collect()
}

/// The order of `nodes` (id, parent, code) depth first with siblings by code, starting from those
/// whose parent is not among them: indices into `nodes`. `parents` is [`parent_indices`].
fn tree_order(nodes: &[(i64, Option<i64>, &str)], parents: &[Option<usize>]) -> Vec<usize> {
    let mut children: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (i, &parent) in parents.iter().enumerate() {
        children.entry(parent).or_default().push(i);
    }
    // Reverse code order, so that popping the stack visits siblings by code.
    for list in children.values_mut() {
        list.sort_by(|&a, &b| nodes[b].2.cmp(nodes[a].2));
    }
    let mut order = Vec::with_capacity(nodes.len());
    let mut stack: Vec<usize> = children.remove(&None).unwrap_or_default();
    while let Some(i) = stack.pop() {
        order.push(i);
        if let Some(list) = children.remove(&Some(i)) {
            stack.extend(list);
        }
    }
    order
}

/// Puts `found` in tree order, with parent codes and absolute depths, in place: a province lists
/// 100,000 offices, and a second list of them (with a map of their codes) was a third of the
/// service's peak memory. Offices the order does not reach (none, unless the parent links form
/// a cycle) are dropped, as before.
fn in_tree_order(found: &mut Vec<Member>, base: i32, root_parent: &str) {
    let (order, parent_codes) = {
        let nodes: Vec<(i64, Option<i64>, &str)> = found
            .iter()
            .map(|m| (m.office.id, m.office.parent_id, m.office.code.as_str()))
            .collect();
        let parents = parent_indices(&nodes);
        let codes: Vec<String> = parents
            .iter()
            .map(|p| p.map_or_else(|| root_parent.to_string(), |j| nodes[j].2.to_string()))
            .collect();
        (tree_order(&nodes, &parents), codes)
    };
    for (m, code) in found.iter_mut().zip(parent_codes) {
        m.parent_code = code;
        m.depth = base.saturating_add(m.depth);
    }
    let reached = order.len();
    permute(found, order);
    found.truncate(reached);
}

/// Rearranges `items` so that position k holds what was at `order[k]`, in place; indices that
/// `order` does not name (each appears at most once) end up after `order.len()`.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    let mut named = vec![false; items.len()];
    for &i in &order {
        named[i] = true;
    }
    order.extend((0..items.len()).filter(|&i| !named[i]));
    drop(named);
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != DONE {
            let from = order[at];
            order[at] = DONE;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// The ids of the offices of a scope.
pub async fn ids<C: ConnectionTrait + StreamTrait>(
    db: &C,
    scope: &Scope,
) -> StorageResult<HashSet<i64>> {
    let (with, values) = down(scope, &["id", "parent_id"]);
    let sql = format!("{with}SELECT id FROM down");
    let mut ids = HashSet::new();
    each_row(db, statement(db, &sql, values), |row| {
        ids.insert(row.try_get::<i64>("", "id")?);
        Ok(())
    })
    .await?;
    Ok(ids)
}

/// An office of a plan: id, parent, code, name.
type OfficeRow = (i64, Option<i64>, String, String);

/// Office-years of `year` in the scope, in tree order, with the office's code and name.
pub async fn year_rows<C: ConnectionTrait + StreamTrait>(
    db: &C,
    scope: &Scope,
    year: i32,
) -> StorageResult<Vec<YearRow>> {
    let (with, values) = down(scope, &["id", "parent_id", "code", "name"]);
    let sql = format!("{with}SELECT * FROM down");
    let mut offices: Vec<OfficeRow> = Vec::new();
    each_row(db, statement(db, &sql, values), |row| {
        offices.push((
            row.try_get("", "id")?,
            row.try_get("", "parent_id")?,
            row.try_get("", "code")?,
            row.try_get("", "name")?,
        ));
        Ok(())
    })
    .await?;
    // The year's report rows (a few words each), matched to the subtree here.
    let mut by_office: HashMap<i64, (i64, i64, i64)> = HashMap::new();
    let mut reports = report::Entity::find()
        .select_only()
        .columns([
            report::Column::OfficeId,
            report::Column::Id,
            report::Column::AcceptedRevision,
            report::Column::LatestSubmittedRevision,
        ])
        .filter(report::Column::Year.eq(year))
        .into_tuple::<(i64, i64, i64, i64)>()
        .stream(db)
        .await?;
    while let Some(row) = reports.next().await {
        let (office, id, accepted, latest) = row?;
        by_office.insert(office, (id, accepted, latest));
    }
    drop(reports);
    let nodes: Vec<(i64, Option<i64>, &str)> =
        offices.iter().map(|o| (o.0, o.1, o.2.as_str())).collect();
    let order = tree_order(&nodes, &parent_indices(&nodes));
    let mut slots: Vec<Option<OfficeRow>> = offices.into_iter().map(Some).collect();
    Ok(order
        .into_iter()
        .filter_map(|i| {
            let (office_id, _, code, name) = slots.get_mut(i)?.take()?;
            let (report_id, accepted, latest_submitted) = by_office.remove(&office_id)?;
            Some(YearRow {
                code,
                name,
                report_id,
                accepted,
                latest_submitted,
            })
        })
        .collect())
}

/// One office-year of a bulk read's plan.
#[derive(Clone, Debug)]
pub struct YearRow {
    /// The office's code.
    pub code: String,
    /// The office's name.
    pub name: String,
    /// The report row.
    pub report_id: i64,
    /// The accepted revision (0: none).
    pub accepted: i64,
    /// The latest submitted revision (0: none).
    pub latest_submitted: i64,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn permute_places_what_order_names_and_keeps_the_rest() {
        let mut seed = 7u64;
        for n in 0..40usize {
            // A pseudo-random permutation of a prefix of 0..n, the rest left out.
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                order.swap(i, (seed >> 33) as usize % (i + 1));
            }
            let named = order.len() - (n / 5);
            order.truncate(named);
            let items: Vec<usize> = (0..n).map(|i| i * 10).collect();
            let mut permuted = items.clone();
            permute(&mut permuted, order.clone());
            let expected: Vec<usize> = order.iter().map(|&i| items[i]).collect();
            assert_eq!(permuted[..named], expected[..], "n = {n}");
            let mut rest = permuted[named..].to_vec();
            rest.sort_unstable();
            let mut missing: Vec<usize> = items
                .iter()
                .copied()
                .filter(|v| !expected.contains(v))
                .collect();
            missing.sort_unstable();
            assert_eq!(rest, missing, "n = {n}");
        }
    }

    fn member(id: i64, parent: Option<i64>, code: &str, depth: i32) -> Member {
        Member {
            office: office::Model {
                id,
                code: code.into(),
                name: format!("{code} 名称"),
                kind: "department".into(),
                parent_id: parent,
                must_report: true,
                exempt_years: "[]".into(),
                created_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            },
            parent_code: String::new(),
            depth,
        }
    }

    #[test]
    fn tree_order_in_place_gives_parents_depths_and_sibling_order() {
        // root(1) ─ b(3) ─ b1(5); root ─ a(2) ─ a2(6), a1(4); read in an arbitrary order.
        let mut found = vec![
            member(5, Some(3), "b1", 2),
            member(1, None, "root", 0),
            member(6, Some(2), "a2", 2),
            member(3, Some(1), "b", 1),
            member(2, Some(1), "a", 1),
            member(4, Some(2), "a1", 2),
        ];
        in_tree_order(&mut found, 3, "above");
        let got: Vec<(&str, &str, i32)> = found
            .iter()
            .map(|m| (m.office.code.as_str(), m.parent_code.as_str(), m.depth))
            .collect();
        assert_eq!(
            got,
            [
                ("root", "above", 3),
                ("a", "root", 4),
                ("a1", "a", 5),
                ("a2", "a", 5),
                ("b", "root", 4),
                ("b1", "b", 5),
            ]
        );
        // Offices whose parent links loop are not reached from a root and are dropped.
        let mut looped = vec![
            member(1, None, "root", 0),
            member(7, Some(8), "x", 1),
            member(8, Some(7), "y", 1),
            member(2, Some(1), "a", 1),
        ];
        in_tree_order(&mut looped, 0, "");
        let codes: Vec<&str> = looped.iter().map(|m| m.office.code.as_str()).collect();
        assert_eq!(codes, ["root", "a"]);
    }
}
