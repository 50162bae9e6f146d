// @ts-check
// The page: wires the DOM to the scorer workers and renders what they report. No scoring here:
// pool.js runs the workers, run.js reads a file and scores it on them.

import { make } from './dom.js';
import { drawHistogram } from './histogram.js';
import { incidentsView } from './incidents.js';
import { ScorerPool, poolSize } from './pool.js';
import { ScoringRun } from './run.js';
import { sampleFile } from './sample.js';
import { ResultsTable, RowStore } from './table.js';
import { TrainingPanel } from './training.js';
import { formatBytes, metricsCard, modelCardView, percent } from './views.js';
import { averagePrecision, confusionAt, curvePoints, drawCurve, figuresOf, flaggedAt, rocAuc } from './threshold.js';

// Files scored faster than this never show a progress bar.
const PROGRESS_DELAY_MS = 120;
// The threshold goes into the URL's hash once the control has rested this long.
const HASH_DELAY_MS = 150;

const el = (id) => document.getElementById(id);
const ui = {
  fileInput: /** @type {HTMLInputElement} */ (el('file-input')),
  dropzone: /** @type {HTMLButtonElement} */ (el('dropzone')),
  dropzoneHint: el('dropzone-hint'),
  sample: /** @type {HTMLButtonElement} */ (el('sample')),
  cancel: el('cancel'),
  summary: el('summary'),
  status: el('status'),
  progressBox: el('progress-box'),
  progress: /** @type {HTMLProgressElement} */ (el('progress')),
  progressText: el('progress-text'),
  error: el('error'),
  figures: el('figures'),
  scored: el('fig-scored'),
  flagged: el('fig-flagged'),
  flaggedLabel: el('fig-flagged-label'),
  share: el('fig-share'),
  rejected: el('fig-rejected'),
  time: el('fig-time'),
  facts: el('file-facts'),
  notes: el('notes'),
  rejections: /** @type {HTMLDetailsElement} */ (el('rejections')),
  rejectionsTitle: el('rejections-title'),
  rejectionList: el('rejection-list'),
  rejectionsMore: el('rejections-more'),
  unknown: el('unknown'),
  unknownTitle: el('unknown-title'),
  unknownList: el('unknown-list'),
  download: /** @type {HTMLAnchorElement} */ (el('download')),
  downloadNote: el('download-note'),
  panels: el('panels'),
  histogram: el('histogram'),
  metricsSlot: el('metrics-slot'),
  incidentsSlot: el('incidents-slot'),
  resultsCard: el('results-card'),
  modelBody: el('model-body'),
  thresholdBox: el('threshold-box'),
  threshold: /** @type {HTMLInputElement} */ (el('threshold')),
  thresholdNumber: /** @type {HTMLInputElement} */ (el('threshold-number')),
  thresholdReset: /** @type {HTMLButtonElement} */ (el('threshold-reset')),
  thresholdNote: el('threshold-note'),
  curves: el('curves'),
  roc: el('roc'),
  rocCaption: el('roc-caption'),
  pr: el('pr'),
  prCaption: el('pr-caption'),
};

// ---- runs ----

let current = null;
let runCounter = 0;
let downloadUrl = null;
let modelCard = null;
/** The finished run shown, and the threshold its views follow. */
const view = {
  run: null, summary: null, output: null, threshold: null, downloadJob: null, featuresJob: null, curves: null, hashTimer: 0,
};
/**
 * The shown file scored again aside (the download at a moved threshold, a conn.log's features),
 * one job at a time: a worker keeps the scorers of one run only.
 */
const aside = { jobs: new Set(), queue: Promise.resolve() };

