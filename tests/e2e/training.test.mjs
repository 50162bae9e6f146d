// @ts-check
// Training in the page (issue 14): a labelled file trains a model in a worker, whose file is
// byte for byte `neptune train --seed 42 --no-compare`'s; using it rescored the file to the bytes
// of `neptune score --model`; a model file loads back the same way; damaged and foreign model
// files are refused in plain words; cancel stops training; a file without labels cannot train.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';

import {
  RUN_TIMEOUT,
  TEST_TIMEOUT,
  assertSameBytes,
  cliPath,
  distDir,
  download,
  fixture,
  fixtureDir,
  openApp,
  scoreFile,
  smallFixture,
  trackStates,
  trainData,
  useBrowserSuite,
  waitForRunEnd,
  withPage,
} from './harness.mjs';

const SEED = 42;

/** Train_Data.csv's first `n` rows (labelled 0/1, both classes), with its header. */
function trainRows(n) {
  return fixture(`train-first-${n}.csv`, () => readFileSync(trainData, 'utf8').split('\n').slice(0, n + 1).join('\n') + '\n');
}

/** `neptune train --data FILE --seed 42 --no-compare --out M`: M's bytes and path. */
function cliTrain(file) {
  const out = path.join(fixtureDir(), `${path.basename(file)}.postcard`);
  const run = spawnSync(cliPath, ['train', '--data', file, '--seed', String(SEED), '--no-compare', '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return { bytes: readFileSync(out), path: out };
}

function cliScoreWith(file, model) {
  const out = path.join(fixtureDir(), `${path.basename(file)}-${path.basename(model)}.scored.csv`);
  const run = spawnSync(cliPath, ['score', file, '-o', out, '--model', model], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return readFileSync(out);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Clicks train and waits until training is done, failed or cancelled. */
async function train(page) {
  await page.click('[data-testid="train"]');
  return trainingEnd(page);
}

async function trainingEnd(page) {
  await page.waitForFunction(
    () => ['done', 'error', 'cancelled'].includes(document.querySelector('[data-testid="training"]').dataset.state),
    null,
    { timeout: RUN_TIMEOUT, polling: 50 },
  );
  return page.evaluate(() => {
    const training = document.querySelector('[data-testid="training"]');
    return { state: training.dataset.state, text: training.textContent.trim() };
  });
}

const dataModel = (page) => page.evaluate(() => document.querySelector('[data-testid="summary"]').dataset.model);

async function downloadModel(page) {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: RUN_TIMEOUT }),
    page.click('[data-testid="model-download"]'),
  ]);
  assert.match(file.suggestedFilename(), /^neptune-model-[0-9a-f]{12}\.postcard$/);
  return readFileSync(await file.path());
}

/** Runs `action` (which starts a rescore) and waits for the run it starts to end. */
async function rescored(page, action) {
  await trackStates(page);
  await action();
  const summary = await waitForRunEnd(page);
  assert.equal(summary.state, 'done', summary.error);
  return summary;
}

/** Loads `file` through the model input; waits for the rescore when `expectRun`. */
async function loadModelFile(page, file, expectRun = true) {
  const load = () => page.setInputFiles('[data-testid="model-input"]', file);
  if (expectRun) return rescored(page, load);
  await load();
  await page.locator('[data-testid="model-error"]').waitFor({ state: 'visible', timeout: RUN_TIMEOUT });
  return page.locator('[data-testid="model-error"]').textContent();
}

