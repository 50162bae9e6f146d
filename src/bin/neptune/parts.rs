//! A file scored on every core, following the plan of [`neptune::parts`]: the start on one
//! scorer (which learns the file's shape), then one part per range on threads, their outputs
//! written in order and their summaries merged: the bytes of one scorer reading the whole file.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::{Mutex, mpsc};

use neptune::model::Model;
use neptune::parts::{self, Bounds, FIRST_PART_BYTES, MIN_PART_BYTES, PART_BYTES, PartContext};
use neptune::score::{Batch, Scorer, Summary};

use super::{Unusable, conn_log, input};

/// The size of the ranges scored on threads (the file's first [`PART_BYTES`] are read at once,
/// then cut into such ranges). Small ranges keep both cores busy to the end of a file (4 MB
/// ranges left one idle at the end): on the 28.8 MB file, 1 MB ranges took 103 ms against
/// 132 ms for 4 MB, 100 ms for 512 KB, 103 ms for 256 KB, when parts went in rounds; with
/// threads taking the next part as they free up, 98 ms for 1 MB against 101 ms for 512 KB.
const RANGE_BYTES: usize = 1 << 20;
const _: () = assert!(MIN_PART_BYTES <= RANGE_BYTES && RANGE_BYTES <= PART_BYTES);

