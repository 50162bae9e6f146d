// @ts-check
// The results table's first page is drawn from the fields the worker sends with the file's first
// rows (the `preview` of worker.js), any other page from the rows' scored lines split by a worker
// when asked. Both must show the same cells: here the same rows go through both, the first page
// once unfiltered (the preview) and once with "attacks only" on, in a file where every row is an
// attack (the filter then keeps every row, in order, and the page is asked for).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { TEST_TIMEOUT, cliScore, fixture, openApp, scoreFile, testData, testDataLines, withPage, useBrowserSuite } from './harness.mjs';

/** Test_Data.csv's rows that `neptune score` flags, in file order. */
function flaggedRows() {
  const [, ...data] = testDataLines();
  const scored = cliScore(testData).csv.toString('utf8').split('\n').slice(1);
  return data.filter((_, i) => scored[i].endsWith(',1'));
}

/** Header and `rows` repeated to about `bytes`, each line passed through `line(row, i)`. */
function attacksFile(bytes, header, line) {
  const rows = flaggedRows();
  const lines = [header];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    lines.push(line(rows[i % rows.length], i));
    size += lines[lines.length - 1].length + 1;
  }
  return lines.join('\n') + '\n';
}

const [HEADER] = testDataLines();
const CASES = [
  // Cut into parts on the workers: the preview comes with the primary's first answer.
  { name: 'table-attacks-parts.csv', content: () => attacksFile(1.5e6, HEADER, (row) => row) },
  // A quoted note (a comma and a doubled quote inside): one scorer reads it all.
  {
    name: 'table-attacks-quoted.csv',
    content: () => attacksFile(4e5, `${HEADER},note`, (row, i) => `${row},"n${i}, said ""hi"""`),
  },
  // Fewer rows than a page.
  { name: 'table-attacks-short.csv', content: () => attacksFile(1e3, HEADER, (row) => row) },
];

/** The table body's rows: [data-row, ...cell texts]. */
function shownRows(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#results-body tr')].map((tr) => [
      /** @type {HTMLElement} */ (tr).dataset.row,
      ...[...tr.children].map((td) => td.textContent),
    ]),
  );
}

describe('the results table', () => {
  const suite = useBrowserSuite();

  for (const { name, content } of CASES) {
    test(`${name}: the first page from the preview equals the same rows split when asked`, { timeout: TEST_TIMEOUT }, async () => {
      const file = fixture(name, content);
      await withPage(suite.browser, async ({ page }) => {
        await openApp(page, suite.site.url);
        const summary = await scoreFile(page, file);
        assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
        assert.equal(summary.flagged, summary.rows, 'every row is an attack');
        const preview = await shownRows(page);
        assert.ok(preview.length > 0, 'the first page shows rows at done');
        assert.deepEqual(preview.map((r) => r[0]), preview.map((_, i) => String(i)), 'the file\'s first rows');
        if (name.includes('quoted')) {
          const note = preview[0][preview[0].length - 1];
          assert.equal(note, 'n0, said "hi"', 'a quoted field is shown unquoted');
        }
        await page.evaluate(() => {
          /** @type {HTMLElement} */ (document.querySelector('#results-body tr')).dataset.stale = '';
        });
        await page.locator('#attacks-only').check();
        await page.waitForFunction(() => {
          const tr = /** @type {HTMLElement | null} */ (document.querySelector('#results-body tr'));
          return tr !== null && tr.dataset.stale === undefined;
        });
        assert.deepEqual(await shownRows(page), preview, 'the same rows, split by a worker, show the same cells');
      });
    });
  }

  test('the table\'s warm-up after load (made-up rows laid out unseen) leaves no trace, and a file scored after it shows its own rows', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(suite.browser, async ({ page }) => {
      // The warm-up runs when the page is idle after ready (at the latest 2 s after): a mutation
      // observer, set before any of the page's scripts, sees the table filled and emptied.
      await page.addInitScript(() => {
        /** @type {any} */ (window).tableFilled = 0;
        document.addEventListener('DOMContentLoaded', () => {
          const body = /** @type {HTMLElement} */ (document.querySelector('#results-body'));
          // Filled and emptied in one task: the records tell, not the body when they are read.
          new MutationObserver((records) => {
            if (records.some((r) => r.addedNodes.length > 0)) /** @type {any} */ (window).tableFilled++;
          }).observe(body, { childList: true });
        });
      });
      await openApp(page, suite.site.url);
      await page.waitForFunction(() => /** @type {any} */ (window).tableFilled > 0, null, { timeout: 5000 });
      await page.waitForTimeout(100);
      const after = await page.evaluate(() => ({
        hidden: /** @type {HTMLElement} */ (document.querySelector('#results-card')).hidden,
        style: /** @type {HTMLElement} */ (document.querySelector('#results-card')).style.cssText,
        head: document.querySelectorAll('#results-head th').length,
        rows: document.querySelectorAll('#results-body tr').length,
        info: document.querySelector('#page-info')?.textContent ?? '',
      }));
      assert.deepEqual(after, { hidden: true, style: '', head: 0, rows: 0, info: '' }, 'the table is as before');
      const file = fixture('table-after-warm-up.csv', shortFile);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      const rows = await shownRows(page);
      const [, ...lines] = shortFile().trim().split('\n');
      assert.equal(rows.length, lines.length, 'one table row per line of the file');
      assert.deepEqual(rows.map((r) => r.slice(4, 8)), lines.map((l) => l.split(',').slice(0, 4)), 'the file\'s own first fields');
    });
  });
});

/** A few rows of Test_Data.csv's attacks: fewer than a page. */
function shortFile() {
  return attacksFile(1e3, HEADER, (row) => row);
}
