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
// Out:
//   {type:'ready', card, threshold}
//   {type:'batch', run, csv, scores, lines, flags, ends, rows, scored, flagged, rejected}
//   {type:'done', run, ...batch, summary}
//   {type:'split', id, rows} | {type:'explain', id, explanation} | {type:'order', id, order}
//   {type:'error', run?|id?, message, fatal}  fatal: the module is unusable, start a new worker
//
// Runs are keyed by id so that several workers could later score parts of one file, each
// answering for its own run; nothing here assumes it is the only worker.

import init, { WasmScorer, explain, modelCard, modelThreshold, splitRow } from './neptune.js';
import { sampleFile } from './sample.js';

let scorer = null;
let scorerRun = null;
// Messages are handled one at a time, in order, after `init` has finished.
let queue = Promise.resolve();

self.addEventListener('message', (event) => {
  const message = event.data;
  queue = queue.then(() => handle(message));
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
    if (message.run !== undefined) dropScorer();
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
 * first file a person drops is scored two to three times slower than the next.
 */
async function warmUp(features) {
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
}

function scorerFor(run) {
  if (scorerRun !== run) {
    dropScorer();
    scorer = new WasmScorer();
    scorerRun = run;
  }
  return scorer;
}

function dropScorer() {
  scorer?.free();
  scorer = null;
  scorerRun = null;
}

function push({ run, chunk }) {
  const batch = scorerFor(run).push(new Uint8Array(chunk));
  postBatch('batch', run, batch);
}

function finish({ run }) {
  const batch = scorerFor(run).finish();
  dropScorer();
  postBatch('done', run, batch);
}

function postBatch(type, run, batch) {
  const { csv, scores, lines, flags, ends } = batch;
  self.postMessage({ ...batch, type, run }, [
    csv.buffer,
    scores.buffer,
    lines.buffer,
    flags.buffer,
    ends.buffer,
  ]);
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
function order({ id, scores, flags, attacksOnly, sort }) {
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
