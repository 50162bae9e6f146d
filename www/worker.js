// @ts-check
// The worker owns the wasm scorers; the page only renders. It speaks a small message protocol,
// one message per chunk (never per row), and transfers every buffer it sends back. The messages
// are typed in types/protocol.d.ts (`WorkerRequest`, `WorkerReply`), which tsc holds both sides
// to; what each field means is below.
//
// A run is one file. The page may score it in parts, each with its own scorer, in this worker or
// in others (see run.js and src/parts.rs, where the plan lives): part 0 is the primary scorer
// (`new WasmScorer()`), which reads the start of the file (the whole file when it is not split)
// and in the end sums up the whole file; a later part gets a scorer made by
// `WasmScorer.forPart(context)`, whose line numbers count from the part's first line. A worker
// keeps the scorers of the latest run it was sent only.
//
// In:
//   {type:'init', wasmHex?, module?}    load the module: the compiled one given, else compiled from
//                                       the bytes given, else fetched from beside this script
//   {type:'push', run, part, chunk, context?, head?, behind?, last?, first?, threshold?,
//         features?, inline?}           score the rows completed by `chunk` (a Blob, or a range
//                                       of a File, {file, start, end}, read here as soon as the
//                                       message arrives, while the pushes before it are scored;
//                                       or bytes) with the part's scorer; a part not
//                                       seen before gets a new scorer: a later part's when
//                                       `context` (postcard bytes) is given, else the primary,
//                                       which decompresses the file when its first two bytes
//                                       are gzip's
//        first: `chunk` is the start of a file that goes on after it (`pushStart`): the answer
//        carries `context` (defined when later parts may be scored apart) and `lineEnds`, and
//        its output closes with the header, before any later part's output
//        behind: a later part's first push: `chunk` opens with this many bytes of look-behind
//        (the end of the range before the part; one read for both: in a worker each slice of
//        a File costs a millisecond or more); Rust finds the part's own bytes in them
//        (`partBounds`), the whole rest of the file from the part's start when `last`; a part
//        that cannot be cut off
//        (a quote, a line end too far from the boundary) is answered with `unsplit` instead
//        head: a later part's first push sent before the primary answered (no `context`): the
//        file's start, from which this worker learns the context as the primary does
//        (`runContext`); a file that cannot be cut into parts is answered with `unsplit`
//        threshold: a new scorer flags rows at it (default: the model's)
//        features: a new primary scorer writes a conn.log's 41 computed features (to explain rows)
//        inline: a new scorer's part is small: its scored CSV comes back as bytes (`csv`) rather
//        than in Blobs, unless 16 MB of it wait (a gzip file may grow that much)
//   {type:'finish', run, part}          end the part (for part 0: the file)
//   {type:'merge', run, part, summary, lineOffset}   (summary: a part's `summaryBytes`)
//                                       add a later part's summary to part `part`'s (the
//                                       primary), its line numbers offset by `lineOffset`; the
//                                       page sends them in file order, then finishes part 0
//   {type:'split', id, bytes, ends}     split lines of the scored CSV into fields
//   {type:'explain', id, header, row}   explain one line of the scored CSV
//   {type:'order', id, scores, flags, attacksOnly, sort, threshold?}
//                                       the row indices to show, filtered and sorted
//                                       (scores, flags: lists of typed arrays, in row order)
//   {type:'inspect', id, bytes}         check a model file (untrusted bytes): its info or an error
//   {type:'model', id?, bytes}          the model file new scorers and explanations use from now
//                                       on (bytes: Uint8Array; null: the built-in model)
//   {type:'train', id, file, seed}      train a model on `file` (a File): see train(); a worker
//                                       that trains does nothing else, cancel = terminate it
// Out (one `batch` per push, one `done` per finish):
//   {type:'ready', card, threshold, rowFlags, partPlan}   rowFlags: the bits of a batch's
//        `flags`, by name; partPlan: how files are cut into parts (src/parts.rs)
//   {type:'unsplit', run, part}         the part's range cannot be cut off (see `behind`): the
//                                       page sends the file from the part's start to one scorer
//   {type:'batch', run, part, csvBytes, blob?, csv?, start, header, scores, lines, flags, ends,
//                  rows, scored, flagged, rejected, first?, context?, lineEnds?}
//        csvBytes: length of this batch's scored CSV; blob (once 16 MB wait, and always with a
//        `first` answer and with `done`): a Blob holding the scored CSV of this batch and of
//        those before it in the same part that no Blob holds yet, back to back; csv: the same
//        as a Uint8Array (transferred) instead of a Blob, for an `inline` part; start: where
//        the batch's first row begins (after the header, in the batch that holds it); header:
//        the header line (Uint8Array; Rust says where it is), once, with `columns`, its
//        fields; lines: input line numbers, counted from the part's first line, or the first
//        row's alone when the rows lie on consecutive lines; rows..rejected:
//        the part's running counts
//   {type:'done', run, part, ...batch, summary, summaryBytes, lineEnds}
//        summary: the part's (for part 0 once the others are merged: the whole file's), as an
//        object and as postcard bytes (summaryBytes, what `merge` takes);
//        lineEnds: line ends the part held
//   {type:'split', id, rows} | {type:'explain', id, explanation} | {type:'order', id, order}
//   {type:'inspect', id, info} | {type:'model', id, info}   info: {sha256, bytes, trees, nodes, threshold}
//   {type:'training', id, treesBuilt, trees, trainingRows, holdoutRows}   after each tree
//   {type:'trained', id, result}        result: Trainer.finish()'s (see src/web.rs), and
//                                       memoryBytes: the worker's wasm memory
//   {type:'error', run?, part?, id?, message, fatal}
//        fatal: the module is unusable, start a new worker
//
// The scored CSV of a large file goes into Blobs here rather than in the page (making a Blob can
// hold a thread for tens of ms), and into few of them: each Blob costs milliseconds on top of its
// bytes. A small file's (`inline`) comes back as transferred bytes: a Blob would cost more time
// than the scoring, and the page makes the download's Blob once the results are painted.
const BLOB_BYTES = 16 << 20;
// Dead ArrayBuffers wait for the garbage collector, which in a worker lets tens of MB of them
// build up (V8 collects once some 64 MB more of them have been made). So the bytes read and the
// scored CSV go into buffers this worker reuses (`takeBuffer`): a chunk is read into one
// (`readInto`), and each part's scored CSV is copied out of the wasm memory into another
// (`keepCsv`) until it goes into a Blob or to the page. Freeing buffers early with
// `buffer.transfer(0)` is a trap: V8 appears to keep the memory with the zero-length buffer
// until that one is collected, while counting it as nothing, so collections come later still
// (on a 1 GB file Chromium's memory grew from about 1.8 to 4 GB).
// A wasm instance's memory grows to hold what one push takes in and gives out, and never
// shrinks: a larger chunk is pushed this much at a time, its answers joined into one batch.
const PUSH_BYTES = 1 << 20;
// Rows of a file's start sent split into fields with the primary's first batches: the largest
// page of the results table (see table.js).
const PREVIEW_ROWS = 100;

