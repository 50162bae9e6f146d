// @ts-check
// Training a model in the page, comparing it with the built-in one, and model files: the
// "Your own model" card. Training runs in a worker of its own (worker.js's `train`, which uses
// `neptune train --no-compare`'s code), so the page stays free and cancel is a terminate; model
// files are checked by a scorer worker (`inspect`) before any scorer uses them. Which model
// scores the file is app.js's business: this module asks for a model through `useModel`.

import { byId, make } from './dom.js';
import { createWorker, embeddedWasm } from './pool.js';
import { confusionTable, formatBytes, percent } from './views.js';
/** @import { Evaluation } from './neptune.js' */
/** @import { ScorerPool } from './pool.js' */

// The seed of the stratified 80/20 split and of the forest: fixed, so that the CLI gives the
// same model (`neptune train --data FILE --seed 42 --no-compare`).
const SEED = 42;
// How often the elapsed time is repainted while a tree is growing.
const TICK_MS = 250;

/**
 * A model file to score with: its bytes, their sha256, its card (null for a file loaded
 * without one) and where it came from, in words.
 * @typedef {{bytes: Uint8Array, sha256: string, card: object | null, source: string}} Model
 */

/** The card's controls, and what it knows of the file shown and of the model in use. */
export class TrainingPanel {
  /**
   * `useModel(model)`: score with `model` ({bytes, sha256, card, source}) or, given null, the
   * built-in model; resolves once every scorer has it, throws when a scorer refuses it.
   * `builtinCard()`: the embedded model's card.
   * @param {{pool: ScorerPool, useModel: (model: Model | null) => Promise<void>,
   *   builtinCard: () => any}} options
   */
  constructor({ pool, useModel, builtinCard }) {
    this.pool = pool;
    this.useModel = useModel;
    this.builtinCard = builtinCard;
    this.file = null;
    this.job = null;
    this.result = null;
    this.inUse = null;
    this.downloadUrl = null;
    this.ui = {
      train: /** @type {HTMLButtonElement} */ (byId('train')),
      unavailable: byId('train-unavailable'),
      training: byId('training'),
      progress: /** @type {HTMLProgressElement} */ (byId('training-progress')),
      text: byId('training-text'),
      cancel: byId('training-cancel'),
      comparison: byId('comparison'),
      use: /** @type {HTMLButtonElement} */ (byId('use-model')),
      download: /** @type {HTMLAnchorElement} */ (byId('model-download')),
      input: /** @type {HTMLInputElement} */ (byId('model-input')),
      builtin: byId('use-builtin'),
      error: byId('model-error'),
      inUse: byId('model-in-use'),
    };
    this.ui.train.addEventListener('click', () => this.start());
    this.ui.cancel.addEventListener('click', () => this.cancel());
    this.ui.use.addEventListener('click', () => this.choose(this.trainedModel()));
    this.ui.builtin.addEventListener('click', () => this.choose(null));
    this.ui.input.addEventListener('change', () => {
      const file = this.ui.input.files[0];
      this.ui.input.value = '';
      if (file) this.load(file);
    });
    this.showInUse();
  }

  /** A run of `file` started: what concerned another file goes. */
  runStarted(file) {
    if (file === this.file) return;
    this.stop();
    this.file = null;
    this.result = null;
    this.ui.comparison.hidden = true;
    this.ui.training.hidden = true;
    this.ui.train.hidden = true;
    this.ui.unavailable.hidden = true;
  }

  /** `file` is scored: training is offered when its labels tell normal from Neptune rows. */
  runDone(file, summary) {
    this.file = file;
    const labelled = Boolean(summary.labelled?.figures);
    this.ui.train.hidden = !labelled;
    this.ui.unavailable.hidden = labelled;
    this.ui.unavailable.textContent = summary.labelled
      ? 'Training needs rows labelled Neptune and rows labelled normal: this file has no Neptune label.'
      : 'Training needs a label column (normal / neptune, or 0 / 1): this file has none.';
  }

