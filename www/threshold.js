// @ts-check
// The threshold in the analyst's hands: what a threshold flags, and the ROC and precision-recall
// curves, computed from the summary's counts per exact score (`scoreCounts`: distinct scores,
// highest first, each with its rows per kind of label), never from a pass over the rows. A few
// hundred distinct scores on NSL-KDD: any threshold is a few microseconds, whatever the file's size.

import { svgNode as node } from './dom.js';

// Kinds of label, as the Rust library counts them (`LabelKind::code`).

const NORMAL = 1;
const NEPTUNE = 2;
const KINDS = 5;

/** Rows of each kind of label whose score is at least `threshold`. */
export function flaggedAt(scoreCounts, threshold) {
  const flagged = new Array(KINDS).fill(0);
  for (const [score, counts] of scoreCounts) {
    if (score < threshold) break;
    for (let k = 0; k < KINDS; k++) flagged[k] += counts[k];
  }
  return flagged;
}

/** Rows of each kind of label, flagged or not. */
export function totals(scoreCounts) {
  return flaggedAt(scoreCounts, -Infinity);
}

/** The confusion matrix at `threshold`, as the library's `Confusion`. */
export function confusionAt(scoreCounts, threshold) {
  const flagged = flaggedAt(scoreCounts, threshold);
  const all = totals(scoreCounts);
  return {
    truePositive: flagged[NEPTUNE],
    falseNegative: all[NEPTUNE] - flagged[NEPTUNE],
    falsePositive: flagged[NORMAL],
    trueNegative: all[NORMAL] - flagged[NORMAL],
  };
}

/** Accuracy, precision, recall, F1, errors and rows: the library's `Confusion::figures`. */
export function figuresOf(c) {
  const ratio = (a, b) => (b === 0 ? 0 : a / b);
  const rows = c.truePositive + c.falsePositive + c.trueNegative + c.falseNegative;
  const precision = ratio(c.truePositive, c.truePositive + c.falsePositive);
  const recall = ratio(c.truePositive, c.truePositive + c.falseNegative);
  return {
    accuracy: ratio(c.truePositive + c.trueNegative, rows),
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    errors: c.falsePositive + c.falseNegative,
    rows,
  };
}

/**
 * The curve's points, as `neptune eval --curve` writes them: first nothing flagged, then one
 * point per distinct score of a row labelled normal or Neptune, highest first. Null without
 * both classes.
 */
export function curvePoints(scoreCounts) {
  const all = totals(scoreCounts);
  const positives = all[NEPTUNE];
  const negatives = all[NORMAL];
  if (positives === 0 || negatives === 0) return null;
  const point = (threshold, tp, fp) => ({
    threshold,
    tpr: tp / positives,
    fpr: fp / negatives,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
  });
  const points = [point(Infinity, 0, 0)];
  let tp = 0;
  let fp = 0;
  for (const [score, counts] of scoreCounts) {
    if (counts[NEPTUNE] + counts[NORMAL] === 0) continue;
    tp += counts[NEPTUNE];
    fp += counts[NORMAL];
    points.push(point(score, tp, fp));
  }
  return points;
}

/** Area under the ROC curve (trapezoids: ties count half, as `neptune eval`'s ROC-AUC). */
export function rocAuc(points) {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  }
  return area;
}

/** Average precision, as `neptune eval`'s: the sum of (recall gained) x precision. */
export function averagePrecision(points) {
  let ap = 0;
  for (let i = 1; i < points.length; i++) ap += (points[i].tpr - points[i - 1].tpr) * points[i].precision;
  return ap;
}

/** The point in effect at `threshold`: the last whose threshold is at least it. */
export function pointAt(points, threshold) {
  let at = points[0];
  for (const p of points) {
    if (p.threshold < threshold) break;
    at = p;
  }
  return at;
}

// ---- drawing ----

const SIZE = 220;
const PAD = { left: 38, right: 10, top: 10, bottom: 34 };

/**
 * One curve as an SVG in `container`: `x(p)`, `y(p)` place a point in [0, 1]; the point in
 * effect at `threshold` is marked. Pressing or dragging on the plot calls `onPick(threshold)`
 * with the nearest point's threshold; the arrow keys step along the points. Returns a function
 * that moves the mark to another threshold (the curve itself does not change with it).
 */
export function drawCurve(container, { points, x, y, xLabel, yLabel, title, threshold, onPick }) {
  const w = SIZE - PAD.left - PAD.right;
  const h = SIZE - PAD.top - PAD.bottom;
  const px = (v) => PAD.left + v * w;
  const py = (v) => PAD.top + (1 - v) * h;
  const svg = node('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, class: 'curve', role: 'slider', tabindex: 0 });
  svg.setAttribute('aria-label', `${title}: the current threshold is marked; press or drag to move it, or use the arrow keys`);
  svg.append(node('rect', { x: PAD.left, y: PAD.top, width: w, height: h, class: 'curve-frame' }));
  for (const t of [0, 0.5, 1]) {
    const tx = node('text', { x: px(t), y: SIZE - PAD.bottom + 14, class: 'curve-tick', 'text-anchor': 'middle' });
    tx.textContent = String(t);
    const ty = node('text', { x: PAD.left - 6, y: py(t) + 4, class: 'curve-tick', 'text-anchor': 'end' });
    ty.textContent = String(t);
    svg.append(tx, ty);
  }
  const xl = node('text', { x: PAD.left + w / 2, y: SIZE - 4, class: 'curve-label', 'text-anchor': 'middle' });
  xl.textContent = xLabel;
  const yl = node('text', { x: 12, y: PAD.top + h / 2, class: 'curve-label', 'text-anchor': 'middle', transform: `rotate(-90 12 ${PAD.top + h / 2})` });
  yl.textContent = yLabel;
  svg.append(xl, yl);
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${px(x(p)).toFixed(2)},${py(y(p)).toFixed(2)}`).join('');
  svg.append(node('path', { d, class: 'curve-line' }));
  const marker = node('circle', { r: 5, class: 'curve-marker' });
  svg.append(marker);
  let at = points[0];
  /** Moves the dot to the point in effect at `t`. */
  const mark = (t) => {
    at = pointAt(points, t);
    marker.setAttribute('cx', px(x(at)).toFixed(2));
    marker.setAttribute('cy', py(y(at)).toFixed(2));
  };
  mark(threshold);

  const pick = (event) => {
    const box = svg.getBoundingClientRect();
    const sx = ((event.clientX - box.left) / box.width) * SIZE;
    const sy = ((event.clientY - box.top) / box.height) * SIZE;
    let best = points[1] ?? points[0];
    let bestDistance = Infinity;
    for (const p of points.slice(1)) {
      const distance = (px(x(p)) - sx) ** 2 + (py(y(p)) - sy) ** 2;
      if (distance < bestDistance) {
        best = p;
        bestDistance = distance;
      }
    }
    onPick(best.threshold);
  };
  svg.addEventListener('pointerdown', (event) => {
    svg.setPointerCapture(event.pointerId);
    pick(event);
  });
  svg.addEventListener('pointermove', (event) => {
    if (svg.hasPointerCapture(event.pointerId)) pick(event);
  });
  svg.addEventListener('keydown', (event) => {
    const i = points.indexOf(at);
    // Right/up: more rows flagged (a lower threshold); left/down: fewer.
    const step = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const next = points[Math.min(Math.max(i + step, 1), points.length - 1)];
    onPick(next.threshold);
  });
  container.replaceChildren(svg);
  return mark;
}

