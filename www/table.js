// @ts-check
// The results view: a compact store of scored rows and a paged table over it.
//
// A million rows must not cost a million DOM nodes or strings. Per row the store keeps only typed
// arrays (score, flags, the length of its scored CSV line: 11 bytes, 2 more for a line of 64 KB
// or more, and the line number when lines are not consecutive: 4 more) in fixed-size segments,
// so that it grows without copying; the scored CSV stays in Blobs (a few MB each), which the
// browser may page out, or for a small file in the bytes the worker sent. A page of rows is sliced from those and split
// into fields by the worker. Filtering and
// sorting also run in the worker, on copies of the scores and flags made a segment at a time.

import { byId } from './dom.js';
import { ROW, labelKindOf } from './flags.js';

// The label kinds of a row's flags, by code (see `LabelKind::code` in src/score.rs).
const LABEL_KINDS = ['', 'normal', 'neptune', 'other attack', 'attack group'];
const SEGMENT_BITS = 18;
const SEGMENT_ROWS = 1 << SEGMENT_BITS;
const SEGMENT_MASK = SEGMENT_ROWS - 1;

/**
 * Puts the lines of `count` rows in `segment` from row `at`: `lines`, or consecutive lines from
 * `lines` when a number (the worker sends a number whenever a batch's lines are consecutive).
 * Nothing is kept while they go on from the segment's first line one by one.
 */
function setLines(segment, at, lines, count) {
  if (segment.lines === null) {
    if (lines === segment.firstLine + at) return;
    segment.lines = new Uint32Array(SEGMENT_ROWS);
    for (let k = 0; k < at; k++) segment.lines[k] = segment.firstLine + k;
  }
  if (typeof lines === 'number') {
    for (let i = 0; i < count; i++) segment.lines[at + i] = lines + i;
  } else {
    segment.lines.set(lines, at);
  }
}

/**
 * Puts the lengths of `count` rows' scored CSV lines in `segment` from row `at`, their ends
 * being `ends` (from the start of their batch's CSV, whose first row starts at `start`).
 * Lengths are kept in 16 bits until one needs more.
 */
function setLengths(segment, at, ends, start, count) {
  let previous = start;
  for (let i = 0; i < count; i++) {
    const length = ends[i] - previous;
    previous = ends[i];
    if (length > 0xffff && segment.lengths instanceof Uint16Array) {
      segment.lengths = Uint32Array.from(segment.lengths);
    }
    segment.lengths[at + i] = length;
  }
}

/** The rows of one run, in file order. */
export class RowStore {
  constructor() {
    this.count = 0;
    /**
     * {scores: Float64Array, flags: Uint8Array, lengths: Uint16Array or Uint32Array (of each
     * row's scored CSV line), firstLine, lines}: `lines`
     * (Uint32Array) is null while the segment's rows lie on consecutive lines from `firstLine`,
     * as a file without blank lines or line breaks inside fields has them.
     */
    this.segments = [];
    /**
     * Batches that hold rows: {blob, offset, first, count, start}: the batch's scored CSV lies
     * in `blob` (a Blob, or a Uint8Array) from `offset`, its first row from `offset + start`;
     * row ends are relative to `offset`. The worker sends a Blob (or the bytes) for several
     * batches at once, after them.
     */
    this.batches = [];
    this.waitingForBlob = [];
    this.blobOffset = 0;
    /**
     * The fields of the file's first rows (row i's at i), sent by the worker with its first
     * batches: the table's first page is drawn from them (see `ResultsTable.goTo`).
     * @type {string[][]}
     */
    this.preview = [];
    /** The scored CSV's header line (needed to explain a row), and its fields. */
    this.header = null;
    this.columns = null;
  }

