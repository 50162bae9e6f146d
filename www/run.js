// @ts-check
// Scores one file on the pool of workers and hands its results over in file order.
//
// How a file is cut into parts is decided in Rust (src/parts.rs, whose constants arrive as
// PART_PLAN): the start goes to one scorer, the primary (part 0), which learns the file's shape.
// The rest goes at once in ranges, each sent with the look-behind (the end of the range before
// it) to a scorer of its own on the least busy worker, which finds its part's own bytes in them;
// until the primary has answered, a range goes with the file's start too, from which its worker
// learns the file's shape as the primary does (nothing waits for the primary). When the
// primary finds the file cannot be split, those parts are dropped and the primary reads on; their
// outputs are handed over in file order and their summaries
// added to the primary's in the same order, so the rows, the download and the summary are those
// of one scorer reading the whole file: what `neptune score` does on its threads
// (src/bin/neptune/parts.rs). A part that cannot be cut off (its worker answers `unsplit`)
// sends the file from that part's start to one scorer, chunk by chunk. With one worker, or a
// file no larger than the start, the primary reads the whole file chunk by chunk.
//
// Nothing of the reading, the scoring, the cutting or the summary is done here: what is sent are
// slices of the File (Blobs), or for a later part the File and where its range lies (slicing a
// File takes the thread a fraction of a millisecond, hundreds of times on a large file: the
// workers do it), and each worker reads its own as it arrives, while it scores what came before
// (see worker.js). A gzip file is told by its first two bytes, in the primary's worker. This
// only routes messages and adds each part's line offset to its rows' line numbers.

import { PART_PLAN, ROW } from './flags.js';
/** @import { ScorerPool } from './pool.js' */
/** @import { RunReply } from './protocol.js' */

// Chunks of a file read by one scorer from start to end.
const CHUNK_BYTES = 1 << 20;
// A smaller first chunk gets the worker going while the next megabyte is read.
const FIRST_CHUNK_BYTES = 1 << 18;
// Chunks sent ahead of a scorer (read by its worker as they arrive): enough to keep it busy,
// few enough to bound memory.
const CHUNKS_IN_FLIGHT = 3;
// A file up to this size has its scored CSV sent back as bytes, not Blobs (see worker.js).
const INLINE_BYTES = 16 << 20;
// Parts sent ahead per worker: one being scored while the next is read. A file smaller than
// this many parts of the largest size per worker is cut into that many parts (so that each
// worker reads a part while it scores the one before).
const PARTS_PER_WORKER = 2;
// The bytes a gzip file is told by (the worker checks them: see `stream`).
const GZIP_MAGIC_BYTES = 2;

/** Thrown inside a run's reading loop once the run is over (stopped, failed or finished). */
const STOPPED = Symbol('stopped');

// The outputs (Blobs) a run keeps before it joins them into one (see `handOver`).
const OUTPUTS_JOINED = 32;

/** One file being scored. */
export class ScoringRun {
  /**
   * `onBatch(message)` receives the workers' `batch` and `done` messages (see worker.js) in file
   * order, line numbers counted from the file's first line; `onProgress({bytes, rows, flagged})`
   * how far the results handed over reach; `threshold`, when given, flags rows at it;
   * `features`: a conn.log's output carries its 41 computed features (see worker.js);
   * `preview`: the batches carry the file's first rows split into fields (for the table).
   * @param {{id: number, file: File, pool: ScorerPool, onBatch: (message: any) => void,
   *   onProgress: (progress: {bytes: number, rows: number, flagged: number}) => void, threshold?: number,
   *   features?: boolean, preview?: boolean}} options
   */
  constructor({ id, file, pool, onBatch, onProgress, threshold, features, preview }) {
    this.id = id;
    /** Flag rows at this threshold rather than the model's (undefined: the model's). */
    this.threshold = threshold;
    this.features = features;
    this.preview = preview;
    this.file = file;
    this.pool = pool;
    this.onBatch = onBatch;
    this.onProgress = onProgress;
    this.primary = pool.primary;
    /** Pieces of the file not yet handed over, in file order: see `open`. */
    this.pieces = [];
    /** part -> the piece whose messages that part's scorer is sending. */
    this.receiving = new Map();
    /** Line ends in the pieces handed over: the offset of the first piece's line numbers. */
    this.lineOffset = 0;
    /** Pushes sent and not yet handed over. */
    this.inFlight = 0;
    /** worker -> pushes sent to it and not yet answered. */
    this.busy = new Map();
    /** The scored CSV handed over (Blobs, or bytes for a small file), in file order. */
    this.outputs = [];
    this.progress = { bytes: 0, rows: 0, flagged: 0 };
    /** What later parts need, from the primary's first answer: null when it cannot be split. */
    this.context = undefined;
    /** The highest part number given out. */
    this.lastPart = 0;
    /**
     * Where the first part that could not be cut off starts ({offset, before}): the file from
     * there goes to one scorer.
     */
    this.unsplit = undefined;
    this.over = false;
    /** @type {((value?: unknown) => void) | null} Ends the wait in `until` (see `wakeUp`). */
    this.wake = null;
  }