import init, {
  Gunzip, Trainer, WasmScorer, explain, modelCard, modelInfo, modelThreshold, partPlan, rowFlags, splitLines, splitRow,
} from './neptune.js';
import { sampleConnLog, sampleFile } from './sample.js';
/** @import { Trained } from './neptune.js' */
/** @import { BatchReply, PushBytes, PushRequest, WorkerReply, WorkerRequest } from './protocol.js' */

/**
 * The scorers of the latest run: {run, parts: Map(part -> {part, scorer, out (a reused buffer
 * holding the scored CSV not in a Blob yet), outBytes, unsplit (its range could not be cut
 * off)}), context (what its later parts need, once learnt: see `runContext`)}.
 */
let latest = newRun(-Infinity);
// A run that failed: its messages still queued are dropped rather than scored as a new file.
let failedRun = null;
// The module's exports (its memory is reported with a trained model).
let wasm;
// The model file new scorers use (Uint8Array), undefined for the built-in model.
let model;
// Messages are handled one at a time, in order, after `init` has finished.
let queue = Promise.resolve();

self.addEventListener('message', (/** @type {MessageEvent} */ event) => {
  const message = event.data;
  // A push's bytes are read from now on, while the messages before it are handled.
  const read = message.type === 'push' ? readPush(message) : undefined;
  waiting++;
  queue = queue.then(() => {
    waiting--;
    return handle(message, read);
  });
});

self.addEventListener('messageerror', () => {
  reply({ type: 'error', message: 'a message to the scorer could not be read', fatal: true });
});

