// ESLint for the project's JavaScript: the page (www/, browser modules, a worker and a service worker), the scripts
// and the end-to-end tests (Node; their page.evaluate callbacks run in the page, hence the browser globals too).
// `make lint` runs it; `npx eslint .` by hand.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'target/', 'node_modules/', 'fuzz/', 'www/pkg/', 'www/data/'] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2025, sourceType: 'module' }, // 2025: import attributes (the JSON string tables)
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  { files: ['www/**/*.js', 'benches/web/**/*.js'], languageOptions: { globals: globals.browser } },
  { files: ['www/worker.js'], languageOptions: { globals: globals.worker } },
  // sw.js gets VERSION, DATA_VERSION and PRECACHE prepended by scripts/build-site.sh.
  {
    files: ['www/sw.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.serviceworker, VERSION: 'readonly', DATA_VERSION: 'readonly', PRECACHE: 'readonly' } },
  },
  { files: ['scripts/**/*.mjs', 'tests/**/*.mjs', 'eslint.config.mjs'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
];
