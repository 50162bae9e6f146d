// @ts-check
// Shared plumbing for the browser end-to-end tests: the browser, the served site, the CLI that
// gives the expected bytes, fixtures written to a temp dir, and helpers that drive the page
// through its data-testid hooks. Each *.test.mjs file launches one browser and opens a fresh
// context per test; every test fails on any console error, page error, crash, dialog or failed
// request the page produced (see `withPage`).

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchChromium } from '../../scripts/chromium.mjs';

import { serve } from '../../scripts/serve.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built site; NEPTUNE_DIST overrides (to test another build). */
export const distDir = path.resolve(process.env.NEPTUNE_DIST ?? path.join(repoRoot, 'dist'));
/** The NSL-KDD files live beside the repository (never in it); NEPTUNE_DATA overrides. */
export const dataDir = process.env.NEPTUNE_DATA ?? path.resolve(repoRoot, '../shared/data');
export const testData = path.join(dataDir, 'Test_Data.csv');
export const trainData = path.join(dataDir, 'Train_Data.csv');
export const TEST_DATA_ROWS = 21712;
export const cliPath = path.join(repoRoot, 'target/release/neptune');

/** Waiting for a run to end: generous, the suite must not flake on a slow machine. */
export const RUN_TIMEOUT = 60_000;
/** Per-test timeout for node:test. */
export const TEST_TIMEOUT = 180_000;

/** Fails early, with the command to run, when the site or the data is missing. */
export function checkPrerequisites() {
  for (const file of ['index.html', 'neptune.html']) {
    assert.ok(
      existsSync(path.join(distDir, file)),
      `${path.join(distDir, file)} is missing: run \`make dist\` before the browser tests`,
    );
  }
  for (const file of [testData, trainData]) {
    assert.ok(existsSync(file), `${file} is missing (the NSL-KDD data is expected beside the repository, or set NEPTUNE_DATA)`);
  }
}

// ---------------------------------------------------------------------------------------------
// The CLI: the reference the page's download must equal byte for byte.

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