/**
 * Posts a message to the page: only here, so that every message is checked against the protocol.
 * @param {WorkerReply} message
 * @param {Transferable[]} [transfer]
 */
function reply(message, transfer = []) {
  self.postMessage(message, transfer);
}

/**
 * The bytes of a push's `chunk`, read when it is a slice or a range of the File, and, for a
 * later part's first push, the look-behind it opens with (`behind` bytes) apart, and the file's
 * start when sent (`head`).
 * @typedef {[Uint8Array, Uint8Array | undefined, Uint8Array | undefined]} PushBytesRead
 * @param {PushRequest} message
 * @returns {Promise<PushBytesRead>}
 */
function readPush({ chunk, behind, head }) {
  const headRead = head === undefined ? undefined : bytesOf(head);
  headRead?.catch(() => {});
  const read = bytesOf(chunk).then(async (bytes) => {
    const headBytes = await headRead;
    if (behind === undefined) return /** @type {PushBytesRead} */ ([bytes, undefined, headBytes]);
    const cut = Math.min(behind, bytes.length);
    return /** @type {PushBytesRead} */ ([bytes.subarray(cut), bytes.subarray(0, cut), headBytes]);
  });
  // Awaited in turn (see `push`); a run stopped before then drops it with its error.
  read.catch(() => {});
  return read;
}

/**
 * The bytes of a push's chunk; a slice or range of the File is read into a reused buffer (give
 * it back with `giveBack` once pushed).
 * @param {PushBytes} data
 */
async function bytesOf(data) {
  if (ArrayBuffer.isView(data)) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const blob = data instanceof Blob ? data : data.file.slice(data.start, data.end);
  try {
    return await readInto(blob);
  } catch (error) {
    throw new Error(`The file could not be read: ${describe(error)}`, { cause: error });
  }
}

/**
 * Reads `blob` into a buffer from `takeBuffer` (a stream read into the buffer given, so no new
 * ArrayBuffer per chunk). Each read hands the buffer over and back: the bytes' `buffer` is the one
 * to give back. A read that makes no progress for `STALLED_READ_MS` is given up and the blob read
 * again with `arrayBuffer()` (see `STALLED_READ_MS`).
 * @param {Blob} blob
 */
async function readInto(blob) {
  const size = blob.size;
  if (size === 0) return new Uint8Array(0);
  let buffer = takeBuffer(size);
  const reader = blob.stream().getReader({ mode: 'byob' });
  let filled = 0;
  try {
    while (filled < size) {
      const step = await withTimeout(reader.read(new Uint8Array(buffer, filled, buffer.byteLength - filled)), STALLED_READ_MS);
      if (step === null) {
        console.warn(`a read of ${size} bytes made no progress in ${STALLED_READ_MS} ms: read again whole`);
        return new Uint8Array(await blob.arrayBuffer());
      }
      const { value, done } = step;
      if (value) buffer = value.buffer;
      if (done) break;
      filled += value.length;
    }
  } finally {
    // Ended either way: a stream read to its size but not to its end holds the browser's read
    // of the file open until it is garbage collected.
    reader.cancel().catch(() => {});
  }
  if (filled < size) {
    giveBack(buffer);
    throw new Error(`it ended after ${filled} of ${size} bytes`);
  }
  return new Uint8Array(buffer, 0, filled);
}

// On a page that had scored several 1 GB files, one stream read in thousands now and then never
// finished (a run in 6-12 stopped for ever, the worker idle; never with `arrayBuffer()`, which
// makes a new ArrayBuffer per read). Such a read is given up after this long without bytes.
const STALLED_READ_MS = 3000;

/** `promise`'s value, or null when it has not settled within `ms`. */
function withTimeout(promise, ms) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// Free buffers (ArrayBuffers), for reads and scored CSV: a few are kept, the largest. A worker
// has about three in use (the two parts it may be sent ahead and the scored CSV of the one it
// scores: some 4 MB each).
const spare = [];
const SPARE_BUFFERS = 3;
const BUFFER_STEP = 256 << 10;

/** A buffer of at least `bytes`: a spare one (the smallest that fits) or a new one. */
function takeBuffer(bytes) {
  let best = -1;
  for (let i = 0; i < spare.length; i++) {
    if (spare[i].byteLength >= bytes && (best < 0 || spare[i].byteLength < spare[best].byteLength)) best = i;
  }
  if (best >= 0) return spare.splice(best, 1)[0];
  return new ArrayBuffer(Math.ceil(bytes / BUFFER_STEP) * BUFFER_STEP);
}

