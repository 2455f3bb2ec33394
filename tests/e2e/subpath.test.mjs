// The site under a sub-path, as GitHub Pages serves a project (https://user.github.io/handwritten/): a copy of dist/
// at /handwritten/ of a server whose root is something else, and a second copy at /other/ of the same origin. At
// /handwritten/ a digit drawn through pointer events is read, one epoch of training runs, and a reload with the
// network off brings the page, the trained network and the form as it was set back; the service worker's scope, the
// caches it fills, the saved network and the kept form all stay within /handwritten/. The web app manifest is valid
// JSON with relative URLs, and its icons are served as PNGs of the sizes it states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '../../scripts/serve.mjs';
import {
  SITE,
  launchChromium,
  openSite,
  recordStates,
  waitForState,
  DIGITS,
  drawFresh,
  checkReading,
  waitForModel,
} from './harness.mjs';

let dir;
let server;
let port;
let browser;
let origin; // http://127.0.0.1:PORT
let page;
let base; // http://127.0.0.1:PORT/handwritten/

/** Serves the temporary directory with the project's static server (its root has no index.html of its own). */
async function startServer() {
  const started = await serve(dir, port ?? 0);
  server = started.server;
  port = server.address().port;
}

function stopServer() {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
}

before(async () => {
  if (!existsSync(path.join(SITE, 'index.html'))) throw new Error(`${SITE}/index.html is missing: run make site`);
  // Copies, not symlinks: the server refuses to follow a link out of its root.
  dir = mkdtempSync(path.join(tmpdir(), 'handwritten-subpath-'));
  cpSync(SITE, path.join(dir, 'handwritten'), { recursive: true });
  cpSync(SITE, path.join(dir, 'other'), { recursive: true });
  await startServer();
  origin = `http://127.0.0.1:${port}`;
  base = `${origin}/handwritten/`;
  browser = await launchChromium();
  page = await openSite(browser, base);
});

