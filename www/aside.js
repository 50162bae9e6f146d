// @ts-check
// The file shown, scored again aside while its results stay on screen: at a moved threshold
// (the download: the CLI's `--threshold T` bytes) or with a conn.log's 41 computed features (a
// row is explained from them). One job at a time: a worker keeps the scorers of one run only.
// The controller (app.js) routes the jobs' messages here and says when the file shown changes.

import { ScoringRun } from './run.js';
import { RowStore } from './table.js';
/** @import { ScorerPool } from './pool.js' */

/** The jobs scoring the shown file aside, and their queue. */
export class AsideRuns {
  /**
   * `nextId()`: a run id no other run of the pool has (the workers' messages are routed by it).
   * @param {{pool: ScorerPool, nextId: () => number}} options
   */
  constructor({ pool, nextId }) {
    this.pool = pool;
    this.nextId = nextId;
    /** @type {Set<ScoringRun>} */
    this.jobs = new Set();
    this.queue = Promise.resolve();
    /** The download at a moved threshold being scored, and the conn.log's features. */
    this.downloadJob = null;
    this.featuresJob = null;
    /** run -> a promise of its file's rows with their features, once asked for. */
    this.featured = new WeakMap();
  }

  /** Hands a worker's message to the job it is for, if it is one of these. */
  receive(message) {
    for (const job of this.jobs) if (job.id === message.run) job.receive(message);
  }

  /** Stops the jobs of the file shown: another is coming, or none. */
  stop() {
    this.downloadJob?.stop();
    this.downloadJob = null;
    this.featuresJob?.stop();
    this.featuresJob = null;
  }

  /**
   * The scored CSV of `file` at `threshold` (a Blob), scored again; null when a later call
   * replaced this one before it was done. Throws `cancelled` when stopped.
   * @param {File} file
   * @param {number} threshold
   */
  async scoredAt(file, threshold) {
    this.downloadJob?.stop();
    const job = this.job(file, { threshold });
    this.downloadJob = job;
    try {
      const { download } = await this.run(job);
      return this.downloadJob === job ? download : null;
    } finally {
      if (this.downloadJob === job) this.downloadJob = null;
    }
  }

  /**
   * The header and row `row` of a conn.log scored with its features, cut to the last `kept`
   * fields, the features and the score columns: the log's own `duration` and `service` would
   * otherwise stand for the features of those names (as they do in `neptune explain` today). The
   * columns cut off come first, and the kept ones hold neither commas nor quotes.
   * @param {{file: File}} run
   * @param {number} row
   * @param {number} kept
   */
  async featuredLines(run, row, kept) {
    const store = await this.featuredRows(run);
    const { bytes } = await store.readLines([row]);
    return { header: lastFields(store.header, kept), row: lastFields(new Uint8Array(bytes), kept) };
  }

  /** A conn.log's rows with their 41 computed features (`neptune score --features`), scored once per run. */
  featuredRows(run) {
    if (!this.featured.has(run)) {
      const store = new RowStore();
      const job = this.job(run.file, { features: true, onBatch: (message) => store.append(message) });
      this.featuresJob = job;
      this.featured.set(run, this.run(job).then(
        () => store,
        (error) => {
          this.featured.delete(run);
          throw error;
        },
      ));
    }
    return this.featured.get(run);
  }

  /**
   * A run of `file` with its own id, reporting no progress.
   * @param {File} file
   * @param {{threshold?: number, features?: boolean, onBatch?: (message: any) => void}} options
   */
  job(file, { threshold = undefined, features = undefined, onBatch = () => {} }) {
    return new ScoringRun({ id: this.nextId(), file, pool: this.pool, features, onBatch, onProgress: () => {}, threshold });
  }

  /** Scores `job` once the jobs before it are over. */
  run(job) {
    this.jobs.add(job);
    const result = this.queue.then(() => (job.over ? Promise.reject(new Error('cancelled')) : job.start()));
    this.queue = result.catch(() => {});
    return result.finally(() => this.jobs.delete(job));
  }
}

/** The last `n` comma-separated fields of a CSV line (a copy). */
function lastFields(line, n) {
  let at = line.length;
  for (let i = 0; i < n && at > 0; i++) at = line.lastIndexOf(0x2c, at - 1);
  return line.slice(at + 1);
}