/** Keeps `buffer` for `takeBuffer` (unless enough larger ones are kept). */
function giveBack(buffer) {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return;
  spare.push(buffer);
  spare.sort((a, b) => b.byteLength - a.byteLength);
  spare.length = Math.min(spare.length, SPARE_BUFFERS);
}

/**
 * @param {WorkerRequest} message
 * @param {Promise<PushBytesRead>} [read] a push's bytes (`readPush`)
 */
async function handle(message, read) {
  try {
    switch (message.type) {
      case 'init':
        return await start(message);
      case 'push': {
        const bytes = await read;
        try {
          return push(message, bytes);
        } finally {
          // Pushed (copied into the wasm memory) or dropped: its buffers are free again.
          giveBack(bytes[0].buffer);
          if (bytes[2]) giveBack(bytes[2].buffer);
        }
      }
      case 'finish':
        return finish(message);
      case 'merge':
        return merge(message);
      case 'split':
        return split(message);
      case 'explain':
        return explainRow(message);
      case 'order':
        return order(message);
      case 'inspect':
        return reply({ type: 'inspect', id: message.id, info: modelInfo(message.bytes) });
      case 'model':
        return useModel(message);
      case 'train':
        return await train(message);
      default:
        throw new Error(`unknown message type ${/** @type {{type: string}} */ (message).type}`);
    }
  } catch (error) {
    // What the failed message was about, whichever it was.
    const about = /** @type {{run?: number, part?: number, id?: number}} */ (message);
    if (about.run !== undefined) {
      failedRun = about.run;
      try {
        endRun();
      } catch {
        // After a trap, freeing may trap too; the page restarts this worker then anyway.
        latest.parts.clear();
      }
    }
    reply({
      type: 'error',
      run: about.run,
      part: about.part,
      id: about.id,
      message: describe(error),
      // A trap (a Rust panic aborts) leaves the module's memory in an unknown state.
      fatal: message.type === 'init' || error instanceof WebAssembly.RuntimeError,
    });
  }
}

/** @param {{wasmHex?: string, module?: WebAssembly.Module, warm?: boolean}} init */
async function start({ wasmHex, module, warm = true }) {
  const compiled = module ?? (await compile(wasmHex));
  wasm = await init({ module_or_path: compiled });
  const card = modelCard();
  // The compiled module goes back with `ready`: the pool starts the other workers from it, so
  // they neither fetch nor compile it again.
  reply({ type: 'ready', card, threshold: modelThreshold(), rowFlags: rowFlags(), partPlan: partPlan(), module: compiled });
  if (warm) warmUp(card.features);
}

/**
 * The scorer's wasm module, compiled from the bytes the single-file build embeds, else fetched
 * from beside this script (compiled while it downloads when the server says application/wasm).
 * @param {string | undefined} wasmHex
 */
async function compile(wasmHex) {
  if (wasmHex !== undefined) return WebAssembly.compile(decodeHex(wasmHex));
  const response = fetch(new URL('neptune_bg.wasm', self.location.href));
  try {
    return await WebAssembly.compileStreaming(response);
  } catch (error) {
    const answer = await response;
    if (!answer.ok) throw new Error(`the scorer's module could not be fetched (${answer.status} ${answer.statusText})`, { cause: error });
    if (answer.headers.get('Content-Type') === 'application/wasm') throw error;
    return WebAssembly.compile(await answer.arrayBuffer());
  }
}

/** Messages received and not yet handled: the warm-up gives way to any of them. */
let waiting = 0;

/**
 * Scores the built-in sample a few hundred rows at a time, after saying ready. The engine first
 * runs wasm with its baseline compiler and optimizes the hot functions once they have run a while;
 * without this the first file a person drops is scored two to three times slower than the next.
 * Each step is a task of its own, and the warm-up stops as soon as a message waits: a file
 * dropped at once is not held up by it (it then pays the cost itself). Only a matter of speed:
 * should the sample ever fail to score, files still can.
 */
