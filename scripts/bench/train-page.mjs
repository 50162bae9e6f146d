// @ts-check
// Training in the page on a full labelled file (issue 14's bar: Train_Data.csv within 30 s on
// 2 cores, under 512 MB), with `neptune train`'s native time beside it and the two model files
// compared byte for byte.
//
// Usage: node scripts/bench/train-page.mjs [--dist dist] [--data ../shared/data/Train_Data.csv]
//          [--cli target/release/neptune] [--runs 3] [--json RESULT.json]
//
// A run starts at the click on "Train a model on this file" and ends when `data-testid="training"`
// says `done` (both stamped with the page's performance.now()); the page's own figure (from
// posting the file to the worker to the model's arrival) is `data-seconds`. Memory: the
// proportional set size (PSS, /proc) of every Chromium process this script started, sampled every
// 100 ms during the run; the figure before the click (the file scored, the results shown) is
// printed beside the peak; and the training worker's wasm memory once done (it never shrinks: its
// peak).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { chromiumPss, launchChromium } from '../chromium.mjs';

import { serve } from '../serve.mjs';

const { values: opts } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    data: { type: 'string', default: '../shared/data/Train_Data.csv' },
    cli: { type: 'string', default: 'target/release/neptune' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});

const SAMPLE_MS = 100;
const MB = 1024 * 1024;

function nativeTrain(out) {
  const started = performance.now();
  const run = spawnSync(opts.cli, ['train', '--data', opts.data, '--seed', '42', '--no-compare', '--out', out], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`neptune train failed: ${run.stderr}`);
  return (performance.now() - started) / 1000;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'neptune-train-bench-'));
const { server, url } = await serve(path.resolve(opts.dist), 0);
const browser = await launchChromium();
const results = { data: opts.data, runs: [] };
try {
  const cliModel = path.join(tmp, 'cli.postcard');
  results.nativeSeconds = nativeTrain(cliModel);
  for (let i = 0; i < Number(opts.runs); i++) {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(url);
    await page.evaluate(() => window.__neptune.ready);
    await page.setInputFiles('[data-testid="file-input"]', opts.data);
    await page.waitForFunction(() => document.querySelector('[data-testid="summary"]').dataset.state === 'done', null, { timeout: 120_000 });
    await page.waitForTimeout(500);
    const before = chromiumPss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, chromiumPss());
    }, SAMPLE_MS);
    const started = await page.evaluate(() => {
      const t = performance.now();
      document.querySelector('[data-testid="train"]').click();
      return t;
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="training"]').dataset.state !== 'training', null, { timeout: 300_000, polling: 20 });
    const ended = await page.evaluate(() => performance.now());
    clearInterval(sampler);
    peak = Math.max(peak, chromiumPss());
    const training = await page.evaluate(() => {
      const t = document.querySelector('[data-testid="training"]');
      return { state: t.dataset.state, seconds: Number(t.dataset.seconds), wasm: Number(t.dataset.memoryBytes), text: t.textContent.trim() };
    });
    if (training.state !== 'done') throw new Error(`training ended in ${training.state}: ${training.text}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="model-download"]')]);
    const sameBytes = readFileSync(await download.path()).equals(readFileSync(cliModel));
    const run = { seconds: (ended - started) / 1000, pageSeconds: training.seconds, pssBefore: before, pssPeak: peak, workerWasm: training.wasm, sameBytes };
    results.runs.push(run);
    console.log(
      `run ${i + 1}: trained in the page in ${run.seconds.toFixed(2)} s (page's own figure ${run.pageSeconds.toFixed(2)} s); ` +
        `Chromium PSS ${(before / MB).toFixed(0)} MB before, peak ${(peak / MB).toFixed(0)} MB during; ` +
        `the training worker's wasm memory ${(training.wasm / MB).toFixed(0)} MB; ` +
        `model ${sameBytes ? 'equals' : 'DIFFERS FROM'} neptune train's`,
    );
    await context.close();
  }
  const best = Math.min(...results.runs.map((r) => r.seconds));
  console.log(`${path.basename(opts.data)}: page ${best.toFixed(2)} s (best of ${results.runs.length}), native neptune train ${results.nativeSeconds.toFixed(2)} s`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2));
  if (results.runs.some((r) => !r.sameBytes)) process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
  rmSync(tmp, { recursive: true, force: true });
}
