// @ts-check
// Builds ONE self-contained HTML file from the page's sources, for opening from disk (file://).
// Usage: node scripts/build-single.mjs SRC OUT   e.g. node scripts/build-single.mjs target/site dist/neptune.html
// (SRC: www/'s files, the wasm-bindgen glue neptune.js and neptune_bg.wasm, as `make dist` puts them)
//
// From file:// a page can neither fetch nor start a module worker by URL, so everything is inlined:
// - style.css as a <style> element;
// - the page's modules (app.js and what it imports) bundled into one inline module script,
//   minified by terser (as is the worker's);
// - the worker (worker.js, the wasm-bindgen glue neptune.js, sample.js) bundled into one
//   classic script, kept in a non-executed <script type="text/plain" id="neptune-worker"> that
//   pool.js turns into one Blob URL for all its workers (classic: Chromium refuses module workers
//   from blob: URLs of a file:// page, whose origin is opaque);
// - neptune_bg.wasm as hexadecimal text in <script type="application/octet-stream"
//   id="neptune-wasm">, handed to each worker, which passes the bytes to init() instead of
//   fetching. Hex rather than base64: it keeps the bytes aligned, so gzip finds the wasm's
//   repeats (the file gzips to about 23 KB less).
// The file gets its own Content-Security-Policy: its inline script and style allowed by hash,
// workers only from blob:, and no connections at all.
//
// The bundler is scripts/bundle.mjs.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { bundle, fail, minified } from './bundle.mjs';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: node scripts/build-single.mjs SRC OUT');
  process.exit(2);
}

const read = (name) => readFileSync(join(dir, name), 'utf8');

/**
 * A bundle as a classic script. The glue only reads `import.meta.url` to find the wasm file when
 * it is given no bytes, which never happens here.
 */
function classic(source) {
  const result = source.replaceAll('import.meta.url', 'self.location.href');
  if (/\bimport\s*[.(]/.test(result)) fail('the worker bundle still uses import.meta or import()');
  return `'use strict';\n${result}`;
}

/** Text safe inside a <script> element. */
function scriptText(text, what) {
  if (text.includes('<!--')) fail(`${what} contains "<!--", which HTML would misread inside a script`);
  // `<\/script` means the same as `</script` in every place JavaScript allows the sequence.
  return text.replace(/<\/script/gi, '<\\/script');
}

function sha256(text) {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function replaceOnce(html, pattern, replacement, what) {
  let count = 0;
  const result = html.replace(pattern, () => {
    count++;
    return replacement;
  });
  if (count !== 1) fail(`index.html: expected one ${what}, found ${count}`);
  return result;
}

const css = read('style.css');
if (/<\/style/i.test(css)) fail('style.css contains "</style"');
const page = scriptText(await minified(bundle(dir, 'app.js'), true), 'the page script');
const worker = scriptText(await minified(classic(bundle(dir, 'worker.js')), false), 'the worker script');
const wasm = readFileSync(join(dir, 'neptune_bg.wasm')).toString('hex');

const csp = [
  "default-src 'none'",
  `script-src ${sha256(page)} 'wasm-unsafe-eval'`,
  `style-src ${sha256(css)}`,
  'img-src data:',
  'worker-src blob:',
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

let html = read('index.html');
html = replaceOnce(
  html,
  /<!--(?:(?!-->)[\s\S])*-->\s*<meta http-equiv="Content-Security-Policy"[^>]*>/,
  '<!-- One file, no connections at all: inline script and style allowed by hash; the worker is a\n' +
    '     blob: URL and inherits this policy (hence \'wasm-unsafe-eval\'); the wasm is embedded. -->\n' +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
  'Content-Security-Policy meta tag (with its comment)',
);
html = replaceOnce(html, /<link rel="stylesheet" href="style.css">/, `<style>${css}</style>`, 'style.css link');
html = replaceOnce(
  html,
  /<script type="module" src="app.js"><\/script>/,
  `<script type="text/plain" id="neptune-worker">${worker}</script>\n` +
    `<script type="application/octet-stream" id="neptune-wasm">${wasm}</script>\n` +
    `<script type="module">${page}</script>`,
  'app.js script tag',
);
writeFileSync(out, html);
console.log(`build-single: wrote ${out} (${Buffer.byteLength(html).toLocaleString("en")} bytes)`);