const pool = new ScorerPool(poolSize(), {
  onRunMessage(message) {
    if (current && current.id === message.run && !current.finished) current.job?.receive(message);
    else for (const job of aside.jobs) if (job.id === message.run) job.receive(message);
  },
  onCrash(message, restartable) {
    setReady(false, restartable ? 'Restarting the scorer…' : 'The scorer is not available.');
    if (current && !current.finished) fail(current, message);
    else showError(message);
  },
  onReady({ card }) {
    setReady(true);
    if (modelCard === null) {
      modelCard = JSON.parse(card);
      renderModel(modelCard);
    }
  },
});
const table = new ResultsTable((type, payload, transfer) => pool.request(type, payload, transfer));

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
  if (hashThreshold()) history.replaceState(null, '', location.pathname + location.search);
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
  const wasReady = pool.isReady;
  const run = {
    id: ++runCounter,
    file,
    store: new RowStore(),
    job: null,
    finished: false,
    startedAt: chosenAt,
    progressTimer: 0,
    progressFrame: 0,
    latest: null,
  };
  current = run;
  resetResults();
  training.runStarted(file);
  setState('working');
  ui.status.textContent = `Scoring ${file.name} (${formatBytes(file.size)})…`;
  ui.cancel.hidden = false;
  run.progressTimer = setTimeout(() => {
    ui.progressBox.hidden = false;
  }, PROGRESS_DELAY_MS);

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
    onProgress: (progress) => {
      run.latest = progress;
      scheduleProgress(run);
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

function scheduleProgress(run) {
  if (run.progressFrame) return;
  run.progressFrame = requestAnimationFrame(() => {
    run.progressFrame = 0;
    if (current !== run || run.finished || !run.latest) return;
    const { bytes, rows, flagged } = run.latest;
    ui.progress.value = run.file.size ? bytes / run.file.size : 1;
    ui.progressText.textContent =
      `${formatBytes(bytes)} of ${formatBytes(run.file.size)} · ` +
      `${rows.toLocaleString()} rows · ${flagged.toLocaleString()} flagged`;
  });
}

function endRun(run) {
  run.finished = true;
  run.job?.stop();
  clearTimeout(run.progressTimer);
  cancelAnimationFrame(run.progressFrame);
  ui.progressBox.hidden = true;
  ui.cancel.hidden = true;
}

function finishRun(run, result) {
  const { summary } = result;
  endRun(run);
  renderSummary(run, summary, performance.now() - run.startedAt);
  ui.panels.hidden = false;
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = null;
  view.output = result;
  ui.download.removeAttribute('href');
  ui.download.download = scoredName(run.file.name);
  ui.download.hidden = false;
  ui.downloadNote.hidden = false;

  const data = ui.summary.dataset;
  data.rows = String(summary.rows);
  data.flagged = String(summary.flagged);
  data.rejected = String(summary.rejected);
  // DESIGN.md's contract: `builtin`, or the sha256 of the model file in use.
  data.model = activeModel?.sha256 ?? 'builtin';
  view.run = run;
  view.summary = summary;
  // A conn.log row's window features come from the connections before it: it is explained
  // from the same row scored again with its computed features.
  table.explainFrom = summary.zeek ? (row) => featuredLines(run, row) : null;
  startThreshold(summary);
  training.runDone(run.file, summary);

  // `done` means the results are painted (DESIGN.md): the table's first page included, then
  // the frame that shows them. The time shown and reported runs to that frame.
  const shown = run.store.count === 0 ? Promise.resolve() : showTable(run, summary);
  shown.then(afterPaint).then(() => {
    if (current !== run) return;
    const elapsed = performance.now() - run.startedAt;
    ui.time.textContent = formatElapsed(elapsed);
    data.elapsedMs = String(Math.round(elapsed));
    setState('done');
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
  ui.status.textContent = `${run.file.name} could not be scored.`;
  setState('error');
}

function cancel() {
  if (!current || current.finished) return;
  const run = current;
  endRun(run);
  current = null;
  pool.restart();
  resetResults();
  ui.status.textContent = `Cancelled: ${run.file.name} was not scored.`;
  setState('idle');
}

/** Scores `job` once the side jobs before it are over. */
function runAside(job) {
  aside.jobs.add(job);
  const result = aside.queue.then(() => (job.over ? Promise.reject(new Error('cancelled')) : job.start()));
  aside.queue = result.catch(() => {});
  return result.finally(() => aside.jobs.delete(job));
}

/**
 * The header and row `row` of a conn.log scored with its features, cut to the features and the
 * score columns: the log's own `duration` and `service` would otherwise stand for the features of
 * those names (as they do in `neptune explain` today). The columns cut off come first, and the
 * kept ones hold neither commas nor quotes.
 */
async function featuredLines(run, row) {
  const store = await featuredRows(run);
  const { bytes } = await store.readLines([row]);
  const kept = modelCard.features.length + 2;
  return { header: lastFields(store.header, kept), row: lastFields(new Uint8Array(bytes), kept) };
}

/** The last `n` comma-separated fields of a CSV line (a copy). */
function lastFields(line, n) {
  let at = line.length;
  for (let i = 0; i < n && at > 0; i++) at = line.lastIndexOf(0x2c, at - 1);
  return line.slice(at + 1);
}

/** A conn.log's rows with their 41 computed features (`neptune score --features`), scored once. */
function featuredRows(run) {
  if (!run.featured) {
    const store = new RowStore();
    const job = new ScoringRun({
      id: ++runCounter, file: run.file, pool, features: true, onBatch: (message) => store.append(message), onProgress: () => {},
    });
    view.featuresJob = job;
    run.featured = runAside(job).then(
      () => store,
      (error) => {
        run.featured = null;
        throw error;
      },
    );
  }
  return run.featured;
}

// ---- the threshold ----

/** The threshold the URL's hash asks for: {value}, {bad: text}, or null when it names none. */
function hashThreshold() {
  const match = /(?:^#|&)threshold=([^&]*)/.exec(location.hash);
  if (!match) return null;
  const text = decodeURIComponent(match[1]);
  const value = Number(text);
  return text.trim() !== '' && value >= 0 && value <= 1 ? { value } : { bad: text };
}

/** Shows the control for a finished run, at the hash's threshold when it names a good one. */
function startThreshold(summary) {
  const usable = summary.score_counts !== null && summary.scored > 0;
  ui.thresholdBox.hidden = false;
  for (const control of [ui.threshold, ui.thresholdNumber, ui.thresholdReset]) control.disabled = !usable;
  ui.thresholdNote.textContent = usable
    ? ''
    : 'This file has too many distinct scores to move the threshold in the page: use `neptune score --threshold`.';
  const asked = hashThreshold();
  let start = summary.threshold;
  if (asked?.bad !== undefined) {
    ui.thresholdNote.textContent = `The link asks for threshold “${asked.bad}”, which is not a number between 0 and 1: the model’s is used.`;
  } else if (asked && usable) {
    start = asked.value;
  }
  applyThreshold(start, false);
}

/**
 * Makes every view follow threshold `t`, without rescoring: the summary's flagged count, the
 * histogram's line, the metrics, the curves' dots, the table's verdicts and filter; and the
 * hash, when `remember`.
 */
function applyThreshold(t, remember = true) {
  const { summary, run } = view;
  if (!summary) return;
  view.threshold = t;
  const model = summary.threshold;
  const moved = t !== model;
  ui.threshold.value = String(t);
  if (document.activeElement !== ui.thresholdNumber) ui.thresholdNumber.value = t.toFixed(3);
  ui.thresholdReset.disabled = !moved || ui.threshold.disabled;
  const counts = summary.score_counts;
  const flagged = moved ? flaggedAt(counts, t).reduce((a, b) => a + b, 0) : summary.flagged;
  const data = ui.summary.dataset;
  data.threshold = String(t);
  data.modelThreshold = String(model);
  data.flagged = String(flagged);
  ui.flagged.textContent = flagged.toLocaleString();
  ui.share.textContent = summary.scored ? `(${percent(flagged / summary.scored)} of scored rows)` : '';
  ui.status.textContent = summary.rows
    ? `${run.file.name}: ${summary.rows.toLocaleString()} connections, ${flagged.toLocaleString()} ${flaggedAs(summary)}` +
      (moved ? ` at threshold ${t.toFixed(3)} (the model’s is ${model.toFixed(3)}).` : '.')
    : `${run.file.name} holds a header but no rows.`;
  ui.facts.textContent = fileFacts(run, summary, t);
  drawHistogram(ui.histogram, summary.histogram, t);
  renderMetrics(moved ? labelledAt(summary, t) : summary.labelled, moved ? t : null);
  renderCurves(summary, t);
  table.setThreshold(moved ? t : undefined).catch(() => {});
  if (downloadUrl) ui.download.href = downloadUrl;
  delete ui.download.dataset.threshold;
  if (remember) {
    // Kept in the URL once the control rests (browsers throttle frequent history updates).
    clearTimeout(view.hashTimer);
    view.hashTimer = setTimeout(() => {
      history.replaceState(null, '', moved ? `#threshold=${t}` : location.pathname + location.search);
    }, HASH_DELAY_MS);
  }
}

/** The file's metrics at threshold `t`, from its counts per score. */
function labelledAt(summary, t) {
  const { labelled } = summary;
  if (labelled === null || !labelled.figures) return labelled;
  const confusion = confusionAt(summary.score_counts, t);
  return { ...labelled, confusion, figures: figuresOf(confusion) };
}

/** The curves of `summary`, drawn once per file; later calls only move their dots to `t`. */
function renderCurves(summary, t) {
  if (view.curves?.summary === summary) {
    for (const mark of view.curves.marks) mark(t);
    return;
  }
  const points = summary.labelled?.figures && summary.score_counts ? curvePoints(summary.score_counts) : null;
  ui.curves.hidden = points === null;
  if (points === null) return;
  const auc = rocAuc(points);
  const ap = averagePrecision(points);
  const pick = (threshold) => applyThreshold(threshold);
  const marks = [
    drawCurve(ui.roc, {
      points, x: (p) => p.fpr, y: (p) => p.tpr, xLabel: 'false positive rate', yLabel: 'true positive rate',
      title: 'ROC curve', threshold: t, onPick: pick,
    }),
    drawCurve(ui.pr, {
      points, x: (p) => p.tpr, y: (p) => p.precision, xLabel: 'recall', yLabel: 'precision',
      title: 'Precision-recall curve', threshold: t, onPick: pick,
    }),
  ];
  view.curves = { summary, marks };
  ui.roc.dataset.auc = String(auc);
  ui.pr.dataset.ap = String(ap);
  ui.rocCaption.textContent = `ROC curve · AUC ${auc.toFixed(6)}`;
  ui.prCaption.textContent = `Precision-recall curve · average precision ${ap.toFixed(6)}`;
}

function onThresholdInput(text) {
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && value <= 1)) return;
  applyThreshold(value);
}

ui.threshold.addEventListener('input', () => onThresholdInput(ui.threshold.value));
ui.threshold.addEventListener('change', () => onThresholdInput(ui.threshold.value));
ui.thresholdNumber.addEventListener('change', () => onThresholdInput(ui.thresholdNumber.value));
ui.thresholdNumber.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') onThresholdInput(ui.thresholdNumber.value);
});
ui.thresholdReset.addEventListener('click', () => {
  if (view.summary) applyThreshold(view.summary.threshold);
});
window.addEventListener('hashchange', () => {
  const asked = hashThreshold();
  if (view.summary && asked && asked.bad === undefined && asked.value !== view.threshold) applyThreshold(asked.value, false);
});

