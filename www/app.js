// @ts-check
// The page's controller: wires the DOM to the scorer workers and each run to the views that show
// it. It holds the runs (started, cancelled, failed, finished), the download, the model in use
// and the file chosen or dropped. The views: progress.js, summary.js, threshold-view.js,
// histogram.js, views.js (the metrics card, the model panel) and table.js; aside.js scores the
// file shown again (a download at a moved threshold, a conn.log's features). No scoring here:
// pool.js runs the workers, run.js reads a file and scores it on them.

import { AsideRuns } from './aside.js';
import { byId } from './dom.js';
import { drawHistogram } from './histogram.js';
import { ScorerPool, poolSize } from './pool.js';
import { ProgressView } from './progress.js';
import { ScoringRun } from './run.js';
import { sampleFile } from './sample.js';
import { SummaryView } from './summary.js';
import { ResultsTable, RowStore } from './table.js';
import { ThresholdView, forgetHashThreshold } from './threshold-view.js';
import { TrainingPanel } from './training.js';
import { formatBytes, metricsCard, modelCardView } from './views.js';
/** @import { ThresholdChange } from './threshold-view.js' */

const ui = {
  fileInput: /** @type {HTMLInputElement} */ (byId('file-input')),
  dropzone: /** @type {HTMLButtonElement} */ (byId('dropzone')),
  dropzoneHint: byId('dropzone-hint'),
  sample: /** @type {HTMLButtonElement} */ (byId('sample')),
  cancel: byId('cancel'),
  error: byId('error'),
  download: /** @type {HTMLAnchorElement} */ (byId('download')),
  downloadNote: byId('download-note'),
  panels: byId('panels'),
  histogram: byId('histogram'),
  metricsSlot: byId('metrics-slot'),
  resultsCard: byId('results-card'),
  modelBody: byId('model-body'),
};
const summaryView = new SummaryView();
const progress = new ProgressView();
const thresholds = new ThresholdView({ onChange: followThreshold });

// ---- runs ----

let current = null;
let runCounter = 0;
let downloadUrl = null;
let modelCard = null;
/** The finished run shown (its threshold is `thresholds.value`). */
const view = { run: null, summary: null, output: null };

const pool = new ScorerPool(poolSize(), {
  onRunMessage(message) {
    if (current && current.id === message.run && !current.finished) current.job?.receive(message);
    else aside.receive(message);
  },
  onCrash(message, restartable) {
    setReady(false, restartable ? 'Restarting the scorer…' : 'The scorer is not available.');
    if (current && !current.finished) fail(current, message);
    else showError(message);
  },
  onReady({ card }) {
    setReady(true);
    if (modelCard === null) {
      modelCard = card;
      // Drawn once the page is usable (the card is at the bottom of the page), unless a model
      // of the visitor's is in use by then.
      setTimeout(() => {
        if (activeModel === null) renderModel(modelCard);
      }, 0);
      // Unseen, while the page is idle: the first results then draw as fast as later ones.
      // (Safari has no requestIdleCallback.)
      const warm = () => table.warmUp(ui.resultsCard, modelCard.features);
      if (typeof requestIdleCallback === 'function') requestIdleCallback(warm, { timeout: 2000 });
      else setTimeout(warm, 500);
    }
  },
});
const table = new ResultsTable((type, payload, transfer) => pool.request(type, payload, transfer));
const aside = new AsideRuns({ pool, nextId: () => ++runCounter });

// ---- the model in use (training.js trains models and loads model files) ----

/** The custom model scoring files ({bytes, sha256, card, source}), null for the built-in one. */
let activeModel = null;
const training = new TrainingPanel({
  pool,
  useModel,
  builtinCard: () => modelCard,
});

/** Scores with `model` from now on (null: the built-in model), the file shown again first. */
async function useModel(model) {
  await pool.setModel(model?.bytes ?? null);
  activeModel = model;
  renderModel(model ? model.card : modelCard);
  // A threshold in the link was chosen for the other model.
  forgetHashThreshold();
  const file = current && !current.finished ? current.file : view.run?.file;
  if (file) score(file);
}

