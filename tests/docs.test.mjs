// The files the README and docs/*.md name (scripts, sources, tests, docs, as `scripts/stroke-time.mjs` or a link to
// docs/speed.md) are in the repository, as git tracks it (a file left in a checkout does not count), or are what
// the build makes (www/pkg: paths .gitignore ignores): a file renamed or removed leaves no reader sent to nothing.
// Plain Node (node --test tests/docs.test.mjs) in a git checkout: no browser, no build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** A path in the repository's own folders, not inside a longer word or path; globs (www/i18n/*.json) are left out. */
const PATH = /(?<![\w./-])((?:scripts|docs|www|src|tests|web|benches|fuzz|\.ci)\/[\w./-]*\w)(?![\w*])/g;
/** Files the README asks the reader to create: "Copy `www/i18n/en.json` to `www/i18n/ja.json`" (adding a language). */
const TO_CREATE = new Set(['www/i18n/ja.json']);

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
const tracked = git('ls-files', '-z').split('\0').filter(Boolean);
/** A tracked file, or a folder holding one. */
const inRepository = (p) => tracked.some((f) => f === p || f.startsWith(`${p}/`));
/** Ignored by .gitignore: made by the build. */
function built(p) {
  try {
    git('check-ignore', '-q', '--no-index', p);
    return true;
  } catch {
    return false;
  }
}

const documents = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

for (const doc of documents) {
  test(`every file ${doc} names exists`, () => {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    const named = new Set([...text.matchAll(PATH)].map((m) => m[1]));
    assert.ok(doc !== 'README.md' || named.size > 20, `only ${named.size} paths found in the README: the pattern is wrong`);
    const missing = [...named].filter((p) => !TO_CREATE.has(p) && !inRepository(p) && !built(p));
    assert.deepEqual(missing, [], `${doc} names files that are not in the repository`);
  });
}