async function warmUp(features) {
  const STEP_BYTES = 32 << 10;
  const PASSES = 2;
  // A CSV (the sample) and a conn.log: each input kind has its own hot functions.
  const CONN_LOG_ROWS = 4000;
  const SPLIT_STEPS = 4;
  try {
    const inputs = [new Uint8Array(await sampleFile(features).arrayBuffer()), sampleConnLog(CONN_LOG_ROWS)];
    for (const bytes of inputs) {
      for (let pass = 0; pass < PASSES; pass++) {
        const warm = new WasmScorer();
        try {
          for (let at = 0; at < bytes.length; at += STEP_BYTES) {
            await new Promise((resolve) => setTimeout(resolve, 0));
            if (waiting > 0) return;
            const batch = warm.push(bytes.subarray(at, at + STEP_BYTES));
            // The table's first page is split from a file's first rows (see `firstRowsFields`).
            if (at < SPLIT_STEPS * STEP_BYTES) fieldsOf(batch.csv, batch.ends);
          }
          warm.finish();
        } finally {
          warm.free();
        }
      }
    }
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    console.warn(`warming up the scorer with the samples failed: ${describe(error)}`);
  }
}

/** A run's state before its first push: no scorers, no context learnt. */
function newRun(run) {
  return { run, parts: new Map(), context: /** @type {Uint8Array | null | undefined} */ (undefined) };
}

/** Whether `run` is the latest run (its first message ends the run before); false once over. */
function currentRun(run) {
  if (run === failedRun || run < latest.run) return false;
  if (run !== latest.run) {
    endRun();
    latest = newRun(run);
  }
  return true;
}

/** A scorer of a file's start: a conn.log's output with its features when `features`. */
function startScorer(threshold, features) {
  return features ? WasmScorer.withZeekFeatures(threshold, model) : new WasmScorer(threshold, model);
}

/**
 * The context the latest run's later parts need (postcard bytes), or null when the file cannot
 * be cut into parts; learnt once per run. The primary's worker has it from its own `pushStart`
 * (see `push`). Another worker, sent a later part before the primary has answered, learns it
 * from the file's start (`head`, the primary's first push) the way the primary does: a scorer
 * of the same kind over the same bytes (`pushStart` is deterministic), dropped after. A start
 * the primary refuses (its error is the run's) gives null here; a trap is thrown.
 * @param {Uint8Array} head
 */
function runContext(head, threshold, features) {
  if (latest.context === undefined) {
    let context = null;
    if (!isGzip(head)) {
      const probe = startScorer(threshold, features);
      probe.csvOnRequest();
      try {
        context = probe.pushStart(head).context ?? null;
      } catch (error) {
        // A trap leaves the module unusable: the worker's error, as anywhere else.
        if (error instanceof WebAssembly.RuntimeError) throw error;
        context = null;
      } finally {
        probe.free();
      }
    }
    latest.context = context;
  }
  return latest.context;
}

/** The scorer of `part` of `run`, made on first use; null for a run that is over. */
function scorerFor(run, part, context, threshold, features, inline, preview) {
  if (!currentRun(run)) return null;
  let state = latest.parts.get(part);
  if (state === undefined) {
    const later = context !== undefined;
    state = {
      part,
      // The primary, until its first push: it tells a gzip file.
      opening: !later,
      scorer: later ? WasmScorer.forPart(context, threshold, model) : startScorer(threshold, features),
      out: null,
      outBytes: 0,
      inline: inline === true,
      unsplit: false,
      // The file's first rows, split into fields for the table's first page when the page asks
      // (see `firstRowsFields`): not for the runs scored aside.
      previewLeft: !later && preview ? PREVIEW_ROWS : 0,
    };
    state.scorer.csvOnRequest();
    latest.parts.set(part, state);
  }
  return state;
}

function endRun() {
  for (const state of latest.parts.values()) {
    // An unsplit part's scorer is freed already.
    if (!state.unsplit) state.scorer.free();
    state.gunzip?.free();
    if (state.out) giveBack(state.out.buffer);
  }
  latest.parts.clear();
}

function endPart(state) {
  state.scorer.free();
  state.gunzip?.free();
  if (state.out) giveBack(state.out.buffer);
  state.out = null;
  latest.parts.delete(state.part);
}

/**
 * Copies the scored CSV of `batch` (the scorer's latest answer) after the part's CSV kept so far,
 * in `state.out`, growing it when needed; `batch.csvAt` says where it went.
 */