  /** Appends one batch from the worker (see worker.js for its fields). */
  append({ blob: sealed, csv, csvBytes, start, header, columns, scores, lines, flags, ends, preview }) {
    const blob = sealed ?? csv;
    if (header) {
      this.header = header;
      this.columns = columns;
    }
    // Kept while they are the fields of the file's rows from the first one on.
    if (preview && this.count === this.preview.length) this.preview.push(...preview);
    const n = scores.length;
    if (n > 0) {
      const batch = { blob: null, offset: this.blobOffset, first: this.count, count: n, start };
      this.batches.push(batch);
      this.waitingForBlob.push(batch);
    }
    this.blobOffset += csvBytes;
    if (blob) {
      for (const batch of this.waitingForBlob) batch.blob = blob;
      this.waitingForBlob = [];
      this.blobOffset = 0;
    }
    this.appendRows(scores, lines, flags, ends, start);
  }

  appendRows(scores, lines, flags, ends, start) {
    const n = scores.length;
    for (let done = 0; done < n; ) {
      const at = this.count & SEGMENT_MASK;
      if (at === 0) {
        this.segments.push({
          scores: new Float64Array(SEGMENT_ROWS),
          flags: new Uint8Array(SEGMENT_ROWS),
          lengths: new Uint16Array(SEGMENT_ROWS),
          firstLine: typeof lines === 'number' ? lines + done : lines[done],
          lines: null,
        });
      }
      const segment = this.segments[this.segments.length - 1];
      const take = Math.min(n - done, SEGMENT_ROWS - at);
      segment.scores.set(scores.subarray(done, done + take), at);
      setLines(segment, at, typeof lines === 'number' ? lines + done : lines.subarray(done, done + take), take);
      segment.flags.set(flags.subarray(done, done + take), at);
      setLengths(segment, at, ends.subarray(done, done + take), done === 0 ? start : ends[done - 1], take);
      done += take;
      this.count += take;
    }
  }

  score(row) {
    return this.segments[row >>> SEGMENT_BITS].scores[row & SEGMENT_MASK];
  }

  line(row) {
    const segment = this.segments[row >>> SEGMENT_BITS];
    const at = row & SEGMENT_MASK;
    return segment.lines ? segment.lines[at] : segment.firstLine + at;
  }

  flag(row) {
    return this.segments[row >>> SEGMENT_BITS].flags[row & SEGMENT_MASK];
  }

  length(row) {
    return this.segments[row >>> SEGMENT_BITS].lengths[row & SEGMENT_MASK];
  }

  /** Where `row`'s scored CSV line starts in its batch's CSV: after the rows before it. */
  startInBatch(batch, row) {
    let at = batch.start;
    for (let r = batch.first; r < row; r++) at += this.length(r);
    return at;
  }

  /**
   * Copies of the scores and flags, one array per segment, made a segment per task so that a
   * file of millions of rows never holds the page's thread for long.
   */
  async copyForOrdering() {
    const scores = [];
    const flags = [];
    for (let s = 0; s < this.segments.length; s++) {
      const used = Math.min(SEGMENT_ROWS, this.count - s * SEGMENT_ROWS);
      scores.push(this.segments[s].scores.slice(0, used));
      flags.push(this.segments[s].flags.slice(0, used));
      if (s + 1 < this.segments.length) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return { scores, flags };
  }

  batchOf(row) {
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.batches[mid].first <= row) lo = mid;
      else hi = mid - 1;
    }
    return this.batches[lo];
  }

  /**
   * The scored CSV lines of `rows` (indices), back to back: {bytes: ArrayBuffer, ends}.
   * Neighbouring rows are read with one slice.
   */
  async readLines(rows) {
    const runs = [];
    const lengths = [];
    // The row before, when it was the one before in the same batch: where this one starts.
    let previous = { row: -1, batch: null, end: 0 };
    for (const row of rows) {
      const batch = this.batchOf(row);
      const follows = previous.batch === batch && previous.row === row - 1;
      const start = follows ? previous.end : batch.offset + this.startInBatch(batch, row);
      const end = start + this.length(row);
      previous = { row, batch, end };
      const last = runs[runs.length - 1];
      if (last && last.blob === batch.blob && last.end === start) last.end = end;
      else runs.push({ blob: batch.blob, start, end });
      lengths.push(end - start);
    }
    const pieces = await Promise.all(
      runs.map((r) => (r.blob instanceof Blob ? r.blob.slice(r.start, r.end).arrayBuffer() : r.blob.slice(r.start, r.end).buffer)),
    );
    const total = pieces.reduce((sum, p) => sum + p.byteLength, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const piece of pieces) {
      bytes.set(new Uint8Array(piece), offset);
      offset += piece.byteLength;
    }
    const ends = new Uint32Array(lengths.length);
    let end = 0;
    lengths.forEach((length, i) => {
      end += length;
      ends[i] = end;
    });
    return { bytes: bytes.buffer, ends };
  }
}

