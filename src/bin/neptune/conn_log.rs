//! A Zeek conn.log on two threads: one reads its lines into rows ([`ConnLines`]), the other
//! features them in start order, scores and writes them ([`ConnWindows`]). The window features
//! need every row before, so the file cannot be cut into parts as a CSV is; but reading a line
//! needs only the line, and takes about a third of the time.

use std::cell::Cell;
use std::io;
use std::sync::mpsc;

use neptune::reader::FileError;
use neptune::score::{Batch, Summary};
use neptune::zeek::{ConnLines, ConnLog, ConnRows, LinesEnd};

use super::Unusable;
use super::parts::ReadAhead;

/// Batches of rows read ahead of the windows: at most this many wait.
const ROWS_AHEAD: usize = 8;

/// The rows the windows still hold at the end are written this many at a time (the reorder
/// buffer's 65,536 in one batch took 8 MB more memory, and its page faults).
const HELD_ROWS_WRITTEN: usize = 4096;

/// What the reading thread sends, in file order.
enum Read {
    Rows(ConnRows),
    End(LinesEnd),
    File(FileError),
    Input(io::Error),
}

/// Scores the rest of a conn.log whose start `conn_log` has read: `pending` (the bytes read
/// after that start), then the chunks `ahead` reads; hands each batch to `on_batch` in file order.
/// The output and the summary are those of `conn_log` pushed every chunk on this thread.
pub(super) fn score_on_two_threads(
    conn_log: ConnLog<'_>,
    pending: Vec<u8>,
    ahead: Option<ReadAhead>,
    errors: &Errors<'_>,
    on_batch: &mut dyn FnMut(&Batch) -> io::Result<()>,
) -> Result<Summary, Unusable> {
    let (lines, mut windows) = conn_log.into_stages();
    let (rows_read, read) = mpsc::sync_channel(ROWS_AHEAD);
    let (taken, returned) = mpsc::channel();
    // Not joined: on an early error this returns without waiting for an input that may never
    // end (a pipe held open); the thread ends at its next send.
    std::thread::spawn(move || read_lines(lines, pending, ahead, &rows_read, &returned));
    let mut batch = Batch::default();
    loop {
        match read.recv() {
            Ok(Read::Rows(mut rows)) => {
                windows.take(&mut rows, &mut batch);
                on_batch(&batch).map_err(errors.write)?;
                batch.clear();
                // Back with its spare buffers; the reader may be gone.
                let _ = taken.send(rows);
            }
            Ok(Read::End(end)) => {
                while windows.write_held(HELD_ROWS_WRITTEN, &mut batch) {
                    on_batch(&batch).map_err(errors.write)?;
                    batch.clear();
                }
                let summary = windows.finish(end, &mut batch).map_err(errors.file)?;
                on_batch(&batch).map_err(errors.write)?;
                return Ok(summary);
            }
            Ok(Read::File(e)) => return Err((errors.file)(e)),
            Ok(Read::Input(e)) => return Err((errors.read)(e)),
            Err(mpsc::RecvError) => {
                return Err(Unusable(anyhow::anyhow!(
                    "the thread reading the conn.log's lines stopped"
                )));
            }
        }
    }
}

/// How the errors of a run are told (see `parts::run_scorer`).
pub(super) struct Errors<'a> {
    pub read: &'a dyn Fn(io::Error) -> Unusable,
    pub write: &'a dyn Fn(io::Error) -> Unusable,
    pub file: &'a dyn Fn(FileError) -> Unusable,
}

/// The reading thread: every chunk through `lines`, each batch of rows sent on as it fills;
/// batches come back through `returned` to be filled again.
fn read_lines(
    mut lines: ConnLines,
    pending: Vec<u8>,
    ahead: Option<ReadAhead>,
    send: &mpsc::SyncSender<Read>,
    returned: &mpsc::Receiver<ConnRows>,
) {
    let mut rows = ConnRows::default();
    // Set once the windows' thread is gone (it stopped at an error).
    let gone = Cell::new(false);
    let mut hand_over = |rows: &mut ConnRows| {
        let next = returned.try_recv().unwrap_or_default();
        let full = std::mem::replace(rows, next);
        if send.send(Read::Rows(full)).is_err() {
            gone.set(true);
        }
    };
    let mut next = Some(pending);
    while let Some(chunk) = next.take() {
        if let Err(e) = lines.push(&chunk, &mut rows, &mut hand_over) {
            let _ = send.send(Read::File(e));
            return;
        }
        if gone.get() {
            return;
        }
        let Some(ReadAhead { chunks, spent }) = &ahead else {
            break;
        };
        let _ = spent.send(chunk);
        next = match chunks.recv() {
            Ok(Ok(chunk)) => Some(chunk),
            Ok(Err(e)) => {
                let _ = send.send(Read::Input(e));
                return;
            }
            Err(mpsc::RecvError) => None,
        };
    }
    let end = match lines.finish(&mut rows, &mut hand_over) {
        Ok(end) => Read::End(end),
        Err(e) => Read::File(e),
    };
    let _ = send.send(end);
}
