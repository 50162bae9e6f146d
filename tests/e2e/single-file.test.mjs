// @ts-check
// dist/neptune.html is one self-contained file: opened from disk (file://) it scores a file and
// its download equals `neptune score`, loading nothing else.

import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';

import {
  TEST_DATA_ROWS,
  TEST_TIMEOUT,
  assertSameBytes,
  checkPrerequisites,
  cliScore,
  distDir,
  download,
  ensureCli,
  launchBrowser,
  openApp,
  scoreFile,
  testData,
  withPage,
} from './harness.mjs';

describe('the single-file page from disk', () => {
  let browser;
  // Building the CLI (when it is older than the sources) may take minutes: done here, not
  // inside a test's time limit.
  before(async () => {
    checkPrerequisites();
    ensureCli();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('file:///…/dist/neptune.html scores Test_Data.csv like the CLI, loading nothing else', { timeout: TEST_TIMEOUT }, async () => {
    const expected = cliScore(testData);
    const pageUrl = pathToFileURL(path.join(distDir, 'neptune.html')).href;
    await withPage(browser, async ({ page, requests }) => {
      await openApp(page, pageUrl);
      const summary = await scoreFile(page, testData);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, TEST_DATA_ROWS, 'data-rows');
      assert.equal(summary.rejected, 0, 'data-rejected');
      assertSameBytes(await download(page), expected.csv, 'download from the single-file page');

      // Self-contained: the only thing fetched is the page itself (blob:/data: are in memory).
      const loaded = requests.filter((url) => url !== pageUrl && !url.startsWith('blob:') && !url.startsWith('data:'));
      assert.deepEqual(loaded, [], 'the single file loads no other file or URL');
    });
  });
});
