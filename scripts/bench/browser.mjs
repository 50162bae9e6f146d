// @ts-check
// The page in headless Chromium, through the real page and worker path: first load to usable page,
// Test_Data.csv warm runs, and the large file with its memory and main-thread long tasks.
//
// Usage: node scripts/bench/browser.mjs --dist DIR --test FILE [--test-rows N]
//          [--big FILE --big-rows N]... [--loads 5] [--runs 7] [--big-runs 3] [--anchor DIR]
//          --json RESULT.json
// Each --big file (repeatable, with its --big-rows in the same order) gets --big-runs runs.
// --anchor: the onnxruntime-web + PapaParse page (prepared by scripts/bench/anchor.sh), timed on
// the Test_Data file taking turns with this page.
//
// How each figure is taken (all written into RESULT.json with the raw runs):
// - A run starts when the file input fires `input`/`change` (a capture listener the init script
//   installs on the document) and ends when a MutationObserver sees the summary's data-state become
//   `done`: both stamped with the page's performance.now(), so no DevTools round trip is inside.
//   Also kept per run: the wall time in Node from the setInputFiles call to page.waitForFunction
//   (polling 'raf') seeing the run done, and the page's own data-elapsed-ms.
// - First load: a fresh browser context per load (empty HTTP cache), navigation start (the page's
//   time origin) to usable: the document parsed (so the page's module scripts have run), the file
//   input enabled and window.__neptune.ready true (or resolved, if a promise; without the hook, the
//   input alone). Checked on every DOM mutation and every 4 ms.
// - Memory during the large file, sampled every SAMPLE_MS over DevTools (CDP):
//     page JS heap + its ArrayBuffers   Runtime.getHeapUsage on the page (usedSize, backingStorageSize)
//     worker JS heap + its ArrayBuffers Runtime.getHeapUsage in each dedicated worker (reached by
//                                       Target.setAutoAttach on the page's session)
//     wasm memory                       memory.buffer.byteLength of the module the worker imported
//                                       (its glue's initSync() returns the live instance's exports)
//   V8 counts neither the wasm memory nor ArrayBuffer contents in usedSize, hence the three parts.
//   Also sampled: the proportional set size (PSS) of all Chromium processes, from /proc.
// - The wasm scorer alone (Test_Data.csv, one thread, the page's main thread): the fast path and
//   the general one alternating in one page, push + finish timed with performance.now().
// - The anchor: this page and the anchor page (same data-testid contract) open side by side in
//   one browser, one run of each not counted, then runs taking turns, each timed as above.
// - Long tasks: a PerformanceObserver for 'longtask' (the main thread only; Chromium reports tasks
//   over 50 ms), installed before any page script by page.addInitScript.
// - Memory and long tasks of a large-file run cover the run and SETTLE_MS after it (the results
//   table is drawn then).

import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { CHROMIUM_ARGS, chromiumPss, launchChromium } from '../chromium.mjs';

import { serve } from '../serve.mjs';

const { values: opts } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    test: { type: 'string' },
    'test-rows': { type: 'string' },
    big: { type: 'string', multiple: true, default: [] },
    'big-rows': { type: 'string', multiple: true, default: [] },
    loads: { type: 'string', default: '5' },
    runs: { type: 'string', default: '7' },
    'big-runs': { type: 'string', default: '3' },
    anchor: { type: 'string' },
    json: { type: 'string' },
  },
});

// Chromium's flags (scripts/chromium.mjs) and, for memory figures, precise memory info.
const EXTRA_ARGS = ['--enable-precise-memory-info'];
const SAMPLE_MS = 250;
// After `done` the page still shows its table (sorted in the worker, drawn on the main thread):
// large-file runs keep sampling memory and long tasks this long after it, and Test_Data.csv runs
// leave the page this long between two picks, as a person would.
const SETTLE_MS = 2000;
const PAUSE_MS = 300;
const WORKER_TIMEOUT_MS = 10_000;
const RUN_TIMEOUT = 20 * 60_000;
const INPUT = '[data-testid="file-input"]';

const log = (...parts) => console.error('browser:', ...parts);

