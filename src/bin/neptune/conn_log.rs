//! A Zeek conn.log on three threads, its three stages: one reads its lines into rows
//! ([`ConnLines`]), one puts them in start order and features them through the windows
//! ([`ConnOrder`]), and this one scores, counts and writes them ([`ConnScore`]). The window
//! features need every row before, so the file cannot be cut into parts as a CSV is; but reading
//! a line needs only the line, and scoring a featured row only its features: the three take
//! about a third of the time each.

use std::cell::Cell;
use std::io;
use std::sync::mpsc;

use neptune::reader::FileError;
use neptune::score::{Batch, Summary};
use neptune::zeek::{ConnLines, ConnLog, ConnOrder, ConnRows, ConnSteps, LinesEnd, OrderEnd};

use super::Unusable;
use super::parts::ReadAhead;

/// Batches of rows (or of steps) ahead of the next stage: at most this many wait.
const ROWS_AHEAD: usize = 8;

/// The rows the order still holds at the end are featured and written this many at a time (the
/// reorder buffer's 65,536 in one batch took 8 MB more memory, and its page faults).
const HELD_ROWS_WRITTEN: usize = 4096;

/// What the reading thread sends the ordering one, in file order.
enum Read {
    Rows(ConnRows),
    End(LinesEnd),
    File(FileError),
    Input(io::Error),
}

/// What the ordering thread sends this one.
enum Ordered {
    Steps(ConnSteps),
    End(LinesEnd, OrderEnd),
    File(FileError),
    Input(io::Error),
}

/// Scores the rest of a conn.log whose start `conn_log` has read: `pending` (the bytes read
/// after that start), then the chunks `ahead` reads; hands each batch to `on_batch` in file order.
/// The output and the summary are those of `conn_log` pushed every chunk on this thread.
pub(super) fn score_on_threads(
    conn_log: ConnLog<'_>,
    pending: Vec<u8>,
    ahead: Option<ReadAhead>,
    errors: &Errors<'_>,
    on_batch: &mut dyn FnMut(&Batch) -> io::Result<()>,
) -> Result<Summary, Unusable> {
    let (lines, windows) = conn_log.into_stages();
    let (order, mut score) = windows.into_stages();
    let (rows_read, read) = mpsc::sync_channel(ROWS_AHEAD);
    let (rows_taken, rows_returned) = mpsc::channel();
    let (steps_made, steps) = mpsc::sync_channel(ROWS_AHEAD);
    let (steps_taken, steps_returned) = mpsc::channel();
    // Not joined: on an early error this returns without waiting for an input that may never
    // end (a pipe held open); each thread ends at its next send.
    std::thread::spawn(move || read_lines(lines, pending, ahead, &rows_read, &rows_returned));
    std::thread::spawn(move || {
        order_rows(order, &read, &rows_taken, &steps_made, &steps_returned);
    });
    let mut batch = Batch::default();
    loop {
        match steps.recv() {
            Ok(Ordered::Steps(mut taken)) => {
                score.take(&mut taken, &mut batch);
                on_batch(&batch).map_err(errors.write)?;
                batch.clear();
                // Back with its spare buffers; the ordering thread may be gone.
                let _ = steps_taken.send(taken);
            }
            Ok(Ordered::End(lines_end, order_end)) => {
                return score.finish(lines_end, order_end).map_err(errors.file);
            }
            Ok(Ordered::File(e)) => return Err((errors.file)(e)),
            Ok(Ordered::Input(e)) => return Err((errors.read)(e)),
            Err(mpsc::RecvError) => {
                return Err(Unusable(anyhow::anyhow!(
                    "the threads reading the conn.log's lines stopped"
                )));
            }
        }
    }
}

/// The ordering thread: each batch of rows through `order`, its steps sent on; at the end, the
/// rows still held in pieces, then the end. Rows go back to the reading thread (with the spare
/// buffers the steps brought back), steps come back through `returned` to be filled again.
fn order_rows(
    mut order: ConnOrder,
    read: &mpsc::Receiver<Read>,
    rows_taken: &mpsc::Sender<ConnRows>,
    send: &mpsc::SyncSender<Ordered>,
    returned: &mpsc::Receiver<ConnSteps>,
) {
    let next_steps = || returned.try_recv().unwrap_or_default();
    loop {
        let message = match read.recv() {
            Ok(Read::Rows(mut rows)) => {
                let mut steps = next_steps();
                order.take(&mut rows, &mut steps);
                let _ = rows_taken.send(rows);
                Ordered::Steps(steps)
            }
            Ok(Read::End(lines_end)) => {
                let mut more = true;
                while more {
                    let mut steps = next_steps();
                    more = order.feature_held(HELD_ROWS_WRITTEN, &mut steps);
                    if send.send(Ordered::Steps(steps)).is_err() {
                        return;
                    }
                }
                let mut steps = next_steps();
                let order_end = order.finish(&mut steps);
                let _ = send.send(Ordered::Steps(steps));
                let _ = send.send(Ordered::End(lines_end, order_end));
                return;
            }
            Ok(Read::File(e)) => Ordered::File(e),
            Ok(Read::Input(e)) => Ordered::Input(e),
            // The reading thread stopped without a word: this one's channel closing says so.
            Err(mpsc::RecvError) => return,
        };
        let stop = !matches!(message, Ordered::Steps(_));
        if send.send(message).is_err() || stop {
            return;
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
    // Set once the ordering thread is gone (it stopped at an error).
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
