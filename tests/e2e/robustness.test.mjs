// @ts-check
// The bad-input catalogue, through the page, each case against `neptune score` on the same file.
//
// Row-level cases: the page ends `done`; data-rows, data-flagged and data-rejected equal the CLI's
// summary line ("N rows: S scored, F flagged ..., R rejected"); the rejections list names the
// lines the CLI rejected; the download equals the CLI's output byte for byte; and the case's own
// expectation (which rows are rejected, which scores equal which) holds for both.
// File-level cases: the page ends `error` with a visible message in plain words, and the CLI exits
// 2. Fixtures are built from the first rows of Test_Data.csv / Train_Data.csv into the harness's
// temp dir (never the repository).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  TEST_TIMEOUT,
  assertSameBytes,
  cliEval,
  cliScore,
  download,
  fixture,
  openApp,
  resultsText,
  scoreFile,
  testDataLines,
  withPage,
  useBrowserSuite,
} from './harness.mjs';
import { cliRefusal, cliSummary, pseudoRandomBytes, scoreColumns, trainDataLines } from './stress-harness.mjs';

const ROWS = 200;

// ---- fixtures ------------------------------------------------------------------------------

const testHeader = () => testDataLines()[0];
const testRows = (n = ROWS) => testDataLines().slice(1, n + 1);
const column = (name) => {
  const at = testHeader().split(',').indexOf(name);
  assert.ok(at >= 0, `Test_Data.csv has a ${name} column`);
  return at;
};
/** `row` with field `name` set to `value`. */
const withField = (row, name, value) => {
  const fields = row.split(',');
  fields[column(name)] = value;
  return fields.join(',');
};
const csv = (lines, end = '\n') => lines.join(end) + end;

/** The comma-separated version that the re-encoded cases are compared with. */
const commaFile = () => fixture('catalogue-comma.csv', () => csv([testHeader(), ...testRows()]));

/** The 41 standard (snake_case) feature names, in NSL-KDD's order. */
const STANDARD = [
  'duration', 'protocol_type', 'service', 'flag', 'src_bytes', 'dst_bytes', 'land', 'wrong_fragment', 'urgent', 'hot',
  'num_failed_logins', 'logged_in', 'num_compromised', 'root_shell', 'su_attempted', 'num_root', 'num_file_creations',
  'num_shells', 'num_access_files', 'num_outbound_cmds', 'is_host_login', 'is_guest_login', 'count', 'srv_count',
  'serror_rate', 'srv_serror_rate', 'rerror_rate', 'srv_rerror_rate', 'same_srv_rate', 'diff_srv_rate',
  'srv_diff_host_rate', 'dst_host_count', 'dst_host_srv_count', 'dst_host_same_srv_rate', 'dst_host_diff_srv_rate',
  'dst_host_same_src_port_rate', 'dst_host_srv_diff_host_rate', 'dst_host_serror_rate', 'dst_host_srv_serror_rate',
  'dst_host_rerror_rate', 'dst_host_srv_rerror_rate',
];

/** Train_Data.csv rows as (41 features, lastflag, attack 0/1). */
function trainRows() {
  const [header, ...rows] = trainDataLines(ROWS);
  assert.deepEqual(header.split(',').slice(-2), ['lastflag', 'attack'], 'Train_Data.csv ends with lastflag, attack');
  return rows.map((row) => {
    const fields = row.split(',');
    const attack = fields.pop();
    const difficulty = fields.pop();
    assert.equal(fields.length, 41);
    return { features: fields, difficulty, attack: attack === '1' };
  });
}

// ---- the harness for one case --------------------------------------------------------------

