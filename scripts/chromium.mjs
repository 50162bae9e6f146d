// @ts-check
// Headless Chromium for the browser tests, the benchmarks and the screenshots: Debian's
// /usr/bin/chromium (never a downloaded one), with one list of flags.
import { readFileSync, readdirSync } from 'node:fs';

import { chromium } from 'playwright-core';

/** The flags every run uses: no sandbox (containers), no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches it; `extraArgs` come after CHROMIUM_ARGS (the benchmark adds precise memory info). */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** PSS of the Chromium processes started by this Node process (and their children), in bytes. */
export function chromiumPss() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // the process ended meanwhile
    }
  }
  const ours = (pid) => {
    for (let p = pid, depth = 0; p > 1 && depth < 10; p = parents.get(p), depth++) {
      if (parents.get(p) === process.pid) return true;
    }
    return false;
  };
  let total = 0;
  for (const pid of parents.keys()) {
    if (!ours(pid)) continue;
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = /^Pss:\s+(\d+) kB/m.exec(rollup);
      if (kb) total += Number(kb[1]) * 1024;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}
