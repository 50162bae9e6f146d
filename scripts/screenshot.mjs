// @ts-check
// Writes docs/screenshot.png: the page (dist/) after scoring the first 5,000 rows of
// Train_Data.csv (labelled, so the metrics and the curves show) with the threshold moved to 0.35;
// docs/incidents.png: the incidents of the Zeek conn.log zeekids_0621.conn.log (skipped when
// that log is absent); and docs/training.png: a model trained in the page on those 5,000 rows,
// compared with the built-in one.
//   node scripts/screenshot.mjs [dist] [out.png] [incidents.png] [training.png]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launchChromium } from './chromium.mjs';

import { serve } from './serve.mjs';

const [dist = 'dist', out = 'docs/screenshot.png', incidentsOut = 'docs/incidents.png', trainingOut = 'docs/training.png'] =
  process.argv.slice(2);
const data = process.env.NEPTUNE_DATA ?? '../shared/data';
const dir = mkdtempSync(path.join(os.tmpdir(), 'neptune-shot-'));
const file = path.join(dir, 'Train_Data-5000.csv');
writeFileSync(file, readFileSync(path.join(data, 'Train_Data.csv'), 'utf8').split('\n').slice(0, 5001).join('\n') + '\n');
const connLog = path.join(data, 'zeek/zeekids_0621.conn.log');

const { server, url } = await serve(dist, 0);
const browser = await launchChromium();
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

  // Train on the same file, then the comparison with the built-in model.
  await page.click('[data-testid="train"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="training"]').dataset.state === 'done', null, { timeout: 120_000 });
  await page.locator('#train-card').screenshot({ path: trainingOut });
  console.log(`screenshot: wrote ${trainingOut}`);

  if (existsSync(connLog)) {
    const logPage = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
    await logPage.goto(url);
    await logPage.waitForFunction(() => !document.querySelector('[data-testid="file-input"]').disabled);
    await logPage.setInputFiles('[data-testid="file-input"]', connLog);
    await logPage.waitForFunction(() => document.querySelector('[data-testid="summary"]').dataset.state === 'done');
    // The incidents section down to its fourth incident (the flood, the scan, retries): with more,
    // or with the summary above, the PNG grows past 150 KB.
    const section = await logPage.locator('[data-testid="incidents"]').boundingBox();
    const row = await logPage.locator('[data-testid="incidents"] tbody tr').nth(3).boundingBox();
    const clip = { x: section.x, y: section.y, width: section.width, height: row.y + row.height + 1 - section.y };
    await logPage.screenshot({ path: incidentsOut, fullPage: true, clip });
    console.log(`screenshot: wrote ${incidentsOut}`);
  } else {
    console.log(`screenshot: ${connLog} is absent, ${incidentsOut} not taken`);
  }
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