/// Reads from `reader` into `pending` until it holds `target` bytes or the input ends.
fn fill(reader: &mut dyn Read, pending: &mut Vec<u8>, target: usize) -> io::Result<bool> {
    while pending.len() < target {
        let start = pending.len();
        pending.resize(target, 0);
        match reader.read(&mut pending[start..]) {
            Ok(0) => {
                pending.truncate(start);
                return Ok(true);
            }
            Ok(n) => pending.truncate(start + n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => pending.truncate(start),
            Err(e) => {
                pending.truncate(start);
                return Err(e);
            }
        }
    }
    Ok(false)
}

/// Streams `input` through the scorer, handing each batch to `on_batch` in input order.
///
/// The start of the file goes through one scorer, which learns the file's shape. After that,
/// parts are scored on all cores and their outputs written in order: the bytes are those of one
/// scorer (a part that cannot be cut off, see [`neptune::parts`], sends the rest of the file to
/// one scorer again).
pub(super) fn run_scorer(
    input: &str,
    model: &Model,
    threshold: Option<f64>,
    threads: usize,
    zeek_features: bool,
    on_batch: &mut dyn FnMut(&Batch) -> io::Result<()>,
) -> Result<Summary, Unusable> {
    let read_error =
        |e: io::Error| Unusable(anyhow::Error::new(e).context(format!("cannot read {input}")));
    let write_error =
        |e: io::Error| Unusable(anyhow::Error::new(e).context("cannot write the output"));
    let file_error =
        |e: neptune::reader::FileError| Unusable(anyhow::Error::new(e).context(input.to_string()));
    let mut reader = input::open(input)?;
    let threads = if threads == 0 {
        std::thread::available_parallelism()
    } else {
        Ok(std::num::NonZeroUsize::MIN.saturating_add(threads - 1))
    };
    let threads = threads.map_or(1, |n| n.get()).min(8);
    let mut primary = Scorer::new(model, threshold).with_zeek_features(zeek_features);
    let mut batch = Batch::default();
    let mut pending = Vec::with_capacity(PART_BYTES);

    // A whole part is read first (a small file is then read, and any error in it found, before
    // anything is written); its start alone goes to the primary.
    let mut at_end = fill(&mut reader, &mut pending, PART_BYTES).map_err(read_error)?;
    let head = pending.len().min(FIRST_PART_BYTES);
    let continues = !at_end || pending.len() > head;
    let context = if threads > 1 && continues {
        primary
            .push_start(&pending[..head], &mut batch)
            .map_err(file_error)?
    } else {
        primary
            .push(&pending[..head], &mut batch)
            .map_err(file_error)?;
        None
    };
    on_batch(&batch).map_err(write_error)?;
    batch.clear();
    let before = parts::look_behind(&pending[..head]).to_vec();
    pending.drain(..head);

    // One scorer for whatever cannot be split: the primary itself, or a scorer for the rest of
    // the file once splitting stopped.
    let mut rest: Option<Scorer> = None;
    let mut line_offset = primary.line_ends();
    if let Some(context) = context {
        // Parts scored on `threads` threads, while this one reads the next and writes those
        // done, in order.
        let mut source = PartReader {
            reader: reader.as_mut(),
            pending: std::mem::take(&mut pending),
            at_end,
            before,
            stopped: None,
            context: &context,
            spare: Vec::new(),
        };
        score_parts(
            &mut source,
            threads,
            model,
            threshold,
            &context,
            &mut Written {
                primary: &mut primary,
                line_offset: &mut line_offset,
                on_batch: &mut *on_batch,
                input,
            },
        )?;
        if let Some((before, range)) = source.stopped.take() {
            // A part that cannot be cut off (a quote, or no line end near its end): one scorer
            // reads the file from that part's start on.
            let mut scorer = Scorer::for_part(model, threshold, &context).map_err(file_error)?;
            let start = parts::bounds(&context.dialect, &before, &range, true)
                .expect("the part before ended at a line end in this look-behind");
            scorer
                .push(&before[start.carry..], &mut batch)
                .map_err(file_error)?;
            scorer.push(&range, &mut batch).map_err(file_error)?;
            on_batch(&batch).map_err(write_error)?;
            batch.clear();
            rest = Some(scorer);
        }
        at_end = source.at_end;
        pending = source.pending;
    }
    // What is left goes through one scorer (a gzip input, a part with a quote, a conn.log on one
    // thread): a thread reads ahead while this one scores and writes. It is not joined: on an
    // early error the process ends without waiting for an input that may never end (a pipe held
    // open). A conn.log on more threads has its stages on threads of their own (conn_log.rs).
    let ahead = (!at_end).then(|| read_ahead(reader));
    let more = !(at_end && pending.is_empty());
    if threads > 1 && more && rest.is_none() && primary.is_conn_log() {
        let conn_log = primary.into_conn_log().expect("a conn.log");
        let errors = conn_log::Errors {
            read: &read_error,
            write: &write_error,
            file: &file_error,
        };
        return conn_log::score_on_threads(conn_log, pending, ahead, &errors, on_batch);
    }
    let scorer = rest.as_mut().unwrap_or(&mut primary);
    let mut next = Some(pending);
    while let Some(chunk) = next.take() {
        scorer.push(&chunk, &mut batch).map_err(file_error)?;
        on_batch(&batch).map_err(write_error)?;
        batch.clear();
        let Some(ReadAhead { chunks, spent }) = &ahead else {
            break;
        };
        // The buffer goes back to the reader (fresh 4 MB buffers cost page faults).
        let _ = spent.send(chunk);
        next = match chunks.recv() {
            Ok(Ok(chunk)) => Some(chunk),
            Ok(Err(e)) => return Err(read_error(e)),
            // The reader ended after its last chunk.
            Err(mpsc::RecvError) => None,
        };
    }
    let summary = match rest {
        Some(mut rest) => {
            let summary = rest.finish(&mut batch).map_err(file_error)?;
            primary.merge(&summary, line_offset);
            primary.finish(&mut batch).map_err(file_error)?
        }
        None => primary.finish(&mut batch).map_err(file_error)?,
    };
    on_batch(&batch).map_err(write_error)?;
    Ok(summary)
}

/// Chunks read ahead of scoring: at most this many wait.
const CHUNKS_AHEAD: usize = 2;

/// A reading thread's chunks, and the way back for their buffers.
pub(super) struct ReadAhead {
    /// The chunks, in order; the channel ends after the last.
    pub chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
    /// Where a chunk's buffer goes once used (fresh 4 MB buffers cost page faults).
    pub spent: mpsc::Sender<Vec<u8>>,
}

/// Reads `reader` to its end on a thread of its own, in chunks of [`PART_BYTES`].
fn read_ahead(mut reader: Box<dyn Read + Send>) -> ReadAhead {
    let (sender, chunks) = mpsc::sync_channel(CHUNKS_AHEAD);
    let (spent, returned) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        loop {
            let mut chunk = returned
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(PART_BYTES));
            chunk.clear();
            match fill(&mut reader, &mut chunk, PART_BYTES) {
                Ok(at_end) => {
                    if (!chunk.is_empty() && sender.send(Ok(chunk)).is_err()) || at_end {
                        break;
                    }
                }
                Err(e) => {
                    let _ = sender.send(Err(e));
                    break;
                }
            }
        }
    });
    ReadAhead { chunks, spent }
}

