// The worker owns the wasm scorer; the page only renders. It speaks a small message protocol,
// one message per chunk (never per row), and transfers every buffer it sends back.
//
// In:
//   {type:'init', wasmBase64?}          load the module (fetched next to the glue unless given)
//   {type:'push', run, chunk}           score the rows completed by `chunk` (ArrayBuffer);
//                                       a `run` id not seen before starts a new file
//   {type:'finish', run}                end the file
//   {type:'split', id, bytes, ends}     split lines of the scored CSV into fields
//   {type:'explain', id, header, row}   explain one line of the scored CSV
//   {type:'order', id, scores, flags, attacksOnly, sort}
//                                       the row indices to show, filtered and sorted
//                                       (scores, flags: lists of typed arrays, in row order)
// Out:
//   {type:'ready', card, threshold}
//   {type:'batch', run, csvBytes, blob, start, header, scores, lines, flags, ends,
//                  rows, scored, flagged, rejected}
//        csvBytes: length of this batch's scored CSV; blob (now and then): a Blob holding the
//        scored CSV of this batch and of those before it that no Blob holds yet, back to back;
//        start: where the batch's first row begins (after the header, in the batch that holds
//        it); header: the header line (Uint8Array), once; rows..rejected: running counts
//   {type:'done', run, ...batch, summary, download}   download: the whole scored CSV (Blob)
//   {type:'split', id, rows} | {type:'explain', id, explanation} | {type:'order', id, order}
//   {type:'error', run?|id?, message, fatal}  fatal: the module is unusable, start a new worker
//
// Runs are keyed by id so that several workers could later score parts of one file, each
// answering for its own run; nothing here assumes it is the only worker.
//
// The scored CSV goes into Blobs here rather than in the page (making a Blob can hold a thread
// for tens of ms), and into few of them: each Blob costs milliseconds on top of its bytes.
const BLOB_BYTES = 16 << 20;

import init, { WasmScorer, explain, modelCard, modelThreshold, splitRow } from './neptune.js';
import { sampleFile } from './sample.js';

/**
 * The file being scored: {run, scorer, blobs (made so far), pending (scored CSV not in a Blob
 * yet), pendingBytes, headerSent}.
 */
let active = null;
// A run that failed: chunks of it still queued are dropped rather than scored as a new file.
let failedRun = null;
// Messages are handled one at a time, in order, after `init` has finished.
let queue = Promise.resolve();

self.addEventListener('message', (event) => {
  const message = event.data;
  queue = queue.then(() => handle(message));
});
self.addEventListener('messageerror', () => {
  self.postMessage({ type: 'error', message: 'a message to the scorer could not be read', fatal: true });
});

async function handle(message) {
  try {
    switch (message.type) {
      case 'init':
        return await start(message);
      case 'push':
        return push(message);
      case 'finish':
        return finish(message);
      case 'split':
        return split(message);
      case 'explain':
        return explainRow(message);
      case 'order':
        return order(message);
      default:
        throw new Error(`unknown message type ${message.type}`);
    }
  } catch (error) {
    if (message.run !== undefined) {
      endRun();
      failedRun = message.run;
    }
    self.postMessage({
      type: 'error',
      run: message.run,
      id: message.id,
      message: describe(error),
      // A trap (a Rust panic aborts) leaves the module's memory in an unknown state.
      fatal: message.type === 'init' || error instanceof WebAssembly.RuntimeError,
    });
  }
}

async function start({ wasmBase64 }) {
  const module_or_path = wasmBase64 === undefined ? undefined : decodeBase64(wasmBase64);
  await init({ module_or_path });
  const card = modelCard();
  await warmUp(JSON.parse(card).features);
  self.postMessage({ type: 'ready', card, threshold: modelThreshold() });
}