/** Runs in the page before its own scripts: run stamps, readiness, long tasks. */
function benchInit() {
  const bench = {
    longtasks: [],
    longtaskSupported: PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false,
    readyAt: null,
    armed: false,
    t0: null,
    tDone: null,
    endState: null,
  };
  window.__bench = bench;
  if (bench.longtaskSupported) {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) bench.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  }
  const isInput = (target) => target?.matches?.('[data-testid="file-input"]');
  const onPick = (event) => {
    if (bench.armed && isInput(event.target)) {
      bench.armed = false;
      bench.t0 = performance.now();
    }
  };
  document.addEventListener('input', onPick, true);
  document.addEventListener('change', onPick, true);

  // The hook's `ready` may be a boolean or a promise (a getter may return a new one each time:
  // hook the first one only).
  let hooked = false;
  let promiseResolved = false;
  let parsed = false;
  document.addEventListener('DOMContentLoaded', () => {
    parsed = true;
    checkReady();
  });
  const checkReady = () => {
    if (bench.readyAt !== null) return;
    const input = document.querySelector('[data-testid="file-input"]');
    if (!input || input.disabled) return;
    // Module scripts run after readyState turns 'interactive' but before DOMContentLoaded: until
    // that event a missing hook may still come.
    if (!parsed) return;
    const hook = window.__neptune;
    if (hook && 'ready' in hook) {
      const ready = hook.ready;
      if (ready && typeof ready.then === 'function') {
        if (!hooked) {
          hooked = true;
          ready.then(() => {
            promiseResolved = true;
            checkReady();
          });
        }
        if (!promiseResolved) return;
      } else if (ready !== true) {
        return;
      }
    }
    bench.readyAt = performance.now();
  };
  const checkDone = () => {
    if (bench.t0 === null || bench.tDone !== null) return;
    const state = document.querySelector('[data-testid="summary"]')?.getAttribute('data-state');
    if (state === 'done' || state === 'error') {
      bench.tDone = performance.now();
      bench.endState = state;
    }
  };
  new MutationObserver(() => {
    checkDone();
    checkReady();
  }).observe(document, { subtree: true, childList: true, attributes: true });
  const poll = setInterval(() => {
    checkReady();
    if (bench.readyAt !== null || performance.now() > 60_000) clearInterval(poll);
  }, 4);
}

/** Evaluated in the worker: the byte length of the wasm memory of the module it imported. */
const WASM_MEMORY_PROBE = `(async () => {
  try {
    const glue = await import(new URL('neptune.js', self.location.href).href);
    return glue.initSync().memory.buffer.byteLength;
  } catch (e) {
    return -1;
  }
})()`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Opens a page with the init script, DevTools sessions to it and its workers. */
async function openPage(browser) {
  const context = await browser.newContext();
  await context.addInitScript(benchInit);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught error: ${e.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('console', (m) => {
    // A missing favicon is the browser's request, not the page's problem.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(`console error: ${m.text()}`);
  });
  const cdp = await context.newCDPSession(page);
  // Dedicated workers are child targets of the page: attach to them (non-flat, so that the
  // public CDPSession can talk to them through Target.sendMessageToTarget).
  const workers = new Map();
  const pending = new Map();
  let nextId = 1;
  cdp.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.type === 'worker') workers.set(e.sessionId, e.targetInfo.url);
  });
  cdp.on('Target.detachedFromTarget', (e) => workers.delete(e.sessionId));
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const message = JSON.parse(e.message);
    const waiter = message.id !== undefined && pending.get(message.id);
    if (waiter) {
      pending.delete(message.id);
      waiter(message);
    }
  });
  // A worker that goes away (a restart) while asked never answers: give up on it after a while,
  // rather than wait for ever (the sampler is awaited at the end of a run).
  const toWorker = (sessionId, method, params = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        log(`no answer from worker ${workers.get(sessionId) ?? sessionId} to ${method} in ${WORKER_TIMEOUT_MS} ms`);
        resolve({ error: 'timeout' });
      }, WORKER_TIMEOUT_MS);
      pending.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
        .catch((error) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve({ error });
        });
    });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return { context, page, cdp, workers, toWorker, problems };
}

