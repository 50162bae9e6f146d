// @ts-check
// Helpers that only the robustness and stress tests need, on top of harness.mjs (which they reuse
// for the browser, the site, the CLI reference runs, fixtures and driving the page): the CLI's
// summary counts and refusals, Train_Data.csv's lines, large generated files, console errors a
// test declares it expects, and heap measurements through the Chrome DevTools Protocol.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

import { cliPath, ensureCli, fixtureDir, testDataLines, trainData, withPage } from './harness.mjs';

// ---------------------------------------------------------------------------------------------
// The CLI.

/**
 * The counts in `neptune score`'s summary line on stderr,
 * "neptune: N rows: S scored, F flagged as Neptune (P%), R rejected", and the line numbers it
 * lists as rejected ("  line 7: ...").
 */
export function cliSummary({ stderr }) {
  const match = stderr.match(/neptune: (\d+) rows: (\d+) scored, (\d+) flagged\b.*?, (\d+) rejected/);
  assert.ok(match, `the CLI printed its summary line: ${stderr}`);
  const [rows, scored, flagged, rejected] = match.slice(1).map(Number);
  const rejectedLines = [...stderr.matchAll(/^ {2}line (\d+):/gm)].map((m) => Number(m[1]));
  return { rows, scored, flagged, rejected, rejectedLines };
}

/** `neptune score INPUT -o OUT` for an input the CLI is expected to refuse: { status, stderr }. */
export function cliRefusal(input) {
  ensureCli();
  const out = path.join(fixtureDir(), `cli-refused-${path.basename(input)}.out.csv`);
  const run = spawnSync(cliPath, ['score', input, '-o', out], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

/**
 * The `attack_score,predicted_attack` pair of every data line of a scored CSV (the CLI's or the
 * page's), in row order. Only for files whose fields hold no quoted line ends.
 */
export function scoreColumns(csv) {
  return csv
    .toString('utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.length > 0)
    .map((line) => line.split(',').slice(-2).join(','));
}

// ---------------------------------------------------------------------------------------------
// Data and generated files.

let trainLines;
/** The first `n` data lines of Train_Data.csv, with its header first (labelled: `attack` last). */
export function trainDataLines(n = 200) {
  trainLines ??= readFileSync(trainData, 'utf8').split(/\r?\n/).filter((line) => line.length > 0);
  return trainLines.slice(0, n + 1);
}

/**
 * Writes a file of about `megabytes` MB (Test_Data.csv's rows repeated under one header) into the
 * fixtures dir, streaming (never the whole file in memory); returns { file, rows, bytes }. The
 * file is kept for the process; `removeFile` deletes it sooner.
 */
export async function repeatedTestData(megabytes, name = `repeated-${megabytes}mb.csv`) {
  const file = path.join(fixtureDir(), name);
  const [header, ...rows] = testDataLines();
  const body = Buffer.from(rows.join('\n') + '\n');
  const copies = Math.ceil((megabytes * 1024 * 1024) / body.length);
  const result = { file, rows: copies * rows.length, bytes: header.length + 1 + copies * body.length };
  if (existsSync(file) && statSync(file).size === result.bytes) return result;
  const out = createWriteStream(file);
  let failed = null;
  out.on('error', (error) => {
    failed = error;
    out.emit('drain');
  });
  const write = async (chunk) => {
    if (!out.write(chunk)) await /** @type {Promise<void>} */ (new Promise((resolve) => out.once('drain', resolve)));
    if (failed) throw failed;
  };
  await write(header + '\n');
  for (let i = 0; i < copies; i++) await write(body);
  await /** @type {Promise<void>} */ (new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve()))));
  if (failed) throw failed;
  assert.equal(statSync(file).size, result.bytes, `${file} has the size planned`);
  return result;
}

export function removeFile(file) {
  rmSync(file, { force: true });
}

