// @ts-check
// The page under stress (issue #6, item 5): a large file cancelled midway, two files chosen in
// quick succession, a scorer worker that dies mid-run, memory across ten runs in one page, and
// (opt-in, NEPTUNE_E2E_HUGE=1) a 2 GB file. Driven only through the data-testid hooks and what a
// user sees; the runs that end `done` are checked against `neptune score` (rows, download bytes).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  RUN_TIMEOUT,
  TEST_DATA_ROWS,
  TEST_TIMEOUT,
  assertSameBytes,
  checkPrerequisites,
  cliPath,
  cliScore,
  download,
  ensureCli,
  fixtureDir,
  launchBrowser,
  openApp,
  readSummary,
  recordedStates,
  scoreFile,
  serveDist,
  smallFixture,
  startRun,
  testData,
  trackStates,
  trainData,
  withPage,
} from './harness.mjs';
import { HeapProbe, MB, mb, removeFile, rendererRssKb, repeatedTestData, withPageExpecting } from './stress-harness.mjs';

const FINAL = new Set(['done', 'error']);
const HUGE = process.env.NEPTUNE_E2E_HUGE === '1';

/** The progress bar's value (0..1), or null when the page has none. */
function progress(page) {
  return page.evaluate(() => {
    const bar = document.querySelector('[data-testid="progress"]');
    return bar ? Number(bar.value) : null;
  });
}

/**
 * Waits until the run is under way: the progress bar has passed `from` (a fraction) and the run
 * has not ended. Resolves to the progress then.
 */
async function waitUntilMidway(page, what, from = 0.2) {
  try {
    await page.waitForFunction(
      (min) => {
        const state = document.querySelector('[data-testid="summary"]').dataset.state;
        const bar = document.querySelector('[data-testid="progress"]');
        return state !== 'done' && state !== 'error' && state !== 'idle' && bar && bar.value >= min && bar.value < 1;
      },
      from,
      { timeout: RUN_TIMEOUT, polling: 20 },
    );
  } catch (error) {
    throw new Error(`${what}: the progress bar never showed a run under way (${JSON.stringify(await readSummary(page))}, states ${JSON.stringify(await recordedStates(page))})`, { cause: error });
  }
  return progress(page);
}

/** Waits until the summary is final and data-rows is `rows` (or the wait times out with what it shows). */
async function waitForRows(page, rows, what) {
  try {
    await page.waitForFunction(
      (n) => {
        const summary = document.querySelector('[data-testid="summary"]');
        return summary.dataset.state === 'error' || (summary.dataset.state === 'done' && Number(summary.dataset.rows) === n);
      },
      rows,
      { timeout: RUN_TIMEOUT, polling: 50 },
    );
  } catch (error) {
    throw new Error(`${what}: the page never showed ${rows} rows done; it shows ${JSON.stringify(await readSummary(page))} (states ${JSON.stringify(await recordedStates(page))})`, { cause: error });
  }
  return readSummary(page);
}

/** Asserts the page shows Test_Data.csv's run: done, 21,712 rows, no metrics, the CLI's bytes. */
async function assertShowsTestData(page, what) {
  const expected = cliScore(testData);
  const summary = await readSummary(page);
  assert.equal(summary.state, 'done', `${what}: run ended in ${summary.state}: ${summary.error}`);
  assert.equal(summary.rows, TEST_DATA_ROWS, `${what}: data-rows`);
  assert.equal(summary.rejected, 0, `${what}: data-rejected`);
  assert.equal(await page.locator('[data-testid="error"]').isVisible(), false, `${what}: no error is shown`);
  assert.equal(await page.locator('[data-testid="metrics"]').count(), 0, `${what}: no metrics (Test_Data.csv has no labels)`);
  assertSameBytes(await download(page), expected.csv, `${what}: the download`);
}

/** The SHA-256 of a file, read as a stream. */
function sha(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });
}

