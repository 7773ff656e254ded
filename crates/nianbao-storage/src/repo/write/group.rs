//! Group commit: writer tasks that take the submissions queued meanwhile and write them in one
//! transaction ([`submit::write_batch`]), so one commit (one fsync) serves many submissions.
//! Each submission is answered only after that commit; a failing one is rolled back to its own
//! savepoint and never affects the others.
//!
//! Submissions are routed to a writer by office, so two writers of one process never write the
//! same office-year at once (no lock waits or deadlocks between them).

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{mpsc, oneshot};

use crate::checkpoint::Committed;
use crate::error::{StorageError, StorageResult};
use crate::repo::write::cache::ReportCache;
use crate::repo::write::prepared::{Prepared, Submitted};
use crate::repo::write::submit;

/// The most submissions written in one transaction.
pub const MAX_BATCH: usize = 64;
/// Submissions queued per writer before senders wait.
const QUEUE: usize = 1024;

struct Job {
    prepared: Prepared,
    reply: oneshot::Sender<StorageResult<Submitted>>,
}

/// The queues of the writer tasks.
#[derive(Clone)]
pub struct GroupCommit {
    writers: Arc<Vec<mpsc::Sender<Job>>>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("writers", &self.writers.len())
            .finish()
    }
}

impl GroupCommit {
    /// Starts `writers` writer tasks (at least one); they end when every clone of the returned
    /// handle is dropped. Each commit is signalled to `committed` (the SQLite checkpointer) when
    /// given.
    ///
    /// On PostgreSQL the writers run on the current tokio runtime. On SQLite the one writer runs
    /// on a thread of its own: every statement is a round trip to the SQLite connection's worker
    /// thread, and on the shared runtime the writer, woken by each answer, waits behind request
    /// tasks (decoding, validation) for a worker thread, while every submission of its group
    /// waits on it. Measured: about 10 % more submissions per second on SQLite (BENCHMARKS.md).
    pub fn start(
        db: DatabaseConnection,
        writers: usize,
        committed: Option<Committed>,
    ) -> StorageResult<GroupCommit> {
        let own_thread = db.get_database_backend() == DbBackend::Sqlite;
        let mut senders = Vec::new();
        for n in 0..writers.max(1) {
            let (tx, rx) = mpsc::channel(QUEUE);
            let writer = run(db.clone(), rx, committed.clone());
            if own_thread {
                spawn_thread(n, writer)?;
            } else {
                tokio::spawn(writer);
            }
            senders.push(tx);
        }
        Ok(GroupCommit {
            writers: Arc::new(senders),
        })
    }

    /// Writes a prepared submission with whatever else is queued; returns after the commit.
    pub async fn submit(&self, prepared: Prepared) -> StorageResult<Submitted> {
        let n = self.writers.len() as u64;
        let index = (prepared.office_id() as u64 % n.max(1)) as usize;
        let writer = self.writers.get(index).ok_or(StorageError::Unavailable)?;
        let (reply, answer) = oneshot::channel();
        writer
            .send(Job { prepared, reply })
            .await
            .map_err(|_| StorageError::Unavailable)?;
        answer.await.map_err(|_| StorageError::Unavailable)?
    }
}

/// Runs a writer on a thread of its own with a single-threaded runtime.
fn spawn_thread(
    n: usize,
    writer: impl std::future::Future<Output = ()> + Send + 'static,
) -> StorageResult<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StorageError::Internal(format!("cannot start the writer's runtime: {e}")))?;
    std::thread::Builder::new()
        .name(format!("nianbao-writer-{n}"))
        .spawn(move || runtime.block_on(writer))
        .map_err(|e| StorageError::Internal(format!("cannot start the writer's thread: {e}")))?;
    Ok(())
}

async fn run(db: DatabaseConnection, mut queue: mpsc::Receiver<Job>, committed: Option<Committed>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    let mut cache = ReportCache::default();
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let (prepared, replies): (Vec<Prepared>, Vec<_>) =
            jobs.drain(..).map(|j| (j.prepared, j.reply)).unzip();
        let results = submit::write_batch(&db, &prepared, Some(&cache)).await;
        nianbao_common::metrics::inc("nianbao_storage_batches_total");
        if let Some(committed) = &committed {
            committed.signal();
        }
        // Committed revisions are kept parsed for the next submissions of their office-years.
        for (p, result) in prepared.into_iter().zip(&results) {
            if let Ok(done) = result
                && !done.replayed
            {
                let rev = &done.revision;
                cache.insert(rev.report_id, rev.number, Arc::new(p.into_report()));
            }
        }
        for (reply, result) in replies.into_iter().zip(results) {
            // The client may have gone; its submission is written all the same (a retry with the
            // same request id is answered with it).
            let _ = reply.send(result);
        }
    }
}