async function waitReady(page) {
  await page.waitForFunction(() => window.__bench?.readyAt !== null, null, { timeout: 60_000, polling: 'raf' });
  return page.evaluate(() => window.__bench.readyAt);
}

/** Main-thread long tasks since the current run's start: the list and the longest. */
async function longtasksSinceStart(page) {
  const longtasks = await page.evaluate(() => {
    const b = window.__bench;
    // Start times relative to the pick, to tell the run's tasks from the ones after `done`.
    return b.longtasks
      .filter((t) => t.start + t.duration >= b.t0)
      .map((t) => ({ sincePickMs: t.start - b.t0, duration: t.duration }));
  });
  return { longtasks, maxLongtaskMs: longtasks.reduce((m, t) => Math.max(m, t.duration), 0) };
}

/** One run: pick `file`, wait for done; returns the timings and the summary's attributes. */
async function runFile(page, file, timeout = 120_000) {
  await page.evaluate(() => {
    const input = document.querySelector('[data-testid="file-input"]');
    input.value = ''; // so that picking the same file again is a change
    Object.assign(window.__bench, { armed: true, t0: null, tDone: null, endState: null, longtasks: [] });
  });
  const started = performance.now();
  await page.setInputFiles(INPUT, file);
  await page.waitForFunction(() => window.__bench.tDone !== null, null, { timeout, polling: 'raf' });
  const nodeWallMs = performance.now() - started;
  const r = await page.evaluate(() => {
    const b = window.__bench;
    const s = document.querySelector('[data-testid="summary"]');
    const num = (name) => (s.hasAttribute(name) ? Number(s.getAttribute(name)) : null);
    return {
      pageMs: b.tDone - b.t0,
      state: b.endState,
      elapsedAttrMs: num('data-elapsed-ms'),
      rows: num('data-rows'),
      flagged: num('data-flagged'),
      rejected: num('data-rejected'),
      error: document.querySelector('[data-testid="error"]')?.textContent.trim() || null,
      longtaskSupported: b.longtaskSupported,
    };
  });
  r.nodeWallMs = nodeWallMs;
  return r;
}

/**
 * Moving the threshold control after a run: the time from setting its value (and dispatching
 * `input`) to the page laid out again (a forced layout), for a few values; median and max in ms.
 * That is the work a frame must hold (the wait for the display's next frame is not counted).
 * What is timed is everything the page does at once: counts, histogram, metrics, the curves'
 * dots, the verdicts of the table's rows shown (with "attacks only" on, which the bench leaves
 * off, the table's page is redrawn after, asynchronously).
 */
async function thresholdChanges(page) {
  const times = await page.evaluate(async () => {
    const control = document.querySelector('[data-testid="threshold"]');
    const frame = () => /** @type {Promise<void>} */ (new Promise((resolve) => requestAnimationFrame(() => resolve())));
    const times = [];
    for (const value of [0.3, 0.5, 0.35, 0.6, 0.25, 0.45, 0.4]) {
      await frame();
      const t0 = performance.now();
      control.value = String(value);
      control.dispatchEvent(new Event('input', { bubbles: true }));
      document.body.getBoundingClientRect();
      times.push(performance.now() - t0);
    }
    return times;
  });
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[sorted.length >> 1], maxMs: sorted[sorted.length - 1], runs: times.length };
}

function checkRun(r, rows, what) {
  if (r.state !== 'done') throw new Error(`${what}: the page ended in state ${r.state}: ${r.error}`);
  if (rows !== undefined && r.rows !== rows) throw new Error(`${what}: the page reported ${r.rows} rows, expected ${rows}`);
}

