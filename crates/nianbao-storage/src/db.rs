//! Connecting to the database: SQLite (WAL, directory created) or PostgreSQL; migrations at start.

use std::time::Duration;

use nianbao_storage_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection};

use crate::checkpoint;
use crate::error::{StorageError, StorageResult};
use crate::repo::write::group::GroupCommit;

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

/// The connections of a running service: writes (submissions through the group committer), and
/// reads. On SQLite the writer is one connection and reads have a pool of their own (WAL lets
/// them run beside the writer and see every committed write); on PostgreSQL both share one pool.
#[derive(Clone, Debug)]
pub struct Database {
    pub(crate) write: DatabaseConnection,
    pub(crate) read: DatabaseConnection,
    pub(crate) group: GroupCommit,
    /// New revisions store their content compressed (`database.compress_content`, by default).
    pub(crate) compress_content: bool,
}

/// Writer tasks of the group committer on PostgreSQL (SQLite has one writer).
const POSTGRES_WRITERS: usize = 4;
/// Read connections on SQLite, at most.
const SQLITE_READERS: u32 = 4;

/// Connects, brings the schema up to date, opens the read pool and starts the group committer
/// (on the current tokio runtime). A SQLite file also gets its checkpointer
/// ([`crate::checkpoint`]), which copies the log while the writer goes on writing.
pub async fn connect_service(url: &str, max_connections: u32) -> StorageResult<Database> {
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let file = is_sqlite(url) && !memory;
    let write = connect(url, max_connections).await?;
    let (read, writers, committed) = if file {
        let read = sqlite_pool(url, max_connections.clamp(1, SQLITE_READERS))?;
        let checkpointer = sqlite_pool(url, 1)?;
        (
            sea_orm::Database::connect(read).await?,
            1,
            Some(checkpoint::start(
                sea_orm::Database::connect(checkpointer).await?,
            )),
        )
    } else if is_sqlite(url) {
        (write.clone(), 1, None)
    } else {
        let writers = (max_connections as usize / 2).clamp(1, POSTGRES_WRITERS);
        (write.clone(), writers, None)
    };
    let group = GroupCommit::start(write.clone(), writers, committed)?;
    Ok(Database {
        write,
        read,
        group,
        compress_content: true,
    })
}

/// Options of a further pool on a SQLite file (readers, the checkpointer).
fn sqlite_pool(url: &str, connections: u32) -> StorageResult<ConnectOptions> {
    let mut options = ConnectOptions::new(prepare_sqlite(url)?);
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .max_connections(connections);
    Ok(options)
}

/// A pooled connection is tested (pinged) before it is handed out only after it has been idle
/// this long: a ping on every checkout is one more round trip per query (the driver also pings
/// each connection when it is returned, so a connection broken during use is never pooled).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// How long a PostgreSQL request waits for a connection (also while the database is down).
const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

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
        // While PostgreSQL is down, acquiring retries the connection until this timeout and
        // then fails as `UNAVAILABLE`: short, so that clients are answered instead of hanging.
        .acquire_timeout(if sqlite {
            Duration::from_secs(30)
        } else {
            POSTGRES_ACQUIRE_TIMEOUT
        })
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        // One SQLite connection: writers never meet a busy lock; WAL keeps reads cheap.
        .max_connections(if sqlite { 1 } else { max_connections.max(1) });
    if sqlite {
        // A multi-row statement in a transaction keeps a statement journal (to undo just that
        // statement); past 64 KiB SQLite spills it to a temporary file, which every grouped
        // insert of revisions did: thousands of writes a second to a deleted file under
        // /var/tmp on the writer's path. In memory it is at most the size of one group's rows.
        options.map_sqlx_sqlite_opts(|o| o.pragma("temp_store", "memory"));
    }
    let db = sea_orm::Database::connect(options).await?;
    if sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        db.execute_unprepared("PRAGMA foreign_keys=ON").await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}