// The download at a moved threshold: the file is scored again with it (the CLI's
// `--threshold T` bytes), then handed over.
ui.download.addEventListener('click', async (event) => {
  ensureDownloadUrl();
  const { summary, run, threshold } = view;
  if (!summary || threshold === summary.threshold) return;
  if (ui.download.dataset.threshold === String(threshold)) return;
  event.preventDefault();
  view.downloadJob?.stop();
  const job = new ScoringRun({
    id: ++runCounter, file: run.file, pool, onBatch: () => {}, onProgress: () => {}, threshold,
  });
  view.downloadJob = job;
  ui.download.setAttribute('aria-busy', 'true');
  try {
    const { download } = await runAside(job);
    if (view.downloadJob !== job || view.threshold !== threshold) return;
    const url = URL.createObjectURL(download);
    ui.download.href = url;
    ui.download.dataset.threshold = String(threshold);
    ui.download.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    if (error.message !== 'cancelled') showError(`The CSV could not be written at this threshold: ${error.message}`);
  } finally {
    ui.download.removeAttribute('aria-busy');
    if (view.downloadJob === job) view.downloadJob = null;
  }
});

// ---- rendering ----

function setState(state) {
  ui.summary.dataset.state = state;
}

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

function resetResults() {
  const data = ui.summary.dataset;
  for (const key of ['rows', 'flagged', 'rejected', 'elapsedMs', 'threshold', 'modelThreshold', 'model']) delete data[key];
  view.run = null;
  view.summary = null;
  view.output = null;
  view.threshold = null;
  view.curves = null;
  view.downloadJob?.stop();
  view.downloadJob = null;
  view.featuresJob?.stop();
  view.featuresJob = null;
  table.explainFrom = null;
  clearTimeout(view.hashTimer);
  ui.thresholdBox.hidden = true;
  ui.thresholdNote.textContent = '';
  ui.curves.hidden = true;
  ui.error.hidden = true;
  ui.error.textContent = '';
  ui.progress.value = 0;
  ui.progressText.textContent = '';
  ui.progressBox.hidden = true;
  ui.figures.hidden = true;
  ui.facts.hidden = true;
  ui.notes.hidden = true;
  ui.rejections.hidden = true;
  ui.rejections.open = false;
  ui.unknown.hidden = true;
  ui.download.hidden = true;
  ui.download.removeAttribute('href');
  ui.downloadNote.hidden = true;
  ui.panels.hidden = true;
  ui.metricsSlot.replaceChildren();
  ui.incidentsSlot.replaceChildren();
  ui.resultsCard.hidden = true;
  table.clear();
}

