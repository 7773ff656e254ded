//! Connecting to the database: SQLite (WAL, directory created) or PostgreSQL; migrations at start.

use std::time::Duration;

use nianbao_storage_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::error::{StorageError, StorageResult};

/// Whether a URL names a SQLite database.
pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// The SQLite URL with `mode=rwc` added when no mode is given, and the file's directory created.
fn prepare_sqlite(url: &str) -> StorageResult<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !path.is_empty()
        && path != ":memory:"
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            StorageError::Internal(format!(
                "cannot create {} / 无法创建目录: {e}",
                dir.display()
            ))
        })?;
    }
    if query.split('&').any(|p| p.starts_with("mode=")) {
        Ok(url.to_string())
    } else if query.is_empty() {
        Ok(format!("{url}?mode=rwc"))
    } else {
        Ok(format!("{url}&mode=rwc"))
    }
}

/// Connects and brings the schema up to date.
pub async fn connect(url: &str, max_connections: u32) -> StorageResult<DatabaseConnection> {
    let sqlite = is_sqlite(url);
    let url = if sqlite {
        prepare_sqlite(url)?
    } else {
        url.to_string()
    };
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        // One SQLite connection: writers never meet a busy lock; WAL keeps reads cheap.
        .max_connections(if sqlite { 1 } else { max_connections.max(1) });
    let db = Database::connect(options).await?;
    if sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        db.execute_unprepared("PRAGMA foreign_keys=ON").await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}
