// @ts-check
// The summary of a scored file: the status line, the figures, the file's facts, the notes on how
// its columns were read, the rejected rows and unknown categories, a conn.log's incidents, and
// the `data-*` attributes on the summary section that the tests and scripts read (DESIGN.md).
// The controller (app.js) hands it each file's summary and says when; it reads no page state.

import { byId, make } from './dom.js';
import { incidentsView } from './incidents.js';
import { formatBytes, percent } from './views.js';

/** The summary section's attributes that belong to one file's results. */
const RESULT_DATA = ['rows', 'flagged', 'rejected', 'elapsedMs', 'threshold', 'modelThreshold', 'model'];

/**
 * The file a summary is of: its name and size (a File will do).
 * @typedef {{name: string, size: number}} FileFacts
 */

/** The summary section (`data-testid="summary"`) and the elements below it that it fills. */
export class SummaryView {
  constructor() {
    this.ui = {
      section: byId('summary'),
      status: byId('status'),
      figures: byId('figures'),
      scored: byId('fig-scored'),
      flagged: byId('fig-flagged'),
      flaggedLabel: byId('fig-flagged-label'),
      share: byId('fig-share'),
      rejected: byId('fig-rejected'),
      time: byId('fig-time'),
      facts: byId('file-facts'),
      notes: byId('notes'),
      rejections: /** @type {HTMLDetailsElement} */ (byId('rejections')),
      rejectionsTitle: byId('rejections-title'),
      rejectionList: byId('rejection-list'),
      rejectionsMore: byId('rejections-more'),
      unknown: byId('unknown'),
      unknownTitle: byId('unknown-title'),
      unknownList: byId('unknown-list'),
      incidentsSlot: byId('incidents-slot'),
    };
  }

  /** The section's `data-state`: `idle`, `working`, `done` or `error`. */
  setState(state) {
    this.ui.section.dataset.state = state;
  }

  /** The status line, for what the controller says itself (scoring, cancelled, failed). */
  setStatus(text) {
    this.ui.status.textContent = text;
  }

  /** Hides what a file's results showed and drops their attributes. */
  clear() {
    const { ui } = this;
    const data = ui.section.dataset;
    for (const key of RESULT_DATA) delete data[key];
    ui.figures.hidden = true;
    ui.facts.hidden = true;
    ui.notes.hidden = true;
    ui.rejections.hidden = true;
    ui.rejections.open = false;
    ui.unknown.hidden = true;
    ui.incidentsSlot.replaceChildren();
  }

  /**
   * Shows `summary`, the results of `file` scored in `elapsed` ms by `model` (`builtin`, or the
   * sha256 of the model file in use), at the model's threshold.
   * @param {FileFacts} file
   * @param {any} summary
   * @param {{elapsed: number, model: string}} run
   */
  show(file, summary, { elapsed, model }) {
    const { ui } = this;
    const { rows, scored, flagged, rejected } = summary;
    this.showThreshold(file, summary, summary.threshold, flagged);
    ui.scored.textContent = scored.toLocaleString();
    ui.flaggedLabel.textContent = summary.zeek ? 'flagged' : 'attacks flagged';
    ui.rejected.textContent = rejected.toLocaleString();
    ui.time.textContent = formatElapsed(elapsed);
    ui.figures.hidden = false;
    ui.facts.hidden = false;
    // How the columns were read where the file did not say so plainly (generic or misspelled
    // names, two label columns): the CLI prints the same sentences on stderr.
    ui.notes.replaceChildren(...summary.notes.map((note) => make('li', { text: note })));
    ui.notes.hidden = summary.notes.length === 0;
    if (summary.zeek) ui.incidentsSlot.replaceChildren(incidentsView(summary.zeek, summary.threshold));
    if (rejected > 0) this.showRejections(summary);
    this.showUnknown(summary);

    const data = ui.section.dataset;
    data.rows = String(rows);
    data.rejected = String(rejected);
    // DESIGN.md's contract: `builtin`, or the sha256 of the model file in use.
    data.model = model;
  }