/** One memory sample: page heap, each worker's heap, wasm memory, Chromium's PSS. */
async function sampleMemory({ cdp, workers, toWorker }) {
  const sample = { t: performance.now(), pageHeap: 0, pageBuffers: 0, workerHeap: 0, workerBuffers: 0, wasm: 0 };
  const page = await cdp.send('Runtime.getHeapUsage');
  sample.pageHeap = page.usedSize;
  sample.pageBuffers = page.backingStorageSize ?? 0;
  for (const sessionId of [...workers.keys()]) {
    const heap = await toWorker(sessionId, 'Runtime.getHeapUsage');
    if (heap.result) {
      sample.workerHeap += heap.result.usedSize;
      sample.workerBuffers += heap.result.backingStorageSize ?? 0;
    }
    const wasm = await toWorker(sessionId, 'Runtime.evaluate', {
      expression: WASM_MEMORY_PROBE,
      awaitPromise: true,
      returnByValue: true,
    });
    const bytes = wasm.result?.result?.value;
    if (typeof bytes === 'number' && bytes > 0) sample.wasm += bytes;
  }
  sample.total = sample.pageHeap + sample.pageBuffers + sample.workerHeap + sample.workerBuffers + sample.wasm;
  sample.chromiumPss = chromiumPss();
  return sample;
}

const mb = (bytes) => (bytes / 1e6).toFixed(1);

async function firstLoads(browser, url, n) {
  const runs = [];
  for (let i = -1; i < n; i++) {
    const { context, page, problems } = await openPage(browser);
    await page.goto(url, { waitUntil: 'commit' });
    const readyMs = await waitReady(page);
    const nav = await page.evaluate(() => {
      const e = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]);
      const resources = /** @type {PerformanceResourceTiming[]} */ (performance.getEntriesByType('resource'));
      return {
        domContentLoadedMs: e?.domContentLoadedEventEnd ?? null,
        loadMs: e?.loadEventEnd || null,
        resources: resources.length + 1,
        transferBytes: resources.reduce((s, r) => s + r.transferSize, e?.transferSize ?? 0),
        maxLongtaskMs: window.__bench.longtasks.reduce((m, t) => Math.max(m, t.duration), 0),
      };
    });
    await context.close();
    if (problems.length) throw new Error(`first load: ${problems.join('; ')}`);
    if (i < 0) {
      log(`first load warm-up (not counted): ${readyMs.toFixed(1)} ms`);
      continue;
    }
    runs.push({ readyMs, ...nav });
    log(`first load ${i + 1}/${n}: usable after ${readyMs.toFixed(1)} ms (load event ${nav.loadMs?.toFixed(1)} ms)`);
  }
  return runs;
}

async function testDataRuns(browser, url, file, rows, n) {
  const { context, page, problems } = await openPage(browser);
  await page.goto(url);
  await waitReady(page);
  const runs = [];
  for (let i = -1; i < n; i++) {
    const r = await runFile(page, file);
    checkRun(r, rows, path.basename(file));
    await page.waitForTimeout(PAUSE_MS);
    Object.assign(r, await longtasksSinceStart(page));
    if (i < 0) {
      log(`${path.basename(file)} warm-up (not counted): ${r.pageMs.toFixed(1)} ms`);
      continue;
    }
    runs.push(r);
    log(
      `${path.basename(file)} run ${i + 1}/${n}: ${r.pageMs.toFixed(1)} ms in the page ` +
        `(data-elapsed-ms ${r.elapsedAttrMs}, Node wall ${r.nodeWallMs.toFixed(1)} ms)`,
    );
  }
  runs[runs.length - 1].threshold = await thresholdChanges(page);
  log(`${path.basename(file)}: a threshold change takes ${runs[runs.length - 1].threshold.medianMs.toFixed(1)} ms of work and layout (median)`);
  await context.close();
  if (problems.length) throw new Error(`${path.basename(file)}: ${problems.join('; ')}`);
  return runs;
}

/**
 * This page and the anchor page (what a web developer would build without this project: PapaParse
 * + onnxruntime-web running the seed's XGBoost; ../shared/bench/ort-web) on `file`, each open in
 * its own context, their runs taking turns so that both see the same machine: one run of each
 * not counted, then `n` of each. The anchor's "done" is its counts shown (it draws no table).
 */
