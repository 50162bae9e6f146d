// @ts-check
// Zeek conn.logs in the page (issue 13): the four published logs beside the repository (skipped
// when absent), gzip, bad lines, another Zeek log refused, and a CSV that shows no incidents.
// Each download equals `neptune score`'s bytes; the incidents are the library's, shown largest first.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

import {
  TEST_TIMEOUT,
  assertSameBytes,
  cliRows,
  cliScore,
  dataDir,
  distDir,
  download,
  fixture,
  openApp,
  resultsText,
  scoreFile,
  smallFixture,
  useBrowserSuite,
  withPage,
} from './harness.mjs';

const zeekDir = path.join(dataDir, 'zeek');
const LOGS = ['zeekids_0621.conn.log', 'strato012_mixed.conn.log.labeled', 'zat.conn.log', 'zat_json.conn.log'];
const missing = (name) => (existsSync(path.join(zeekDir, name)) ? false : `${path.join(zeekDir, name)} is absent`);

/** The incidents section's rows: {pattern, cells} each, in the page's order. */
function incidentRows(page) {
  return page.locator('[data-testid="incidents"] tbody tr').evaluateAll((rows) =>
    rows.map((tr) => ({ pattern: tr.dataset.pattern, cells: [...tr.cells].map((c) => c.textContent.trim()) })),
  );
}

/** zat.conn.log with one line cut short (line 19) and one `ts` that is no time (line 29). */
function badLines() {
  const lines = readFileSync(path.join(zeekDir, 'zat.conn.log'), 'utf8').split('\n');
  assert.ok(!lines[18].startsWith('#') && !lines[28].startsWith('#'), 'lines 19 and 29 are connections');
  lines[18] = lines[18].split('\t').slice(0, 5).join('\t');
  lines[28] = ['yesterday', ...lines[28].split('\t').slice(1)].join('\t');
  return lines.join('\n');
}

