// @ts-check
// The page across runs: a new file resets the summary (even while a run is going), the sample
// button scores the bundled sample, and a cancelled run leaves the page ready for the next file.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  RUN_TIMEOUT,
  TEST_DATA_ROWS,
  TEST_TIMEOUT,
  assertSameBytes,
  cliScore,
  countFlagged,
  download,
  fixture,
  openApp,
  readSummary,
  recordedStates,
  resultsText,
  scoreFile,
  smallFixture,
  startRun,
  testData,
  testDataLines,
  trackStates,
  waitForRunEnd,
  withPage,
  useBrowserSuite,
} from './harness.mjs';

const SMALL_ROWS = 100;
const FINAL = new Set(['done', 'error']);

/** A file of about `megabytes` MB: Test_Data.csv's rows repeated under one header. */
function bigFixture(megabytes) {
  return fixture(`big-${megabytes}mb.csv`, () => {
    const [header, ...rows] = testDataLines();
    const body = Buffer.from(rows.join('\n') + '\n');
    const copies = Math.ceil((megabytes * 1024 * 1024) / body.length);
    return Buffer.concat([Buffer.from(header + '\n'), ...Array(copies).fill(body)]);
  });
}

/** Asserts the page shows the small fixture's run and nothing of an earlier one. */
async function assertShowsSmallFixture(page, file) {
  const expected = cliScore(file);
  const summary = await readSummary(page);
  assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
  assert.equal(summary.rows, SMALL_ROWS, 'data-rows is the second file\'s');
  assert.equal(summary.rejected, 0, 'data-rejected');
  assert.equal(summary.flagged, countFlagged(expected.csv), 'data-flagged is the second file\'s');
  assertSameBytes(await download(page), expected.csv, 'download after switching files');
}

describe('runs one after another', () => {
  const suite = useBrowserSuite();

  test('a new file after a finished run resets the summary and shows only the new file', { timeout: TEST_TIMEOUT }, async () => {
    const small = smallFixture(SMALL_ROWS);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const first = await scoreFile(page, testData);
      assert.equal(first.rows, TEST_DATA_ROWS, 'the first run scored Test_Data.csv');

      await scoreFile(page, small);
      const states = await recordedStates(page);
      // The first run's table may still be drawing when the second file is chosen (a DOM
      // change records "done" first), so look for the reset anywhere, not only at the start.
      assert.ok(
        states.length >= 2 && states.some((s) => !FINAL.has(s)),
        `the summary left "done" when the new file was chosen (data-state went through ${JSON.stringify(states)})`,
      );
      await assertShowsSmallFixture(page, small);
    });
  });

  test('a new file chosen while a run is going replaces it; the old run never shows up', { timeout: TEST_TIMEOUT }, async () => {
    const small = smallFixture(SMALL_ROWS);
    const big = bigFixture(20);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      await startRun(page, big);
      await startRun(page, small);
      await waitForRunEnd(page);
      // Give a run that was not stopped time to finish and overwrite the summary.
      await page.waitForTimeout(3000);
      const states = await recordedStates(page);
      assert.equal(states.filter((s) => FINAL.has(s)).length, 1, `one run ended after the second file was chosen (data-state went through ${JSON.stringify(states)})`);
      await assertShowsSmallFixture(page, small);
    });
  });

  test('the sample button scores the bundled labelled sample and shows metrics', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      await trackStates(page);
      await page.click('[data-testid="sample"]');
      const summary = await waitForRunEnd(page);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.ok(summary.rows > 0, `the sample has rows (data-rows ${summary.rows})`);
      const metrics = page.locator('[data-testid="metrics"]');
      assert.ok(await metrics.isVisible(), 'metrics are shown for the labelled sample');
      const accuracy = Number(await metrics.getAttribute('data-accuracy'));
      assert.ok(accuracy >= 0 && accuracy <= 1, `data-accuracy is a fraction (got ${accuracy})`);
      await resultsText(page);
      assert.ok(await page.locator('[data-testid="results"]').isVisible(), 'the results table is visible');
    });
  });

  test('a cancelled run stops, and the next file is scored in full', { timeout: TEST_TIMEOUT }, async () => {
    const big = bigFixture(60);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const cancel = page.locator('[data-testid="cancel"]');
      assert.equal(await cancel.count(), 1, 'the page has a cancel button');

      await startRun(page, big);
      await cancel.click({ timeout: RUN_TIMEOUT });
      const stopped = await page.waitForFunction(
        () => {
          const state = document.querySelector('[data-testid="summary"]').dataset.state;
          return ['idle', 'cancelled', 'canceled', 'done', 'error'].includes(state) && state;
        },
        null,
        { timeout: RUN_TIMEOUT },
      );
      const afterCancel = await readSummary(page);
      const state = await stopped.jsonValue();
      assert.notEqual(state, 'error', `cancelling is not an error (message: ${afterCancel.error})`);
      assert.notEqual(state, 'done', `the run was cancelled, not finished (data-state went through ${JSON.stringify(await recordedStates(page))})`);

      const summary = await scoreFile(page, testData);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, TEST_DATA_ROWS, 'data-rows after a cancelled run');
      await page.waitForTimeout(1000);
      const later = await readSummary(page);
      assert.equal(later.rows, TEST_DATA_ROWS, 'the cancelled run does not come back later');
      assert.equal(later.state, 'done');
    });
  });
});
