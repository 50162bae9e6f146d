// @ts-check
// Two (or more) builds of the site measured side by side, for deciding whether a page change
// helps: on a shared 2-core machine one run of `make bench` moves by 20-30% from hour to hour,
// so a change is only seen when the builds take turns in the same minutes.
//
// Usage: node scripts/bench/page-ab.mjs [--file FILE] [--runs 12] [--loads 0] DIST_A DIST_B ...
//   --file   scored in a warm page per build, the builds taking turns (default
//            ../shared/data/Test_Data.csv); each figure is the page's own data-elapsed-ms (pick
//            -> summary, histogram and the table's first page painted), the first two runs of
//            each build not counted
//   --runs   runs per build
//   --loads  also this many first loads per build (a fresh context each, taking turns): the
//            time from navigation start to window.__neptune.ready
// Prints each build's median, the runs, and the median's ratio to the first build.
// To make a build of an older commit: `git worktree add /tmp/old REV && make -C /tmp/old dist`.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { launchChromium } from '../chromium.mjs';
import { serve } from '../serve.mjs';

const { values: opts, positionals: dists } = parseArgs({
  allowPositionals: true,
  options: {
    file: { type: 'string', default: '../shared/data/Test_Data.csv' },
    runs: { type: 'string', default: '12' },
    loads: { type: 'string', default: '0' },
  },
});
if (dists.length < 1 || dists.some((dist) => !existsSync(`${dist}/index.html`))) {
  console.error('usage: node scripts/bench/page-ab.mjs [--file F] [--runs N] [--loads N] DIST_A DIST_B ...');
  process.exit(2);
}
const runs = Number(opts.runs);
const loads = Number(opts.loads);
const WARM_UP_RUNS = 2;

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[sorted.length >> 1] : NaN;
};

/** @param {import('playwright-core').Page} page */
async function scoreOnce(page, file) {
  await page.locator('#file-input').setInputFiles(file);
  await page.waitForFunction(() => document.querySelector('[data-testid="summary"]')?.dataset.state === 'done', null, {
    polling: 'raf',
    timeout: 600_000,
  });
  const elapsed = await page.evaluate(() => Number(document.querySelector('[data-testid="summary"]')?.dataset.elapsedMs));
  // Let the frame after `done` (the download link) pass before the next build's turn.
  await page.waitForTimeout(300);
  return elapsed;
}

const browser = await launchChromium();
const sites = await Promise.all(dists.map((dist) => serve(dist, 0)));
try {
  const builds = [];
  for (const [i, dist] of dists.entries()) {
    const page = await browser.newPage();
    await page.goto(sites[i].url);
    await page.evaluate(() => window.__neptune.ready);
    builds.push({ dist, page, times: [], loads: [] });
  }
  for (let run = 0; run < runs + WARM_UP_RUNS; run++) {
    for (const build of builds) {
      const elapsed = await scoreOnce(build.page, opts.file);
      if (run >= WARM_UP_RUNS) build.times.push(elapsed);
    }
  }
  for (let load = 0; load < loads; load++) {
    for (const [i, build] of builds.entries()) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(sites[i].url);
      build.loads.push(await page.evaluate(async () => {
        await window.__neptune.ready;
        return performance.now();
      }));
      await context.close();
    }
  }
  const base = median(builds[0].times);
  const baseLoad = median(builds[0].loads);
  for (const build of builds) {
    const m = median(build.times);
    console.log(`${build.dist}: ${opts.file} median ${m.toFixed(1)} ms (${(m / base).toFixed(2)}x the first) runs ${build.times.join(' ')}`);
    if (loads > 0) {
      const l = median(build.loads);
      const shown = build.loads.map((t) => t.toFixed(0)).join(' ');
      console.log(`${build.dist}: first load median ${l.toFixed(1)} ms (${(l / baseLoad).toFixed(2)}x the first) loads ${shown}`);
    }
  }
} finally {
  await browser.close();
  for (const { server } of sites) server.close();
}