  /**
   * Resolves with {summary, download} once the file is scored (`download`: the scored CSV as a
   * Blob, made on first use); rejects with what went wrong.
   */
  start() {
    const result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.read().catch((error) => {
      if (error !== STOPPED) this.fail(describe(error));
    });
    return result;
  }

  /** Ends the run early: nothing more is read or sent, and late messages are ignored. */
  stop() {
    this.end();
    // Undefined when stopped before it started.
    this.reject?.(new Error('cancelled'));
  }

  /**
   * A message of this run from any worker.
   * @param {RunReply} message
   */
  receive(message) {
    if (this.over) return;
    if (message.type === 'error') {
      this.fail(message.message);
      return;
    }
    const piece = this.receiving.get(message.part);
    if (piece === undefined) return;
    if (message.type === 'batch' || message.type === 'unsplit') {
      piece.unanswered--;
      this.busy.set(piece.worker, this.busy.get(piece.worker) - 1);
    }
    piece.messages.push(message);
    if (piece.endsWith(message)) this.receiving.delete(message.part);
    this.handOver();
  }

  /** Hands the file to the workers, in parts when it can (see the top of this file). */
  async read() {
    const { file, pool } = this;
    const rest = PART_PLAN.firstPartBytes;
    if (pool.size === 1 || file.size <= rest) {
      await this.stream(this.primary, 0, 0);
      return;
    }
    const first = this.open(0, this.primary, (message) => message.first === true);
    this.send(first, { chunk: this.range(0, rest), first: true }, rest);
    await this.split(rest);
    // Null once the primary has found the file cannot be split (or is gzip): the later parts
    // sent before then are dropped (see `complete`).
    if (this.context === null) {
      // The primary has scored all of the start and reads on.
      await this.stream(this.primary, 0, rest);
      return;
    }
    // Every later part has been handed over and added to the primary's summary.
    await this.until(() => this.pieces.length === 0);
    this.open(0, this.primary, (message) => message.type === 'done');
    this.primary.post({ type: 'finish', run: this.id, part: 0 });
  }

  /**
   * Scores the file from `offset` in parts, one range each, each on the least busy worker with
   * the look-behind of the range before it. Once a part answers `unsplit`, the file from that
   * part's start goes to one scorer. Returns early once the primary has found that the file
   * cannot be split (`context` null).
   */
  async split(offset) {
    const { pool, file } = this;
    const limit = pool.size * PARTS_PER_WORKER;
    const { minPartBytes, partBytes: maxPartBytes } = PART_PLAN;
    const partBytes = clamp(Math.ceil((file.size - offset) / limit), minPartBytes, maxPartBytes);
    while (offset < file.size) {
      await this.until(() => this.inFlight < limit || this.unsplit !== undefined || this.context === null);
      if (this.unsplit !== undefined || this.context === null) break;
      // A short tail rides with the range before it.
      let end = offset + partBytes;
      if (file.size - end < partBytes / 2) end = file.size;
      const last = end === file.size;
      const worker = this.leastBusy();
      const piece = this.open(++this.lastPart, worker, (message) => message.type === 'done');
      piece.start = offset;
      this.send(piece, this.openingPush(offset, end, last), end);
      worker.post({ type: 'finish', run: this.id, part: piece.part });
      offset = end;
    }
    await this.until(() => this.pieces.length === 0 || this.unsplit !== undefined || this.context === null);
    if (this.unsplit === undefined || this.context === null) return;
    const start = this.unsplit;
    await this.stream(this.leastBusy(), ++this.lastPart, start, { later: true });
  }

