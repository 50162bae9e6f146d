// @ts-check
// Privacy: once the page has loaded, scoring a file makes no network request, and the page's
// Content-Security-Policy would stop one to another host.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  TEST_DATA_ROWS,
  TEST_TIMEOUT,
  checkPrerequisites,
  distDir,
  launchBrowser,
  openApp,
  scoreFile,
  serveDist,
  testData,
  withPage,
} from './harness.mjs';

/**
 * blob: and data: URLs name bytes already in the page's memory (a worker or a download made
 * from a Blob, an inlined resource); Playwright reports some of them as requests, but nothing
 * leaves the browser. Everything else counts as a network request.
 */
const inMemory = (url) => url.startsWith('blob:') || url.startsWith('data:');

/** Sources a connect-src may list without allowing arbitrary hosts. */
const LOCAL_SOURCES = new Set(["'self'", "'none'", 'blob:', 'data:']);

/** The CSP a page declares in a <meta http-equiv> tag, as { directive: [sources] }. */
function metaCsp(html) {
  const tags = [...html.matchAll(/<meta\b[^>]*>/gi)].map((m) => m[0]);
  const tag = tags.find((t) => /http-equiv\s*=\s*["']?content-security-policy/i.test(t));
  if (!tag) return null;
  const content = tag.match(/content\s*=\s*(?:"([^"]*)"|'([^']*)')/i);
  assert.ok(content, `the CSP meta tag has a content attribute: ${tag}`);
  const policy = {};
  for (const part of (content[1] ?? content[2]).split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) policy[name.toLowerCase()] = sources;
  }
  return policy;
}

function assertConnectSrcIsLocal(file) {
  const policy = metaCsp(readFileSync(file, 'utf8'));
  assert.ok(policy, `${path.basename(file)} declares a Content-Security-Policy in a <meta http-equiv> tag`);
  // Without connect-src, fetch and XHR fall back to default-src.
  const directive = policy['connect-src'] ? 'connect-src' : 'default-src';
  const sources = policy[directive];
  assert.ok(sources, `${path.basename(file)}: the CSP has a connect-src (or default-src) directive`);
  const open = sources.filter((s) => !LOCAL_SOURCES.has(s.toLowerCase()));
  assert.deepEqual(open, [], `${path.basename(file)}: ${directive} allows only ${[...LOCAL_SOURCES].join(' ')} (got ${sources.join(' ')})`);
}

describe('privacy', () => {
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

  test('scoring Test_Data.csv makes no network request once the page is ready', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, async ({ page, requests }) => {
      const loadedFrom = site.hits.length;
      await openApp(page, site.url);
      const origin = new URL(site.url).origin;
      const loading = requests.filter((url) => !inMemory(url) && new URL(url).origin !== origin);
      assert.deepEqual(loading, [], 'loading the page requests nothing from another origin');

      const seenByBrowser = requests.length;
      const seenByServer = site.hits.length;
      const summary = await scoreFile(page, testData);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, TEST_DATA_ROWS, 'data-rows');
      // Requests sent right after the run (a lazy chunk, a beacon) count too.
      await page.waitForTimeout(500);

      const during = requests.slice(seenByBrowser).filter((url) => !inMemory(url));
      assert.deepEqual(during, [], 'requests the browser made while scoring (blob: and data: excluded)');
      assert.deepEqual(site.hits.slice(seenByServer), [], 'requests the server received while scoring');
      // The primary worker compiles the module and hands it to the others (www/pool.js).
      const wasmDownloads = site.hits.slice(loadedFrom).filter((hit) => hit.endsWith('/neptune_bg.wasm'));
      assert.equal(wasmDownloads.length, 1, 'the scorer module is downloaded once, however many workers score');
    });
  });

  test('index.html declares a Content-Security-Policy whose connect-src allows no other host', () => {
    assertConnectSrcIsLocal(path.join(distDir, 'index.html'));
  });

  test('neptune.html (the single file) declares the same kind of Content-Security-Policy', () => {
    assertConnectSrcIsLocal(path.join(distDir, 'neptune.html'));
  });
});