/// What a part's scorer gave: its output, its summary and its line ends.
type PartResult = Result<(Batch, Summary, u64), neptune::reader::FileError>;

/// Where scored parts go, in file order: their outputs to `on_batch`, their summaries into the
/// primary's (their line numbers offset by the lines before them).
struct Written<'a, 'm> {
    primary: &'a mut Scorer<'m>,
    line_offset: &'a mut u64,
    on_batch: &'a mut dyn FnMut(&Batch) -> io::Result<()>,
    input: &'a str,
}

impl Written<'_, '_> {
    /// Writes the next part's output and merges its summary; gives its batch back, emptied.
    fn part(&mut self, result: PartResult) -> Result<Batch, Unusable> {
        let (mut batch, summary, line_ends) =
            result.map_err(|e| Unusable(anyhow::Error::new(e).context(self.input.to_string())))?;
        (self.on_batch)(&batch)
            .map_err(|e| Unusable(anyhow::Error::new(e).context("cannot write the output")))?;
        self.primary.merge(&summary, *self.line_offset);
        *self.line_offset += line_ends;
        batch.clear();
        Ok(batch)
    }
}

/// A part back from its thread: its place in file order, the part (its buffers are used again)
/// and what scoring it gave, or the panic it raised.
type Done = (usize, Part, std::thread::Result<PartResult>);

/// Parts waiting to be scored or written, per thread: enough that a thread never waits for
/// the next part while this one reads or writes.
const PARTS_PER_THREAD: usize = 2;

/// Scores the parts `source` cuts on `threads` threads of their own and writes their outputs in
/// file order as they come back. A thread takes the next part as soon as it is done with one
/// (no part waits for a slower one to start), while this thread reads ahead and writes; stops
/// at the first part that failed, or when a range cannot be cut off (`source.stopped`).
fn score_parts(
    source: &mut PartReader<'_>,
    threads: usize,
    model: &Model,
    threshold: Option<f64>,
    context: &PartContext,
    written: &mut Written<'_, '_>,
) -> Result<(), Unusable> {
    let (work, jobs) = mpsc::sync_channel::<(usize, Part, Batch)>(threads);
    let jobs = Mutex::new(jobs);
    let (finished, results) = mpsc::channel::<Done>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let finished = finished.clone();
            let jobs = &jobs;
            scope.spawn(move || {
                // The lock is held only while waiting for a part, not while scoring it.
                while let Ok((index, part, batch)) = jobs
                    .lock()
                    .map_err(drop)
                    .and_then(|jobs| jobs.recv().map_err(drop))
                {
                    // A panic is sent back, to be raised on this thread, instead of leaving the
                    // writer waiting for a part that never comes.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        score_part(model, threshold, context, &part, batch)
                    }));
                    if finished.send((index, part, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(finished);
        let outcome = feed_and_write(source, threads, &work, &results, written);
        // The threads end once the parts already sent are scored.
        drop(work);
        outcome
    })
}

