// @ts-check
// Headless Chromium for the browser tests, the benchmarks and the screenshots: Debian's
// /usr/bin/chromium (never a downloaded one), with one list of flags.
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