  /**
   * A later part's first push: the range of the File from `start` to `end`, opening with the
   * look-behind (the end of the range before, clamped at the file's start), read in the worker
   * with one slice; with the primary's `context`, or while the primary has not answered, the
   * file's start it was sent (`head`). `last`: the part runs to the end of the file.
   */
  openingPush(start, end, last) {
    const behind = Math.min(PART_PLAN.lookBehindBytes, start);
    const chunk = { file: this.file, start: start - behind, end };
    if (this.context === undefined) {
      return { chunk, behind, last, head: { file: this.file, start: 0, end: PART_PLAN.firstPartBytes } };
    }
    return { chunk, behind, last, context: this.context ?? undefined };
  }

  /**
   * Scores the file from `offset` to its end with one scorer (part `part` on `worker`): a later
   * part's scorer when `later`, whose first push is `openingPush`. Sends a few chunks ahead of
   * the answers.
   */
  async stream(worker, part, offset, { later = false } = {}) {
    const piece = this.open(part, worker, (message) => message.type === 'done');
    let size = offset === 0 ? FIRST_CHUNK_BYTES : CHUNK_BYTES;
    let first = true;
    while (offset < this.file.size) {
      await this.until(() => this.inFlight < CHUNKS_IN_FLIGHT);
      // A short slice is fine: the scorer takes chunks of any size, except that the file's
      // first chunk holds the bytes a gzip file is told by.
      if (first && later) {
        // `last`: the rest of the file, from the part's start.
        const end = Math.min(offset + size, this.file.size);
        this.send(piece, this.openingPush(offset, end, true), end);
        offset = end;
      } else {
        let chunk = this.file.slice(offset, offset + size);
        if (offset === 0 && chunk.size < GZIP_MAGIC_BYTES) chunk = this.range(0, GZIP_MAGIC_BYTES);
        if (chunk.size === 0) throw new Error('The file could not be read: it ended early.');
        offset += chunk.size;
        this.send(piece, { chunk }, offset);
      }
      size = CHUNK_BYTES;
      first = false;
    }
    worker.post({ type: 'finish', run: this.id, part });
  }

  /**
   * A piece of the file: the messages of part `part`'s scorer on `worker` up to and including
   * the one `endsWith` accepts. Pieces are handed over one after another in the order opened.
   */
  open(part, worker, endsWith) {
    // start: a later part's file offset, from which to send the rest should it answer `unsplit`.
    const piece = { part, worker, endsWith, messages: [], chunkEnds: [], unanswered: 0, start: undefined };
    this.pieces.push(piece);
    this.receiving.set(part, piece);
    return piece;
  }

  /** Pushes a chunk (a Blob, or a range of the File) ending at file offset `end` to its scorer. */
  send(piece, message, end) {
    piece.chunkEnds.push(end);
    piece.unanswered++;
    this.inFlight++;
    this.busy.set(piece.worker, (this.busy.get(piece.worker) ?? 0) + 1);
    const { threshold, features, preview } = this;
    const inline = this.file.size <= INLINE_BYTES;
    piece.worker.post({ ...message, type: 'push', run: this.id, part: piece.part, threshold, features, inline, preview });
  }

  /** Hands over what the first pieces have received, in file order. */
  handOver() {
    while (!this.over && this.pieces.length > 0) {
      const piece = this.pieces[0];
      const message = piece.messages.shift();
      if (message === undefined) break;
      if (message.type === 'unsplit') {
        this.abandon(piece);
        break;
      }
      this.deliver(piece, message);
      if (piece.endsWith(message)) {
        this.pieces.shift();
        this.complete(piece, message);
      }
    }
    this.wakeUp();
  }

