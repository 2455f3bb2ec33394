// Shared by the end-to-end tests: the built site (dist/) served by the project's own server on a free port of
// 127.0.0.1, headless Chromium through playwright-core, digits drawn as pointer strokes, and readers of the page's
// state. Every wait is for a state of the page, never a fixed time.
import { before, after } from 'node:test';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launchChromium } from '../../scripts/chromium.mjs';
import { serveApart } from '../../scripts/serve.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SITE = path.join(ROOT, 'dist');
export { launchChromium };

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves with the first match of `pattern` in the child's output; rejects if it exits first. */
export function waitForOutput(child, pattern, name) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const look = (chunk) => {
      seen += chunk;
      const match = seen.match(pattern);
      if (match) {
        child.stdout.off('data', look);
        child.stderr.off('data', look);
        child.off('exit', exited);
        resolve(match);
      }
    };
    const exited = (code) => reject(new Error(`${name} exited (${code}) before printing ${pattern}:\n${seen}`));
    child.stdout.setEncoding('utf8').on('data', look);
    child.stderr.setEncoding('utf8').on('data', look);
    child.on('exit', exited);
    child.on('error', reject);
  });
}

/** Starts the project's static server on dist/ and returns { url, close }. */
export async function startServer() {
  if (!existsSync(path.join(SITE, 'index.html'))) {
    throw new Error(`${SITE}/index.html is missing: build the site first (make site)`);
  }
  return serveApart(SITE);
}

/**
 * The site for one test file: before its tests, starts the static server and Chromium, opens the site in a page
 * (unless `openPage` is false) and hands `{ server, browser, page }` to `ready`; after them, closes both.
 */
export function withSite(ready, { openPage = true } = {}) {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launchChromium();
    const page = openPage ? await openSite(browser, server.url) : undefined;
    await ready({ server, browser, page });
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
}

/**
 * A page of the site in a fresh context; page errors and console errors are collected in `page.problems` so a test
 * can check that nothing went wrong behind the scenes. `initScript`, if given, runs in the page before its own scripts.
 */
export async function openSite(browser, url, contextOptions = {}, initScript = undefined) {
  // English unless a test asks for another locale (the page opens in the browser's language).
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 }, locale: 'en-US', ...contextOptions });
  const page = await context.newPage();
  if (initScript) await page.addInitScript(initScript);
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && page.problems.push(`console error: ${m.text()}`));
  await page.goto(url);
  await waitForModel(page);
  return page;
}

/** Records every state #train-status takes, in order, in window.states. */
export function recordStates(page) {
  return page.evaluate(() => {
    const status = document.querySelector('#train-status');
    window.states = [status.dataset.state];
    new MutationObserver(() => {
      if (window.states.at(-1) !== status.dataset.state) window.states.push(status.dataset.state);
    }).observe(status, { attributes: true, attributeFilter: ['data-state'] });
  });
}

/** Waits until #train-status is in one of `states`. */
export function waitForState(page, states, timeout = 60_000) {
  return page.waitForFunction((s) => s.includes(document.querySelector('#train-status').dataset.state), states, {
    timeout,
  });
}

// ---- digits as strokes ------------------------------------------------------------------------------------------

/** Strokes of digits in unit coordinates of the pad (0..1 across, 0..1 down), as a person would draw them. */
export const DIGITS = {
  0: [ellipse(0.5, 0.5, 0.2, 0.32, 0, 360)],
  1: [
    [
      [0.52, 0.15],
      [0.5, 0.85],
    ],
  ],
  2: [
    [
      ...ellipse(0.5, 0.35, 0.2, 0.17, -75, 120),
      [0.3, 0.8],
      [0.75, 0.8],
    ],
  ],
  4: [
    [
      [0.55, 0.15],
      [0.28, 0.6],
      [0.75, 0.6],
    ],
    [
      [0.6, 0.35],
      [0.6, 0.87],
    ],
  ],
  7: [
    [
      [0.28, 0.2],
      [0.72, 0.2],
      [0.45, 0.85],
    ],
  ],
  3: [[...ellipse(0.48, 0.33, 0.18, 0.15, -70, 180), ...ellipse(0.47, 0.65, 0.2, 0.18, 0, 245)]],
};