/**
 * The paged table and the explanation panel. `request(type, payload, transfer)` asks the
 * worker and resolves with its answer.
 */
export class ResultsTable {
  constructor(request) {
    this.request = request;
    this.head = byId('results-head');
    this.body = /** @type {HTMLTableSectionElement} */ (byId('results-body'));
    this.status = byId('table-status');
    this.explanation = byId('explanation');
    this.attacksOnly = /** @type {HTMLInputElement} */ (byId('attacks-only'));
    this.sort = /** @type {HTMLSelectElement} */ (byId('sort'));
    this.pageSize = /** @type {HTMLSelectElement} */ (byId('page-size'));
    this.pageInfo = byId('page-info');
    const button = (id) => /** @type {HTMLButtonElement} */ (byId(id));
    this.buttons = {
      first: button('page-first'),
      prev: button('page-prev'),
      next: button('page-next'),
      last: button('page-last'),
    };
    this.store = null;
    /**
     * Where a row is explained from, when not from its line in `store`: null, or a function of
     * the row's index giving a promise of {header, row}, the lines to explain (for a conn.log,
     * the row with its computed features).
     */
    this.explainFrom = null;
    // Bumped when what the table shows changes (a new run, a new order): late answers for an
    // older state are dropped. `shown` does the same for pages and explanations in flight.
    this.generation = 0;
    this.shown = { page: 0, explanation: 0 };

    /** The threshold the verdicts follow: undefined while it is the one the rows were scored at. */
    this.threshold = undefined;
    this.attacksOnly.addEventListener('change', () => this.reorder());
    this.sort.addEventListener('change', () => this.reorder());
    this.pageSize.addEventListener('change', () => this.goTo(0));
    this.buttons.first.addEventListener('click', () => this.goTo(0));
    this.buttons.prev.addEventListener('click', () => this.goTo(this.page - 1));
    this.buttons.next.addEventListener('click', () => this.goTo(this.page + 1));
    this.buttons.last.addEventListener('click', () => this.goTo(Infinity));
    this.body.addEventListener('click', (event) => {
      const tr = /** @type {Element} */ (event.target).closest('tr[data-row]');
      if (tr) this.select(tr, true);
    });
    this.body.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Shows a finished run's rows. */
  async show(store, summary) {
    this.clear();
    this.store = store;
    this.labelled = summary.labelled !== null;
    this.attacksOnly.checked = false;
    this.sort.value = '';
    // The last two columns are the score and the verdict, shown in their own columns.
    if (store.columns !== null) this.columns = store.columns.slice(0, -2);
    this.renderHead();
    await this.goTo(0);
  }

  /**
   * Lays a page of made-up rows (`features`' names as columns) out once, unseen, in `card` (the
   * table's, hidden), then empties the table again: all in this task. In a fresh tab the first
   * results drawn otherwise pay the browser's first-time costs (styles matched, text shaped,
   * the table's layout code run cold) in the frame that shows them: on a 1 GB file's `done`
   * that frame took 55-70 ms, with this 20-35 ms.
   * @param {HTMLElement} card
   * @param {string[]} features
   */
  warmUp(card, features) {
    if (!card.hidden || this.store) return;
    const columns = [...features, 'attack_score', 'predicted_attack'];
    const size = Number(this.pageSize.value);
    const value = (r, c) => (c % 5 === 0 ? ['tcp', 'http', 'SF', 'S0', 'private'][r % 5] : c % 3 === 0 ? `0.${(r * 7 + c) % 100}` : String((r * 31 + c * 7) % 256));
    const store = new RowStore();
    store.append({
      blob: null, csv: null, csvBytes: 0, start: 0, header: new Uint8Array(0), columns,
      scores: Float64Array.from({ length: size }, (_, r) => (r % 3) / 2),
      lines: 2,
      flags: Uint8Array.from({ length: size }, (_, r) => (r % 2 ? ROW.flagged : 0)),
      ends: new Uint32Array(size),
      preview: Array.from({ length: size }, (_, r) => columns.map((_, c) => value(r, c))),
    });
    const style = card.style.cssText;
    card.style.cssText = `position: absolute; visibility: hidden; inset: 0 auto auto 0; width: ${card.parentElement?.clientWidth ?? 0}px`;
    card.hidden = false;
    try {
      // Drawn at once: the page is within the store's preview (see `goTo`).
      this.show(store, { labelled: null });
      void card.offsetHeight;
    } finally {
      this.clear();
      card.hidden = true;
      card.style.cssText = style;
    }
  }

  clear() {
    this.generation++;
    this.store = null;
    this.order = null;
    this.page = 0;
    this.columns = [];
    this.head.replaceChildren();
    this.body.replaceChildren();
    this.status.textContent = '';
    this.pageInfo.textContent = '';
    this.resetExplanation();
  }

  split(bytes, ends) {
    return this.request('split', { bytes, ends: Uint32Array.from(ends) }, [bytes]);
  }

  get total() {
    return this.order ? this.order.length : this.store ? this.store.count : 0;
  }

  async reorder() {
    if (!this.store) return;
    const generation = ++this.generation;
    const attacksOnly = this.attacksOnly.checked;
    const sort = this.sort.value;
    if (!attacksOnly && !sort) {
      this.order = null;
    } else {
      this.status.textContent = sort ? 'Sorting…' : 'Filtering…';
      try {
        const { scores, flags } = await this.store.copyForOrdering();
        if (generation !== this.generation) return;
        const transfer = [...scores, ...flags].map((a) => a.buffer);
        const { threshold } = this;
        const { order } = await this.request('order', { scores, flags, attacksOnly, sort, threshold }, transfer);
        if (generation !== this.generation) return;
        this.order = order;
      } catch (error) {
        if (generation === this.generation) this.status.textContent = error.message;
        return;
      }
    }
    this.status.textContent = '';
    await this.goTo(0);
  }

  async goTo(page) {
    if (!this.store) return;
    const size = Number(this.pageSize.value);
    const pages = Math.max(1, Math.ceil(this.total / size));
    this.page = Math.min(Math.max(0, page), pages - 1);
    const first = this.page * size;
    const last = Math.min(first + size, this.total);
    const rows = [];
    for (let k = first; k < last; k++) rows.push(this.order ? this.order[k] : k);
    this.updatePager(first, last, pages);
    const generation = this.generation;
    const request = ++this.shown.page;
    const current = () => generation === this.generation && request === this.shown.page;
    // The file's first rows, unsorted: at hand, drawn in this task (with the summary, when the
    // run has just finished: one frame for all of it).
    if (!this.order && last <= this.store.preview.length) {
      this.renderBody(rows, this.store.preview.slice(first, last));
      return;
    }
    try {
      let fields = [];
      if (rows.length) {
        const { bytes, ends } = await this.store.readLines(rows);
        fields = (await this.split(bytes, ends)).rows;
      }
      if (current()) this.renderBody(rows, fields);
    } catch (error) {
      if (current()) this.status.textContent = error.message;
    }
  }

  updatePager(first, last, pages) {
    const total = this.total;
    const f = (n) => n.toLocaleString();
    this.pageInfo.textContent = total
      ? `Rows ${f(first + 1)}–${f(last)} of ${f(total)}`
      : 'No rows to show';
    this.buttons.first.disabled = this.buttons.prev.disabled = this.page === 0;
    this.buttons.next.disabled = this.buttons.last.disabled = this.page >= pages - 1;
  }

  renderHead() {
    const tr = document.createElement('tr');
    const names = ['Line', 'Score', 'Verdict'];
    if (this.labelled) names.push('Label');
    for (const name of names) tr.append(cell('th', name, 'fixed'));
    for (const name of this.columns) tr.append(cell('th', name));
    for (const th of tr.children) /** @type {HTMLTableCellElement} */ (th).scope = 'col';
    this.head.replaceChildren(tr);
  }

  /**
   * Makes the verdicts follow `threshold` (undefined: the one the rows were scored at): the
   * attacks-only filter is recomputed when it is on; otherwise the rows shown stay, and those
   * whose verdict changed get a new score and verdict cell, at once. (Redrawing the page instead
   * made the browser lay the whole table out again at every step of the slider.)
   */
  async setThreshold(threshold) {
    this.threshold = threshold;
    if (!this.store) return;
    if (this.attacksOnly.checked) {
      await this.reorder();
      return;
    }
    for (const tr of this.body.rows) {
      const row = Number(tr.dataset.row);
      const flag = this.flagOf(row);
      const flagged = (flag & ROW.flagged) !== 0;
      if (flagged === tr.classList.contains('is-attack')) continue;
      tr.classList.toggle('is-attack', flagged);
      tr.cells[1].replaceWith(scoreCell(this.store.score(row), flag));
      tr.cells[2].replaceWith(verdictCell(flag));
    }
  }

  /** A row's flags, its flagged bit at the table's threshold. */
  flagOf(row) {
    const flag = this.store.flag(row);
    if (this.threshold === undefined || flag & ROW.rejected) return flag;
    return (flag & ~ROW.flagged) | (this.store.score(row) >= this.threshold ? ROW.flagged : 0);
  }

  renderBody(rows, fields) {
    const store = this.store;
    const fragment = document.createDocumentFragment();
    rows.forEach((row, k) => {
      const flag = this.flagOf(row);
      const score = store.score(row);
      const tr = document.createElement('tr');
      tr.dataset.row = row;
      tr.tabIndex = k === 0 ? 0 : -1;
      tr.classList.toggle('is-attack', (flag & ROW.flagged) !== 0);
      tr.classList.toggle('is-rejected', (flag & ROW.rejected) !== 0);
      tr.append(cell('td', store.line(row).toLocaleString(), 'fixed num'));
      tr.append(scoreCell(score, flag));
      tr.append(verdictCell(flag));
      if (this.labelled) tr.append(cell('td', LABEL_KINDS[labelKindOf(flag)], 'fixed'));
      const values = fields[k];
      for (let c = 0; c < this.columns.length; c++) tr.append(cell('td', values[c] ?? ''));
      fragment.append(tr);
    });
    this.body.replaceChildren(fragment);
  }

  onKey(event) {
    const tr = event.target.closest('tr[data-row]');
    if (!tr) return;
    const moves = {
      ArrowDown: tr.nextElementSibling,
      ArrowUp: tr.previousElementSibling,
      Home: this.body.firstElementChild,
      End: this.body.lastElementChild,
    };
    if (event.key in moves) {
      event.preventDefault();
      if (moves[event.key]) this.focusRow(moves[event.key]);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.select(tr, false);
    }
  }

  focusRow(tr) {
    for (const other of this.body.children) /** @type {HTMLElement} */ (other).tabIndex = -1;
    tr.tabIndex = 0;
    tr.focus();
  }

  async select(tr, byPointer) {
    for (const other of this.body.querySelectorAll('tr[aria-selected]')) {
      other.removeAttribute('aria-selected');
    }
    tr.setAttribute('aria-selected', 'true');
    if (byPointer) this.focusRow(tr);
    const row = Number(tr.dataset.row);
    const generation = this.generation;
    const request = ++this.shown.explanation;
    const current = () => generation === this.generation && request === this.shown.explanation;
    const title = `Line ${this.store.line(row).toLocaleString()}`;
    this.renderExplanationText(title, 'Working it out…');
    try {
      const lines = this.explainFrom
        ? await this.explainFrom(row)
        : { header: this.store.header.slice(), row: new Uint8Array((await this.store.readLines([row])).bytes) };
      const { explanation } = await this.request('explain', lines);
      if (current()) this.renderExplanation(title, explanation);
    } catch (error) {
      if (current()) this.renderExplanationText(title, error.message);
    }
  }

  resetExplanation() {
    this.renderExplanationText(
      'Why this score?',
      'Click a row, or move to it with the arrow keys and press Enter, to see which features ' +
        'pushed it towards attack or towards normal.',
    );
  }

  renderExplanationText(title, text) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = text;
    this.explanation.replaceChildren(heading(title), p);
  }