  /**
   * Drops `piece`, whose part could not be cut off, and every piece after it (their late
   * messages are ignored); the file from `piece`'s start is then sent to one scorer (`split`).
   */
  abandon(piece) {
    this.dropPieces();
    this.unsplit = piece.start;
  }

  /** Drops every piece not handed over yet: their late messages are ignored. */
  dropPieces() {
    for (const dropped of this.pieces) {
      this.receiving.delete(dropped.part);
      this.inFlight -= dropped.chunkEnds.length;
      this.busy.set(dropped.worker, this.busy.get(dropped.worker) - dropped.unanswered);
    }
    this.pieces = [];
  }

  deliver(piece, message) {
    // A later part counts lines from its own start; the primary from the file's.
    if (piece.part !== 0 && this.lineOffset > 0) {
      const lines = message.lines;
      if (typeof lines === 'number') message.lines += this.lineOffset;
      else for (let i = 0; i < lines.length; i++) lines[i] += this.lineOffset;
    }
    if (message.type === 'batch') {
      this.inFlight--;
      this.progress.bytes = piece.chunkEnds.shift();
    }
    const output = message.blob ?? message.csv;
    if (output) this.outputs.push(output);
    // Joined a few dozen at a time while the file is scored: one Blob of hundreds costs a task of
    // tens of ms (each one it holds is a message to the browser), which would come after `done`.
    if (this.outputs.length > OUTPUTS_JOINED && output instanceof Blob) this.outputs = [new Blob(this.outputs)];
    const { flags } = message;
    let flagged = 0;
    for (let i = 0; i < flags.length; i++) flagged += flags[i] & ROW.flagged ? 1 : 0;
    this.progress.rows += flags.length;
    this.progress.flagged += flagged;
    this.onBatch(message);
    this.onProgress(this.progress);
  }

  complete(piece, message) {
    if (piece.part !== 0) {
      this.primary.post({
        type: 'merge', run: this.id, part: 0, summary: message.summaryBytes, lineOffset: this.lineOffset,
      });
      this.lineOffset += message.lineEnds;
    } else if (message.first) {
      this.lineOffset = message.lineEnds;
      this.context = message.context ?? null;
      // Later parts sent before the primary answered, for a file that cannot be split.
      if (this.context === null) this.dropPieces();
    } else {
      this.end();
      const { outputs } = this;
      let download;
      // The download's Blob is made when first asked for, off the path to the results.
      this.resolve({
        summary: message.summary,
        get download() {
          download ??= new Blob(outputs, { type: 'text/csv' });
          return download;
        },
      });
    }
  }

  /** The worker with the fewest pushes unanswered, taking turns among equals. */
  leastBusy() {
    return this.pool.leastLoaded((worker) => this.busy.get(worker) ?? 0);
  }

  /** Waits until `ready()` holds, re-checking whenever a message is handed over. */
  async until(ready) {
    while (!ready()) {
      if (this.over) throw STOPPED;
      await new Promise((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.over) throw STOPPED;
  }

  wakeUp() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  fail(message) {
    if (this.over) return;
    this.end();
    this.reject(new Error(message));
  }

  end() {
    this.over = true;
    this.wakeUp();
  }

  /**
   * [start, end) of the file (end clamped to its size) as one Blob, however short the File's
   * slices are.
   */
  range(start, end) {
    end = Math.min(end, this.file.size);
    const slices = [];
    for (let at = start; at < end; ) {
      const slice = this.file.slice(at, end);
      if (slice.size === 0) throw new Error('The file could not be read: it ended early.');
      slices.push(slice);
      at += slice.size;
    }
    return slices.length === 1 ? slices[0] : new Blob(slices);
  }
}

function clamp(x, lo, hi) {
  return Math.min(Math.max(x, lo), hi);
}

function describe(error) {
  if (error instanceof Error) return error.message || String(error);
  return String(error);
}
