// One page of the site behind one small interface in headless Chromium (playwright-core) and headless Firefox
// (geckodriver), so that a test written once runs in both: `evaluate(fn, arg)` runs a function in the page (a
// promise is awaited), `waitFor(fn, arg, what)` waits until it returns a truthy value. Both start from empty
// storage (IndexedDB and caches). Also: a proxy in front of the site's server that can make a URL fail in the ways
// a real network does (stall, answer garbage), and readers of the page's state shared by the tests.
import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { before, after } from 'node:test';
import { launchChromium } from '../../scripts/chromium.mjs';
import { launchFirefox } from './firefox.mjs';
import { startServer } from './harness.mjs';

export const BROWSERS = ['chromium', 'firefox'];

/**
 * Opens `url` in browser `name` with empty storage and waits for the page to be ready; resolves with
 * {name, evaluate, waitFor, reload, close}. `problems` (Chromium only) collects page and console errors.
 */
export async function openPage(name, url) {
  const driver = name === 'chromium' ? await chromiumDriver(url) : await firefoxDriver(url);
  await driver.waitFor(() => document.body.dataset.ready, null, 'the page to start', 60_000);
  const ready = await driver.evaluate(() => [document.body.dataset.ready, document.querySelector('#message').textContent]);
  if (ready[0] !== 'true') throw new Error(`${name}: the page did not start: ${ready[1]}`);
  return driver;
}

async function chromiumDriver(url) {
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 }, locale: 'en-US' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return {
    name: 'chromium',
    problems,
    page,
    evaluate: (fn, arg = null) => page.evaluate(fn, arg),
    waitFor: async (fn, arg, what, timeout = 60_000) => {
      try {
        return await (await page.waitForFunction(fn, arg, { timeout })).jsonValue();
      } catch (e) {
        throw new Error(`chromium: waiting for ${what}: ${e.message}`, { cause: e });
      }
    },
    reload: () => page.reload(),
    close: () => browser.close(),
  };
}

async function firefoxDriver(url) {
  const firefox = await launchFirefox();
  try {
    await firefox.goto(url);
    // One profile for the session: start from empty storage.
    await firefox.evaluate(async () => {
      await new Promise((resolve) => {
        const req = indexedDB.deleteDatabase(`handwritten:${new URL('./', location.href).pathname}`);
        req.onsuccess = req.onerror = req.onblocked = resolve;
      });
      for (const key of await caches.keys()) await caches.delete(key);
    });
    await firefox.goto(url);
  } catch (e) {
    await firefox.close();
    throw e;
  }
  return {
    name: 'firefox',
    problems: [],
    evaluate: (fn, arg = null) => firefox.evaluate(fn, arg),
    waitFor: (fn, arg, what, timeout = 60_000) => firefox.waitFor(fn, what, timeout, arg),
    reload: () => firefox.goto(url),
    close: () => firefox.close(),
  };
}

// ---- the page, through either driver ------------------------------------------------------------------------

/** Clicks an element (by selector) in the page. */
export const click = (page, selector) => page.evaluate((s) => document.querySelector(s).click(), selector);

/** Sets the training form: {hidden, epochs, 'batch-size', ...} by element id. */
export const fillForm = (page, fields) =>
  page.evaluate((f) => {
    for (const [id, value] of Object.entries(f)) document.getElementById(id).value = String(value);
  }, fields);

/** The panel's state and status text, the message shown (or null) and the picker's options and value. */
export const panel = (page) =>
  page.evaluate(() => {
    const status = document.querySelector('#train-status');
    const message = document.querySelector('#message');
    const select = document.querySelector('#model-select');
    return {
      state: status.dataset.state,
      status: status.textContent,
      testAccuracy: status.dataset.testAccuracy === undefined ? null : Number(status.dataset.testAccuracy),
      message: message.hidden ? null : message.textContent,
      options: [...select.options].map((o) => ({ value: o.value, label: o.textContent })),
      selected: select.value,
      trainEnabled: !document.querySelector('#train').disabled,
    };
  });

/** Waits until the panel is in one of `states`; resolves with the panel. */
export async function waitForState(page, states, timeout = 120_000) {
  await page.waitFor((s) => s.includes(document.querySelector('#train-status').dataset.state), states, `state ${states}`, timeout);
  return panel(page);
}

/** Every record kept in the page's IndexedDB database (named by the site's path, see www/store.js), whatever its stores (bytes as arrays). */
export const storedRecords = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open(`handwritten:${new URL('./', location.href).pathname}`);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const names = [...db.objectStoreNames];
          if (names.length === 0) return resolve([]) || db.close();
          const tx = db.transaction(names);
          const out = [];
          for (const name of names) {
            const req = tx.objectStore(name).getAll();
            req.onsuccess = () => out.push(...req.result.map((r) => ({ ...r, bytes: Array.from(r.bytes) })));
          }
          tx.oncomplete = () => resolve(out) || db.close();
          tx.onerror = () => reject(tx.error);
        };
      }),
  );

// ---- a network that fails on purpose ---------------------------------------------------------------------------

/**
 * For a test file: the site's server and a proxy in front of it (`startProxy`), started before its tests and closed
 * after them. Returns `{proxy}`, set once they have started.
 */
export function withProxy() {
  const site = { proxy: null };
  let server;
  before(async () => {
    server = await startServer();
    site.proxy = await startProxy(server.url);
  });
  after(() => {
    site.proxy?.close();
    server?.close();
  });
  return site;
}

/**
 * A proxy on 127.0.0.1 in front of `upstream` (the site's server). `fail(pattern, how, times)` makes the next
 * `times` requests whose path matches `pattern` fail: 'stall' (never answered), 'half' (200, then the first bytes of
 * a gzip file, then nothing), 'garbage' (200 with an HTML page, as a captive portal would give), 'unsized' (the
 * site's answer without its Content-Length, sent in chunks) or {type, body} (200 with that body). `requests(pattern)`
 * counts the requests that reached it.
 */
export async function startProxy(upstream) {
  const faults = [];
  const seen = [];
  const stalled = new Set();
  const server = http.createServer((req, res) => {
    seen.push(req.url);
    const fault = faults.find((f) => f.times > 0 && f.pattern.test(req.url));
    const unsized = fault?.how === 'unsized';
    if (unsized) fault.times--;
    if (fault && !unsized) {
      fault.times--;
      if (fault.how === 'stall' || fault.how === 'half') {
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
        if (fault.how === 'half') {
          const gzip = zlib.gzipSync(crypto.randomBytes(64 * 1024));
          res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': gzip.length });
          res.write(gzip.subarray(0, gzip.length >> 1));
        }
        return;
      }
      const { type, body } =
        fault.how === 'garbage'
          ? { type: 'text/html', body: '<!doctype html><title>Sign in to the network</title><p>Please sign in.</p>' }
          : fault.how;
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    const headers = { ...req.headers, host: new URL(upstream).host };
    const forward = http.request(new URL(req.url, upstream), { method: req.method, headers }, (up) => {
      if (unsized) delete up.headers['content-length'];
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    fail: (pattern, how, times = Infinity) => faults.push({ pattern, how, times }),
    heal: () => {
      faults.length = 0;
      for (const res of stalled) res.destroy();
    },
    requests: (pattern) => seen.filter((u) => pattern.test(u)).length,
    close: () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}