/**
 * Scores the built-in sample twice before saying ready. The engine first runs wasm with its
 * baseline compiler and optimizes the hot functions once they have run a while; without this the
 * first file a person drops is scored two to three times slower than the next. Only a matter of
 * speed: should the sample ever fail to score, files still can.
 */
async function warmUp(features) {
  try {
    const bytes = new Uint8Array(await sampleFile(features).arrayBuffer());
    for (let pass = 0; pass < 2; pass++) {
      const warm = new WasmScorer();
      try {
        warm.push(bytes);
        warm.finish();
      } finally {
        warm.free();
      }
    }
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    console.warn(`warming up the scorer with the sample failed: ${describe(error)}`);
  }
}

function runFor(run) {
  if (run === failedRun) return null;
  if (active?.run !== run) {
    endRun();
    active = { run, scorer: new WasmScorer(), blobs: [], pending: [], pendingBytes: 0, headerSent: false };
  }
  return active;
}

function endRun() {
  active?.scorer.free();
  active = null;
}

function push({ run, chunk }) {
  const state = runFor(run);
  if (state) postBatch('batch', state, state.scorer.push(new Uint8Array(chunk)));
}

function finish({ run }) {
  const state = runFor(run);
  if (!state) return;
  const batch = state.scorer.finish();
  endRun();
  postBatch('done', state, batch);
}

function postBatch(type, state, batch) {
  const { csv, scores, lines, flags, ends, rows, scored, flagged, rejected, summary } = batch;
  const message = {
    type, run: state.run, scores, lines, flags, ends, rows, scored, flagged, rejected,
    csvBytes: csv.length, start: 0,
  };
  if (csv.length > 0) {
    state.pending.push(csv);
    state.pendingBytes += csv.length;
    if (!state.headerSent) {
      // The header is the first thing the scorer writes.
      message.start = headerLength(csv);
      message.header = csv.slice(0, message.start);
      state.headerSent = true;
    }
  }
  if (state.pending.length > 0 && (type === 'done' || state.pendingBytes >= BLOB_BYTES)) {
    message.blob = new Blob(state.pending);
    state.blobs.push(message.blob);
    state.pending = [];
    state.pendingBytes = 0;
  }
  if (type === 'done') {
    message.summary = summary;
    message.download = new Blob(state.blobs, { type: 'text/csv' });
  }
  self.postMessage(message, [scores.buffer, lines.buffer, flags.buffer, ends.buffer]);
}

/** Length of the first CSV line, its line end included (a quoted name may hold a line end). */
function headerLength(bytes) {
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) quoted = !quoted;
    else if (b === 0x0a && !quoted) return i + 1;
  }
  return bytes.length;
}

/** `bytes` holds lines back to back; `ends[i]` is where line i ends. */
function split({ id, bytes, ends }) {
  const all = new Uint8Array(bytes);
  const rows = [];
  let start = 0;
  for (const end of ends) {
    rows.push(splitRow(all.subarray(start, end)));
    start = end;
  }
  self.postMessage({ type: 'split', id, rows });
}

function explainRow({ id, header, row }) {
  self.postMessage({ type: 'explain', id, explanation: explain(header, row) });
}

/**
 * Indices of the rows to show: all, or the flagged ones, in file order or by score (rejected
 * rows last either way, ties in file order). Sorting millions of rows takes longer than a
 * frame, hence here.
 */
function order({ id, scores: scoreParts, flags: flagParts, attacksOnly, sort }) {
  const scores = concat(Float32Array, scoreParts);
  const flags = concat(Uint8Array, flagParts);
  const n = scores.length;
  let order = new Uint32Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (!attacksOnly || flags[i] & 1) order[kept++] = i;
  }
  order = order.slice(0, kept);
  if (sort === 'desc' || sort === 'asc') sortByScore(order, scores, sort === 'desc');
  self.postMessage({ type: 'order', id, order }, [order.buffer]);
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

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function describe(error) {
  if (error instanceof Error) return error.message || String(error);
  return String(error);
}