  renderExplanation(title, { score, base, threshold, effects }) {
    const attack = score >= threshold;
    const verdict = document.createElement('p');
    verdict.className = `explain-verdict ${attack ? 'is-attack' : 'is-normal'}`;
    verdict.textContent = `${attack ? 'Attack' : 'Normal'}: score ${score.toFixed(3)}`;
    const intro = document.createElement('p');
    intro.className = 'note';
    intro.textContent =
      `The score starts at ${base.toFixed(3)}, the average over the training rows; each ` +
      `feature below moved it up (towards attack) or down (towards normal). Rows at or above ` +
      `${threshold.toFixed(3)} are flagged.`;
    const shown = effects.slice(0, 8);
    const largest = Math.max(1e-9, ...shown.map((e) => Math.abs(e.effect)));
    const list = document.createElement('ol');
    list.className = 'effects';
    for (const { feature, effect, value } of shown) {
      const li = document.createElement('li');
      const name = cell('span', feature, 'effect-feature');
      const val = cell('span', `= ${value}`, 'effect-value');
      const bar = document.createElement('span');
      bar.className = 'effect-bar';
      const fill = document.createElement('span');
      fill.className = `effect-fill ${effect > 0 ? 'towards-attack' : 'towards-normal'}`;
      fill.style.setProperty('--share', `${(Math.abs(effect) / largest) * 50}%`);
      bar.append(fill);
      const sign = effect > 0 ? '+' : '−';
      const amount = cell('span', `${sign}${Math.abs(effect).toFixed(3)}`, 'effect-amount num');
      li.append(name, val, bar, amount);
      list.append(li);
    }
    const parts = [heading(title), verdict, intro, list];
    const rest = effects.slice(shown.length);
    if (rest.length) {
      const sum = rest.reduce((s, e) => s + e.effect, 0);
      const more = document.createElement('p');
      more.className = 'note';
      more.textContent = `${rest.length} more features moved it by ${sum >= 0 ? '+' : '−'}${Math.abs(sum).toFixed(3)} in all.`;
      parts.push(more);
    }
    this.explanation.replaceChildren(...parts);
  }
}

