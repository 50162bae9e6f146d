// @ts-check
// Builds the static site from the page's sources: `node scripts/build-site.mjs SRC DIST`, where
// SRC holds www/'s files, the wasm-bindgen glue (neptune.js) and neptune_bg.wasm.
//
// The page's modules are joined into one (app.js), and the worker's into another (worker.js,
// which still imports the glue, neptune.js, kept as its own file next to the wasm it loads), so
// that a first visit fetches five files in three steps rather than twenty in six: module imports
// are fetched one level at a time.
// The scripts are minified by terser, as in the single file (scripts/build-single.mjs): gzipped,
// the site's JavaScript goes from about 63 KB to 31 KB, and the browser parses less before the
// page is usable. The readable sources are www/ and the glue pkg/neptune.js.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { bundle, minified } from './bundle.mjs';

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: node scripts/build-site.mjs SRC DIST');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
for (const name of ['index.html', 'style.css', 'neptune_bg.wasm']) {
  copyFileSync(join(src, name), join(out, name));
}
const banner = (what) => `// ${what}, minified by scripts/build-site.mjs; the sources are in www/.\n`;
writeFileSync(join(out, 'app.js'), banner("The page's app.js and the modules it imports") + (await minified(bundle(src, 'app.js'), true)));
writeFileSync(
  join(out, 'worker.js'),
  banner("The page's worker.js and the modules it imports") + (await minified(bundle(src, 'worker.js', { external: ['neptune.js'] }), true)),
);
writeFileSync(
  join(out, 'neptune.js'),
  '// The wasm-bindgen glue (pkg/neptune.js), minified by scripts/build-site.mjs.\n' + (await minified(readFileSync(join(src, 'neptune.js'), 'utf8'), true)),
);