/** Deterministic pseudo-random bytes (mulberry32), so a "random" fixture is the same every run. */
export function pseudoRandomBytes(length, seed = 0x5eed) {
  const bytes = Buffer.alloc(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    bytes[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Console errors a test expects.

/**
 * `withPage` (every problem fails the test), except problems matching one of `expected` (RegExps
 * a test declares for the errors it provokes itself, e.g. /simulated crash/): those are removed
 * from the list before it is judged and handed to `body` through `allowed` for the test to look
 * at. Anything else the page reports still fails the test.
 */
export async function withPageExpecting(browser, expected, body) {
  const allowed = [];
  await withPage(browser, async (handles) => {
    const take = () => {
      for (let i = handles.problems.length - 1; i >= 0; i--) {
        if (expected.some((pattern) => pattern.test(handles.problems[i]))) {
          allowed.unshift(...handles.problems.splice(i, 1));
        }
      }
    };
    try {
      await body({ ...handles, allowed, takeExpected: take });
    } finally {
      // The crash may be reported a little late: give it a moment, then take it out.
      await handles.page.waitForTimeout(300).catch(() => {});
      take();
    }
  });
  return allowed;
}

// ---------------------------------------------------------------------------------------------
// Memory, through the Chrome DevTools Protocol.

/**
 * Heap measurements of a page and of every dedicated worker it runs. The page is reached through
 * a CDP session of its own; the workers through `Target.setAutoAttach` on that session
 * (flatten: false, so commands go through `Target.sendMessageToTarget`: Playwright's CDPSession
 * cannot address a flattened child session). Workers that start later attach by themselves and
 * those that end detach, so `measure()` always covers the workers alive at that moment.
 */
export class HeapProbe {
  static async attach(page) {
    const probe = new HeapProbe(await page.context().newCDPSession(page));
    await probe.start();
    return probe;
  }

  constructor(session) {
    this.session = session;
    this.workers = new Map(); // sessionId -> targetInfo
    this.pending = new Map(); // message id -> { resolve, reject }
    this.nextId = 1;
  }

  async start() {
    const { session } = this;
    session.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
      if (targetInfo.type === 'worker') this.workers.set(sessionId, targetInfo);
    });
    session.on('Target.detachedFromTarget', ({ sessionId }) => this.workers.delete(sessionId));
    session.on('Target.receivedMessageFromTarget', ({ message }) => {
      const reply = JSON.parse(message);
      const waiter = reply.id !== undefined && this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error) waiter.reject(new Error(`${reply.error.message} (${reply.error.code})`));
      else waiter.resolve(reply.result);
    });
    await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  }

  /** Sends a CDP command to one worker; rejects after `timeout` ms (a worker may just have ended). */
  sendToWorker(sessionId, method, params = {}, timeout = 10_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} in a worker: no answer in ${timeout} ms`));
      }, timeout);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.session
        .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
        .catch((error) => this.pending.get(id)?.reject(error));
    });
  }

  /**
   * The bytes of every WebAssembly.Memory alive in a worker, found by the debugger's
   * `Runtime.queryObjects` (the heap itself, not the page's code): linear memory lives outside
   * the JS heap, so `Runtime.getHeapUsage` does not count it.
   */
  async workerWasmBytes(sessionId) {
    const send = (method, params) => this.sendToWorker(sessionId, method, params);
    const { result: proto } = await send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
    const { objects } = await send('Runtime.queryObjects', { prototypeObjectId: proto.objectId });
    const { result } = await send('Runtime.callFunctionOn', {
      objectId: objects.objectId,
      functionDeclaration: 'function () { return this.reduce((sum, m) => sum + m.buffer.byteLength, 0); }',
      returnByValue: true,
    });
    await send('Runtime.releaseObject', { objectId: objects.objectId }).catch(() => {});
    await send('Runtime.releaseObject', { objectId: proto.objectId }).catch(() => {});
    return result.value;
  }

  /**
   * Forces a full GC in the page and in every worker, then reads the heaps. Returns
   * { page: {used, backing, embedder}, workers: [{used, backing, wasm}], jsTotal } where jsTotal =
   * the page's and the workers' JS heaps (used) plus their ArrayBuffer backing stores: the figure
   * the memory test judges. Bytes.
   */
  async measure() {
    const { session } = this;
    await session.send('HeapProfiler.collectGarbage');
    const workers = [];
    for (const sessionId of [...this.workers.keys()]) {
      try {
        await this.sendToWorker(sessionId, 'HeapProfiler.collectGarbage');
        const heap = await this.sendToWorker(sessionId, 'Runtime.getHeapUsage');
        const wasm = await this.workerWasmBytes(sessionId);
        workers.push({ used: heap.usedSize, backing: heap.backingStorageSize ?? 0, wasm });
      } catch (error) {
        // A worker that ended between listing and asking is not alive: nothing to count.
        if (this.workers.has(sessionId)) throw error;
      }
    }
    // The page last, after the workers' collections freed what they were holding of its objects.
    await session.send('HeapProfiler.collectGarbage');
    const heap = await session.send('Runtime.getHeapUsage');
    const page = { used: heap.usedSize, backing: heap.backingStorageSize ?? 0, embedder: heap.embedderHeapUsedSize ?? 0 };
    const jsTotal = page.used + page.backing + workers.reduce((sum, w) => sum + w.used + w.backing, 0);
    return { page, workers, jsTotal, wasmTotal: workers.reduce((sum, w) => sum + w.wasm, 0) };
  }

  detach() {
    return this.session.detach().catch(() => {});
  }
}

/**
 * Resident memory (kB) of this process's Chromium renderer processes (the page and its workers
 * run there), read from /proc; informational, null off Linux.
 */
export function rendererRssKb() {
  if (!existsSync('/proc/self/status')) return null;
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // The process ended while being listed.
    }
  }
  let total = 0;
  const stack = [process.pid];
  while (stack.length > 0) {
    const pid = stack.pop();
    for (const child of children.get(pid) ?? []) {
      stack.push(child);
      try {
        if (!readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('--type=renderer')) continue;
        const rss = readFileSync(`/proc/${child}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
        if (rss) total += Number(rss[1]);
      } catch {
        // Ended meanwhile.
      }
    }
  }
  return total;
}

export const MB = 1024 * 1024;
export const mb = (bytes) => (bytes / MB).toFixed(2);