/** `neptune score input -o out`, asynchronously: a long blocking call would stall Playwright's connection. */
function cliScoreTo(input, out) {
  return new Promise((resolve, reject) => {
    const child = spawn(cliPath, ['score', input, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('stress', () => {
  let browser;
  let site;
  let big; // ~150 MB: Test_Data.csv's rows repeated.
  before(async () => {
    checkPrerequisites();
    ensureCli();
    cliScore(testData);
    big = await repeatedTestData(150);
    site = await serveDist();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    if (big) removeFile(big.file);
  });

  test('stress: a large file cancelled midway, then Test_Data.csv: done with 21,712 rows, the CLI\'s bytes', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, async ({ page }) => {
      await openApp(page, site.url);
      await startRun(page, big.file);
      const at = await waitUntilMidway(page, 'the 150 MB file');
      const cancel = page.locator('[data-testid="cancel"]');
      await cancel.click();
      const stopped = await page.waitForFunction(
        () => {
          const state = document.querySelector('[data-testid="summary"]').dataset.state;
          return state !== 'working' && state;
        },
        null,
        { timeout: 5_000 },
      ).then((h) => h.jsonValue(), () => null);
      console.log(`# cancelled the 150 MB file at progress ${at?.toFixed(3)}; data-state then ${stopped}`);
      assert.ok(stopped !== null, 'the page leaves the working state within 5 s of Cancel');
      assert.notEqual(stopped, 'done', 'the cancelled run did not finish');
      assert.notEqual(stopped, 'error', `cancelling is not an error: ${(await readSummary(page)).error}`);

      const summary = await scoreFile(page, testData);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      await assertShowsTestData(page, 'after the cancelled run');
      await page.waitForTimeout(2000);
      const later = await readSummary(page);
      assert.deepEqual([later.state, later.rows], ['done', TEST_DATA_ROWS], 'the cancelled run does not come back later');
    });
  });

  test('stress: the 150 MB file to done: its download, kept in dozens of Blobs joined while it was scored, equals the CLI\'s bytes', { timeout: TEST_TIMEOUT }, async () => {
    await withPage(browser, async ({ page }) => {
      await openApp(page, site.url);
      const summary = await scoreFile(page, big.file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, big.rows, 'data-rows');
      const [file] = await Promise.all([
        page.waitForEvent('download', { timeout: RUN_TIMEOUT }),
        page.click('[data-testid="download"]'),
      ]);
      assert.equal(await file.failure(), null, 'the download failed');
      const out = path.join(fixtureDir(), 'big-cli.out.csv');
      try {
        const cli = await cliScoreTo(big.file, out);
        assert.equal(cli.status, 0, cli.stderr);
        const saved = await file.path();
        assert.equal(statSync(saved).size, statSync(out).size, 'the download is as long as the CLI\'s output');
        assert.equal(await sha(saved), await sha(out), 'the download equals the CLI\'s output (SHA-256)');
      } finally {
        removeFile(out);
        await file.delete().catch(() => {});
      }
    });
  });

  test('stress: two files chosen quickly one after another: only the second\'s result shows, and stays', { timeout: TEST_TIMEOUT }, async (t) => {
    await t.test('setInputFiles twice without waiting (Train_Data.csv, then Test_Data.csv)', async () => {
      await withPage(browser, async ({ page }) => {
        await openApp(page, site.url);
        await trackStates(page);
        // Back to back, waiting for nothing the page does. (Each call is awaited only so that the
        // two choices reach the page in this order: two unawaited calls can overtake each other
        // inside Playwright, which stats the files before sending.)
        const input = '[data-testid="file-input"]';
        await page.setInputFiles(input, trainData);
        await page.setInputFiles(input, testData);

        await waitForRows(page, TEST_DATA_ROWS, 'the second file');
        const states = await recordedStates(page);
        await assertShowsTestData(page, 'the second file');
        await page.waitForTimeout(3000);
        await assertShowsTestData(page, '3 s later');
        assert.deepEqual(await recordedStates(page), states, 'data-state did not change after the second file\'s run ended');
      });
    });

    await t.test('both changes in one task (Train_Data.csv, then the first 100 rows of Test_Data.csv)', async () => {
      const small = smallFixture(100);
      const expected = cliScore(small);
      await withPage(browser, async ({ page }) => {
        await openApp(page, site.url);
        // Both Files go into a stash input of the test's own, then into the page's input with one
        // `change` each, back to back in one task: as fast as two files can possibly come.
        await page.evaluate(() => {
          const stash = document.createElement('input');
          stash.type = 'file';
          stash.multiple = true;
          stash.id = 'e2e-stash';
          stash.hidden = true;
          document.body.append(stash);
        });
        await page.setInputFiles('#e2e-stash', [trainData, small]);
        await trackStates(page);
        await page.evaluate(() => {
          const [first, second] = /** @type {HTMLInputElement} */ (document.getElementById('e2e-stash')).files;
          const input = document.querySelector('[data-testid="file-input"]');
          for (const file of [first, second]) {
            const transfer = new DataTransfer();
            transfer.items.add(file);
            input.files = transfer.files;
            input.dispatchEvent(new Event('input', { bubbles: true }));
            input.dispatchEvent(new Event('change', { bubbles: true }));
          }
        });
        const summary = await waitForRows(page, 100, 'the second file');
        const states = await recordedStates(page);
        const check = async (when) => {
          const now = await readSummary(page);
          assert.equal(now.state, 'done', `${when}: run ended in ${now.state}: ${now.error}`);
          assert.equal(now.rows, 100, `${when}: data-rows is the second file's`);
          assert.equal(await page.locator('[data-testid="metrics"]').count(), 0, `${when}: no metrics from the labelled first file`);
          assertSameBytes(await download(page), expected.csv, `${when}: the download`);
        };
        assert.equal(summary.rows, 100);
        await check('the second file');
        await page.waitForTimeout(3000);
        await check('3 s later');
        assert.deepEqual(await recordedStates(page), states, 'data-state did not change after the second file\'s run ended');
        assert.equal(states.filter((s) => FINAL.has(s)).length, 1, `one run ended (data-state went through ${JSON.stringify(states)})`);
      });
    });
  });

  test('stress: a scorer worker that dies mid-run is reported within seconds, and the next run succeeds', { timeout: TEST_TIMEOUT }, async () => {
    const allowed = await withPageExpecting(browser, [/\bsimulated crash\b/], async ({ page }) => {
      await openApp(page, site.url);
      await startRun(page, big.file);
      await waitUntilMidway(page, 'the 150 MB file');
      const workers = page.workers();
      assert.ok(workers.length > 0, 'the page runs its scorer in a worker');
      console.log(`# ${workers.length} worker(s) alive mid-run; crashing ${workers[0].url()}`);
      const crashedAt = Date.now();
      await workers[0].evaluate(() => {
        setTimeout(() => {
          throw new Error('simulated crash');
        });
      });

      let reported;
      try {
        await page.waitForFunction(
          () => {
            const summary = document.querySelector('[data-testid="summary"]');
            const error = document.querySelector('[data-testid="error"]');
            return summary.dataset.state === 'error' || (error && !error.hidden && error.textContent.trim() !== '');
          },
          null,
          { timeout: 5_000, polling: 50 },
        );
        reported = await readSummary(page);
      } catch {
        const now = await readSummary(page);
        assert.fail(`the crash was not reported within 5 s: data-state ${now.state}, error ${JSON.stringify(now.error)}, states ${JSON.stringify(await recordedStates(page))}`);
      }
      console.log(`# crash reported after ${Date.now() - crashedAt} ms: data-state ${reported.state}, message ${JSON.stringify(reported.error)}`);
      assert.ok(reported.error, 'the error element holds a message');
      assert.ok(await page.locator('[data-testid="error"]').isVisible(), 'the message is visible');
      assert.notEqual(reported.state, 'done', 'a run whose worker died is not reported done');
      // Not working forever: the run is over (error), not silently still going.
      await page.waitForTimeout(2000);
      const settled = await readSummary(page);
      assert.equal(settled.state, 'error', `2 s after the crash the run is over, reported as an error (data-state ${settled.state})`);

      // The user chooses a file again right away.
      const summary = await scoreFile(page, testData);
      assert.equal(summary.state, 'done', `the run after the crash ended in ${summary.state}: ${summary.error}`);
      await assertShowsTestData(page, 'the run after the crash');
    });
    console.log(`# console errors expected from the simulated crash: ${allowed.length ? allowed.join(' | ') : 'none'}`);
  });

  test('stress: memory returns to its baseline over ten runs of Test_Data.csv in one page', { timeout: TEST_TIMEOUT }, async () => {
    const RUNS = 10;
    await withPage(browser, async ({ page }) => {
      await openApp(page, site.url);
      const probe = await HeapProbe.attach(page);
      const samples = [];
      const expected = cliScore(testData);
      for (let run = 1; run <= RUNS; run++) {
        const summary = await scoreFile(page, testData);
        assert.equal(summary.state, 'done', `run ${run} ended in ${summary.state}: ${summary.error}`);
        assert.equal(summary.rows, TEST_DATA_ROWS, `run ${run}: data-rows`);
        if (run === 1 || run === RUNS) assertSameBytes(await download(page), expected.csv, `run ${run}: the download`);
        // Let the results table finish filling in before measuring.
        await page.waitForTimeout(300);
        const m = await probe.measure();
        const rss = rendererRssKb();
        samples.push({ run, ...m, rssKb: rss });
        console.log(
          `# memory after run ${run}: JS total ${mb(m.jsTotal)} MB = page heap ${mb(m.page.used)} + page buffers ${mb(m.page.backing)}` +
            ` + ${m.workers.length} worker(s) heap ${mb(m.workers.reduce((s, w) => s + w.used, 0))} + buffers ${mb(m.workers.reduce((s, w) => s + w.backing, 0))}` +
            `; page DOM/embedder ${mb(m.page.embedder)} MB; workers' wasm memory ${mb(m.wasmTotal)} MB; renderer RSS ${rss === null ? '?' : (rss / 1024).toFixed(1)} MB`,
        );
      }
      await probe.detach();

      const base = samples[1];
      const TOLERANCE = 10 * MB;
      for (const s of samples.slice(2)) {
        assert.ok(
          s.jsTotal - base.jsTotal < TOLERANCE,
          `run ${s.run}: the JS heaps (page + workers) grew ${mb(s.jsTotal - base.jsTotal)} MB over run 2's ${mb(base.jsTotal)} MB (tolerance ${mb(TOLERANCE)} MB)`,
        );
        assert.ok(
          s.wasmTotal - base.wasmTotal < TOLERANCE,
          `run ${s.run}: the workers' wasm memory grew ${mb(s.wasmTotal - base.wasmTotal)} MB over run 2's ${mb(base.wasmTotal)} MB`,
        );
      }
      // No steady climb: across the last five runs the total must not rise at every step by more
      // than noise. The first ten or so runs do add a few tens of KB each to the page's heap while
      // V8 warms up (compiled code, type feedback), then it flattens: 40 runs measured 6.81 MB
      // after run 10 and 6.83 MB after runs 25 to 40. A leak of 64 KB or more per run fails.
      const last = samples.slice(-5).map((s) => s.jsTotal + s.wasmTotal);
      const rising = last.every((v, i) => i === 0 || v > last[i - 1]);
      assert.ok(!rising || last.at(-1) - last[0] < 256 * 1024, `memory rose at every one of the last five runs: ${last.map(mb).join(' → ')} MB`);
    });
  });

  test('stress: a 2 GB file is streamed to done or refused in plain words, the page staying responsive (opt-in: NEPTUNE_E2E_HUGE=1)', { timeout: 60 * 60_000, skip: HUGE ? false : 'set NEPTUNE_E2E_HUGE=1 to run it (writes a 2 GB file, takes minutes)' }, async () => {
    const t0 = Date.now();
    const huge = await repeatedTestData(2048, 'huge-2gb.csv');
    console.log(`# wrote ${mb(huge.bytes)} MB (${huge.rows.toLocaleString()} rows) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    try {
      await withPage(browser, async ({ page }) => {
        await openApp(page, site.url);
        const started = Date.now();
        await startRun(page, huge.file);
        const seen = [];
        let worstRoundTrip = 0;
        let outcome = null;
        const deadline = started + 45 * 60_000;
        while (Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 3000));
          const before = Date.now();
          const look = await page.evaluate(() => {
            const summary = document.querySelector('[data-testid="summary"]');
            return { state: summary.dataset.state, progress: Number(document.querySelector('[data-testid="progress"]')?.value ?? NaN) };
          });
          const roundTrip = Date.now() - before;
          worstRoundTrip = Math.max(worstRoundTrip, roundTrip);
          if (FINAL.has(look.state)) {
            outcome = look.state;
            break;
          }
          seen.push(look.progress);
          console.log(`# ${((Date.now() - started) / 1000).toFixed(0)} s: ${look.state}, progress ${look.progress.toFixed(3)}, evaluate round trip ${roundTrip} ms`);
          assert.ok(roundTrip < 1000, `the page answered an evaluate in ${roundTrip} ms while working (must be under 1 s)`);
          if (seen.length >= 4) {
            // Over any four samples (about 12 s) the bar must have moved.
            assert.ok(seen.at(-1) > seen.at(-4), `the progress bar stalled at ${seen.at(-1)} for ~9 s`);
          }
        }
        const elapsed = (Date.now() - started) / 1000;
        assert.ok(outcome !== null, `the 2 GB run neither finished nor was refused in 45 min (progress ${seen.at(-1)})`);
        const summary = await readSummary(page);
        console.log(`# 2 GB outcome after ${elapsed.toFixed(1)} s: ${outcome}; rows ${summary.rows}; message ${JSON.stringify(summary.error)}; worst evaluate round trip ${worstRoundTrip} ms`);
        assert.ok(seen.length === 0 || seen.at(-1) > seen[0] || outcome === 'error', 'the progress bar advanced');
        if (outcome === 'error') {
          assert.ok(summary.error && summary.error.length > 10, 'refused in plain words');
          assert.ok(await page.locator('[data-testid="error"]').isVisible(), 'the refusal is visible');
          return;
        }
        assert.equal(summary.rows, huge.rows, 'data-rows counts every row of the 2 GB file');
        assert.equal(summary.rejected, 0, 'data-rejected');
        // "done" promises a download: take it, then compare it with the CLI's by SHA-256.
        const downloadStarted = Date.now();
        const [file] = await Promise.all([
          page.waitForEvent('download', { timeout: 10 * 60_000 }),
          page.click('[data-testid="download"]'),
        ]);
        const failure = await file.failure();
        assert.equal(
          failure,
          null,
          `the page said done (${summary.rows.toLocaleString()} rows) and offered the scored CSV, but the browser's download of it ` +
            `failed (${failure}) after ${Date.now() - downloadStarted} ms: the user gets no file and no message`,
        );
        const saved = await file.path();
        console.log(`# the page's download: ${mb(statSync(saved).size)} MB in ${((Date.now() - downloadStarted) / 1000).toFixed(1)} s`);
        const out = path.join(fixtureDir(), 'huge-cli.out.csv');
        try {
          const cliStarted = Date.now();
          const cli = await cliScoreTo(huge.file, out);
          assert.equal(cli.status, 0, cli.stderr);
          console.log(`# the CLI on the 2 GB file: ${((Date.now() - cliStarted) / 1000).toFixed(1)} s`);
          const [pageSha, cliSha] = await Promise.all([sha(saved), sha(out)]);
          assert.equal(pageSha, cliSha, 'the 2 GB download equals the CLI\'s output (SHA-256)');
        } finally {
          removeFile(out);
          await file.delete().catch(() => {});
        }
      });
    } finally {
      removeFile(huge.file);
    }
  });
});