describe('Zeek conn.log', () => {
  const suite = useBrowserSuite();

  for (const name of LOGS) {
    test(`${name}: the CLI's rows and bytes, an incidents section`, { timeout: TEST_TIMEOUT, skip: missing(name) }, async () => {
      const file = path.join(zeekDir, name);
      const expected = cliScore(file);
      await withPage(suite.browser, async ({ page }) => {
        await openApp(page, suite.site.url);
        const summary = await scoreFile(page, file);
        assert.equal(summary.state, 'done', summary.error);
        assert.equal(summary.rows, cliRows(expected));
        assert.equal(summary.rejected, 0);
        const incidents = page.locator('[data-testid="incidents"]');
        assert.ok(await incidents.isVisible(), 'the incidents section is shown');
        assert.match(await incidents.textContent(), /trained on normal traffic against Neptune SYN floods only/);
        assert.match(await page.locator('[data-testid="notes"]').textContent(), /content features.*are 0/);
        assertSameBytes(await download(page), expected.csv, `download of ${name}`);
      });
    });
  }

  test('zeekids_0621.conn.log: the SYN flood first, a scan, timelines; a flagged row explained', { timeout: TEST_TIMEOUT, skip: missing(LOGS[0]) }, async () => {
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, path.join(zeekDir, LOGS[0]));
      assert.equal(summary.state, 'done', summary.error);
      const rows = await incidentRows(page);
      assert.equal(rows[0].pattern, 'SynFlood');
      assert.ok(rows[0].cells.includes('192.168.56.1:502'), `the flood's destination: ${rows[0].cells}`);
      // The CLI names the largest incidents on stderr: the page shows the same count.
      const flood = cliScore(path.join(zeekDir, LOGS[0])).stderr.match(/SYN flood: (\d+) connections/);
      assert.ok(flood, 'the CLI names the SYN flood');
      const connections = Number(flood[1]).toLocaleString('en-US');
      assert.ok(rows[0].cells.includes(connections), `the flood's ${connections} connections: ${rows[0].cells}`);
      assert.ok(rows.some((row) => row.pattern === 'Scan'), 'a scan is listed');
      const total = Number(await page.locator('[data-testid="incidents"]').getAttribute('data-total'));
      assert.equal(rows.length, Math.min(total, 20));
      const timelines = page.locator('[data-testid="incidents"] [data-testid="timeline"]');
      assert.ok((await timelines.count()) >= 1, 'a timeline is drawn');
      assert.ok((await timelines.first().locator('rect').count()) >= 1, 'the flood has bars per second');

      // A flagged connection is explained from its computed features, at the score it got.
      await resultsText(page);
      await page.selectOption('#sort', 'desc');
      const first = page.locator('[data-testid="results"] tbody tr').first();
      await page.waitForFunction(() => document.querySelector('[data-testid="results"] tbody tr:first-child .towards-attack') !== null);
      await first.click();
      const score = (await first.locator('.score-cell .num').textContent()).trim();
      const explanation = page.locator('#explanation');
      await explanation.locator('.explain-verdict').waitFor({ timeout: 30_000 });
      assert.equal((await explanation.locator('.explain-verdict').textContent()).trim(), `Attack: score ${score}`);
      assert.match(await explanation.textContent(), /flag= S0/);
    });
  });

  test('the single-file page from disk shows the incidents too', { timeout: TEST_TIMEOUT, skip: missing(LOGS[0]) }, async () => {
    const file = path.join(zeekDir, LOGS[0]);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, pathToFileURL(path.join(distDir, 'neptune.html')).href);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', summary.error);
      assert.equal((await incidentRows(page))[0].pattern, 'SynFlood');
      assertSameBytes(await download(page), cliScore(file).csv, 'download from the single-file page');
    });
  });

  test('gzip and bad lines: the CLI bytes, the bad lines rejected by number', { timeout: TEST_TIMEOUT, skip: missing('zat.conn.log') }, async (t) => {
    const text = readFileSync(path.join(zeekDir, 'zat.conn.log'));
    const cases = [
      { file: fixture('zat.conn.log.gz', () => gzipSync(text)), plain: path.join(zeekDir, 'zat.conn.log'), rejected: 0 },
      { file: fixture('bad-lines.conn.log', badLines), rejected: 2, lines: [/line 19: expected 20 fields, found 5/, /line 29: `ts` is `yesterday`/] },
    ];
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      for (const { file, plain, rejected, lines = [] } of cases) {
        await t.test(path.basename(file), async () => {
          const expected = cliScore(file);
          if (plain) assert.ok(expected.csv.equals(cliScore(plain).csv), 'the CLI reads the gzip as the log');
          const summary = await scoreFile(page, file);
          assert.equal(summary.state, 'done', summary.error);
          assert.equal(summary.rows, cliRows(expected));
          assert.equal(summary.rejected, rejected);
          const list = await page.locator('[data-testid="rejections"]').textContent();
          for (const line of lines) assert.match(list, line);
          assertSameBytes(await download(page), expected.csv, `download of ${file}`);
        });
      }
    });
  });

  test('another Zeek log is refused, naming it; a CSV after a conn.log shows no incidents', { timeout: TEST_TIMEOUT }, async () => {
    const dns = fixture('dns.log', [
      '{"ts":1.0,"uid":"C1","id.orig_h":"10.0.0.1","query":"example.com"}',
      '{"ts":2.0,"uid":"C2","id.orig_h":"10.0.0.1","query":"example.org"}',
    ].join('\n') + '\n');
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const refused = await scoreFile(page, dns);
      assert.equal(refused.state, 'error');
      assert.match(refused.error, /dns\.log/);
      assert.match(refused.error, /conn\.log/);
      assert.equal(await page.locator('[data-testid="incidents"]').count(), 0);

      const zat = path.join(zeekDir, 'zat.conn.log');
      if (existsSync(zat)) {
        assert.equal((await scoreFile(page, zat)).state, 'done');
        assert.equal(await page.locator('[data-testid="incidents"]').count(), 1);
      }
      const csv = await scoreFile(page, smallFixture(100));
      assert.equal(csv.state, 'done', csv.error);
      assert.equal(await page.locator('[data-testid="incidents"]').count(), 0, 'no incidents section for a CSV');
    });
  });
});