async function anchorComparison(browser, url, anchorUrl, file, rows, n) {
  const pages = [];
  try {
    for (const [name, at] of [
      ['page', url],
      ['anchor', anchorUrl],
    ]) {
      const opened = await openPage(browser);
      pages.push({ name, ...opened, runs: [] });
      await opened.page.goto(at);
      await waitReady(opened.page);
    }
    for (let i = -1; i < n; i++) {
      for (const p of pages) {
        const r = await runFile(p.page, file);
        checkRun(r, rows, `${p.name}: ${path.basename(file)}`);
        await p.page.waitForTimeout(PAUSE_MS);
        if (i >= 0) p.runs.push(r);
      }
      if (i >= 0) log(`${path.basename(file)} turn ${i + 1}/${n}: ${pages.map((p) => `${p.name} ${p.runs.at(-1).pageMs.toFixed(1)} ms`).join(', ')}`);
    }
    const stages = await pages[1].page.evaluate(() => ({ ...document.querySelector('[data-testid="summary"]').dataset }));
    for (const p of pages) if (p.problems.length) throw new Error(`${p.name}: ${p.problems.join('; ')}`);
    return {
      anchorUrl,
      pageMs: median(pages[0].runs.map((r) => r.pageMs)),
      anchorMs: median(pages[1].runs.map((r) => r.pageMs)),
      // The anchor's own split of its last run (PapaParse, one-hot, onnxruntime-web), in ms.
      anchorStages: { parseMs: Number(stages.parseMs), encodeMs: Number(stages.encodeMs), inferMs: Number(stages.inferMs) },
      runs: Object.fromEntries(pages.map((p) => [p.name, p.runs])),
    };
  } finally {
    for (const p of pages) await p.context.close();
  }
}

/**
 * The wasm scorer alone on one thread in Chromium, the fast path and the general one
 * (`generalOnly()`) in the same page, alternating: medians of `n` runs of push + finish over the
 * whole file (the batches it hands to JavaScript included), after two runs of each not counted.
 */
async function wasmStages(browser, file, n) {
  // A page of its own next to copies of the module and its glue: the site's CSP keeps wasm out
  // of its main thread.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neptune-wasm-stages-'));
  for (const name of ['neptune.js', 'neptune_bg.wasm']) copyFileSync(path.join(opts.dist, name), path.join(dir, name));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>wasm stages</title>');
  const { server, url } = await serve(dir, 0);
  const { context, page } = await openPage(browser);
  await page.goto(url);
  const base64 = readFileSync(file).toString('base64');
  const result = await page.evaluate(
    async ({ base64, n }) => {
      const glue = await import(new URL('./neptune.js', location.href).href);
      await glue.default();
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const once = (general) => {
        const scorer = new glue.WasmScorer();
        if (general) scorer.generalOnly();
        const started = performance.now();
        scorer.push(bytes);
        scorer.finish();
        const ms = performance.now() - started;
        scorer.free();
        return ms;
      };
      const times = { fast: [], general: [] };
      for (let i = -2; i < n; i++) {
        const general = once(true);
        const fast = once(false);
        if (i >= 0) {
          times.general.push(general);
          times.fast.push(fast);
        }
      }
      return times;
    },
    { base64, n },
  );
  server.close();
  rmSync(dir, { recursive: true, force: true });
  await context.close();
  const mb = statSync(file).size / 1e6;
  const out = {};
  for (const path of ['fast', 'general']) {
    const ms = median(result[path]);
    out[path] = { ms, mbps: mb / (ms / 1000), runs: result[path] };
  }
  log(`wasm scorer on one thread: fast path ${out.fast.ms.toFixed(1)} ms, general path ${out.general.ms.toFixed(1)} ms`);
  return out;
}