function keepCsv(state, batch) {
  const end = state.outBytes + batch.csvBytes;
  if (state.out === null || state.out.length < end) {
    const grown = new Uint8Array(takeBuffer(Math.max(end, 1.5 * (state.out?.length ?? 0))));
    if (state.out) {
      grown.set(state.out.subarray(0, state.outBytes));
      giveBack(state.out.buffer);
    }
    state.out = grown;
  }
  state.scorer.copyCsv(state.out, state.outBytes);
  batch.csvAt = state.outBytes;
  state.outBytes = end;
  return batch;
}

// The first two bytes of every gzip member (RFC 1952), as the CLI recognizes gzip.
const GZIP_MAGIC = [0x1f, 0x8b];

/** @param {Uint8Array} bytes a file's first bytes */
function isGzip(bytes) {
  return GZIP_MAGIC.every((byte, i) => bytes[i] === byte);
}

/**
 * @param {PushRequest} message
 * @param {PushBytesRead} bytes its chunk, look-behind and the file's start (`head`), read
 */
function push({ run, part, context, last, first, threshold, features, inline, preview }, [chunk, before, head]) {
  if (head !== undefined && context === undefined) {
    if (!currentRun(run)) return;
    const learnt = runContext(head, threshold, features);
    if (learnt === null) {
      // The primary reads the whole file: the page drops this part once it has the primary's
      // answer; its `finish` is ignored.
      latest.parts.set(part, { part, unsplit: true, out: null });
      reply({ type: 'unsplit', run, part });
      return;
    }
    context = learnt;
  }
  const state = scorerFor(run, part, context, threshold, features, inline, preview);
  if (!state || state.unsplit) return;
  let bytes = chunk;
  if (state.opening) {
    // The page sends the file's first chunk with both bytes (when the file has them).
    state.opening = false;
    if (isGzip(bytes)) state.gunzip = new Gunzip();
  }
  if (state.gunzip) bytes = state.gunzip.push(bytes);
  if (first && state.gunzip) {
    // A gzip file cannot be cut into parts: no `context`, and the page sends the rest here.
    latest.context = null;
    const batch = joined(pushAll(state, bytes));
    postBatch('batch', run, state, batch, { first: true, lineEnds: state.scorer.lineEnds() });
    return;
  }
  if (first) {
    const batch = joined([keepCsv(state, state.scorer.pushStart(bytes))]);
    latest.context = batch.context ?? null;
    postBatch('batch', run, state, batch, { first: true, context: batch.context, lineEnds: state.scorer.lineEnds() });
    return;
  }
  if (before === undefined) {
    postBatch('batch', run, state, joined(pushAll(state, bytes)));
    return;
  }
  const bounds = state.scorer.partBounds(before, bytes, last === true);
  if (bounds === undefined) {
    // Nothing of this part is sent; its `finish` is ignored.
    state.unsplit = true;
    state.scorer.free();
    reply({ type: 'unsplit', run, part });
    return;
  }
  const [carry, end] = bounds;
  const batch = joined([...pushAll(state, before.subarray(carry)), ...pushAll(state, bytes.subarray(0, end))]);
  postBatch('batch', run, state, batch);
}

/** The scorer's answers to `bytes`, pushed a bounded piece at a time. */
function pushAll(state, bytes) {
  const batches = [];
  let at = 0;
  do {
    batches.push(keepCsv(state, state.scorer.push(bytes.subarray(at, at + PUSH_BYTES))));
    at += PUSH_BYTES;
  } while (at < bytes.length);
  return batches;
}

function finish({ run, part }) {
  const state = scorerFor(run, part);
  if (!state) return;
  if (state.unsplit) {
    latest.parts.delete(part);
    return;
  }
  const answers = [];
  if (state.gunzip) {
    // finish() consumes the decoder (and throws on data cut short: the run's error).
    const gunzip = state.gunzip;
    state.gunzip = undefined;
    gunzip.finish();
  }
  answers.push(keepCsv(state, state.scorer.finish()));
  const batch = joined(answers);
  postBatch('done', run, state, batch, {
    summary: batch.summary, summaryBytes: batch.summaryBytes, lineEnds: batch.lineEnds,
  });
  endPart(state);
}

/**
 * The scorer's answers to consecutive pushes as one batch, its scored CSV the `csvBytes` kept
 * (`keepCsv`) from `csvAt`, the running counts (and any other field) the last one's.
 */
