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
// The server runs in a process of its own, as `make serve` does: in this script's process it would answer the
// page's requests between Playwright's handling of the browser's events (one event loop), which on a 2-core machine
// made a cold visit's median about 30 ms longer (16 visits each, alternating).
//
//   node scripts/first-prediction.mjs [--runs N]     (after make site)
// As a module: `firstPrediction({ root, runs })` resolves to the same figures (scripts/bench.mjs).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawStrokes } from './screenshots.mjs';
import { launchChromium } from './chromium.mjs';
import { serveApart } from './serve.mjs';

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

/** Visits the site in `root` `runs` times each cold, warm and from the service worker's cache; the medians. */
export async function firstPrediction({ root = 'dist', runs = 5 } = {}) {
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`first-prediction: the visits of each kind must be a whole number, 1 or more, not ${runs}`);
  }
  const server = await serveApart(root);
  const url = server.url;
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
    return { browser: `chromium ${browser.version()}`, cold: summary(cold), warm: summary(warm), serviceWorker: summary(offline) };
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv.indexOf('--runs');
  const runs = arg > 0 ? Number(process.argv[arg + 1]) : 5;
  try {
    console.log(JSON.stringify(await firstPrediction({ runs }), null, 1));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
