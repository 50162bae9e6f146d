// @ts-check
// The scorer workers: each owns a wasm instance (see worker.js for the protocol they speak). The
// pool starts several so that a large file can be scored on every core (see run.js); with one
// worker the page works exactly the same, only slower on large files.

import { setFromReady } from './flags.js';
/** @import { RunReply, WorkerReply, WorkerRequest } from './protocol.js' */

// More workers than this gain little (reading the file and merging in order become the limit)
// and each costs a wasm instance and its memory.
const MAX_WORKERS = 4;

/** Workers for this machine: one per core, at most MAX_WORKERS, at least one. */
export function poolSize() {
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, MAX_WORKERS));
}

/**
 * The workers, all created at once. The primary fetches and compiles the wasm module; the others
 * are given the compiled module when it is ready (no second download or compile competing for the
 * cores on first load), and what is posted to them until then waits. A run posts to a chosen
 * worker (`primary`, or the least loaded by its own count: `leastLoaded`) with the worker's
 * `post`; one-off questions (split, explain, order) go to any ready worker with `request`.
 * Messages of runs come back through `onRunMessage`; `onReady` fires when the primary is ready
 * (the page is usable: a run waits for the others with `ready`), again after a restart; `onCrash`
 * whenever one fails (that worker is restarted when it can be).
 */
export class ScorerPool {
  constructor(size, { onRunMessage, onCrash, onReady }) {
    this.nextRequest = 0;
    /** Where `leastLoaded` starts looking: workers equally loaded take turns. */
    this.turn = 0;
    /** The model file the scorers use (Uint8Array), null for the built-in model. */
    this.model = null;
    /** @type {WebAssembly.Module | undefined} the compiled scorer, once the primary has it */
    this.module = undefined;
    this.workers = [];
    for (let i = 0; i < size; i++) {
      const primary = i === 0;
      this.workers.push(
        new ScorerWorker({
          model: () => this.model,
          module: () => this.module,
          onRunMessage,
          onCrash,
          onReady: (message) => {
            if (primary) {
              this.module = message.module;
              for (const worker of this.workers) worker.start();
            }
            if (this.isUsable) onReady(message);
          },
          start: primary,
        }),
      );
    }
  }

  get size() {
    return this.workers.length;
  }

  /** The worker that scores the start of every file: a run's primary scorer (see run.js). */
  get primary() {
    return this.workers[0];
  }

  /**
   * The worker with the smallest `load(worker)`, taking turns among equals.
   * @param {(worker: ScorerWorker) => number} load
   */
  leastLoaded(load) {
    const { workers } = this;
    let best = this.turn % workers.length;
    for (let k = 1; k < workers.length; k++) {
      const i = (this.turn + k) % workers.length;
      if (load(workers[i]) < load(workers[best])) best = i;
    }
    this.turn = best + 1;
    return workers[best];
  }

  get isReady() {
    return this.workers.every((worker) => worker.isReady);
  }

  /** Whether a file can be chosen: the primary is ready (a run waits for the others). */
  get isUsable() {
    return this.primary.isReady;
  }

  /** Resolves when the primary is ready; rejects if it could not start or was restarted. */
  get usable() {
    return this.primary.ready.then(() => undefined);
  }

  /** Resolves once every worker is ready; rejects if one could not start or was restarted. */
  get ready() {
    return Promise.all(this.workers.map((worker) => worker.ready)).then(([first]) => first);
  }

  /**
   * Asks a ready worker (taking turns), answered by id.
   * @template {WorkerRequest['type']} T
   * @param {T} type
   * @param {Omit<Extract<WorkerRequest, {type: T}>, 'type' | 'id'>} payload
   * @param {Transferable[]} [transfer]
   * @returns {Promise<Extract<WorkerReply, {type: T}>>}
   */
  request(type, payload, transfer = []) {
    const ready = this.workers.filter((worker) => worker.isReady);
    const candidates = ready.length > 0 ? ready : this.workers;
    const worker = candidates[this.nextRequest++ % candidates.length];
    return worker.request(type, payload, transfer);
  }

  /**
   * Scorers made from now on (and explanations) use the model file `bytes` (Uint8Array; null:
   * the built-in model), in every worker and in those restarted later. Resolves with its info.
   */
  async setModel(bytes) {
    // A worker refusing the bytes keeps its model: so does the pool.
    const [answer] = await Promise.all(this.workers.map((worker) => worker.request('model', { bytes })));
    this.model = bytes;
    return answer.info;
  }

  /** Ends every worker, whatever it was doing, and starts fresh ones. */
  restart() {
    for (const worker of this.workers) worker.restart();
  }
}

/**
 * One worker and its wasm module, loaded at once or by `start` (when the pool has the compiled
 * module). Runs talk to it with `post`; one-off questions with `request`, answered by id; what is
 * posted before it is told to load is sent after. `restart` ends it and starts a fresh one.
 */
