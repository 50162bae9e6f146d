// @ts-check
// The threshold in the analyst's hands (issue 12): moving the control changes every view to
// what `neptune eval --threshold T` and `neptune score --threshold T` report, without
// rescoring; the curves' AUC and average precision are `neptune eval`'s; the hash keeps it.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
  TEST_TIMEOUT,
  assertSameBytes,
  cliPath,
  countFlagged,
  dataDir,
  download,
  fixture,
  fixtureDir,
  openApp,
  readSummary,
  resultsText,
  scoreFile,
  trackStates,
  trainData,
  useBrowserSuite,
  waitForRunEnd,
  withPage,
} from './harness.mjs';
import { existsSync, readFileSync } from 'node:fs';

/** The first 4,000 rows of Train_Data.csv: labelled 0/1, both classes. */
function labelledFile() {
  return fixture('threshold-train.csv', () => readFileSync(trainData, 'utf8').split('\n').slice(0, 4001).join('\n') + '\n');
}

function cliEvalAt(file, threshold) {
  return JSON.parse(execFileSync(cliPath, ['eval', file, '--json', '--threshold', String(threshold)], { encoding: 'utf8' }));
}

function cliScoreAt(file, threshold) {
  const out = path.join(fixtureDir(), `at-${threshold}-${path.basename(file)}`);
  const run = spawnSync(cliPath, ['score', file, '-o', out, '--threshold', String(threshold)], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return readFileSync(out);
}

/** Sets the range control's value and dispatches `input` and `change`, as the contract says. */
async function setThreshold(page, value) {
  await page.evaluate((v) => {
    const control = document.querySelector('[data-testid="threshold"]');
    control.value = String(v);
    control.dispatchEvent(new Event('input', { bubbles: true }));
    control.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

async function shown(page) {
  return page.evaluate(() => ({
    threshold: Number(document.querySelector('[data-testid="summary"]').dataset.threshold),
    flagged: Number(document.querySelector('[data-testid="summary"]').dataset.flagged),
    confusion: JSON.parse(document.querySelector('[data-testid="metrics"]')?.dataset.confusion ?? 'null'),
    auc: Number(document.querySelector('[data-testid="roc"]').dataset.auc),
    ap: Number(document.querySelector('[data-testid="pr"]').dataset.ap),
    hash: location.hash,
  }));
}

/** What `shown` gives once the hash has caught up with the control (it waits for it to rest). */
async function settled(page) {
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="summary"]').dataset.threshold;
    const model = document.querySelector('[data-testid="summary"]').dataset.modelThreshold;
    return location.hash === `#threshold=${t}` || (location.hash === '' && t === model);
  });
  return shown(page);
}

describe('threshold', () => {
  const suite = useBrowserSuite();

  test('moving the threshold gives eval\'s confusion matrix and score\'s flagged count, and the download follows', { timeout: TEST_TIMEOUT }, async (t) => {
    const file = labelledFile();
    const model = JSON.parse(execFileSync(cliPath, ['eval', file, '--json'], { encoding: 'utf8' }));
    // A threshold strictly between two distinct scores of the file, at three decimals.
    const curve = path.join(fixtureDir(), 'threshold-curve.csv');
    execFileSync(cliPath, ['eval', file, '--curve', curve]);
    const scores = readFileSync(curve, 'utf8').trim().split('\n').slice(2).map((line) => Number(line.split(',')[0]));
    let between = null;
    for (let i = 1; i < scores.length && between === null; i++) {
      const candidate = Math.round(((scores[i - 1] + scores[i]) / 2) * 1000) / 1000;
      if (candidate < scores[i - 1] && candidate > scores[i]) between = candidate;
    }
    assert.ok(between !== null, 'the file has two scores with a 0.001 step between them');
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', summary.error);
      const start = await shown(page);
      assert.equal(start.threshold, model.threshold, 'it starts at the model\'s threshold');
      assert.equal(start.auc.toFixed(6), model.roc_auc.toFixed(6), 'data-auc is eval\'s ROC-AUC');
      assert.equal(start.ap.toFixed(6), model.average_precision.toFixed(6), 'data-ap is eval\'s average precision');
      for (const threshold of [0, 1, between, 0.35]) {
        await t.test(`threshold ${threshold}`, async () => {
          await setThreshold(page, threshold);
          const now = await settled(page);
          const expected = cliEvalAt(file, threshold);
          assert.equal(now.threshold, threshold);
          assert.deepEqual(now.confusion, expected.confusion, 'the confusion matrix is eval\'s');
          assert.equal(now.flagged, countFlagged(cliScoreAt(file, threshold)), 'data-flagged is `neptune score --threshold`\'s');
          assert.equal(now.hash, `#threshold=${threshold}`, 'the hash keeps it');
          assert.equal(now.auc, start.auc, 'the curves do not move');
        });
      }
      await setThreshold(page, 0.35);
      assertSameBytes(await download(page), cliScoreAt(file, 0.35), 'the download at threshold 0.35');
      // Back to the model's: the first download again.
      await page.click('[data-testid="threshold-reset"]');
      const reset = await settled(page);
      assert.equal(reset.threshold, model.threshold);
      assert.equal(reset.hash, '');
      assert.deepEqual(reset.confusion, model.confusion);
    });
  });

  test('the table\'s verdicts follow the threshold: the rows shown, and with attacks only', { timeout: TEST_TIMEOUT }, async () => {
    const file = labelledFile();
    /** The CLI's verdicts at `threshold`, by line of the file (its rows are on lines 2, 3, ...). */
    const cliVerdicts = (threshold) =>
      cliScoreAt(file, threshold).toString('utf8').trimEnd().split('\n').slice(1).map((line) => line.endsWith(',1'));
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', summary.error);
      await resultsText(page);
      // What the table shows: each row's line, verdict pill, `is-attack` class, score bar's side
      // and whether it says "false alarm" or "missed".
      const table = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('[data-testid="results"] tbody tr')].map((tr) => {
            const cells = /** @type {HTMLTableRowElement} */ (tr).cells;
            return {
              line: Number(cells[0].textContent.replace(/\D/g, '')),
              verdict: cells[2].querySelector('.pill').textContent,
              attackRow: tr.classList.contains('is-attack'),
              attackBar: cells[1].querySelector('.score-fill').classList.contains('towards-attack'),
              wrong: cells[2].querySelector('.pill-wrong')?.textContent ?? null,
              label: cells[3].textContent,
            };
          }),
        );
      const check = (rows, threshold, what) => {
        const verdicts = cliVerdicts(threshold);
        assert.ok(rows.length > 0, `${what}: the table shows rows`);
        for (const row of rows) {
          const attack = verdicts[row.line - 2];
          assert.equal(row.verdict, attack ? 'attack' : 'normal', `${what}: line ${row.line}'s verdict`);
          assert.equal(row.attackRow, attack, `${what}: line ${row.line}'s row class`);
          assert.equal(row.attackBar, attack, `${what}: line ${row.line}'s score bar`);
          const wrong = attack && row.label === 'normal' ? 'false alarm' : !attack && row.label === 'neptune' ? 'missed' : null;
          assert.equal(row.wrong, wrong, `${what}: line ${row.line}'s false alarm / missed note`);
        }
      };
      const lines = (rows) => rows.map((row) => row.line);
      const first = await table();
      check(first, (await shown(page)).threshold, 'at the model\'s threshold');
      for (const threshold of [0, 1, 0.35]) {
        await setThreshold(page, threshold);
        await settled(page);
        const rows = await table();
        check(rows, threshold, `at ${threshold}`);
        assert.deepEqual(lines(rows), lines(first), `at ${threshold}: the same rows are shown`);
      }
      // Attacks only: the rows shown are the attacks at the threshold in effect, and follow it.
      await page.check('#attacks-only');
      for (const threshold of [0.35, 0.9]) {
        await setThreshold(page, threshold);
        await settled(page);
        const expected = cliVerdicts(threshold)
          .map((attack, i) => (attack ? i + 2 : 0))
          .filter(Boolean)
          .slice(0, first.length);
        await page.waitForFunction(
          (want) => {
            const shownLines = [...document.querySelectorAll('[data-testid="results"] tbody tr')].map((tr) =>
              Number(/** @type {HTMLTableRowElement} */ (tr).cells[0].textContent.replace(/\D/g, '')),
            );
            return JSON.stringify(shownLines) === JSON.stringify(want);
          },
          expected,
          { timeout: 15_000 },
        );
        check(await table(), threshold, `attacks only at ${threshold}`);
      }
    });
  });

  test('the hash reopens at its threshold; a bad one is ignored with a note; the keyboard moves it', { timeout: TEST_TIMEOUT }, async () => {
    const file = labelledFile();
    const at = cliEvalAt(file, 0.25);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, `${suite.site.url}#threshold=0.25`);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', summary.error);
      const now = await shown(page);
      assert.equal(now.threshold, 0.25);
      assert.deepEqual(now.confusion, at.confusion);

      // Keyboard only: focus the control and step down.
      await page.focus('[data-testid="threshold"]');
      await page.keyboard.press('ArrowLeft');
      const stepped = await shown(page);
      assert.equal(stepped.threshold, 0.249);
      assert.deepEqual(stepped.confusion, cliEvalAt(file, 0.249).confusion);
    });
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, `${suite.site.url}#threshold=banana`);
      await trackStates(page);
      await page.setInputFiles('[data-testid="file-input"]', file);
      const again = await waitForRunEnd(page);
      assert.equal(again.state, 'done', 'a bad hash is never an error');
      const model = JSON.parse(execFileSync(cliPath, ['eval', file, '--json'], { encoding: 'utf8' }));
      assert.equal((await shown(page)).threshold, model.threshold);
      assert.match(await page.locator('#threshold-note').textContent(), /banana/);
      assert.equal((await readSummary(page)).error, '');
    });
  });

  const connLog = path.join(dataDir, 'zeek/zeekids_0621.conn.log');
  test('on a Zeek conn.log the download at a moved threshold is `neptune score --threshold`\'s', { timeout: TEST_TIMEOUT, skip: existsSync(connLog) ? false : `${connLog} is absent` }, async () => {
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      assert.equal((await scoreFile(page, connLog)).state, 'done');
      await setThreshold(page, 0.3);
      assertSameBytes(await download(page), cliScoreAt(connLog, 0.3), 'the conn.log download at threshold 0.3');
    });
  });
});