describe('training a model in the page', () => {
  const suite = useBrowserSuite();

  test('the page trains the CLI\'s model bytes, scores with them to the CLI\'s bytes, and loads the file back', { timeout: TEST_TIMEOUT }, async () => {
    const file = trainRows(6000);
    const expected = cliTrain(file);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const first = await scoreFile(page, file);
      assert.equal(first.state, 'done');
      assert.equal(await dataModel(page), 'builtin');
      const builtinCsv = await download(page);

      const trained = await train(page);
      assert.equal(trained.state, 'done', trained.text);
      assert.match(await page.locator('[data-testid="comparison"]').textContent(), /seed 42/);
      const model = await downloadModel(page);
      assert.ok(model.equals(expected.bytes), `the page's model (${model.length} bytes, sha256 ${sha256(model)}) is neptune train's (${expected.bytes.length} bytes, sha256 ${sha256(expected.bytes)})`);

      await rescored(page, () => page.click('[data-testid="use-model"]'));
      assert.equal(await dataModel(page), sha256(model));
      assert.match(await page.locator('[data-testid="model-in-use"]').textContent(), new RegExp(sha256(model)));
      const withModel = cliScoreWith(file, expected.path);
      assertSameBytes(await download(page), withModel, 'the download with the trained model');

      await rescored(page, () => page.click('[data-testid="use-builtin"]'));
      assert.equal(await dataModel(page), 'builtin');
      assertSameBytes(await download(page), builtinCsv, 'the download with the built-in model again');

      await loadModelFile(page, expected.path);
      assert.equal(await dataModel(page), sha256(model));
      assertSameBytes(await download(page), withModel, 'the download with the model file loaded back');
    });
  });

  test('the single-file page from disk trains the same bytes in its embedded worker', { timeout: TEST_TIMEOUT }, async () => {
    const file = trainRows(2000);
    const expected = cliTrain(file);
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, pathToFileURL(path.join(distDir, 'neptune.html')).href);
      assert.equal((await scoreFile(page, file)).state, 'done');
      const trained = await train(page);
      assert.equal(trained.state, 'done', trained.text);
      assert.ok((await downloadModel(page)).equals(expected.bytes), 'the model file is neptune train\'s');
      await rescored(page, () => page.click('[data-testid="use-model"]'));
      assertSameBytes(await download(page), cliScoreWith(file, expected.path), 'the download with the trained model');
    });
  });

  test('a damaged or foreign model file is refused in plain words and the page keeps working', { timeout: TEST_TIMEOUT }, async () => {
    const file = trainRows(2000);
    const good = cliTrain(file).bytes;
    const damaged = Buffer.from(good);
    damaged[damaged.length >> 1] ^= 0x10;
    const damagedPath = path.join(fixtureDir(), 'damaged.postcard');
    writeFileSync(damagedPath, damaged);
    const cut = path.join(fixtureDir(), 'cut.postcard');
    writeFileSync(cut, good.subarray(0, good.length - 100));
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      assert.equal((await scoreFile(page, file)).state, 'done');
      const builtinCsv = await download(page);
      /** @type {[string, RegExp][]} */
      const cases = [[damagedPath, /damaged/], [cut, /cut short/], [file, /not a Neptune model file/]];
      for (const [bad, words] of cases) {
        const message = await loadModelFile(page, bad, false);
        assert.match(message, words, `${path.basename(bad)}: ${message}`);
        assert.equal(await dataModel(page), 'builtin');
      }
      // Still scoring, with the built-in model.
      assert.equal((await scoreFile(page, file)).state, 'done');
      assertSameBytes(await download(page), builtinCsv, 'the download after the refusals');
    });
  });

  test('cancel stops training and leaves the page usable', { timeout: TEST_TIMEOUT }, async () => {
    const file = trainData;
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      assert.equal((await scoreFile(page, file)).state, 'done');
      await page.click('[data-testid="train"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="training"]').dataset.state === 'training');
      await page.click('[data-testid="training-cancel"]');
      const ended = await trainingEnd(page);
      assert.equal(ended.state, 'cancelled', ended.text);
      assert.equal(await page.locator('[data-testid="comparison"]').isVisible(), false);
      // The page still trains and scores.
      const small = trainRows(2000);
      assert.equal((await scoreFile(page, small)).state, 'done');
      assert.equal((await train(page)).state, 'done');
    });
  });

  test('a file that cannot train says so in plain words', { timeout: TEST_TIMEOUT }, async () => {
    const lines = readFileSync(trainData, 'utf8').split('\n');
    const normal = lines.slice(1).filter((line) => line.endsWith(',0')).slice(0, 300);
    const attacks = lines.slice(1).filter((line) => line.endsWith(',1')).slice(0, 3);
    const few = fixture('three-attacks.csv', [lines[0], ...normal, ...attacks].join('\n') + '\n');
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      // No labels: no train button, and a sentence saying why.
      assert.equal((await scoreFile(page, smallFixture(100))).state, 'done');
      assert.equal(await page.locator('[data-testid="train"]').isVisible(), false);
      assert.match(await page.locator('[data-testid="train-unavailable"]').textContent(), /label/);
      // Three attack rows: training is offered, and refused in plain words.
      assert.equal((await scoreFile(page, few)).state, 'done');
      const ended = await train(page);
      assert.equal(ended.state, 'error');
      assert.match(ended.text, /No model could be trained on three-attacks\.csv: /);
      assert.equal(await dataModel(page), 'builtin');
    });
  });
});