let cliChecked = false;
/** Builds target/release/neptune when it is missing or older than the sources. */
export function ensureCli() {
  if (cliChecked) return;
  const sources = Math.max(
    newestMtime(path.join(repoRoot, 'src')),
    newestMtime(path.join(repoRoot, 'models')),
    statSync(path.join(repoRoot, 'Cargo.toml')).mtimeMs,
  );
  if (!existsSync(cliPath) || statSync(cliPath).mtimeMs < sources) {
    execFileSync('cargo', ['build', '--release', '--bin', 'neptune'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  assert.ok(existsSync(cliPath), `${cliPath} is missing after \`cargo build --release\``);
  cliChecked = true;
}

const cliCache = new Map();
/** `neptune score INPUT -o OUT`: resolves to { csv: Buffer, stderr: string }. Cached per input. */
export function cliScore(input) {
  if (cliCache.has(input)) return cliCache.get(input);
  ensureCli();
  const out = path.join(fixtureDir(), `cli-${cliCache.size}-${path.basename(input)}.out.csv`);
  const run = spawnSync(cliPath, ['score', input, '-o', out], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`neptune score ${input} failed (exit ${run.status}): ${run.stderr}`);
  const stderr = run.stderr;
  const result = { csv: readFileSync(out), stderr };
  cliCache.set(input, result);
  return result;
}

/** The row count in `neptune score`'s summary line on stderr. */
export function cliRows({ stderr }) {
  const match = stderr.match(/neptune: (\d+) rows:/);
  assert.ok(match, `the CLI printed its summary line: ${stderr}`);
  return Number(match[1]);
}

/** `neptune eval --json INPUT`, parsed. */
export function cliEval(input) {
  ensureCli();
  return JSON.parse(execFileSync(cliPath, ['eval', '--json', input], { encoding: 'utf8' }));
}

/** Rows of a scored CSV whose last field (`predicted_attack`) is 1. Only for unquoted files. */
export function countFlagged(csv) {
  const lines = csv.toString('utf8').split('\n').slice(1);
  return lines.filter((line) => line.endsWith(',1')).length;
}

/** Asserts two byte buffers are equal; on mismatch names the first differing line of each. */
export function assertSameBytes(actual, expected, what) {
  if (actual.equals(expected)) return;
  let at = 0;
  const n = Math.min(actual.length, expected.length);
  while (at < n && actual[at] === expected[at]) at++;
  const lineStart = expected.lastIndexOf(0x0a, at - 1) + 1;
  const lineNo = expected.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
  // The line holding the first difference, cut to a window around it (lines can be long).
  const from = Math.max(lineStart, at - 160);
  const around = (buf) => {
    const end = buf.indexOf(0x0a, at);
    const to = Math.min(end === -1 ? buf.length : end + 1, at + 160);
    return (from > lineStart ? '…' : '') + JSON.stringify(buf.subarray(from, to).toString('utf8'));
  };
  assert.fail(
    `${what}: differs from \`neptune score\` output at byte ${at} (line ${lineNo}, column ${at - lineStart + 1}); ` +
      `page ${actual.length} bytes, CLI ${expected.length} bytes\n` +
      `  page: ${around(actual)}\n  CLI:  ${around(expected)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Fixtures, written by the tests into a temp dir (never into the repository).

let fixtures;
export function fixtureDir() {
  if (!fixtures) {
    fixtures = mkdtempSync(path.join(os.tmpdir(), 'neptune-e2e-'));
    process.on('exit', () => rmSync(fixtures, { recursive: true, force: true }));
  }
  return fixtures;
}

/** Writes `content` (string or Buffer) to a fixture file once; returns its path. */
export function fixture(name, content) {
  const file = path.join(fixtureDir(), name);
  if (!existsSync(file)) writeFileSync(file, typeof content === 'function' ? content() : content);
  return file;
}

let testLines;
/** Test_Data.csv as [header, ...rows] (no trailing empty line). */
export function testDataLines() {
  testLines ??= readFileSync(testData, 'utf8').split(/\r?\n/).filter((line) => line.length > 0);
  return testLines;
}

/** The first `n` rows of Test_Data.csv, with its header. */
export function smallFixture(n = 100) {
  return fixture(`first-${n}.csv`, () => testDataLines().slice(0, n + 1).join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------
// Browser, site, pages.

/** Launches Debian's chromium (never a downloaded one). */
export function launchBrowser() {
  return launchChromium();
}

/** Serves dist/ on a free port; `hits` counts every request the server saw. */
export async function serveDist() {
  const { server, url } = await serve(distDir, 0);
  const hits = [];
  server.on('request', (req) => hits.push(req.url));
  return { server, url, hits, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * Opens a fresh context and page, runs `body({ page, context, problems, requests })`, then fails
 * if the page reported any problem: console errors (the page's and its workers'), uncaught
 * errors, a crash, a dialog, an HTTP error response or a failed request. Nothing is ignored.
 */
export async function withPage(browser, body) {
  const context = await browser.newContext({ acceptDownloads: true });
  const problems = [];
  const requests = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location();
      problems.push(`console error: ${message.text()} (${where.url}:${where.lineNumber})`);
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught error: ${error.stack ?? error.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('dialog', (dialog) => {
    problems.push(`dialog (${dialog.type()}): ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  page.on('requestfailed', (request) => {
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  try {
    await body({ page, context, problems, requests });
  } catch (error) {
    // The page's own complaints often explain a failed assertion: show them with it.
    if (problems.length > 0) error.message += `\nthe page also reported:\n  ${problems.join('\n  ')}`;
    throw error;
  } finally {
    // Let late errors (a worker throwing after the run) surface before judging.
    await page.waitForTimeout(100).catch(() => {});
    await context.close();
  }
  assert.deepEqual(problems, [], 'the page reported problems');
}

/** Loads `url` and waits until the page can take a file. */
export async function openApp(page, url) {
  await page.goto(url);
  await waitForReady(page);
}

/**
 * Ready means: the file input exists, the summary says `idle`, and the scorer has loaded:
 * `window.__neptune.ready` (a promise, or a boolean) when the page exposes it, else the sample
 * button enabled.
 */
export async function waitForReady(page) {
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="file-input"]') !== null &&
      document.querySelector('[data-testid="summary"]')?.dataset.state === 'idle',
    null,
    { timeout: RUN_TIMEOUT },
  );
  const hook = await page.evaluate(() => {
    const ready = window.__neptune?.ready;
    return ready === undefined ? 'none' : typeof ready?.then === 'function' ? 'promise' : 'value';
  });
  if (hook === 'promise') {
    await page.evaluate(() => window.__neptune.ready);
  } else {
    const condition =
      hook === 'value'
        ? () => window.__neptune.ready === true
        : () => document.querySelector('[data-testid="sample"]')?.disabled === false;
    await page.waitForFunction(condition, null, { timeout: RUN_TIMEOUT });
  }
}

/**
 * Records every value the summary's data-state takes from now on, in order, into
 * `window.__e2eStates` (a MutationObserver with old values, so states set and replaced within
 * one task are kept too).
 */
export async function trackStates(page) {
  await page.evaluate(() => {
    window.__e2eObserver?.disconnect();
    const states = [];
    const current = () => document.querySelector('[data-testid="summary"]')?.getAttribute('data-state') ?? null;
    const observer = new MutationObserver((records) => {
      const changes = records.filter(
        (r) => r.type === 'attributes' && /** @type {Element} */ (r.target).getAttribute?.('data-testid') === 'summary',
      );
      // The value after change i is the old value of change i+1; after the last, the current one.
      for (let i = 1; i < changes.length; i++) states.push(changes[i].oldValue);
      if (changes.length > 0 || records.some((r) => r.type === 'childList')) {
        const now = current();
        if (changes.length > 0 || now !== states.at(-1)) states.push(now);
      }
    });
    observer.observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
      attributeOldValue: true,
    });
    window.__e2eStates = states;
    window.__e2eObserver = observer;
  });
}

/** The states recorded by `trackStates` since it was called. */
export function recordedStates(page) {
  return page.evaluate(() => [...window.__e2eStates]);
}

/** Waits until the summary's last recorded state (since `trackStates`) is done or error. */
export async function waitForRunEnd(page, timeout = RUN_TIMEOUT) {
  try {
    await page.waitForFunction(
      () => {
        const last = window.__e2eStates?.at(-1);
        return last === 'done' || last === 'error';
      },
      null,
      { timeout, polling: 50 },
    );
  } catch (e) {
    const states = await recordedStates(page).catch(() => '?');
    throw new Error(`the run did not end within ${timeout} ms; data-state went through ${JSON.stringify(states)}`, { cause: e });
  }
  return readSummary(page);
}

/** The summary's data attributes and the error text. */
export function readSummary(page) {
  return page.evaluate(() => {
    const summary = document.querySelector('[data-testid="summary"]');
    const error = document.querySelector('[data-testid="error"]');
    const number = (name) => (summary.hasAttribute(name) ? Number(summary.getAttribute(name)) : undefined);
    return {
      state: summary.getAttribute('data-state'),
      rows: number('data-rows'),
      flagged: number('data-flagged'),
      rejected: number('data-rejected'),
      elapsedMs: number('data-elapsed-ms'),
      error: error?.textContent.trim() ?? null,
    };
  });
}

/** Chooses `file` in the file input and waits for the run it starts to end (done or error). */
export async function scoreFile(page, file, timeout = RUN_TIMEOUT) {
  await startRun(page, file);
  return waitForRunEnd(page, timeout);
}

/** Chooses `file` without waiting for the run to end. */
export async function startRun(page, file) {
  await trackStates(page);
  await page.setInputFiles('[data-testid="file-input"]', file);
}

/**
 * Waits until the results table shows rows (it may fill in after data-state turns done) and
 * returns their text.
 */
export async function resultsText(page) {
  const rows = page.locator('[data-testid="results"] tbody tr');
  try {
    await rows.first().waitFor({ state: 'attached', timeout: 15_000 });
  } catch (e) {
    throw new Error('the results table shows no rows 15 s after the run ended', { cause: e });
  }
  return page.locator('[data-testid="results"]').textContent();
}

/**
 * The usual hooks of a browser test file: prerequisites checked, the CLI built when older than
 * the sources (here, not inside a test's time limit), dist/ served and one browser launched.
 * Returns an object whose `browser` and `site` are set once the hooks have run.
 */
export function useBrowserSuite() {
  const suite = { browser: null, site: null };
  before(async () => {
    checkPrerequisites();
    ensureCli();
    suite.site = await serveDist();
    suite.browser = await launchBrowser();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.site?.close();
  });
  return suite;
}

/** Clicks the download hook and returns the downloaded bytes. */
export async function download(page) {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: RUN_TIMEOUT }),
    page.click('[data-testid="download"]'),
  ]);
  const failure = await file.failure();
  assert.equal(failure, null, `the download failed: ${failure}`);
  return readFileSync(await file.path());
}
