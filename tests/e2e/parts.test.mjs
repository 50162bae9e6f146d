// @ts-check
// The page scores a file in parts on its workers, cut where Rust says (src/parts.rs): a part
// that holds a quote character, or whose boundary has no line end near it, cannot be cut off,
// and its worker answers `unsplit`; the file from that part's start then goes to one scorer.
// Whatever the path, the download must equal `neptune score`. The test also watches the
// workers' messages, so that it knows the path it meant to take was taken (it needs two workers:
// navigator.hardwareConcurrency >= 2).

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';

import {
  TEST_TIMEOUT,
  assertSameBytes,
  cliRows,
  cliScore,
  download,
  fixture,
  openApp,
  scoreFile,
  testDataLines,
  withPage,
  useBrowserSuite,
} from './harness.mjs';

/**
 * Test_Data.csv's rows with an extra `note` column, about `bytes` long: plain notes, except that
 * `special(offset)` may give the note of the row starting at that offset.
 */
function withNotes(bytes, special) {
  const [header, ...data] = testDataLines();
  const lines = [`${header},note`];
  let size = lines[0].length + 1;
  for (let i = 0; size < bytes; i++) {
    const line = `${data[i % data.length]},${special(size) ?? 'plain'}`;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/**
 * Counts what the workers tell the page (later parts that sent rows, `unsplit` answers) and the
 * later parts sent before the primary had answered (with the file's start: `heads`).
 */
async function watchWorkers(page) {
  await page.addInitScript(() => {
    window.__parts = { later: [], unsplit: 0, heads: 0 };
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, ...rest) {
      if (message?.type === 'push' && message.head !== undefined) window.__parts.heads++;
      return post.call(this, message, ...rest);
    };
    const add = Worker.prototype.addEventListener;
    Worker.prototype.addEventListener = function (type, listener, options) {
      if (type !== 'message' || typeof listener !== 'function') return add.call(this, type, listener, options);
      const watched = (/** @type {Event} */ event) => {
        const { type: kind, part } = /** @type {MessageEvent} */ (event).data ?? {};
        if (kind === 'unsplit') window.__parts.unsplit++;
        if (kind === 'done' && part > 0) window.__parts.later.push(part);
        listener.call(this, event);
      };
      return add.call(this, type, watched, options);
    };
  });
  return () => page.evaluate(() => window.__parts);
}

/** Scores `file` on the page: the download must equal the CLI's; returns what the workers said. */
async function scoreInParts(suite, file) {
  const expected = cliScore(file);
  let seen;
  await withPage(suite.browser, async ({ page }) => {
    const parts = await watchWorkers(page);
    await openApp(page, suite.site.url);
    const summary = await scoreFile(page, file);
    assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
    assert.equal(summary.rows, cliRows(expected), 'data-rows');
    assertSameBytes(await download(page), expected.csv, `download of ${file}`);
    seen = await parts();
  });
  return seen;
}

// src/parts.rs FIRST_PART_BYTES: the start the primary scores alone.
const PART_PLAN_FIRST_PART_BYTES = 64 << 10;

describe('parts', () => {
  const suite = useBrowserSuite();

  test('later parts start before the primary has scored the start: download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    const file = fixture('parts-plain-eager.csv', () => withNotes(3 << 20, () => undefined));
    const seen = await scoreInParts(suite, file);
    assert.ok(seen.heads >= 1, `later parts were sent with the file's start: ${JSON.stringify(seen)}`);
    assert.ok(seen.later.length >= 1, `later parts were scored apart: ${JSON.stringify(seen)}`);
    assert.equal(seen.unsplit, 0, 'no part was refused');
  });

  test('a quote in the start: the later parts sent early are dropped and the primary reads on: download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    let placed = false;
    const note = (offset) => {
      if (placed || offset < 10 << 10) return undefined;
      placed = true;
      return '"two\nlines, one field"';
    };
    const file = fixture('parts-quote-in-start.csv', () => withNotes(3 << 20, note));
    const seen = await scoreInParts(suite, file);
    assert.ok(seen.heads >= 1, `later parts were sent before the primary answered: ${JSON.stringify(seen)}`);
    assert.ok(seen.unsplit >= 1, `their workers found the start cannot be split: ${JSON.stringify(seen)}`);
    assert.deepEqual(seen.later, [], 'no later part sent rows');
  });

  test('a gzip file larger than the start: read whole by the primary: download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    const file = fixture('parts-large.csv.gz', () => gzipSync(withNotes(3 << 20, () => undefined)));
    assert.ok(statSync(file).size > PART_PLAN_FIRST_PART_BYTES, 'the compressed file is larger than the start');
    const seen = await scoreInParts(suite, file);
    assert.deepEqual(seen.later, [], 'no later part sent rows');
  });

  test('a label-encoded file larger than the start fails with the message a small one gets', { timeout: TEST_TIMEOUT }, async () => {
    const [header, ...data] = testDataLines();
    const encoded = (row, i) => {
      const fields = row.split(',');
      fields[1] = String(i % 3);
      fields[2] = String(i % 60);
      fields[3] = String(i % 9);
      return fields.join(',');
    };
    const lines = [header, ...data.map(encoded)];
    const small = fixture('label-encoded-small.csv', () => lines.slice(0, 20).join('\n') + '\n');
    const large = fixture('label-encoded-large.csv', () => lines.join('\n') + '\n');
    assert.ok(statSync(large).size > 1 << 20);
    const errors = [];
    await withPage(suite.browser, async ({ page }) => {
      const parts = await watchWorkers(page);
      await openApp(page, suite.site.url);
      for (const file of [small, large]) {
        const summary = await scoreFile(page, file);
        assert.equal(summary.state, 'error', `${file}: run ended in ${summary.state}`);
        errors.push(summary.error);
      }
      assert.ok((await parts()).heads >= 1, 'the large file sent later parts early');
    });
    assert.match(errors[0], /label|encoded|number/i, `the small file's error names the problem: ${errors[0]}`);
    assert.equal(errors[1], errors[0].replace('label-encoded-small.csv', 'label-encoded-large.csv'), 'the same message');
  });

  test('a plain 3 MB file is scored in parts: download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    const file = fixture('parts-plain.csv', () => withNotes(3 << 20, () => undefined));
    const seen = await scoreInParts(suite, file);
    assert.ok(seen.later.length >= 1, `later parts were scored apart: ${JSON.stringify(seen)}`);
    assert.equal(seen.unsplit, 0, 'no part refused to be cut off');
  });

  test('a read of the file that never finishes is given up after 3 s and the range read again whole: download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    const file = fixture('parts-stalled.csv', () => withNotes(3 << 20, () => undefined));
    const expected = cliScore(file);
    await withPage(suite.browser, async ({ page }) => {
      const warnings = [];
      page.on('worker', (worker) => worker.on('console', (m) => m.type() === 'warning' && warnings.push(m.text())));
      await openApp(page, suite.site.url);
      // In every worker, the third stream read of the run never settles (as a browser's did
      // now and then after several 1 GB files).
      const workers = page.workers();
      assert.ok(workers.length >= 2, `two workers at least: ${workers.length}`);
      for (const worker of workers) {
        await worker.evaluate(() => {
          const proto = /** @type {any} */ (ReadableStreamBYOBReader.prototype);
          const read = proto.read;
          let calls = 0;
          proto.read = function (/** @type {ArrayBufferView} */ view) {
            calls++;
            return calls === 3 ? new Promise(() => {}) : read.call(this, view);
          };
        });
      }
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, cliRows(expected), 'data-rows');
      assert.ok(warnings.some((w) => w.includes('made no progress')), `a stalled read was given up: ${JSON.stringify(warnings)}`);
      assertSameBytes(await download(page), expected.csv, 'the download');
    });
  });

  for (const [name, at] of [['just after the start', 100 << 10], ['mid-file', 1 << 20]]) {
    test(`a quoted line end ${name} sends the rest to one scorer: download equals the CLI`, { timeout: TEST_TIMEOUT }, async () => {
      let placed = false;
      const note = (offset) => {
        if (placed || offset < at) return undefined;
        placed = true;
        return '"two\nlines, one field"';
      };
      const file = fixture(`parts-quote-${at}.csv`, () => withNotes(3 << 20, note));
      assert.ok(statSync(file).size > 3 << 20);
      const seen = await scoreInParts(suite, file);
      assert.ok(seen.unsplit >= 1, `a worker answered unsplit: ${JSON.stringify(seen)}`);
    });
  }

  test('blank lines in every part: the table shows each row\'s own line number, first page and last', { timeout: TEST_TIMEOUT }, async () => {
    // Test_Data.csv's rows with a blank line after every 97th: rows then lie on consecutive
    // lines only in stretches, in every part.
    const [header, ...data] = testDataLines();
    const text = [header];
    /** The 1-based line of each data row. */
    const lineOf = [];
    for (let i = 0; i < data.length; i++) {
      text.push(data[i]);
      lineOf.push(text.length);
      if (i % 97 === 96) text.push('');
    }
    const file = fixture('parts-blank-lines.csv', () => text.join('\n') + '\n');
    const expected = cliScore(file);
    await withPage(suite.browser, async ({ page }) => {
      const parts = await watchWorkers(page);
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, data.length, 'data-rows: blank lines are not rows');
      assertSameBytes(await download(page), expected.csv, 'download of the file with blank lines');
      assert.ok((await parts()).later.length >= 1, 'later parts were scored apart');
      const shownLines = () => page.locator('#results-body tr td:first-child').allInnerTexts();
      const asNumbers = (texts) => texts.map((t) => Number(t.replace(/[^0-9]/g, '')));
      const first = asNumbers(await shownLines());
      assert.deepEqual(first, lineOf.slice(0, first.length), 'line numbers on the first page');
      // The pager says where the page starts before its rows are drawn: wait for the rows.
      const before = (await shownLines())[0];
      await page.locator('#page-last').click();
      await page.waitForFunction((text) => document.querySelector('#results-body tr td')?.textContent !== text, before);
      const last = asNumbers(await shownLines());
      assert.ok(last.length > 0, 'the last page shows rows');
      assert.deepEqual(last, lineOf.slice(lineOf.length - last.length), 'line numbers on the last page');
    });
  });

  test('a scored line over 64 KB: the table shows it and every row after it with their own fields', { timeout: TEST_TIMEOUT }, async () => {
    // The table keeps each row's scored-line length in 16 bits until one needs more.
    const [header, ...data] = testDataLines();
    const notes = data.slice(0, 30).map((_, i) => (i === 2 ? 'y'.repeat(70_000) : `note${i}`));
    const file = fixture('long-scored-line.csv', () => [`${header},note`, ...data.slice(0, 30).map((row, i) => `${row},${notes[i]}`)].join('\n') + '\n');
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      const shown = await page.evaluate(() => {
        const names = [...document.querySelectorAll('#results-head th')].map((th) => th.textContent);
        const column = names.indexOf('note');
        return [...document.querySelectorAll('#results-body tr')].map((tr) => tr.children[column]?.textContent ?? null);
      });
      assert.ok(shown.length >= 25, `a page of rows is shown (${shown.length})`);
      assert.deepEqual(shown, notes.slice(0, shown.length), 'each row shows its own note, the 70 KB one included');
    });
  });

  test('a line longer than the look-behind across a boundary: download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    // One 2 MB note from 1 MB on: whatever the workers' number, a boundary falls inside it,
    // far from any line end.
    let placed = false;
    const note = (offset) => {
      if (placed || offset < 1 << 20) return undefined;
      placed = true;
      return 'x'.repeat(2 << 20);
    };
    const file = fixture('parts-long-line.csv', () => withNotes(3 << 20, note));
    const seen = await scoreInParts(suite, file);
    assert.ok(seen.unsplit >= 1, `a worker answered unsplit: ${JSON.stringify(seen)}`);
  });
});