/// The main thread's side of [`score_parts`]: keeps up to [`PARTS_PER_THREAD`] parts per thread
/// sent and not yet written, and writes each as soon as the parts before it are written.
fn feed_and_write(
    source: &mut PartReader<'_>,
    threads: usize,
    work: &mpsc::SyncSender<(usize, Part, Batch)>,
    results: &mpsc::Receiver<Done>,
    written: &mut Written<'_, '_>,
) -> Result<(), Unusable> {
    let input = written.input;
    let read_error =
        |e: io::Error| Unusable(anyhow::Error::new(e).context(format!("cannot read {input}")));
    // Parts sent, and parts written (the next to write), counted from 0 in file order.
    let (mut sent, mut next) = (0, 0);
    // Parts scored before one ahead of them: written once it is.
    let mut waiting: BTreeMap<usize, PartResult> = BTreeMap::new();
    // Output buffers written out, used again: fresh ones of several MB cost page faults.
    let mut spare_batches: Vec<Batch> = Vec::new();
    loop {
        while sent - next < PARTS_PER_THREAD * threads {
            let Some(part) = source.next_part().map_err(read_error)? else {
                break;
            };
            let batch = spare_batches.pop().unwrap_or_default();
            work.send((sent, part, batch))
                .expect("the scoring threads wait for parts");
            sent += 1;
        }
        if next == sent {
            return Ok(());
        }
        let (index, part, result) = results.recv().expect("every part sent is answered");
        let result = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        source.spare.push(part.range);
        waiting.insert(index, result);
        while let Some(result) = waiting.remove(&next) {
            spare_batches.push(written.part(result)?);
            next += 1;
        }
    }
}

/// A later part of a file: its range, the look-behind (the end of the range before it) and
/// where its own bytes lie in them (see [`neptune::parts`]).
struct Part {
    before: Vec<u8>,
    range: Vec<u8>,
    bounds: Bounds,
}

/// The rest of a file read in ranges of [`RANGE_BYTES`], after its start, one range ahead (to
/// know which is the last).
struct PartReader<'a> {
    reader: &'a mut dyn Read,
    /// The next range, read.
    pending: Vec<u8>,
    at_end: bool,
    /// The look-behind of the next range.
    before: Vec<u8>,
    /// A range that could not be cut off as a part, with its look-behind: one scorer reads the
    /// file from there.
    stopped: Option<(Vec<u8>, Vec<u8>)>,
    context: &'a PartContext,
    /// Ranges scored and written, their buffers used again.
    spare: Vec<Vec<u8>>,
}

impl PartReader<'_> {
    /// The next part; none once the input is used up or a range could not be cut off.
    fn next_part(&mut self) -> io::Result<Option<Part>> {
        if self.stopped.is_some() || self.pending.is_empty() {
            return Ok(None);
        }
        let range = if self.pending.len() > RANGE_BYTES {
            // The file's start, read at once (see `run_scorer`), cut into ranges.
            let rest = self.pending.split_off(RANGE_BYTES);
            std::mem::replace(&mut self.pending, rest)
        } else {
            let mut next = self
                .spare
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(RANGE_BYTES));
            next.clear();
            let range = std::mem::replace(&mut self.pending, next);
            if !self.at_end {
                self.at_end = fill(self.reader, &mut self.pending, RANGE_BYTES)?;
            }
            range
        };
        let last = self.pending.is_empty();
        let before = std::mem::replace(&mut self.before, parts::look_behind(&range).to_vec());
        Ok(
            match parts::bounds(&self.context.dialect, &before, &range, last) {
                Some(bounds) => Some(Part {
                    before,
                    range,
                    bounds,
                }),
                None => {
                    self.stopped = Some((before, range));
                    None
                }
            },
        )
    }
}

/// Scores one part of a file on its own.
fn score_part(
    model: &Model,
    threshold: Option<f64>,
    context: &PartContext,
    part: &Part,
    mut batch: Batch,
) -> Result<(Batch, Summary, u64), neptune::reader::FileError> {
    let mut scorer = Scorer::for_part(model, threshold, context)?;
    scorer.push(&part.before[part.bounds.carry..], &mut batch)?;
    scorer.push(&part.range[..part.bounds.end], &mut batch)?;
    let summary = scorer.finish(&mut batch)?;
    Ok((batch, summary, scorer.line_ends()))
}