describe('robustness: the bad-input catalogue, the page against the CLI', () => {
  const suite = useBrowserSuite();

  /**
   * A file whose rows are scored or rejected one by one. `expect` holds what the case itself
   * promises (rows, rejected lines), checked on the CLI and, through the CLI, on the page; `check`
   * runs more assertions with ({ page, cli, csv }) after the common ones.
   */
  async function rowLevel(file, expect, check) {
    const cli = cliScore(file);
    const counts = cliSummary(cli);
    if (expect.rows !== undefined) assert.equal(counts.rows, expect.rows, `the CLI counts ${expect.rows} rows: ${cli.stderr}`);
    if (expect.rejectedLines !== undefined) {
      assert.deepEqual(counts.rejectedLines, expect.rejectedLines, `the CLI rejects exactly these lines: ${cli.stderr}`);
      assert.equal(counts.rejected, expect.rejectedLines.length, 'the CLI counts the rejected lines');
    }
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'done', `run ended in ${summary.state}: ${summary.error}`);
      assert.equal(summary.rows, counts.rows, 'data-rows equals the CLI\'s row count');
      assert.equal(summary.rejected, counts.rejected, 'data-rejected equals the CLI\'s');
      assert.equal(summary.flagged, counts.flagged, 'data-flagged equals the CLI\'s');
      if (counts.rejected > 0) {
        const rejections = page.locator('[data-testid="rejections"]');
        assert.ok(await rejections.isVisible(), 'the rejections list is visible');
        const text = await rejections.textContent();
        for (const line of counts.rejectedLines) {
          assert.match(text, new RegExp(`line ${line.toLocaleString('en-US')}\\b`), `the rejections list names line ${line}: ${JSON.stringify(text.slice(0, 500))}`);
        }
      }
      const csv = await download(page);
      assertSameBytes(csv, cli.csv, 'the download');
      await check?.({ page, cli, csv, counts });
    });
  }

  /** A file refused as a whole: the page says so in plain words; the CLI exits 2. */
  async function fileLevel(file, message) {
    const cli = cliRefusal(file);
    assert.equal(cli.status, 2, `the CLI exits 2 (stderr: ${cli.stderr})`);
    assert.match(cli.stderr, message, 'the CLI\'s message says what is wrong');
    await withPage(suite.browser, async ({ page }) => {
      await openApp(page, suite.site.url);
      const summary = await scoreFile(page, file);
      assert.equal(summary.state, 'error', `data-state (rows ${summary.rows})`);
      assert.ok(summary.error, 'the error element holds a message');
      assert.ok(await page.locator('[data-testid="error"]').isVisible(), 'the error is visible');
      assert.match(summary.error, message, 'the page\'s message says what is wrong');
      assert.equal(await page.locator('[data-testid="download"]').isVisible(), false, 'no download is offered');
    });
  }

  /** Asserts the page's download has the same scores, row by row, as the comma version's CLI output. */
  function sameScoresAsComma(csv) {
    assert.deepEqual(scoreColumns(csv), scoreColumns(cliScore(commaFile()).csv), 'the same scores as the comma-separated file');
  }

  const opts = { timeout: TEST_TIMEOUT };

  // ---- file-level --------------------------------------------------------------------------

  test('catalogue: binary data (random bytes) is refused as not a text CSV', opts, async () => {
    await fileLevel(fixture('random-bytes.csv', () => pseudoRandomBytes(64 * 1024)), /binary|not (a )?(text|CSV)/i);
  });

  test('catalogue: UTF-16 LE text with a BOM is refused, naming UTF-16', opts, async () => {
    const text = csv([testHeader(), ...testRows(20)], '\r\n');
    const file = fixture('utf16le.csv', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    await fileLevel(file, /UTF-16/);
  });

  test('catalogue: a repeated column name that leaves a feature missing is refused, naming both', opts, async () => {
    // dstbytes renamed srcbytes: srcbytes appears twice, and dst_bytes is missing.
    const header = testHeader().replace(',dstbytes,', ',srcbytes,');
    await fileLevel(
      fixture('duplicate-column.csv', () => csv([header, ...testRows(20)])),
      /dst_bytes.*`srcbytes` \(column 6\) repeats `srcbytes` \(column 5\)/,
    );
  });

  // ---- row-level ---------------------------------------------------------------------------

  test('catalogue: a header and no rows is done with 0 rows; the download is the header only', opts, async () => {
    const file = fixture('header-only.csv', () => csv([testHeader()]));
    await rowLevel(file, { rows: 0, rejectedLines: [] }, ({ csv }) => {
      assert.equal(csv.toString('utf8'), `${testHeader()},attack_score,predicted_attack\n`, 'the download is the header line only');
    });
  });

  test('catalogue: a semicolon-separated file is scored with the same scores as the comma version', opts, async () => {
    const file = fixture('semicolon.csv', () => csv([testHeader(), ...testRows()].map((l) => l.replaceAll(',', ';'))));
    await rowLevel(file, { rows: ROWS, rejectedLines: [] }, ({ csv }) => sameScoresAsComma(csv));
  });

  test('catalogue: a tab-separated file is scored with the same scores as the comma version', opts, async () => {
    const file = fixture('tab.tsv', () => csv([testHeader(), ...testRows()].map((l) => l.replaceAll(',', '\t'))));
    await rowLevel(file, { rows: ROWS, rejectedLines: [] }, ({ csv }) => sameScoresAsComma(csv));
  });

  test('catalogue: rows too short are rejected with their line numbers and kept', opts, async () => {
    const rows = testRows(10);
    // Line 4: 30 fields; line 7: one field; line 9: all but the last field.
    rows[2] = rows[2].split(',').slice(0, 30).join(',');
    rows[5] = rows[5].split(',')[0];
    rows[7] = rows[7].split(',').slice(0, -1).join(',');
    const file = fixture('rows-too-short.csv', () => csv([testHeader(), ...rows]));
    await rowLevel(file, { rows: 10, rejectedLines: [4, 7, 9] });
  });

  test('catalogue: rows too long are rejected with their line numbers and kept', opts, async () => {
    const rows = testRows(10);
    rows[1] += ',extra';
    rows[4] += ',x,y,z,,';
    const file = fixture('rows-too-long.csv', () => csv([testHeader(), ...rows]));
    await rowLevel(file, { rows: 10, rejectedLines: [3, 6] });
  });

  /**
   * One bad value in four numeric fields of four rows (lines 3-6): duration (seconds), srcbytes
   * (bytes), count (a count), serrorrate (a rate); lines 2 and 7 are untouched.
   */
  const NUMERIC = ['duration', 'srcbytes', 'count', 'serrorrate'];
  function numericFixture(name, value) {
    return fixture(`numeric-${name}.csv`, () => {
      const rows = testRows(6);
      NUMERIC.forEach((col, i) => {
        rows[i + 1] = withField(rows[i + 1], col, value);
      });
      return csv([testHeader(), ...rows]);
    });
  }

  for (const [name, value] of [
    ['abc', 'abc'],
    ['NaN', 'NaN'],
    ['inf', 'inf'],
    ['-5', '-5'],
  ]) {
    test(`catalogue: \`${name}\` in numeric fields rejects those rows and scores the rest`, opts, async () => {
      await rowLevel(numericFixture(name, value), { rows: 6, rejectedLines: [3, 4, 5, 6] });
    });
  }

  for (const [name, value] of [
    ['1e308', '1e308'],
    ['a 30-digit integer', '123456789012345678901234567890'],
  ]) {
    test(`catalogue: ${name} in numeric fields is scored as a count or byte number, rejected as a rate`, opts, async () => {
      // Finite and non-negative: a valid duration, byte count or count; out of range for a rate.
      await rowLevel(numericFixture(name.replaceAll(' ', '-'), value), { rows: 6, rejectedLines: [6] });
    });
  }

  test('catalogue: `1.99e+02` in numeric fields is valid: scored, the same as 199', opts, async () => {
    const rows = testRows(4);
    const plain = rows.map((row) => withField(withField(row, 'srcbytes', '199'), 'serrorrate', '0.199'));
    const exponent = rows.map((row) => withField(withField(row, 'srcbytes', '1.99e+02'), 'serrorrate', '1.99e-01'));
    const file = fixture('exponent.csv', () => csv([testHeader(), ...plain, ...exponent]));
    await rowLevel(file, { rows: 8, rejectedLines: [] }, ({ csv }) => {
      const scores = scoreColumns(csv);
      assert.deepEqual(scores.slice(4), scores.slice(0, 4), '1.99e+02 / 1.99e-01 score as 199 / 0.199');
    });
  });

  test('catalogue: a 5 MB field in an extra column is kept and the row scored', opts, async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const rows = testRows(5);
    const file = fixture('five-mb-field.csv', () =>
      csv([`${testHeader()},note`, ...rows.map((row, i) => `${row},${i === 2 ? big : 'short'}`)]),
    );
    await rowLevel(file, { rows: 5, rejectedLines: [] }, ({ csv }) => {
      assert.ok(csv.includes(`,${big},`), 'the download holds the 5 MB field unchanged');
    });
  });

  test('catalogue: classic-Mac CR line ends are read as lines, the same scores as the LF version', opts, async () => {
    const file = fixture('mac-cr.csv', () => csv([testHeader(), ...testRows()], '\r'));
    await rowLevel(file, { rows: ROWS, rejectedLines: [] }, ({ csv }) => sameScoresAsComma(csv));
  });

  test('catalogue: an Excel export (UTF-8 BOM, CRLF, every field quoted) is scored like the plain file', opts, async () => {
    const quote = (line) => line.split(',').map((field) => `"${field}"`).join(',');
    const file = fixture('excel-export.csv', () => '\uFEFF' + csv([testHeader(), ...testRows()].map(quote), '\r\n'));
    await rowLevel(file, { rows: ROWS, rejectedLines: [] }, ({ csv }) => sameScoresAsComma(csv));
  });

  test('catalogue: two files concatenated: the repeated header line is rejected, every row is kept', opts, async () => {
    const rows = testRows(10);
    // Lines: 1 header, 2-6 rows, 7 the header again, 8-12 rows.
    const file = fixture('concatenated.csv', () => csv([testHeader(), ...rows.slice(0, 5), testHeader(), ...rows.slice(5)]));
    await rowLevel(file, { rows: 11, rejectedLines: [7] }, ({ counts }) => {
      assert.equal(counts.scored, 10, 'both files\' rows are scored');
    });
  });

  test('catalogue: an unseen category (service quic9) is scored and shown as unknown', opts, async () => {
    const rows = testRows(10);
    rows[3] = withField(rows[3], 'service', 'quic9');
    const file = fixture('unseen-category.csv', () => csv([testHeader(), ...rows]));
    await rowLevel(file, { rows: 10, rejectedLines: [] }, async ({ page, cli }) => {
      assert.match(cli.stderr, /quic9/, 'the CLI names the unknown category');
      // The summary says so in words; the names are one click away (a disclosure), as a user sees them.
      const summary = page.locator('[data-testid="summary"]');
      const note = summary.getByText(/category the model never saw|unknown categor/i);
      assert.ok((await note.count()) > 0 && (await note.first().isVisible()), `the summary says a row has an unknown category: ${JSON.stringify((await summary.innerText()).slice(0, 600))}`);
      const name = summary.getByText(/quic9/);
      if (!(await name.first().isVisible())) await note.first().click();
      assert.ok(await name.first().isVisible(), `the summary shows the unknown name quic9: ${JSON.stringify((await summary.innerText()).slice(0, 600))}`);
    });
  });

  test('catalogue: HTML and formula-like text in a field is shown as text; the download equals the CLI', opts, async () => {
    const payloads = [
      "=cmd|' /C calc'!A0",
      '<script>window.__e2ePwned = 1</script>',
      '<b id="e2e-injected">bold</b>',
      '"<img src=x onerror=""window.__e2ePwned = 2"">"',
      '@SUM(1+1)*cmd|\' /C calc\'!A0',
      '+1+1',
    ];
    const shownAs = (payload) => (payload.startsWith('"') ? payload.slice(1, -1).replaceAll('""', '"') : payload);
    const rows = testRows(payloads.length);
    const file = fixture('markup-formula.csv', () => csv([`${testHeader()},note`, ...rows.map((row, i) => `${row},${payloads[i]}`)]));
    await rowLevel(file, { rows: payloads.length, rejectedLines: [] }, async ({ page }) => {
      const table = await resultsText(page);
      // The table pages its rows: every payload is on the first page (6 rows).
      for (const payload of payloads) {
        assert.ok(table.includes(shownAs(payload)), `the results table shows ${JSON.stringify(shownAs(payload))} as text`);
      }
      const injected = await page.evaluate(() => ({
        pwned: window.__e2ePwned ?? null,
        bold: document.getElementById('e2e-injected') !== null,
        img: [...document.querySelectorAll('img')].some((img) => img.getAttribute('src') === 'x'),
        scripts: [...document.querySelectorAll('script')].some((s) => s.textContent.includes('__e2ePwned')),
      }));
      assert.deepEqual(injected, { pwned: null, bold: false, img: false, scripts: false }, 'no markup from the file became DOM or ran');
    });
  });

  test('catalogue: a headerless NSL-KDD file (43 columns, label string, difficulty) is scored and its metrics shown', opts, async () => {
    const rows = trainRows();
    const file = fixture('nsl-kdd-headerless.txt', () =>
      csv(rows.map(({ features, difficulty, attack }) => [...features, attack ? 'neptune' : 'normal', difficulty].join(','))),
    );
    await rowLevel(file, { rows: ROWS, rejectedLines: [] }, async ({ page, csv }) => {
      const header = csv.toString('utf8').split('\n')[0].split(',');
      assert.deepEqual(header.slice(0, 41), STANDARD, 'the download names the columns in snake_case');
      assert.deepEqual(header.slice(41), ['label', 'difficulty', 'attack_score', 'predicted_attack']);
      const metrics = page.locator('[data-testid="metrics"]');
      assert.ok(await metrics.isVisible(), 'metrics are shown for the labelled file');
      const expected = cliEval(file);
      assert.equal(Number(await metrics.getAttribute('data-accuracy')), expected.figures.accuracy, 'data-accuracy equals `neptune eval`');
    });
  });

  test('catalogue: an ARFF file (@relation, @attribute ..., @data) is scored', opts, async () => {
    const nominal = {
      protocol_type: "{'tcp','udp', 'icmp'}",
      flag: "{'OTH','REJ','RSTO','RSTOS0','RSTR','S0','S1','S2','S3','SF','SH'}",
      land: "{'0', '1'}",
      logged_in: "{'0', '1'}",
    };
    const rows = trainRows();
    const file = fixture('kdd.arff', () =>
      csv([
        "@relation 'KDDTrain'",
        '',
        ...STANDARD.map((name) => `@attribute '${name}' ${nominal[name] ?? 'real'}`),
        "@attribute 'class' {'normal', 'anomaly'}",
        '',
        '@data',
        ...rows.map(({ features, attack }) => [...features, attack ? 'anomaly' : 'normal'].join(',')),
      ]),
    );
    await rowLevel(file, { rows: ROWS, rejectedLines: [] }, async ({ page, counts }) => {
      assert.equal(counts.scored, ROWS, 'every @data row is scored');
      const expected = cliEval(file);
      const metrics = page.locator('[data-testid="metrics"]');
      if (expected.figures) {
        assert.ok(await metrics.isVisible(), 'the CLI reads the class as labels: the page shows metrics too');
        assert.equal(Number(await metrics.getAttribute('data-accuracy')), expected.figures.accuracy, 'data-accuracy equals `neptune eval`');
      }
    });
  });
});