  start() {
    const file = this.file;
    if (!file) return;
    this.stop();
    this.result = null;
    this.ui.comparison.hidden = true;
    const worker = createWorker();
    const job = { worker, file, startedAt: performance.now(), progress: null, timer: 0 };
    this.job = job;
    worker.addEventListener('message', (event) => this.receive(job, event.data));
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.fail(job, event.message || 'the training worker stopped unexpectedly');
    });
    worker.postMessage({ type: 'init', wasmHex: embeddedWasm(), warm: false });
    worker.postMessage({ type: 'train', id: 1, file, seed: SEED });
    job.timer = setInterval(() => this.paint(job), TICK_MS);
    this.setState('training');
    this.ui.training.hidden = false;
    this.ui.cancel.hidden = false;
    this.ui.train.disabled = true;
    this.ui.progress.hidden = false;
    this.ui.progress.removeAttribute('value');
    this.paint(job);
  }

  receive(job, message) {
    if (job !== this.job) return;
    if (message.type === 'training') {
      job.progress = message;
      this.paint(job);
    } else if (message.type === 'trained') {
      this.done(job, message.result);
    } else if (message.type === 'error') {
      this.fail(job, message.message);
    }
  }

  paint(job) {
    const p = job.progress;
    const seconds = ((performance.now() - job.startedAt) / 1000).toFixed(1);
    if (p) {
      this.ui.progress.max = p.trees;
      this.ui.progress.value = p.treesBuilt;
    }
    this.ui.text.textContent = p
      ? `Training on ${job.file.name}: ${p.treesBuilt} of ${p.trees} trees · ${p.trainingRows.toLocaleString()} training rows, ` +
        `${p.holdoutRows.toLocaleString()} held out (stratified 80/20 split, seed ${SEED}) · ${seconds} s`
      : `Reading ${job.file.name} (stratified 80/20 split, seed ${SEED}) · ${seconds} s`;
  }

  /** Ends the job without a word (the file changed). */
  stop() {
    const job = this.job;
    if (!job) return;
    this.job = null;
    clearInterval(job.timer);
    job.worker.terminate();
    this.ui.cancel.hidden = true;
    this.ui.train.disabled = false;
    this.ui.progress.hidden = true;
  }

  cancel() {
    if (!this.job) return;
    this.stop();
    this.setState('cancelled');
    this.ui.text.textContent = 'Training cancelled: no model was made.';
  }

  fail(job, message) {
    if (job !== this.job) return;
    this.stop();
    this.setState('error');
    this.ui.text.textContent = `No model could be trained on ${job.file.name}: ${message}`;
  }

  done(job, result) {
    const seconds = (performance.now() - job.startedAt) / 1000;
    this.stop();
    this.result = { ...result, file: job.file, seconds };
    this.ui.text.textContent =
      `Trained on ${job.file.name} in ${seconds.toFixed(1)} s: ${result.trees} trees, ${result.nodes.toLocaleString()} nodes, ` +
      `${formatBytes(result.bytes)}.`;
    this.ui.training.dataset.sha256 = result.sha256;
    this.ui.training.dataset.seconds = seconds.toFixed(2);
    this.ui.training.dataset.memoryBytes = String(result.memoryBytes);
    this.showComparison(this.result);
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = URL.createObjectURL(new Blob([result.model], { type: 'application/octet-stream' }));
    this.ui.download.href = this.downloadUrl;
    this.ui.download.download = `neptune-model-${result.sha256.slice(0, 12)}.postcard`;
    this.showInUse();
    // `done` once the comparison is painted.
    this.setState('done');
  }

  trainedModel() {
    const r = this.result;
    return {
      bytes: r.model, sha256: r.sha256, card: r.card,
      source: `trained in this page on ${r.file.name} (${r.counts.trainingRows.toLocaleString()} training rows, ` +
        `${r.counts.holdoutRows.toLocaleString()} held out; stratified 80/20 split, seed ${r.seed})`,
    };
  }

  /** The held-out rows' figures of the new model beside the built-in one's. */
  showComparison(r) {
    const builtinBytes = this.builtinCard()?.model?.bytes;
    const table = make('table', { className: 'data-table' });
    table.append(make('caption', {
      text: `On the ${r.counts.holdoutRows.toLocaleString()} held-out rows of ${r.file.name} ` +
        `(stratified 80/20 split, seed ${r.seed}); the new model never saw them.`,
    }));
    const head = make('tr');
    for (const name of ['', 'trained here', 'built-in']) head.append(make('th', { text: name, scope: 'col' }));
    const thead = make('thead');
    thead.append(head);
    const body = make('tbody');
    /** @type {[string, (e: Evaluation) => string][]} */
    const rows = [
      ['errors', (e) => e.figures.errors.toLocaleString()],
      ['accuracy', (e) => percent(e.figures.accuracy, 3)],
      ['precision', (e) => percent(e.figures.precision, 3)],
      ['recall', (e) => percent(e.figures.recall, 3)],
      ['F1', (e) => percent(e.figures.f1, 3)],
      ['ROC AUC', (e) => e.rocAuc.toFixed(6)],
      ['threshold', (e) => e.threshold.toFixed(4)],
    ];
    for (const [label, value] of rows) {
      const tr = make('tr');
      tr.append(make('th', { text: label, scope: 'row' }), make('td', { className: 'num', text: value(r.holdout) }),
        make('td', { className: 'num', text: value(r.builtin) }));
      body.append(tr);
    }
    const size = make('tr');
    size.append(make('th', { text: 'size', scope: 'row' }), make('td', { className: 'num', text: formatBytes(r.bytes) }),
      make('td', { className: 'num', text: builtinBytes ? formatBytes(builtinBytes) : '' }));
    body.append(size);
    table.append(thead, body);
    const matrices = make('div', { className: 'comparison-matrices' });
    for (const [title, e] of [['Trained here', r.holdout], ['Built-in', r.builtin]]) {
      const box = make('div');
      box.append(make('h3', { text: title }), confusionTable(e.confusion));
      matrices.append(box);
    }
    const slot = byId('comparison-body');
    slot.replaceChildren(table, matrices);
    this.ui.comparison.dataset.errors = String(r.holdout.figures.errors);
    this.ui.comparison.dataset.builtinErrors = String(r.builtin.figures.errors);
    this.ui.comparison.hidden = false;
  }

  /** Reads a model file, has a worker check it, then scores with it. */
  async load(file) {
    this.ui.error.hidden = true;
    let bytes;
    let info;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
      ({ info } = await this.pool.request('inspect', { bytes }));
    } catch (error) {
      this.refuse(`${file.name} cannot be used: ${error.message}.`);
      return;
    }
    await this.choose({
      bytes, sha256: info.sha256, card: null,
      source: `the model file ${file.name} (${info.trees} trees, ${info.nodes.toLocaleString()} nodes, ` +
        `${formatBytes(info.bytes)}, threshold ${info.threshold.toFixed(4)})`,
    });
  }

  async choose(model) {
    this.ui.error.hidden = true;
    try {
      await this.useModel(model);
    } catch (error) {
      this.refuse(`That model cannot be used: ${error.message}.`);
      return;
    }
    this.inUse = model;
    this.showInUse();
  }

  refuse(message) {
    this.ui.error.textContent = message;
    this.ui.error.hidden = false;
  }

  /** Says which model scores, where it came from, and offers the way back. */
  showInUse() {
    const model = this.inUse;
    const line = this.ui.inUse;
    line.dataset.model = model ? model.sha256 : 'builtin';
    if (model) {
      const sha = make('code', { text: model.sha256 });
      line.replaceChildren(`In use: a model ${model.source}, sha256 `, sha, '.');
    } else {
      line.textContent = 'In use: the built-in model.';
    }
    this.ui.builtin.hidden = model === null;
    const trainedInUse = model !== null && model.sha256 === this.result?.sha256;
    this.ui.use.disabled = trainedInUse;
    this.ui.use.textContent = trainedInUse ? 'This model is in use' : 'Use this model';
  }

  setState(state) {
    this.ui.training.dataset.state = state;
  }
}
