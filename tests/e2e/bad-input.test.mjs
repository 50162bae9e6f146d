// @ts-check
// Files the page must refuse in plain words, rows it must reject without dropping them, and
// data it must show as text, never as markup.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  TEST_TIMEOUT,
  assertSameBytes,
  cliScore,
  download,
  fixture,
  openApp,
  resultsText,
  scoreFile,
  testDataLines,
  withPage,
  useBrowserSuite,
} from './harness.mjs';

/** Each file-level problem and what its message must say. */
function malformedFiles() {
  const [header, ...rows] = testDataLines();
  const names = header.split(',');
  const srcBytes = names.indexOf('srcbytes');
  assert.ok(srcBytes >= 0, 'Test_Data.csv has a srcbytes column');
  const dropSrcBytes = (line) => line.split(',').filter((_, i) => i !== srcBytes).join(',');
  return [
    {
      name: 'three columns',
      file: fixture('three-columns.csv', 'a,b,c\n1,2,3\n'),
      message: /column|field/i,
    },
    {
      name: 'the srcbytes column missing',
      file: fixture('no-srcbytes.csv', () => [header, ...rows.slice(0, 50)].map(dropSrcBytes).join('\n') + '\n'),
      message: /src_bytes/,
    },
    {
      name: 'an empty file',
      file: fixture('empty.csv', ''),
      message: /empty|no (data|rows|content)/i,
    },
    {
      name: 'a PNG image',
      file: fixture(
        'image.csv',
        Buffer.concat([
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
          Buffer.from('IHDR'),
          Buffer.alloc(64, 0),
        ]),
      ),
      message: /PNG|image|not (a )?(text|CSV)/i,
    },
    {
      name: 'a ZIP archive',
      file: fixture('archive.csv', Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00', 'latin1'), Buffer.alloc(64, 7)])),
      message: /ZIP|archive|xlsx|not (a )?(text|CSV)/i,
    },
  ];
}

describe('bad input', () => {
  const suite = useBrowserSuite();

  test('a file that cannot be scored as a whole ends in error with a message in plain words', { timeout: TEST_TIMEOUT }, async (t) => {
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      for (const { name, file, message } of malformedFiles()) {
        await t.test(name, async () => {
          const summary = await scoreFile(page, file);
          assert.equal(summary.state, 'error', `${name}: data-state (rows ${summary.rows})`);
          assert.ok(summary.error, `${name}: the error element holds a message`);
          assert.ok(await page.locator('[data-testid="error"]').isVisible(), `${name}: the error is visible`);
          assert.match(summary.error, message, `${name}: the message says what is wrong`);
        });
      }
    });
  });

  test('rows that cannot be scored are counted, listed with their line numbers and kept in the download', { timeout: TEST_TIMEOUT }, async () => {
    const [header, ...rows] = testDataLines();
    const bad = rows[5].split(',');
    bad[header.split(',').indexOf('srcbytes')] = 'abc';
    const short = rows[6].split(',').slice(0, 10).join(',');
    // Lines: 1 header, 2-6 good rows, 7 `abc` in srcbytes, 8 ten fields only.
    const file = fixture('row-problems.csv', [header, ...rows.slice(0, 5), bad.join(','), short].join('\n') + '\n');
    const expected = cliScore(file);
    assert.match(expected.stderr, /line 7:.*\n.*line 8:/, 'the CLI rejects lines 7 and 8');

    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, 7, 'data-rows counts rejected rows too');
      assert.equal(summary.rejected, 2, 'data-rejected');

      const rejections = page.locator('[data-testid="rejections"]');
      assert.ok(await rejections.isVisible(), 'the rejections list is visible');
      const text = await rejections.textContent();
      assert.match(text, /\b7\b/, `the rejections list names line 7: ${JSON.stringify(text)}`);
      assert.match(text, /\b8\b/, `the rejections list names line 8: ${JSON.stringify(text)}`);
      assert.match(text, /abc/, 'the rejections list shows the value that could not be read');

      assertSameBytes(await download(page), expected.csv, 'download of the file with rejected rows');
    });
  });

  test('markup in a field is shown as text and never runs', { timeout: TEST_TIMEOUT }, async () => {
    const payload = '<img src=x onerror=alert(1)>';
    const [header, ...rows] = testDataLines();
    const file = fixture('markup.csv', [`${header},note`, `${rows[0]},${payload}`, `${rows[1]},plain`].join('\n') + '\n');
    const expected = cliScore(file);

    await withPage(suite.browser, async ({ page }) => {
      const dialogs = [];
      page.on('dialog', (dialog) => dialogs.push(dialog.message()));
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, 2, 'data-rows');

      const table = await resultsText(page);
      assert.ok(table.includes(payload), `the results table shows the field as literal text: ${JSON.stringify(table.slice(0, 300))}`);

      const injected = await page.evaluate(
        () => [...document.querySelectorAll('img')].filter((img) => img.getAttribute('src') === 'x').length,
      );
      assert.equal(injected, 0, 'no <img src=x> element exists in the DOM');
      assert.deepEqual(dialogs, [], 'no dialog opened');

      assertSameBytes(await download(page), expected.csv, 'download of the file with markup');
    });
  });
});