function ellipse(cx, cy, rx, ry, fromDegrees, toDegrees) {
  const points = [];
  for (let d = fromDegrees; d <= toDegrees; d += 10) {
    const a = (d * Math.PI) / 180;
    points.push([cx + rx * Math.sin(a), cy - ry * Math.cos(a)]);
  }
  return points;
}

/** The pad's box in CSS pixels of the viewport, scrolled into view first (a click elsewhere may have scrolled it away). */
export async function padBox(page) {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  if (!box) throw new Error('#pad is not visible');
  return box;
}

/** Draws strokes (unit coordinates) on #pad with the mouse: pointerdown, pointermoves, pointerup. */
export async function drawWithMouse(page, strokes) {
  const box = await padBox(page);
  for (const stroke of strokes) {
    const at = ([u, v]) => [box.x + u * box.width, box.y + v * box.height];
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), { steps: 4 });
    await page.mouse.up();
  }
}

/** Draws strokes with a finger, through the DevTools protocol's touch events (the page sees pointerType "touch"). */
export async function drawWithTouch(page, strokes) {
  const box = await padBox(page);
  const cdp = await page.context().newCDPSession(page);
  for (const stroke of strokes) {
    const at = ([u, v]) => ({ x: box.x + u * box.width, y: box.y + v * box.height, id: 1, radiusX: 2, radiusY: 2 });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(stroke[0])] });
    for (let i = 1; i < stroke.length; i++) {
      const [u0, v0] = stroke[i - 1];
      const [u1, v1] = stroke[i];
      for (let t = 1; t <= 8; t++) {
        const point = at([u0 + ((u1 - u0) * t) / 8, v0 + ((v1 - v0) * t) / 8]);
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point] });
      }
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
  await cdp.detach();
}

// ---- the page's state -------------------------------------------------------------------------------------------

/** Waits until the page has loaded the wasm core and the pretrained network (body[data-ready]). */
export async function waitForModel(page) {
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== 'true') {
    const message = await page.locator('#message').textContent();
    throw new Error(`the page did not start: data-ready=${ready}, message: ${message}`);
  }
}

/**
 * Waits until the page has handled what was just drawn: the page reads the pad in the next animation frame after
 * a change, so a frame callback queued now runs after that reading.
 */
export function settle(page) {
  return page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
}

/** The ten probabilities shown, by digit. */
export function probabilities(page) {
  return page.$$eval('[data-digit][data-p]', (els) => {
    const p = Array(10).fill(NaN);
    for (const el of els) p[Number(el.dataset.digit)] = Number(el.dataset.p);
    return p;
  });
}

/** What the page shows after the last change: { digit (null when none), p (ten numbers) }. */
export async function reading(page) {
  await settle(page);
  const text = (await page.locator('#prediction').textContent()).trim();
  return { digit: /^[0-9]$/.test(text) ? Number(text) : null, p: await probabilities(page) };
}

/** Clears the pad with its button and draws `strokes` with the mouse; returns the page's reading. */
export async function drawFresh(page, strokes) {
  if (await page.locator('#clear').isEnabled()) await page.click('#clear');
  await drawWithMouse(page, strokes);
  return reading(page);
}

/** Checks that `p` is ten probabilities summing to 1 and that `digit` is the most probable. */
export function checkReading({ digit, p }, assert) {
  assert.equal(p.length, 10);
  for (const v of p) assert.ok(v >= 0 && v <= 1, `not a probability: ${v} in ${p}`);
  const sum = p.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4, `the ten data-p sum to ${sum}`);
  assert.equal(digit, p.indexOf(Math.max(...p)), `#prediction ${digit} is not the most probable digit of ${p}`);
}

/** The largest difference between two sets of ten probabilities. */
export function maxDifference(p, q) {
  return Math.max(...p.map((v, k) => Math.abs(v - q[k])));
}
