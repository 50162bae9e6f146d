// @ts-check
// Views of what the scorer and the model card report, built as elements for the controller
// (app.js) and the training panel (training.js) to place: the metrics card, the model panel, and
// the number formats they share. Nothing here reads or changes the page's state.

import { figure, make } from './dom.js';

/** `x` in [0, 1] as a percentage with `digits` decimals (exactly 1 is `100%`). */
export function percent(x, digits = 1) {
  if (x === 1) return '100%';
  return `${(x * 100).toFixed(digits)}%`;
}

/** A size in B, KB, MB or GB (powers of 1024). */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/**
 * The metrics card of a labelled file (`data-testid="metrics"`), null without labels;
 * `threshold`: the moved threshold they are computed at (null: as scored).
 */
export function metricsCard(labelled, threshold = null) {
  if (labelled === null) return null;
  const section = make('section', { className: 'card metrics' });
  section.dataset.testid = 'metrics';
  section.setAttribute('aria-labelledby', 'metrics-title');
  const title = make('h2', { id: 'metrics-title', text: 'Against the file’s labels' });
  section.append(title);
  const { confusion, figures, otherAttacks: others, unlabelled } = labelled;
  // In the names of the CLI's `eval --json` (src/metrics.rs `Confusion`), for comparing the two.
  section.dataset.confusion = JSON.stringify({
    true_positive: confusion.truePositive,
    false_positive: confusion.falsePositive,
    true_negative: confusion.trueNegative,
    false_negative: confusion.falseNegative,
  });
  const groups = labelled.attackGroups ?? {};
  const groupNames = Object.keys(groups);
  if (figures) {
    section.dataset.accuracy = String(figures.accuracy);
    const grid = make('div', { className: 'figures figures-small' });
    for (const [label, value] of [
      ['accuracy', figures.accuracy],
      ['precision', figures.precision],
      ['recall', figures.recall],
      ['F1', figures.f1],
    ]) {
      grid.append(figure(percent(value, 2), label));
    }
    section.append(
      grid,
      make('p', {
        className: 'note',
        text: `${figures.errors.toLocaleString()} ${figures.errors === 1 ? 'error' : 'errors'} in ${figures.rows.toLocaleString()} rows labelled normal or Neptune.`,
      }),
      confusionTable(confusion),
    );
  } else {
    const why = groupNames.length
      ? `No row is labelled Neptune: the labels name groups of attacks (${groupNames.join(', ')}), which may hold Neptune among others, so Neptune’s accuracy cannot be measured from them.`
      : 'No row is labelled Neptune, so Neptune’s accuracy cannot be measured.';
    const unsupported = make('p', { className: 'note', text: why });
    unsupported.dataset.testid = 'metrics-unsupported';
    const notes = [unsupported];
    const normal = confusion.trueNegative + confusion.falsePositive;
    if (normal > 0) {
      notes.push(make('p', {
        text: `${normal.toLocaleString()} rows labelled normal: ${confusion.falsePositive.toLocaleString()} flagged as Neptune (false alarms).`,
      }));
    }
    section.append(...notes);
  }
  // Per name, rows are counted as scored: at a moved threshold, say so.
  const asScored = threshold === null ? '' : ' (flagged at the model’s threshold)';
  if (groupNames.length) {
    section.append(countsTable(`Groups of attacks (Neptune may be among them), counted apart${asScored}`, Object.entries(groups)));
  }
  const otherNames = Object.entries(others);
  if (otherNames.length) {
    section.append(countsTable(`Other attack types, counted apart (the model was trained for Neptune only)${asScored}`, otherNames));
  }
  if (unlabelled > 0) {
    section.append(make('p', { className: 'note', text: `${unlabelled.toLocaleString()} scored rows had an empty label.` }));
  }
  return section;
}

/** A table of label -> rows and rows flagged, under `caption`. */
export function countsTable(caption, entries) {
  const table = make('table', { className: 'data-table' });
  table.append(make('caption', { text: caption }));
  const head = make('tr');
  for (const name of ['label', 'rows', 'flagged as Neptune']) head.append(make('th', { text: name, scope: 'col' }));
  table.append(make('thead'), make('tbody'));
  table.tHead.append(head);
  for (const [name, { rows, flagged }] of entries) {
    const tr = make('tr');
    tr.append(
      make('th', { text: name, scope: 'row' }),
      make('td', { className: 'num', text: rows.toLocaleString() }),
      make('td', { className: 'num', text: flagged.toLocaleString() }),
    );
    table.tBodies[0].append(tr);
  }
  return table;
}