/** Scores `file` on the workers (see run.js), rendering its progress and its results. */
async function score(file) {
  const chosenAt = performance.now();
  if (current && !current.finished) {
    endRun(current);
    pool.restart();
  }
  const wasReady = pool.isUsable;
  const run = {
    id: ++runCounter,
    file,
    store: new RowStore(),
    job: null,
    finished: false,
    startedAt: chosenAt,
  };
  current = run;
  resetResults();
  training.runStarted(file);
  summaryView.setState('working');
  summaryView.setStatus(`Scoring ${file.name} (${formatBytes(file.size)})…`);
  ui.cancel.hidden = false;
  progress.start(file.size);

  try {
    await pool.ready;
  } catch (error) {
    if (current === run && !run.finished) fail(run, `The scorer could not start: ${error.message}`);
    return;
  }
  if (current !== run || run.finished) return;
  // The clock runs from the choice of file, or from the moment the scorers became ready if the
  // file came first (chosen during page load, or after a restart).
  if (!wasReady) run.startedAt = performance.now();

  run.job = new ScoringRun({
    id: run.id,
    file,
    pool,
    onBatch: (message) => run.store.append(message),
    preview: true,
    onProgress: (report) => {
      if (current === run && !run.finished) progress.update(report);
    },
  });
  let result;
  try {
    result = await run.job.start();
  } catch (error) {
    if (current === run && !run.finished) fail(run, error.message);
    return;
  }
  if (current === run && !run.finished) finishRun(run, result);
}

function endRun(run) {
  run.finished = true;
  run.job?.stop();
  progress.stop();
  ui.cancel.hidden = true;
}

function finishRun(run, result) {
  const { summary } = result;
  endRun(run);
  summaryView.show(run.file, summary, {
    elapsed: performance.now() - run.startedAt,
    model: activeModel?.sha256 ?? 'builtin',
  });
  ui.panels.hidden = false;
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = null;
  view.output = result;
  ui.download.removeAttribute('href');
  ui.download.download = scoredName(run.file.name);
  ui.download.hidden = false;
  ui.downloadNote.hidden = false;
  view.run = run;
  view.summary = summary;
  // A conn.log row's window features come from the connections before it: it is explained
  // from the same row scored again with its computed features.
  table.explainFrom = summary.zeek ? (row) => aside.featuredLines(run, row, modelCard.features.length + 2) : null;
  thresholds.start(summary);
  training.runDone(run.file, summary);

  // `done` means the results are painted (DESIGN.md): the table's first page included, then
  // the frame that shows them. The time shown and reported runs to that frame.
  const shown = run.store.count === 0 ? Promise.resolve() : showTable(run, summary);
  shown.then(afterPaint).then(() => {
    if (current !== run) return;
    const elapsed = performance.now() - run.startedAt;
    summaryView.showElapsed(elapsed);
    summaryView.setState('done');
    // The download's Blob, off the path to the results.
    setTimeout(ensureDownloadUrl, 0);
  });
}

function showTable(run, summary) {
  ui.resultsCard.hidden = false;
  return table.show(run.store, summary).catch((error) => {
    if (error.message !== 'cancelled') showError(`The table could not be shown: ${error.message}`);
  });
}

/** Resolves once the DOM as it stands has been painted: after the next frame. */
function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Makes the download link's URL for the results shown, once (the Blob is made on first use). */
function ensureDownloadUrl() {
  if (downloadUrl || !view.output) return;
  downloadUrl = URL.createObjectURL(view.output.download);
  if (ui.download.dataset.threshold === undefined) ui.download.href = downloadUrl;
}

function fail(run, message) {
  endRun(run);
  showError(message);
  summaryView.setStatus(`${run.file.name} could not be scored.`);
  summaryView.setState('error');
}

function cancel() {
  if (!current || current.finished) return;
  const run = current;
  endRun(run);
  current = null;
  pool.restart();
  resetResults();
  summaryView.setStatus(`Cancelled: ${run.file.name} was not scored.`);
  summaryView.setState('idle');
}