function joined(batches) {
  const last = batches[batches.length - 1];
  // The header is the first thing a scorer writes: in the first batch with any CSV.
  const batch = {
    ...last,
    csvAt: batches[0].csvAt,
    csvBytes: batches.reduce((n, b) => n + b.csvBytes, 0),
    header: batches.find((b) => b.header)?.header,
  };
  if (batches.length === 1) return batch;
  batch.scores = concat(Float64Array, batches.map((b) => b.scores));
  batch.lines = joinedLines(batches);
  batch.flags = concat(Uint8Array, batches.map((b) => b.flags));
  batch.ends = concat(Uint32Array, batches.map((b) => b.ends));
  // Each answer's row ends count from the start of its own CSV.
  let row = 0;
  let offset = 0;
  for (const b of batches) {
    for (let i = 0; i < b.ends.length; i++) batch.ends[row + i] += offset;
    row += b.ends.length;
    offset += b.csvBytes;
  }
  return batch;
}

/**
 * The lines of the batches' rows: the first row's alone (a number) when each batch's rows go on
 * from the line after the previous batch's last, else one per row (a Float64Array).
 */
function joinedLines(batches) {
  const withRows = batches.filter((b) => b.ends.length > 0);
  let next = withRows[0]?.lines;
  for (const b of withRows) {
    if (typeof b.lines !== 'number' || b.lines !== next) {
      return concat(Float64Array, batches.map((b) => typeof b.lines === 'number'
        ? Float64Array.from(b.ends, (_, i) => /** @type {number} */ (b.lines) + i)
        : b.lines));
    }
    next = b.lines + b.ends.length;
  }
  return withRows.length > 0 ? withRows[0].lines : new Float64Array(0);
}

function merge({ run, part, summary, lineOffset }) {
  if (run === failedRun || run < latest.run) return;
  const state = run === latest.run ? latest.parts.get(part) : undefined;
  if (state === undefined) throw new Error(`no scorer of part ${part} to add a later part to`);
  state.scorer.merge(summary, lineOffset);
}

function postBatch(type, run, state, batch, extra = {}) {
  // `lines`: the first row's alone (a number) when the rows lie on consecutive lines.
  const { csvAt, csvBytes, header, scores, lines, flags, ends, rows, scored, flagged, rejected } = batch;
  const n = ends.length;
  const csv = state.out?.subarray(csvAt, csvAt + csvBytes) ?? new Uint8Array(0);
  /** @type {BatchReply} */
  const message = {
    type, run, part: state.part, scores, lines, flags, ends, rows, scored, flagged, rejected,
    csvBytes, start: 0, ...extra,
  };
  if (header !== undefined) {
    // Where the scorer wrote the header: at the start of the batch's CSV.
    message.start = header[1];
    message.header = csv.slice(header[0], header[1]);
    message.columns = splitRow(message.header);
  }
  if (state.previewLeft > 0 && n > 0) {
    message.preview = firstRowsFields(csv, message.start, ends, Math.min(n, state.previewLeft));
    state.previewLeft -= message.preview.length;
  }
  const transfer = [scores.buffer, flags.buffer, ends.buffer];
  if (typeof lines !== 'number') transfer.push(lines.buffer);
  const full = state.outBytes >= BLOB_BYTES;
  if (state.outBytes > 0 && (type === 'done' || extra.first || full)) {
    const kept = state.out.subarray(0, state.outBytes);
    if (state.inline && !full) {
      message.csv = kept.slice();
      transfer.push(message.csv.buffer);
    } else {
      message.blob = new Blob([kept]);
    }
    state.outBytes = 0;
  }
  reply(message, transfer);
}

/**
 * The fields of a batch's first `count` rows, as `split` gives them: the table shows the file's
 * first page from these when the run is done, without asking for them then (a round trip to a
 * worker, and a frame drawn without the table). `csv`: the batch's scored CSV; its first row
 * starts at `start`, row i ends at `ends[i]`.
 */
function firstRowsFields(csv, start, ends, count) {
  return fieldsOf(csv.subarray(start, ends[count - 1]), ends.subarray(0, count).map((e) => e - start));
}

/** `bytes` holds lines back to back; `ends[i]` is where line i ends. */
function split({ id, bytes, ends }) {
  reply({ type: 'split', id, rows: fieldsOf(new Uint8Array(bytes), ends) });
}

/**
 * The fields of each line of `bytes` (line i ends at `ends[i]`): Rust splits them all in one call
 * and hands them over as one string (see `splitLines`).
 * @param {Uint8Array} bytes
 * @param {Uint32Array} ends
 */
