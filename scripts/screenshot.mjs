// Writes docs/screenshot.png: the page (dist/) after scoring the first 5,000 rows of
// Train_Data.csv (labelled, so the metrics and the curves show) with the threshold moved to 0.35.
//   node scripts/screenshot.mjs [dist] [out.png]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { serve } from './serve.mjs';

const [dist = 'dist', out = 'docs/screenshot.png'] = process.argv.slice(2);
const data = process.env.NEPTUNE_DATA ?? '../shared/data';
const dir = mkdtempSync(path.join(os.tmpdir(), 'neptune-shot-'));
const file = path.join(dir, 'Train_Data-5000.csv');
writeFileSync(file, readFileSync(path.join(data, 'Train_Data.csv'), 'utf8').split('\n').slice(0, 5001).join('\n') + '\n');

const { server, url } = await serve(dist, 0);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`${url}#threshold=0.35`);
  await page.waitForFunction(() => !document.querySelector('[data-testid="file-input"]').disabled);
  await page.setInputFiles('[data-testid="file-input"]', file);
  await page.waitForFunction(() => document.querySelector('[data-testid="summary"]').dataset.state === 'done');
  await page.locator('[data-testid="results"] tbody tr').first().waitFor();
  // From the top to the end of the curves: the summary, the threshold, the histogram, the
  // metrics and the curves.
  const bottom = await page.evaluate(() => document.getElementById('curves').getBoundingClientRect().bottom + window.scrollY);
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom + 24) } });
  console.log(`screenshot: wrote ${out}`);
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
