//! The sending side of `StreamReports`: a task reads, converts and sends the planned reports
//! chunk by chunk, so memory stays bounded by the chunk whatever the size of the subtree.

use nianbao_proto::storage::v1 as pb;
use tonic::Status;

use super::{ReportStream, Storage};
use crate::error::StorageResult;
use crate::repo::access::auth::Caller;
use crate::repo::read::bulk;
use crate::wire;

/// What each item of a stream carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// The whole report, its revision and its office-year's summary.
    Full,
    /// The packed cells, the revision without findings, the summary.
    Packed,
    /// The packed cells and the revision's number only.
    Cells,
}

impl Form {
    /// The form a request's `packed` and `cells_only` ask for (`cells_only` needs `packed`).
    pub(super) fn of(packed: bool, cells_only: bool) -> Form {
        match (packed, cells_only) {
            (false, _) => Form::Full,
            (true, false) => Form::Packed,
            (true, true) => Form::Cells,
        }
    }
}

/// Spawns the task that streams `bulk` in the given form and returns the stream the client
/// reads. A failed chunk is audited and ends the stream with its status; a client that
/// goes away stops the task at its next send.
pub(super) fn send(
    this: Storage,
    caller: Caller,
    under: String,
    form: Form,
    bulk: bulk::BulkRead,
) -> ReportStream {
    // Room for two chunks: the next chunk is read from the database while the client still
    // takes the last one, so reading and sending overlap on two cores.
    let (tx, rx) = tokio::sync::mpsc::channel(2 * bulk::BULK_CHUNK);
    let task = async move {
        for chunk in bulk.planned.chunks(bulk::BULK_CHUNK) {
            let items = match form {
                Form::Cells => match bulk.fetch_cells(&this.db, chunk).await {
                    Ok(v) => Ok(v.iter().map(cells_item).collect()),
                    Err(e) => Err(e),
                },
                Form::Packed => match bulk.fetch_packed(&this.db, chunk).await {
                    Ok(v) => v.iter().map(packed_item).collect(),
                    Err(e) => Err(e),
                },
                Form::Full => match bulk.fetch(&this.db, chunk).await {
                    Ok(v) => v.iter().map(wire::fetched).collect(),
                    Err(e) => Err(e),
                },
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
fn packed_item(p: &bulk::PackedFetched) -> StorageResult<pb::StreamReportsResponse> {
    Ok(pb::StreamReportsResponse {
        report: None,
        revision: Some(wire::revision(&p.revision, &p.summary.office_code)?),
        summary: Some(wire::summary(&p.summary)),
        packed: p.packed.to_vec(),
    })
}

/// A cells-only stream item: the packed report and the revision's number, office and year.
fn cells_item(c: &bulk::PackedCells) -> pb::StreamReportsResponse {
    pb::StreamReportsResponse {
        report: None,
        revision: Some(pb::Revision {
            number: c.number,
            office_code: c.code.to_string(),
            year: c.year,
            ..Default::default()
        }),
        summary: None,
        packed: c.packed.to_vec(),
    }
}