function fieldsOf(bytes, ends) {
  const { text, fieldEnds, lineEnds } = splitLines(bytes, ends);
  const rows = [];
  let field = 0;
  let at = 0;
  for (const lineEnd of lineEnds) {
    const fields = [];
    for (; field < lineEnd; field++) {
      fields.push(text.slice(at, fieldEnds[field]));
      at = fieldEnds[field];
    }
    rows.push(fields);
  }
  return rows;
}

function explainRow({ id, header, row }) {
  reply({ type: 'explain', id, explanation: explain(header, row, model) });
}

/**
 * Checks and keeps the model file for the scorers made from now on (null: the built-in model).
 * @param {Extract<WorkerRequest, {type: 'model'}>} message
 */
function useModel({ id, bytes }) {
  const info = bytes ? modelInfo(bytes) : null;
  model = bytes ?? undefined;
  reply({ type: 'model', id, info });
}

/**
 * Trains on `file` with `neptune train --no-compare`'s code (src/web.rs's Trainer): one tree at a
 * time, reporting after each; the page cancels by terminating this worker.
 */
async function train({ id, file, seed }) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const trainer = new Trainer(bytes, seed, file.name);
  try {
    const report = () => reply({ type: 'training', id, ...trainer.progress() });
    report();
    while (trainer.step()) report();
    /** @type {Trained & {memoryBytes?: number}} */
    const result = trainer.finish();
    // The wasm memory never shrinks: its size now is its peak during training.
    result.memoryBytes = wasm.memory.buffer.byteLength;
    reply({ type: 'trained', id, result }, [result.model.buffer]);
  } finally {
    trainer.free();
  }
}

/**
 * Indices of the rows to show: all, or the flagged ones, in file order or by score (rejected
 * rows last either way, ties in file order). Sorting millions of rows takes longer than a
 * frame, hence here.
 * @param {Extract<WorkerRequest, {type: 'order'}>} message
 */
function order({ id, scores: scoreParts, flags: flagParts, attacksOnly, sort, threshold }) {
  const scores = concat(Float64Array, scoreParts);
  const flags = concat(Uint8Array, flagParts);
  const n = scores.length;
  let order = new Uint32Array(n);
  let kept = 0;
  // Flagged at `threshold` when given (the page's control moved), else as scored. A rejected
  // row's score is NaN: never flagged.
  const bit = rowFlags().flagged;
  const flagged = threshold === undefined ? (i) => (flags[i] & bit) !== 0 : (i) => scores[i] >= threshold;
  for (let i = 0; i < n; i++) {
    if (!attacksOnly || flagged(i)) order[kept++] = i;
  }
  order = order.slice(0, kept);
  if (sort === 'desc' || sort === 'asc') sortByScore(order, scores, sort === 'desc');
  reply({ type: 'order', id, order }, [order.buffer]);
}

function concat(Type, parts) {
  const all = new Type(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

// A comparator sort of millions of indices takes seconds; a native sort of numeric keys that
// pack (score, index) into one exact float64 takes a fraction of that.
const SCORE_STEPS = 2 ** 24;
const INDEX_BITS = 2 ** 26;

function sortByScore(order, scores, descending) {
  if (scores.length >= INDEX_BITS) {
    const sign = descending ? -1 : 1;
    order.sort((a, b) => rank(scores[a], sign) - rank(scores[b], sign) || a - b);
    return;
  }
  const keys = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    keys[k] = rank(scores[i], descending ? -1 : 1) * INDEX_BITS + i;
  }
  keys.sort();
  for (let k = 0; k < keys.length; k++) order[k] = keys[k] % INDEX_BITS;
}

/** 0..2^24 in the wanted direction; a rejected row (NaN) after every score. */
function rank(score, sign) {
  if (score !== score) return SCORE_STEPS + 1;
  const q = Math.round(Math.min(Math.max(score, 0), 1) * SCORE_STEPS);
  return sign < 0 ? SCORE_STEPS - q : q;
}

/** Bytes from hexadecimal text (the single-file build's embedded wasm). */
function decodeHex(text) {
  const bytes = new Uint8Array(text.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.substr(2 * i, 2), 16);
  return bytes;
}

function describe(error) {
  if (error instanceof Error) return error.message || String(error);
  return String(error);
}