/** The confusion matrix of `c` (`{truePositive, falsePositive, trueNegative, falseNegative}`). */
export function confusionTable(c) {
  const table = make('table', { className: 'confusion' });
  table.append(make('caption', { text: 'Confusion matrix: rows are the labels, columns the verdicts' }));
  const head = make('tr');
  head.append(make('td'), make('th', { text: 'flagged attack', scope: 'col' }), make('th', { text: 'passed as normal', scope: 'col' }));
  const body = make('tbody');
  const row = (label, hit, hitName, miss, missName, hitGood) => {
    const tr = make('tr');
    tr.append(make('th', { text: label, scope: 'row' }));
    for (const [count, name, good] of [[hit, hitName, hitGood], [miss, missName, !hitGood]]) {
      const td = make('td', { className: `num ${good ? 'cell-right' : count ? 'cell-wrong' : ''}` });
      td.append(make('span', { className: 'confusion-count', text: count.toLocaleString() }), make('span', { className: 'confusion-name', text: name }));
      tr.append(td);
    }
    body.append(tr);
  };
  row('labelled Neptune', c.truePositive, 'true positives', c.falseNegative, 'missed', true);
  row('labelled normal', c.falsePositive, 'false alarms', c.trueNegative, 'true negatives', false);
  const thead = make('thead');
  thead.append(head);
  table.append(thead, body);
  return table;
}

/**
 * What the model panel shows of a model card: none for a model file without one (the line above
 * the panel then says what it is).
 */
export function modelCardView(card) {
  if (!card) return [];
  const parts = [];
  parts.push(make('p', { className: 'lead', text: `${card.name ?? 'Model'}: ${card.kind ?? ''}.` }));
  if (card.score) parts.push(make('p', { text: `Score: ${card.score}.` }));
  if (card.threshold !== undefined) {
    parts.push(make('p', {
      text: `A row is flagged when its score is at least ${card.threshold.toFixed(3)}` +
        (card.thresholdRule ? ` (${card.thresholdRule}).` : '.'),
    }));
  }
  const v = card.validation;
  if (v) {
    const grid = make('div', { className: 'figures figures-small' });
    for (const [label, value] of [['accuracy', v.accuracy], ['precision', v.precision], ['recall', v.recall], ['ROC AUC', v.rocAuc]]) {
      if (value !== undefined) grid.append(figure(percent(value, 2), label));
    }
    const holdout = card.training?.holdout ? ` (${card.training.holdout})` : '';
    parts.push(
      make('h3', { text: 'Validation on held-out rows' }),
      grid,
      make('p', { className: 'note', text: `${(v.errors ?? 0).toLocaleString()} errors in ${(v.rows ?? 0).toLocaleString()} held-out rows${holdout}.` }),
    );
  }
  if (card.training || card.dataSource) {
    const t = card.training ?? {};
    parts.push(make('p', {
      text: `Trained on ${(t.trainingRows ?? t.rowsUsed ?? 0).toLocaleString()} rows of ${t.file ?? 'the training file'}` +
        (card.dataSource ? ` from ${card.dataSource}.` : '.'),
    }));
  }
  if (card.model) {
    const m = card.model;
    parts.push(make('p', {
      className: 'note',
      text: `${m.trees} trees, ${m.nodes?.toLocaleString()} nodes, ${formatBytes(m.bytes)} embedded in the page.`,
    }));
  }
  if (Array.isArray(card.comparison) && card.comparison.length) {
    const table = make('table', { className: 'data-table' });
    table.append(make('caption', { text: 'Candidates compared on the same held-out rows' }));
    const head = make('tr');
    for (const name of ['model', 'errors', 'accuracy', 'size']) head.append(make('th', { text: name, scope: 'col' }));
    const thead = make('thead');
    thead.append(head);
    const body = make('tbody');
    for (const c of card.comparison) {
      const tr = make('tr');
      tr.append(
        make('th', { text: c.name, scope: 'row' }),
        make('td', { className: 'num', text: String(c.errors) }),
        make('td', { className: 'num', text: percent(c.accuracy, 3) }),
        make('td', { className: 'num', text: formatBytes(c.bytes) }),
      );
      body.append(tr);
    }
    table.append(thead, body);
    parts.push(table);
  }
  if (Array.isArray(card.features)) {
    const details = make('details', { className: 'details' });
    details.append(make('summary', { text: `The ${card.features.length} features it reads` }));
    const list = make('ul', { className: 'feature-list' });
    for (const name of card.features) list.append(make('li', { text: name }));
    details.append(list);
    if (Array.isArray(card.notFeatures)) {
      for (const note of card.notFeatures) details.append(make('p', { className: 'note', text: `Not used: ${note}.` }));
    }
    parts.push(details);
  }
  return parts;
}