class ScorerWorker {
  constructor({ model, module, onRunMessage, onCrash, onReady, start }) {
    this.model = model;
    this.module = module;
    this.onRunMessage = onRunMessage;
    this.onCrash = onCrash;
    this.onReady = onReady;
    this.nextId = 0;
    /** @type {[WorkerRequest, Transferable[]][] | null} messages posted before `init`, null after */
    this.unsent = [];
    this.expectReady();
    this.spawn();
    if (start) this.start();
  }

  /** Tells the worker to load its module (the pool's compiled one if it has it), unless told already. */
  start() {
    if (this.unsent === null) return;
    const worker = this.worker;
    const module = this.module();
    worker.postMessage(module ? { type: 'init', module } : { type: 'init', wasmHex: embeddedWasm() });
    const bytes = this.model();
    if (bytes) worker.postMessage({ type: 'model', bytes });
    for (const [message, transfer] of this.unsent) worker.postMessage(message, transfer);
    this.unsent = null;
  }

  /** A fresh `ready` promise, and no requests waiting. */
  expectReady() {
    this.pending = new Map();
    this.isReady = false;
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody may be waiting yet; a failure is reported through onCrash as well.
    this.ready.catch(() => {});
  }

  spawn() {
    const worker = createWorker();
    worker.addEventListener('message', (event) => this.receive(event.data));
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.crash(event.message || 'the scorer stopped with an error it could not report');
    });
    worker.addEventListener('messageerror', () =>
      this.crash('a message from the scorer could not be read'),
    );
    this.worker = worker;
  }

  restart() {
    this.worker.terminate();
    this.rejectPending('cancelled');
    this.rejectReady(new Error('cancelled'));
    this.expectReady();
    this.spawn();
    this.unsent = [];
    this.start();
  }

  /**
   * @param {WorkerRequest} message
   * @param {Transferable[]} [transfer]
   */
  post(message, transfer = []) {
    if (this.unsent === null) this.worker.postMessage(message, transfer);
    else this.unsent.push([message, transfer]);
  }

  /**
   * @template {WorkerRequest['type']} T
   * @param {T} type
   * @param {Omit<Extract<WorkerRequest, {type: T}>, 'type' | 'id'>} payload
   * @param {Transferable[]} [transfer]
   * @returns {Promise<Extract<WorkerReply, {type: T}>>}
   */
  request(type, payload, transfer = []) {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post(/** @type {WorkerRequest} */ ({ ...payload, type, id }), transfer);
    });
  }

  /** @param {WorkerReply} message */
  receive(message) {
    if (message.type === 'ready') {
      setFromReady(message);
      this.isReady = true;
      this.resolveReady(message);
      this.onReady(message);
      return;
    }
    const id = 'id' in message ? message.id : undefined;
    if (id !== undefined && this.pending.has(id)) {
      const { resolve, reject } = this.pending.get(id);
      this.pending.delete(id);
      if (message.type === 'error') reject(new Error(message.message));
      else resolve(message);
    } else if ('run' in message && message.run !== undefined) {
      this.onRunMessage(/** @type {RunReply} */ (message));
    }
    if (message.type === 'error' && message.fatal) {
      if (!this.isReady) {
        // The module cannot load: starting again would fail the same way.
        this.rejectReady(new Error(message.message));
        this.onCrash(`The scorer could not start: ${message.message}`, false);
      } else {
        this.onCrash(`The scorer failed: ${message.message}. It has been restarted.`, true);
        this.restart();
      }
    }
  }

  crash(reason) {
    const restartable = this.isReady;
    this.rejectPending(reason);
    this.rejectReady(new Error(reason));
    this.onCrash(
      restartable
        ? `The scorer stopped unexpectedly (${reason}). It has been restarted; choose the file again.`
        : `The scorer could not start: ${reason}`,
      restartable,
    );
    if (restartable) this.restart();
  }

  rejectPending(reason) {
    for (const { reject } of this.pending.values()) reject(new Error(reason));
    this.pending.clear();
  }
}

/**
 * A worker running `worker.js` next to this page, or, in the single-file build (opened from disk,
 * where a worker cannot be loaded by URL), the bundled worker embedded in the page as a classic
 * script (Chromium refuses a module worker from a blob: URL of a file:// page). Every worker of
 * the pool shares the one Blob URL.
 */
let embeddedWorkerUrl = null;
export function createWorker() {
  const embedded = document.getElementById('neptune-worker');
  if (embedded === null) {
    return new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  }
  embeddedWorkerUrl ??= URL.createObjectURL(
    new Blob([embedded.textContent], { type: 'text/javascript' }),
  );
  return new Worker(embeddedWorkerUrl);
}

/** The wasm bytes (hexadecimal) embedded by the single-file build, else undefined. */
export function embeddedWasm() {
  return document.getElementById('neptune-wasm')?.textContent.trim();
}
