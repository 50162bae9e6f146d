// @ts-check
// Files as people publish them, in the page (issue 9): gzip, a stray quote, generic and
// misspelled headers (said in the page as on the CLI's stderr), labels that name groups of
// attacks, JSON, and a file where no row can be scored. Each download equals `neptune score`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import {
  TEST_TIMEOUT,
  assertSameBytes,
  cliPath,
  cliScore,
  download,
  fixture,
  openApp,
  scoreFile,
  testDataLines,
  useBrowserSuite,
  withPage,
} from './harness.mjs';

/** The first `n` rows of Test_Data.csv with `header` instead of its own. */
function withHeader(name, header, n = 300) {
  const [, ...rows] = testDataLines();
  return fixture(name, () => [header, ...rows.slice(0, n)].join('\n') + '\n');
}

describe('published files', () => {
  const suite = useBrowserSuite();

  test('gzip is read as the decompressed file, whatever its name, in one member or several', { timeout: TEST_TIMEOUT }, async (t) => {
    const lines = testDataLines();
    const text = Buffer.from(lines.slice(0, 3001).join('\n') + '\n');
    const plain = fixture('gz-plain.csv', text);
    const expected = cliScore(plain);
    const half = text.indexOf(0x0a, text.length >> 1) + 1;
    const files = [
      fixture('connections.csv.gz', gzipSync(text)),
      fixture('disguised-gzip.csv', gzipSync(text)),
      fixture('members.csv.gz', Buffer.concat([gzipSync(text.subarray(0, half)), gzipSync(text.subarray(half))])),
    ];
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      for (const file of files) {
        await t.test(file, async () => {
          const summary = await scoreFile(page, file);
          assert.equal(summary.state, 'done', `${file}: ${summary.error}`);
          assert.equal(summary.rows, 3000);
          assertSameBytes(await download(page), expected.csv, `download of ${file}`);
        });
      }
      const cut = fixture('cut-short.csv.gz', () => gzipSync(text).subarray(0, 4000));
      const summary = await scoreFile(page, cut);
      assert.equal(summary.state, 'error');
      assert.match(summary.error, /gzip/i);
    });
  });

  test('a stray quote costs its own line, as on the CLI', { timeout: TEST_TIMEOUT }, async () => {
    const [header, ...rows] = testDataLines();
    const broken = rows.slice(0, 200);
    broken[1] = `"${broken[1]}`;
    const file = fixture('stray-quote.csv', [header, ...broken].join('\n') + '\n');
    const expected = cliScore(file);
    assert.match(expected.stderr, /200 rows: 199 scored/);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', summary.error);
      assert.equal(summary.rows, 200);
      assert.equal(summary.rejected, 1);
      const rejections = await page.locator('[data-testid="rejections"]').textContent();
      assert.match(rejections, /line 3: a quote/);
      assertSameBytes(await download(page), expected.csv, 'download of the file with a stray quote');
    });
  });

  test('generic and misspelled headers are read by position and the page says so', { timeout: TEST_TIMEOUT }, async (t) => {
    const names = testDataLines()[0].split(',');
    const generic = names.map((_, i) => `Column${i + 1}`).join(',');
    const misspelled = names.map((n) => ({ srcbytes: 'src_byts', ishostlogin: 'is_hot_login' })[n] ?? n).join(',');
    const cases = [
      { file: withHeader('generic.csv', generic), said: /read by position/ },
      { file: withHeader('misspelled.csv', misspelled), said: /read `src_byts` as `src_bytes` \(column 5\)/ },
    ];
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      for (const { file, said } of cases) {
        await t.test(file, async () => {
          const expected = cliScore(file);
          assert.match(expected.stderr, said, 'the CLI says it on stderr');
          const summary = await scoreFile(page, file);
          assert.equal(summary.state, 'done', summary.error);
          assert.equal(summary.rejected, 0, 'the header is not a rejected row');
          const notes = page.locator('[data-testid="notes"]');
          assert.ok(await notes.isVisible(), 'the notes are shown');
          assert.match(await notes.textContent(), said);
          assertSameBytes(await download(page), expected.csv, `download of ${file}`);
        });
      }
    });
  });

  test('labels that name groups of attacks give no Neptune accuracy', { timeout: TEST_TIMEOUT }, async () => {
    const [header, ...rows] = testDataLines();
    const flag = header.split(',').indexOf('flag');
    const labelled = rows.slice(0, 400).map((row) => `${row},${row.split(',')[flag] === 'S0' ? 'anomaly' : 'normal'}`);
    const file = fixture('anomaly.csv', [`${header},class`, ...labelled].join('\n') + '\n');
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', summary.error);
      const metrics = page.locator('[data-testid="metrics"]');
      assert.ok(await metrics.isVisible());
      assert.equal(await metrics.getAttribute('data-accuracy'), null, 'no accuracy is claimed');
      assert.match(await page.locator('[data-testid="metrics-unsupported"]').textContent(), /groups of attacks \(anomaly\)/);
      assert.match(await metrics.textContent(), /anomaly/);
    });
  });

  test('JSON, and a file where no row can be scored, end in error in plain words', { timeout: TEST_TIMEOUT }, async (t) => {
    const [header, ...rows] = testDataLines();
    const unusable = rows.slice(0, 20).map((row) => `n/a${row.slice(row.indexOf(','))}`);
    const cases = [
      { file: fixture('records.json', '{"duration": 0, "protocol_type": "tcp"}\n{"duration": 1}\n'), message: /the file is JSON/ },
      { file: fixture('nothing-scored.csv', [header, ...unusable].join('\n') + '\n'), message: /no data row could be scored \(20 rows/ },
    ];
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      for (const { file, message } of cases) {
        await t.test(file, async () => {
          const cli = spawnSync(cliPath, ['score', file], { encoding: 'utf8' });
          assert.equal(cli.status, 2, 'the CLI exits 2');
          assert.match(cli.stderr, message);
          const summary = await scoreFile(page, file);
          assert.equal(summary.state, 'error');
          assert.match(summary.error, message);
        });
      }
    });
  });
});