after(async () => {
  await browser?.close();
  if (server?.listening) await stopServer();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A URL relative to the manifest must not start at the origin's root or name another origin. */
function assertRelative(url, what) {
  assert.ok(!/^[a-z][a-z0-9+.-]*:|^\//i.test(url), `${what} ${url} is not a relative URL`);
}

/** The width and height a PNG's IHDR chunk states. */
function pngSize(bytes) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.subarray(0, 8)], signature, 'not a PNG');
  assert.equal(bytes.toString('latin1', 12, 16), 'IHDR');
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

test('the web app manifest is valid, relative, and its icons are served with their type and size', async () => {
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  assertRelative(href, 'the manifest link');
  const manifestUrl = new URL(href, base);
  const response = await fetch(manifestUrl);
  assert.equal(response.status, 200, `${manifestUrl}`);
  assert.match(response.headers.get('content-type'), /^application\/(manifest\+)?json/);
  const manifest = JSON.parse(await response.text());
  assert.ok(manifest.name && manifest.short_name, 'name and short_name');
  assert.equal(manifest.display, 'standalone');
  for (const key of ['start_url', 'scope']) {
    assertRelative(manifest[key], key);
    assert.equal(new URL(manifest[key], manifestUrl).href, base, `${key} resolves to the site's own path`);
  }
  const purposes = new Set();
  const sizes = new Set();
  for (const icon of manifest.icons) {
    assertRelative(icon.src, 'icon');
    const iconUrl = new URL(icon.src, manifestUrl);
    assert.ok(iconUrl.href.startsWith(base), `${iconUrl} is outside ${base}`);
    const got = await fetch(iconUrl);
    assert.equal(got.status, 200, `${iconUrl}`);
    assert.equal(icon.type, 'image/png');
    assert.equal(got.headers.get('content-type'), icon.type, `${iconUrl}`);
    assert.equal(pngSize(Buffer.from(await got.arrayBuffer())), icon.sizes, `${iconUrl}`);
    sizes.add(icon.sizes);
    for (const p of (icon.purpose ?? 'any').split(' ')) purposes.add(p);
  }
  assert.ok(sizes.has('192x192') && sizes.has('512x512'), `icon sizes ${[...sizes]}: 192 and 512 are needed`);
  assert.ok(purposes.has('any') && purposes.has('maskable'), `icon purposes ${[...purposes]}`);
  // The page's own icon links.
  for (const rel of ['icon', 'apple-touch-icon']) {
    const src = await page.locator(`link[rel="${rel}"]`).getAttribute('href');
    assertRelative(src, rel);
    const got = await fetch(new URL(src, base));
    assert.equal(got.status, 200, `${rel} ${src}`);
    assert.equal(got.headers.get('content-type'), 'image/png');
  }
});

test('at /handwritten/ a drawn digit is read and one epoch trains', { timeout: 300_000 }, async () => {
  const shown = await drawFresh(page, DIGITS[7]);
  checkReading(shown, assert);
  assert.equal(shown.digit, 7, `the pretrained network read ${shown.digit}`);

  await page.fill('#epochs', '1');
  await recordStates(page);
  await page.click('#train');
  await waitForState(page, ['done', 'error'], 280_000);
  const status = page.locator('#train-status');
  assert.equal(await status.getAttribute('data-state'), 'done', `training ended with: ${await status.textContent()}`);
  assert.ok(Number(await status.getAttribute('data-test-accuracy')) > 0.85);
});

test('the service worker and the saved network stay within /handwritten/, and it reloads offline', async () => {
  // The service worker is registered from the page at /handwritten/: its scope is that path, not the origin.
  const scope = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
    }
    return registration.scope;
  });
  assert.equal(scope, base);

  // The trained network is kept (in this path's database, www/store.js) when its epoch is done.
  const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  await page.waitForFunction(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open(`handwritten:${location.pathname}`);
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('networks')) return resolve(false) || db.close();
          const all = db.transaction('networks').objectStore('networks').getAll();
          all.onsuccess = () => resolve(all.result.some((r) => r.epochs === 1)) || db.close();
          all.onerror = () => resolve(false) || db.close();
        };
      }),
    null,
    { timeout: 10_000 },
  );
  assert.deepEqual(await databases(), ['handwritten:/handwritten/']);

  // Offline (the browser told so, and the server stopped): the page, the wasm and the trained network come back
  // from the service worker's caches and IndexedDB.
  await stopServer();
  await page.context().setOffline(true);
  await page.reload();
  await waitForModel(page);
  const kept = await page.waitForFunction(() =>
    [...document.querySelectorAll('#model-select option')].map((o) => o.value).find((v) => v.startsWith('saved-')),
  );
  await page.selectOption('#model-select', await kept.jsonValue());
  checkReading(await drawFresh(page, DIGITS[7]), assert);
  // The form as it was set for that run, kept under this copy's name.
  assert.equal(await page.inputValue('#epochs'), '1');
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('handwritten.form:'))), ['handwritten.form:/handwritten/']);
  // The derivation's links to the code too: the files they name are cached when the worker is installed (the source
  // page said "src/math.rs could not be loaded (Failed to fetch)").
  const links = await page.$$eval('a[href*="source.html?file="]', (as) => [...new Set(as.map((a) => a.href))]);
  assert.ok(links.length >= 3, `${links}`);
  for (const href of links) {
    const source = await page.context().newPage();
    await source.goto(href);
    const fn = new URL(href).searchParams.get('fn');
    await source.waitForFunction(
      (fn) => [...document.querySelectorAll('#code .hit')].some((line) => line.textContent.includes(`fn ${fn}`)),
      fn,
      { timeout: 10_000 },
    ).catch(async () => assert.fail(`${href} offline: ${await source.locator('#code').textContent()}`));
    await source.close();
  }
  await page.context().setOffline(false);
  await startServer();

  // Everything the service worker cached lies under /handwritten/.
  const cached = await page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    }
    return urls;
  });
  assert.ok(cached.includes(base), `the page itself is not cached: ${cached}`);
  for (const url of cached) assert.ok(url.startsWith(base), `${url} is cached outside ${base}`);
});

test('the copy at /other/ of the same origin has its own service worker and sees neither that network nor that form', async () => {
  const other = await page.context().newPage();
  other.problems = [];
  other.on('pageerror', (e) => other.problems.push(`page error: ${e.message}`));
  await other.goto(`${origin}/other/`);
  await waitForModel(other);
  const scopes = await other.evaluate(async () => {
    await navigator.serviceWorker.ready;
    return (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope).sort();
  });
  assert.deepEqual(scopes, [base, `${origin}/other/`]);
  const options = await other.$$eval('#model-select option', (els) => els.map((o) => o.value));
  assert.ok(!options.some((v) => v.startsWith('saved-')), `/other/ offers the network trained at /handwritten/: ${options}`);
  // Nor its form: the page's own settings, not the one epoch set at /handwritten/.
  assert.notEqual(await other.inputValue('#epochs'), '1');
  assert.deepEqual(other.problems, []);
  await other.close();
});

test('nothing went wrong behind the scenes', () => {
  assert.deepEqual(page.problems, []);
});
