// @ts-check
// The page reads a file in chunks; wherever a chunk ends (inside a quoted field, inside a UTF-8
// character, between the \r and \n of a line end) the download must equal `neptune score`.
//
// The page has no setting for its chunk size, so odd sizes are forced from outside: File.slice is
// wrapped to return short reads (see limitFileReads), and the test checks that it took effect.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
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

/**
 * Makes every read of a chosen File return at most `bytes` bytes: `File.slice(start, end)` is cut
 * to `start + bytes`. The page advances by the bytes it actually got, so it then pushes chunks of
 * that size to the scorer. Resolves to a function returning how many reads were cut.
 */
async function limitFileReads(page, bytes) {
  await page.addInitScript((limit) => {
    const slice = Blob.prototype.slice;
    window.__e2eShortReads = 0;
    /** @this {Blob} */
    Blob.prototype.slice = function (start = 0, end = this.size, type) {
      if (!(this instanceof File)) return slice.call(this, start, end, type);
      const at = (i) => (i < 0 ? Math.max(this.size + i, 0) : Math.min(i, this.size));
      const from = at(start);
      const to = Math.min(at(end), from + limit);
      if (to < at(end)) window.__e2eShortReads++;
      return slice.call(this, from, to, type);
    };
  }, bytes);
  return () => page.evaluate(() => window.__e2eShortReads);
}

/** Scores `file` with the page cut to `chunkBytes`-byte chunks; the download must equal the CLI. */
async function assertChunkingInvisible(suite, file, chunkBytes) {
  const expected = cliScore(file);
  await withPage(suite.browser, async ({ page }) => {
    const shortReads = await limitFileReads(page, chunkBytes);
    await openApp(page, suite.site.url);
    const summary = await scoreFile(page, file);
    const size = statSync(file).size;
    assert.ok(
      (await shortReads()) >= Math.ceil(size / chunkBytes) - 1,
      `the page read the ${size}-byte file in ${chunkBytes}-byte pieces (it cut ${await shortReads()} reads; does it still read with File.slice?)`,
    );
    assert.equal(summary.state, 'done', `chunks of ${chunkBytes} bytes: run ended in ${summary.state}: ${summary.error}`);
    assert.equal(summary.rows, cliRows(expected), `chunks of ${chunkBytes} bytes: data-rows`);
    assertSameBytes(await download(page), expected.csv, `download in chunks of ${chunkBytes} bytes`);
  });
}

describe('chunk boundaries', () => {
  const suite = useBrowserSuite();

  test('a 3+ MB file with CRLF, multi-byte UTF-8 and quoted commas and line ends: download equals the CLI', { timeout: TEST_TIMEOUT }, async () => {
    const file = fixture('awkward-big.csv', () => awkwardCsv(testDataLines().length - 1));
    assert.ok(statSync(file).size > 3 * 1024 * 1024, 'the fixture spans several chunks (> 3 MB)');
    const expected = cliScore(file);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, testDataLines().length - 1, 'data-rows');
      assert.equal(summary.rejected, 0, 'data-rejected');
      assertSameBytes(await download(page), expected.csv, 'download of the awkward 3+ MB file');
    });
  });

  test('the same 3+ MB file cut into odd chunk sizes: download equals the CLI', { timeout: TEST_TIMEOUT }, async (t) => {
    const file = fixture('awkward-big.csv', () => awkwardCsv(testDataLines().length - 1));
    for (const bytes of [65521, 4093]) {
      await t.test(`${bytes}-byte chunks`, () => assertChunkingInvisible(suite, file, bytes));
    }
  });

  test('a small file with a BOM cut into 1, 3 and 7-byte chunks: download equals the CLI', { timeout: TEST_TIMEOUT }, async (t) => {
    // 1-byte chunks put a boundary at every offset; 16 rows hold every awkward value twice.
    const file = fixture('awkward-small.csv', () => awkwardCsv(16, { bom: true }));
    for (const bytes of [1, 3, 7]) {
      await t.test(`${bytes}-byte chunks`, () => assertChunkingInvisible(suite, file, bytes));
    }
  });
});