function heading(text) {
  const h = document.createElement('h3');
  h.textContent = text;
  return h;
}

function cell(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function scoreCell(score, flag) {
  const td = document.createElement('td');
  td.className = 'fixed score-cell';
  if (flag & ROW.rejected) {
    td.textContent = '—';
    return td;
  }
  const bar = document.createElement('span');
  bar.className = 'score-bar';
  const fill = document.createElement('span');
  fill.className = `score-fill ${flag & ROW.flagged ? 'towards-attack' : 'towards-normal'}`;
  fill.style.setProperty('--share', `${Math.max(2, score * 100)}%`);
  bar.append(fill);
  td.append(bar, cell('span', score.toFixed(3), 'num'));
  return td;
}

function verdictCell(flag) {
  const td = document.createElement('td');
  td.className = 'fixed';
  let text = 'normal';
  let kind = 'normal';
  if (flag & ROW.rejected) {
    text = 'rejected';
    kind = 'rejected';
  } else if (flag & ROW.flagged) {
    text = 'attack';
    kind = 'attack';
  }
  td.append(cell('span', text, `pill pill-${kind}`));
  const label = labelKindOf(flag);
  if (!(flag & ROW.rejected) && label === 1 && flag & ROW.flagged) {
    td.append(cell('span', 'false alarm', 'pill pill-wrong'));
  } else if (!(flag & ROW.rejected) && label === 2 && !(flag & ROW.flagged)) {
    td.append(cell('span', 'missed', 'pill pill-wrong'));
  }
  return td;
}