// The download at a moved threshold: the file is scored again with it (the CLI's
// `--threshold T` bytes), then handed over.
ui.download.addEventListener('click', async (event) => {
  ensureDownloadUrl();
  const { summary, run } = view;
  const threshold = thresholds.value;
  if (!summary || threshold === summary.threshold) return;
  if (ui.download.dataset.threshold === String(threshold)) return;
  event.preventDefault();
  const scored = aside.scoredAt(run.file, threshold);
  ui.download.setAttribute('aria-busy', 'true');
  try {
    const download = await scored;
    if (download === null || thresholds.value !== threshold) return;
    const url = URL.createObjectURL(download);
    ui.download.href = url;
    ui.download.dataset.threshold = String(threshold);
    ui.download.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    if (error.message !== 'cancelled') showError(`The CSV could not be written at this threshold: ${error.message}`);
  } finally {
    ui.download.removeAttribute('aria-busy');
  }
});

// ---- rendering ----

function setReady(ready, hint) {
  ui.dropzone.disabled = !ready;
  ui.sample.disabled = !ready;
  ui.dropzoneHint.textContent = ready
    ? 'A Zeek conn.log (tab-separated or JSON lines), or a CSV or ARFF with the 41 NSL-KDD / KDD Cup 99 features. Press Enter to choose.'
    : hint;
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

/** Clears what the run before showed. */
function resetResults() {
  summaryView.clear();
  view.run = null;
  view.summary = null;
  view.output = null;
  aside.stop();
  table.explainFrom = null;
  thresholds.clear();
  ui.error.hidden = true;
  ui.error.textContent = '';
  progress.clear();
  ui.download.hidden = true;
  ui.download.removeAttribute('href');
  ui.downloadNote.hidden = true;
  ui.panels.hidden = true;
  ui.metricsSlot.replaceChildren();
  ui.resultsCard.hidden = true;
  table.clear();
}

/**
 * Makes the views follow a threshold moved in threshold-view.js, without rescoring: the
 * summary's flagged count, the histogram's line, the metrics, the table's verdicts and filter,
 * and the download (scored again at it when clicked).
 * @param {ThresholdChange} change
 */
function followThreshold({ threshold, moved, flagged, labelled }) {
  const { summary, run } = view;
  summaryView.showThreshold(run.file, summary, threshold, flagged);
  drawHistogram(ui.histogram, summary.histogram, threshold);
  renderMetrics(labelled, moved ? threshold : null);
  table.setThreshold(moved ? threshold : undefined).catch(() => {});
  if (downloadUrl) ui.download.href = downloadUrl;
  delete ui.download.dataset.threshold;
}

/** The metrics card, when the file had labels (see views.js). */
function renderMetrics(labelled, threshold = null) {
  const card = metricsCard(labelled, threshold);
  if (card) ui.metricsSlot.replaceChildren(card);
}

function renderModel(card) {
  ui.modelBody.replaceChildren(...modelCardView(card));
}

/** `<name without extension>.scored.csv`, with only [A-Za-z0-9._-]: never a path. */
function scoredName(name) {
  const base = name.split(/[/\\]/).pop().replace(/\.[^.]*$/, '');
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return `${safe || 'connections'}.scored.csv`;
}

// ---- wiring ----

function choose(file) {
  if (file) score(file);
}

ui.dropzone.addEventListener('click', () => ui.fileInput.click());
ui.fileInput.addEventListener('change', () => {
  const file = ui.fileInput.files[0];
  // Cleared so that choosing the same file again runs again.
  ui.fileInput.value = '';
  choose(file);
});
ui.sample.addEventListener('click', () => {
  if (modelCard) choose(sampleFile(modelCard.features));
});
ui.cancel.addEventListener('click', cancel);

// Dropping anywhere on the page works; the drop zone shows where.
let dragDepth = 0;
document.addEventListener('dragenter', (event) => {
  event.preventDefault();
  dragDepth++;
  ui.dropzone.classList.toggle('dragging', !ui.dropzone.disabled);
});
document.addEventListener('dragleave', () => {
  if (--dragDepth <= 0) {
    dragDepth = 0;
    ui.dropzone.classList.remove('dragging');
  }
});
document.addEventListener('dragover', (event) => {
  event.preventDefault();
  event.dataTransfer.dropEffect = ui.dropzone.disabled ? 'none' : 'copy';
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  ui.dropzone.classList.remove('dragging');
  if (!ui.dropzone.disabled) choose(event.dataTransfer.files[0]);
});

// For tests and the benchmark: resolves once the page is usable (the primary scorer is ready; a
// run waits for the other workers itself).
Object.defineProperty(window, '__neptune', {
  value: Object.freeze({
    get ready() {
      return pool.usable;
    },
  }),
});
