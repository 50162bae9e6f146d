// @ts-check
// The bundler of the page's modules, for the site (scripts/build-site.mjs) and the single file
// (scripts/build-single.mjs): it joins a module and what it imports from the same folder into one
// module text, each imported module wrapped in a function whose exports become an object.
//
// It handles exactly the module syntax these files use (named function/class/const exports,
// `export { a as b }`, imports from './x.js') and fails loudly on anything else.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const IMPORT = /^import\s+([^;]+?)\s+from\s+['"]\.\/([\w.-]+\.js)['"];?[ \t]*$/gm;
const EXPORT_DECLARATION = /^export\s+((?:async\s+)?function\*?|class|const|let|var)\s+([\w$]+)/gm;
const EXPORT_LIST = /^export\s*\{([^}]*)\};?[ \t]*$/gm;

/**
 * The modules in `dir` reachable from `entry`, dependencies first, as one module source text.
 * An import of a module named in `external` is kept as it is (the entry's own imports only: a
 * wrapped module cannot import).
 */
export function bundle(dir, entry, { external = [] } = {}) {
  const read = (name) => readFileSync(join(dir, name), 'utf8');
  const done = new Set();
  const pieces = [];
  const visit = (name, isEntry) => {
    if (done.has(name)) return;
    done.add(name);
    let source = read(name);
    const imports = [];
    source = source.replace(IMPORT, (line, clause, from) => {
      if (external.includes(from)) {
        if (!isEntry) fail(`${name}: only the entry module may import ${from}`);
        return line;
      }
      imports.push(from);
      return bindings(clause, moduleVariable(from));
    });
    for (const from of imports) visit(from, false);
    if (isEntry) {
      if (/^export\b/m.test(source)) fail(`${name}: the entry module must not export`);
      pieces.push(`// ---- ${name} ----\n${source}`);
      return;
    }
    const exported = [];
    source = source.replace(EXPORT_DECLARATION, (_, kind, id) => {
      exported.push(`${id}: ${id}`);
      return `${kind} ${id}`;
    });
    source = source.replace(EXPORT_LIST, (_, list) => {
      for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
        const [local, as = local] = item.split(/\s+as\s+/);
        exported.push(`${JSON.stringify(as)}: ${local}`);
      }
      return '';
    });
    if (/^\s*(export|import)\b/m.test(source)) fail(`${name}: an import or export this bundler does not handle`);
    if (/^await\b/m.test(source)) fail(`${name}: top-level await cannot be wrapped`);
    pieces.push(
      `// ---- ${name} ----\nconst ${moduleVariable(name)} = (() => {\n${source}\nreturn { ${exported.join(', ')} };\n})();`,
    );
  };
  visit(entry, true);
  return pieces.join('\n');
}

function moduleVariable(name) {
  return `__module_${name.replace(/\.js$/, '').replace(/[^\w$]/g, '_')}`;
}

/** `a, { b, c as d }` | `* as ns` from module variable `m`, as const declarations. */
function bindings(clause, m) {
  const namespace = clause.match(/^\*\s+as\s+([\w$]+)$/);
  if (namespace) return `const ${namespace[1]} = ${m};`;
  const parts = clause.match(/^(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\})?$/s);
  if (!parts) fail(`cannot read the import clause \`${clause}\``);
  const [, name, list] = parts;
  const out = [];
  if (name) out.push(`const ${name} = ${m}.default;`);
  if (list) {
    const names = list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((item) => {
        const [imported, local = imported] = item.split(/\s+as\s+/);
        return imported === local ? imported : `${imported}: ${local}`;
      });
    out.push(`const { ${names.join(', ')} } = ${m};`);
  }
  return out.join(' ');
}

/** Stops the build with `message`. */
export function fail(message) {
  console.error(`bundle: ${message}`);
  process.exit(1);
}

/**
 * A script minified by terser (compressed, names mangled, comments dropped), as the site and the
 * single file serve it.
 * @param {string} code
 * @param {boolean} module whether it is a module (else a classic script)
 */
export async function minified(code, module) {
  return (await minify(code, { module, compress: true, mangle: true, format: { comments: false } })).code;
}
