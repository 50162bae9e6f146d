// @ts-check
// The site works from a plain static server that does not know the wasm MIME type
// (application/octet-stream, as some do): the primary worker cannot compile while downloading
// and compiles the downloaded bytes instead (www/worker.js `compile`).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
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

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** dist/ served with every unknown type, the wasm's included, as application/octet-stream. */
async function servePlain() {
  const server = createServer(async (req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1) || 'index.html';
    if (name.includes('/') || name.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(path.join(distDir, name));
      res.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', () => listening(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

describe('serving', () => {
  let browser;
  let site;
  before(async () => {
    checkPrerequisites();
    ensureCli();
    site = await servePlain();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    site?.server.close();
  });

  test('a server that sends the wasm as application/octet-stream still gives the CLI\'s bytes', { timeout: TEST_TIMEOUT }, async () => {
    const expected = cliScore(testData);
    await withPage(browser, async ({ page }) => {
      await openApp(page, site.url);
      const summary = await scoreFile(page, testData);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, TEST_DATA_ROWS, 'data-rows');
      assertSameBytes(await download(page), expected.csv, 'download from a plainly served page');
    });
  });
});
