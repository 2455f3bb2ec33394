#!/usr/bin/env node
// Time from opening the page to its first prediction, in headless Chromium on the built site (dist/) served on the
// loopback by scripts/serve.mjs, and prints JSON. Each visit is timed from the navigation's start
// (performance.timeOrigin) until the page predicts: `readyMs` is when the wasm module and the pretrained model are
// loaded (main.js sets it with `document.body.dataset.ready`); a stroke is then drawn and `firstPredictionMs` is
// readyMs plus the first prediction's own time (preprocessing + forward pass, main.js's `timing.last`): the time the
// page needs before it can show a verdict, without the seconds the stroke takes to draw.
//  - cold: a new browser context (empty HTTP cache, no service worker);
//  - warm: the same context reloaded (the HTTP cache revalidates with ETag, the server answers 304);
//  - offline: a context whose service worker has cached the site, reloaded (answers from the Cache API).
// The median of --runs N visits of each kind (default 5).
//
//   node scripts/first-prediction.mjs [--runs N]     (after make site)

import { serve } from './serve.mjs';
import { drawStrokes } from './screenshots.mjs';
import { launchChromium } from './chromium.mjs';

const arg = process.argv.indexOf('--runs');
const runs = arg > 0 ? Number(process.argv[arg + 1]) : 5;

/** Waits for the page to be ready, draws a stroke, and reads the two times. */
async function measure(page) {
  await page.waitForSelector('body[data-ready=true]');
  const readyMs = await page.evaluate(() => window.handwritten.timing.readyMs);
  const before = await page.evaluate(() => window.handwritten.timing.count);
  await drawStrokes(page, [[[0.5, 0.2], [0.5, 0.8]]]);
  await page.waitForFunction((n) => window.handwritten.timing.count > n, before);
  const firstMs = await page.evaluate(() => window.handwritten.timing.last);
  return { readyMs, firstPredictionMs: readyMs + firstMs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function summary(visits) {
  return {
    readyMs: Math.round(median(visits.map((v) => v.readyMs))),
    firstPredictionMs: Math.round(median(visits.map((v) => v.firstPredictionMs))),
    runs: visits.map((v) => Math.round(v.firstPredictionMs)),
  };
}

const { server, url } = await serve('dist', 0);
const browser = await launchChromium();
const options = { viewport: { width: 1280, height: 900 } };
try {
  const cold = [];
  const warm = [];
  const offline = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ ...options, serviceWorkers: 'block' });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(url);
    cold.push(await measure(page));
    await page.reload();
    warm.push(await measure(page));
    await context.close();
  }
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]');
    // The service worker has installed (its precache filled) and controls the page once reloaded.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await page.reload();
    offline.push(await measure(page));
    await context.close();
  }
  console.log(JSON.stringify({ browser: `chromium ${browser.version()}`, cold: summary(cold), warm: summary(warm), serviceWorker: summary(offline) }, null, 1));
} finally {
  await browser.close();
  server.close();
}