async function bigRuns(browser, url, file, rows, n) {
  const runs = [];
  for (let i = 0; i < n; i++) {
    // A fresh context per run, so that each starts from the same memory.
    const session = await openPage(browser);
    const { context, page, problems } = session;
    await page.goto(url);
    await waitReady(page);
    const baseline = await sampleMemory(session);
    const samples = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await sampleMemory(session));
        await new Promise((ok) => setTimeout(ok, SAMPLE_MS));
      }
    })();
    let r;
    try {
      r = await runFile(page, file, RUN_TIMEOUT);
      await page.waitForTimeout(SETTLE_MS);
      Object.assign(r, await longtasksSinceStart(page));
    } finally {
      sampling = false;
      await sampler;
    }
    samples.push(await sampleMemory(session));
    checkRun(r, rows, path.basename(file));
    r.threshold = await thresholdChanges(page);
    const peak = (key) => samples.reduce((m, s) => Math.max(m, s[key]), 0);
    r.memory = {
      samples: samples.length,
      sampleMs: SAMPLE_MS,
      settleMs: SETTLE_MS,
      baseline,
      peakTotal: peak('total'),
      peakPageHeap: peak('pageHeap'),
      peakPageBuffers: peak('pageBuffers'),
      peakWorkerHeap: peak('workerHeap'),
      peakWorkerBuffers: peak('workerBuffers'),
      peakWasm: peak('wasm'),
      peakChromiumPss: peak('chromiumPss'),
      wasmMeasured: samples.some((s) => s.wasm > 0),
      workersSeen: session.workers.size,
    };
    await context.close();
    if (problems.length) throw new Error(`${path.basename(file)}: ${problems.join('; ')}`);
    runs.push(r);
    log(
      `${path.basename(file)} run ${i + 1}/${n}: ${(r.pageMs / 1000).toFixed(2)} s, peak memory ` +
        `${mb(r.memory.peakTotal)} MB (wasm ${mb(r.memory.peakWasm)}, page heap ${mb(r.memory.peakPageHeap)} + buffers ` +
        `${mb(r.memory.peakPageBuffers)}, worker heap ${mb(r.memory.peakWorkerHeap)} + buffers ` +
        `${mb(r.memory.peakWorkerBuffers)}), longest main-thread task ${r.maxLongtaskMs ? `${r.maxLongtaskMs.toFixed(0)} ms` : 'none over 50 ms'}`,
    );
  }
  return runs;
}

async function main() {
  const { server, url } = await serve(opts.dist, 0);
  const browser = await launchChromium(EXTRA_ARGS);
  const result = { chromium: browser.version(), url, args: [...CHROMIUM_ARGS, ...EXTRA_ARGS] };
  try {
    log(`Chromium ${browser.version()}, serving ${opts.dist} at ${url}`);
    result.firstLoad = await firstLoads(browser, url, Number(opts.loads));
    const testRows = opts['test-rows'] === undefined ? undefined : Number(opts['test-rows']);
    result.test = {
      file: opts.test,
      bytes: statSync(opts.test).size,
      rows: testRows,
      runs: await testDataRuns(browser, url, path.resolve(opts.test), testRows, Number(opts.runs)),
    };
    if (opts.anchor) {
      const anchor = await serve(opts.anchor, 0);
      try {
        log(`the anchor page: serving ${opts.anchor} at ${anchor.url}`);
        result.anchor = await anchorComparison(browser, url, `${anchor.url}index.html?model=xgb`, path.resolve(opts.test), testRows, Number(opts.runs));
      } catch (error) {
        // The anchor is someone else's page: its failure is reported, the bench goes on.
        log(`the anchor page failed: ${error.message}`);
        result.anchor = { error: String(error.message) };
      } finally {
        anchor.server.close();
      }
    }
    result.wasmStages = await wasmStages(browser, path.resolve(opts.test), Number(opts.runs) * 2);
    result.big = [];
    for (const [i, file] of opts.big.entries()) {
      const rows = Number(opts['big-rows'][i]);
      result.big.push({
        file,
        bytes: statSync(file).size,
        rows,
        runs: await bigRuns(browser, url, path.resolve(file), rows, Number(opts['big-runs'])),
      });
    }
  } finally {
    await browser.close();
    server.close();
  }
  result.summary = {
    firstLoadMedianMs: median(result.firstLoad.map((r) => r.readyMs)),
    testMedianMs: median(result.test.runs.map((r) => r.pageMs)),
  };
  if (opts.json) await writeFile(opts.json, JSON.stringify(result, null, 1));
}

main().catch((error) => {
  console.error('browser: FAILED:', error.stack ?? error);
  process.exit(1);
});
