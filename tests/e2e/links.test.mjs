// The derivation's links to the code (www/source.html?file=F&fn=N, in index.html and the page's modules) lead to
// functions that exist in their file and run: each is defined outside the file's tests and called from other code
// of the crate. No browser: the page's files and src/ are read as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.mjs';

/** Every source link in `html`: [{file, fn, text}]. */
export function sourceLinks(html) {
  const links = [];
  const pattern = /href="[^"]*source\.html\?file=([^"&]+)&(?:amp;)?fn=([^"&]+)"[^>]*>([^<]*)</g;
  for (const [, file, fn, text] of html.matchAll(pattern)) links.push({ file, fn, text });
  return links;
}

/** The crate's Rust sources without their `#[cfg(test)]` modules: file name → text. */
function sources() {
  const dir = path.join(ROOT, 'src');
  const files = new Map();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.rs'))) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const tests = text.search(/#\[cfg\(test\)\]\s*mod tests/);
    files.set(name, tests < 0 ? text : text.slice(0, tests));
  }
  return files;
}

/** What is wrong with a link (a sentence), or null when it leads to a function that runs. */
export function problem({ file, fn }, files) {
  const text = files.get(file);
  if (text === undefined) return `src/${file} does not exist`;
  const definition = new RegExp(`\\bfn ${fn}\\b`);
  if (!definition.test(text)) return `src/${file} has no function ${fn} (outside its tests)`;
  const call = new RegExp(`(?<!fn )\\b${fn}\\b\\s*(::<[^>]*>)?\\s*[(!,)]|\\.${fn}\\(|= ${fn};`);
  const called = [...files.values()].some((t) => t.split('\n').some((line) => call.test(line) && !/^\s*\/\//.test(line)));
  if (!called) return `${fn} in src/${file} is never called by the crate's code`;
  return null;
}

const pages = [path.join(ROOT, 'index.html'), ...readdirSync(path.join(ROOT, 'www')).filter((n) => /\.(js|html)$/.test(n)).map((n) => path.join(ROOT, 'www', n))];

test('every link to the code names a function that is in its file and runs', () => {
  const files = sources();
  const links = pages.flatMap((p) => sourceLinks(readFileSync(p, 'utf8')).map((link) => ({ ...link, page: path.relative(ROOT, p) })));
  assert.ok(links.length >= 10, `only ${links.length} links to the code found`);
  const problems = links.map((link) => [link, problem(link, files)]).filter(([, p]) => p);
  assert.deepEqual(problems.map(([l, p]) => `${l.page}: "${l.text}" → ${p}`), []);
});

test('the forward pass, the backward pass, the update and the sigmoid training uses are linked', () => {
  const linked = new Set(sourceLinks(readFileSync(path.join(ROOT, 'index.html'), 'utf8')).map((l) => l.text.trim()));
  for (const name of ['forward', 'backward', 'update', 'sigmoid']) assert.ok(linked.has(name), `no link named ${name}: ${[...linked]}`);
});

test('the check catches a link to a function that is not there, or never runs', () => {
  const files = sources();
  assert.match(problem({ file: 'network.rs', fn: 'backward_inline' }, files), /has no function backward_inline/);
  assert.match(problem({ file: 'nowhere.rs', fn: 'forward' }, files), /does not exist/);
  const unused = new Map(files).set('extra.rs', 'fn never_called() {}\n');
  assert.match(problem({ file: 'extra.rs', fn: 'never_called' }, unused), /never called/);
  // A function defined only in a file's tests is not there.
  assert.match(problem({ file: 'math.rs', fn: 'softmax_sums_to_one_and_is_shift_invariant' }, files), /has no function/);
});
