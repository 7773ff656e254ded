//! Tokens: create, list, revoke, authenticate. Only the secret's SHA-256 is stored.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::entity::{office, token};
use crate::error::{StorageError, StorageResult};
use crate::repo::access::auth::{self, Caller, Role};
use crate::repo::access::permit;
use crate::repo::{MAX_IN_LIST, audit};

/// A token as shown (never with its secret).
#[derive(Clone, Debug)]
pub struct TokenView {
    /// The row.
    pub model: token::Model,
    /// The office code, empty when none.
    pub office_code: String,
}

/// The caller behind a secret: unknown and revoked tokens are refused alike.
pub async fn authenticate(db: &impl ConnectionTrait, secret: &str) -> StorageResult<Caller> {
    let hash = auth::hash_secret(secret);
    let row = token::Entity::find()
        .filter(token::Column::SecretHash.eq(hash.clone()))
        .one(db)
        .await?;
    caller_of(row, &hash)
}

/// The caller behind a secret and the office `code` (`None`: no such office), read with one
/// query; the office is for the caller's permission check (`access::permit`), not yet checked.
pub async fn authenticate_for(
    db: &impl ConnectionTrait,
    secret: &str,
    code: &str,
) -> StorageResult<(Caller, Option<office::Model>)> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {}, {} FROM tokens t LEFT JOIN offices o ON o.code = ? \
             WHERE t.secret_hash = ?",
            permit::prefixed::<token::Entity>("t"),
            permit::prefixed::<office::Entity>("o"),
        )
    });
    let hash = auth::hash_secret(secret);
    let stmt = permit::statement(db, sql, vec![code.into(), hash.clone().into()]);
    let Some(row) = db.query_one_raw(stmt).await? else {
        return Err(StorageError::Unauthenticated);
    };
    let caller = caller_of(Some(token::Model::from_query_result(&row, "t_")?), &hash)?;
    let office = match row.try_get::<Option<i64>>("o_", "id")? {
        Some(_) => Some(office::Model::from_query_result(&row, "o_")?),
        None => None,
    };
    Ok((caller, office))
}

/// The caller of a token row found by the hash of a secret.
pub(crate) fn caller_of(row: Option<token::Model>, hash: &str) -> StorageResult<Caller> {
    let row = row.ok_or(StorageError::Unauthenticated)?;
    if !auth::constant_time_eq(row.secret_hash.as_bytes(), hash.as_bytes()) || row.revoked {
        return Err(StorageError::Unauthenticated);
    }
    let role = Role::parse(&row.role)
        .ok_or_else(|| StorageError::Internal(format!("token {} has role {}", row.id, row.role)))?;
    Ok(Caller {
        token_id: row.id,
        role,
        office_id: row.office_id,
    })
}

/// Creates a token; returns it with its secret (shown once). `actor` is the creating token id
/// (or `bootstrap`); the caller checks that the actor may do this.
pub async fn create(
    db: &DatabaseConnection,
    actor: &str,
    role: Role,
    office_code: Option<&str>,
    label: &str,
) -> StorageResult<(TokenView, String)> {
    let txn = db.begin().await?;
    let office = match office_code.filter(|c| !c.is_empty()) {
        Some(code) => Some(permit::find_by_code(&txn, code).await?.ok_or_else(|| {
            StorageError::invalid("office_code", format!("unknown office {code} / 单位不存在"))
        })?),
        None if role == Role::Admin => None,
        None => {
            return Err(StorageError::invalid(
                "office_code",
                "office and city tokens need an office / 单位与市级令牌须指定单位",
            ));
        }
    };
    let secret = auth::new_secret();
    let model = token::ActiveModel {
        id: Set(auth::new_token_id()),
        secret_hash: Set(auth::hash_secret(&secret)),
        office_id: Set(office.as_ref().map(|o| o.id)),
        role: Set(role.as_str().to_string()),
        label: Set(label.to_string()),
        revoked: Set(false),
        created_at: Set(crate::repo::now()),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "token.create",
        &model.id,
        audit::OK,
        &format!(
            "role={} office={}",
            role.as_str(),
            office.as_ref().map(|o| o.code.as_str()).unwrap_or("")
        ),
    )
    .await?;
    txn.commit().await?;
    let office_code = office.map(|o| o.code).unwrap_or_default();
    Ok((TokenView { model, office_code }, secret))
}

/// Every token, oldest first, with the code of its office (only the offices tokens name are read).
pub async fn list(db: &DatabaseConnection) -> StorageResult<Vec<TokenView>> {
    let rows = token::Entity::find()
        .order_by_asc(token::Column::CreatedAt)
        .order_by_asc(token::Column::Id)
        .all(db)
        .await?;
    let ids: BTreeSet<i64> = rows.iter().filter_map(|t| t.office_id).collect();
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut codes: HashMap<i64, String> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_IN_LIST) {
        let found: Vec<(i64, String)> = office::Entity::find()
            .select_only()
            .columns([office::Column::Id, office::Column::Code])
            .filter(office::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        codes.extend(found);
    }
    Ok(rows
        .into_iter()
        .map(|model| {
            let office_code = model
                .office_id
                .and_then(|id| codes.get(&id).cloned())
                .unwrap_or_default();
            TokenView { model, office_code }
        })
        .collect())
}

/// Revokes a token at once.
pub async fn revoke(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
) -> StorageResult<TokenView> {
    caller.require_admin()?;
    let txn = db.begin().await?;
    let row = token::Entity::find_by_id(id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| StorageError::NotFound(format!("token {id}: not found / 令牌不存在")))?;
    let model = if row.revoked {
        row
    } else {
        let mut active = row.into_active_model();
        active.revoked = Set(true);
        active.revoked_at = Set(Some(crate::repo::now()));
        active.update(&txn).await?
    };
    audit::record(&txn, &caller.token_id, "token.revoke", id, audit::OK, "").await?;
    let office = match model.office_id {
        Some(id) => permit::find_by_id(&txn, id).await?,
        None => None,
    };
    txn.commit().await?;
    let office_code = office.map(|o| o.code).unwrap_or_default();
    Ok(TokenView { model, office_code })
}
