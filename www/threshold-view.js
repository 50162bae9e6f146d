// @ts-check
// The threshold control of a finished run: the slider, the number and the reset button, the
// ROC and precision-recall curves (a point picked on them is a threshold), and the threshold in
// the URL's hash (`#threshold=T`), so that a link shows the file's verdicts at it. Moving it
// rescores nothing: threshold.js computes what it flags from the summary's counts per score,
// and the controller (app.js), told through `onChange`, makes the other views follow.

import { byId } from './dom.js';
import { averagePrecision, confusionAt, curvePoints, drawCurve, figuresOf, flaggedAt, rocAuc } from './threshold.js';

// The threshold goes into the URL's hash once the control has rested this long.
const HASH_DELAY_MS = 150;

/**
 * A threshold chosen: `threshold`, whether it `moved` off the model's, the rows `flagged` at it
 * and the file's metrics at it (`labelled`: the summary's as scored when not moved; null without
 * labels).
 * @typedef {{threshold: number, moved: boolean, flagged: number, labelled: any}} ThresholdChange
 */

/** The threshold the URL's hash asks for: {value}, {bad: text}, or null when it names none. */
function hashThreshold() {
  const match = /(?:^#|&)threshold=([^&]*)/.exec(location.hash);
  if (!match) return null;
  const text = decodeURIComponent(match[1]);
  const value = Number(text);
  return text.trim() !== '' && value >= 0 && value <= 1 ? { value } : { bad: text };
}

/** Drops a threshold from the URL's hash: it was chosen for another model. */
export function forgetHashThreshold() {
  if (hashThreshold()) history.replaceState(null, '', location.pathname + location.search);
}

/** The control, the curves and the hash, following one finished run's summary at a time. */
export class ThresholdView {
  /**
   * `onChange(change)`: the threshold is now `change.threshold`, called at once on every move.
   * @param {{onChange: (change: ThresholdChange) => void}} options
   */
  constructor({ onChange }) {
    this.onChange = onChange;
    /** The summary followed, null between runs. */
    this.summary = null;
    /** The threshold shown, null between runs. */
    this.value = null;
    /** The curves drawn: the summary they are of and the functions moving their dots. */
    this.curves = null;
    this.hashTimer = 0;
    this.ui = {
      box: byId('threshold-box'),
      threshold: /** @type {HTMLInputElement} */ (byId('threshold')),
      number: /** @type {HTMLInputElement} */ (byId('threshold-number')),
      reset: /** @type {HTMLButtonElement} */ (byId('threshold-reset')),
      note: byId('threshold-note'),
      curves: byId('curves'),
      roc: byId('roc'),
      rocCaption: byId('roc-caption'),
      pr: byId('pr'),
      prCaption: byId('pr-caption'),
    };
    const { ui } = this;
    ui.threshold.addEventListener('input', () => this.onInput(ui.threshold.value));
    ui.threshold.addEventListener('change', () => this.onInput(ui.threshold.value));
    ui.number.addEventListener('change', () => this.onInput(ui.number.value));
    ui.number.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.onInput(ui.number.value);
    });
    ui.reset.addEventListener('click', () => {
      if (this.summary) this.set(this.summary.threshold);
    });
    window.addEventListener('hashchange', () => {
      const asked = hashThreshold();
      if (this.summary && asked && asked.bad === undefined && asked.value !== this.value) this.set(asked.value, false);
    });
  }

  /** Shows the control for a finished run, at the hash's threshold when it names a good one. */
  start(summary) {
    const { ui } = this;
    this.summary = summary;
    const usable = summary.scoreCounts !== null && summary.scored > 0;
    ui.box.hidden = false;
    for (const control of [ui.threshold, ui.number, ui.reset]) control.disabled = !usable;
    ui.note.textContent = usable
      ? ''
      : 'This file has too many distinct scores to move the threshold in the page: use `neptune score --threshold`.';
    const asked = hashThreshold();
    let start = summary.threshold;
    if (asked?.bad !== undefined) {
      ui.note.textContent = `The link asks for threshold “${asked.bad}”, which is not a number between 0 and 1: the model’s is used.`;
    } else if (asked && usable) {
      start = asked.value;
    }
    this.set(start, false);
  }

  /**
   * Makes every view follow threshold `t`, without rescoring: the control, then (through
   * `onChange`) the summary, the histogram, the metrics, the table and the download, then the
   * curves' dots; and the hash, when `remember`.
   */
  set(t, remember = true) {
    const { summary, ui } = this;
    if (!summary) return;
    this.value = t;
    const model = summary.threshold;
    const moved = t !== model;
    ui.threshold.value = String(t);
    if (document.activeElement !== ui.number) ui.number.value = t.toFixed(3);
    ui.reset.disabled = !moved || ui.threshold.disabled;
    const flagged = moved ? flaggedAt(summary.scoreCounts, t).reduce((a, b) => a + b, 0) : summary.flagged;
    this.onChange({ threshold: t, moved, flagged, labelled: moved ? labelledAt(summary, t) : summary.labelled });
    this.drawCurves(summary, t);
    if (remember) {
      // Kept in the URL once the control rests (browsers throttle frequent history updates).
      clearTimeout(this.hashTimer);
      this.hashTimer = setTimeout(() => {
        history.replaceState(null, '', moved ? `#threshold=${t}` : location.pathname + location.search);
      }, HASH_DELAY_MS);
    }
  }

  /** The curves of `summary`, drawn once per file; later calls only move their dots to `t`. */
  drawCurves(summary, t) {
    const { ui } = this;
    if (this.curves?.summary === summary) {
      for (const mark of this.curves.marks) mark(t);
      return;
    }
    const points = summary.labelled?.figures && summary.scoreCounts ? curvePoints(summary.scoreCounts) : null;
    ui.curves.hidden = points === null;
    if (points === null) return;
    const auc = rocAuc(points);
    const ap = averagePrecision(points);
    const pick = (threshold) => this.set(threshold);
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
    this.curves = { summary, marks };
    ui.roc.dataset.auc = String(auc);
    ui.pr.dataset.ap = String(ap);
    ui.rocCaption.textContent = `ROC curve · AUC ${auc.toFixed(6)}`;
    ui.prCaption.textContent = `Precision-recall curve · average precision ${ap.toFixed(6)}`;
  }

  /** Hides the control and the curves, and forgets the run: a new file is coming, or none. */
  clear() {
    const { ui } = this;
    this.summary = null;
    this.value = null;
    this.curves = null;
    clearTimeout(this.hashTimer);
    ui.box.hidden = true;
    ui.note.textContent = '';
    ui.curves.hidden = true;
  }

  onInput(text) {
    const value = Number(text);
    if (text.trim() === '' || !(value >= 0 && value <= 1)) return;
    this.set(value);
  }
}

/** The file's metrics at threshold `t`, from its counts per score. */
function labelledAt(summary, t) {
  const { labelled } = summary;
  if (labelled === null || !labelled.figures) return labelled;
  const confusion = confusionAt(summary.scoreCounts, t);
  return { ...labelled, confusion, figures: figuresOf(confusion) };
}