/** What the status line calls the flagged rows: on a conn.log, not attacks as such (see incidents.js). */
function flaggedAs(summary) {
  return summary.zeek ? 'flagged as Neptune-like (failed TCP handshakes)' : 'flagged as Neptune attacks';
}

function fileFacts(run, summary, threshold) {
  const { zeek } = summary;
  return [
    formatBytes(run.file.size),
    ...(zeek
      ? [`Zeek conn.log (${zeek.form === 'json' ? 'JSON lines' : 'tab-separated'})`, `${summary.columns} fields`]
      : [
        summary.arff ? 'ARFF' : `${summary.delimiter}-separated`,
        summary.has_header ? 'with a header row' : 'no header: standard column order',
        `${summary.columns} columns`,
      ]),
    threshold === summary.threshold
      ? `threshold ${threshold.toFixed(3)} (the model’s)`
      : `threshold ${threshold.toFixed(3)} (the model’s is ${summary.threshold.toFixed(3)})`,
  ].join(' · ');
}

function formatElapsed(ms) {
  return ms < 10000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function renderSummary(run, summary, elapsed) {
  const { rows, scored, flagged, rejected } = summary;
  ui.status.textContent = rows
    ? `${run.file.name}: ${rows.toLocaleString()} connections, ${flagged.toLocaleString()} ${flaggedAs(summary)}.`
    : `${run.file.name} holds a header but no rows.`;
  ui.scored.textContent = scored.toLocaleString();
  ui.flagged.textContent = flagged.toLocaleString();
  ui.share.textContent = scored ? `(${percent(flagged / scored)} of scored rows)` : '';
  ui.flaggedLabel.textContent = summary.zeek ? 'flagged' : 'attacks flagged';
  ui.rejected.textContent = rejected.toLocaleString();
  ui.time.textContent = formatElapsed(elapsed);
  ui.figures.hidden = false;

  ui.facts.textContent = fileFacts(run, summary, summary.threshold);
  ui.facts.hidden = false;
  // How the columns were read where the file did not say so plainly (generic or misspelled
  // names, two label columns): the CLI prints the same sentences on stderr.
  ui.notes.replaceChildren(...summary.notes.map((note) => make('li', { text: note })));
  ui.notes.hidden = summary.notes.length === 0;
  if (summary.zeek) ui.incidentsSlot.replaceChildren(incidentsView(summary.zeek, summary.threshold));

  if (rejected > 0) {
    ui.rejectionsTitle.textContent = `${rejected.toLocaleString()} ${rejected === 1 ? 'row' : 'rows'} rejected: show the lines and reasons`;
    ui.rejectionList.replaceChildren(
      ...summary.rejections.map(({ line, reason }) => {
        const li = document.createElement('li');
        const where = document.createElement('span');
        where.className = 'num rejection-line';
        where.textContent = `line ${line.toLocaleString()}`;
        li.append(where, `: ${reason}`);
        return li;
      }),
    );
    const kept = summary.rejections.length;
    ui.rejectionsMore.hidden = kept >= rejected;
    ui.rejectionsMore.textContent = `The first ${kept.toLocaleString()} are listed; the download keeps every rejected row, with empty score columns.`;
    ui.rejections.hidden = false;
  }

  const unknown = Object.entries(summary.unknown_categories);
  if (unknown.length) {
    const n = summary.rows_with_unknown_categories;
    ui.unknownTitle.textContent = `${n.toLocaleString()} ${n === 1 ? 'row has' : 'rows have'} a category the model never saw`;
    ui.unknownList.replaceChildren(
      ...unknown.map(([column, names]) => {
        const li = document.createElement('li');
        const list = Object.entries(names)
          .map(([name, count]) => `${name} (${count.toLocaleString()} ${count === 1 ? 'row' : 'rows'})`)
          .join(', ');
        const col = document.createElement('code');
        col.textContent = column;
        li.append(col, `: ${list}`);
        return li;
      }),
    );
    ui.unknown.hidden = false;
  }
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

// For tests only: resolves once every worker's wasm module is ready.
Object.defineProperty(window, '__neptune', {
  value: Object.freeze({
    get ready() {
      return pool.ready.then(() => undefined);
    },
  }),
});
