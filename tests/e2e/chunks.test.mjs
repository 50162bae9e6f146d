// The page reads a file in chunks; wherever a chunk ends (inside a quoted field, inside a UTF-8
// character, between the \r and \n of a line end) the download must equal `neptune score`.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  TEST_TIMEOUT,
  assertSameBytes,
  checkPrerequisites,
  cliScore,
  download,
  fixture,
  launchBrowser,
  openApp,
  scoreFile,
  serveDist,
  testDataLines,
  withPage,
} from './harness.mjs';

/** Extra-column values that make chunk boundaries interesting: multi-byte UTF-8, quoted commas,
 * quoted line ends (both styles), doubled quotes, an empty field. */
const AWKWARD = ['é—日本', '"has, comma"', '"line1\nline2, ""quoted"""', '', 'plain ascii', '"x\r\ny — ü"', '"🦀,🦀"'];

/** Test_Data.csv's rows with a `comment` column of awkward values, CRLF line ends. */
function awkwardCsv(rows, { bom = false } = {}) {
  const [header, ...data] = testDataLines();
  const lines = [`${header},comment`];
  for (let i = 0; i < rows; i++) lines.push(`${data[i % data.length]},${AWKWARD[i % AWKWARD.length]}`);
  return Buffer.from((bom ? '\uFEFF' : '') + lines.join('\r\n') + '\r\n');
}

describe('chunk boundaries', { timeout: TEST_TIMEOUT * 3 }, () => {
  let browser;
  let site;
  before(async () => {
    checkPrerequisites();
    site = await serveDist();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  test('a 3+ MB file with CRLF, multi-byte UTF-8 and quoted commas and line ends: download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    const file = fixture('awkward-big.csv', () => awkwardCsv(testDataLines().length - 1));
    assert.ok(statSync(file).size > 3 * 1024 * 1024, 'the fixture spans several chunks (> 3 MB)');
    const expected = cliScore(file);
    await withPage(browser, async ({ page }) => {
      await openApp(page, site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, testDataLines().length - 1, 'data-rows');
      assert.equal(summary.rejected, 0, 'data-rejected');
      assertSameBytes(await download(page), expected.csv, 'download of the awkward 3+ MB file');
    });
  });
});
