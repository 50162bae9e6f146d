// ESLint (pinned in package-lock.json): the recommended rules over the page, the browser tests
// and the build and bench scripts. `make lint` runs it.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'pkg/', 'node_modules/', 'target/', 'fuzz/', 'bench/'] },
  js.configs.recommended,
  {
    files: ['www/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['www/worker.js'],
    languageOptions: { globals: { ...globals.worker } },
  },
  {
    files: ['tests/**/*.mjs', 'scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Functions passed to page.evaluate run in the browser.
    files: ['tests/e2e/**/*.mjs', 'scripts/bench/**/*.mjs', 'scripts/screenshot.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
];
