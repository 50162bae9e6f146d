// @ts-check
// Scoring the real NSL-KDD files in the page: counts, results, and the download byte for byte
// equal to `neptune score`.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  TEST_DATA_ROWS,
  TEST_TIMEOUT,
  assertSameBytes,
  cliEval,
  cliScore,
  countFlagged,
  download,
  openApp,
  resultsText,
  scoreFile,
  testData,
  trainData,
  withPage,
  useBrowserSuite,
} from './harness.mjs';

describe('scoring NSL-KDD files', () => {
  const suite = useBrowserSuite();

  test('Test_Data.csv: every row scored, flagged count equals the CLI, results and histogram shown', { timeout: TEST_TIMEOUT }, async () => {
    const expected = cliScore(testData);
    const expectedFlagged = countFlagged(expected.csv);
    assert.ok(expectedFlagged > 0, 'the CLI flags some rows of Test_Data.csv');
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, testData);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, TEST_DATA_ROWS, 'data-rows');
      assert.equal(summary.rejected, 0, 'data-rejected');
      assert.equal(summary.flagged, expectedFlagged, 'data-flagged equals the CLI count of predicted_attack=1');
      assert.ok(Number.isFinite(summary.elapsedMs) && summary.elapsedMs >= 0, `data-elapsed-ms is a number (got ${summary.elapsedMs})`);

      const results = page.locator('[data-testid="results"]');
      const tableText = await resultsText(page);
      assert.ok(await results.isVisible(), 'the results table is visible');
      const shownRows = await results.locator('tbody tr').count();
      assert.ok(shownRows > 0 && shownRows <= TEST_DATA_ROWS, `the results table shows rows (found ${shownRows})`);
      // Test_Data's first row is `0,tcp,mtp,REJ,...`: the table shows the file's own fields.
      assert.match(tableText, /mtp/, 'the results table shows fields of the file');
      assert.match(tableText, /REJ/, 'the results table shows fields of the file');

      const histogram = page.locator('[data-testid="histogram"]');
      assert.ok(await histogram.isVisible(), 'the score histogram is visible');
      const box = await histogram.boundingBox();
      assert.ok(box && box.width > 0 && box.height > 0, 'the histogram has a size');

      assert.equal(await page.locator('[data-testid="metrics"]').isVisible(), false, 'no metrics for an unlabelled file');
    });
  });

  test('Test_Data.csv: the download equals `neptune score` byte for byte', { timeout: TEST_TIMEOUT }, async () => {
    const expected = cliScore(testData);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, testData);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assertSameBytes(await download(page), expected.csv, 'download of Test_Data.csv');
    });
  });

  test('Train_Data.csv (labelled): metrics shown with accuracy >= 0.999, download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    const expected = cliScore(trainData);
    const evaluation = cliEval(trainData);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, trainData);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, evaluation.rows, 'data-rows equals the CLI row count');
      assert.equal(summary.rejected, 0, 'data-rejected');

      const metrics = page.locator('[data-testid="metrics"]');
      assert.ok(await metrics.isVisible(), 'metrics are shown for a labelled file');
      const accuracyText = await metrics.getAttribute('data-accuracy');
      const accuracy = Number(accuracyText);
      assert.ok(Number.isFinite(accuracy), `data-accuracy is a number (got ${JSON.stringify(accuracyText)})`);
      assert.ok(accuracy >= 0.999, `accuracy ${accuracy} >= 0.999`);
      assert.ok(
        Math.abs(accuracy - evaluation.figures.accuracy) < 1e-4,
        `page accuracy ${accuracy} equals \`neptune eval\` accuracy ${evaluation.figures.accuracy}`,
      );

      assertSameBytes(await download(page), expected.csv, 'download of Train_Data.csv');
    });
  });
});
