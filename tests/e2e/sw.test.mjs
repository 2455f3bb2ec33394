// The service worker on a shared static host (issue 11, items 7–9): two copies of dist/ under two paths of one
// origin (as user.github.io/a/ and user.github.io/b/), each of a different build, keep their own caches and their own
// IndexedDB; an HTML answer for an MNIST .gz is never cached; a stalled network falls back to the cache.
// The server is the project's own (scripts/serve.mjs, in this process) with a switch to answer badly or not at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SITE, launchChromium } from './harness.mjs';
import { launchFirefox } from './firefox.mjs';
import { serve } from '../../scripts/serve.mjs';

const LABELS = 'www/data/t10k-labels-idx1-ubyte.gz';
const OTHER = 'www/data/train-labels-idx1-ubyte.gz';

let root;
let server;
let origin;
let browser;
let context;
/** url path → 'html' (a 200 HTML answer, as a host's fallback page or a captive portal gives) or 'stall' (no answer). */
const faults = new Map();
const stalled = [];

before(async () => {
  if (!fs.existsSync(path.join(SITE, 'sw.js'))) throw new Error(`${SITE}/sw.js is missing: build the site first (make site)`);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-two-copies-'));
  for (const copy of ['a', 'b']) fs.cpSync(SITE, path.join(root, copy), { recursive: true });
  // Copy b is another build: its site version differs.
  const swB = path.join(root, 'b', 'sw.js');
  fs.writeFileSync(swB, fs.readFileSync(swB, 'utf8').replace(/const VERSION = '([0-9a-f]+)'/, "const VERSION = 'b$1'"));
  const started = await serve(root, 0);
  server = started.server;
  origin = started.url;
  const [files] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const fault = faults.get(new URL(req.url, origin).pathname);
    if (fault === 'html') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>Sign in to the network</title>');
    } else if (fault === 'stall') {
      stalled.push(res);
    } else {
      files(req, res);
    }
  });
  browser = await launchChromium();
  context = await browser.newContext();
});

after(async () => {
  for (const res of stalled) res.destroy();
  await browser?.close();
  server?.closeAllConnections();
  server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Opens copy `name` in the one context (the copies share the origin's storage) and waits until its worker controls the page. */
async function openInContext(name) {
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && page.problems.push(`console error: ${m.text()}`));
  await page.goto(`${origin}${name}/`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  return page;
}

const cacheNames = (page) => page.evaluate(() => caches.keys());

test("one copy's activation leaves the other copy's caches and stored network alone", async () => {
  const a = await openInContext('a');
  const namesA = await cacheNames(a);
  assert.ok(namesA.length > 0, 'copy a made no cache');
  await a.evaluate(() =>
    window.handwritten.store.keepNetwork({ bytes: new Uint8Array([1, 2, 3]), settings: {}, epochs: 1, testAccuracy: 0.5, complete: true, date: 1 }),
  );
  const b = await openInContext('b');
  const namesB = await cacheNames(b);
  for (const name of namesA) assert.ok(namesB.includes(name), `copy b's worker deleted copy a's cache ${name}: ${namesB}`);
  assert.ok(namesB.some((n) => !namesA.includes(n)), 'copy b has no cache of its own');
  for (const name of namesB) assert.match(name, /^handwritten:\/(a|b)\/:/, `a cache name without its copy's path: ${name}`);
  const seenByB = await b.evaluate(() => window.handwritten.store.listNetworks());
  assert.deepEqual(seenByB, [], "copy b reads copy a's stored network");
  const seenByA = await a.evaluate(() => window.handwritten.store.listNetworks());
  assert.deepEqual(seenByA.map((r) => r.epochs), [1], "copy a's stored network is gone");
  assert.deepEqual([...a.problems, ...b.problems], []);
  await a.close();
  await b.close();
});

test('an HTML answer for an MNIST file is not cached: the next fetch gets the gzip file', async () => {
  const page = await openInContext('a');
  const url = `/a/${LABELS}`;
  const firstBytes = (target) =>
    page.evaluate((t) => fetch(t).then(async (r) => [...new Uint8Array(await r.arrayBuffer()).slice(0, 2)]), target);
  faults.set(url, 'html');
  assert.deepEqual(await firstBytes(url), [0x3c, 0x21], 'the fault did not reach the page'); // '<!'
  faults.delete(url);
  // A good file fetched after it is cached after it: once that one is in the cache, the bad one would be too.
  assert.deepEqual(await firstBytes(`/a/${OTHER}`), [0x1f, 0x8b]);
  await page.waitForFunction((t) => caches.match(t).then(Boolean), `/a/${OTHER}`);
  assert.deepEqual(await firstBytes(url), [0x1f, 0x8b], 'the HTML answer was served again from the cache');
  // The good answer is the one kept (it is cached in the background: wait for it).
  await page.waitForFunction(
    (t) => caches.match(t).then((hit) => hit?.arrayBuffer().then((b) => new Uint8Array(b)[0] === 0x1f) ?? false),
    url,
  );
  await page.close();
});

test("a stalled network falls back to the cache for the page's files", { timeout: 30_000 }, async () => {
  const page = await openInContext('a');
  const css = fs.readFileSync(path.join(SITE, 'www/style.css'), 'utf8');
  faults.set('/a/www/style.css', 'stall');
  const text = await page.evaluate(() => fetch('www/style.css').then((r) => r.text()));
  assert.equal(text, css);
  assert.ok(stalled.length > 0, 'the request never reached the stalled server');
  faults.delete('/a/www/style.css');
  await page.close();
});

test('in Firefox too, the two copies keep their own caches and stored network; an HTML .gz is not cached', { timeout: 120_000 }, async () => {
  const firefox = await launchFirefox();
  try {
    const open = async (name) => {
      await firefox.goto(`${origin}${name}/`);
      await firefox.waitFor(() => document.body.dataset.ready === 'true' && navigator.serviceWorker.controller, `copy ${name}`);
    };
    await open('a');
    const namesA = await firefox.run('return caches.keys()');
    assert.ok(namesA.length > 0, 'copy a made no cache');
    await firefox.run(`return window.handwritten.store.keepNetwork({ bytes: new Uint8Array([1]), settings: {}, epochs: 2, testAccuracy: 0.5, complete: true, date: 1 })`);
    await open('b');
    const namesB = await firefox.run('return caches.keys()');
    for (const name of namesA) assert.ok(namesB.includes(name), `copy b's worker deleted copy a's cache ${name}: ${namesB}`);
    assert.deepEqual(await firefox.run(`return window.handwritten.store.listNetworks()`), []);
    // An HTML answer for a .gz is not cached there either.
    const url = `/b/${LABELS}`;
    const firstBytes = () =>
      firefox.run('return fetch(arguments[0]).then(async (r) => [...new Uint8Array(await r.arrayBuffer()).slice(0, 2)])', url);
    faults.set(url, 'html');
    assert.deepEqual(await firstBytes(), [0x3c, 0x21], 'the fault did not reach the page');
    faults.delete(url);
    await firefox.run('return fetch(arguments[0]).then((r) => r.arrayBuffer()).then(() => undefined)', `/b/${OTHER}`);
    // A good file fetched after it is cached after it: once that one is in the cache, the bad one would be too.
    for (let cached = false; !cached; ) cached = await firefox.run('return caches.match(arguments[0]).then(Boolean)', `/b/${OTHER}`);
    assert.deepEqual(await firstBytes(), [0x1f, 0x8b], 'the HTML answer was served again from the cache');
  } finally {
    await firefox.close();
  }
});
