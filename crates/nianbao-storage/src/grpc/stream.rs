//! The sending side of `StreamReports`: a task reads, converts and sends the planned reports
//! chunk by chunk, so memory stays bounded by the chunk whatever the size of the subtree.

use nianbao_proto::storage::v1 as pb;
use tonic::Status;

use super::{ReportStream, Storage};
use crate::auth::Caller;
use crate::error::StorageResult;
use crate::repo::read;
use crate::wire;

/// Spawns the task that streams `bulk` (packed reports when `packed`) and returns the stream the
/// client reads. A failed chunk is audited and ends the stream with its status; a client that
/// goes away stops the task at its next send.
pub(super) fn send(
    this: Storage,
    caller: Caller,
    under: String,
    packed: bool,
    bulk: read::BulkRead,
) -> ReportStream {
    let (tx, rx) = tokio::sync::mpsc::channel(read::BULK_CHUNK);
    let task = async move {
        for chunk in bulk.planned.chunks(read::BULK_CHUNK) {
            let items = if packed {
                match bulk.fetch_packed(&this.db, chunk).await {
                    Ok(v) => v.iter().map(packed_item).collect(),
                    Err(e) => Err(e),
                }
            } else {
                match bulk.fetch(&this.db, chunk).await {
                    Ok(v) => v.iter().map(wire::fetched).collect(),
                    Err(e) => Err(e),
                }
            };
            let items: Vec<pb::StreamReportsResponse> = match items {
                Ok(items) => items,
                Err(e) => {
                    let failed: Result<(), Status> =
                        this.done(&caller, "report.stream", &under, Err(e)).await;
                    if let Err(status) = failed {
                        let _ = tx.send(Err(status)).await;
                    }
                    return;
                }
            };
            for item in items {
                if tx.send(Ok(item)).await.is_err() {
                    return;
                }
            }
        }
    };
    tokio::spawn(tracing::Instrument::instrument(
        task,
        tracing::Span::current(),
    ));
    Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))
}

/// A packed stream item: the packed report, the revision without findings, the summary.
fn packed_item(p: &read::PackedFetched) -> StorageResult<pb::StreamReportsResponse> {
    Ok(pb::StreamReportsResponse {
        report: None,
        revision: Some(wire::revision(&p.revision, &p.summary.office_code)?),
        summary: Some(wire::summary(&p.summary)),
        packed: p.packed.to_vec(),
    })
}
