// @ts-check
// Builds the static site from the page's sources: `node scripts/build-site.mjs SRC DIST`, where
// SRC holds www/'s files, the wasm-bindgen glue (neptune.js) and neptune_bg.wasm.
//
// The page's modules are joined into one (app.js), and the worker's into another (worker.js,
// which still imports the glue, neptune.js, kept as its own file next to the wasm it loads), so
// that a first visit fetches five files in three steps rather than twenty in six: module imports
// are fetched one level at a time. The joined files are not minified: what the site serves stays
// readable (the single file, scripts/build-single.mjs, is minified).

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { bundle } from './bundle.mjs';

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: node scripts/build-site.mjs SRC DIST');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
for (const name of ['index.html', 'style.css', 'neptune.js', 'neptune_bg.wasm']) {
  copyFileSync(join(src, name), join(out, name));
}
const joined = (entry, external) =>
  `// The page's ${entry} and the modules it imports, joined by scripts/build-site.mjs; the sources are in www/.\n` +
  bundle(src, entry, { external });
writeFileSync(join(out, 'app.js'), joined('app.js', []));
writeFileSync(join(out, 'worker.js'), joined('worker.js', ['neptune.js']));