  /** The rejected rows the summary keeps, with their lines and reasons. */
  showRejections(summary) {
    const { ui } = this;
    const { rejected } = summary;
    ui.rejectionsTitle.textContent = `${rejected.toLocaleString()} ${rejected === 1 ? 'row' : 'rows'} rejected: show the lines and reasons`;
    ui.rejectionList.replaceChildren(
      ...summary.rejections.map(({ line, reason }) => {
        const li = make('li');
        li.append(make('span', { className: 'num rejection-line', text: `line ${line.toLocaleString()}` }), `: ${reason}`);
        return li;
      }),
    );
    const kept = summary.rejections.length;
    ui.rejectionsMore.hidden = kept >= rejected;
    ui.rejectionsMore.textContent = `The first ${kept.toLocaleString()} are listed; the download keeps every rejected row, with empty score columns.`;
    ui.rejections.hidden = false;
  }

  /** The category names the model never saw, per column, when there are any. */
  showUnknown(summary) {
    const { ui } = this;
    const unknown = Object.entries(summary.unknownCategories);
    if (!unknown.length) return;
    const n = summary.rowsWithUnknownCategories;
    ui.unknownTitle.textContent = `${n.toLocaleString()} ${n === 1 ? 'row has' : 'rows have'} a category the model never saw`;
    ui.unknownList.replaceChildren(
      ...unknown.map(([column, names]) => {
        const li = make('li');
        const list = Object.entries(names)
          .map(([name, count]) => `${name} (${count.toLocaleString()} ${count === 1 ? 'row' : 'rows'})`)
          .join(', ');
        li.append(make('code', { text: column }), `: ${list}`);
        return li;
      }),
    );
    ui.unknown.hidden = false;
  }

  /**
   * What the summary says at threshold `t`, at which `flagged` rows are flagged: the flagged
   * count and share, the status line, the facts and the attributes (`data-threshold`,
   * `data-model-threshold`, `data-flagged`).
   * @param {FileFacts} file
   * @param {any} summary
   * @param {number} t
   * @param {number} flagged
   */
  showThreshold(file, summary, t, flagged) {
    const { ui } = this;
    const model = summary.threshold;
    const moved = t !== model;
    const data = ui.section.dataset;
    data.threshold = String(t);
    data.modelThreshold = String(model);
    data.flagged = String(flagged);
    ui.flagged.textContent = flagged.toLocaleString();
    ui.share.textContent = summary.scored ? `(${percent(flagged / summary.scored)} of scored rows)` : '';
    ui.status.textContent = summary.rows
      ? `${file.name}: ${summary.rows.toLocaleString()} connections, ${flagged.toLocaleString()} ${flaggedAs(summary)}` +
        (moved ? ` at threshold ${t.toFixed(3)} (the model’s is ${model.toFixed(3)}).` : '.')
      : `${file.name} holds a header but no rows.`;
    ui.facts.textContent = fileFacts(file, summary, t);
  }

  /** The time the results took to show, once they are painted. */
  showElapsed(elapsed) {
    this.ui.time.textContent = formatElapsed(elapsed);
    this.ui.section.dataset.elapsedMs = String(Math.round(elapsed));
  }
}

/** What the status line calls the flagged rows: on a conn.log, not attacks as such (see incidents.js). */
function flaggedAs(summary) {
  return summary.zeek ? 'flagged as Neptune-like (failed TCP handshakes)' : 'flagged as Neptune attacks';
}

/** The line under the figures: the file's size and form, and the threshold it is shown at. */
function fileFacts(file, summary, threshold) {
  const { zeek } = summary;
  return [
    formatBytes(file.size),
    ...(zeek
      ? [`Zeek conn.log (${zeek.form === 'json' ? 'JSON lines' : 'tab-separated'})`, `${summary.columns} fields`]
      : [
        summary.arff ? 'ARFF' : `${summary.delimiter}-separated`,
        summary.hasHeader ? 'with a header row' : 'no header: standard column order',
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
